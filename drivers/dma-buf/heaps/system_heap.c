// SPDX-License-Identifier: GPL-2.0-only
/*
 * The "system" dma-heap: buffers made of pages from the buddy allocator.
 *
 * A buffer is filled with blocks of decreasing size.  Large blocks make
 * for fewer, longer scatterlist segments and fewer TLB misses, but they
 * are only taken when the allocator has them at hand: a failed large
 * block is never retried for the same buffer, and only single pages may
 * make the allocator reclaim memory.  Blocks are compound pages: the
 * buffer lists every page of every block for dma-buf-pages, and release
 * gives each block back whole, which costs a fraction of freeing its pages
 * one by one.
 */

#include <linux/dma-buf.h>
#include <linux/dma-buf-pages.h>
#include <linux/dma-heap.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

/**
 * struct system_heap_buf - a buffer of the system heap
 * @bp: the page array and the dma-buf-pages state; &dma_buf.priv points
 *	here.
 */
struct system_heap_buf {
	struct dma_buf_pages bp;
};

/* Block orders to try, largest first (1 MiB, 64 KiB, 4 KiB on x86). */
static const unsigned int system_heap_orders[] = { 8, 4, 0 };

/*
 * Blocks above order 0 are opportunistic: no direct reclaim or compaction
 * on their behalf and no warning when there are none.  Pages are zeroed by
 * the allocator, highmem included.
 */
#define SYSTEM_HEAP_GFP		(GFP_HIGHUSER | __GFP_ZERO | __GFP_COMP)
#define SYSTEM_HEAP_GFP_BLOCK	((SYSTEM_HEAP_GFP | __GFP_NORETRY | \
				  __GFP_NOWARN) & ~__GFP_DIRECT_RECLAIM)

/* Free the blocks listed in the first @count entries of @pages. */
static void system_heap_put_pages(struct page **pages, pgoff_t count)
{
	pgoff_t i = 0;

	while (i < count) {
		unsigned int order = compound_order(pages[i]);

		__free_pages(pages[i], order);
		i += 1UL << order;
	}
}

/*
 * Fill the first 1 << order entries of @pages, no more than @left, with
 * one block and return its order, or -ENOMEM.  *@tier is the index in
 * system_heap_orders of the largest order still worth trying; it only
 * ever moves towards smaller orders.
 */
static int system_heap_get_block(struct page **pages, pgoff_t left,
				 unsigned int *tier)
{
	unsigned int i, order, n;
	struct page *block;

	for (i = *tier; i < ARRAY_SIZE(system_heap_orders); i++) {
		order = system_heap_orders[i];
		if ((1UL << order) > left)
			continue;

		block = alloc_pages(order ? SYSTEM_HEAP_GFP_BLOCK :
				    SYSTEM_HEAP_GFP, order);
		if (!block)
			continue;

		*tier = i;
		for (n = 0; n < (1U << order); n++)
			pages[n] = nth_page(block, n);
		return order;
	}
	return -ENOMEM;
}

/*
 * Fill all @count entries of @pages.  On failure nothing stays allocated.
 * A task the OOM killer chose while it was filling a large buffer stops
 * early instead of eating into the reserves of a dying task.
 */
static int system_heap_fill(struct page **pages, pgoff_t count)
{
	unsigned int tier = 0;
	pgoff_t done = 0;
	int order;

	while (done < count) {
		if (fatal_signal_pending(current))
			order = -EINTR;
		else
			order = system_heap_get_block(pages + done,
						      count - done, &tier);
		if (order < 0) {
			system_heap_put_pages(pages, done);
			return order;
		}
		done += 1UL << order;
	}
	return 0;
}

static void system_heap_buf_release(struct dma_buf *dmabuf)
{
	struct system_heap_buf *buf =
		container_of(dmabuf->priv, struct system_heap_buf, bp);
	struct page **pages = buf->bp.pages;
	pgoff_t count = buf->bp.nr_pages;

	dma_buf_pages_fini(&buf->bp);
	system_heap_put_pages(pages, count);
	kvfree(pages);
	kfree(buf);
}

static const struct dma_buf_ops system_heap_dmabuf_ops = {
	DMA_BUF_PAGES_OPS,
	.release = system_heap_buf_release,
};

static struct dma_buf *system_heap_alloc(struct dma_heap *heap,
					 unsigned long len,
					 u32 fd_flags, u64 heap_flags)
{
	pgoff_t count = PAGE_ALIGN(len) >> PAGE_SHIFT;
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct system_heap_buf *buf;
	struct dma_buf *dmabuf;
	struct page **pages;
	int err = -ENOMEM;

	/* More than all of RAM cannot succeed; do not try to reclaim it. */
	if (!count || count > totalram_pages())
		return ERR_PTR(err);

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	pages = kvmalloc_array(count, sizeof(*pages),
			       GFP_KERNEL | __GFP_NOWARN);
	if (buf && pages)
		err = system_heap_fill(pages, count);
	if (err)
		goto out_free;

	info.exp_name = dma_heap_get_name(heap);
	info.ops = &system_heap_dmabuf_ops;
	info.flags = fd_flags;
	dmabuf = dma_buf_pages_export(&buf->bp, pages, count, &info);
	if (!IS_ERR(dmabuf))
		return dmabuf;

	err = PTR_ERR(dmabuf);
	system_heap_put_pages(pages, count);
out_free:
	kvfree(pages);
	kfree(buf);
	return ERR_PTR(err);
}

static const struct dma_heap_ops system_heap_alloc_ops = {
	.allocate = system_heap_alloc,
};

static int __init system_heap_init(void)
{
	const struct dma_heap_export_info info = {
		.name = "system",
		.ops = &system_heap_alloc_ops,
	};

	return PTR_ERR_OR_ZERO(dma_heap_add(&info));
}
module_init(system_heap_init);

MODULE_DESCRIPTION("dma-heap of buddy allocator pages");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
