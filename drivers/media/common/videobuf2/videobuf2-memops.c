// SPDX-License-Identifier: GPL-2.0-only
/*
 * videobuf2-memops: helpers shared by the videobuf2 allocators.
 *
 * See include/media/videobuf2-memops.h for the API.
 */

#include <linux/err.h>
#include <linux/export.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pfn.h>
#include <linux/refcount.h>

#include <media/frame_vector.h>
#include <media/videobuf2-memops.h>

struct frame_vector *vb2_create_framevec(unsigned long uaddr,
					 unsigned long size, bool write)
{
	unsigned long last = uaddr + size - 1;
	unsigned long count;
	struct frame_vector *fv;
	int err;

	/* an empty range, or one running past the end of the address space */
	if (!size || last < uaddr)
		return ERR_PTR(-EINVAL);
	count = PFN_DOWN(last) - PFN_DOWN(uaddr) + 1;
	if (count > UINT_MAX)
		return ERR_PTR(-EINVAL);

	fv = frame_vector_create(count);
	err = fv ? get_vaddr_frames(uaddr, count, write, fv) : -ENOMEM;
	if (err >= 0 && frame_vector_count(fv) == count)
		return fv;

	/* a partial pin is no use: part of the range is not plain memory */
	if (err >= 0) {
		put_vaddr_frames(fv);
		err = -EFAULT;
	}
	frame_vector_destroy(fv);
	return ERR_PTR(err);
}
EXPORT_SYMBOL(vb2_create_framevec);

void vb2_destroy_framevec(struct frame_vector *fv)
{
	put_vaddr_frames(fv);
	frame_vector_destroy(fv);
}
EXPORT_SYMBOL(vb2_destroy_framevec);

/* A new vma maps the plane (mmap, fork, split): one more user. */
static void vmops_open(struct vm_area_struct *vma)
{
	struct vb2_vmarea_handler *hdl = vma->vm_private_data;

	refcount_inc(hdl->refcount);
}

/* A vma mapping the plane is gone: one user fewer. */
static void vmops_close(struct vm_area_struct *vma)
{
	struct vb2_vmarea_handler *hdl = vma->vm_private_data;

	hdl->put(hdl->arg);
}

const struct vm_operations_struct vb2_common_vm_ops = {
	.open = vmops_open,
	.close = vmops_close,
};
EXPORT_SYMBOL_GPL(vb2_common_vm_ops);

MODULE_DESCRIPTION("videobuf2 helpers shared by the allocators");
MODULE_LICENSE("GPL");
