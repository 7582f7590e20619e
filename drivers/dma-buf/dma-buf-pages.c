// SPDX-License-Identifier: GPL-2.0-only
/*
 * dma-buf-pages: attachments, cache maintenance, mmap and vmap for
 * exporters whose buffers are a fixed array of pages.
 *
 * Cache maintenance follows three rules:
 *
 * - Each attachment has its own mapping, so each is synced on its own:
 *   with bounce buffering every mapping has its own copy of the data.
 * - A mapping for which dma_need_sync() is false for every segment is never
 *   synced; that is decided once, when it is mapped.
 * - Work that cannot change anything is skipped: syncing a device-read-only
 *   mapping for the CPU, syncing for the device after the CPU only read,
 *   and a second attachment whose mapping is identical to one already
 *   synced in the same call (same device, direction and every segment's
 *   address and length).
 */

#include <linux/dma-buf-pages.h>
#include <linux/dma-mapping.h>
#include <linux/export.h>
#include <linux/highmem.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

static struct dma_buf_pages *dbp_of(struct dma_buf *dmabuf)
{
	return dmabuf->priv;
}

/**
 * dma_buf_pages_init - set up the helper state of a buffer
 * @bp: embedded in the exporter's buffer object.
 * @pages: the buffer's pages in order, one per PAGE_SIZE; owned by the
 *	exporter and kept until after dma_buf_pages_fini().
 * @nr_pages: entries in @pages.
 */
void dma_buf_pages_init(struct dma_buf_pages *bp, struct page **pages,
			pgoff_t nr_pages)
{
	bp->pages = pages;
	bp->nr_pages = nr_pages;
	mutex_init(&bp->lock);
	INIT_LIST_HEAD(&bp->attachments);
	bp->vaddr = NULL;
	bp->vmap_count = 0;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_pages_init, DMA_BUF);

/**
 * dma_buf_pages_export - set up the helper state and export the buffer
 * @bp: embedded in the exporter's buffer object.
 * @pages: the buffer's pages, as for dma_buf_pages_init().
 * @nr_pages: entries in @pages.
 * @info: the exporter's name, owner, ops and file flags; size and priv are
 *	filled in here (priv points at @bp).
 *
 * Return: the new dma-buf, whose release op now owns the buffer, or an
 * ERR_PTR; on error @bp is torn down again and the pages are still the
 * caller's to free.
 */
struct dma_buf *dma_buf_pages_export(struct dma_buf_pages *bp,
				     struct page **pages, pgoff_t nr_pages,
				     struct dma_buf_export_info *info)
{
	struct dma_buf *dmabuf;

	dma_buf_pages_init(bp, pages, nr_pages);
	info->size = (size_t)nr_pages << PAGE_SHIFT;
	info->priv = bp;

	dmabuf = dma_buf_export(info);
	if (IS_ERR(dmabuf))
		dma_buf_pages_fini(bp);
	return dmabuf;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_pages_export, DMA_BUF);

/**
 * dma_buf_pages_fini - tear the helper state down
 * @bp: the state; the buffer has no attachments or kernel mapping left.
 *
 * Called from the exporter's release op before it frees the pages.
 */
void dma_buf_pages_fini(struct dma_buf_pages *bp)
{
	WARN_ON(!list_empty(&bp->attachments));
	WARN_ON(bp->vmap_count);
	mutex_destroy(&bp->lock);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_pages_fini, DMA_BUF);

/*
 * Whether @page can extend the entry that starts at physical address
 * @start and is @len bytes long: it follows the entry's last page, the
 * entry stays within @max_seg bytes, and no multiple of the boundary
 * (@mask + 1) falls inside it.
 */
static bool dbp_extends(struct page *page, phys_addr_t start, size_t len,
			size_t max_seg, unsigned long mask)
{
	phys_addr_t last = page_to_phys(page) + PAGE_SIZE - 1;

	return page_to_phys(page) == start + len &&
	       len + PAGE_SIZE <= max_seg &&
	       (start & ~(phys_addr_t)mask) == (last & ~(phys_addr_t)mask);
}

/*
 * Fill @sgt (NULL: only count) with the pages of @bp, merging physically
 * adjacent ones as dbp_extends() allows.  Returns the number of entries.
 */
static unsigned int dbp_fill(struct dma_buf_pages *bp, struct sg_table *sgt,
			     size_t max_seg, unsigned long mask)
{
	struct scatterlist *sg = sgt ? sgt->sgl : NULL;
	struct page *first = bp->pages[0];
	unsigned int n = 1;
	size_t len = PAGE_SIZE;
	pgoff_t i;

	for (i = 1; i < bp->nr_pages; i++) {
		struct page *page = bp->pages[i];

		if (dbp_extends(page, page_to_phys(first), len, max_seg, mask)) {
			len += PAGE_SIZE;
			continue;
		}
		if (sg) {
			sg_set_page(sg, first, len, 0);
			sg = sg_next(sg);
		}
		first = page;
		len = PAGE_SIZE;
		n++;
	}
	if (sg)
		sg_set_page(sg, first, len, 0);
	return n;
}

/**
 * dma_buf_pages_attach - build a device's scatterlist of the pages
 * @dmabuf: the buffer.
 * @attach: the new attachment.
 *
 * Physically contiguous pages are merged into segments no longer than the
 * device's maximum segment size or its maximum mapping size, and that do
 * not cross its segment boundary (dma_get_seg_boundary(), 4 GiB for PCI
 * devices).  The boundary is checked on physical addresses, which are the
 * bus addresses where a segment is mapped directly (a DMA offset that is
 * not a multiple of the boundary is not taken into account); an IOMMU
 * places its own addresses within the boundary.
 *
 * Return: 0, -EINVAL for a buffer without pages, or -ENOMEM.
 */
int dma_buf_pages_attach(struct dma_buf *dmabuf,
			 struct dma_buf_attachment *attach)
{
	struct dma_buf_pages *bp = dbp_of(dmabuf);
	struct dma_buf_pages_attachment *a;
	unsigned long mask;
	size_t seg;
	int ret;

	if (WARN_ON(!bp->nr_pages))
		return -EINVAL;
	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;

	/*
	 * A segment must also fit in one mapping: with bounce buffering
	 * (swiotlb) a single mapping is far shorter than the segment limit.
	 */
	seg = min_t(size_t, dma_get_max_seg_size(attach->dev),
		    dma_max_mapping_size(attach->dev));
	seg = max_t(size_t, seg & PAGE_MASK, PAGE_SIZE);
	mask = dma_get_seg_boundary(attach->dev);
	ret = sg_alloc_table(&a->sgt, dbp_fill(bp, NULL, seg, mask),
			     GFP_KERNEL);
	if (ret) {
		kfree(a);
		return ret;
	}
	dbp_fill(bp, &a->sgt, seg, mask);

	a->dev = attach->dev;
	a->dir = DMA_NONE;
	attach->priv = a;

	mutex_lock(&bp->lock);
	list_add_tail(&a->node, &bp->attachments);
	mutex_unlock(&bp->lock);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_pages_attach, DMA_BUF);

/**
 * dma_buf_pages_detach - free a device's scatterlist
 * @dmabuf: the buffer.
 * @attach: the attachment; its mapping is gone.
 */
void dma_buf_pages_detach(struct dma_buf *dmabuf,
			  struct dma_buf_attachment *attach)
{
	struct dma_buf_pages *bp = dbp_of(dmabuf);
	struct dma_buf_pages_attachment *a = attach->priv;

	mutex_lock(&bp->lock);
	list_del(&a->node);
	mutex_unlock(&bp->lock);

	WARN_ON(a->mapped);
	sg_free_table(&a->sgt);
	kfree(a);
	attach->priv = NULL;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_pages_detach, DMA_BUF);

static bool dbp_mapping_needs_sync(struct dma_buf_pages_attachment *a)
{
	struct scatterlist *sg;
	unsigned int i;

	for_each_sgtable_dma_sg(&a->sgt, sg, i)
		if (dma_need_sync(a->dev, sg_dma_address(sg)))
			return true;
	return false;
}

/**
 * dma_buf_pages_map - map a device's scatterlist
 * @attach: the attachment.
 * @dir: direction of the device's access.
 *
 * Mapping syncs for the device as the DMA API does.  An attachment holds
 * one mapping at a time.
 *
 * Return: the mapped table, or ERR_PTR(-EBUSY) when the attachment is
 * already mapped, or the error of dma_map_sgtable().
 */
struct sg_table *dma_buf_pages_map(struct dma_buf_attachment *attach,
				   enum dma_data_direction dir)
{
	struct dma_buf_pages *bp = dbp_of(attach->dmabuf);
	struct dma_buf_pages_attachment *a = attach->priv;
	bool need_sync;
	int ret;

	if (a->mapped)
		return ERR_PTR(-EBUSY);

	/*
	 * Other attachments may map the same pages for writing at the same
	 * time.  DMA-API debugging accepts overlapping mappings only from
	 * callers that do their own CPU syncs, which this helper does: map
	 * without the sync and sync the new mapping for the device here.
	 */
	ret = dma_map_sgtable(a->dev, &a->sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
	if (ret)
		return ERR_PTR(ret);
	need_sync = dbp_mapping_needs_sync(a);
	if (need_sync)
		dma_sync_sgtable_for_device(a->dev, &a->sgt, dir);

	mutex_lock(&bp->lock);
	a->dir = dir;
	a->need_sync = need_sync;
	a->mapped = true;
	mutex_unlock(&bp->lock);
	return &a->sgt;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_pages_map, DMA_BUF);

/**
 * dma_buf_pages_unmap - unmap a device's scatterlist
 * @attach: the attachment.
 * @sgt: the table dma_buf_pages_map() returned.
 * @dir: the direction it was mapped with.
 */
void dma_buf_pages_unmap(struct dma_buf_attachment *attach,
			 struct sg_table *sgt, enum dma_data_direction dir)
{
	struct dma_buf_pages *bp = dbp_of(attach->dmabuf);
	struct dma_buf_pages_attachment *a = attach->priv;

	if (WARN_ON(sgt != &a->sgt || !a->mapped))
		return;

	mutex_lock(&bp->lock);
	a->mapped = false;
	mutex_unlock(&bp->lock);

	dma_unmap_sgtable(a->dev, &a->sgt, dir, 0);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_pages_unmap, DMA_BUF);

/**
 * dma_buf_pages_sync_range - sync a byte range of a mapped table
 * @dev: the device the table is mapped for.
 * @sgt: the mapped table.
 * @dir: the direction it was mapped with.
 * @offset: start of the range, in bytes from the start of the mapping.
 * @len: length of the range.
 * @for_cpu: sync for the CPU, else for @dev.
 *
 * A DMA segment may cover several entries of the table that are not
 * physically adjacent: an IOMMU maps them at consecutive bus addresses.
 * The single-range sync calls translate only the address they are given
 * and take the range from there as physically linear, so each call here
 * covers one entry, which is physically contiguous, at its own place in
 * the segment.  That holds for every DMA API backend: a segment is made of
 * whole, consecutive entries, and within a segment bus addresses advance
 * with the bytes of those entries.  Only the entries that overlap the
 * range are synced, so a small range of a large buffer costs the syncs of
 * what it covers.  A range that covers the whole mapping is synced with
 * the scatterlist calls, which do the same per entry and which DMA-API
 * debugging matches exactly even when a device maps the same pages twice
 * at the same addresses.
 */
void dma_buf_pages_sync_range(struct device *dev, struct sg_table *sgt,
			      enum dma_data_direction dir, size_t offset,
			      size_t len, bool for_cpu)
{
	struct scatterlist *seg, *ent = sgt->sgl;
	size_t end = offset + len, pos = 0;
	unsigned int i;

	if (!offset) {
		for_each_sgtable_dma_sg(sgt, seg, i)
			pos += sg_dma_len(seg);
		if (len >= pos) {
			if (for_cpu)
				dma_sync_sgtable_for_cpu(dev, sgt, dir);
			else
				dma_sync_sgtable_for_device(dev, sgt, dir);
			return;
		}
		pos = 0;
	}

	for_each_sgtable_dma_sg(sgt, seg, i) {
		size_t seg_pos = pos, seg_end = pos + sg_dma_len(seg);

		/* the entries of this segment, in order */
		while (ent && pos < seg_end && pos < end) {
			size_t from = max(offset, pos);
			size_t to = min3(end, seg_end, pos + ent->length);

			if (from < to) {
				dma_addr_t addr = sg_dma_address(seg) +
						  (from - seg_pos);

				if (for_cpu)
					dma_sync_single_for_cpu(dev, addr,
								to - from, dir);
				else
					dma_sync_single_for_device(dev, addr,
								   to - from,
								   dir);
			}
			pos += ent->length;
			ent = sg_next(ent);
		}
		if (pos >= end)
			break;
		/* a segment longer than its entries would be a DMA API bug */
		if (WARN_ON_ONCE(pos != seg_end))
			break;
	}
}
EXPORT_SYMBOL_NS_GPL(dma_buf_pages_sync_range, DMA_BUF);

/* Sync [offset, offset + len) of one attachment's mapping. */
static void dbp_sync(struct dma_buf_pages_attachment *a, size_t offset,
		     size_t len, bool for_cpu)
{
	if (for_cpu)
		a->cpu_syncs++;
	else
		a->dev_syncs++;
	dma_buf_pages_sync_range(a->dev, &a->sgt, a->dir, offset, len,
				 for_cpu);
}

/*
 * Whether syncing @b also syncs @a: the same device and direction, and
 * every DMA segment at the same address with the same length.  Comparing
 * only the first segment is not enough: when only some pages bounce (a
 * 32-bit device, pages above 4 GiB), the first segment of two mappings
 * can be the same page while later ones are separate bounce copies.
 */
static bool dbp_same_mapping(struct dma_buf_pages_attachment *a,
			     struct dma_buf_pages_attachment *b)
{
	struct scatterlist *sa, *sb;
	unsigned int i;

	if (a->dev != b->dev || a->dir != b->dir ||
	    a->sgt.nents != b->sgt.nents)
		return false;
	sb = b->sgt.sgl;
	for_each_sgtable_dma_sg(&a->sgt, sa, i) {
		if (sg_dma_address(sa) != sg_dma_address(sb) ||
		    sg_dma_len(sa) != sg_dma_len(sb))
			return false;
		sb = sg_next(sb);
	}
	return true;
}

/*
 * Sync every mapping that needs it for the CPU (begin) or the devices
 * (end), skipping a mapping identical to one synced earlier in the walk.
 */
static void dbp_sync_all(struct dma_buf_pages *bp, size_t offset,
			 size_t len, bool for_cpu)
{
	struct dma_buf_pages_attachment *a, *b;

	list_for_each_entry(a, &bp->attachments, node) {
		if (!a->mapped || !a->need_sync)
			continue;
		/* the device only read: nothing of its reaches the CPU */
		if (for_cpu && a->dir == DMA_TO_DEVICE)
			continue;
		list_for_each_entry(b, &bp->attachments, node) {
			if (b == a) {
				dbp_sync(a, offset, len, for_cpu);
				break;
			}
			if (b->mapped && b->need_sync && dbp_same_mapping(a, b))
				break;
		}
	}
}

static int dbp_begin_cpu(struct dma_buf *dmabuf, size_t offset, size_t len)
{
	struct dma_buf_pages *bp = dbp_of(dmabuf);

	mutex_lock(&bp->lock);
	dbp_sync_all(bp, offset, len, true);
	if (bp->vmap_count)
		invalidate_kernel_vmap_range(bp->vaddr + offset, len);
	mutex_unlock(&bp->lock);
	return 0;
}

static int dbp_end_cpu(struct dma_buf *dmabuf, enum dma_data_direction dir,
		       size_t offset, size_t len)
{
	struct dma_buf_pages *bp = dbp_of(dmabuf);

	/* A CPU that only read changed nothing the devices need to see. */
	if (dir == DMA_FROM_DEVICE)
		return 0;

	mutex_lock(&bp->lock);
	if (bp->vmap_count)
		flush_kernel_vmap_range(bp->vaddr + offset, len);
	dbp_sync_all(bp, offset, len, false);
	mutex_unlock(&bp->lock);
	return 0;
}

/**
 * dma_buf_pages_begin_cpu_access - sync every mapping for the CPU
 * @dmabuf: the buffer.
 * @dir: the CPU's access.
 *
 * Return: 0.
 */
int dma_buf_pages_begin_cpu_access(struct dma_buf *dmabuf,
				   enum dma_data_direction dir)
{
	return dbp_begin_cpu(dmabuf, 0, dmabuf->size);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_pages_begin_cpu_access, DMA_BUF);

/**
 * dma_buf_pages_end_cpu_access - sync every mapping for its device
 * @dmabuf: the buffer.
 * @dir: the CPU's access; after a read-only access nothing is synced.
 *
 * Return: 0.
 */
int dma_buf_pages_end_cpu_access(struct dma_buf *dmabuf,
				 enum dma_data_direction dir)
{
	return dbp_end_cpu(dmabuf, dir, 0, dmabuf->size);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_pages_end_cpu_access, DMA_BUF);

/**
 * dma_buf_pages_begin_cpu_access_partial - sync a byte range for the CPU
 * @dmabuf: the buffer.
 * @dir: the CPU's access.
 * @offset: start of the range (checked by the core).
 * @len: length of the range.
 *
 * Return: 0.
 */
int dma_buf_pages_begin_cpu_access_partial(struct dma_buf *dmabuf,
					   enum dma_data_direction dir,
					   size_t offset, size_t len)
{
	return dbp_begin_cpu(dmabuf, offset, len);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_pages_begin_cpu_access_partial, DMA_BUF);

/**
 * dma_buf_pages_end_cpu_access_partial - sync a byte range for the devices
 * @dmabuf: the buffer.
 * @dir: the CPU's access.
 * @offset: start of the range (checked by the core).
 * @len: length of the range.
 *
 * Return: 0.
 */
int dma_buf_pages_end_cpu_access_partial(struct dma_buf *dmabuf,
					 enum dma_data_direction dir,
					 size_t offset, size_t len)
{
	return dbp_end_cpu(dmabuf, dir, offset, len);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_pages_end_cpu_access_partial, DMA_BUF);

/**
 * dma_buf_pages_begin_access - sync one mapping before its device's access
 * @attach: a mapped attachment.
 * @dir: the device's coming access.
 *
 * Takes no lock: the importer holds the mapping for the whole call.
 *
 * Return: 0.
 */
int dma_buf_pages_begin_access(struct dma_buf_attachment *attach,
			       enum dma_data_direction dir)
{
	struct dma_buf_pages_attachment *a = attach->priv;

	if (a->mapped && a->need_sync)
		dbp_sync(a, 0, attach->dmabuf->size, false);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_pages_begin_access, DMA_BUF);

/**
 * dma_buf_pages_end_access - sync one mapping after its device's access
 * @attach: a mapped attachment.
 * @dir: the device's access.
 *
 * Return: 0.
 */
int dma_buf_pages_end_access(struct dma_buf_attachment *attach,
			     enum dma_data_direction dir)
{
	struct dma_buf_pages_attachment *a = attach->priv;

	if (a->mapped && a->need_sync && a->dir != DMA_TO_DEVICE)
		dbp_sync(a, 0, attach->dmabuf->size, true);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_pages_end_access, DMA_BUF);

/**
 * dma_buf_pages_mmap - map the pages into userspace
 * @dmabuf: the buffer.
 * @vma: the vma; the core checked that it fits.
 *
 * Maps every page up front, one remap per physically contiguous run, so
 * touching the mapping takes no faults.  Only shared mappings are allowed:
 * writes through a private one would land in anonymous copies that no
 * device ever sees.
 *
 * Return: 0, -EINVAL for a private mapping, or the error of
 * remap_pfn_range().
 */
int dma_buf_pages_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct dma_buf_pages *bp = dbp_of(dmabuf);
	pgoff_t i = vma->vm_pgoff, end = i + vma_pages(vma);
	unsigned long addr = vma->vm_start;
	int ret;

	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;

	while (i < end) {
		unsigned long pfn = page_to_pfn(bp->pages[i]);
		pgoff_t run = 1;

		while (i + run < end &&
		       page_to_pfn(bp->pages[i + run]) == pfn + run)
			run++;

		ret = remap_pfn_range(vma, addr, pfn, run << PAGE_SHIFT,
				      vma->vm_page_prot);
		if (ret)
			return ret;
		addr += run << PAGE_SHIFT;
		i += run;
	}
	return 0;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_pages_mmap, DMA_BUF);

/**
 * dma_buf_pages_vmap - map the pages into the kernel
 * @dmabuf: the buffer.
 * @map: filled with the mapping.
 *
 * Return: 0 or -ENOMEM.
 */
int dma_buf_pages_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct dma_buf_pages *bp = dbp_of(dmabuf);
	int ret = 0;

	mutex_lock(&bp->lock);
	if (!bp->vmap_count) {
		bp->vaddr = vmap(bp->pages, bp->nr_pages, VM_MAP, PAGE_KERNEL);
		if (!bp->vaddr)
			ret = -ENOMEM;
	}
	if (!ret) {
		bp->vmap_count++;
		iosys_map_set_vaddr(map, bp->vaddr);
	}
	mutex_unlock(&bp->lock);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_pages_vmap, DMA_BUF);

/**
 * dma_buf_pages_vunmap - drop the kernel mapping
 * @dmabuf: the buffer.
 * @map: the mapping dma_buf_pages_vmap() gave.
 */
void dma_buf_pages_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct dma_buf_pages *bp = dbp_of(dmabuf);

	mutex_lock(&bp->lock);
	if (!WARN_ON(!bp->vmap_count) && !--bp->vmap_count) {
		vunmap(bp->vaddr);
		bp->vaddr = NULL;
	}
	mutex_unlock(&bp->lock);
	iosys_map_clear(map);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_pages_vunmap, DMA_BUF);
