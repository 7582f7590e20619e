// SPDX-License-Identifier: GPL-2.0-only
/*
 * videobuf2-v4l2: the V4L2 buffer ioctls on top of the videobuf2 core.
 *
 * The life of a buffer description, seen from here:
 *
 * - QBUF and PREPARE_BUF: vb2v_lookup() finds the buffer and checks the
 *   struct v4l2_buffer against the queue, vb2v_record() checks the planes
 *   and copies what userspace described into the &struct vb2_v4l2_buffer:
 *   the planes are staged in its planes[] array, flags and field go to
 *   their fields.  Nothing is recorded for a buffer that is already
 *   prepared or not dequeued (the core refuses those anyway), so a stray
 *   QBUF cannot overwrite what a queued or request-bound buffer was given.
 * - The core prepares the buffer (at once, or when its request is
 *   queued) and then pulls the staged planes through
 *   &vb2_buf_ops.fill_vb2_buffer, vb2v_hand_planes() here.  At queue time
 *   it also calls &vb2_buf_ops.copy_timestamp for the timestamp and
 *   timecode of output buffers.
 * - Every report to userspace (QUERYBUF, QBUF, PREPARE_BUF, DQBUF) is
 *   built by vb2v_report(), &vb2_buf_ops.fill_user_buffer.
 *
 * The second half of the file holds the ready-made ioctl and file
 * operation handlers for drivers that keep their queue in
 * &video_device.queue, with the queue ownership rules, and the request
 * API glue.
 *
 * This layer fires no trace events of its own: the core fires the vb2_*
 * events of include/trace/events/vb2.h, and the vb2_v4l2_* events of
 * include/trace/events/v4l2.h have no caller (as upstream).
 */

#define pr_fmt(fmt) "videobuf2-v4l2: " fmt

#include <linux/bitops.h>
#include <linux/device.h>
#include <linux/dma-direction.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/string.h>

#include <media/media-request.h>
#include <media/v4l2-common.h>
#include <media/v4l2-dev.h>
#include <media/v4l2-device.h>
#include <media/v4l2-event.h>
#include <media/v4l2-fh.h>
#include <media/videobuf2-v4l2.h>

static int vb2v_debug;
module_param_named(debug, vb2v_debug, int, 0644);
MODULE_PARM_DESC(debug,
		 "how much the V4L2 buffer ioctls log: 0 nothing, 1 refusals, 2 and up more");

#define vb2v_dbg(q, level, fmt, ...)					\
	do {								\
		if (unlikely(vb2v_debug >= (level)))			\
			pr_info("%s: %s: " fmt, (q)->name, __func__,	\
				##__VA_ARGS__);				\
	} while (0)

/*
 * Flag groups of struct v4l2_buffer.
 *
 * VB2V_KERNEL_BITS are reported by the kernel only: whatever userspace
 * passes in them is dropped.  VB2V_OUTPUT_BITS describe the data of an
 * output buffer and mean nothing on a capture buffer.  VB2V_HINT_BITS ask
 * to skip cache maintenance; they are kept (and echoed back) only where
 * the queue honours them.
 */
#define VB2V_KERNEL_BITS						\
	(V4L2_BUF_FLAG_TIMESTAMP_MASK | V4L2_BUF_FLAG_PREPARED |	\
	 V4L2_BUF_FLAG_QUEUED | V4L2_BUF_FLAG_IN_REQUEST |		\
	 V4L2_BUF_FLAG_ERROR | V4L2_BUF_FLAG_DONE |			\
	 V4L2_BUF_FLAG_MAPPED | V4L2_BUF_FLAG_REQUEST_FD)

#define VB2V_OUTPUT_BITS						\
	(V4L2_BUF_FLAG_M2M_HOLD_CAPTURE_BUF | V4L2_BUF_FLAG_TIMECODE |	\
	 V4L2_BUF_FLAG_KEYFRAME | V4L2_BUF_FLAG_PFRAME |		\
	 V4L2_BUF_FLAG_BFRAME)

#define VB2V_HINT_BITS							\
	(V4L2_BUF_FLAG_NO_CACHE_CLEAN | V4L2_BUF_FLAG_NO_CACHE_INVALIDATE)

/* What each buffer state adds to the reported flags. */
static const u32 vb2v_state_bits[] = {
	[VB2_BUF_STATE_DEQUEUED]	= 0,
	[VB2_BUF_STATE_IN_REQUEST]	= V4L2_BUF_FLAG_IN_REQUEST,
	[VB2_BUF_STATE_PREPARING]	= 0,
	[VB2_BUF_STATE_QUEUED]		= V4L2_BUF_FLAG_QUEUED,
	[VB2_BUF_STATE_ACTIVE]		= V4L2_BUF_FLAG_QUEUED,
	[VB2_BUF_STATE_DONE]		= V4L2_BUF_FLAG_DONE,
	[VB2_BUF_STATE_ERROR]		= V4L2_BUF_FLAG_DONE |
					  V4L2_BUF_FLAG_ERROR,
};

/* The queue's streaming I/O modes and the capability bit of each. */
static const struct {
	unsigned int io_mode;
	u32 cap;
} vb2v_mode_caps[] = {
	{ VB2_MMAP,	V4L2_BUF_CAP_SUPPORTS_MMAP },
	{ VB2_USERPTR,	V4L2_BUF_CAP_SUPPORTS_USERPTR },
	{ VB2_DMABUF,	V4L2_BUF_CAP_SUPPORTS_DMABUF },
};

/*
 * One plane as userspace described it, read the same way from the planes
 * array of a multi-planar buffer or from the fields of a single-planar one
 * (which has no data offset).
 */
struct vb2v_uplane {
	unsigned long	userptr;
	int		fd;
	unsigned int	len;
	unsigned int	used;
	unsigned int	data_off;
};

static __always_inline void vb2v_read_uplane(const struct v4l2_buffer *b,
					     unsigned int p,
					     struct vb2v_uplane *u)
{
	bool mp = V4L2_TYPE_IS_MULTIPLANAR(b->type);
	const struct v4l2_plane *src = mp ? &b->m.planes[p] : NULL;

	if (src) {
		u->userptr = src->m.userptr;
		u->fd = src->m.fd;
		u->len = src->length;
		u->used = src->bytesused;
		u->data_off = src->data_offset;
	} else {
		u->userptr = b->m.userptr;
		u->fd = b->m.fd;
		u->len = b->length;
		u->used = b->bytesused;
		u->data_off = 0;
	}
}

/*
 * The plane length that will be handed to the core: userspace's for
 * USERPTR and DMABUF (0 asks for the whole dma-buf), the allocated one for
 * MMAP.
 */
static __always_inline unsigned int
vb2v_plane_length(const struct vb2_buffer *vb, u32 memory, unsigned int p,
		  const struct vb2v_uplane *u)
{
	if (memory == V4L2_MEMORY_USERPTR || memory == V4L2_MEMORY_DMABUF)
		return u->len;
	return vb->planes[p].length;
}

static __always_inline int vb2v_type_check(const struct vb2_queue *q, u32 type)
{
	if (q->type == type)
		return 0;
	vb2v_dbg(q, 1, "buffer type %u, queue type %u\n", type, q->type);
	return -EINVAL;
}

/* Stateless decoders may keep a capture buffer for several slices. */
static bool vb2v_may_hold_capture(const struct vb2_queue *q)
{
	return q->subsystem_flags & VB2_V4L2_FL_SUPPORTS_M2M_HOLD_CAPTURE_BUF;
}

/* While read()/write() emulation runs, the streaming ioctls stay out. */
static __always_inline int vb2v_fileio_check(struct vb2_queue *q)
{
	if (!vb2_fileio_is_active(q))
		return 0;
	vb2v_dbg(q, 1, "read()/write() emulation owns the queue\n");
	return -EBUSY;
}

/* A multi-planar v4l2_buffer must come with room for every plane. */
static __always_inline int
vb2v_check_plane_array(const struct vb2_buffer *vb, const struct v4l2_buffer *b)
{
	const struct vb2_queue *q = vb->vb2_queue;
	bool mp = V4L2_TYPE_IS_MULTIPLANAR(b->type);

	if (mp && !b->m.planes) {
		vb2v_dbg(q, 1, "buffer %u: multi-planar type but no planes array\n",
			 vb->index);
		return -EINVAL;
	}
	if (mp && (b->length > VB2_MAX_PLANES || b->length < vb->num_planes)) {
		vb2v_dbg(q, 1, "buffer %u: planes array of %u for %u plane(s)\n",
			 vb->index, b->length, vb->num_planes);
		return -EINVAL;
	}
	return 0;
}

/*
 * Payload rules of an output plane: bytesused (0 standing for the whole
 * plane) fits in the plane and a data offset lies inside the payload.
 * When a DMABUF plane's length is left to the dma-buf's size, the
 * plane's minimum size is the room that is known to exist.
 */
static int vb2v_check_payload(const struct vb2_buffer *vb,
			      const struct v4l2_buffer *b, unsigned int p)
{
	const struct vb2_queue *q = vb->vb2_queue;
	struct vb2v_uplane u;
	unsigned int room, end;

	vb2v_read_uplane(b, p, &u);
	room = vb2v_plane_length(vb, b->memory, p, &u);
	if (!room && b->memory == V4L2_MEMORY_DMABUF)
		room = vb->planes[p].min_length;

	if (u.used > room) {
		vb2v_dbg(q, 1, "buffer %u plane %u: %u bytes used of %u\n",
			 vb->index, p, u.used, room);
		return -EINVAL;
	}

	end = u.used ? u.used : room;
	if (u.data_off && u.data_off >= end) {
		vb2v_dbg(q, 1, "buffer %u plane %u: data at %u, payload ends at %u\n",
			 vb->index, p, u.data_off, end);
		return -EINVAL;
	}
	return 0;
}

static void vb2v_zero_payload_notice(const struct vb2_queue *q)
{
	if (q->allow_zero_bytesused)
		pr_warn_once("bytesused 0 on an output buffer is deprecated: end the stream with VIDIOC_DECODER_CMD(V4L2_DEC_CMD_STOP)\n");
	else
		pr_warn_once("bytesused 0 on an output buffer is deprecated: pass the size of the payload\n");
}

/* Check every plane of @b, then stage them all in the planes[] array. */
static int vb2v_stage_planes(struct vb2_buffer *vb,
			     const struct v4l2_buffer *b)
{
	struct vb2_v4l2_buffer *meta = to_vb2_v4l2_buffer(vb);
	const struct vb2_queue *q = vb->vb2_queue;
	bool output = V4L2_TYPE_IS_OUTPUT(b->type);
	unsigned int p;
	int err;

	for (p = 0; output && p < vb->num_planes; p++) {
		err = vb2v_check_payload(vb, b, p);
		if (err)
			return err;
	}

	for (p = 0; p < vb->num_planes; p++) {
		struct vb2_plane *dst = &meta->planes[p];
		struct vb2v_uplane u;

		vb2v_read_uplane(b, p, &u);
		memset(dst, 0, sizeof(*dst));
		dst->length = vb2v_plane_length(vb, b->memory, p, &u);
		if (b->memory == V4L2_MEMORY_USERPTR)
			dst->m.userptr = u.userptr;
		else if (b->memory == V4L2_MEMORY_DMABUF)
			dst->m.fd = u.fd;
		else
			dst->m.offset = vb->planes[p].m.offset;

		/* Capture planes are filled by the device: no payload yet. */
		if (!output)
			continue;

		/*
		 * bytesused 0 historically means "the whole plane"; old
		 * codec drivers that set allow_zero_bytesused take it
		 * literally, as an end-of-stream marker.
		 */
		if (!u.used)
			vb2v_zero_payload_notice(q);
		if (u.used || q->allow_zero_bytesused)
			dst->bytesused = u.used;
		else
			dst->bytesused = dst->length;
		dst->data_offset = u.data_off;
	}
	return 0;
}

/*
 * Cache hints.  A queue that allows them honours them for MMAP buffers
 * (as it always did) and for DMABUF buffers, whose cache maintenance the
 * core now does through the attachment; each QBUF or PREPARE_BUF says
 * afresh what to skip.  Only MMAP buffers report the bits back: the V4L2
 * documentation defines them for MMAP alone and programs (v4l2-compliance
 * among them) check that other memory types clear them, so a DMABUF
 * buffer honours them silently.  Either way ->finish is skipped on a
 * queue the device only reads: there is nothing to invalidate.
 */
static u32 vb2v_cache_hints(struct vb2_buffer *vb, u32 flags)
{
	const struct vb2_queue *q = vb->vb2_queue;
	bool reported = q->allow_cache_hints && q->memory == VB2_MEMORY_MMAP;
	bool honoured = reported || (q->allow_cache_hints &&
				     q->memory == VB2_MEMORY_DMABUF);
	u32 asked = honoured ? flags & VB2V_HINT_BITS : 0;

	vb->skip_cache_sync_on_prepare =
		!!(asked & V4L2_BUF_FLAG_NO_CACHE_CLEAN);
	vb->skip_cache_sync_on_finish =
		!!(asked & V4L2_BUF_FLAG_NO_CACHE_INVALIDATE) ||
		q->dma_dir == DMA_TO_DEVICE;
	return reported ? flags : flags & ~VB2V_HINT_BITS;
}

/*
 * Take over what userspace described in @b for a buffer the core will
 * prepare from it.  Buffers that are prepared already, or not in
 * userspace's hands, keep what they have.
 */
static int vb2v_record(struct vb2_buffer *vb, const struct v4l2_buffer *b)
{
	struct vb2_v4l2_buffer *meta = to_vb2_v4l2_buffer(vb);
	const struct vb2_queue *q = vb->vb2_queue;
	bool output = V4L2_TYPE_IS_OUTPUT(b->type);
	u32 flags;
	int err;

	if (vb->prepared || vb->state != VB2_BUF_STATE_DEQUEUED)
		return 0;

	/*
	 * ALTERNATE describes a stream of fields; each output buffer has to
	 * say which field (TOP or BOTTOM) it carries.
	 */
	if (q->is_output && b->field == V4L2_FIELD_ALTERNATE) {
		vb2v_dbg(q, 1, "buffer %u: field ALTERNATE on an output buffer\n",
			 vb->index);
		return -EINVAL;
	}

	err = vb2v_stage_planes(vb, b);
	if (err)
		return err;

	flags = b->flags & ~VB2V_KERNEL_BITS;
	/* Only copied output timestamps bring their source along. */
	if (!output || !q->copy_timestamp)
		flags &= ~V4L2_BUF_FLAG_TSTAMP_SRC_MASK;
	if (output) {
		/* The timecode comes with the timestamp, at queue time. */
		flags &= ~V4L2_BUF_FLAG_TIMECODE;
		if (!vb2v_may_hold_capture(q))
			flags &= ~V4L2_BUF_FLAG_M2M_HOLD_CAPTURE_BUF;
		meta->field = b->field;
	} else {
		/* LAST is the driver's word to userspace, never the reverse. */
		flags &= ~(VB2V_OUTPUT_BITS | V4L2_BUF_FLAG_LAST);
	}
	meta->flags = vb2v_cache_hints(vb, flags);
	meta->sequence = 0;
	meta->request_fd = -1;
	meta->is_held = false;
	return 0;
}

/*
 * Find the buffer @b names and check that @b fits the queue.  For QBUF
 * and PREPARE_BUF (@io true) the memory type has to match too and file
 * I/O emulation must not be running; QUERYBUF needs neither.
 */
static struct vb2_buffer *vb2v_lookup(struct vb2_queue *q,
				      const struct v4l2_buffer *b, bool io)
{
	struct vb2_buffer *vb = vb2_get_buffer(q, b->index);
	int err = io ? vb2v_fileio_check(q) : 0;

	if (!err)
		err = vb2v_type_check(q, b->type);
	if (err)
		return ERR_PTR(err);

	if (!vb) {
		vb2v_dbg(q, 1, "no buffer at index %u\n", b->index);
		return ERR_PTR(-EINVAL);
	}
	if (io && b->memory != q->memory) {
		vb2v_dbg(q, 1, "memory type %u, queue uses %u\n",
			 b->memory, q->memory);
		return ERR_PTR(-EINVAL);
	}

	err = vb2v_check_plane_array(vb, b);
	return err ? ERR_PTR(err) : vb;
}

/*
 * Whether @b may be queued the way it asks, directly or through a request.
 * The two may not be mixed on a queue until it is cancelled.
 */
static int vb2v_request_rules(struct vb2_queue *q, struct vb2_buffer *vb,
			      const struct v4l2_buffer *b)
{
	bool with_request = b->flags & V4L2_BUF_FLAG_REQUEST_FD;
	bool video_output;

	if (!with_request && q->requires_requests) {
		vb2v_dbg(q, 1, "buffers must be queued with a request\n");
		return -EBADR;
	}
	if (!with_request && q->uses_requests) {
		vb2v_dbg(q, 1, "queue is fed by requests\n");
		return -EBUSY;
	}
	if (!with_request)
		return 0;

	if (vb->state != VB2_BUF_STATE_DEQUEUED) {
		vb2v_dbg(q, 1, "buffer %u is not dequeued\n", vb->index);
		return -EINVAL;
	}
	if (!q->supports_requests) {
		vb2v_dbg(q, 1, "queue takes no requests\n");
		return -EBADR;
	}
	if (q->uses_qbuf) {
		vb2v_dbg(q, 1, "queue is fed directly\n");
		return -EBUSY;
	}

	/*
	 * Driver bugs: requests are queued under the queue's lock, a
	 * cancelled request has to complete its buffers, and output video
	 * has to check the field userspace set at QBUF time.
	 */
	video_output = q->type == V4L2_BUF_TYPE_VIDEO_OUTPUT ||
		       q->type == V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE;
	if (WARN_ON(!q->lock) || WARN_ON(!q->ops->buf_request_complete) ||
	    WARN_ON(video_output && !q->ops->buf_out_validate))
		return -EINVAL;
	return 0;
}

/* Can @req still take objects?  vb2_core_qbuf() checks again, locked. */
static bool vb2v_request_open(const struct media_request *req)
{
	switch (req->state) {
	case MEDIA_REQUEST_STATE_IDLE:
	case MEDIA_REQUEST_STATE_UPDATING:
		return true;
	default:
		return false;
	}
}

/* The request behind @fd, referenced, or an ERR_PTR. */
static struct media_request *vb2v_get_request(struct vb2_queue *q,
					      struct media_device *mdev,
					      int fd)
{
	struct media_request *request = media_request_get_by_fd(mdev, fd);

	if (IS_ERR(request)) {
		vb2v_dbg(q, 1, "request fd %d not usable\n", fd);
	} else if (!vb2v_request_open(request)) {
		vb2v_dbg(q, 1, "request fd %d is already queued\n", fd);
		media_request_put(request);
		request = ERR_PTR(-EBUSY);
	}
	return request;
}

/* &vb2_buf_ops.verify_planes_array */
static int vb2v_bufop_check_planes(struct vb2_buffer *vb, const void *arg)
{
	return vb2v_check_plane_array(vb, arg);
}

/* &vb2_buf_ops.init_buffer: a fresh or dequeued buffer has no request. */
static void vb2v_bufop_reset(struct vb2_buffer *vb)
{
	to_vb2_v4l2_buffer(vb)->request_fd = -1;
}

static __always_inline void vb2v_report_plane(u32 memory,
					      const struct vb2_plane *src,
					      struct v4l2_plane *dst)
{
	*dst = (struct v4l2_plane) {
		.bytesused	= src->bytesused,
		.length		= src->length,
		.data_offset	= src->data_offset,
	};

	switch (memory) {
	case V4L2_MEMORY_MMAP:
		dst->m.mem_offset = src->m.offset;
		break;
	case V4L2_MEMORY_USERPTR:
		dst->m.userptr = src->m.userptr;
		break;
	case V4L2_MEMORY_DMABUF:
		dst->m.fd = src->m.fd;
		break;
	default:
		break;
	}
}

/* A single-planar buffer keeps its one plane in the main structure. */
static void vb2v_report_single(u32 memory, const struct vb2_plane *src,
			       struct v4l2_buffer *b)
{
	struct v4l2_plane one;

	vb2v_report_plane(memory, src, &one);
	b->bytesused = one.bytesused;
	b->length = one.length;
	switch (memory) {
	case V4L2_MEMORY_MMAP:
		b->m.offset = one.m.mem_offset;
		break;
	case V4L2_MEMORY_USERPTR:
		b->m.userptr = one.m.userptr;
		break;
	case V4L2_MEMORY_DMABUF:
		b->m.fd = one.m.fd;
		break;
	default:
		break;
	}
}

/* The flags userspace sees: recorded ones, queue-wide ones, state. */
static u32 vb2v_user_flags(struct vb2_buffer *vb)
{
	const struct vb2_v4l2_buffer *meta = to_vb2_v4l2_buffer(vb);
	const struct vb2_queue *q = vb->vb2_queue;
	bool idle = vb->state == VB2_BUF_STATE_DEQUEUED ||
		    vb->state == VB2_BUF_STATE_IN_REQUEST;
	u32 from_queue = V4L2_BUF_FLAG_TIMESTAMP_MASK;
	u32 flags;

	/* The timestamp source is the queue's unless timestamps are copied. */
	if (!q->copy_timestamp)
		from_queue |= V4L2_BUF_FLAG_TSTAMP_SRC_MASK;

	flags = meta->flags & ~(VB2V_KERNEL_BITS | from_queue);
	flags |= q->timestamp_flags & from_queue;

	if (vb->state < ARRAY_SIZE(vb2v_state_bits))
		flags |= vb2v_state_bits[vb->state];
	if (idle && vb->prepared && vb->synced)
		flags |= V4L2_BUF_FLAG_PREPARED;
	if (vb2_buffer_in_use(vb->vb2_queue, vb))
		flags |= V4L2_BUF_FLAG_MAPPED;
	if (meta->request_fd >= 0)
		flags |= V4L2_BUF_FLAG_REQUEST_FD;
	return flags;
}

/*
 * &vb2_buf_ops.fill_user_buffer.  The whole structure is rewritten; only
 * the planes array pointer of a multi-planar buffer survives, and that
 * array was checked (vb2v_check_plane_array()) by whoever got here.
 */
static void vb2v_report(struct vb2_buffer *vb, void *arg)
{
	const struct vb2_v4l2_buffer *meta = to_vb2_v4l2_buffer(vb);
	const struct vb2_queue *q = vb->vb2_queue;
	struct v4l2_buffer *b = arg;
	struct v4l2_plane *planes = b->m.planes;
	unsigned int p;

	*b = (struct v4l2_buffer) {
		.index		= vb->index,
		.type		= vb->type,
		.memory		= vb->memory,
		.flags		= vb2v_user_flags(vb),
		.field		= meta->field,
		.timecode	= meta->timecode,
		.sequence	= meta->sequence,
		.request_fd	= meta->request_fd >= 0 ? meta->request_fd : 0,
	};
	v4l2_buffer_set_timestamp(b, vb->timestamp);

	if (!q->is_multiplanar) {
		vb2v_report_single(q->memory, &vb->planes[0], b);
		return;
	}

	/* Single-planar fields stay zero; the array carries it all. */
	b->m.planes = planes;
	b->length = vb->num_planes;
	for (p = 0; p < vb->num_planes; p++)
		vb2v_report_plane(q->memory, &vb->planes[p], &planes[p]);
}

/*
 * &vb2_buf_ops.fill_vb2_buffer: hand the planes staged by vb2v_record()
 * to the core, which is preparing the buffer.  MMAP planes keep the
 * memory the core allocated.  A staged MMAP plane always has a length; an
 * MMAP plane with none was queued by the core itself (read()/write()
 * emulation or the DVB thread).  On an output queue the core has set its
 * payload already, so it is left alone; a capture plane starts empty.
 */
static int vb2v_hand_planes(struct vb2_buffer *vb, struct vb2_plane *planes)
{
	const struct vb2_v4l2_buffer *meta = to_vb2_v4l2_buffer(vb);
	const struct vb2_queue *q = vb->vb2_queue;
	unsigned int p;

	/* Queues that stamp buffers themselves start from no timestamp. */
	if (!q->copy_timestamp)
		vb->timestamp = 0;

	for (p = 0; p < vb->num_planes; p++) {
		const struct vb2_plane *staged = &meta->planes[p];

		if (q->memory == VB2_MEMORY_MMAP) {
			if (!staged->length && q->is_output)
				continue;
		} else {
			planes[p].m = staged->m;
			planes[p].length = staged->length;
		}
		planes[p].bytesused = staged->bytesused;
		planes[p].data_offset = staged->data_offset;
	}
	return 0;
}

/*
 * &vb2_buf_ops.copy_timestamp, called when an output buffer is queued:
 * the timecode and (on queues that copy them) the timestamp go with the
 * data to the device.
 */
static void vb2v_take_timestamp(struct vb2_buffer *vb, const void *arg)
{
	struct vb2_v4l2_buffer *meta = to_vb2_v4l2_buffer(vb);
	const struct vb2_queue *q = vb->vb2_queue;
	const struct v4l2_buffer *b = arg;

	if (!q->is_output)
		return;

	if (b->flags & V4L2_BUF_FLAG_TIMECODE) {
		meta->timecode = b->timecode;
		meta->flags |= V4L2_BUF_FLAG_TIMECODE;
	}
	if (q->copy_timestamp)
		vb->timestamp = v4l2_buffer_get_timestamp(b);
}

static const struct vb2_buf_ops vb2v_buf_ops = {
	.verify_planes_array	= vb2v_bufop_check_planes,
	.init_buffer		= vb2v_bufop_reset,
	.fill_user_buffer	= vb2v_report,
	.fill_vb2_buffer	= vb2v_hand_planes,
	.copy_timestamp		= vb2v_take_timestamp,
};

struct vb2_buffer *vb2_find_buffer(struct vb2_queue *q, u64 timestamp)
{
	unsigned int n;

	if (!q->bufs)
		return NULL;

	/* Linear, but codecs keep few buffers. */
	for_each_set_bit(n, q->bufs_bitmap, q->max_num_buffers) {
		struct vb2_buffer *vb = vb2_get_buffer(q, n);

		if (vb && vb->copied_timestamp && vb->timestamp == timestamp)
			return vb;
	}
	return NULL;
}
EXPORT_SYMBOL_GPL(vb2_find_buffer);

int vb2_querybuf(struct vb2_queue *q, struct v4l2_buffer *b)
{
	struct vb2_buffer *vb = vb2v_lookup(q, b, false);

	if (IS_ERR(vb))
		return PTR_ERR(vb);

	vb2_core_querybuf(q, vb, b);
	return 0;
}
EXPORT_SYMBOL(vb2_querybuf);

/*
 * Memory flags and capabilities, the same for REQBUFS and CREATE_BUFS.
 * Only MMAP buffers of a queue that takes cache hints can be allocated
 * non-coherent; flags that do not apply are cleared, so userspace learns
 * what it got.  Capability bits are added to what the caller (the V4L2
 * ioctl core, for REMOVE_BUFS) already set.
 */
static void vb2v_flags_and_caps(const struct vb2_queue *q, u32 memory,
				u32 *mem_flags, u32 *caps)
{
	u32 have = 0;
	unsigned int n;

	if (q->allow_cache_hints && memory == V4L2_MEMORY_MMAP)
		*mem_flags &= V4L2_MEMORY_FLAG_NON_COHERENT;
	else
		*mem_flags = 0;

	for (n = 0; n < ARRAY_SIZE(vb2v_mode_caps); n++)
		if (q->io_modes & vb2v_mode_caps[n].io_mode)
			have |= vb2v_mode_caps[n].cap;

	/* Buffers outlive REQBUFS(0) while mapped or exported. */
	have |= V4L2_BUF_CAP_SUPPORTS_ORPHANED_BUFS;
	if (q->allow_cache_hints && (q->io_modes & VB2_MMAP))
		have |= V4L2_BUF_CAP_SUPPORTS_MMAP_CACHE_HINTS;
	have |= q->supports_requests ? V4L2_BUF_CAP_SUPPORTS_REQUESTS : 0;
	if (vb2v_may_hold_capture(q))
		have |= V4L2_BUF_CAP_SUPPORTS_M2M_HOLD_CAPTURE_BUF;

	*caps |= have;
}

static void vb2v_reqbufs_report(const struct vb2_queue *q,
				struct v4l2_requestbuffers *req)
{
	u32 mem_flags = req->flags;

	vb2v_flags_and_caps(q, req->memory, &mem_flags, &req->capabilities);
	req->flags = mem_flags;
}

static void vb2v_create_report(struct vb2_queue *q,
			       struct v4l2_create_buffers *create)
{
	unsigned int allocated = vb2_get_num_buffers(q);

	vb2v_flags_and_caps(q, create->memory, &create->flags,
			    &create->capabilities);
	create->capabilities |= V4L2_BUF_CAP_SUPPORTS_MAX_NUM_BUFFERS;
	create->max_num_buffers = q->max_num_buffers;
	create->index = allocated;
}

int vb2_reqbufs(struct vb2_queue *q, struct v4l2_requestbuffers *req)
{
	int err = vb2_verify_memory_type(q, req->memory, req->type);

	vb2v_reqbufs_report(q, req);
	if (err)
		return err;
	return vb2_core_reqbufs(q, req->memory, req->flags, &req->count);
}
EXPORT_SYMBOL_GPL(vb2_reqbufs);

/*
 * The plane count and the size of each plane that buffers created for
 * format @f need.  Every size must be non-zero.
 */
static int vb2v_format_sizes(const struct v4l2_format *f,
			     unsigned int *num_planes,
			     unsigned int sizes[VIDEO_MAX_PLANES])
{
	u32 t = f->type;
	unsigned int p;

	*num_planes = 1;
	if (V4L2_TYPE_IS_MULTIPLANAR(t)) {
		const struct v4l2_pix_format_mplane *mp = &f->fmt.pix_mp;

		if (!mp->num_planes || mp->num_planes > VIDEO_MAX_PLANES)
			return -EINVAL;
		*num_planes = mp->num_planes;
		for (p = 0; p < mp->num_planes; p++)
			sizes[p] = mp->plane_fmt[p].sizeimage;
	} else if (t == V4L2_BUF_TYPE_VIDEO_CAPTURE ||
		   t == V4L2_BUF_TYPE_VIDEO_OUTPUT) {
		sizes[0] = f->fmt.pix.sizeimage;
	} else if (t == V4L2_BUF_TYPE_VBI_CAPTURE ||
		   t == V4L2_BUF_TYPE_VBI_OUTPUT) {
		/* One line of samples for each line of both fields. */
		u32 lines = f->fmt.vbi.count[0] + f->fmt.vbi.count[1];

		sizes[0] = f->fmt.vbi.samples_per_line * lines;
	} else if (t == V4L2_BUF_TYPE_SLICED_VBI_CAPTURE ||
		   t == V4L2_BUF_TYPE_SLICED_VBI_OUTPUT) {
		sizes[0] = f->fmt.sliced.io_size;
	} else if (t == V4L2_BUF_TYPE_SDR_CAPTURE ||
		   t == V4L2_BUF_TYPE_SDR_OUTPUT) {
		sizes[0] = f->fmt.sdr.buffersize;
	} else if (t == V4L2_BUF_TYPE_META_CAPTURE ||
		   t == V4L2_BUF_TYPE_META_OUTPUT) {
		sizes[0] = f->fmt.meta.buffersize;
	} else {
		return -EINVAL;
	}

	for (p = 0; p < *num_planes; p++)
		if (!sizes[p])
			return -EINVAL;
	return 0;
}

int vb2_create_bufs(struct vb2_queue *q, struct v4l2_create_buffers *create)
{
	unsigned int sizes[VIDEO_MAX_PLANES];
	unsigned int num_planes;
	int err;

	err = vb2_verify_memory_type(q, create->memory, create->format.type);
	vb2v_create_report(q, create);

	/* A zero count only asks whether memory and type are right. */
	if (!create->count)
		return err == -EBUSY ? 0 : err;
	if (err)
		return err;

	err = vb2v_format_sizes(&create->format, &num_planes, sizes);
	if (err) {
		vb2v_dbg(q, 1, "no plane sizes for format type %u\n",
			 create->format.type);
		return err;
	}

	return vb2_core_create_bufs(q, create->memory, create->flags,
				    &create->count, num_planes,
				    sizes, &create->index);
}
EXPORT_SYMBOL_GPL(vb2_create_bufs);

int vb2_prepare_buf(struct vb2_queue *q, struct media_device *mdev,
		    struct v4l2_buffer *b)
{
	struct vb2_buffer *vb = vb2v_lookup(q, b, true);
	int err;

	if (IS_ERR(vb))
		return PTR_ERR(vb);

	/* A request prepares its buffers itself, when it is queued. */
	if (b->flags & V4L2_BUF_FLAG_REQUEST_FD) {
		vb2v_dbg(q, 1, "requests cannot be used with PREPARE_BUF\n");
		return -EINVAL;
	}

	err = vb2v_record(vb, b);
	return err ? err : vb2_core_prepare_buf(q, vb, b);
}
EXPORT_SYMBOL_GPL(vb2_prepare_buf);

int vb2_qbuf(struct vb2_queue *q, struct media_device *mdev,
	     struct v4l2_buffer *b)
{
	struct vb2_buffer *vb = vb2v_lookup(q, b, true);
	struct media_request *request = NULL;
	struct vb2_v4l2_buffer *meta;
	int err;

	if (IS_ERR(vb))
		return PTR_ERR(vb);
	meta = to_vb2_v4l2_buffer(vb);

	err = vb2v_request_rules(q, vb, b);
	if (!err)
		err = vb2v_record(vb, b);
	if (err)
		return err;

	if (b->flags & V4L2_BUF_FLAG_REQUEST_FD) {
		request = vb2v_get_request(q, mdev, b->request_fd);
		if (IS_ERR(request))
			return PTR_ERR(request);
		meta->request_fd = b->request_fd;
	}

	err = vb2_core_qbuf(q, vb, b, request);
	if (request) {
		/* Not bound after all: the buffer has no request. */
		if (err && vb->state == VB2_BUF_STATE_DEQUEUED)
			meta->request_fd = -1;
		media_request_put(request);
	}
	return err;
}
EXPORT_SYMBOL_GPL(vb2_qbuf);

int vb2_dqbuf(struct vb2_queue *q, struct v4l2_buffer *b, bool nonblocking)
{
	const u32 last_done = V4L2_BUF_FLAG_DONE | V4L2_BUF_FLAG_LAST;
	int err = vb2v_fileio_check(q);

	if (!err)
		err = vb2v_type_check(q, b->type);
	if (err)
		return err;

	err = vb2_core_dqbuf(q, NULL, b, nonblocking);

	/* After the last capture buffer, DQBUF says EPIPE until restarted. */
	if (!err && !q->is_output && (b->flags & last_done) == last_done)
		q->last_buffer_dequeued = 1;

	/* DONE means "waiting to be dequeued", which it no longer is. */
	b->flags &= ~V4L2_BUF_FLAG_DONE;
	return err;
}
EXPORT_SYMBOL_GPL(vb2_dqbuf);

int vb2_expbuf(struct vb2_queue *q, struct v4l2_exportbuffer *eb)
{
	struct vb2_buffer *vb = vb2_get_buffer(q, eb->index);

	if (vb)
		return vb2_core_expbuf(q, &eb->fd, eb->type, vb, eb->plane,
				       eb->flags);

	vb2v_dbg(q, 1, "no buffer at index %u to export\n", eb->index);
	return -EINVAL;
}
EXPORT_SYMBOL_GPL(vb2_expbuf);

int vb2_streamon(struct vb2_queue *q, enum v4l2_buf_type type)
{
	int err = vb2v_fileio_check(q);

	return err ? err : vb2_core_streamon(q, type);
}
EXPORT_SYMBOL_GPL(vb2_streamon);

int vb2_streamoff(struct vb2_queue *q, enum v4l2_buf_type type)
{
	int err = vb2v_fileio_check(q);

	return err ? err : vb2_core_streamoff(q, type);
}
EXPORT_SYMBOL_GPL(vb2_streamoff);

int vb2_queue_init_name(struct vb2_queue *q, const char *name)
{
	const u32 ts_bits = V4L2_BUF_FLAG_TIMESTAMP_MASK |
			    V4L2_BUF_FLAG_TSTAMP_SRC_MASK;
	u32 type, stamping;

	if (WARN_ON(!q) || WARN_ON(q->timestamp_flags & ~ts_bits))
		return -EINVAL;

	type = q->type;
	stamping = q->timestamp_flags & V4L2_BUF_FLAG_TIMESTAMP_MASK;

	/* The driver has to say how its buffers are stamped. */
	WARN_ON(stamping == V4L2_BUF_FLAG_TIMESTAMP_UNKNOWN);

	/* The core's memory types are the V4L2 ones, value for value. */
	BUILD_BUG_ON((int)VB2_MEMORY_MMAP != (int)V4L2_MEMORY_MMAP);
	BUILD_BUG_ON((int)VB2_MEMORY_USERPTR != (int)V4L2_MEMORY_USERPTR);
	BUILD_BUG_ON((int)VB2_MEMORY_DMABUF != (int)V4L2_MEMORY_DMABUF);

	if (!q->buf_struct_size)
		q->buf_struct_size = sizeof(struct vb2_v4l2_buffer);
	if (!q->max_num_buffers)
		q->max_num_buffers = VB2_MAX_FRAME;

	q->buf_ops = &vb2v_buf_ops;
	q->is_multiplanar = V4L2_TYPE_IS_MULTIPLANAR(type);
	q->is_output = V4L2_TYPE_IS_OUTPUT(type);
	q->copy_timestamp = stamping == V4L2_BUF_FLAG_TIMESTAMP_COPY;
	/*
	 * Like videobuf1 did, poll() on a capture queue reports an error
	 * until the first QBUF; output queues never wait for that.
	 */
	q->quirk_poll_must_check_waiting_for_buffers = 1;
	/* An empty name makes the core choose one. */
	strscpy(q->name, name ? name : "", sizeof(q->name));

	return vb2_core_queue_init(q);
}
EXPORT_SYMBOL_GPL(vb2_queue_init_name);

int vb2_queue_init(struct vb2_queue *q)
{
	return vb2_queue_init_name(q, NULL);
}
EXPORT_SYMBOL_GPL(vb2_queue_init);

void vb2_queue_release(struct vb2_queue *q)
{
	vb2_core_queue_release(q);
}
EXPORT_SYMBOL_GPL(vb2_queue_release);

int vb2_queue_change_type(struct vb2_queue *q, unsigned int type)
{
	if (type != q->type && vb2_is_busy(q))
		return -EBUSY;
	q->type = type;
	return 0;
}
EXPORT_SYMBOL_GPL(vb2_queue_change_type);

/* Pending V4L2 events of the file handle are priority data. */
static __poll_t vb2v_event_mask(struct file *file, poll_table *wait)
{
	struct v4l2_fh *fh;

	if (!test_bit(V4L2_FL_USES_V4L2_FH, &video_devdata(file)->flags))
		return 0;

	fh = file->private_data;
	poll_wait(file, &fh->wait, wait);
	return v4l2_event_pending(fh) ? EPOLLPRI : 0;
}

__poll_t vb2_poll(struct vb2_queue *q, struct file *file, poll_table *wait)
{
	__poll_t mask = vb2_core_poll(q, file, wait);

	return mask | vb2v_event_mask(file, wait);
}
EXPORT_SYMBOL_GPL(vb2_poll);

/*
 * The helpers below work on the queue of the file's video node and
 * serialise on the queue's lock, or on the node's when the queue has none.
 */
static __always_inline struct vb2_queue *vb2v_node_queue(struct file *file)
{
	return video_devdata(file)->queue;
}

/* The node's queue, or ERR_PTR(-EBUSY) when another file handle owns it. */
static __always_inline struct vb2_queue *vb2v_owned_queue(struct file *file)
{
	struct vb2_queue *q = vb2v_node_queue(file);

	return vb2_queue_is_busy(q, file) ? ERR_PTR(-EBUSY) : q;
}

static __always_inline struct media_device *vb2v_node_mdev(struct file *file)
{
	return video_devdata(file)->v4l2_dev->mdev;
}

static struct mutex *vb2v_vdev_lock(const struct video_device *vdev)
{
	return vdev->queue->lock ? vdev->queue->lock : vdev->lock;
}

static struct mutex *vb2v_node_lock(struct file *file)
{
	return vb2v_vdev_lock(video_devdata(file));
}

static void vb2v_lock(struct mutex *lock)
{
	if (lock)
		mutex_lock(lock);
}

static int vb2v_lock_interruptible(struct mutex *lock)
{
	return lock ? mutex_lock_interruptible(lock) : 0;
}

static void vb2v_unlock(struct mutex *lock)
{
	if (lock)
		mutex_unlock(lock);
}

static __always_inline bool vb2v_nonblocking(const struct file *file)
{
	return file->f_flags & O_NONBLOCK;
}

/* @file becomes the owner; NULL leaves the queue without one. */
static void vb2v_set_owner(struct vb2_queue *q, struct file *file)
{
	q->owner = file ? file->private_data : NULL;
}

/* Stop everything, free the buffers and forget the owner. */
static void vb2v_teardown(struct vb2_queue *q)
{
	vb2_queue_release(q);
	vb2v_set_owner(q, NULL);
}

int vb2_ioctl_reqbufs(struct file *file, void *priv,
		      struct v4l2_requestbuffers *p)
{
	struct vb2_queue *q = vb2v_node_queue(file);
	int err;

	if (vb2_queue_is_busy(q, file)) {
		/* Anyone may learn the capabilities; only the owner acts. */
		err = vb2_verify_memory_type(q, p->memory, p->type);
		vb2v_reqbufs_report(q, p);
		return err ? err : -EBUSY;
	}

	err = vb2_reqbufs(q, p);
	/* Allocating makes the caller the owner, freeing all releases it. */
	if (!err)
		vb2v_set_owner(q, p->count ? file : NULL);
	return err;
}
EXPORT_SYMBOL_GPL(vb2_ioctl_reqbufs);

int vb2_ioctl_create_bufs(struct file *file, void *priv,
			  struct v4l2_create_buffers *p)
{
	struct vb2_queue *q = vb2v_node_queue(file);
	bool allocating = p->count != 0;
	int err;

	if (allocating && vb2_queue_is_busy(q, file)) {
		err = vb2_verify_memory_type(q, p->memory, p->format.type);
		vb2v_create_report(q, p);
		return err ? err : -EBUSY;
	}

	err = vb2_create_bufs(q, p);
	if (!err && allocating)
		vb2v_set_owner(q, file);
	return err;
}
EXPORT_SYMBOL_GPL(vb2_ioctl_create_bufs);

int vb2_ioctl_prepare_buf(struct file *file, void *priv,
			  struct v4l2_buffer *p)
{
	struct vb2_queue *q = vb2v_owned_queue(file);

	if (IS_ERR(q))
		return PTR_ERR(q);
	return vb2_prepare_buf(q, vb2v_node_mdev(file), p);
}
EXPORT_SYMBOL_GPL(vb2_ioctl_prepare_buf);

int vb2_ioctl_querybuf(struct file *file, void *priv, struct v4l2_buffer *p)
{
	/* Querying changes nothing: no ownership needed. */
	return vb2_querybuf(vb2v_node_queue(file), p);
}
EXPORT_SYMBOL_GPL(vb2_ioctl_querybuf);

int vb2_ioctl_qbuf(struct file *file, void *priv, struct v4l2_buffer *p)
{
	struct vb2_queue *q = vb2v_owned_queue(file);

	if (IS_ERR(q))
		return PTR_ERR(q);
	return vb2_qbuf(q, vb2v_node_mdev(file), p);
}
EXPORT_SYMBOL_GPL(vb2_ioctl_qbuf);

int vb2_ioctl_dqbuf(struct file *file, void *priv, struct v4l2_buffer *p)
{
	struct vb2_queue *q = vb2v_owned_queue(file);

	if (IS_ERR(q))
		return PTR_ERR(q);
	return vb2_dqbuf(q, p, vb2v_nonblocking(file));
}
EXPORT_SYMBOL_GPL(vb2_ioctl_dqbuf);

int vb2_ioctl_streamon(struct file *file, void *priv, enum v4l2_buf_type i)
{
	struct vb2_queue *q = vb2v_owned_queue(file);

	return IS_ERR(q) ? PTR_ERR(q) : vb2_streamon(q, i);
}
EXPORT_SYMBOL_GPL(vb2_ioctl_streamon);

int vb2_ioctl_streamoff(struct file *file, void *priv, enum v4l2_buf_type i)
{
	struct vb2_queue *q = vb2v_owned_queue(file);

	return IS_ERR(q) ? PTR_ERR(q) : vb2_streamoff(q, i);
}
EXPORT_SYMBOL_GPL(vb2_ioctl_streamoff);

int vb2_ioctl_expbuf(struct file *file, void *priv,
		     struct v4l2_exportbuffer *p)
{
	struct vb2_queue *q = vb2v_owned_queue(file);

	return IS_ERR(q) ? PTR_ERR(q) : vb2_expbuf(q, p);
}
EXPORT_SYMBOL_GPL(vb2_ioctl_expbuf);

int vb2_ioctl_remove_bufs(struct file *file, void *priv,
			  struct v4l2_remove_buffers *p)
{
	struct vb2_queue *q = vb2v_node_queue(file);
	int err = vb2v_type_check(q, p->type);

	/* The type is checked even when there is nothing to remove. */
	if (err || !p->count)
		return err;
	if (vb2_queue_is_busy(q, file))
		return -EBUSY;

	err = vb2v_fileio_check(q);
	return err ? err : vb2_core_remove_bufs(q, p->index, p->count);
}
EXPORT_SYMBOL_GPL(vb2_ioctl_remove_bufs);

int vb2_fop_mmap(struct file *file, struct vm_area_struct *vma)
{
	return vb2_mmap(vb2v_node_queue(file), vma);
}
EXPORT_SYMBOL_GPL(vb2_fop_mmap);

int _vb2_fop_release(struct file *file, struct mutex *lock)
{
	struct vb2_queue *q = vb2v_node_queue(file);

	vb2v_lock(lock);
	/* Only the owner's close (or anyone's, unowned) tears down. */
	if (!q->owner || q->owner == file->private_data)
		vb2v_teardown(q);
	vb2v_unlock(lock);
	return v4l2_fh_release(file);
}
EXPORT_SYMBOL_GPL(_vb2_fop_release);

int vb2_fop_release(struct file *file)
{
	return _vb2_fop_release(file, vb2v_node_lock(file));
}
EXPORT_SYMBOL_GPL(vb2_fop_release);

/* Whoever runs read()/write() emulation owns the queue. */
static void vb2v_claim_for_fileio(struct vb2_queue *q, struct file *file)
{
	if (vb2_fileio_is_active(q))
		vb2v_set_owner(q, file);
}

ssize_t vb2_fop_write(struct file *file, const char __user *buf,
		      size_t count, loff_t *ppos)
{
	struct mutex *lock = vb2v_node_lock(file);
	struct vb2_queue *q = vb2v_node_queue(file);
	ssize_t ret;

	if (!(q->io_modes & VB2_WRITE))
		return -EINVAL;
	if (vb2v_lock_interruptible(lock))
		return -ERESTARTSYS;

	if (vb2_queue_is_busy(q, file)) {
		ret = -EBUSY;
	} else {
		ret = vb2_write(q, buf, count, ppos, vb2v_nonblocking(file));
		vb2v_claim_for_fileio(q, file);
	}

	vb2v_unlock(lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vb2_fop_write);

ssize_t vb2_fop_read(struct file *file, char __user *buf,
		     size_t count, loff_t *ppos)
{
	struct mutex *lock = vb2v_node_lock(file);
	struct vb2_queue *q = vb2v_node_queue(file);
	ssize_t ret;

	if (!(q->io_modes & VB2_READ))
		return -EINVAL;
	if (vb2v_lock_interruptible(lock))
		return -ERESTARTSYS;

	if (vb2_queue_is_busy(q, file)) {
		ret = -EBUSY;
	} else {
		ret = vb2_read(q, buf, count, ppos, vb2v_nonblocking(file));
		vb2v_claim_for_fileio(q, file);
	}

	vb2v_unlock(lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vb2_fop_read);

__poll_t vb2_fop_poll(struct file *file, poll_table *wait)
{
	struct mutex *lock = vb2v_node_lock(file);
	struct vb2_queue *q = vb2v_node_queue(file);
	bool emulating;
	__poll_t mask;

	/* Drivers without either lock need a poll handler of their own. */
	WARN_ON(!lock);

	if (vb2v_lock_interruptible(lock))
		return EPOLLERR;

	/* Polling for input may start read() emulation for this file. */
	emulating = vb2_fileio_is_active(q);
	mask = vb2_poll(q, file, wait);
	if (!emulating)
		vb2v_claim_for_fileio(q, file);

	vb2v_unlock(lock);
	return mask;
}
EXPORT_SYMBOL_GPL(vb2_fop_poll);

#ifndef CONFIG_MMU
unsigned long vb2_fop_get_unmapped_area(struct file *file, unsigned long addr,
					unsigned long len, unsigned long pgoff,
					unsigned long flags)
{
	return vb2_get_unmapped_area(vb2v_node_queue(file), addr, len, pgoff,
				     flags);
}
EXPORT_SYMBOL_GPL(vb2_fop_get_unmapped_area);
#endif

void vb2_video_unregister_device(struct video_device *vdev)
{
	struct vb2_queue *q;
	struct device *dev;

	if (!vdev || !video_is_registered(vdev))
		return;

	/* Without a queue, plain video_unregister_device() was the call. */
	q = vdev->queue;
	WARN_ON(!q);

	/*
	 * Unregistering drops the device's registration reference; ours
	 * keeps vdev (and the queue it may embed) alive until the queue
	 * is torn down.
	 */
	dev = &vdev->dev;
	get_device(dev);
	video_unregister_device(vdev);

	if (q) {
		struct mutex *lock = vb2v_vdev_lock(vdev);

		vb2v_lock(lock);
		vb2v_teardown(q);
		vb2v_unlock(lock);
	}

	put_device(dev);
}
EXPORT_SYMBOL_GPL(vb2_video_unregister_device);

void vb2_ops_wait_prepare(struct vb2_queue *vq)
{
	mutex_unlock(vq->lock);
}
EXPORT_SYMBOL_GPL(vb2_ops_wait_prepare);

void vb2_ops_wait_finish(struct vb2_queue *vq)
{
	mutex_lock(vq->lock);
}
EXPORT_SYMBOL_GPL(vb2_ops_wait_finish);

/* Undo the prepare of every object of @req ahead of @failed. */
static void vb2v_unprepare_until(struct media_request *req,
				 struct media_request_object *failed)
{
	struct media_request_object *object;

	list_for_each_entry(object, &req->objects, list) {
		if (object == failed)
			break;
		if (object->ops->unprepare)
			object->ops->unprepare(object);
	}
}

int vb2_request_validate(struct media_request *req)
{
	struct media_request_object *object;
	int err;

	/* A request without a buffer would never complete. */
	if (vb2_request_buffer_cnt(req) == 0)
		return -ENOENT;

	list_for_each_entry(object, &req->objects, list) {
		if (!object->ops->prepare)
			continue;
		err = object->ops->prepare(object);
		if (err) {
			vb2v_unprepare_until(req, object);
			return err;
		}
	}
	return 0;
}
EXPORT_SYMBOL_GPL(vb2_request_validate);

void vb2_request_queue(struct media_request *req)
{
	struct media_request_object *object, *next;

	/*
	 * Buffer objects sit at the end of the list; once queued, one may
	 * be completed and unbound at once, so fetch the next entry first.
	 */
	list_for_each_entry_safe(object, next, &req->objects, list) {
		if (object->ops->queue)
			object->ops->queue(object);
	}
}
EXPORT_SYMBOL_GPL(vb2_request_queue);

MODULE_DESCRIPTION("videobuf2: V4L2 buffer ioctls and file operations");
MODULE_AUTHOR("The videobuf2 rewrite authors");
MODULE_LICENSE("GPL");
