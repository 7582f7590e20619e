/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dma-buf-pages: the common half of exporters whose buffers are an array of
 * pages the exporter keeps for the buffer's whole life (the system and CMA
 * heaps, udmabuf).
 *
 * The exporter allocates and frees the pages; the helper does everything
 * else a dma-buf exporter must do with them:
 *
 * - one scatterlist per attachment, built at attach time within the
 *   attaching device's limits (dma_get_max_seg_size()), mapped and unmapped
 *   for that device only;
 * - CPU access (whole buffer or a byte range) synced for every mapped
 *   attachment whose mapping needs it (dma_need_sync()), once per mapping;
 * - attachment-level access for importers that keep their mapping;
 * - mmap of the pages and one shared kernel mapping.
 *
 * An exporter embeds &struct dma_buf_pages in its buffer object, exports
 * with dma_buf_pages_export() (which points &dma_buf.priv at it), and uses
 * DMA_BUF_PAGES_OPS in its &dma_buf_ops next to its own release op.
 */
#ifndef __DMA_BUF_PAGES_H__
#define __DMA_BUF_PAGES_H__

#include <linux/dma-buf.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/types.h>

/**
 * struct dma_buf_pages - the pages of a buffer and who uses them
 * @pages: one entry per PAGE_SIZE page, in buffer order.
 * @nr_pages: entries in @pages.
 * @lock: protects @attachments (and the mapping state of each), @vaddr and
 *	@vmap_count.  Taken inside the buffer's reservation lock.
 * @attachments: the &struct dma_buf_pages_attachment list.
 * @vaddr: the kernel mapping while @vmap_count is non-zero.
 * @vmap_count: users of @vaddr.
 */
struct dma_buf_pages {
	struct page **pages;
	pgoff_t nr_pages;
	struct mutex lock;	/* see above */
	struct list_head attachments;
	void *vaddr;
	unsigned int vmap_count;
};

/**
 * struct dma_buf_pages_attachment - one device's view of the pages
 * @dev: the attached device.
 * @sgt: the pages, in segments no longer than the device accepts.
 * @node: entry in &dma_buf_pages.attachments.
 * @dir: direction of the current mapping.
 * @mapped: @sgt is mapped for @dev.
 * @need_sync: some segment of the mapping needs explicit syncs
 *	(dma_need_sync()); when false, every sync of this attachment is
 *	skipped.
 * @cpu_syncs: syncs for the CPU done on this mapping (for tests and
 *	debugging).
 * @dev_syncs: syncs for the device done on this mapping.
 */
struct dma_buf_pages_attachment {
	struct device *dev;
	struct sg_table sgt;
	struct list_head node;
	enum dma_data_direction dir;
	bool mapped;
	bool need_sync;
	unsigned long cpu_syncs;
	unsigned long dev_syncs;
};

void dma_buf_pages_init(struct dma_buf_pages *bp, struct page **pages,
			pgoff_t nr_pages);
void dma_buf_pages_fini(struct dma_buf_pages *bp);
struct dma_buf *dma_buf_pages_export(struct dma_buf_pages *bp,
				     struct page **pages, pgoff_t nr_pages,
				     struct dma_buf_export_info *info);

int dma_buf_pages_attach(struct dma_buf *dmabuf,
			 struct dma_buf_attachment *attach);
void dma_buf_pages_detach(struct dma_buf *dmabuf,
			  struct dma_buf_attachment *attach);
struct sg_table *dma_buf_pages_map(struct dma_buf_attachment *attach,
				   enum dma_data_direction dir);
void dma_buf_pages_unmap(struct dma_buf_attachment *attach,
			 struct sg_table *sgt, enum dma_data_direction dir);
int dma_buf_pages_begin_cpu_access(struct dma_buf *dmabuf,
				   enum dma_data_direction dir);
int dma_buf_pages_end_cpu_access(struct dma_buf *dmabuf,
				 enum dma_data_direction dir);
int dma_buf_pages_begin_cpu_access_partial(struct dma_buf *dmabuf,
					   enum dma_data_direction dir,
					   size_t offset, size_t len);
int dma_buf_pages_end_cpu_access_partial(struct dma_buf *dmabuf,
					 enum dma_data_direction dir,
					 size_t offset, size_t len);
int dma_buf_pages_begin_access(struct dma_buf_attachment *attach,
			       enum dma_data_direction dir);
int dma_buf_pages_end_access(struct dma_buf_attachment *attach,
			     enum dma_data_direction dir);
int dma_buf_pages_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma);
int dma_buf_pages_vmap(struct dma_buf *dmabuf, struct iosys_map *map);
void dma_buf_pages_vunmap(struct dma_buf *dmabuf, struct iosys_map *map);
void dma_buf_pages_sync_range(struct device *dev, struct sg_table *sgt,
			      enum dma_data_direction dir, size_t offset,
			      size_t len, bool for_cpu);

/**
 * DMA_BUF_PAGES_OPS - the &dma_buf_ops members dma-buf-pages provides
 *
 * Use inside an initialiser of &struct dma_buf_ops; the exporter adds
 * .release (and nothing else is needed).
 */
#define DMA_BUF_PAGES_OPS						\
	.attach = dma_buf_pages_attach,					\
	.detach = dma_buf_pages_detach,					\
	.map_dma_buf = dma_buf_pages_map,				\
	.unmap_dma_buf = dma_buf_pages_unmap,				\
	.begin_cpu_access = dma_buf_pages_begin_cpu_access,		\
	.end_cpu_access = dma_buf_pages_end_cpu_access,			\
	.begin_cpu_access_partial = dma_buf_pages_begin_cpu_access_partial, \
	.end_cpu_access_partial = dma_buf_pages_end_cpu_access_partial,	\
	.begin_access = dma_buf_pages_begin_access,			\
	.end_access = dma_buf_pages_end_access,				\
	.mmap = dma_buf_pages_mmap,					\
	.vmap = dma_buf_pages_vmap,					\
	.vunmap = dma_buf_pages_vunmap

#endif /* __DMA_BUF_PAGES_H__ */
