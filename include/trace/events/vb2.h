/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Trace events of the videobuf2 core ("vb2" system).
 *
 * They follow a buffer around the queue: vb2_qbuf when it is queued,
 * vb2_buf_queue when the core passes it to the driver, vb2_buf_done when the
 * driver returns it and vb2_dqbuf when it is dequeued.  All four record the
 * same things, taken from the queue and the buffer at that moment.  The
 * V4L2 view of the same buffer (flags, field, timecode, sequence) is in the
 * vb2_v4l2_* events of the "v4l2" system.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vb2

#if defined(TRACE_HEADER_MULTI_READ) || !defined(_TRACE_VB2_H)
#define _TRACE_VB2_H

#include <linux/tracepoint.h>
#include <media/videobuf2-core.h>

DECLARE_EVENT_CLASS(vb2_event_class,
		    TP_PROTO(struct vb2_queue *q, struct vb2_buffer *vb),
		    TP_ARGS(q, vb),

		    /*
		     * owner: file handle owning the queue (V4L2), or NULL;
		     * queued_count: buffers queued and not dequeued yet;
		     * owned_by_drv_count: buffers the driver holds;
		     * index, type: the buffer (type: enum v4l2_buf_type);
		     * bytesused: payload of the first plane;
		     * timestamp: of the buffer, in ns.
		     */
		    TP_STRUCT__entry(__field(void *, owner)
				     __field(u32, queued_count)
				     __field(int, owned_by_drv_count)
				     __field(u32, index)
				     __field(u32, type)
				     __field(u32, bytesused)
				     __field(u64, timestamp)),

		    TP_fast_assign(const struct vb2_plane *p0 = &vb->planes[0];

				   __entry->owner = q->owner;
				   __entry->queued_count = q->queued_count;
				   __entry->owned_by_drv_count =
					atomic_read(&q->owned_by_drv_count);
				   __entry->index = vb->index;
				   __entry->type = vb->type;
				   __entry->bytesused = p0->bytesused;
				   __entry->timestamp = vb->timestamp;),

		    TP_printk("owner = %p, queued = %u, owned_by_drv = %d, index = %u, type = %u, bytesused = %u, timestamp = %llu",
			      __entry->owner, __entry->queued_count,
			      __entry->owned_by_drv_count, __entry->index,
			      __entry->type, __entry->bytesused,
			      __entry->timestamp)
);

/* Each event of the class takes the queue and the buffer. */
#define VB2_BUFFER_EVENT(name)						\
	DEFINE_EVENT(vb2_event_class, name,				\
		     TP_PROTO(struct vb2_queue *q, struct vb2_buffer *vb), \
		     TP_ARGS(q, vb))

/* vb2_buffer_done(): the driver gave the buffer back */
VB2_BUFFER_EVENT(vb2_buf_done);

/* the core passed the buffer to the driver (its buf_queue op) */
VB2_BUFFER_EVENT(vb2_buf_queue);

/* vb2_core_dqbuf(): the buffer left the queue */
VB2_BUFFER_EVENT(vb2_dqbuf);

/* vb2_core_qbuf(): the buffer entered the queue */
VB2_BUFFER_EVENT(vb2_qbuf);

#endif /* _TRACE_VB2_H or TRACE_HEADER_MULTI_READ */

/* Outside the guard: included again for every pass of the trace macros. */
#include <trace/define_trace.h>
