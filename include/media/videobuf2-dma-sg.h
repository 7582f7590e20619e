/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * videobuf2-dma-sg: the videobuf2 allocator for devices that take a
 * scatterlist per plane.  Planes are built from single pages, so neither
 * physically nor DMA-contiguous memory is needed.
 */

#ifndef _MEDIA_VIDEOBUF2_DMA_SG_H
#define _MEDIA_VIDEOBUF2_DMA_SG_H

#include <linux/scatterlist.h>
#include <media/videobuf2-v4l2.h>

/**
 * vb2_dma_sg_plane_desc - the scatterlist a device uses for a plane
 * @vb: a buffer of a queue using &vb2_dma_sg_memops.
 * @plane_no: the plane.
 *
 * The table is mapped for the plane's device: walk its DMA segments
 * (for_each_sgtable_dma_sg()).  For a DMABUF plane it is the exporter's
 * table and exists only while the dma-buf is mapped (from the time the
 * buffer is prepared or queued).
 *
 * Return: the plane's &struct sg_table, or NULL when there is none.
 */
static inline struct sg_table *vb2_dma_sg_plane_desc(struct vb2_buffer *vb,
						     unsigned int plane_no)
{
	return (struct sg_table *)vb2_plane_cookie(vb, plane_no);
}

extern const struct vb2_mem_ops vb2_dma_sg_memops;

#endif /* _MEDIA_VIDEOBUF2_DMA_SG_H */
