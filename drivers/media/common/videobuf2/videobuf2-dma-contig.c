// SPDX-License-Identifier: GPL-2.0-only
/*
 * videobuf2-dma-contig: planes a device reaches through one range of DMA
 * addresses.
 *
 * A plane is one of four kinds, told apart by &vdc_plane.kind:
 *
 * ============  ====================================  ======================
 * kind          memory                                cache maintenance
 * ============  ====================================  ======================
 * coherent      dma_alloc_attrs() with the queue's    none
 *               attributes and GFP flags
 * non-coherent  dma_alloc_noncontiguous(), kernel     owner's table and the
 *               mapping made on demand                kernel mapping, at
 *                                                     prepare and finish
 * USERPTR       pinned user pages, mapped for the     the mapping, at prepare
 *               device                                and finish
 * DMABUF        another exporter's buffer, mapped     the exporter's
 *               through an attachment                 attachment-level ops
 * ============  ====================================  ======================
 *
 * The queue's skip-cache-sync hints (V4L2_BUF_FLAG_NO_CACHE_CLEAN and
 * V4L2_BUF_FLAG_NO_CACHE_INVALIDATE) are the core's business: it does not
 * call prepare or finish when they are set.
 *
 * Imported dma-bufs are attached through vb2_dmabuf_attach(), as the
 * core's dynamic importer.  The core keeps such an attachment, mapped, for
 * as long as the dma-buf keeps coming back to the queue, and may hand it
 * from one buffer to another, so a DMABUF plane keeps no buffer pointer.
 * It maps and unmaps it with the reservation lock held.
 *
 * MMAP planes of either coherency can be exported (VIDIOC_EXPBUF).  The
 * exported dma-buf is built on dma-buf-pages: every importing device gets
 * its own scatterlist within its segment limits, mapped once and kept until
 * it detaches, and CPU access syncs exactly the mappings that need it, plus
 * the owner's own mapping for non-coherent memory.
 */

#include <linux/dma-buf-pages.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/refcount.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <media/videobuf2-dma-contig.h>
#include <media/videobuf2-memops.h>

enum vdc_kind {
	VDC_COHERENT,
	VDC_NONCOHERENT,
	VDC_USERPTR,
	VDC_DMABUF,
};

/**
 * struct vdc_plane - one plane
 * @kind: what the memory is; see the table at the top of the file.
 * @dev: the device the plane is for; a reference is held.
 * @bytes: bytes the device uses.
 * @dir: direction of the queue's DMA.
 * @daddr: start of the plane for @dev; what the cookie points at.
 * @kaddr: kernel mapping, or NULL while there is none.
 * @dma_attrs: DMA attributes of the allocation.
 * @cpu_addr: what dma_alloc_attrs() returned.
 * @table: the non-coherent allocation, the USERPTR mapping or the mapped
 *	dma-buf; NULL when not mapped.
 * @user_table: storage for a USERPTR @table.
 * @page_list: the pages of an MMAP plane, listed at its first export.
 * @users: users of an MMAP plane: the queue, each exported dma-buf and
 *	each userspace mapping.
 * @vm_handler: ties userspace mappings to @users.
 * @frames: the pinned pages of a USERPTR plane.
 * @first_offset: where a USERPTR plane starts in its first page.
 * @attach: the attachment of a DMABUF plane.
 */
struct vdc_plane {
	enum vdc_kind kind;
	struct device *dev;
	unsigned long bytes;
	enum dma_data_direction dir;
	dma_addr_t daddr;
	void *kaddr;

	unsigned long dma_attrs;
	void *cpu_addr;
	struct sg_table *table;
	struct sg_table user_table;
	struct page **page_list;
	refcount_t users;
	struct vb2_vmarea_handler vm_handler;

	struct frame_vector *frames;
	unsigned int first_offset;

	struct dma_buf_attachment *attach;
};

/**
 * struct vdc_export - one dma-buf exported from an MMAP plane
 * @bp: the dma-buf-pages state; &dma_buf.priv points here.
 * @pl: the plane; the export holds a reference on it.
 */
struct vdc_export {
	struct dma_buf_pages bp;
	struct vdc_plane *pl;
};

static struct vdc_plane *vdc_new(struct vb2_buffer *vb,
				 struct device *dev, unsigned long size,
				 enum vdc_kind kind)
{
	struct vdc_plane *pl = kzalloc(sizeof(*pl), GFP_KERNEL);

	if (!pl)
		return NULL;
	pl->kind = kind;
	pl->dev = get_device(dev);
	pl->bytes = size;
	pl->dir = vb->vb2_queue->dma_dir;
	return pl;
}

static void vdc_delete(struct vdc_plane *pl)
{
	put_device(pl->dev);
	kfree(pl);
}

/* Bytes from the start of a mapped table that are DMA-contiguous. */
static unsigned long vdc_contig_len(struct sg_table *sgt)
{
	dma_addr_t next = sg_dma_address(sgt->sgl);
	unsigned long len = 0;
	struct scatterlist *sg;
	unsigned int i;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		if (sg_dma_address(sg) != next)
			break;
		len += sg_dma_len(sg);
		next += sg_dma_len(sg);
	}
	return len;
}

/* Kernel mapping that can be made now, or NULL. */
static void *vdc_map_kernel(struct vdc_plane *pl)
{
	struct iosys_map map;
	void *vaddr;

	switch (pl->kind) {
	case VDC_NONCOHERENT:
		return dma_vmap_noncontiguous(pl->dev, pl->bytes, pl->table);
	case VDC_USERPTR:
		vaddr = vmap(frame_vector_pages(pl->frames),
			     frame_vector_count(pl->frames), VM_MAP, PAGE_KERNEL);
		return vaddr ? vaddr + pl->first_offset : NULL;
	case VDC_DMABUF:
		if (dma_buf_vmap_unlocked(pl->attach->dmabuf, &map))
			return NULL;
		if (map.is_iomem) {
			/* no plain pointer to hand out for I/O memory */
			dma_buf_vunmap_unlocked(pl->attach->dmabuf, &map);
			return NULL;
		}
		return map.vaddr;
	default:
		return NULL;
	}
}

static void vdc_unmap_kernel(struct vdc_plane *pl, void *vaddr)
{
	struct iosys_map map;

	switch (pl->kind) {
	case VDC_NONCOHERENT:
		dma_vunmap_noncontiguous(pl->dev, vaddr);
		break;
	case VDC_USERPTR:
		vunmap(vaddr - pl->first_offset);
		break;
	case VDC_DMABUF:
		iosys_map_set_vaddr(&map, vaddr);
		dma_buf_vunmap_unlocked(pl->attach->dmabuf, &map);
		break;
	default:
		break;
	}
}

/*
 * The kernel mapping, made on first use.  Two racing callers may both map;
 * the loser undoes its own.
 */
static void *vdc_vaddr(struct vb2_buffer *vb, void *mem_priv)
{
	struct vdc_plane *pl = mem_priv;
	void *vaddr = READ_ONCE(pl->kaddr);
	void *old;

	if (vaddr || pl->kind == VDC_COHERENT)
		return vaddr;

	vaddr = vdc_map_kernel(pl);
	if (!vaddr)
		return NULL;
	old = cmpxchg(&pl->kaddr, NULL, vaddr);
	if (old) {
		vdc_unmap_kernel(pl, vaddr);
		return old;
	}
	return vaddr;
}

static void *vdc_cookie(struct vb2_buffer *vb, void *mem_priv)
{
	struct vdc_plane *pl = mem_priv;

	return &pl->daddr;
}

/*
 * Cache maintenance of the plane's own mapping around a device access:
 * @for_cpu after it (finish), else before it (prepare).
 */
static void vdc_sync_own(struct vdc_plane *pl, size_t offset,
			 size_t len, bool for_cpu)
{
	void *vaddr = READ_ONCE(pl->kaddr);

	if (for_cpu) {
		/* the device only read: nothing of its reaches the CPU */
		if (pl->dir == DMA_TO_DEVICE)
			return;
		dma_buf_pages_sync_range(pl->dev, pl->table, pl->dir, offset,
					 len, true);
		if (vaddr)
			invalidate_kernel_vmap_range(vaddr + offset, len);
	} else {
		if (vaddr)
			flush_kernel_vmap_range(vaddr + offset, len);
		dma_buf_pages_sync_range(pl->dev, pl->table, pl->dir, offset,
					 len, false);
	}
}

static void vdc_prepare(void *mem_priv)
{
	struct vdc_plane *pl = mem_priv;

	switch (pl->kind) {
	case VDC_NONCOHERENT:
	case VDC_USERPTR:
		vdc_sync_own(pl, 0, pl->bytes, false);
		break;
	case VDC_DMABUF:
		if (pl->table)
			dma_buf_begin_access(pl->attach, pl->dir);
		break;
	default:
		break;
	}
}

static void vdc_finish(void *mem_priv)
{
	struct vdc_plane *pl = mem_priv;

	switch (pl->kind) {
	case VDC_NONCOHERENT:
	case VDC_USERPTR:
		vdc_sync_own(pl, 0, pl->bytes, true);
		break;
	case VDC_DMABUF:
		if (pl->table)
			dma_buf_end_access(pl->attach, pl->dir);
		break;
	default:
		break;
	}
}

/* MMAP planes */

static void vdc_free(struct vdc_plane *pl)
{
	kvfree(pl->page_list);
	if (pl->kind == VDC_NONCOHERENT) {
		if (pl->kaddr)
			dma_vunmap_noncontiguous(pl->dev, pl->kaddr);
		dma_free_noncontiguous(pl->dev, pl->bytes, pl->table, pl->dir);
	} else {
		dma_free_attrs(pl->dev, pl->bytes, pl->cpu_addr,
			       pl->daddr, pl->dma_attrs);
	}
	vdc_delete(pl);
}

static void vdc_put(void *mem_priv)
{
	struct vdc_plane *pl = mem_priv;

	if (refcount_dec_and_test(&pl->users))
		vdc_free(pl);
}

static void *vdc_alloc(struct vb2_buffer *vb, struct device *dev,
		       unsigned long size)
{
	struct vb2_queue *q = vb->vb2_queue;
	gfp_t gfp = GFP_KERNEL | q->gfp_flags;
	struct vdc_plane *pl;

	if (WARN_ON(!dev))
		return ERR_PTR(-EINVAL);

	pl = vdc_new(vb, dev, size, q->non_coherent_mem ?
			 VDC_NONCOHERENT : VDC_COHERENT);
	if (!pl)
		return ERR_PTR(-ENOMEM);

	if (pl->kind == VDC_NONCOHERENT) {
		/* the only attribute that means something for this memory */
		pl->dma_attrs = q->dma_attrs & DMA_ATTR_ALLOC_SINGLE_PAGES;
		pl->table = dma_alloc_noncontiguous(dev, size, pl->dir, gfp,
						    pl->dma_attrs);
		if (pl->table)
			pl->daddr = sg_dma_address(pl->table->sgl);
	} else {
		pl->dma_attrs = q->dma_attrs;
		pl->cpu_addr = dma_alloc_attrs(dev, size, &pl->daddr, gfp,
					       pl->dma_attrs);
		if (!(pl->dma_attrs & DMA_ATTR_NO_KERNEL_MAPPING))
			pl->kaddr = pl->cpu_addr;
	}
	if (!pl->table && !pl->cpu_addr) {
		vdc_delete(pl);
		return ERR_PTR(-ENOMEM);
	}

	refcount_set(&pl->users, 1);
	pl->vm_handler.refcount = &pl->users;
	pl->vm_handler.put = vdc_put;
	pl->vm_handler.arg = pl;
	return pl;
}

/* Map an MMAP plane into @vma; vma->vm_pgoff is the offset in pages. */
static int vdc_mmap_plane(struct vdc_plane *pl,
			  struct vm_area_struct *vma)
{
	int ret;

	if (pl->kind == VDC_NONCOHERENT)
		ret = dma_mmap_noncontiguous(pl->dev, vma, pl->bytes,
					     pl->table);
	else if (pl->kind == VDC_COHERENT)
		ret = dma_mmap_attrs(pl->dev, vma, pl->cpu_addr,
				     pl->daddr, pl->bytes, pl->dma_attrs);
	else
		ret = -EINVAL;
	if (!ret)
		vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	return ret;
}

static int vdc_mmap(void *mem_priv, struct vm_area_struct *vma)
{
	struct vdc_plane *pl = mem_priv;
	int ret;

	ret = vdc_mmap_plane(pl, vma);
	if (ret)
		return ret;

	vma->vm_private_data = &pl->vm_handler;
	vma->vm_ops = &vb2_common_vm_ops;
	vma->vm_ops->open(vma);
	return 0;
}

static unsigned int vdc_num_users(void *mem_priv)
{
	struct vdc_plane *pl = mem_priv;

	return refcount_read(&pl->users);
}

/* DMABUF export of MMAP planes */

static struct vdc_export *vdc_export_of(struct dma_buf *dmabuf)
{
	struct dma_buf_pages *bp = dmabuf->priv;

	return container_of(bp, struct vdc_export, bp);
}

/* The pages behind an MMAP plane, listed once and kept until it is freed. */
static int vdc_list_pages(struct vdc_plane *pl)
{
	pgoff_t nr = PAGE_ALIGN(pl->bytes) >> PAGE_SHIFT, n = 0;
	struct sg_table table, *sgt = pl->table;
	struct sg_page_iter iter;
	struct page **pages;
	int ret;

	if (READ_ONCE(pl->page_list))
		return 0;

	if (pl->kind == VDC_COHERENT) {
		ret = dma_get_sgtable_attrs(pl->dev, &table, pl->cpu_addr,
					    pl->daddr, pl->bytes,
					    pl->dma_attrs);
		if (ret)
			return ret;
		sgt = &table;
	}

	pages = kvmalloc_array(nr, sizeof(*pages), GFP_KERNEL);
	if (pages) {
		for_each_sgtable_page(sgt, &iter, 0) {
			if (n == nr)
				break;
			pages[n++] = sg_page_iter_page(&iter);
		}
	}
	if (sgt == &table)
		sg_free_table(&table);

	if (!pages)
		return -ENOMEM;
	if (n < nr) {
		kvfree(pages);
		return -EINVAL;
	}
	if (cmpxchg(&pl->page_list, NULL, pages))
		kvfree(pages);
	return 0;
}

static void vdc_exp_release(struct dma_buf *dmabuf)
{
	struct vdc_export *exp = vdc_export_of(dmabuf);

	dma_buf_pages_fini(&exp->bp);
	vdc_put(exp->pl);
	kfree(exp);
}

/*
 * An attachment keeps its mapping from its first map until it detaches
 * (or maps in another direction), so an importer that maps and unmaps per
 * frame pays for the mapping once.  The core calls both under the
 * reservation lock.
 */
static struct sg_table *vdc_exp_map(struct dma_buf_attachment *attach,
				    enum dma_data_direction dir)
{
	struct dma_buf_pages_attachment *a = attach->priv;

	if (a->mapped) {
		if (a->dir == dir)
			return &a->sgt;
		dma_buf_pages_unmap(attach, &a->sgt, a->dir);
	}
	return dma_buf_pages_map(attach, dir);
}

static void vdc_exp_unmap(struct dma_buf_attachment *attach,
			  struct sg_table *sgt, enum dma_data_direction dir)
{
	/* kept for the next map; see vdc_exp_map() */
}

static void vdc_exp_detach(struct dma_buf *dmabuf,
			   struct dma_buf_attachment *attach)
{
	struct dma_buf_pages_attachment *a = attach->priv;

	if (a->mapped)
		dma_buf_pages_unmap(attach, &a->sgt, a->dir);
	dma_buf_pages_detach(dmabuf, attach);
}

/*
 * CPU access: the owner's non-coherent mapping first, so that its
 * invalidation cannot drop what the importers' bounce copies bring in;
 * on the way back the owner is cleaned before the importers copy out.
 */
static int vdc_exp_begin_range(struct dma_buf *dmabuf,
			       enum dma_data_direction dir,
			       size_t offset, size_t len)
{
	struct vdc_plane *pl = vdc_export_of(dmabuf)->pl;

	if (pl->kind == VDC_NONCOHERENT)
		vdc_sync_own(pl, offset, len, true);
	return dma_buf_pages_begin_cpu_access_partial(dmabuf, dir, offset,
						      len);
}

static int vdc_exp_end_range(struct dma_buf *dmabuf,
			     enum dma_data_direction dir,
			     size_t offset, size_t len)
{
	struct vdc_plane *pl = vdc_export_of(dmabuf)->pl;

	/* a CPU that only read changed nothing a device needs to see */
	if (dir == DMA_FROM_DEVICE)
		return 0;
	if (pl->kind == VDC_NONCOHERENT)
		vdc_sync_own(pl, offset, len, false);
	return dma_buf_pages_end_cpu_access_partial(dmabuf, dir, offset, len);
}

static int vdc_exp_begin_cpu(struct dma_buf *dmabuf,
			     enum dma_data_direction dir)
{
	return vdc_exp_begin_range(dmabuf, dir, 0, dmabuf->size);
}

static int vdc_exp_end_cpu(struct dma_buf *dmabuf,
			   enum dma_data_direction dir)
{
	return vdc_exp_end_range(dmabuf, dir, 0, dmabuf->size);
}

static int vdc_exp_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	return vdc_mmap_plane(vdc_export_of(dmabuf)->pl, vma);
}

/*
 * The plane's own kernel mapping, which lives as long as the plane: a
 * second mapping of coherent memory could disagree with it on caching.
 */
static int vdc_exp_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct vdc_plane *pl = vdc_export_of(dmabuf)->pl;
	void *vaddr = vdc_vaddr(NULL, pl);

	if (!vaddr)
		return pl->kind == VDC_COHERENT ? -EINVAL : -ENOMEM;
	iosys_map_set_vaddr(map, vaddr);
	return 0;
}

static const struct dma_buf_ops vdc_dmabuf_ops = {
	.attach = dma_buf_pages_attach,
	.detach = vdc_exp_detach,
	.map_dma_buf = vdc_exp_map,
	.unmap_dma_buf = vdc_exp_unmap,
	.begin_cpu_access = vdc_exp_begin_cpu,
	.end_cpu_access = vdc_exp_end_cpu,
	.begin_cpu_access_partial = vdc_exp_begin_range,
	.end_cpu_access_partial = vdc_exp_end_range,
	.begin_access = dma_buf_pages_begin_access,
	.end_access = dma_buf_pages_end_access,
	.mmap = vdc_exp_mmap,
	.vmap = vdc_exp_vmap,
	.release = vdc_exp_release,
};

static struct dma_buf *vdc_get_dmabuf(struct vb2_buffer *vb,
				      void *mem_priv, unsigned long flags)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct vdc_plane *pl = mem_priv;
	struct vdc_export *exp;
	struct dma_buf *dmabuf;
	int ret;

	if (pl->kind != VDC_COHERENT && pl->kind != VDC_NONCOHERENT)
		return ERR_PTR(-EINVAL);

	ret = vdc_list_pages(pl);
	if (ret)
		return ERR_PTR(ret);

	exp = kzalloc(sizeof(*exp), GFP_KERNEL);
	if (!exp)
		return ERR_PTR(-ENOMEM);
	exp->pl = pl;

	info.ops = &vdc_dmabuf_ops;
	info.flags = flags;
	refcount_inc(&pl->users);
	dmabuf = dma_buf_pages_export(&exp->bp, pl->page_list,
				      PAGE_ALIGN(pl->bytes) >> PAGE_SHIFT,
				      &info);
	if (IS_ERR(dmabuf)) {
		vdc_put(pl);
		kfree(exp);
	}
	return dmabuf;
}

/* USERPTR planes */

/*
 * Pinned pages, in segments the device accepts.  The mapping skips the CPU
 * sync: prepare does it before every use.
 */
static int vdc_map_user_pages(struct vdc_plane *pl)
{
	struct sg_table *sgt = &pl->user_table;
	unsigned int seg;
	int ret;

	seg = min_t(size_t, dma_get_max_seg_size(pl->dev),
		    dma_max_mapping_size(pl->dev));
	seg = max_t(unsigned int, seg & PAGE_MASK, PAGE_SIZE);
	ret = sg_alloc_table_from_pages_segment(sgt,
						frame_vector_pages(pl->frames),
						frame_vector_count(pl->frames),
						pl->first_offset, pl->bytes, seg,
						GFP_KERNEL);
	if (ret)
		return ret;

	ret = dma_map_sgtable(pl->dev, sgt, pl->dir, DMA_ATTR_SKIP_CPU_SYNC);
	if (ret)
		goto free;

	if (vdc_contig_len(sgt) < pl->bytes) {
		dev_dbg(pl->dev, "USERPTR plane is not contiguous for DMA\n");
		ret = -EFAULT;
		goto unmap;
	}
	pl->table = sgt;
	pl->daddr = sg_dma_address(sgt->sgl);
	return 0;

unmap:
	dma_unmap_sgtable(pl->dev, sgt, pl->dir, DMA_ATTR_SKIP_CPU_SYNC);
free:
	sg_free_table(sgt);
	return ret;
}

static void *vdc_get_userptr(struct vb2_buffer *vb, struct device *dev,
			     unsigned long vaddr, unsigned long size)
{
	struct vdc_plane *pl;
	int ret;

	if (WARN_ON(!dev))
		return ERR_PTR(-EINVAL);
	if (!size || !IS_ALIGNED(vaddr | size, dma_get_cache_alignment()))
		return ERR_PTR(-EINVAL);

	pl = vdc_new(vb, dev, size, VDC_USERPTR);
	if (!pl)
		return ERR_PTR(-ENOMEM);
	pl->first_offset = offset_in_page(vaddr);

	/* the device writes into the pages unless it only reads them */
	pl->frames = vb2_create_framevec(vaddr, size, pl->dir != DMA_TO_DEVICE);
	if (IS_ERR(pl->frames)) {
		ret = PTR_ERR(pl->frames);
		goto free;
	}

	/*
	 * Only pages can be pinned (VM_IO and VM_PFNMAP ranges fail above),
	 * so the vector always converts.
	 */
	if (WARN_ON(frame_vector_to_pages(pl->frames) < 0))
		ret = -EFAULT;
	else
		ret = vdc_map_user_pages(pl);
	if (ret)
		goto release;
	return pl;

release:
	vb2_destroy_framevec(pl->frames);
free:
	vdc_delete(pl);
	return ERR_PTR(ret);
}

static void vdc_put_userptr(void *mem_priv)
{
	struct vdc_plane *pl = mem_priv;
	struct page **pages;
	unsigned int i;

	if (pl->kaddr)
		vdc_unmap_kernel(pl, pl->kaddr);

	dma_unmap_sgtable(pl->dev, pl->table, pl->dir, DMA_ATTR_SKIP_CPU_SYNC);
	sg_free_table(pl->table);
	if (pl->dir != DMA_TO_DEVICE) {
		pages = frame_vector_pages(pl->frames);
		for (i = 0; i < frame_vector_count(pl->frames); i++)
			set_page_dirty_lock(pages[i]);
	}
	vb2_destroy_framevec(pl->frames);
	vdc_delete(pl);
}

/* DMABUF import */

static void *vdc_attach_dmabuf(struct vb2_buffer *vb, struct device *dev,
			       struct dma_buf *dbuf, unsigned long size)
{
	struct dma_buf_attachment *attach;
	struct vdc_plane *pl;

	if (WARN_ON(!dev))
		return ERR_PTR(-EINVAL);
	if (dbuf->size < size)
		return ERR_PTR(-EFAULT);

	pl = vdc_new(vb, dev, size, VDC_DMABUF);
	if (!pl)
		return ERR_PTR(-ENOMEM);

	attach = vb2_dmabuf_attach(vb, dev, dbuf);
	if (IS_ERR(attach)) {
		vdc_delete(pl);
		return ERR_CAST(attach);
	}
	pl->attach = attach;
	return pl;
}

static int vdc_map_dmabuf(void *mem_priv)
{
	struct vdc_plane *pl = mem_priv;
	struct sg_table *sgt;

	if (WARN_ON(!pl->attach))
		return -EINVAL;
	if (WARN_ON(pl->table))
		return 0;

	/* the core holds the reservation lock (see vb2_dmabuf_attach()) */
	sgt = dma_buf_map_attachment(pl->attach, pl->dir);
	if (IS_ERR(sgt))
		return PTR_ERR(sgt);

	if (vdc_contig_len(sgt) < pl->bytes) {
		dev_dbg(pl->dev, "dma-buf is not contiguous for DMA\n");
		dma_buf_unmap_attachment(pl->attach, sgt, pl->dir);
		return -EFAULT;
	}
	/*
	 * We attach as a dynamic importer, so the table of an exporter that
	 * moves memory can come back before the move has finished; its
	 * fences say when it has.
	 */
	if (dma_buf_is_dynamic(pl->attach->dmabuf)) {
		long left = dma_resv_wait_timeout(pl->attach->dmabuf->resv,
						  DMA_RESV_USAGE_KERNEL, false,
						  MAX_SCHEDULE_TIMEOUT);

		if (left < 0) {
			dma_buf_unmap_attachment(pl->attach, sgt, pl->dir);
			return left;
		}
	}
	pl->table = sgt;
	pl->daddr = sg_dma_address(sgt->sgl);
	return 0;
}

/* With the reservation lock held, from the core or a move notification. */
static void vdc_unmap_dmabuf(void *mem_priv)
{
	struct vdc_plane *pl = mem_priv;
	struct iosys_map map;

	if (WARN_ON(!pl->attach || !pl->table))
		return;

	if (pl->kaddr) {
		iosys_map_set_vaddr(&map, pl->kaddr);
		dma_buf_vunmap(pl->attach->dmabuf, &map);
		pl->kaddr = NULL;
	}
	dma_buf_unmap_attachment(pl->attach, pl->table, pl->dir);
	pl->table = NULL;
	pl->daddr = 0;
}

static void vdc_detach_dmabuf(void *mem_priv)
{
	struct vdc_plane *pl = mem_priv;

	/* the core unmaps first; another caller may leave it to us */
	if (pl->table) {
		dma_resv_lock(pl->attach->dmabuf->resv, NULL);
		vdc_unmap_dmabuf(pl);
		dma_resv_unlock(pl->attach->dmabuf->resv);
	} else if (pl->kaddr) {
		vdc_unmap_kernel(pl, pl->kaddr);
	}
	dma_buf_detach(pl->attach->dmabuf, pl->attach);
	vdc_delete(pl);
}

const struct vb2_mem_ops vb2_dma_contig_memops = {
	.alloc		= vdc_alloc,
	.put		= vdc_put,
	.get_dmabuf	= vdc_get_dmabuf,
	.cookie		= vdc_cookie,
	.vaddr		= vdc_vaddr,
	.mmap		= vdc_mmap,
	.get_userptr	= vdc_get_userptr,
	.put_userptr	= vdc_put_userptr,
	.prepare	= vdc_prepare,
	.finish		= vdc_finish,
	.map_dmabuf	= vdc_map_dmabuf,
	.unmap_dmabuf	= vdc_unmap_dmabuf,
	.attach_dmabuf	= vdc_attach_dmabuf,
	.detach_dmabuf	= vdc_detach_dmabuf,
	.num_users	= vdc_num_users,
};
EXPORT_SYMBOL_GPL(vb2_dma_contig_memops);

/**
 * vb2_dma_contig_set_max_seg_size - raise a device's DMA segment limit
 * @dev: the device; its bus must have given it &device.dma_parms.
 * @size: the largest segment the device handles, usually DMA_BIT_MASK(32).
 *
 * Importers of dma-bufs get tables built within this limit, so a device
 * behind an IOMMU that can take a whole plane as one segment should call
 * this at probe time.  The limit is only ever raised here.
 *
 * Return: 0, or -ENODEV when the device has no dma_parms.
 */
int vb2_dma_contig_set_max_seg_size(struct device *dev, unsigned int size)
{
	if (!dev->dma_parms) {
		dev_err(dev, "cannot set the DMA segment size: no dma_parms\n");
		return -ENODEV;
	}
	if (dma_get_max_seg_size(dev) < size)
		dma_set_max_seg_size(dev, size);
	return 0;
}
EXPORT_SYMBOL_GPL(vb2_dma_contig_set_max_seg_size);

MODULE_DESCRIPTION("videobuf2 allocator for DMA-contiguous planes");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
