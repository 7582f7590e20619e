/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * videobuf2-vmalloc: the videobuf2 allocator for drivers that move the data
 * with the CPU (virtual devices, bridges that copy from USB transfers).
 *
 * Every plane is reached through its kernel address, vb2_plane_vaddr():
 * MMAP planes are vmalloc memory, USERPTR planes the user's pinned pages
 * mapped into the kernel, and imported dma-bufs are mapped with
 * dma_buf_vmap() while queued.  MMAP planes can be exported as dma-bufs.
 */

#ifndef _MEDIA_VIDEOBUF2_VMALLOC_H
#define _MEDIA_VIDEOBUF2_VMALLOC_H

#include <media/videobuf2-v4l2.h>

extern const struct vb2_mem_ops vb2_vmalloc_memops;

#endif /* _MEDIA_VIDEOBUF2_VMALLOC_H */
