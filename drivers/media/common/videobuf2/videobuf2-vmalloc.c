// SPDX-License-Identifier: GPL-2.0-only
/*
 * videobuf2-vmalloc: planes that only the CPU touches.
 *
 * Drivers of this allocator (virtual devices, USB bridges that copy from
 * URBs) read and write planes through their kernel address and never hand
 * them to a device for DMA.  So every plane has a kernel address while it is
 * usable, and prepare and finish have nothing to do:
 *
 * =======  ==================================  ===========================
 * memory   backing                             kernel address
 * =======  ==================================  ===========================
 * MMAP     vmalloc_user()                      the allocation
 * USERPTR  the user's pages, pinned            vm_map_ram() of the pages,
 *                                              plus the offset into the
 *                                              first one
 * DMABUF   another exporter's buffer           dma_buf_vmap_unlocked(),
 *                                              from map to unmap
 * =======  ==================================  ===========================
 *
 * MMAP planes can be exported (VIDIOC_EXPBUF) through dma-buf-pages: each
 * importing device gets its own scatterlist of the vmalloc pages.  Mapping
 * and CPU access also keep the plane's own kernel mapping coherent, which
 * matters on CPUs whose caches can alias it.
 */

#include <linux/dma-buf-pages.h>
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/err.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/numa.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <media/videobuf2-memops.h>
#include <media/videobuf2-vmalloc.h>

enum vmem_kind {
	VMEM_MMAP,
	VMEM_USERPTR,
	VMEM_DMABUF,
};

/**
 * struct vmem_plane - one plane
 * @kind: what the memory is; see the table at the top of the file.
 * @vaddr: the kernel address of the plane's first byte; NULL while a
 *	DMABUF plane is not mapped.
 * @bytes: size of the plane.
 * @dir: direction of the queue's data.
 * @users: users of an MMAP plane: the queue, each exported dma-buf and
 *	each userspace mapping.
 * @vm_handler: ties userspace mappings to @users.
 * @page_list: the pages of an MMAP plane, listed at its first export.
 * @frames: the pinned pages of a USERPTR plane.
 * @first_offset: where a USERPTR plane starts in its first page.
 * @dbuf: the imported dma-buf of a DMABUF plane (the core holds the
 *	reference).
 * @attach: the plane's attachment to @dbuf; NULL when the queue has no
 *	device to attach.
 * @dbuf_map: the dma-buf's kernel mapping while the plane is mapped.
 */
struct vmem_plane {
	enum vmem_kind kind;
	void *vaddr;
	unsigned long bytes;
	enum dma_data_direction dir;

	refcount_t users;
	struct vb2_vmarea_handler vm_handler;
	struct page **page_list;

	struct frame_vector *frames;
	unsigned int first_offset;

	struct dma_buf *dbuf;
	struct dma_buf_attachment *attach;
	struct iosys_map dbuf_map;
};

/**
 * struct vmem_export - one dma-buf exported from an MMAP plane
 * @bp: the dma-buf-pages state; &dma_buf.priv points here.
 * @pl: the plane; the export holds a reference on it.
 */
struct vmem_export {
	struct dma_buf_pages bp;
	struct vmem_plane *pl;
};

static struct vmem_plane *vmem_new(struct vb2_buffer *vb, unsigned long size,
				   enum vmem_kind kind)
{
	struct vmem_plane *pl = kzalloc(sizeof(*pl), GFP_KERNEL);

	if (!pl)
		return NULL;
	pl->kind = kind;
	pl->bytes = size;
	pl->dir = vb->vb2_queue->dma_dir;
	return pl;
}

static void *vmem_vaddr(struct vb2_buffer *vb, void *mem_priv)
{
	struct vmem_plane *pl = mem_priv;

	return pl->vaddr;
}

static unsigned int vmem_num_users(void *mem_priv)
{
	struct vmem_plane *pl = mem_priv;

	return refcount_read(&pl->users);
}

/* MMAP planes */

static void vmem_put(void *mem_priv)
{
	struct vmem_plane *pl = mem_priv;

	if (!refcount_dec_and_test(&pl->users))
		return;
	kvfree(pl->page_list);
	vfree(pl->vaddr);
	kfree(pl);
}

static void *vmem_alloc(struct vb2_buffer *vb, struct device *dev,
			unsigned long size)
{
	struct vmem_plane *pl;

	pl = vmem_new(vb, size, VMEM_MMAP);
	if (!pl)
		return ERR_PTR(-ENOMEM);

	/* zeroed, and flagged so that it can be mapped into userspace */
	pl->vaddr = vmalloc_user(size);
	if (!pl->vaddr) {
		kfree(pl);
		return ERR_PTR(-ENOMEM);
	}

	refcount_set(&pl->users, 1);
	pl->vm_handler.refcount = &pl->users;
	pl->vm_handler.put = vmem_put;
	pl->vm_handler.arg = pl;
	return pl;
}

/* Map an MMAP plane into @vma; vma->vm_pgoff is the offset in pages. */
static int vmem_map_user(struct vmem_plane *pl, struct vm_area_struct *vma)
{
	if (pl->kind != VMEM_MMAP)
		return -EINVAL;
	return remap_vmalloc_range(vma, pl->vaddr, vma->vm_pgoff);
}

static int vmem_mmap(void *mem_priv, struct vm_area_struct *vma)
{
	struct vmem_plane *pl = mem_priv;
	int ret;

	ret = vmem_map_user(pl, vma);
	if (ret)
		return ret;

	vma->vm_private_data = &pl->vm_handler;
	vma->vm_ops = &vb2_common_vm_ops;
	vma->vm_ops->open(vma);
	return 0;
}

/* USERPTR planes */

static void *vmem_get_userptr(struct vb2_buffer *vb, struct device *dev,
			      unsigned long vaddr, unsigned long size)
{
	struct vmem_plane *pl;
	struct page **pages;
	void *kaddr;
	int ret;

	pl = vmem_new(vb, size, VMEM_USERPTR);
	if (!pl)
		return ERR_PTR(-ENOMEM);
	pl->first_offset = offset_in_page(vaddr);

	pl->frames = vb2_create_framevec(vaddr, size, pl->dir != DMA_TO_DEVICE);
	if (IS_ERR(pl->frames)) {
		ret = PTR_ERR(pl->frames);
		goto free;
	}

	/*
	 * Only memory with struct pages can be pinned, so this always
	 * converts; a range the kernel cannot map is refused.
	 */
	pages = frame_vector_pages(pl->frames);
	if (IS_ERR(pages)) {
		ret = -EFAULT;
		goto release;
	}
	kaddr = vm_map_ram(pages, frame_vector_count(pl->frames),
			   NUMA_NO_NODE);
	if (!kaddr) {
		ret = -ENOMEM;
		goto release;
	}
	pl->vaddr = kaddr + pl->first_offset;
	return pl;

release:
	vb2_destroy_framevec(pl->frames);
free:
	kfree(pl);
	return ERR_PTR(ret);
}

static void vmem_put_userptr(void *mem_priv)
{
	struct vmem_plane *pl = mem_priv;
	unsigned int i, nr = frame_vector_count(pl->frames);
	struct page **pages = frame_vector_pages(pl->frames);

	vm_unmap_ram(pl->vaddr - pl->first_offset, nr);
	/* what the driver stored must reach the user's file or swap */
	if (pl->dir != DMA_TO_DEVICE)
		for (i = 0; i < nr; i++)
			set_page_dirty_lock(pages[i]);
	vb2_destroy_framevec(pl->frames);
	kfree(pl);
}

/* DMABUF import */

/*
 * The kernel mapping is all this allocator needs of the buffer.  The
 * attachment (when the queue has a device) tells the exporter who uses the
 * buffer, lets the core pin it while the buffer is prepared and brings
 * move notifications, which unmap the plane.  6.12 only vmaps, so an
 * exporter that refuses the attachment (memory no device of this kind can
 * reach) still gets its buffer imported, through the kernel mapping alone.
 * Such a plane gets no move notifications and no pin, exactly as every
 * vmalloc plane in 6.12: it relies on the exporter not moving what it has
 * vmapped.  The core maps and unmaps a plane with an attachment under the
 * reservation lock (see vb2_dmabuf_attach()), one without it unlocked.
 */
static void *vmem_attach_dmabuf(struct vb2_buffer *vb, struct device *dev,
				struct dma_buf *dbuf, unsigned long size)
{
	struct dma_buf_attachment *attach;
	struct vmem_plane *pl;

	if (dbuf->size < size)
		return ERR_PTR(-EFAULT);

	pl = vmem_new(vb, size, VMEM_DMABUF);
	if (!pl)
		return ERR_PTR(-ENOMEM);
	pl->dbuf = dbuf;

	if (dev) {
		attach = vb2_dmabuf_attach(vb, dev, dbuf);
		if (IS_ERR(attach))
			dev_dbg(dev, "dma-buf attach refused (%ld), vmap only\n",
				PTR_ERR(attach));
		else
			pl->attach = attach;
	}
	return pl;
}

/*
 * Like 6.12, an I/O memory mapping is accepted: on the CPUs where drivers
 * of this allocator run, the address works with ordinary accesses.
 */
static int vmem_map_dmabuf(void *mem_priv)
{
	struct vmem_plane *pl = mem_priv;

	if (WARN_ON(pl->vaddr))
		return 0;
	if (pl->attach ? dma_buf_vmap(pl->dbuf, &pl->dbuf_map) :
			 dma_buf_vmap_unlocked(pl->dbuf, &pl->dbuf_map))
		return -EFAULT;
	pl->vaddr = pl->dbuf_map.is_iomem ?
		(void __force *)pl->dbuf_map.vaddr_iomem : pl->dbuf_map.vaddr;
	return 0;
}

static void vmem_unmap_dmabuf(void *mem_priv)
{
	struct vmem_plane *pl = mem_priv;

	if (WARN_ON(!pl->vaddr))
		return;
	if (pl->attach)
		dma_buf_vunmap(pl->dbuf, &pl->dbuf_map);
	else
		dma_buf_vunmap_unlocked(pl->dbuf, &pl->dbuf_map);
	pl->vaddr = NULL;
}

static void vmem_detach_dmabuf(void *mem_priv)
{
	struct vmem_plane *pl = mem_priv;

	/* the core unmaps first; another caller may leave it to us */
	if (pl->vaddr && pl->attach) {
		dma_resv_lock(pl->dbuf->resv, NULL);
		vmem_unmap_dmabuf(pl);
		dma_resv_unlock(pl->dbuf->resv);
	} else if (pl->vaddr) {
		vmem_unmap_dmabuf(pl);
	}
	if (pl->attach)
		dma_buf_detach(pl->dbuf, pl->attach);
	kfree(pl);
}

/* DMABUF export of MMAP planes */

static struct vmem_plane *vmem_exported(struct dma_buf *dmabuf)
{
	struct dma_buf_pages *bp = dmabuf->priv;

	return container_of(bp, struct vmem_export, bp)->pl;
}

/*
 * The plane's kernel mapping against what goes on in memory: written back
 * before a device or another mapping reads, dropped before the CPU reads
 * what a device wrote.  Nothing to do unless the CPU's caches can alias.
 */
static void vmem_clean_own(struct vmem_plane *pl, size_t offset, size_t len)
{
	flush_kernel_vmap_range(pl->vaddr + offset, len);
}

static void vmem_inval_own(struct vmem_plane *pl, size_t offset, size_t len)
{
	invalidate_kernel_vmap_range(pl->vaddr + offset, len);
}

/* The vmalloc pages, listed once and kept until the plane is freed. */
static int vmem_list_pages(struct vmem_plane *pl)
{
	pgoff_t i, nr = PAGE_ALIGN(pl->bytes) >> PAGE_SHIFT;
	struct page **pages;

	if (READ_ONCE(pl->page_list))
		return 0;

	pages = kvmalloc_array(nr, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	for (i = 0; i < nr; i++)
		pages[i] = vmalloc_to_page(pl->vaddr + (i << PAGE_SHIFT));
	if (cmpxchg(&pl->page_list, NULL, pages))
		kvfree(pages);
	return 0;
}

static void vmem_exp_release(struct dma_buf *dmabuf)
{
	struct dma_buf_pages *bp = dmabuf->priv;
	struct vmem_export *exp = container_of(bp, struct vmem_export, bp);

	dma_buf_pages_fini(bp);
	vmem_put(exp->pl);
	kfree(exp);
}

/*
 * Mapping syncs the pages for the device and unmapping syncs them back
 * for the CPU (dma-buf-pages does that); the plane's own kernel mapping is
 * cleaned before and dropped after.
 */
static struct sg_table *vmem_exp_map(struct dma_buf_attachment *attach,
				     enum dma_data_direction dir)
{
	struct vmem_plane *pl = vmem_exported(attach->dmabuf);

	vmem_clean_own(pl, 0, pl->bytes);
	return dma_buf_pages_map(attach, dir);
}

static void vmem_exp_unmap(struct dma_buf_attachment *attach,
			   struct sg_table *sgt, enum dma_data_direction dir)
{
	struct vmem_plane *pl = vmem_exported(attach->dmabuf);

	dma_buf_pages_unmap(attach, sgt, dir);
	if (dir != DMA_TO_DEVICE)
		vmem_inval_own(pl, 0, pl->bytes);
}

/* Importers that keep their mapping bracket each device access. */
static int vmem_exp_begin_access(struct dma_buf_attachment *attach,
				 enum dma_data_direction dir)
{
	struct vmem_plane *pl = vmem_exported(attach->dmabuf);

	vmem_clean_own(pl, 0, pl->bytes);
	return dma_buf_pages_begin_access(attach, dir);
}

static int vmem_exp_end_access(struct dma_buf_attachment *attach,
			       enum dma_data_direction dir)
{
	struct vmem_plane *pl = vmem_exported(attach->dmabuf);
	int ret;

	ret = dma_buf_pages_end_access(attach, dir);
	if (dir != DMA_TO_DEVICE)
		vmem_inval_own(pl, 0, pl->bytes);
	return ret;
}

static int vmem_exp_begin_range(struct dma_buf *dmabuf,
				enum dma_data_direction dir,
				size_t offset, size_t len)
{
	int ret;

	ret = dma_buf_pages_begin_cpu_access_partial(dmabuf, dir, offset, len);
	vmem_inval_own(vmem_exported(dmabuf), offset, len);
	return ret;
}

static int vmem_exp_end_range(struct dma_buf *dmabuf,
			      enum dma_data_direction dir,
			      size_t offset, size_t len)
{
	/* a CPU that only read changed nothing */
	if (dir == DMA_FROM_DEVICE)
		return 0;
	vmem_clean_own(vmem_exported(dmabuf), offset, len);
	return dma_buf_pages_end_cpu_access_partial(dmabuf, dir, offset, len);
}

static int vmem_exp_begin_cpu(struct dma_buf *dmabuf,
			      enum dma_data_direction dir)
{
	return vmem_exp_begin_range(dmabuf, dir, 0, dmabuf->size);
}

static int vmem_exp_end_cpu(struct dma_buf *dmabuf,
			    enum dma_data_direction dir)
{
	return vmem_exp_end_range(dmabuf, dir, 0, dmabuf->size);
}

static int vmem_exp_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	return vmem_map_user(vmem_exported(dmabuf), vma);
}

/* The plane's own mapping; it lives as long as the plane. */
static int vmem_exp_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	iosys_map_set_vaddr(map, vmem_exported(dmabuf)->vaddr);
	return 0;
}

static const struct dma_buf_ops vmem_dmabuf_ops = {
	.attach = dma_buf_pages_attach,
	.detach = dma_buf_pages_detach,
	.map_dma_buf = vmem_exp_map,
	.unmap_dma_buf = vmem_exp_unmap,
	.begin_cpu_access = vmem_exp_begin_cpu,
	.end_cpu_access = vmem_exp_end_cpu,
	.begin_cpu_access_partial = vmem_exp_begin_range,
	.end_cpu_access_partial = vmem_exp_end_range,
	.begin_access = vmem_exp_begin_access,
	.end_access = vmem_exp_end_access,
	.mmap = vmem_exp_mmap,
	.vmap = vmem_exp_vmap,
	.release = vmem_exp_release,
};

static struct dma_buf *vmem_get_dmabuf(struct vb2_buffer *vb,
				       void *mem_priv, unsigned long flags)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct vmem_plane *pl = mem_priv;
	struct vmem_export *exp;
	struct dma_buf *dmabuf;
	int ret;

	if (pl->kind != VMEM_MMAP)
		return ERR_PTR(-EINVAL);

	ret = vmem_list_pages(pl);
	if (ret)
		return ERR_PTR(ret);

	exp = kzalloc(sizeof(*exp), GFP_KERNEL);
	if (!exp)
		return ERR_PTR(-ENOMEM);
	exp->pl = pl;

	info.ops = &vmem_dmabuf_ops;
	info.flags = flags;
	refcount_inc(&pl->users);
	dmabuf = dma_buf_pages_export(&exp->bp, pl->page_list,
				      PAGE_ALIGN(pl->bytes) >> PAGE_SHIFT,
				      &info);
	if (IS_ERR(dmabuf)) {
		vmem_put(pl);
		kfree(exp);
	}
	return dmabuf;
}

const struct vb2_mem_ops vb2_vmalloc_memops = {
	.alloc		= vmem_alloc,
	.put		= vmem_put,
	.get_dmabuf	= vmem_get_dmabuf,
	.get_userptr	= vmem_get_userptr,
	.put_userptr	= vmem_put_userptr,
	.attach_dmabuf	= vmem_attach_dmabuf,
	.detach_dmabuf	= vmem_detach_dmabuf,
	.map_dmabuf	= vmem_map_dmabuf,
	.unmap_dmabuf	= vmem_unmap_dmabuf,
	.vaddr		= vmem_vaddr,
	.mmap		= vmem_mmap,
	.num_users	= vmem_num_users,
};
EXPORT_SYMBOL_GPL(vb2_vmalloc_memops);

MODULE_DESCRIPTION("videobuf2 allocator for planes the CPU alone accesses");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
