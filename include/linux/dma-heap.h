/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dma-heap: kernel side of /dev/dma_heap.
 *
 * A heap driver describes itself with &struct dma_heap_export_info and
 * registers with dma_heap_add(); the core then gives it a device node and
 * turns DMA_HEAP_IOCTL_ALLOC on that node into calls of its allocate op.
 */
#ifndef _LINUX_DMA_HEAP_H
#define _LINUX_DMA_HEAP_H

#include <linux/types.h>

struct dma_buf;
struct dma_heap;

/**
 * struct dma_heap_ops - what a heap driver implements
 * @allocate: make a dma-buf of @len bytes (already page aligned and not
 *	zero) whose file gets @fd_flags; @heap_flags were checked against
 *	DMA_HEAP_VALID_HEAP_FLAGS.  Returns the new buffer or an ERR_PTR();
 *	the core installs the file descriptor.
 */
struct dma_heap_ops {
	struct dma_buf *(*allocate)(struct dma_heap *heap,
				    unsigned long len,
				    u32 fd_flags,
				    u64 heap_flags);
};

/**
 * struct dma_heap_export_info - description of a heap to register
 * @name: unique name, also the name of the node under /dev/dma_heap/.
 *	Must stay valid for as long as the heap exists.
 * @ops: the heap's operations; @ops->allocate is mandatory.
 * @priv: driver data, returned by dma_heap_get_drvdata().
 */
struct dma_heap_export_info {
	const char *name;
	const struct dma_heap_ops *ops;
	void *priv;
};

void *dma_heap_get_drvdata(struct dma_heap *heap);

const char *dma_heap_get_name(struct dma_heap *heap);

struct dma_heap *dma_heap_add(const struct dma_heap_export_info *exp_info);

#endif /* _LINUX_DMA_HEAP_H */
