/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the parts of videobuf2-common (the queue core in videobuf2-core.c,
 * file I/O emulation and the DVB thread in videobuf2-fileio.c) call in each
 * other.  Nothing here is exported to drivers.
 */
#ifndef _MEDIA_VB2_INTERNAL_H
#define _MEDIA_VB2_INTERNAL_H

#include <media/videobuf2-core.h>

/**
 * vb2_fileio_start() - set up read() or write() emulation on a queue
 * @q:		the queue; no buffers allocated, not streaming.
 * @read:	true for read(), false for write().
 *
 * Allocates the emulator's buffers (MMAP, kernel-mapped), queues them for
 * read() and starts streaming.  Called by read(), write() and poll() the
 * first time they find the emulator not running.  Called with the queue's
 * lock held (if it has one).
 *
 * Return: 0, or the errno of the first step that failed (with nothing left
 * allocated and &vb2_queue.fileio NULL).
 */
int vb2_fileio_start(struct vb2_queue *q, bool read);

/**
 * vb2_fileio_stop() - tear read() or write() emulation down
 * @q:		the queue.
 *
 * Stops streaming, frees the emulator's buffers and clears
 * &vb2_queue.fileio.  Does nothing when the emulator is not running.
 * Called from vb2_core_queue_release() and when the thread helper stops.
 */
void vb2_fileio_stop(struct vb2_queue *q);

#endif /* _MEDIA_VB2_INTERNAL_H */
