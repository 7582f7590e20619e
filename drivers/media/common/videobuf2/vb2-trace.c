// SPDX-License-Identifier: GPL-2.0-only
/*
 * vb2-trace.c - home of the "vb2" trace events
 *
 * include/trace/events/vb2.h only declares its events to the files that fire
 * them.  The tracepoints themselves (their static keys, probe iterators and
 * the format shown under events/vb2/ in tracefs) have to be instantiated
 * exactly once, by one object that includes the header with
 * CREATE_TRACE_POINTS defined.  This file is that object.  Keeping it apart
 * from the core means videobuf2-core.c includes the header like any user,
 * and lets the Makefile drop the object when CONFIG_TRACEPOINTS is off: the
 * trace_vb2_*() calls are then empty inline functions.
 *
 * The events are exported so that other modules (the V4L2 layer, drivers,
 * tests) can hook probes to them with register_trace_vb2_*().  The vb2_v4l2_*
 * events, which add the V4L2 part of a buffer, belong to the videodev module
 * and are instantiated by v4l2-trace.c, not here.
 */
#include <media/videobuf2-core.h>

#define CREATE_TRACE_POINTS
#include <trace/events/vb2.h>

EXPORT_TRACEPOINT_SYMBOL_GPL(vb2_qbuf);		/* buffer queued */
EXPORT_TRACEPOINT_SYMBOL_GPL(vb2_buf_queue);	/* buffer given to the driver */
EXPORT_TRACEPOINT_SYMBOL_GPL(vb2_buf_done);	/* buffer given back */
EXPORT_TRACEPOINT_SYMBOL_GPL(vb2_dqbuf);	/* buffer dequeued */
