/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Frame vectors: the pages behind a range of user memory, pinned for as long
 * as a driver uses them (videobuf2's USERPTR planes).  The code lives in
 * drivers/media/common/videobuf2/frame_vector.c, part of videobuf2-common.
 *
 * Typical use:
 *
 *	fv = frame_vector_create(nr);
 *	n = get_vaddr_frames(start, nr, write, fv);	(n <= nr get pinned)
 *	pages = frame_vector_pages(fv);
 *	...
 *	put_vaddr_frames(fv);				(unpinned again)
 *	frame_vector_destroy(fv);
 */
#ifndef _MEDIA_FRAME_VECTOR_H
#define _MEDIA_FRAME_VECTOR_H

#include <linux/err.h>
#include <linux/types.h>

struct page;

/**
 * struct frame_vector - a list of pinned frames
 * @nr_allocated: capacity of @ptrs, fixed at frame_vector_create().
 * @nr_frames: entries of @ptrs in use.
 * @got_ref: the frames hold a pin that put_vaddr_frames() must drop.
 * @is_pfns: @ptrs holds page frame numbers (unsigned long) instead of
 *	&struct page pointers; the two forms are converted in place by
 *	frame_vector_to_pfns() and frame_vector_to_pages().
 * @ptrs: the frames.  Read them through frame_vector_pages() or
 *	frame_vector_pfns(), which convert as needed.
 */
struct frame_vector {
	unsigned int nr_allocated;
	unsigned int nr_frames;
	bool got_ref;
	bool is_pfns;
	void *ptrs[];
};

/**
 * frame_vector_create() - allocate an empty frame vector
 * @nr_frames: how many frames it must be able to hold; not zero.
 *
 * Return: the vector, or NULL when @nr_frames is zero or absurdly large, or
 * memory is short.  Free it with frame_vector_destroy().
 */
struct frame_vector *frame_vector_create(unsigned int nr_frames);

/**
 * frame_vector_destroy() - free a frame vector
 * @fv: the vector; its frames must have been released with
 *	put_vaddr_frames() first.
 */
void frame_vector_destroy(struct frame_vector *fv);

/**
 * get_vaddr_frames() - pin the pages of a user address range
 * @start: user address of the first page; the offset into it is ignored.
 * @nr_pfns: number of pages to pin, at most &frame_vector.nr_allocated of
 *	@fv.
 * @write: the caller (or its device) will write to the pages; they are
 *	then pinned writable, so read-only memory is refused.
 * @fv: an empty vector that receives the pages.
 *
 * The pages are pinned long-term (FOLL_LONGTERM) in the current process's
 * address space, so they stay put while a device uses them.  Only memory
 * backed by ordinary pages can be pinned: VM_IO and VM_PFNMAP mappings are
 * refused.  The pin may cover fewer pages than asked for, for instance when
 * the range runs into such a mapping or an unmapped hole.
 *
 * Return: the number of pages pinned (at least one), or a negative errno
 * (-EFAULT when not even the first page could be pinned).  Nothing is
 * pinned on error.
 */
int get_vaddr_frames(unsigned long start, unsigned int nr_pfns,
		     bool write, struct frame_vector *fv);

/**
 * put_vaddr_frames() - unpin the pages of a frame vector
 * @fv: the vector; empty afterwards, ready to be reused or destroyed.
 *
 * Marking the pages dirty, if the device wrote to them, is up to the
 * caller and must come first.
 */
void put_vaddr_frames(struct frame_vector *fv);

/**
 * frame_vector_to_pages() - turn the frames into &struct page pointers
 * @fv: the vector.
 *
 * Return: 0, or -EINVAL when some frame has no &struct page (the vector is
 * left holding page frame numbers then).
 */
int frame_vector_to_pages(struct frame_vector *fv);

/**
 * frame_vector_to_pfns() - turn the frames into page frame numbers
 * @fv: the vector.
 */
void frame_vector_to_pfns(struct frame_vector *fv);

/**
 * frame_vector_count() - frames held by a vector
 * @fv: the vector.
 *
 * Return: &frame_vector.nr_frames.
 */
static inline unsigned int frame_vector_count(struct frame_vector *fv)
{
	return fv->nr_frames;
}

/**
 * frame_vector_pages() - the frames as pages
 * @fv: the vector; converted first if it holds page frame numbers.
 *
 * Return: the array of &struct page pointers, or an ERR_PTR when some frame
 * has no &struct page.
 */
static inline struct page **frame_vector_pages(struct frame_vector *fv)
{
	int ret = fv->is_pfns ? frame_vector_to_pages(fv) : 0;

	return ret ? ERR_PTR(ret) : (struct page **)fv->ptrs;
}

/**
 * frame_vector_pfns() - the frames as page frame numbers
 * @fv: the vector; converted first if it holds pages.
 *
 * Return: the array of page frame numbers.
 */
static inline unsigned long *frame_vector_pfns(struct frame_vector *fv)
{
	if (!fv->is_pfns)
		frame_vector_to_pfns(fv);
	return (unsigned long *)fv->ptrs;
}

#endif /* _MEDIA_FRAME_VECTOR_H */
