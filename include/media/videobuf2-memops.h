/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * videobuf2-memops: what the videobuf2 allocators share.
 *
 * - Userspace mappings of a plane hold a reference on it, so that the
 *   memory stays while any mapping of it exists, even after the queue has
 *   freed its buffers: &struct vb2_vmarea_handler with &vb2_common_vm_ops.
 * - USERPTR planes pin the user's pages into a &struct frame_vector:
 *   vb2_create_framevec() and vb2_destroy_framevec().
 */

#ifndef _MEDIA_VIDEOBUF2_MEMOPS_H
#define _MEDIA_VIDEOBUF2_MEMOPS_H

#include <media/videobuf2-v4l2.h>
#include <linux/mm.h>
#include <linux/refcount.h>

/**
 * struct vb2_vmarea_handler - ties the userspace mappings of a plane to
 *	the plane's reference count
 * @refcount: the plane's reference count; every vma mapping the plane
 *	holds one reference.
 * @put: drops one reference; frees the plane when it was the last one.
 * @arg: passed to @put, usually the allocator's plane.
 *
 * An allocator's mmap op points &vm_area_struct.vm_private_data at the
 * handler, sets &vm_area_struct.vm_ops to &vb2_common_vm_ops and calls its
 * open op once for the new vma.
 */
struct vb2_vmarea_handler {
	refcount_t		*refcount;
	void			(*put)(void *arg);
	void			*arg;
};

/*
 * vb2_common_vm_ops - vma operations for plane mappings: open (a new vma,
 * or a copy made by fork or a split) takes a reference through the
 * &struct vb2_vmarea_handler in vm_private_data, close drops it.
 */
extern const struct vm_operations_struct vb2_common_vm_ops;

/**
 * vb2_create_framevec() - pin the pages of a USERPTR plane
 * @uaddr: user address of the plane; need not be page aligned.
 * @size: size of the plane in bytes; not zero.
 * @write: the device or the driver will write to the memory (see
 *	get_vaddr_frames()).
 *
 * Pins every page the range [@uaddr, @uaddr + @size) touches, with
 * get_vaddr_frames().  Only a complete pin is accepted.
 *
 * Return: a vector with one entry per page (the first one holding @uaddr),
 * or ERR_PTR(-EINVAL) for an empty or wrapping range, ERR_PTR(-ENOMEM), or
 * the error of get_vaddr_frames(); -EFAULT when only part of the range
 * could be pinned.  Release it with vb2_destroy_framevec().
 */
struct frame_vector *vb2_create_framevec(unsigned long uaddr,
					 unsigned long size, bool write);

/**
 * vb2_destroy_framevec() - unpin and free a vector from vb2_create_framevec()
 * @fv: the vector.
 *
 * Dirtying the pages the device wrote to is the caller's job, before this.
 */
void vb2_destroy_framevec(struct frame_vector *fv);

#endif /* _MEDIA_VIDEOBUF2_MEMOPS_H */
