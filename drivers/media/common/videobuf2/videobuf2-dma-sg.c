// SPDX-License-Identifier: GPL-2.0-only
/*
 * videobuf2-dma-sg: planes a device reaches through a scatterlist.
 *
 * The cookie of every plane is a &struct sg_table mapped for the plane's
 * device (vb2_dma_sg_plane_desc()):
 *
 * =======  =================================  ============================
 * memory   backing                            cache maintenance
 * =======  =================================  ============================
 * MMAP     pages from the page allocator,     the plane's mapping, at
 *          taken in the largest chunks        prepare and finish
 *          available and split into single
 *          pages
 * USERPTR  the user's pages, pinned           the plane's mapping, at
 *                                             prepare and finish
 * DMABUF   another exporter's buffer, mapped  the exporter's
 *          once through an attachment         attachment-level ops
 * =======  =================================  ============================
 *
 * MMAP and USERPTR tables are mapped without a CPU sync, since prepare
 * syncs before every device access; the queue's skip-cache-sync hints
 * (decided by the core) skip that work.  The memory is ordinary cached
 * memory, so the queue's DMA attributes and non_coherent_mem make no
 * difference here.  A kernel mapping is made when a driver first asks for
 * one.
 *
 * MMAP planes can be exported (VIDIOC_EXPBUF) through dma-buf-pages: each
 * importing device gets its own table within its segment limits, and CPU
 * access syncs the importers' mappings and the plane's own.
 */

#include <linux/dma-buf-pages.h>
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/numa.h>
#include <linux/refcount.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <media/videobuf2-dma-sg.h>
#include <media/videobuf2-memops.h>

enum vsg_kind {
	VSG_MMAP,
	VSG_USERPTR,
	VSG_DMABUF,
};

/**
 * struct vsg_plane - one plane
 * @kind: what the memory is; see the table at the top of the file.
 * @dev: the device the plane is for; a reference is held.
 * @bytes: bytes the device uses.
 * @dir: direction of the queue's DMA.
 * @kaddr: kernel mapping of the first page, or NULL while there is none.
 * @sgt: the cookie: @own_table, or the table of the mapped dma-buf (NULL
 *	while a DMABUF plane is not mapped).
 * @own_table: the mapping of an MMAP or USERPTR plane.
 * @pages: the pages of an MMAP or USERPTR plane.
 * @nr_pages: entries in @pages.
 * @users: users of an MMAP plane: the queue, each exported dma-buf and
 *	each userspace mapping.
 * @vm_handler: ties userspace mappings to @users.
 * @frames: the pinned pages of a USERPTR plane (@pages points into it).
 * @first_offset: where a USERPTR plane starts in its first page.
 * @attach: the attachment of a DMABUF plane.
 */
struct vsg_plane {
	enum vsg_kind kind;
	struct device *dev;
	unsigned long bytes;
	enum dma_data_direction dir;
	void *kaddr;
	struct sg_table *sgt;
	struct sg_table own_table;

	struct page **pages;
	unsigned int nr_pages;
	refcount_t users;
	struct vb2_vmarea_handler vm_handler;

	struct frame_vector *frames;
	unsigned int first_offset;

	struct dma_buf_attachment *attach;
};

/**
 * struct vsg_export - one dma-buf exported from an MMAP plane
 * @bp: the dma-buf-pages state; &dma_buf.priv points here.
 * @pl: the plane; the export holds a reference on it.
 */
struct vsg_export {
	struct dma_buf_pages bp;
	struct vsg_plane *pl;
};

static struct vsg_plane *vsg_new(struct vb2_buffer *vb, struct device *dev,
				 unsigned long size, enum vsg_kind kind)
{
	struct vsg_plane *pl = kzalloc(sizeof(*pl), GFP_KERNEL);

	if (!pl)
		return NULL;
	pl->kind = kind;
	pl->dev = get_device(dev);
	pl->bytes = size;
	pl->dir = vb->vb2_queue->dma_dir;
	return pl;
}

static void vsg_delete(struct vsg_plane *pl)
{
	put_device(pl->dev);
	kfree(pl);
}

/* Kernel mapping */

static void *vsg_map_kernel(struct vsg_plane *pl)
{
	struct iosys_map map;

	if (pl->kind != VSG_DMABUF)
		return vm_map_ram(pl->pages, pl->nr_pages, NUMA_NO_NODE);

	if (dma_buf_vmap_unlocked(pl->attach->dmabuf, &map))
		return NULL;
	if (map.is_iomem) {
		/* not memory the CPU may use as such */
		dma_buf_vunmap_unlocked(pl->attach->dmabuf, &map);
		return NULL;
	}
	return map.vaddr;
}

static void vsg_unmap_kernel(struct vsg_plane *pl, void *kaddr)
{
	struct iosys_map map;

	if (pl->kind != VSG_DMABUF) {
		vm_unmap_ram(kaddr, pl->nr_pages);
		return;
	}
	iosys_map_set_vaddr(&map, kaddr);
	dma_buf_vunmap_unlocked(pl->attach->dmabuf, &map);
}

static void vsg_drop_kernel(struct vsg_plane *pl)
{
	if (pl->kaddr) {
		vsg_unmap_kernel(pl, pl->kaddr);
		pl->kaddr = NULL;
	}
}

/*
 * The kernel mapping, made on first use.  Two racing callers may both map;
 * the loser undoes its own.
 */
static void *vsg_vaddr(struct vb2_buffer *vb, void *mem_priv)
{
	struct vsg_plane *pl = mem_priv;
	void *kaddr = READ_ONCE(pl->kaddr);
	void *old;

	if (!kaddr) {
		kaddr = vsg_map_kernel(pl);
		if (!kaddr)
			return NULL;
		old = cmpxchg(&pl->kaddr, NULL, kaddr);
		if (old) {
			vsg_unmap_kernel(pl, kaddr);
			kaddr = old;
		}
	}
	return kaddr + pl->first_offset;
}

static void *vsg_cookie(struct vb2_buffer *vb, void *mem_priv)
{
	struct vsg_plane *pl = mem_priv;

	return pl->sgt;
}

/* Cache maintenance of MMAP and USERPTR planes */

/*
 * Sync [offset, offset + len) of the plane's own mapping and its kernel
 * mapping: @for_cpu after a device access, else before one.
 */
static void vsg_sync_own(struct vsg_plane *pl, size_t offset, size_t len,
			 bool for_cpu)
{
	void *kaddr = READ_ONCE(pl->kaddr);
	bool whole = !offset && len == pl->bytes;

	if (kaddr)
		kaddr += pl->first_offset + offset;

	if (for_cpu) {
		/* the device only read: nothing of its reaches the CPU */
		if (pl->dir == DMA_TO_DEVICE)
			return;
		if (whole)
			dma_sync_sgtable_for_cpu(pl->dev, &pl->own_table,
						 pl->dir);
		else
			dma_buf_pages_sync_range(pl->dev, &pl->own_table,
						 pl->dir, offset, len, true);
		if (kaddr)
			invalidate_kernel_vmap_range(kaddr, len);
	} else {
		if (kaddr)
			flush_kernel_vmap_range(kaddr, len);
		if (whole)
			dma_sync_sgtable_for_device(pl->dev, &pl->own_table,
						    pl->dir);
		else
			dma_buf_pages_sync_range(pl->dev, &pl->own_table,
						 pl->dir, offset, len, false);
	}
}

static void vsg_prepare(void *mem_priv)
{
	struct vsg_plane *pl = mem_priv;

	if (pl->kind != VSG_DMABUF)
		vsg_sync_own(pl, 0, pl->bytes, false);
	else if (pl->sgt)
		dma_buf_begin_access(pl->attach, pl->dir);
}

static void vsg_finish(void *mem_priv)
{
	struct vsg_plane *pl = mem_priv;

	if (pl->kind != VSG_DMABUF)
		vsg_sync_own(pl, 0, pl->bytes, true);
	else if (pl->sgt)
		dma_buf_end_access(pl->attach, pl->dir);
}

/*
 * Build and map the table of an MMAP or USERPTR plane, in segments the
 * device accepts.  No CPU sync: prepare does it before every use.
 */
static int vsg_map_pages(struct vsg_plane *pl)
{
	struct sg_table *sgt = &pl->own_table;
	unsigned int seg;
	int ret;

	seg = min_t(size_t, dma_get_max_seg_size(pl->dev),
		    dma_max_mapping_size(pl->dev));
	seg = max_t(unsigned int, seg & PAGE_MASK, PAGE_SIZE);
	ret = sg_alloc_table_from_pages_segment(sgt, pl->pages, pl->nr_pages,
						pl->first_offset, pl->bytes,
						seg, GFP_KERNEL);
	if (ret)
		return ret;

	ret = dma_map_sgtable(pl->dev, sgt, pl->dir, DMA_ATTR_SKIP_CPU_SYNC);
	if (ret) {
		sg_free_table(sgt);
		return ret;
	}
	pl->sgt = sgt;
	return 0;
}

static void vsg_unmap_pages(struct vsg_plane *pl)
{
	dma_unmap_sgtable(pl->dev, &pl->own_table, pl->dir,
			  DMA_ATTR_SKIP_CPU_SYNC);
	sg_free_table(&pl->own_table);
	pl->sgt = NULL;
}

/* MMAP planes */

static void vsg_free_pages(struct page **pages, unsigned int nr)
{
	while (nr)
		__free_page(pages[--nr]);
}

/*
 * Fill @pl->pages with single pages taken from chunks as large as the
 * allocator gives without much effort: the device does not need them
 * contiguous, but fewer and larger segments map faster.  Once an order
 * fails, smaller ones are tried and the larger one is not tried again.
 */
static int vsg_alloc_pages(struct vsg_plane *pl, gfp_t gfp)
{
	unsigned int done = 0, order, i;
	struct page *chunk;

	order = min_t(unsigned int, ilog2(pl->nr_pages), MAX_PAGE_ORDER);
	while (done < pl->nr_pages) {
		while ((1U << order) > pl->nr_pages - done)
			order--;
		/* no hard reclaim and no OOM kill for a mere optimisation */
		chunk = alloc_pages(order ? gfp | __GFP_NORETRY : gfp, order);
		if (!chunk) {
			if (!order) {
				vsg_free_pages(pl->pages, done);
				return -ENOMEM;
			}
			order--;
			continue;
		}
		split_page(chunk, order);
		for (i = 0; i < (1U << order); i++)
			pl->pages[done++] = chunk + i;
	}
	return 0;
}

static void vsg_put(void *mem_priv)
{
	struct vsg_plane *pl = mem_priv;

	if (!refcount_dec_and_test(&pl->users))
		return;
	vsg_drop_kernel(pl);
	vsg_unmap_pages(pl);
	vsg_free_pages(pl->pages, pl->nr_pages);
	kvfree(pl->pages);
	vsg_delete(pl);
}

static void *vsg_alloc(struct vb2_buffer *vb, struct device *dev,
		       unsigned long size)
{
	gfp_t gfp = GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN |
		    vb->vb2_queue->gfp_flags;
	struct vsg_plane *pl;
	int ret;

	if (WARN_ON(!dev) || WARN_ON(!size))
		return ERR_PTR(-EINVAL);

	pl = vsg_new(vb, dev, size, VSG_MMAP);
	if (!pl)
		return ERR_PTR(-ENOMEM);

	pl->nr_pages = PAGE_ALIGN(size) >> PAGE_SHIFT;
	pl->pages = kvcalloc(pl->nr_pages, sizeof(*pl->pages), GFP_KERNEL);
	if (!pl->pages) {
		ret = -ENOMEM;
		goto free_plane;
	}
	ret = vsg_alloc_pages(pl, gfp);
	if (ret)
		goto free_array;
	ret = vsg_map_pages(pl);
	if (ret)
		goto free_pages;

	refcount_set(&pl->users, 1);
	pl->vm_handler.refcount = &pl->users;
	pl->vm_handler.put = vsg_put;
	pl->vm_handler.arg = pl;
	return pl;

free_pages:
	vsg_free_pages(pl->pages, pl->nr_pages);
free_array:
	kvfree(pl->pages);
free_plane:
	vsg_delete(pl);
	return ERR_PTR(ret);
}

/* Map an MMAP plane into @vma; vma->vm_pgoff is the offset in pages. */
static int vsg_map_user(struct vsg_plane *pl, struct vm_area_struct *vma)
{
	int ret;

	if (pl->kind != VSG_MMAP)
		return -EINVAL;
	ret = vm_map_pages(vma, pl->pages, pl->nr_pages);
	if (!ret)
		vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	return ret;
}

static int vsg_mmap(void *mem_priv, struct vm_area_struct *vma)
{
	struct vsg_plane *pl = mem_priv;
	int ret;

	ret = vsg_map_user(pl, vma);
	if (ret)
		return ret;

	vma->vm_private_data = &pl->vm_handler;
	vma->vm_ops = &vb2_common_vm_ops;
	vma->vm_ops->open(vma);
	return 0;
}

static unsigned int vsg_num_users(void *mem_priv)
{
	struct vsg_plane *pl = mem_priv;

	return refcount_read(&pl->users);
}

/* DMABUF export of MMAP planes */

static struct vsg_plane *vsg_exported(struct dma_buf *dmabuf)
{
	struct dma_buf_pages *bp = dmabuf->priv;

	return container_of(bp, struct vsg_export, bp)->pl;
}

static void vsg_exp_release(struct dma_buf *dmabuf)
{
	struct dma_buf_pages *bp = dmabuf->priv;
	struct vsg_export *exp = container_of(bp, struct vsg_export, bp);

	dma_buf_pages_fini(bp);
	vsg_put(exp->pl);
	kfree(exp);
}

/*
 * The plane's kernel mapping (made by a driver or a vmap of the export) is
 * written back before an importing device reads and dropped after it
 * wrote.  Nothing to do unless the CPU's caches can alias.
 */
static void vsg_clean_kernel(struct vsg_plane *pl)
{
	void *kaddr = READ_ONCE(pl->kaddr);

	if (kaddr)
		flush_kernel_vmap_range(kaddr, pl->bytes);
}

static void vsg_inval_kernel(struct vsg_plane *pl,
			     enum dma_data_direction dir)
{
	void *kaddr = READ_ONCE(pl->kaddr);

	if (kaddr && dir != DMA_TO_DEVICE)
		invalidate_kernel_vmap_range(kaddr, pl->bytes);
}

/*
 * Mapping syncs the importer's table for its device and unmapping syncs it
 * back for the CPU (dma-buf-pages does that).
 */
static struct sg_table *vsg_exp_map(struct dma_buf_attachment *attach,
				    enum dma_data_direction dir)
{
	vsg_clean_kernel(vsg_exported(attach->dmabuf));
	return dma_buf_pages_map(attach, dir);
}

static void vsg_exp_unmap(struct dma_buf_attachment *attach,
			  struct sg_table *sgt, enum dma_data_direction dir)
{
	dma_buf_pages_unmap(attach, sgt, dir);
	vsg_inval_kernel(vsg_exported(attach->dmabuf), dir);
}

/* Importers that keep their mapping bracket each device access. */
static int vsg_exp_begin_access(struct dma_buf_attachment *attach,
				enum dma_data_direction dir)
{
	vsg_clean_kernel(vsg_exported(attach->dmabuf));
	return dma_buf_pages_begin_access(attach, dir);
}

static int vsg_exp_end_access(struct dma_buf_attachment *attach,
			      enum dma_data_direction dir)
{
	int ret = dma_buf_pages_end_access(attach, dir);

	vsg_inval_kernel(vsg_exported(attach->dmabuf), dir);
	return ret;
}

/*
 * CPU access: the plane's own mapping first, so that its sync cannot undo
 * what the importers' syncs bring in; on the way back the plane's mapping
 * is synced before the importers'.
 */
static int vsg_exp_begin_range(struct dma_buf *dmabuf,
			       enum dma_data_direction dir,
			       size_t offset, size_t len)
{
	vsg_sync_own(vsg_exported(dmabuf), offset, len, true);
	return dma_buf_pages_begin_cpu_access_partial(dmabuf, dir, offset,
						      len);
}

static int vsg_exp_end_range(struct dma_buf *dmabuf,
			     enum dma_data_direction dir,
			     size_t offset, size_t len)
{
	/* a CPU that only read changed nothing a device needs to see */
	if (dir == DMA_FROM_DEVICE)
		return 0;
	vsg_sync_own(vsg_exported(dmabuf), offset, len, false);
	return dma_buf_pages_end_cpu_access_partial(dmabuf, dir, offset, len);
}

static int vsg_exp_begin_cpu(struct dma_buf *dmabuf,
			     enum dma_data_direction dir)
{
	return vsg_exp_begin_range(dmabuf, dir, 0, dmabuf->size);
}

static int vsg_exp_end_cpu(struct dma_buf *dmabuf,
			   enum dma_data_direction dir)
{
	return vsg_exp_end_range(dmabuf, dir, 0, dmabuf->size);
}

static int vsg_exp_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	return vsg_map_user(vsg_exported(dmabuf), vma);
}

/* The plane's own kernel mapping, which lives as long as the plane. */
static int vsg_exp_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	void *vaddr = vsg_vaddr(NULL, vsg_exported(dmabuf));

	if (!vaddr)
		return -ENOMEM;
	iosys_map_set_vaddr(map, vaddr);
	return 0;
}

static const struct dma_buf_ops vsg_dmabuf_ops = {
	.attach = dma_buf_pages_attach,
	.detach = dma_buf_pages_detach,
	.map_dma_buf = vsg_exp_map,
	.unmap_dma_buf = vsg_exp_unmap,
	.begin_cpu_access = vsg_exp_begin_cpu,
	.end_cpu_access = vsg_exp_end_cpu,
	.begin_cpu_access_partial = vsg_exp_begin_range,
	.end_cpu_access_partial = vsg_exp_end_range,
	.begin_access = vsg_exp_begin_access,
	.end_access = vsg_exp_end_access,
	.mmap = vsg_exp_mmap,
	.vmap = vsg_exp_vmap,
	.release = vsg_exp_release,
};

static struct dma_buf *vsg_get_dmabuf(struct vb2_buffer *vb,
				      void *mem_priv, unsigned long flags)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct vsg_plane *pl = mem_priv;
	struct vsg_export *exp;
	struct dma_buf *dmabuf;

	if (pl->kind != VSG_MMAP)
		return ERR_PTR(-EINVAL);

	exp = kzalloc(sizeof(*exp), GFP_KERNEL);
	if (!exp)
		return ERR_PTR(-ENOMEM);
	exp->pl = pl;

	info.ops = &vsg_dmabuf_ops;
	info.flags = flags;
	refcount_inc(&pl->users);
	dmabuf = dma_buf_pages_export(&exp->bp, pl->pages, pl->nr_pages,
				      &info);
	if (IS_ERR(dmabuf)) {
		vsg_put(pl);
		kfree(exp);
	}
	return dmabuf;
}

/* USERPTR planes */

static void *vsg_get_userptr(struct vb2_buffer *vb, struct device *dev,
			     unsigned long vaddr, unsigned long size)
{
	struct vsg_plane *pl;
	struct page **pages;
	int ret;

	if (WARN_ON(!dev))
		return ERR_PTR(-EINVAL);

	pl = vsg_new(vb, dev, size, VSG_USERPTR);
	if (!pl)
		return ERR_PTR(-ENOMEM);
	pl->first_offset = offset_in_page(vaddr);

	/* the device writes into the pages unless it only reads them */
	pl->frames = vb2_create_framevec(vaddr, size, pl->dir != DMA_TO_DEVICE);
	if (IS_ERR(pl->frames)) {
		ret = PTR_ERR(pl->frames);
		goto free;
	}

	/* only memory with struct pages can be pinned: this converts */
	pages = frame_vector_pages(pl->frames);
	if (IS_ERR(pages)) {
		ret = -EFAULT;
		goto release;
	}
	pl->pages = pages;
	pl->nr_pages = frame_vector_count(pl->frames);

	ret = vsg_map_pages(pl);
	if (ret)
		goto release;
	return pl;

release:
	vb2_destroy_framevec(pl->frames);
free:
	vsg_delete(pl);
	return ERR_PTR(ret);
}

static void vsg_put_userptr(void *mem_priv)
{
	struct vsg_plane *pl = mem_priv;
	unsigned int i;

	vsg_drop_kernel(pl);
	vsg_unmap_pages(pl);
	if (pl->dir != DMA_TO_DEVICE)
		for (i = 0; i < pl->nr_pages; i++)
			set_page_dirty_lock(pl->pages[i]);
	vb2_destroy_framevec(pl->frames);
	vsg_delete(pl);
}

/* DMABUF import */

/* @vb is not kept: the core may move the plane to another buffer. */
static void *vsg_attach_dmabuf(struct vb2_buffer *vb, struct device *dev,
			       struct dma_buf *dbuf, unsigned long size)
{
	struct dma_buf_attachment *attach;
	struct vsg_plane *pl;

	if (WARN_ON(!dev))
		return ERR_PTR(-EINVAL);
	if (dbuf->size < size)
		return ERR_PTR(-EFAULT);

	pl = vsg_new(vb, dev, size, VSG_DMABUF);
	if (!pl)
		return ERR_PTR(-ENOMEM);

	attach = vb2_dmabuf_attach(vb, dev, dbuf);
	if (IS_ERR(attach)) {
		vsg_delete(pl);
		return ERR_CAST(attach);
	}
	pl->attach = attach;
	return pl;
}

static int vsg_map_dmabuf(void *mem_priv)
{
	struct vsg_plane *pl = mem_priv;
	struct sg_table *sgt;

	if (WARN_ON(pl->sgt))
		return 0;

	/* the core holds the reservation lock (see vb2_dmabuf_attach()) */
	sgt = dma_buf_map_attachment(pl->attach, pl->dir);
	if (IS_ERR(sgt))
		return PTR_ERR(sgt);
	pl->sgt = sgt;
	return 0;
}

/* With the reservation lock held, from the core or a move notification. */
static void vsg_unmap_dmabuf(void *mem_priv)
{
	struct vsg_plane *pl = mem_priv;
	struct iosys_map map;

	if (WARN_ON(!pl->sgt))
		return;

	if (pl->kaddr) {
		iosys_map_set_vaddr(&map, pl->kaddr);
		dma_buf_vunmap(pl->attach->dmabuf, &map);
		pl->kaddr = NULL;
	}
	dma_buf_unmap_attachment(pl->attach, pl->sgt, pl->dir);
	pl->sgt = NULL;
}

static void vsg_detach_dmabuf(void *mem_priv)
{
	struct vsg_plane *pl = mem_priv;

	/* the core unmaps first; another caller may leave it to us */
	if (pl->sgt) {
		dma_resv_lock(pl->attach->dmabuf->resv, NULL);
		vsg_unmap_dmabuf(pl);
		dma_resv_unlock(pl->attach->dmabuf->resv);
	} else {
		vsg_drop_kernel(pl);
	}
	dma_buf_detach(pl->attach->dmabuf, pl->attach);
	vsg_delete(pl);
}

const struct vb2_mem_ops vb2_dma_sg_memops = {
	.alloc		= vsg_alloc,
	.put		= vsg_put,
	.get_userptr	= vsg_get_userptr,
	.put_userptr	= vsg_put_userptr,
	.prepare	= vsg_prepare,
	.finish		= vsg_finish,
	.vaddr		= vsg_vaddr,
	.mmap		= vsg_mmap,
	.num_users	= vsg_num_users,
	.get_dmabuf	= vsg_get_dmabuf,
	.map_dmabuf	= vsg_map_dmabuf,
	.unmap_dmabuf	= vsg_unmap_dmabuf,
	.attach_dmabuf	= vsg_attach_dmabuf,
	.detach_dmabuf	= vsg_detach_dmabuf,
	.cookie		= vsg_cookie,
};
EXPORT_SYMBOL_GPL(vb2_dma_sg_memops);

MODULE_DESCRIPTION("videobuf2 allocator for scatter-gather DMA planes");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
