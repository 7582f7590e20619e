// SPDX-License-Identifier: GPL-2.0-only
/*
 * Frame vectors: pinning the pages of a user address range for a device.
 *
 * Linked into videobuf2-common; the API is documented in
 * include/media/frame_vector.h.  Pages are pinned with FOLL_LONGTERM, which
 * keeps them out of movable zones and CMA and refuses file-backed memory the
 * filesystem may want to write back (see pin_user_pages()).  Mappings
 * without struct pages (VM_IO, VM_PFNMAP) cannot be pinned, so a vector
 * filled here always holds pages; the page frame number form exists for
 * callers that want to compare frames, and converts back losslessly.
 */

#include <linux/err.h>
#include <linux/export.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <media/frame_vector.h>

/* Far more frames than any plane has; keeps the array size an int. */
#define FVEC_MAX_FRAMES	((INT_MAX - sizeof(struct frame_vector)) / sizeof(void *))

/* No frames, no pin: the state of a new vector and of a released one. */
static void fvec_reset(struct frame_vector *fv)
{
	fv->nr_frames = 0;
	fv->got_ref = false;
	fv->is_pfns = false;
}

struct frame_vector *frame_vector_create(unsigned int nr_frames)
{
	struct frame_vector *fv;

	if (WARN_ON_ONCE(!nr_frames) || nr_frames > FVEC_MAX_FRAMES)
		return NULL;

	/* a large vector need not be physically contiguous */
	fv = kvmalloc(struct_size(fv, ptrs, nr_frames), GFP_KERNEL);
	if (fv) {
		fv->nr_allocated = nr_frames;
		fvec_reset(fv);
	}
	return fv;
}
EXPORT_SYMBOL(frame_vector_create);

void frame_vector_destroy(struct frame_vector *fv)
{
	if (!fv)
		return;
	/* a vector still holding pins would leak them */
	WARN_ON_ONCE(fv->got_ref && fv->nr_frames);
	kvfree(fv);
}
EXPORT_SYMBOL(frame_vector_destroy);

int get_vaddr_frames(unsigned long start, unsigned int nr_pfns,
		     bool write, struct frame_vector *fv)
{
	int pinned;

	fvec_reset(fv);
	if (!nr_pfns)
		return 0;
	if (WARN_ON_ONCE(nr_pfns > fv->nr_allocated))
		nr_pfns = fv->nr_allocated;

	/* writable pins only when the caller's device will write */
	pinned = pin_user_pages_fast(untagged_addr(start) & PAGE_MASK,
				     nr_pfns,
				     FOLL_LONGTERM | (write ? FOLL_WRITE : 0),
				     (struct page **)fv->ptrs);
	if (pinned <= 0)
		return pinned ? pinned : -EFAULT;

	fv->nr_frames = pinned;
	fv->got_ref = true;
	return pinned;
}
EXPORT_SYMBOL(get_vaddr_frames);

void put_vaddr_frames(struct frame_vector *fv)
{
	struct page **list;

	if (fv->got_ref && fv->nr_frames) {
		list = frame_vector_pages(fv);
		/* a pinned frame always has a page, so this cannot fail */
		if (!WARN_ON(IS_ERR(list)))
			unpin_user_pages(list, fv->nr_frames);
	}
	fvec_reset(fv);
}
EXPORT_SYMBOL(put_vaddr_frames);

/*
 * Both forms share the storage of &frame_vector.ptrs: a page pointer and
 * a page frame number have the same size.
 */
static_assert(sizeof(unsigned long) == sizeof(struct page *));

int frame_vector_to_pages(struct frame_vector *fv)
{
	unsigned long *pfn = (unsigned long *)fv->ptrs;
	struct page **pg = (struct page **)fv->ptrs;
	unsigned int n = fv->nr_frames, k;

	if (!fv->is_pfns)
		return 0;

	/* check them all before converting any, so failure changes nothing */
	for (k = 0; k < n; k++)
		if (!pfn_valid(pfn[k]))
			return -EINVAL;
	for (k = 0; k < n; k++)
		pg[k] = pfn_to_page(pfn[k]);
	fv->is_pfns = false;
	return 0;
}
EXPORT_SYMBOL(frame_vector_to_pages);

void frame_vector_to_pfns(struct frame_vector *fv)
{
	unsigned long *pfn = (unsigned long *)fv->ptrs;
	struct page **pg = (struct page **)fv->ptrs;
	unsigned int n = fv->nr_frames, k;

	if (fv->is_pfns)
		return;
	for (k = 0; k < n; k++)
		pfn[k] = page_to_pfn(pg[k]);
	fv->is_pfns = true;
}
EXPORT_SYMBOL(frame_vector_to_pfns);
