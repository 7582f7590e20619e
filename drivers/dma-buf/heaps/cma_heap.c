// SPDX-License-Identifier: GPL-2.0-only
/*
 * A dma-heap of physically contiguous buffers from the default CMA area.
 *
 * The heap is named after the area it draws from.  Each buffer is one
 * cma_alloc() range, cleared page by page before it is exported, and
 * returned whole with cma_release() when the last reference goes.  The
 * per-page array that dma-buf-pages works on simply indexes that range.
 */

#include <linux/cma.h>
#include <linux/dma-buf.h>
#include <linux/dma-buf-pages.h>
#include <linux/dma-heap.h>
#include <linux/dma-map-ops.h>
#include <linux/err.h>
#include <linux/highmem.h>
#include <linux/init.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

/**
 * struct cma_heap_buf - a buffer of the CMA heap
 * @bp: the page array and the dma-buf-pages state; &dma_buf.priv points
 *	here.
 * @area: the CMA area @first came from.
 * @first: first page of the contiguous range; @bp.nr_pages long.
 */
struct cma_heap_buf {
	struct dma_buf_pages bp;
	struct cma *area;
	struct page *first;
};

static void cma_heap_buf_release(struct dma_buf *dmabuf)
{
	struct cma_heap_buf *buf =
		container_of(dmabuf->priv, struct cma_heap_buf, bp);
	struct page **pages = buf->bp.pages;

	dma_buf_pages_fini(&buf->bp);
	cma_release(buf->area, buf->first, buf->bp.nr_pages);
	kvfree(pages);
	kfree(buf);
}

static const struct dma_buf_ops cma_heap_dmabuf_ops = {
	DMA_BUF_PAGES_OPS,
	.release = cma_heap_buf_release,
};

/*
 * Take @count contiguous pages from @area, zero them and list them in
 * @pages.  Clearing a large buffer takes a while, so give way to other
 * tasks and to a pending kill as we go.
 */
static int cma_heap_get_range(struct cma_heap_buf *buf, struct cma *area,
			      struct page **pages, pgoff_t count)
{
	/* natural alignment for small buffers, as the DMA API gives */
	unsigned int align = min_t(unsigned int,
				   get_order((size_t)count << PAGE_SHIFT),
				   CONFIG_CMA_ALIGNMENT);
	pgoff_t i;

	buf->first = cma_alloc(area, count, align, true);
	if (!buf->first)
		return -ENOMEM;
	buf->area = area;

	for (i = 0; i < count; i++) {
		if (fatal_signal_pending(current)) {
			cma_release(area, buf->first, count);
			return -EINTR;
		}
		pages[i] = nth_page(buf->first, i);
		clear_highpage(pages[i]);
		cond_resched();
	}
	return 0;
}

static struct dma_buf *cma_heap_alloc(struct dma_heap *heap,
				      unsigned long len,
				      u32 fd_flags, u64 heap_flags)
{
	struct cma *area = dma_heap_get_drvdata(heap);
	pgoff_t count = PAGE_ALIGN(len) >> PAGE_SHIFT;
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct cma_heap_buf *buf;
	struct dma_buf *dmabuf;
	struct page **pages;
	int err = -ENOMEM;

	/* A request larger than the whole area can never be met. */
	if (!count || count > cma_get_size(area) >> PAGE_SHIFT)
		return ERR_PTR(err);

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	pages = kvmalloc_array(count, sizeof(*pages), GFP_KERNEL);
	if (buf && pages)
		err = cma_heap_get_range(buf, area, pages, count);
	if (err)
		goto out_free;

	info.exp_name = dma_heap_get_name(heap);
	info.ops = &cma_heap_dmabuf_ops;
	info.flags = fd_flags;
	dmabuf = dma_buf_pages_export(&buf->bp, pages, count, &info);
	if (!IS_ERR(dmabuf))
		return dmabuf;

	err = PTR_ERR(dmabuf);
	cma_release(area, buf->first, count);
out_free:
	kvfree(pages);
	kfree(buf);
	return ERR_PTR(err);
}

static const struct dma_heap_ops cma_heap_alloc_ops = {
	.allocate = cma_heap_alloc,
};

static int __init cma_heap_init(void)
{
	struct cma *area = dev_get_cma_area(NULL);
	struct dma_heap_export_info info = {
		.ops = &cma_heap_alloc_ops,
	};

	/* no default area (none reserved, or cma=0): no heap */
	if (!area)
		return 0;

	info.name = cma_get_name(area);
	info.priv = area;
	return PTR_ERR_OR_ZERO(dma_heap_add(&info));
}
module_init(cma_heap_init);

MODULE_DESCRIPTION("dma-heap of contiguous memory from the default CMA area");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
