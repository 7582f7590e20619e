/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * videobuf2-dma-contig: the videobuf2 allocator for devices that need each
 * plane as one range of DMA addresses (no scatter-gather, or an IOMMU that
 * makes the range contiguous).
 */

#ifndef _MEDIA_VIDEOBUF2_DMA_CONTIG_H
#define _MEDIA_VIDEOBUF2_DMA_CONTIG_H

#include <linux/dma-mapping.h>
#include <media/videobuf2-v4l2.h>

/**
 * vb2_dma_contig_plane_dma_addr - the DMA address a device uses for a plane
 * @vb: a buffer of a queue using &vb2_dma_contig_memops.
 * @plane_no: the plane.
 *
 * For a DMABUF plane the address is only valid while the buffer is
 * prepared or queued (the dma-buf is mapped then).
 *
 * Return: the start of the plane in the device's DMA address space.
 */
static inline dma_addr_t
vb2_dma_contig_plane_dma_addr(struct vb2_buffer *vb, unsigned int plane_no)
{
	dma_addr_t *dma_addr = vb2_plane_cookie(vb, plane_no);

	return *dma_addr;
}

int vb2_dma_contig_set_max_seg_size(struct device *dev, unsigned int size);

/**
 * vb2_dma_contig_clear_max_seg_size - undo vb2_dma_contig_set_max_seg_size()
 * @dev: the device.
 *
 * Nothing is left to undo: the limit lives in the device's own dma_parms.
 * Kept so that drivers calling it still build.
 */
static inline void vb2_dma_contig_clear_max_seg_size(struct device *dev) { }

extern const struct vb2_mem_ops vb2_dma_contig_memops;

#endif /* _MEDIA_VIDEOBUF2_DMA_CONTIG_H */
