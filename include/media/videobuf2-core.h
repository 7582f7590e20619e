/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * videobuf2 core: the subsystem-neutral part of the videobuf2 framework
 * (buffer queue, buffer life cycle, memory allocator interface).  The V4L2
 * glue lives in videobuf2-v4l2.h, the DVB glue in videobuf2-dvb.h.
 */
#ifndef _MEDIA_VIDEOBUF2_CORE_H
#define _MEDIA_VIDEOBUF2_CORE_H

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/dma-buf.h>
#include <linux/dma-direction.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <media/frame_vector.h>
#include <media/media-request.h>

/**
 * DOC: How videobuf2 sees the world
 *
 * A driver that streams frames to or from userspace hands the bookkeeping to
 * videobuf2 by embedding one &struct vb2_queue per stream direction.  The
 * queue holds a set of buffers (&struct vb2_buffer), each known by its
 * index, up to a per-queue maximum (%VB2_MAX_FRAME unless the driver asks
 * for more).  Every buffer has 1 to %VB2_MAX_PLANES planes
 * (&struct vb2_plane): a plane is one memory area of its own, so a format
 * such as NV12M with separate luma and chroma areas uses two.  Drivers
 * usually wrap the buffer in a structure of their own whose first member is
 * the subsystem's buffer (&struct vb2_v4l2_buffer for V4L2); the core
 * allocates &vb2_queue.buf_struct_size bytes per buffer for that.
 *
 * Where the memory of a plane comes from is fixed for the whole queue by
 * the first VIDIOC_REQBUFS or VIDIOC_CREATE_BUFS (&enum vb2_memory) and can
 * only change when all buffers are freed (VIDIOC_REQBUFS frees them first):
 *
 * - MMAP: the allocator allocates the memory when the buffer is created;
 *   userspace reaches it with mmap() on the video node, using the offset
 *   reported by VIDIOC_QUERYBUF as a cookie.  read()/write() emulation is
 *   built on this type too.
 * - USERPTR: userspace passes an address with every VIDIOC_QBUF; the
 *   allocator pins those pages and maps them for the device.
 * - DMABUF: userspace passes a dma-buf file descriptor per plane; the core
 *   imports it and the allocator attaches the device to it and maps it.
 *
 * Which party may touch a buffer is given by its state (&enum
 * vb2_buffer_state):
 *
 * - DEQUEUED: userspace owns it; neither the driver nor the device may use
 *   it.
 * - IN_REQUEST: it is part of a media request that has not been queued
 *   yet.
 * - PREPARING: a short-lived state while the core gets the memory ready
 *   (pinning, importing, mapping, cache maintenance, &vb2_ops.buf_prepare)
 *   for VIDIOC_PREPARE_BUF or VIDIOC_QBUF.
 * - QUEUED: videobuf2 holds it until the driver can take it (streaming not
 *   started yet, or fewer queued buffers than
 *   &vb2_queue.min_queued_buffers).
 * - ACTIVE: the driver got it through &vb2_ops.buf_queue and the device may
 *   read or write it; only the driver can end this state, with
 *   vb2_buffer_done().
 * - DONE and ERROR: the device is finished with it and it waits on the
 *   done list for VIDIOC_DQBUF, which makes it DEQUEUED again.
 *
 * The core never touches memory itself; it goes through the allocator the
 * driver picked in &vb2_queue.mem_ops (dma-contig, dma-sg, vmalloc).  For
 * each plane the allocator returns an opaque handle, stored in
 * &vb2_plane.mem_priv and passed back to every later call for that plane.
 * The allocator also does the cache maintenance: &vb2_mem_ops.prepare runs
 * before the device gets the memory and &vb2_mem_ops.finish after it gave
 * it back, unless userspace asked to skip them with cache hints.  &struct
 * vb2_mem_ops spells out the contract.
 *
 * Imported dma-bufs are not tied to one buffer index: the core keeps, per
 * queue, a cache of attachments that a dma-buf finds again on any buffer,
 * so a pool of dma-bufs rotating over the indices is attached and mapped
 * once per dma-buf.  What the cache keeps, and how moves of dynamic
 * exporters are handled, is stated in the comment "DMABUF planes" in
 * videobuf2-core.c.
 */

/* The historical default for &vb2_queue.max_num_buffers. */
#define VB2_MAX_FRAME	(32)
/* The most planes a buffer can have. */
#define VB2_MAX_PLANES	(8)

/**
 * enum vb2_memory - where the memory behind the planes of a queue comes from
 *
 * The values are those of &enum v4l2_memory.
 *
 * @VB2_MEMORY_UNKNOWN:	no memory type chosen yet (the queue has no buffers).
 * @VB2_MEMORY_MMAP:	allocated in the kernel by the allocator and mapped
 *			into the process with mmap(); also what read() and
 *			write() emulation allocates.
 * @VB2_MEMORY_USERPTR:	memory of the process, given by its address with
 *			every queue operation and pinned while in use.
 * @VB2_MEMORY_DMABUF:	dma-bufs given by file descriptor and imported.
 */
enum vb2_memory {
	VB2_MEMORY_UNKNOWN	= 0,
	VB2_MEMORY_MMAP		= 1,
	VB2_MEMORY_USERPTR	= 2,
	VB2_MEMORY_DMABUF	= 4,
};

struct vb2_fileio_data;
struct vb2_threadio_data;
struct vb2_dmabuf_entry;
struct vb2_buffer;

/**
 * struct vb2_mem_ops - the interface between the core and an allocator
 *
 * An allocator turns a plane description into memory a device can use and
 * hides how it does so.  Whatever it returns from @alloc, @get_userptr or
 * @attach_dmabuf is its per-plane handle: the core keeps it in
 * &vb2_plane.mem_priv and gives it back as @buf_priv to the other calls.
 * On failure those three return an ERR_PTR().
 *
 * Which ops a queue needs depends on its &vb2_queue.io_modes:
 *
 * - MMAP: @alloc, @put, @num_users and @mmap (@get_dmabuf for VIDIOC_EXPBUF).
 * - read()/write() emulation: @alloc, @put, @num_users and @vaddr.
 * - USERPTR: @get_userptr and @put_userptr.
 * - DMABUF: @attach_dmabuf, @detach_dmabuf, @map_dmabuf and @unmap_dmabuf.
 *
 * Rules for DMABUF planes, which differ from what older kernels promised:
 *
 * - The @vb given to @attach_dmabuf is only valid during that call.  The
 *   core caches attachments per queue and may later hand the handle to any
 *   other buffer of the same queue, or keep it after the buffer was freed.
 *   An allocator must not store @vb for a DMABUF plane; it may store
 *   @vb->vb2_queue, which lives longer than every attachment.  When
 *   @vaddr or @cookie get a @vb for a DMABUF plane, it is the buffer the
 *   attachment is bound to at that moment.
 * - @map_dmabuf is called once for an attachment and not again until after
 *   @unmap_dmabuf; the mapping stays in place across frames and across
 *   buffer indices.  A mapped attachment is unmapped before it is detached.
 * - An allocator that attaches with vb2_dmabuf_attach() gets @map_dmabuf
 *   and @unmap_dmabuf called with the dma-buf's reservation lock held,
 *   @unmap_dmabuf also from the exporter's move notification (see
 *   vb2_dmabuf_attach()).  One that attaches on its own gets them called
 *   without the lock, as in 6.12.
 * - The core holds a reference to the dma-buf for as long as the
 *   attachment exists and drops it after @detach_dmabuf.
 * - The device accesses the buffer between @prepare and @finish, and for
 *   DMABUF planes these two do the cache maintenance of the kept mapping
 *   with dma_buf_begin_access() and dma_buf_end_access().  The latter
 *   takes no lock, so it is safe where @finish runs in interrupt context.
 *
 * For every memory type the core calls @prepare only when
 * &vb2_buffer.skip_cache_sync_on_prepare is clear and @finish only when
 * &vb2_buffer.skip_cache_sync_on_finish is clear (the V4L2 layer always
 * sets the latter when the queue's DMA direction is %DMA_TO_DEVICE); an
 * allocator may still check the flags itself.  @finish can run in interrupt context, from
 * vb2_buffer_done().
 *
 * @alloc:	MMAP: get @size bytes (a multiple of the page size) of memory
 *		that @dev can reach, for a plane of @vb.  Returns the handle.
 * @put:	MMAP: drop the core's reference to memory from @alloc; the
 *		memory goes away once no mapping or exported dma-buf uses it.
 * @get_dmabuf:	MMAP: export the memory of @buf_priv as a new dma-buf, with
 *		the file flags @flags (O_CLOEXEC, O_RDWR, ...), for
 *		VIDIOC_EXPBUF.  Returns the dma-buf or an ERR_PTR().
 * @get_userptr: USERPTR: pin the @size bytes of process memory at @vaddr
 *		and make them usable by @dev.  Returns the handle.
 * @put_userptr: USERPTR: undo @get_userptr (unmap and unpin the pages).
 * @prepare:	optional; the device is about to access the plane: make what
 *		the CPU wrote visible to the device.
 * @finish:	optional; the device gave the plane back: make what the device
 *		wrote visible to the CPU.  May be called in interrupt context.
 * @attach_dmabuf: DMABUF: attach @dev to @dbuf, which must hold at least
 *		@size bytes.  Does not map yet.  Returns the handle.  @vb is
 *		only valid during the call (see above).
 * @detach_dmabuf: DMABUF: detach an unmapped attachment from its dma-buf.
 * @map_dmabuf:	DMABUF: map the attached dma-buf for the device.  Returns 0
 *		or a negative errno.
 * @unmap_dmabuf: DMABUF: undo @map_dmabuf.
 * @vaddr:	return a kernel virtual address of the plane's memory, or NULL
 *		when the allocator cannot provide one.
 * @cookie:	return the allocator's own description of the memory (for
 *		instance a DMA address or an sg_table) for drivers to use
 *		through the allocator's helper, or NULL.
 * @num_users:	how many users the memory has; 1 means only videobuf2, more
 *		means it is also mapped by a process or exported.
 * @mmap:	MMAP: map the memory into the userspace range @vma.  Returns 0
 *		or a negative errno.
 */
struct vb2_mem_ops {
	void		*(*alloc)(struct vb2_buffer *vb,
				  struct device *dev,
				  unsigned long size);
	void		(*put)(void *buf_priv);
	struct dma_buf *(*get_dmabuf)(struct vb2_buffer *vb,
				      void *buf_priv,
				      unsigned long flags);

	void		*(*get_userptr)(struct vb2_buffer *vb,
					struct device *dev,
					unsigned long vaddr,
					unsigned long size);
	void		(*put_userptr)(void *buf_priv);

	void		(*prepare)(void *buf_priv);
	void		(*finish)(void *buf_priv);

	void		*(*attach_dmabuf)(struct vb2_buffer *vb,
					  struct device *dev,
					  struct dma_buf *dbuf,
					  unsigned long size);
	void		(*detach_dmabuf)(void *buf_priv);
	int		(*map_dmabuf)(void *buf_priv);
	void		(*unmap_dmabuf)(void *buf_priv);

	void		*(*vaddr)(struct vb2_buffer *vb, void *buf_priv);
	void		*(*cookie)(struct vb2_buffer *vb, void *buf_priv);

	unsigned int	(*num_users)(void *buf_priv);

	int		(*mmap)(void *buf_priv, struct vm_area_struct *vma);
};

/**
 * struct vb2_plane - one memory area of a buffer
 *
 * Holds what the core needs to know about a plane, which is everything a
 * &struct v4l2_plane can report to userspace.
 *
 * @mem_priv:	the allocator's handle for the memory, NULL when the plane has
 *		none.
 * @dbuf:	DMABUF: the imported dma-buf.
 * @dbuf_mapped: DMABUF: set once @mem_priv is mapped for the device.  While
 *		the buffer is with userspace the exporter may move the dma-buf,
 *		which unmaps it without clearing this; QBUF maps it again.
 * @dbuf_duplicated: DMABUF: the same dma-buf is also used by an earlier
 *		plane of this buffer.
 * @bytesused:	how many bytes of the plane hold data, @data_offset included.
 * @length:	the size of the plane in bytes (not of its data).  At most
 *		UINT_MAX - PAGE_SIZE.
 * @min_length:	the smallest size the driver accepts for this plane; @length
 *		is never smaller.  At most UINT_MAX - PAGE_SIZE.
 * @m:		how userspace names the memory; which member is valid depends
 *		on &vb2_buffer.memory.
 * @m.offset:	MMAP: the offset to pass to mmap() to map this plane.
 * @m.userptr:	USERPTR: the address of the plane in the process.
 * @m.fd:	DMABUF: the file descriptor userspace passed for the plane.
 * @data_offset: where the data starts inside the plane; nonzero only when
 *		the device writes a header first.
 */
struct vb2_plane {
	void			*mem_priv;
	struct dma_buf		*dbuf;
	unsigned int		dbuf_mapped;
	bool			dbuf_duplicated;
	unsigned int		bytesused;
	unsigned int		length;
	unsigned int		min_length;
	union {
		unsigned int	offset;
		unsigned long	userptr;
		int		fd;
	} m;
	unsigned int		data_offset;
};

/**
 * enum vb2_io_modes - the ways a queue lets userspace move data
 *
 * A mask of these goes into &vb2_queue.io_modes.
 *
 * @VB2_MMAP:		streaming with memory allocated by the driver.
 * @VB2_USERPTR:	streaming with memory of the process.
 * @VB2_READ:		read() on the device node.
 * @VB2_WRITE:		write() on the device node.
 * @VB2_DMABUF:		streaming with imported dma-bufs.
 */
enum vb2_io_modes {
	VB2_MMAP	= BIT(0),
	VB2_USERPTR	= BIT(1),
	VB2_READ	= BIT(2),
	VB2_WRITE	= BIT(3),
	VB2_DMABUF	= BIT(4),
};

/**
 * enum vb2_buffer_state - where a buffer is in its life cycle
 *
 * See the overview at the top of videobuf2-core.h for who owns the buffer
 * in each state.
 *
 * @VB2_BUF_STATE_DEQUEUED:	owned by userspace.
 * @VB2_BUF_STATE_IN_REQUEST:	bound to a media request not queued yet.
 * @VB2_BUF_STATE_PREPARING:	the core is getting its memory ready.
 * @VB2_BUF_STATE_QUEUED:	held by videobuf2 until the driver can take it.
 * @VB2_BUF_STATE_ACTIVE:	given to the driver; the device may use it.
 * @VB2_BUF_STATE_DONE:		returned by the driver, waiting to be dequeued.
 * @VB2_BUF_STATE_ERROR:	like DONE, but the driver reported a failure,
 *				which userspace sees when dequeuing it.
 */
enum vb2_buffer_state {
	VB2_BUF_STATE_DEQUEUED,
	VB2_BUF_STATE_IN_REQUEST,
	VB2_BUF_STATE_PREPARING,
	VB2_BUF_STATE_QUEUED,
	VB2_BUF_STATE_ACTIVE,
	VB2_BUF_STATE_DONE,
	VB2_BUF_STATE_ERROR,
};

struct vb2_queue;

/**
 * struct vb2_buffer - one buffer of a queue
 *
 * Allocated by the core, &vb2_queue.buf_struct_size bytes at a time, so a
 * driver can put it at the start of a larger structure of its own.
 *
 * @vb2_queue:	the queue the buffer belongs to.
 * @index:	the buffer's number in its queue.
 * @type:	the buffer type, a copy of &vb2_queue.type.
 * @memory:	the memory type of the buffer (&enum vb2_memory).
 * @num_planes:	how many entries of the private planes array are in use.
 * @timestamp:	the frame's time stamp in nanoseconds.
 * @request:	the media request the buffer was queued with, or NULL.
 * @req_obj:	the refcounted object that links the buffer to @request.
 */
struct vb2_buffer {
	struct vb2_queue	*vb2_queue;
	unsigned int		index;
	unsigned int		type;
	unsigned int		memory;
	unsigned int		num_planes;
	u64			timestamp;
	struct media_request	*request;
	struct media_request_object	req_obj;

	/* private: internal use only */

	/*
	 * state: see enum vb2_buffer_state; changed by the core only.
	 * synced: the prepare memop ran for the current cycle, the finish
	 *	memop has not yet.
	 * prepared: buf_prepare succeeded and buf_finish has not run since.
	 * copied_timestamp: a capture buffer whose time stamp came from an
	 *	output buffer (memory-to-memory devices).
	 * skip_cache_sync_on_prepare, skip_cache_sync_on_finish: userspace
	 *	asked to skip the prepare and finish memops for this cycle.
	 * planes: the planes, num_planes of them valid; changed by the core.
	 * queued_entry: link in the queue's list of buffers queued by
	 *	userspace.
	 * done_entry: link in the queue's list of buffers waiting to be
	 *	dequeued.
	 */
	enum vb2_buffer_state	state;
	unsigned int		synced:1;
	unsigned int		prepared:1;
	unsigned int		copied_timestamp:1;
	unsigned int		skip_cache_sync_on_prepare:1;
	unsigned int		skip_cache_sync_on_finish:1;

	struct vb2_plane	planes[VB2_MAX_PLANES];
	struct list_head	queued_entry;
	struct list_head	done_entry;
#ifdef CONFIG_VIDEO_ADV_DEBUG
	/*
	 * Debug counters: one per memop and per buffer op, bumped at every
	 * call, so that unbalanced pairs can be reported when the buffer is
	 * freed.  cnt_buf_done counts the calls of vb2_buffer_done().
	 */
	u32		cnt_mem_alloc;
	u32		cnt_mem_put;
	u32		cnt_mem_get_dmabuf;
	u32		cnt_mem_get_userptr;
	u32		cnt_mem_put_userptr;
	u32		cnt_mem_prepare;
	u32		cnt_mem_finish;
	u32		cnt_mem_attach_dmabuf;
	u32		cnt_mem_detach_dmabuf;
	u32		cnt_mem_map_dmabuf;
	u32		cnt_mem_unmap_dmabuf;
	u32		cnt_mem_vaddr;
	u32		cnt_mem_cookie;
	u32		cnt_mem_num_users;
	u32		cnt_mem_mmap;

	u32		cnt_buf_out_validate;
	u32		cnt_buf_init;
	u32		cnt_buf_prepare;
	u32		cnt_buf_finish;
	u32		cnt_buf_cleanup;
	u32		cnt_buf_queue;
	u32		cnt_buf_request_complete;

	u32		cnt_buf_done;
#endif
};

/**
 * struct vb2_ops - what the driver implements for its queue
 *
 * Process context and with the queue's lock held (when the driver gave it
 * one), unless stated otherwise.
 *
 * @queue_setup:	agree on the buffers to allocate; called by
 *			VIDIOC_REQBUFS and VIDIOC_CREATE_BUFS before any memory
 *			is allocated.  The driver writes the number of planes
 *			to \*num_planes, each plane's size to sizes\[\] and may
 *			pick a device per plane in alloc_devs\[\] (the default
 *			is &vb2_queue.dev).  \*num_buffers is the count asked
 *			for and may be changed.  For VIDIOC_REQBUFS
 *			\*num_planes is 0 and the sizes follow from the current
 *			format.  For VIDIOC_CREATE_BUFS \*num_planes and sizes\[\]
 *			hold what userspace asked for, the buffers come in
 *			addition to the existing ones, and the driver only
 *			checks the request, returning -EINVAL if it cannot be
 *			met.  When fewer buffers than agreed could be
 *			allocated, the op is called a second time with the
 *			smaller count to confirm it still works.
 * @wait_prepare:	drop the locks the caller of a blocking vb2 call holds,
 *			before it sleeps waiting for a buffer; otherwise
 *			nobody else could ever queue or complete one.  Queues
 *			with a &vb2_queue.lock use vb2_ops_wait_prepare().
 * @wait_finish:	retake what @wait_prepare dropped, after the sleep.
 *			Queues with a &vb2_queue.lock use
 *			vb2_ops_wait_finish().
 * @buf_out_validate:	output queues: check the fields userspace filled in
 *			(field order, for instance) when the buffer is prepared
 *			or bound to a request; an error rejects the buffer.
 *			Optional.
 * @buf_init:		called once per memory set-up of a buffer: after an
 *			MMAP buffer is allocated, or when a USERPTR or DMABUF
 *			buffer gets new memory.  An error fails that
 *			operation.  Optional.
 * @buf_prepare:	called each time a buffer is queued or prepared by
 *			userspace, before it can go to the device.  The CPU
 *			may still read and write the memory.  Drivers check
 *			here that the planes are big enough for the current
 *			format (needed with VIDIOC_CREATE_BUFS) and set the
 *			payload of output buffers.  An error rejects the
 *			buffer.  Optional.
 * @buf_finish:		called before a buffer goes back to userspace, with
 *			the memory readable by the CPU again.  The state is
 *			%VB2_BUF_STATE_DONE or %VB2_BUF_STATE_ERROR during
 *			streaming; when the queue is cancelled, buffers that
 *			were only prepared come through here too and their
 *			contents do not matter.  Optional.
 * @buf_cleanup:	called once before the memory of a buffer is released
 *			(buffer freed, or new USERPTR/DMABUF memory replacing
 *			the old).  Optional.
 * @prepare_streaming:	called by VIDIOC_STREAMON before any buffer is handed
 *			to the driver: check the configuration and claim what
 *			streaming needs.  Optional.
 * @start_streaming:	start the device; count is the number of buffers the
 *			driver already got through @buf_queue.  Called once
 *			streaming is on and &vb2_queue.min_queued_buffers
 *			buffers are queued.  On failure the driver must give
 *			every buffer it got back with vb2_buffer_done() and
 *			%VB2_BUF_STATE_QUEUED.
 * @stop_streaming:	stop the device and, before returning, give back every
 *			buffer it still holds with vb2_buffer_done() and
 *			%VB2_BUF_STATE_DONE or %VB2_BUF_STATE_ERROR;
 *			vb2_wait_for_all_buffers() can help with that.
 * @unprepare_streaming: release what @prepare_streaming claimed, at
 *			VIDIOC_STREAMOFF or when the streaming file handle is
 *			closed.  Optional.
 * @buf_queue:		give a buffer to the driver, which now owns it and
 *			returns it with vb2_buffer_done().  Happens once
 *			streaming is on, possibly before @start_streaming for
 *			buffers userspace queued earlier.
 * @buf_request_complete: a buffer bound to a queued request is cancelled
 *			before it reached the driver; the driver completes the
 *			request objects it attached to the request.  Needed
 *			when the queue supports requests.
 */
struct vb2_ops {
	int (*queue_setup)(struct vb2_queue *q,
			   unsigned int *num_buffers, unsigned int *num_planes,
			   unsigned int sizes[], struct device *alloc_devs[]);

	void (*wait_prepare)(struct vb2_queue *q);
	void (*wait_finish)(struct vb2_queue *q);

	int (*buf_out_validate)(struct vb2_buffer *vb);
	int (*buf_init)(struct vb2_buffer *vb);
	int (*buf_prepare)(struct vb2_buffer *vb);
	void (*buf_finish)(struct vb2_buffer *vb);
	void (*buf_cleanup)(struct vb2_buffer *vb);

	int (*prepare_streaming)(struct vb2_queue *q);
	int (*start_streaming)(struct vb2_queue *q, unsigned int count);
	void (*stop_streaming)(struct vb2_queue *q);
	void (*unprepare_streaming)(struct vb2_queue *q);

	void (*buf_queue)(struct vb2_buffer *vb);

	void (*buf_request_complete)(struct vb2_buffer *vb);
};

/**
 * struct vb2_buf_ops - what the subsystem layer implements for the core
 *
 * The core does not know the userspace buffer structure; the subsystem
 * glue (videobuf2-v4l2 for V4L2) translates it with these ops.  The "pb"
 * arguments point at that structure (a &struct v4l2_buffer for V4L2).
 *
 * @verify_planes_array: check that pb has room for the planes of the
 *			buffer; called before a buffer is dequeued into it.
 * @init_buffer:	initialise the subsystem's part of a freshly allocated
 *			buffer (the &struct vb2_v4l2_buffer around it for V4L2).
 * @fill_user_buffer:	report the buffer to userspace by filling in pb.
 * @fill_vb2_buffer:	take the per-plane values userspace passed with the
 *			buffer into planes; returns an error if they are
 *			invalid.
 * @copy_timestamp:	take the time stamp userspace passed in pb into the
 *			buffer.
 */
struct vb2_buf_ops {
	int (*verify_planes_array)(struct vb2_buffer *vb, const void *pb);
	void (*init_buffer)(struct vb2_buffer *vb);
	void (*fill_user_buffer)(struct vb2_buffer *vb, void *pb);
	int (*fill_vb2_buffer)(struct vb2_buffer *vb, struct vb2_plane *planes);
	void (*copy_timestamp)(struct vb2_buffer *vb, const void *pb);
};

/**
 * struct vb2_queue - a stream of buffers between userspace and a driver
 *
 * The driver zeroes the structure, fills in the public members below and
 * calls vb2_queue_init() (or vb2_core_queue_init() outside V4L2).  The
 * members after them belong to the core.
 *
 * @type:	the buffer type, opaque to the core; for V4L2 an &enum
 *		v4l2_buf_type value.
 * @io_modes:	a mask of &enum vb2_io_modes: the ways userspace may use.
 * @dev:	the device memory is allocated for and mapped to, for every
 *		plane whose &vb2_ops.queue_setup left @alloc_devs empty.
 * @dma_attrs:	DMA_ATTR_* flags the allocator passes to the DMA API.
 * @bidirectional: map the memory %DMA_BIDIRECTIONAL whatever the queue's
 *		direction, for hardware that also reads what it writes or the
 *		other way round; without it such accesses fault on an IOMMU.
 * @fileio_read_once: read() emulation: report end of file after the first
 *		buffer.
 * @fileio_write_immediately: write() emulation: queue the buffer after every
 *		write() call instead of once it is full.
 * @allow_zero_bytesused: pass output buffers with a zero payload on to the
 *		driver as they are (otherwise the core treats 0 as the whole
 *		plane).
 * @quirk_poll_must_check_waiting_for_buffers: poll() reports %EPOLLERR while
 *		no buffer was queued yet, as videobuf version 1 did.
 * @supports_requests: buffers may be queued through media requests.
 * @requires_requests: buffers must be queued through media requests; needs
 *		@supports_requests too.
 * @uses_qbuf:	set by the core once a buffer was queued directly; buffers can
 *		then not be queued through requests until the queue is
 *		cancelled.
 * @uses_requests: set by the core once a buffer was queued through a
 *		request; direct queuing is then refused until the queue is
 *		cancelled.
 * @allow_cache_hints: honour the V4L2 flags with which userspace asks to skip
 *		the cache maintenance done by &vb2_mem_ops.prepare and
 *		&vb2_mem_ops.finish (for MMAP and, in this kernel, DMABUF
 *		memory), and the request for non-coherent MMAP memory.
 * @non_coherent_mem: allocate MMAP buffers from non-coherent memory (set by
 *		the core from %V4L2_MEMORY_FLAG_NON_COHERENT).
 * @lock:	the driver's mutex for this queue, or NULL if the driver does
 *		its own locking.  The V4L2 ioctl and file helpers take it
 *		around the queue operations, and vb2_ops_wait_prepare() and
 *		vb2_ops_wait_finish() drop and retake it around sleeps.
 * @owner:	the file handle that allocated the buffers or started read() or
 *		write(); kept for the V4L2 helpers and the driver, ignored by
 *		the core.
 * @ops:	the driver's callbacks.
 * @mem_ops:	the allocator to use.
 * @buf_ops:	the subsystem's callbacks that translate buffer information
 *		from and to userspace.
 * @drv_priv:	for the driver, see vb2_get_drv_priv().
 * @subsystem_flags: for the subsystem glue, ignored by the core.
 * @buf_struct_size: how many bytes to allocate per buffer when the driver
 *		embeds the buffer in its own structure, which must start with
 *		the subsystem's buffer structure; 0 means just that structure
 *		(``sizeof(struct vb2_v4l2_buffer)`` for V4L2).
 * @timestamp_flags: the kind and source of the time stamps
 *		(``V4L2_BUF_FLAG_TIMESTAMP_*``, ``V4L2_BUF_FLAG_TSTAMP_SRC_*``).
 * @gfp_flags:	extra GFP flags for allocating buffer memory, such as
 *		%GFP_DMA or %__GFP_DMA32 for devices limited to a zone.
 * @min_queued_buffers: how many buffers must be queued before
 *		&vb2_ops.start_streaming is called, for DMA engines that need
 *		them to start.  VIDIOC_REQBUFS then allocates at least one more
 *		than this; VIDIOC_CREATE_BUFS does not adjust its count.
 * @min_reqbufs_allocation: the fewest buffers VIDIOC_REQBUFS allocates,
 *		whatever count userspace asks for, so the hardware can run
 *		smoothly; VIDIOC_CREATE_BUFS ignores it.  If set it must exceed
 *		@min_queued_buffers + 1, and above 3 the driver should offer
 *		the V4L2_CID_MIN_BUFFERS_FOR_CAPTURE/OUTPUT control.
 * @alloc_devs:	per plane, the device to allocate for instead of @dev; filled
 *		in by &vb2_ops.queue_setup.
 */
struct vb2_queue {
	unsigned int			type;
	unsigned int			io_modes;
	struct device			*dev;
	unsigned long			dma_attrs;
	unsigned int			bidirectional:1;
	unsigned int			fileio_read_once:1;
	unsigned int			fileio_write_immediately:1;
	unsigned int			allow_zero_bytesused:1;
	unsigned int			quirk_poll_must_check_waiting_for_buffers:1;
	unsigned int			supports_requests:1;
	unsigned int			requires_requests:1;
	unsigned int			uses_qbuf:1;
	unsigned int			uses_requests:1;
	unsigned int			allow_cache_hints:1;
	unsigned int			non_coherent_mem:1;

	struct mutex			*lock;	/* owned by the driver */
	void				*owner;

	const struct vb2_ops		*ops;
	const struct vb2_mem_ops	*mem_ops;
	const struct vb2_buf_ops	*buf_ops;

	void				*drv_priv;
	u32				subsystem_flags;
	unsigned int			buf_struct_size;
	u32				timestamp_flags;
	gfp_t				gfp_flags;
	u32				min_queued_buffers;
	u32				min_reqbufs_allocation;

	struct device			*alloc_devs[VB2_MAX_PLANES];

	/* private: internal use only */

	/*
	 * mmap_lock: serialises allocating and freeing buffers against mmap().
	 * memory: the queue's enum vb2_memory, VB2_MEMORY_UNKNOWN without
	 *	buffers.
	 * dma_dir: the DMA direction of the queue's memory.
	 * bufs: the buffers by index; allocated together with bufs_bitmap,
	 *	max_num_buffers entries each.
	 * bufs_bitmap: which indices of bufs hold a buffer.
	 * max_num_buffers: the most buffers the queue may have; a driver may
	 *	set it before init to VB2_MAX_FRAME or more, 0 there means
	 *	VB2_MAX_FRAME.
	 * queued_list, queued_count: buffers queued by userspace, until
	 *	dequeued.
	 * owned_by_drv_count: buffers in the driver's hands (ACTIVE).
	 * done_list: buffers waiting to be dequeued; done_lock guards it, as
	 *	vb2_buffer_done() adds to it from interrupt context.
	 * done_wq: woken when a buffer is done or the queue changes state;
	 *	DQBUF, poll() and the DMABUF move handling wait on it.
	 * streaming: between a successful STREAMON and STREAMOFF.
	 * start_streaming_called: the driver's start_streaming succeeded.
	 * error: vb2_queue_error() was called; cleared on cancel.
	 * waiting_for_buffers: capture queue with no buffer queued since
	 *	streaming started (poll() reports an error meanwhile).
	 * waiting_in_dqbuf: a blocking DQBUF sleeps with the lock dropped;
	 *	the queue must not be torn down meanwhile.
	 * is_multiplanar, is_output: derived from the buffer type.
	 * is_busy: buffers were allocated at some point.
	 * copy_timestamp: the core fills in time stamps from userspace.
	 * last_buffer_dequeued: the buffer flagged as the last one was
	 *	dequeued; DQBUF and poll() report that until it is cleared.
	 * fileio, threadio: state of read()/write() emulation and of the DVB
	 *	thread, NULL when not running.
	 * dmabuf_cache: every cached DMABUF attachment of the queue, bound
	 *	to a plane or idle, least recently used first.
	 * dmabuf_idle: how many of them are bound to no plane.
	 * dmabuf_pinned: how many of them hold a pin of their dma-buf.
	 * dmabuf_new: the entry being attached, for vb2_dmabuf_attach().
	 * name: the name used in log messages; filled in from the driver
	 *	name when left empty.
	 * cnt_*: with CONFIG_VIDEO_ADV_DEBUG, how often each queue op was
	 *	called, to catch unbalanced pairs.
	 */
	struct mutex			mmap_lock;
	unsigned int			memory;
	enum dma_data_direction		dma_dir;
	struct vb2_buffer		**bufs;
	unsigned long			*bufs_bitmap;
	unsigned int			max_num_buffers;

	struct list_head		queued_list;
	unsigned int			queued_count;

	atomic_t			owned_by_drv_count;
	struct list_head		done_list;
	spinlock_t			done_lock;	/* guards done_list */
	wait_queue_head_t		done_wq;

	unsigned int			streaming:1;
	unsigned int			start_streaming_called:1;
	unsigned int			error:1;
	unsigned int			waiting_for_buffers:1;
	unsigned int			waiting_in_dqbuf:1;
	unsigned int			is_multiplanar:1;
	unsigned int			is_output:1;
	unsigned int			is_busy:1;
	unsigned int			copy_timestamp:1;
	unsigned int			last_buffer_dequeued:1;

	struct vb2_fileio_data		*fileio;
	struct vb2_threadio_data	*threadio;

	struct list_head		dmabuf_cache;	/* cached attachments */
	unsigned int			dmabuf_idle;	/* unbound entries */
	unsigned int			dmabuf_pinned;	/* pinned entries */
	struct vb2_dmabuf_entry		*dmabuf_new;	/* being attached */

	char				name[32];

#ifdef CONFIG_VIDEO_ADV_DEBUG
	u32				cnt_queue_setup;
	u32				cnt_wait_prepare;
	u32				cnt_wait_finish;
	u32				cnt_prepare_streaming;
	u32				cnt_start_streaming;
	u32				cnt_stop_streaming;
	u32				cnt_unprepare_streaming;
#endif
};

struct dma_buf_attachment *vb2_dmabuf_attach(struct vb2_buffer *vb,
					     struct device *dev,
					     struct dma_buf *dbuf);

/**
 * vb2_queue_allows_cache_hints() - may userspace skip cache maintenance?
 * @q:		the queue.
 *
 * Return: true when the driver allows cache hints (@q->allow_cache_hints)
 * and the queue currently uses MMAP memory.
 */
static inline bool vb2_queue_allows_cache_hints(struct vb2_queue *q)
{
	if (!q->allow_cache_hints)
		return false;
	return q->memory == VB2_MEMORY_MMAP;
}

/**
 * vb2_plane_vaddr() - kernel address of a plane's memory
 * @vb:		the buffer.
 * @plane_no:	the plane.
 *
 * Asks the allocator (&vb2_mem_ops.vaddr) for a kernel mapping of the
 * plane, which it may have to create first.
 *
 * Return: the address, or NULL if the plane does not exist or has no
 * memory, or if the allocator cannot map it.
 */
void *vb2_plane_vaddr(struct vb2_buffer *vb, unsigned int plane_no);

/**
 * vb2_plane_cookie() - the allocator's description of a plane's memory
 * @vb:		the buffer.
 * @plane_no:	the plane.
 *
 * Drivers rarely call this directly: each allocator has a typed helper
 * built on it, such as vb2_dma_contig_plane_dma_addr() or
 * vb2_dma_sg_plane_desc().
 *
 * Return: the allocator's cookie (&vb2_mem_ops.cookie), or NULL if the
 * plane does not exist, has no memory or the allocator has no cookie.
 */
void *vb2_plane_cookie(struct vb2_buffer *vb, unsigned int plane_no);

/**
 * vb2_buffer_done() - the driver gives a buffer back
 * @vb:		a buffer the driver got through &vb2_ops.buf_queue.
 * @state:	%VB2_BUF_STATE_DONE if the device filled or consumed it,
 *		%VB2_BUF_STATE_ERROR if that failed, or %VB2_BUF_STATE_QUEUED
 *		to put it back in the queue unused (only from a failing
 *		&vb2_ops.start_streaming).
 *
 * Ends the driver's ownership of the buffer: neither the driver nor the
 * device may touch it any more until it comes back through
 * &vb2_ops.buf_queue.  The memory is made visible to the CPU and, for DONE
 * and ERROR, the buffer is put on the done list and waiters are woken.
 * Can be called from interrupt context.
 */
void vb2_buffer_done(struct vb2_buffer *vb, enum vb2_buffer_state state);

/**
 * vb2_discard_done() - turn every finished buffer into an error
 * @q:		the queue.
 *
 * Meant for suspend: frames that were waiting to be dequeued would be stale
 * after resume, so they are reported as failed.  The driver must have
 * stopped the hardware and its interrupt handlers and works first, so that
 * nothing completes buffers meanwhile.
 */
void vb2_discard_done(struct vb2_queue *q);

/**
 * vb2_wait_for_all_buffers() - wait until the driver gave every buffer back
 * @q:		the queue.
 *
 * Sleeps until every buffer handed over with &vb2_ops.buf_queue came back
 * through vb2_buffer_done().  Does not drop any lock (no
 * &vb2_ops.wait_prepare), so it suits &vb2_ops.stop_streaming, which runs
 * with the locks held.
 *
 * Return: 0 once all buffers are back, -EINVAL if the queue is not
 * streaming.
 */
int vb2_wait_for_all_buffers(struct vb2_queue *q);

/**
 * vb2_core_querybuf() - report a buffer to userspace
 * @q:		the queue.
 * @vb:		the buffer, already checked by the caller.
 * @pb:		the userspace buffer structure to fill in.
 *
 * The core of VIDIOC_QUERYBUF, used by the subsystem glue; fills @pb
 * through &vb2_buf_ops.fill_user_buffer.
 */
void vb2_core_querybuf(struct vb2_queue *q, struct vb2_buffer *vb, void *pb);

/**
 * vb2_core_reqbufs() - allocate the buffers of a queue, or free them all
 * @q:		the queue.
 * @memory:	the memory type the buffers will use.
 * @flags:	%V4L2_MEMORY_FLAG_NON_COHERENT or 0.
 * @count:	in: how many buffers userspace asks for, 0 to free them all;
 *		out: how many were allocated.
 *
 * The core of VIDIOC_REQBUFS, used by the subsystem glue.  Frees the
 * buffers the queue has (refusing if it streams or if memory is still in
 * use), then, unless @count is 0, adjusts the count to the queue's limits,
 * lets the driver decide the plane layout with &vb2_ops.queue_setup and
 * allocates the buffers, with their memory for MMAP.
 *
 * Return: 0 on success, a negative errno otherwise.
 */
int vb2_core_reqbufs(struct vb2_queue *q, enum vb2_memory memory,
		     unsigned int flags, unsigned int *count);

/**
 * vb2_core_create_bufs() - add buffers to a queue
 * @q:		the queue.
 * @memory:	the memory type; must match the queue's if it has buffers.
 * @flags:	%V4L2_MEMORY_FLAG_NON_COHERENT or 0.
 * @count:	in: how many buffers to add; out: how many were added.
 * @requested_planes: the number of planes userspace asks for.
 * @requested_sizes: the size of each of those planes.
 * @first_index: out: the index of the first new buffer; the new buffers use
 *		the indices @first_index to @first_index + @count - 1.
 *
 * The core of VIDIOC_CREATE_BUFS, used by the subsystem glue.  Has the
 * driver check the requested layout with &vb2_ops.queue_setup and
 * allocates the buffers, with their memory for MMAP.
 *
 * Return: 0 on success, a negative errno otherwise.
 */
int vb2_core_create_bufs(struct vb2_queue *q, enum vb2_memory memory,
			 unsigned int flags, unsigned int *count,
			 unsigned int requested_planes,
			 const unsigned int requested_sizes[],
			 unsigned int *first_index);

/**
 * vb2_core_prepare_buf() - get a buffer ready before queuing it
 * @q:		the queue.
 * @vb:		the buffer, already checked by the caller.
 * @pb:		the userspace buffer structure passed to VIDIOC_PREPARE_BUF.
 *
 * The core of VIDIOC_PREPARE_BUF, used by the subsystem glue.  Does all the
 * work of queuing except handing the buffer to the driver: takes in the
 * plane information, acquires and maps USERPTR or DMABUF memory, does the
 * cache maintenance and calls &vb2_ops.buf_prepare.  A later
 * vb2_core_qbuf() of the buffer then has less to do.
 *
 * Return: 0 on success, a negative errno otherwise.
 */
int vb2_core_prepare_buf(struct vb2_queue *q, struct vb2_buffer *vb, void *pb);

/**
 * vb2_core_remove_bufs() - free a range of buffers
 * @q:		the queue.
 * @start:	the index of the first buffer to free.
 * @count:	how many indices the range covers.
 *
 * The core of VIDIOC_REMOVE_BUFS.  Every index in the range must hold a
 * buffer in the DEQUEUED state; the buffers are then freed together with
 * their memory and cached DMABUF attachments.  On error nothing is freed.
 *
 * Return: 0 on success (also when @count is 0), -EINVAL for a range outside
 * the queue or with an empty index, -EBUSY if a buffer of the range is not
 * DEQUEUED or read()/write() emulation is running.
 */
int vb2_core_remove_bufs(struct vb2_queue *q, unsigned int start,
			 unsigned int count);

/**
 * vb2_core_qbuf() - hand a buffer from userspace to the queue
 * @q:		the queue.
 * @vb:		the buffer, already checked by the caller.
 * @pb:		the userspace buffer structure passed to VIDIOC_QBUF.
 * @req:	the media request to queue the buffer with, or NULL.
 *
 * The core of VIDIOC_QBUF, used by the subsystem glue.  With a request the
 * buffer is only bound to @req: it is prepared and queued when the request
 * is.  Otherwise the buffer is prepared as vb2_core_prepare_buf() does
 * (unless it already was) and queued; if the queue streams and the driver
 * has started, it goes to the driver through &vb2_ops.buf_queue right away.
 *
 * Return: 0 on success, a negative errno otherwise.
 */
int vb2_core_qbuf(struct vb2_queue *q, struct vb2_buffer *vb, void *pb,
		  struct media_request *req);

/**
 * vb2_core_dqbuf() - take a finished buffer back to userspace
 * @q:		the queue.
 * @pindex:	out: the index of the dequeued buffer; may be NULL.
 * @pb:		the userspace buffer structure to fill in, or NULL.
 * @nonblocking: fail with -EAGAIN instead of sleeping when no buffer is done;
 *		callers pass the O_NONBLOCK flag of the file.
 *
 * The core of VIDIOC_DQBUF, used by the subsystem glue.  Takes the oldest
 * buffer off the done list, makes its memory visible to the CPU, calls
 * &vb2_ops.buf_finish and reports the buffer in @pb.  DMABUF planes stay
 * mapped for their next use.
 *
 * A buffer the driver completed with %VB2_BUF_STATE_ERROR is dequeued like
 * any other; the failure is reported in @pb.
 *
 * Return: 0 on success; -EAGAIN if @nonblocking and no buffer is done,
 * -EPIPE once the last buffer was dequeued, -EIO if the queue is marked
 * broken, another negative errno otherwise.
 */
int vb2_core_dqbuf(struct vb2_queue *q, unsigned int *pindex, void *pb,
		   bool nonblocking);

/**
 * vb2_core_streamon() - start streaming
 * @q:		the queue.
 * @type:	the buffer type asked for; must be the queue's (an &enum
 *		v4l2_buf_type for V4L2).
 *
 * The core of VIDIOC_STREAMON, used by the subsystem glue.  Marks the
 * queue streaming and, once enough buffers are queued, gives them to the
 * driver and calls &vb2_ops.start_streaming.
 *
 * Return: 0 on success (also when already streaming), a negative errno
 * otherwise.
 */
int vb2_core_streamon(struct vb2_queue *q, unsigned int type);

/**
 * vb2_core_streamoff() - stop streaming
 * @q:		the queue.
 * @type:	the buffer type asked for; must be the queue's.
 *
 * The core of VIDIOC_STREAMOFF, used by the subsystem glue.  Stops the
 * driver, takes every buffer back and puts all of them, finished ones not
 * yet dequeued included, back in the DEQUEUED state.
 *
 * Return: 0 on success, a negative errno otherwise.
 */
int vb2_core_streamoff(struct vb2_queue *q, unsigned int type);

/**
 * vb2_core_expbuf() - export a plane of an MMAP buffer as a dma-buf
 * @q:		the queue.
 * @fd:		out: the new file descriptor.
 * @type:	the buffer type asked for; must be the queue's.
 * @vb:		the buffer.
 * @plane:	the plane to export.
 * @flags:	flags of the new file: %O_CLOEXEC and the access mode
 *		(%O_RDONLY, %O_WRONLY or %O_RDWR).
 *
 * The core of VIDIOC_EXPBUF, used by the subsystem glue; the allocator
 * creates the dma-buf with &vb2_mem_ops.get_dmabuf.
 *
 * Return: 0 on success, a negative errno otherwise.
 */
int vb2_core_expbuf(struct vb2_queue *q, int *fd, unsigned int type,
		    struct vb2_buffer *vb, unsigned int plane, unsigned int flags);

/**
 * vb2_core_queue_init() - check a queue and set its core state up
 * @q:		the queue, zeroed and filled in by the driver beforehand.
 *
 * The driver owns the memory of @q.  At least &vb2_queue.ops (with
 * &vb2_ops.queue_setup and &vb2_ops.buf_queue), &vb2_queue.mem_ops,
 * &vb2_queue.buf_ops, &vb2_queue.type and &vb2_queue.io_modes must be
 * set.  V4L2 drivers call vb2_queue_init()
 * instead, which fills in the V4L2 parts and then calls this.
 *
 * Return: 0 on success, -EINVAL if the queue is not set up consistently.
 */
int vb2_core_queue_init(struct vb2_queue *q);

/**
 * vb2_core_queue_release() - tear a queue down
 * @q:		the queue.
 *
 * Stops streaming and read()/write() emulation, and frees every buffer with
 * its memory and the queue's cached DMABUF attachments.  Freeing @q itself
 * is up to the driver.
 */
void vb2_core_queue_release(struct vb2_queue *q);

/**
 * vb2_queue_error() - mark a queue broken
 * @q:		the queue.
 *
 * For errors the driver cannot recover from.  Everybody waiting on the
 * queue is woken; afterwards poll() reports %EPOLLERR and queuing or
 * dequeuing fails with -EIO.  The mark goes away when the queue is
 * cancelled (vb2_streamoff() or vb2_queue_release()), so calling this
 * before streaming started would leave the queue broken until the device
 * node is closed.
 */
void vb2_queue_error(struct vb2_queue *q);

/**
 * vb2_mmap() - mmap() a plane of an MMAP buffer
 * @q:		the queue.
 * @vma:	the range from the driver's mmap file operation.
 *
 * For the driver's &file_operations.mmap.  The offset of @vma must be the
 * &vb2_plane.m.offset that VIDIOC_QUERYBUF reported for a plane; that one
 * plane is mapped.  The mapping must be shared, no larger than the plane,
 * and writable for output or readable for capture queues.
 *
 * Return: 0 on success, a negative errno otherwise (-EINVAL for an offset
 * or size that fits no plane); the mmap handler can return it as is.
 */
int vb2_mmap(struct vb2_queue *q, struct vm_area_struct *vma);

#ifndef CONFIG_MMU
/**
 * vb2_get_unmapped_area() - where to map a plane without an MMU
 * @q:		the queue.
 * @addr:	the address userspace suggested.
 * @len:	the length of the mapping.
 * @pgoff:	the offset, in pages, identifying the plane.
 * @flags:	the mmap() flags.
 *
 * For the &file_operations.get_unmapped_area of drivers on !CONFIG_MMU
 * systems: mmap() asks it where a plane's memory is, since it cannot be
 * mapped anywhere else.
 *
 * Return: the kernel address of the plane's memory, or a negative errno.
 */
unsigned long vb2_get_unmapped_area(struct vb2_queue *q,
				    unsigned long addr,
				    unsigned long len,
				    unsigned long pgoff,
				    unsigned long flags);
#endif

/**
 * vb2_core_poll() - poll() on a queue
 * @q:		the queue.
 * @file:	the file being polled.
 * @wait:	the poll table (a poll_table) to register the queue's wait
 *		queue in.
 *
 * A capture queue with a finished buffer is readable, an output queue with
 * one is writable.  Also reports errors (a broken queue, the last buffer
 * already dequeued, or nothing queued with
 * &vb2_queue.quirk_poll_must_check_waiting_for_buffers) and may start
 * read() emulation.
 *
 * Return: the poll mask; the driver's poll handler can return it as is.
 */
__poll_t vb2_core_poll(struct vb2_queue *q, struct file *file,
		       struct poll_table_struct *wait);

/**
 * vb2_read() - read() emulated on top of the queue
 * @q:		the queue.
 * @data:	where in the process to copy to.
 * @count:	the most bytes to copy.
 * @ppos:	the file position.
 * @nonblock:	nonzero for non-blocking mode: fail with -EAGAIN rather than
 *		wait for a frame.
 *
 * Return: the number of bytes copied, or a negative errno.
 */
ssize_t vb2_read(struct vb2_queue *q, char __user *data, size_t count,
		 loff_t *ppos, int nonblock);

/**
 * vb2_write() - write() emulated on top of the queue
 * @q:		the queue.
 * @data:	where in the process to copy from.
 * @count:	the most bytes to copy.
 * @ppos:	the file position.
 * @nonblock:	nonzero for non-blocking mode: fail with -EAGAIN rather than
 *		wait for a free buffer.
 *
 * Return: the number of bytes copied, or a negative errno.
 */
ssize_t vb2_write(struct vb2_queue *q, const char __user *data, size_t count,
		  loff_t *ppos, int nonblock);

/**
 * typedef vb2_thread_fnc - what the vb2 thread does with each buffer
 * @vb:		the buffer it just dequeued.
 * @priv:	the pointer given to vb2_thread_start().
 *
 * Called in the thread for every dequeued buffer, before the buffer is
 * queued again.
 *
 * Return: 0, or a negative errno.
 */
typedef int (*vb2_thread_fnc)(struct vb2_buffer *vb, void *priv);

/**
 * vb2_thread_start() - stream a queue from a kernel thread
 * @q:		the queue.
 * @fnc:	called for every buffer dequeued.
 * @priv:	passed to @fnc.
 * @thread_name: the thread's name, after a "vb2-" prefix.
 *
 * Starts read() (capture) or write() (output) emulation and a thread that
 * dequeues buffers, passes them to @fnc and queues them again, until an
 * error or vb2_thread_stop().  Only for videobuf2-dvb; ask on the
 * linux-media list before using it for anything else.
 *
 * Return: 0 on success, a negative errno otherwise.
 */
int vb2_thread_start(struct vb2_queue *q, vb2_thread_fnc fnc, void *priv,
		     const char *thread_name);

/**
 * vb2_thread_stop() - stop what vb2_thread_start() started
 * @q:		the queue.
 *
 * Return: 0 on success, a negative errno otherwise.
 */
int vb2_thread_stop(struct vb2_queue *q);

/**
 * vb2_is_streaming() - is the queue streaming?
 * @q:		the queue.
 *
 * Return: true between a successful STREAMON and the matching STREAMOFF
 * (or release).
 */
static inline bool vb2_is_streaming(struct vb2_queue *q)
{
	return q->streaming;
}

/**
 * vb2_fileio_is_active() - is read() or write() emulation running?
 * @q:		the queue.
 *
 * The difference to streaming I/O rarely matters.  One case: with read()
 * or write() userspace cannot learn or set the field of a buffer, so
 * drivers supporting %V4L2_FIELD_ALTERNATE refuse that format in
 * &vb2_ops.queue_setup when this returns true.
 *
 * Return: true while the emulation owns the queue.
 */
static inline bool vb2_fileio_is_active(struct vb2_queue *q)
{
	return q->fileio;
}

/**
 * vb2_get_num_buffers() - how many buffers the queue has
 * @q:		the queue.
 *
 * Return: the number of allocated buffers, 0 if there are none.
 */
static inline unsigned int vb2_get_num_buffers(struct vb2_queue *q)
{
	return q->bufs_bitmap ?
	       bitmap_weight(q->bufs_bitmap, q->max_num_buffers) : 0;
}

/**
 * vb2_is_busy() - have buffers been allocated?
 * @q:		the queue.
 *
 * Drivers use it to refuse format changes that would not fit the buffers.
 *
 * Return: true once the queue allocated buffers, until they are all freed.
 */
static inline bool vb2_is_busy(struct vb2_queue *q)
{
	return q->is_busy != 0;
}

/**
 * vb2_get_drv_priv() - the driver's pointer stored in the queue
 * @q:		the queue.
 *
 * Return: &vb2_queue.drv_priv.
 */
static inline void *vb2_get_drv_priv(struct vb2_queue *q)
{
	return q->drv_priv;
}

/**
 * vb2_set_plane_payload() - set how many bytes of a plane hold data
 * @vb:		the buffer.
 * @plane_no:	the plane; ignored if the buffer has no such plane.
 * @size:	the payload in bytes.
 *
 * A payload larger than the plane is a driver bug: it triggers a warning
 * (once) and is cut to the plane's length.
 */
static inline void vb2_set_plane_payload(struct vb2_buffer *vb,
					 unsigned int plane_no,
					 unsigned long size)
{
	struct vb2_plane *plane;

	if (plane_no >= vb->num_planes)
		return;

	plane = &vb->planes[plane_no];
	if (WARN_ON_ONCE(size > plane->length))
		size = plane->length;
	plane->bytesused = size;
}

/**
 * vb2_get_plane_payload() - how many bytes of a plane hold data
 * @vb:		the buffer.
 * @plane_no:	the plane.
 *
 * Return: the plane's &vb2_plane.bytesused, 0 if the buffer has no such
 * plane.
 */
static inline unsigned long vb2_get_plane_payload(struct vb2_buffer *vb,
						  unsigned int plane_no)
{
	return plane_no < vb->num_planes ? vb->planes[plane_no].bytesused : 0;
}

/**
 * vb2_plane_size() - the size of a plane
 * @vb:		the buffer.
 * @plane_no:	the plane.
 *
 * Return: the plane's &vb2_plane.length in bytes, 0 if the buffer has no
 * such plane.
 */
static inline unsigned long
vb2_plane_size(struct vb2_buffer *vb, unsigned int plane_no)
{
	return plane_no < vb->num_planes ? vb->planes[plane_no].length : 0;
}

/**
 * vb2_start_streaming_called() - has the driver started streaming?
 * @q:		the queue.
 *
 * Return: true once &vb2_ops.start_streaming succeeded, until streaming
 * stops.
 */
static inline bool vb2_start_streaming_called(struct vb2_queue *q)
{
	return q->start_streaming_called;
}

/**
 * vb2_clear_last_buffer_dequeued() - allow dequeuing after the last buffer
 * @q:		the queue.
 *
 * Once the buffer flagged as the last one was dequeued, DQBUF fails with
 * -EPIPE and poll() reports the end; drivers call this when the stream
 * restarts (a decoder or encoder after its drain, for instance).
 */
static inline void vb2_clear_last_buffer_dequeued(struct vb2_queue *q)
{
	q->last_buffer_dequeued = false;
}

/**
 * vb2_get_buffer() - look a buffer up by index
 * @q:		the queue.
 * @index:	the index.
 *
 * Takes no reference: the buffer may be freed (VIDIOC_REQBUFS,
 * VIDIOC_REMOVE_BUFS) unless the caller holds the queue's lock.
 *
 * Return: the buffer, or NULL if the queue has no buffer at @index.
 */
static inline struct vb2_buffer *vb2_get_buffer(struct vb2_queue *q,
						unsigned int index)
{
	if (!q->bufs || index >= q->max_num_buffers)
		return NULL;
	if (!test_bit(index, q->bufs_bitmap))
		return NULL;
	return q->bufs[index];
}

/* Helpers for the subsystem glue (videobuf2-v4l2, videobuf2-dvb). */

/**
 * vb2_buffer_in_use() - is a buffer's memory used outside videobuf2?
 * @q:		the queue of @vb.
 * @vb:		the buffer.
 *
 * Such a buffer (mapped by a process, or exported as a dma-buf) cannot be
 * freed by VIDIOC_REQBUFS.
 *
 * Return: true if the allocator reports another user for one of the
 * buffer's planes.
 */
bool vb2_buffer_in_use(struct vb2_queue *q, struct vb2_buffer *vb);

/**
 * vb2_verify_memory_type() - may a buffer operation use this memory type?
 * @q:		the queue.
 * @memory:	the memory type the operation asks for (&enum vb2_memory).
 * @type:	the buffer type it asks for, opaque to the core (an &enum
 *		v4l2_buf_type for V4L2).
 *
 * Checks that @type is the queue's, that the queue supports @memory, and
 * that no read()/write() emulation holds the queue.
 *
 * Return: 0 if the operation may go on, -EINVAL for a wrong type or an
 * unsupported memory type, -EBUSY while read() or write() is in progress.
 */
int vb2_verify_memory_type(struct vb2_queue *q,
			   enum vb2_memory memory, unsigned int type);

/**
 * vb2_request_object_is_buffer() - is a request object a vb2 buffer?
 * @obj:	an object of a media request.
 *
 * Return: true if @obj is the &vb2_buffer.req_obj of some buffer.
 */
bool vb2_request_object_is_buffer(struct media_request_object *obj);

/**
 * vb2_request_buffer_cnt() - count the buffers in a media request
 * @req:	the request.
 *
 * Return: how many vb2 buffers are bound to @req.
 */
unsigned int vb2_request_buffer_cnt(struct media_request *req);

#endif /* _MEDIA_VIDEOBUF2_CORE_H */
