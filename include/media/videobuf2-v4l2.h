/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * videobuf2-v4l2: what V4L2 drivers use of videobuf2.
 *
 * The queue core (videobuf2-core.h) knows nothing of V4L2.  This layer
 * turns the V4L2 buffer ioctls (struct v4l2_buffer and friends) into calls
 * of the core, keeps the V4L2-only metadata of each buffer in
 * &struct vb2_v4l2_buffer, and offers ready-made ioctl and file operation
 * handlers for drivers whose video node owns exactly one queue.
 */
#ifndef _MEDIA_VIDEOBUF2_V4L2_H
#define _MEDIA_VIDEOBUF2_V4L2_H

#include <linux/videodev2.h>
#include <media/videobuf2-core.h>

/* The core's limits are the ABI's limits: both sides must agree. */
#if VB2_MAX_FRAME != VIDEO_MAX_FRAME
#error VB2_MAX_FRAME != VIDEO_MAX_FRAME
#endif

#if VB2_MAX_PLANES != VIDEO_MAX_PLANES
#error VB2_MAX_PLANES != VIDEO_MAX_PLANES
#endif

struct video_device;

/**
 * struct vb2_v4l2_buffer - a videobuf2 buffer with its V4L2 metadata
 *
 * @vb2_buf:	the core's buffer; must stay the first member, drivers
 *		embed this structure (at the start of their own) and the
 *		core allocates &vb2_queue.buf_struct_size bytes for it.
 * @flags:	the V4L2_BUF_FLAG_* bits that travel with the buffer
 *		(frame type, timecode, LAST, hold-capture and so on); the
 *		state bits (QUEUED, DONE, MAPPED, ...) are computed when
 *		the buffer is reported and never stored here.
 * @field:	the &enum v4l2_field of the data: set by the driver on
 *		capture queues, taken from userspace on output queues.
 * @timecode:	SMPTE-style timecode, meaningful while
 *		%V4L2_BUF_FLAG_TIMECODE is set in @flags.
 * @sequence:	frame counter the driver fills in for each completed
 *		buffer.
 * @request_fd:	the media request file descriptor userspace queued the
 *		buffer with, or -1 when the buffer is not part of a request.
 * @is_held:	set by the mem2mem helpers while a capture buffer is kept
 *		back for the next slice of the same frame
 *		(%V4L2_BUF_FLAG_M2M_HOLD_CAPTURE_BUF).
 * @planes:	the plane description userspace gave at the last QBUF or
 *		PREPARE_BUF (memory handle, length, bytesused,
 *		data_offset), kept until the core prepares the buffer.
 *
 * Together with the core's &struct vb2_buffer this holds everything that
 * &struct v4l2_buffer reports to userspace.
 */
struct vb2_v4l2_buffer {
	struct vb2_buffer	vb2_buf;

	__u32			flags;
	__u32			field;
	struct v4l2_timecode	timecode;
	__u32			sequence;
	__s32			request_fd;
	bool			is_held;
	struct vb2_plane	planes[VB2_MAX_PLANES];
};

/*
 * Bits of &vb2_queue.subsystem_flags owned by this layer.
 * VB2_V4L2_FL_SUPPORTS_M2M_HOLD_CAPTURE_BUF: the (stateless decoder) queue
 * accepts %V4L2_BUF_FLAG_M2M_HOLD_CAPTURE_BUF on its output buffers and
 * advertises %V4L2_BUF_CAP_SUPPORTS_M2M_HOLD_CAPTURE_BUF.
 */
#define VB2_V4L2_FL_SUPPORTS_M2M_HOLD_CAPTURE_BUF 0x1

/**
 * to_vb2_v4l2_buffer() - get the V4L2 buffer around a core buffer
 * @vb:	pointer to the &struct vb2_buffer embedded in a
 *	&struct vb2_v4l2_buffer.
 */
#define to_vb2_v4l2_buffer(vb) \
	container_of(vb, struct vb2_v4l2_buffer, vb2_buf)

/**
 * vb2_find_buffer() - look a buffer up by the timestamp copied into it
 * @q:		the queue to search.
 * @timestamp:	the timestamp, in nanoseconds.
 *
 * Only buffers whose timestamp was copied from another buffer (by the
 * mem2mem metadata helpers, see &vb2_buffer.copied_timestamp) take part,
 * so stateless codecs can find reference frames by the timestamp of the
 * OUTPUT buffer that produced them.  The search is linear in the queue's
 * buffer slots.
 *
 * Return: the first matching buffer, or NULL.
 */
struct vb2_buffer *vb2_find_buffer(struct vb2_queue *q, u64 timestamp);

/**
 * vb2_querybuf() - describe one buffer to userspace (VIDIOC_QUERYBUF)
 * @q:	the queue.
 * @b:	the ioctl argument; @b->type and @b->index select the buffer and,
 *	for multi-planar types, @b->m.planes must hold room for all of its
 *	planes.
 *
 * Fills in @b from the buffer's current state.  May be used by any file
 * handle, owner or not.
 *
 * Return: 0, or -EINVAL for a wrong type, an unknown index or a planes
 * array that is missing or too short.
 */
int vb2_querybuf(struct vb2_queue *q, struct v4l2_buffer *b);

/**
 * vb2_reqbufs() - VIDIOC_REQBUFS on a queue
 * @q:		the queue.
 * @req:	the ioctl argument.
 *
 * Checks @req->type and @req->memory against the queue, reports the
 * queue's %V4L2_BUF_CAP_* bits in @req->capabilities (added to whatever
 * the caller put there), drops memory flags the queue cannot honour and
 * then lets vb2_core_reqbufs() free and/or allocate the buffers.  On
 * return @req->count holds the number of buffers actually allocated.
 *
 * Return: 0 or a negative errno meant for userspace.
 */
int vb2_reqbufs(struct vb2_queue *q, struct v4l2_requestbuffers *req);

/**
 * vb2_create_bufs() - VIDIOC_CREATE_BUFS on a queue
 * @q:		the queue.
 * @create:	the ioctl argument.
 *
 * Derives the plane count and sizes from @create->format, reports the
 * capabilities and the queue's maximum number of buffers, and adds
 * @create->count buffers with vb2_core_create_bufs().  With a count of 0
 * only the memory type and buffer type are checked.  On return
 * @create->index is the index of the first new buffer.
 *
 * Return: 0 or a negative errno meant for userspace.
 */
int vb2_create_bufs(struct vb2_queue *q, struct v4l2_create_buffers *create);

/**
 * vb2_prepare_buf() - VIDIOC_PREPARE_BUF on a queue
 * @q:		the queue.
 * @mdev:	the media device of the video node, or NULL.  Requests are
 *		not accepted here, so it is only passed for symmetry with
 *		vb2_qbuf().
 * @b:		the ioctl argument.
 *
 * Validates @b, records what userspace described (planes, flags, field)
 * and has the core get the buffer ready for I/O (memory pinned, imported
 * or mapped, caches cleaned, &vb2_ops.buf_prepare called) without
 * queueing it.  A later vb2_qbuf() of the same buffer reuses that work.
 *
 * Return: 0, -EBUSY while read()/write() emulation runs, -EINVAL for a
 * malformed @b or a request file descriptor, or the error of the
 * preparation.
 */
int vb2_prepare_buf(struct vb2_queue *q, struct media_device *mdev,
		    struct v4l2_buffer *b);

/**
 * vb2_qbuf() - VIDIOC_QBUF on a queue
 * @q:		the queue.
 * @mdev:	the media device requests are looked up in, or NULL.
 * @b:		the ioctl argument.
 *
 * Validates @b and records what userspace described unless the buffer was
 * already prepared.  With %V4L2_BUF_FLAG_REQUEST_FD set the buffer is
 * bound to the request @b->request_fd of @mdev and only prepared and
 * handed to the driver when that request is queued; otherwise it is
 * prepared now (if needed) and, while streaming, passed to
 * &vb2_ops.buf_queue.  On success @b is updated to the buffer's new
 * state.
 *
 * Return: 0 or a negative errno meant for userspace: -EBUSY while file I/O
 * emulation runs or when direct and request queueing are mixed, -EBADR
 * when the request flag does not match what the queue supports or
 * requires, -EINVAL for a malformed @b or an unknown request.
 */
int vb2_qbuf(struct vb2_queue *q, struct media_device *mdev,
	     struct v4l2_buffer *b);

/**
 * vb2_expbuf() - VIDIOC_EXPBUF on a queue
 * @q:	the queue; its buffers must be MMAP buffers.
 * @eb:	the ioctl argument; @eb->fd receives the new dma-buf descriptor.
 *
 * Return: 0 or a negative errno meant for userspace.
 */
int vb2_expbuf(struct vb2_queue *q, struct v4l2_exportbuffer *eb);

/**
 * vb2_dqbuf() - VIDIOC_DQBUF on a queue
 * @q:		the queue.
 * @b:		the ioctl argument, filled in with the dequeued buffer.
 * @nonblocking: return -EAGAIN instead of sleeping when no buffer is
 *		 done; drivers pass (@file->f_flags & %O_NONBLOCK).
 *
 * Takes the oldest completed buffer off the queue (the core calls
 * &vb2_ops.buf_finish and syncs caches) and reports it in @b.  When a
 * capture buffer carrying %V4L2_BUF_FLAG_LAST comes out, later calls fail
 * with -EPIPE until the queue is restarted or
 * vb2_clear_last_buffer_dequeued() is called.  %V4L2_BUF_FLAG_DONE is
 * never set in the result.
 *
 * Return: 0 or a negative errno meant for userspace.
 */
int vb2_dqbuf(struct vb2_queue *q, struct v4l2_buffer *b, bool nonblocking);

/**
 * vb2_streamon() - VIDIOC_STREAMON on a queue
 * @q:		the queue.
 * @type:	the buffer type userspace passed; must be the queue's.
 *
 * Starts streaming: buffers queued so far go to the driver and, once
 * &vb2_queue.min_queued_buffers are there, &vb2_ops.start_streaming is
 * called.  Streaming an already streaming queue is not an error.
 *
 * Return: 0 or a negative errno meant for userspace; -EBUSY while file
 * I/O emulation runs.
 */
int vb2_streamon(struct vb2_queue *q, enum v4l2_buf_type type);

/**
 * vb2_streamoff() - VIDIOC_STREAMOFF on a queue
 * @q:		the queue.
 * @type:	the buffer type userspace passed; must be the queue's.
 *
 * Stops streaming: the driver's &vb2_ops.stop_streaming returns every
 * buffer it holds, and all buffers, whether queued, done or with the
 * driver, go back to the dequeued state.  Allocated memory is kept, so
 * streaming can resume later.
 *
 * Return: 0 or a negative errno meant for userspace; -EBUSY while file
 * I/O emulation runs.
 */
int vb2_streamoff(struct vb2_queue *q, enum v4l2_buf_type type);

/**
 * vb2_queue_init() - set a V4L2 queue up
 * @q:	the queue, zeroed and then filled in by the driver.
 *
 * Same as vb2_queue_init_name() with no name.
 *
 * Return: 0, or -EINVAL when the driver's settings are inconsistent.
 */
int __must_check vb2_queue_init(struct vb2_queue *q);

/**
 * vb2_queue_init_name() - set a V4L2 queue up and give it a name
 * @q:		the queue, zeroed and then filled in by the driver: at least
 *		&vb2_queue.type, &vb2_queue.io_modes, &vb2_queue.ops,
 *		&vb2_queue.mem_ops and a timestamp type in
 *		&vb2_queue.timestamp_flags.
 * @name:	the name used in the queue's log messages, or NULL to let
 *		the core make one up.  Useful when one device has several
 *		queues (mem2mem).
 *
 * Installs the V4L2 buffer operations, derives the queue's direction,
 * planarity and timestamp copying from the driver's settings, defaults
 * &vb2_queue.buf_struct_size to a &struct vb2_v4l2_buffer and
 * &vb2_queue.max_num_buffers to %VB2_MAX_FRAME, and initialises the core
 * part with vb2_core_queue_init().
 *
 * Return: 0, or -EINVAL when the driver's settings are inconsistent.
 */
int __must_check vb2_queue_init_name(struct vb2_queue *q, const char *name);

/**
 * vb2_queue_release() - tear a queue down
 * @q:	the queue.
 *
 * Stops streaming and read()/write() emulation and frees every buffer;
 * buffers that userspace still maps or has exported stay alive until those
 * references go.  The &struct vb2_queue itself belongs to the driver.
 */
void vb2_queue_release(struct vb2_queue *q);

/**
 * vb2_queue_change_type() - switch a queue to another buffer type
 * @q:		the queue.
 * @type:	the new &enum v4l2_buf_type.
 *
 * For a node that serves two buffer types from one queue (raw and sliced
 * VBI, for instance): the driver calls this from its REQBUFS and
 * CREATE_BUFS handlers before the vb2_ioctl_*() helper.  Once buffers are
 * allocated the queue keeps its type until they are freed again.
 *
 * Return: 0 (also when @type already is the queue's type), or -EBUSY
 * while the queue has buffers.
 */
int vb2_queue_change_type(struct vb2_queue *q, unsigned int type);

/**
 * vb2_poll() - the poll() logic of a V4L2 queue
 * @q:		the queue.
 * @file:	the file being polled.
 * @wait:	the poll table.
 *
 * Reports %EPOLLIN/%EPOLLRDNORM for a capture queue and
 * %EPOLLOUT/%EPOLLWRNORM for an output queue when a buffer can be
 * dequeued, %EPOLLERR when nothing can ever become ready (see
 * vb2_core_poll()), and, for nodes that use &struct v4l2_fh, %EPOLLPRI when
 * a V4L2 event is pending on the file handle.
 *
 * Return: the poll mask.
 */
__poll_t vb2_poll(struct vb2_queue *q, struct file *file, poll_table *wait);

/*
 * Ready-made handlers for drivers whose &struct video_device has its queue
 * in &video_device.queue.  They serialise on &vb2_queue.lock, or on
 * &video_device.lock when the queue has no lock of its own, and they
 * implement queue ownership: the file handle that allocates buffers (or
 * starts read()/write() emulation) becomes &vb2_queue.owner, and other file
 * handles get -EBUSY from the operations that change the queue.
 */

/**
 * vb2_queue_is_busy() - whether another file handle owns the queue
 * @q:		the queue.
 * @file:	the file asking.
 *
 * Drivers that write their own ioctl handlers can use this for the same
 * ownership rule the vb2_ioctl_*() helpers apply.
 *
 * Return: true when the queue has an owner and it is not @file.
 */
static inline bool vb2_queue_is_busy(struct vb2_queue *q, struct file *file)
{
	return q->owner && q->owner != file->private_data;
}

/* Handlers for struct v4l2_ioctl_ops */

/**
 * vb2_ioctl_reqbufs() - &v4l2_ioctl_ops.vidioc_reqbufs for the node's queue
 * @file:	the file of the ioctl.
 * @priv:	the file handle's private data (unused).
 * @p:		the ioctl argument.
 *
 * Like vb2_reqbufs(), and refused with -EBUSY for non-owners.  A non-zero
 * count makes @file the owner, a zero count gives ownership up.
 *
 * Return: 0 or a negative errno meant for userspace.
 */
int vb2_ioctl_reqbufs(struct file *file, void *priv,
		      struct v4l2_requestbuffers *p);

/**
 * vb2_ioctl_create_bufs() - &v4l2_ioctl_ops.vidioc_create_bufs for the
 *	node's queue
 * @file:	the file of the ioctl.
 * @priv:	the file handle's private data (unused).
 * @p:		the ioctl argument.
 *
 * Like vb2_create_bufs(), and refused with -EBUSY for non-owners; a
 * successful allocation makes @file the owner.  A zero count only checks
 * the arguments and reports the capabilities, for anyone.
 *
 * Return: 0 or a negative errno meant for userspace.
 */
int vb2_ioctl_create_bufs(struct file *file, void *priv,
			  struct v4l2_create_buffers *p);

/**
 * vb2_ioctl_prepare_buf() - &v4l2_ioctl_ops.vidioc_prepare_buf for the
 *	node's queue
 * @file:	the file of the ioctl.
 * @priv:	the file handle's private data (unused).
 * @p:		the ioctl argument.
 *
 * Return: -EBUSY for non-owners, else as vb2_prepare_buf().
 */
int vb2_ioctl_prepare_buf(struct file *file, void *priv,
			  struct v4l2_buffer *p);

/**
 * vb2_ioctl_querybuf() - &v4l2_ioctl_ops.vidioc_querybuf for the node's
 *	queue
 * @file:	the file of the ioctl.
 * @priv:	the file handle's private data (unused).
 * @p:		the ioctl argument.
 *
 * Open to every file handle.
 *
 * Return: as vb2_querybuf().
 */
int vb2_ioctl_querybuf(struct file *file, void *priv, struct v4l2_buffer *p);

/**
 * vb2_ioctl_qbuf() - &v4l2_ioctl_ops.vidioc_qbuf for the node's queue
 * @file:	the file of the ioctl.
 * @priv:	the file handle's private data (unused).
 * @p:		the ioctl argument.
 *
 * Requests are looked up in the media device of the node's
 * &struct v4l2_device.
 *
 * Return: -EBUSY for non-owners, else as vb2_qbuf().
 */
int vb2_ioctl_qbuf(struct file *file, void *priv, struct v4l2_buffer *p);

/**
 * vb2_ioctl_dqbuf() - &v4l2_ioctl_ops.vidioc_dqbuf for the node's queue
 * @file:	the file of the ioctl; %O_NONBLOCK selects non-blocking mode.
 * @priv:	the file handle's private data (unused).
 * @p:		the ioctl argument.
 *
 * Return: -EBUSY for non-owners, else as vb2_dqbuf().
 */
int vb2_ioctl_dqbuf(struct file *file, void *priv, struct v4l2_buffer *p);

/**
 * vb2_ioctl_streamon() - &v4l2_ioctl_ops.vidioc_streamon for the node's
 *	queue
 * @file:	the file of the ioctl.
 * @priv:	the file handle's private data (unused).
 * @i:		the buffer type userspace passed.
 *
 * Return: -EBUSY for non-owners, else as vb2_streamon().
 */
int vb2_ioctl_streamon(struct file *file, void *priv, enum v4l2_buf_type i);

/**
 * vb2_ioctl_streamoff() - &v4l2_ioctl_ops.vidioc_streamoff for the node's
 *	queue
 * @file:	the file of the ioctl.
 * @priv:	the file handle's private data (unused).
 * @i:		the buffer type userspace passed.
 *
 * Return: -EBUSY for non-owners, else as vb2_streamoff().
 */
int vb2_ioctl_streamoff(struct file *file, void *priv, enum v4l2_buf_type i);

/**
 * vb2_ioctl_expbuf() - &v4l2_ioctl_ops.vidioc_expbuf for the node's queue
 * @file:	the file of the ioctl.
 * @priv:	the file handle's private data (unused).
 * @p:		the ioctl argument.
 *
 * Return: -EBUSY for non-owners, else as vb2_expbuf().
 */
int vb2_ioctl_expbuf(struct file *file, void *priv,
		     struct v4l2_exportbuffer *p);

/**
 * vb2_ioctl_remove_bufs() - &v4l2_ioctl_ops.vidioc_remove_bufs for the
 *	node's queue
 * @file:	the file of the ioctl.
 * @priv:	the file handle's private data (unused).
 * @p:		the ioctl argument.
 *
 * Frees the buffers @p->index to @p->index + @p->count - 1 with
 * vb2_core_remove_bufs().  A zero count does nothing once @p->type has
 * been checked.
 *
 * Return: 0, -EINVAL for a wrong type or a range with missing buffers,
 * -EBUSY for non-owners, during file I/O emulation or when a buffer of the
 * range is in use.
 */
int vb2_ioctl_remove_bufs(struct file *file, void *priv,
			  struct v4l2_remove_buffers *p);

/* Handlers for struct v4l2_file_operations */

/**
 * vb2_fop_mmap() - &v4l2_file_operations.mmap for the node's queue
 * @file:	the file being mapped.
 * @vma:	the new mapping.
 *
 * Return: as vb2_mmap().
 */
int vb2_fop_mmap(struct file *file, struct vm_area_struct *vma);

/**
 * vb2_fop_release() - &v4l2_file_operations.release for the node's queue
 * @file:	the file being closed.
 *
 * _vb2_fop_release() with the queue's lock, or the video device's lock
 * when the queue has none.
 *
 * Return: as v4l2_fh_release().
 */
int vb2_fop_release(struct file *file);

/**
 * _vb2_fop_release() - close a file of the node, releasing the queue if
 *	the file owns it
 * @file:	the file being closed; its private data must be a
 *		&struct v4l2_fh.
 * @lock:	the mutex to hold while the queue is released, or NULL when
 *		the caller already serialises.
 *
 * When @file owns the queue, or nobody does, stops streaming, frees the
 * buffers and clears the owner.  Then releases the file handle with
 * v4l2_fh_release().  For drivers whose release does more than this.
 *
 * Return: as v4l2_fh_release().
 */
int _vb2_fop_release(struct file *file, struct mutex *lock);

/**
 * vb2_fop_write() - &v4l2_file_operations.write for the node's queue
 * @file:	the file written to.
 * @buf:	the user data.
 * @count:	its size in bytes.
 * @ppos:	the file position.
 *
 * Emulates write() on an output queue with %VB2_WRITE in its io_modes;
 * the file that starts the emulation becomes the queue's owner.
 *
 * Return: the number of bytes consumed or a negative errno: -EINVAL when
 * the queue does not support write(), -EBUSY when another file handle
 * owns the queue, -ERESTARTSYS when interrupted while taking the lock.
 */
ssize_t vb2_fop_write(struct file *file, const char __user *buf,
		      size_t count, loff_t *ppos);

/**
 * vb2_fop_read() - &v4l2_file_operations.read for the node's queue
 * @file:	the file read from.
 * @buf:	the user buffer.
 * @count:	its size in bytes.
 * @ppos:	the file position.
 *
 * Emulates read() on a capture queue with %VB2_READ in its io_modes;
 * the file that starts the emulation becomes the queue's owner.
 *
 * Return: the number of bytes copied or a negative errno: -EINVAL when
 * the queue does not support read(), -EBUSY when another file handle owns
 * the queue, -ERESTARTSYS when interrupted while taking the lock.
 */
ssize_t vb2_fop_read(struct file *file, char __user *buf,
		     size_t count, loff_t *ppos);

/**
 * vb2_fop_poll() - &v4l2_file_operations.poll for the node's queue
 * @file:	the file being polled.
 * @wait:	the poll table.
 *
 * vb2_poll() under the queue's (or video device's) lock.  Polling for
 * reading may start read() emulation, which makes @file the owner.
 * The node must have one of the two locks.
 *
 * Return: the poll mask; %EPOLLERR when interrupted while taking the lock.
 */
__poll_t vb2_fop_poll(struct file *file, poll_table *wait);

#ifndef CONFIG_MMU
/**
 * vb2_fop_get_unmapped_area() - &v4l2_file_operations.get_unmapped_area
 *	for the node's queue, on systems without an MMU
 * @file:	the file being mapped.
 * @addr:	the address hint.
 * @len:	the length of the mapping.
 * @pgoff:	the offset, in pages, that selects the plane.
 * @flags:	the mapping flags.
 *
 * Return: as vb2_get_unmapped_area().
 */
unsigned long vb2_fop_get_unmapped_area(struct file *file, unsigned long addr,
					unsigned long len, unsigned long pgoff,
					unsigned long flags);
#endif

/**
 * vb2_video_unregister_device() - unregister a video node and shut its
 *	queue down
 * @vdev:	the video device; may be NULL or never registered, then
 *		nothing happens.
 *
 * Drivers that use vb2_fop_release() or _vb2_fop_release() call this
 * instead of video_unregister_device(): after unregistering it releases
 * the node's queue (under its lock), so streaming stops at once and not
 * only when the last file handle is closed.  A reference on the device is
 * held meanwhile, so its release callback runs only after the queue is
 * torn down.
 */
void vb2_video_unregister_device(struct video_device *vdev);

/**
 * vb2_ops_wait_prepare() - &vb2_ops.wait_prepare for queues with a lock
 * @vq:	the queue; &vb2_queue.lock must be set.
 *
 * Drops &vb2_queue.lock before the core sleeps for a buffer.
 */
void vb2_ops_wait_prepare(struct vb2_queue *vq);

/**
 * vb2_ops_wait_finish() - &vb2_ops.wait_finish for queues with a lock
 * @vq:	the queue; &vb2_queue.lock must be set.
 *
 * Takes &vb2_queue.lock again after the core slept for a buffer.
 */
void vb2_ops_wait_finish(struct vb2_queue *vq);

struct media_request;

/**
 * vb2_request_validate() - &media_device_ops.req_validate for vb2 drivers
 * @req:	the request being queued.
 *
 * Prepares every object of @req that can be prepared (buffers get their
 * memory and &vb2_ops.buf_prepare); if one fails, the objects already
 * prepared are unprepared again.
 *
 * Return: 0, -ENOENT when @req holds no buffer, or the first error of a
 * prepare.
 */
int vb2_request_validate(struct media_request *req);

/**
 * vb2_request_queue() - &media_device_ops.req_queue for vb2 drivers
 * @req:	the validated request.
 *
 * Queues every object of @req.  Buffers come last in a request and the
 * driver may complete (and unbind) one as soon as it gets it, so the walk
 * tolerates the current object leaving the list.
 */
void vb2_request_queue(struct media_request *req);

#endif /* _MEDIA_VIDEOBUF2_V4L2_H */
