// SPDX-License-Identifier: GPL-2.0-only
/*
 * videobuf2-core: the queue at the heart of videobuf2.
 *
 * A queue owns up to &vb2_queue.max_num_buffers buffers that travel between
 * userspace, the queue and the driver.  Front ends (videobuf2-v4l2, the DVB
 * core) turn their ioctls into the vb2_core_*() calls of this file; drivers
 * see buffers through &struct vb2_ops and hand them back with
 * vb2_buffer_done().
 *
 * A buffer's trip, in &enum vb2_buffer_state terms:
 *
 *	DEQUEUED --QBUF with a request--> IN_REQUEST --request queued--.
 *	DEQUEUED --QBUF--> (PREPARING) --> QUEUED <--------------------'
 *	QUEUED --handed to the driver once streaming--> ACTIVE
 *	ACTIVE --vb2_buffer_done()--> DONE or ERROR, on the done list
 *	DONE/ERROR --DQBUF--> DEQUEUED
 *
 * and STREAMOFF (or freeing the buffers) brings every buffer back to
 * DEQUEUED.  A buffer is "prepared" (&vb2_buffer.prepared) from a successful
 * buf_prepare until buf_finish, and "synced" (&vb2_buffer.synced) from the
 * ->prepare memop until the ->finish memop.
 *
 * Locking
 *
 * - Callers serialise the vb2_core_*() calls on one queue, normally with
 *   &vb2_queue.lock (the V4L2 ioctl core takes it), else with a lock of
 *   their own.  Everything not named below belongs to that serialisation.
 *   The request object ops take &vb2_queue.lock themselves.  A blocking
 *   DQBUF drops it (->wait_prepare, or &vb2_queue.lock itself) while it
 *   sleeps.
 * - &vb2_queue.mmap_lock protects the buffer array and the MMAP planes
 *   from vb2_mmap() and vb2_get_unmapped_area(), which run without the
 *   queue's serialisation, under the process's mmap lock.  Buffers are
 *   published, unpublished and freed under it.  Order: the mm's mmap lock,
 *   then &vb2_queue.mmap_lock, then dma-buf reservation locks (taken by
 *   the allocators).  Allocator calls that pin user pages (->get_userptr)
 *   are never made under it.
 * - &vb2_queue.done_lock, an interrupt-safe spinlock, protects the done
 *   list and the way out of ACTIVE, which vb2_buffer_done() takes from
 *   any context.
 * - A dma-buf's reservation lock is taken after the queue's serialisation
 *   (and after mmap_lock, when buffers are freed) to pin, map and unmap
 *   the queue's attachments of it; the exporter calls move_notify with it
 *   held, and move_notify takes no lock of the queue.
 */

#define pr_fmt(fmt) "videobuf2: " fmt

#include <linux/bitmap.h>
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/videodev2.h>
#include <linux/wait.h>

#include <media/media-request.h>
#include <media/videobuf2-core.h>

#include <trace/events/vb2.h>

#include "vb2-internal.h"

static int debug;
module_param(debug, int, 0644);
MODULE_PARM_DESC(debug, "how chatty the vb2 queue core is, 0 (silent) to 4");

#define qdbg(vq, level, fmt, ...)					\
	do {								\
		if (debug >= (level))					\
			pr_info("%s: %s: " fmt, (vq)->name, __func__,	\
				##__VA_ARGS__);				\
	} while (0)

/*
 * With CONFIG_VIDEO_ADV_DEBUG the queue and its buffers count the driver
 * and allocator calls (the cnt_* fields), so that unbalanced pairs can be
 * reported when buffers are freed.
 */
#ifdef CONFIG_VIDEO_ADV_DEBUG
#define tally(obj, what)	((obj)->cnt_##what++)
#else
/* nothing is counted; @what only names the counter */
#define tally(obj, what)	((void)(obj), (void)#what)
#endif

static const char *state_str(enum vb2_buffer_state state)
{
	static const char * const words[] = {
		[VB2_BUF_STATE_DEQUEUED]	= "with userspace",
		[VB2_BUF_STATE_IN_REQUEST]	= "in a request",
		[VB2_BUF_STATE_PREPARING]	= "being prepared",
		[VB2_BUF_STATE_QUEUED]		= "waiting in the queue",
		[VB2_BUF_STATE_ACTIVE]		= "with the driver",
		[VB2_BUF_STATE_DONE]		= "completed",
		[VB2_BUF_STATE_ERROR]		= "failed",
	};

	if ((unsigned int)state < ARRAY_SIZE(words))
		return words[state];
	return "bogus";
}

/*
 * Driver callbacks.  Optional ones that are missing succeed.  These and the
 * other small helpers of the per-frame path are forced inline: the kernel
 * is often built for size, where each of them would be a call of its own
 * on every QBUF and DQBUF.
 */

static int drv_queue_setup(struct vb2_queue *vq, unsigned int *nbufs,
			   unsigned int *nplanes, unsigned int sizes[])
{
	int err;

	err = vq->ops->queue_setup(vq, nbufs, nplanes, sizes, vq->alloc_devs);

	if (!err)
		tally(vq, queue_setup);
	return err;
}

static __always_inline int drv_buf_out_validate(struct vb2_buffer *vb)
{
	const struct vb2_ops *ops = vb->vb2_queue->ops;
	int err = ops->buf_out_validate ? ops->buf_out_validate(vb) : 0;

	if (!err)
		tally(vb, buf_out_validate);
	return err;
}

static __always_inline int drv_buf_init(struct vb2_buffer *vb)
{
	const struct vb2_ops *ops = vb->vb2_queue->ops;
	int err = ops->buf_init ? ops->buf_init(vb) : 0;

	if (!err)
		tally(vb, buf_init);
	return err;
}

static __always_inline int drv_buf_prepare(struct vb2_buffer *vb)
{
	const struct vb2_ops *ops = vb->vb2_queue->ops;
	int err = ops->buf_prepare ? ops->buf_prepare(vb) : 0;

	if (!err)
		tally(vb, buf_prepare);
	return err;
}

static __always_inline void drv_buf_finish(struct vb2_buffer *vb)
{
	const struct vb2_ops *ops = vb->vb2_queue->ops;

	if (ops->buf_finish)
		ops->buf_finish(vb);
	tally(vb, buf_finish);
}

static __always_inline void drv_buf_cleanup(struct vb2_buffer *vb)
{
	const struct vb2_ops *ops = vb->vb2_queue->ops;

	if (ops->buf_cleanup)
		ops->buf_cleanup(vb);
	tally(vb, buf_cleanup);
}

static __always_inline void drv_buf_request_complete(struct vb2_buffer *vb)
{
	const struct vb2_ops *ops = vb->vb2_queue->ops;

	if (ops->buf_request_complete)
		ops->buf_request_complete(vb);
	tally(vb, buf_request_complete);
}

static void drv_unprepare_streaming(struct vb2_queue *vq)
{
	if (vq->ops->unprepare_streaming)
		vq->ops->unprepare_streaming(vq);
	tally(vq, unprepare_streaming);
}

/* Front-end (V4L2, DVB) hooks.  Missing ones do nothing and succeed. */

static __always_inline void fe_init_buffer(struct vb2_buffer *vb)
{
	const struct vb2_buf_ops *bops = vb->vb2_queue->buf_ops;

	if (bops && bops->init_buffer)
		bops->init_buffer(vb);
}

static __always_inline void fe_fill_user(struct vb2_buffer *vb, void *pb)
{
	const struct vb2_buf_ops *bops = vb->vb2_queue->buf_ops;

	if (pb && bops && bops->fill_user_buffer)
		bops->fill_user_buffer(vb, pb);
}

static __always_inline void fe_copy_timestamp(struct vb2_buffer *vb,
					      const void *pb)
{
	const struct vb2_buf_ops *bops = vb->vb2_queue->buf_ops;

	if (pb && bops && bops->copy_timestamp)
		bops->copy_timestamp(vb, pb);
}

static __always_inline int fe_fill_planes(struct vb2_buffer *vb,
					  struct vb2_plane *planes)
{
	const struct vb2_buf_ops *bops = vb->vb2_queue->buf_ops;

	if (bops && bops->fill_vb2_buffer)
		return bops->fill_vb2_buffer(vb, planes);
	return 0;
}

static __always_inline int fe_check_planes(struct vb2_buffer *vb,
					   const void *pb)
{
	const struct vb2_buf_ops *bops = vb->vb2_queue->buf_ops;

	if (pb && bops && bops->verify_planes_array)
		return bops->verify_planes_array(vb, pb);
	return 0;
}

static struct device *plane_dev(struct vb2_queue *vq, unsigned int plane)
{
	return vq->alloc_devs[plane] ? : vq->dev;
}

/*
 * MMAP cookies.  QUERYBUF reports, per plane, an offset that userspace hands
 * back to mmap().  It encodes where the plane is:
 *
 *	bits 30 and up		always 0 (mem2mem drivers use bit 30 to
 *				tell their two queues apart)
 *	bits 29..S		buffer index (S = PAGE_SHIFT + 3 plane bits)
 *	bits S-1..PAGE_SHIFT	plane number
 *	low bits		0: offsets of mmap() are page aligned
 *
 * so a queue holds at most COOKIE_MAX_BUFFERS buffers (32768 with 4 KiB
 * pages).
 */
#define COOKIE_PLANE_BITS	3
#define COOKIE_INDEX_SHIFT	(PAGE_SHIFT + COOKIE_PLANE_BITS)
#define COOKIE_MAX_BUFFERS	(1U << (30 - COOKIE_INDEX_SHIFT))

static unsigned int cookie_of(unsigned int index, unsigned int plane)
{
	BUILD_BUG_ON(VB2_MAX_PLANES > (1 << COOKIE_PLANE_BITS));

	return (index << COOKIE_INDEX_SHIFT) | (plane << PAGE_SHIFT);
}

/*
 * The MMAP plane that @offset names, for mmap() and get_unmapped_area().
 * Call with mmap_lock held.
 */
static int q_plane_at(struct vb2_queue *vq, unsigned long offset,
		      struct vb2_buffer **vbp, unsigned int *planep)
{
	struct vb2_buffer *vb;
	unsigned int plane;

	if (vq->memory != VB2_MEMORY_MMAP) {
		qdbg(vq, 1, "the queue has no MMAP buffers\n");
		return -EINVAL;
	}
	if (vb2_fileio_is_active(vq)) {
		qdbg(vq, 1, "buffers belong to read()/write() emulation\n");
		return -EBUSY;
	}

	vb = vb2_get_buffer(vq, offset >> COOKIE_INDEX_SHIFT);
	plane = (offset >> PAGE_SHIFT) & ((1U << COOKIE_PLANE_BITS) - 1);
	if (!vb || plane >= vb->num_planes ||
	    vb->planes[plane].m.offset != offset) {
		qdbg(vq, 1, "no plane at offset 0x%lx\n", offset);
		return -EINVAL;
	}
	*vbp = vb;
	*planep = plane;
	return 0;
}

/*
 * The buffer array.  &vb2_queue.bufs and &vb2_queue.bufs_bitmap are
 * allocated together when buffers are first wanted, and freed when the
 * queue is released.  Changes happen under mmap_lock.
 */

static int q_storage_get(struct vb2_queue *vq)
{
	struct vb2_buffer **bufs;
	unsigned long *used;

	if (vq->bufs)
		return 0;

	bufs = kcalloc(vq->max_num_buffers, sizeof(*bufs), GFP_KERNEL);
	used = bitmap_zalloc(vq->max_num_buffers, GFP_KERNEL);
	if (!bufs || !used) {
		kfree(bufs);
		bitmap_free(used);
		return -ENOMEM;
	}
	vq->bufs_bitmap = used;
	vq->bufs = bufs;
	return 0;
}

static void q_storage_put(struct vb2_queue *vq)
{
	kfree(vq->bufs);
	vq->bufs = NULL;
	bitmap_free(vq->bufs_bitmap);
	vq->bufs_bitmap = NULL;
}

/* The first index in use at or after @from; max_num_buffers if none. */
static unsigned int q_next_used(struct vb2_queue *vq, unsigned int from)
{
	if (!vq->bufs_bitmap || from >= vq->max_num_buffers)
		return vq->max_num_buffers;
	return find_next_bit(vq->bufs_bitmap, vq->max_num_buffers, from);
}

/*
 * Where @want new buffers can go: the first run of free indices that long,
 * else the longest shorter run.  Returns the run's start, its usable length
 * in @len.
 */
static unsigned int q_free_run(struct vb2_queue *vq, unsigned int want,
			       unsigned int *len)
{
	unsigned int max = vq->max_num_buffers;
	unsigned int pos = 0, best = 0, best_len = 0;

	while (pos < max) {
		unsigned int start, end;

		start = find_next_zero_bit(vq->bufs_bitmap, max, pos);
		if (start >= max)
			break;
		end = find_next_bit(vq->bufs_bitmap, max, start);
		if (end - start >= want) {
			*len = want;
			return start;
		}
		if (end - start > best_len) {
			best = start;
			best_len = end - start;
		}
		pos = end;
	}
	*len = best_len;
	return best;
}

/*
 * Cache-sync hints hold for one trip of a buffer.  Whenever it is back with
 * userspace, the queue's defaults apply again; the front end adds the hints
 * of the next QBUF or PREPARE_BUF.  The one default skip: when the device
 * only reads, ->finish has nothing to bring back to the CPU.
 */
static __always_inline void buf_default_hints(struct vb2_buffer *vb)
{
	vb->skip_cache_sync_on_prepare = 0;
	vb->skip_cache_sync_on_finish =
		vb->vb2_queue->dma_dir == DMA_TO_DEVICE;
}

/* Cache maintenance before the device gets the buffer (->prepare memop). */
static __always_inline void buf_sync_for_device(struct vb2_buffer *vb)
{
	const struct vb2_mem_ops *mops = vb->vb2_queue->mem_ops;
	unsigned int p;

	if (vb->synced)
		return;
	for (p = 0; p < vb->num_planes; p++) {
		if (mops->prepare && !vb->skip_cache_sync_on_prepare)
			mops->prepare(vb->planes[p].mem_priv);
		tally(vb, mem_prepare);
	}
	vb->synced = 1;
}

/*
 * Cache maintenance once the device is done (->finish memop).  Runs from
 * vb2_buffer_done() too, so in any context.  A device that only reads
 * leaves nothing to bring back, whatever the hints say.
 */
static __always_inline void buf_sync_for_cpu(struct vb2_buffer *vb)
{
	const struct vb2_mem_ops *mops = vb->vb2_queue->mem_ops;
	bool skip = vb->skip_cache_sync_on_finish ||
		    vb->vb2_queue->dma_dir == DMA_TO_DEVICE;
	unsigned int p;

	if (!vb->synced)
		return;
	for (p = 0; p < vb->num_planes; p++) {
		if (mops->finish && !skip)
			mops->finish(vb->planes[p].mem_priv);
		tally(vb, mem_finish);
	}
	vb->synced = 0;
}

/* MMAP planes */

static void mmap_free_planes(struct vb2_buffer *vb)
{
	unsigned int p;

	for (p = 0; p < vb->num_planes; p++) {
		if (!vb->planes[p].mem_priv)
			continue;
		vb->vb2_queue->mem_ops->put(vb->planes[p].mem_priv);
		tally(vb, mem_put);
		vb->planes[p].mem_priv = NULL;
	}
}

static int mmap_alloc_planes(struct vb2_buffer *vb)
{
	struct vb2_queue *vq = vb->vb2_queue;
	unsigned int p;

	for (p = 0; p < vb->num_planes; p++) {
		unsigned long bytes = PAGE_ALIGN(vb->planes[p].length);
		void *priv;

		/* allocators want whole pages; mind 32-bit wrap-around */
		if (bytes < vb->planes[p].length)
			goto fail_nomem;
		priv = vq->mem_ops->alloc(vb, plane_dev(vq, p), bytes);
		if (IS_ERR_OR_NULL(priv)) {
			mmap_free_planes(vb);
			return priv ? PTR_ERR(priv) : -ENOMEM;
		}
		tally(vb, mem_alloc);
		vb->planes[p].mem_priv = priv;
		vb->planes[p].m.offset = cookie_of(vb->index, p);
	}
	return 0;

fail_nomem:
	mmap_free_planes(vb);
	return -ENOMEM;
}

static int buf_prepare_mmap(struct vb2_buffer *vb)
{
	int err = fe_fill_planes(vb, vb->planes);

	return err ? err : drv_buf_prepare(vb);
}

/* USERPTR planes */

static void userptr_release(struct vb2_buffer *vb, unsigned int p)
{
	struct vb2_plane *pl = &vb->planes[p];

	if (pl->mem_priv) {
		vb->vb2_queue->mem_ops->put_userptr(pl->mem_priv);
		tally(vb, mem_put_userptr);
	}
	pl->mem_priv = NULL;
	pl->m.userptr = 0;
	pl->length = 0;
	pl->bytesused = 0;
	pl->data_offset = 0;
}

/*
 * Pin the user memory of every plane whose address or length changed since
 * the last QBUF; planes that did not change keep their pinned pages.
 *
 * The driver's per-buffer state follows the planes: buf_init has run iff
 * planes[0].mem_priv is set, so buf_cleanup precedes the release of the
 * first changed plane and buf_init follows the pinning of the last one.
 * On failure every plane is released.
 */
static int buf_prepare_userptr(struct vb2_buffer *vb)
{
	struct vb2_queue *vq = vb->vb2_queue;
	struct vb2_plane in[VB2_MAX_PLANES];
	bool inited = vb->planes[0].mem_priv;
	unsigned int p;
	int err;

	memset(in, 0, sizeof(in));
	err = fe_fill_planes(vb, in);
	if (err)
		return err;

	for (p = 0; p < vb->num_planes; p++) {
		if (in[p].length < vb->planes[p].min_length) {
			qdbg(vq, 1, "plane %u: %u bytes given, %u needed\n",
			     p, in[p].length, vb->planes[p].min_length);
			return -EINVAL;
		}
	}

	for (p = 0; p < vb->num_planes; p++) {
		struct vb2_plane *pl = &vb->planes[p];
		void *priv;

		if (pl->mem_priv && pl->m.userptr == in[p].m.userptr &&
		    pl->length == in[p].length)
			continue;

		qdbg(vq, 3, "plane %u: pinning new user memory\n", p);
		if (inited) {
			vb->copied_timestamp = 0;
			drv_buf_cleanup(vb);
			inited = false;
		}
		userptr_release(vb, p);

		priv = vq->mem_ops->get_userptr(vb, plane_dev(vq, p),
						in[p].m.userptr, in[p].length);
		if (IS_ERR_OR_NULL(priv)) {
			err = priv ? PTR_ERR(priv) : -EINVAL;
			qdbg(vq, 1, "plane %u: cannot use the user memory (%d)\n",
			     p, err);
			goto fail;
		}
		tally(vb, mem_get_userptr);
		pl->mem_priv = priv;
		pl->m.userptr = in[p].m.userptr;
		pl->length = in[p].length;
	}

	for (p = 0; p < vb->num_planes; p++) {
		vb->planes[p].bytesused = in[p].bytesused;
		vb->planes[p].data_offset = in[p].data_offset;
	}

	if (!inited) {
		err = drv_buf_init(vb);
		if (err) {
			qdbg(vq, 1, "driver refused the new memory (%d)\n",
			     err);
			goto fail;
		}
		inited = true;
	}

	err = drv_buf_prepare(vb);
	if (!err)
		return 0;
	qdbg(vq, 1, "driver could not prepare the buffer (%d)\n", err);

fail:
	if (inited)
		drv_buf_cleanup(vb);
	for (p = 0; p < vb->num_planes; p++)
		userptr_release(vb, p);
	return err;
}

/*
 * DMABUF planes: map once, stream forever.
 *
 * Every dma-buf that userspace queues is attached (->attach_dmabuf) and
 * mapped (->map_dmabuf) once and then kept in a per-queue cache, so that it
 * costs nothing the next times it comes back, whatever buffer index it comes
 * back at.  An entry of the cache is bound to at most one plane of one
 * buffer; the others are idle.  QBUF of a plane:
 *
 * 1. takes the dma-buf of the fd and checks the length against it;
 * 2. keeps the plane's entry if it holds the same dma-buf, same length;
 * 3. else leaves the old entry idle (attached and mapped) and binds an idle
 *    entry of the same dma-buf, device and length, or one still bound to a
 *    buffer that userspace holds (dequeued and not prepared; that buffer
 *    gives up its planes), or attaches a new one;
 * 4. drops the idle entries nobody but the queue holds (see "What stays"
 *    below), and the least recently used ones beyond VB2_DMABUF_MAX_IDLE;
 * 5. pins the entry if its exporter may move buffers, and maps it if it is
 *    not mapped (a move unmaps it, see below).
 *
 * What stays.  The cache holds what userspace keeps alive, not a multiple
 * of the queue's shape: a buffer pool of any size that rotates over any
 * number of indices streams without an attach, map, unmap or detach per
 * frame.  The rule, applied to idle entries at every QBUF and PREPARE_BUF
 * of a DMABUF buffer:
 *
 * - an idle entry stays while its dma-buf has a holder besides this queue
 *   (an fd, a mapping of it, another importer's reference): userspace can
 *   queue it again;
 * - it is dropped as soon as the queue's own references (one per entry of
 *   that dma-buf, counted in @shares) are all the dma-buf's file has left,
 *   since then nobody can ever queue it again.  A dma-buf whose fd was
 *   closed therefore goes at the QBUF that replaces it in its buffer, as
 *   in 6.12, or at the next QBUF after the close if it was already idle;
 * - beyond VB2_DMABUF_MAX_IDLE idle entries the least recently used go,
 *   because mappings and IOVA space are finite.
 *
 * Entries bound to a plane stay, as 6.12 keeps a buffer's dma-buf until
 * the buffer gets another one.  Known limit: two queues that both hold an
 * idle entry of a dma-buf userspace has let go each see the other's
 * reference; such entries go by the cap, at REQBUFS(0) or at close.
 *
 * DQBUF leaves the entries alone.  Freeing a buffer drops its entries;
 * freeing all of them, or releasing the queue, drops every entry.  Dropping
 * is unmap (if mapped), detach, dma_buf_put, once per entry: an entry is
 * taken off the list before it is torn down.
 *
 * Moves.  Allocators attach through vb2_dmabuf_attach(), as dynamic
 * importers.  The device's use of a buffer has to be visible to an exporter
 * that moves memory, and the core makes it visible by pinning: each entry
 * of a buffer that is prepared, queued, with the driver or done holds a pin
 * (dma_buf_pin()) from its QBUF or PREPARE_BUF until the buffer is back
 * with userspace (DQBUF, cancel, unprepare) or freed.  An exporter does
 * not move a pinned buffer, so whatever the device may touch stays in
 * place, however long the device keeps it.  Entries with userspace or idle
 * are not pinned and may move; their move_notify, which runs under the
 * reservation lock, unmaps the entry there and then, before the exporter
 * can release the old pages, and returns without waiting for anything.
 * The next QBUF that uses the entry maps it again (with buf_cleanup and
 * buf_init around the change).  Exporters that never move (no pin op) get
 * no pin, so the steady state costs them nothing.
 *
 * Why a pin and not a fence in the reservation object signalled at
 * vb2_buffer_done(): the device may hold a buffer without bound (a capture
 * source that produces no frame), and many drivers complete buffers under
 * the queue's lock, which QBUF holds while it waits for the reservation
 * lock; a fence that depends on that lock, waited for under the
 * reservation lock, deadlocks.  A pin takes the reservation lock only
 * briefly, in process context, from QBUF and DQBUF.  The price: a buffer
 * queued to the device cannot be evicted, as with every static importer
 * in 6.12, which pins for the whole life of the attachment.
 *
 * Entries made through vb2_dmabuf_attach() are mapped and unmapped with
 * the dma-buf's reservation lock held; @mapped and @pinned change only
 * under it.  An allocator that attaches on its own (written against 6.12)
 * is mapped without it, as before, and its attachment is never pinned.
 *
 * The list, each entry's @vb and @plane, &vb2_queue.dmabuf_idle and
 * &vb2_queue.dmabuf_pinned belong to the queue's serialisation.
 */

/**
 * struct vb2_dmabuf_entry - a dma-buf imported into a queue
 * @node: entry in &vb2_queue.dmabuf_cache, which runs from the least to the
 *	most recently used entry.
 * @dbuf: the dma-buf; the entry holds a reference to it.
 * @dev: the device it is attached to.
 * @size: the plane length it was attached with.
 * @vq: the queue.
 * @mem_priv: the allocator's attachment, from ->attach_dmabuf.
 * @attach: the dma-buf attachment, when the allocator made it with
 *	vb2_dmabuf_attach(); NULL for an allocator that attaches on its own.
 * @mapped: ->map_dmabuf succeeded and ->unmap_dmabuf has not run since.
 * @pinned: the entry holds a pin of @dbuf (its buffer is prepared).
 * @vb: the buffer whose plane uses the entry; NULL while the entry is idle.
 * @plane: that plane's number.
 * @shares: entries of the queue that hold @dbuf, this one included; each
 *	holds its own reference to the dma-buf's file.
 */
struct vb2_dmabuf_entry {
	struct list_head node;
	struct dma_buf *dbuf;
	struct device *dev;
	unsigned long size;
	struct vb2_queue *vq;
	void *mem_priv;
	struct dma_buf_attachment *attach;
	bool mapped;
	bool pinned;
	struct vb2_buffer *vb;
	unsigned int plane;
	unsigned int shares;
};

/* Idle entries a queue keeps at most, whoever holds their dma-bufs. */
#define VB2_DMABUF_MAX_IDLE	64

/* Count @e in the @shares of every entry of its dma-buf, or uncount it. */
static void dmabuf_share(struct vb2_queue *vq, struct vb2_dmabuf_entry *e,
			 int delta)
{
	struct vb2_dmabuf_entry *o;

	e->shares = 1;
	list_for_each_entry(o, &vq->dmabuf_cache, node) {
		if (o == e || o->dbuf != e->dbuf)
			continue;
		o->shares += delta;
		e->shares++;
	}
}

/* Only the queue holds @e's dma-buf: nobody can queue it again. */
static __always_inline bool dmabuf_abandoned(struct vb2_dmabuf_entry *e)
{
	return file_count(e->dbuf->file) <= e->shares;
}

static __always_inline struct vb2_dmabuf_entry *
dmabuf_entry_of(struct vb2_buffer *vb, unsigned int plane)
{
	struct vb2_queue *vq = vb->vb2_queue;
	struct vb2_dmabuf_entry *e;

	list_for_each_entry(e, &vq->dmabuf_cache, node)
		if (e->vb == vb && e->plane == plane)
			return e;
	return NULL;
}

static struct vb2_dmabuf_entry *dmabuf_find_idle(struct vb2_queue *vq,
						 struct dma_buf *dbuf,
						 struct device *dev,
						 unsigned long size)
{
	struct vb2_dmabuf_entry *e;

	list_for_each_entry_reverse(e, &vq->dmabuf_cache, node)
		if (!e->vb && e->dbuf == dbuf && e->dev == dev &&
		    e->size == size)
			return e;
	return NULL;
}

/* Point plane @plane of @vb at idle entry @e; it becomes the most recent. */
static void dmabuf_bind(struct vb2_queue *vq, struct vb2_dmabuf_entry *e,
			struct vb2_buffer *vb, unsigned int plane)
{
	struct vb2_plane *pl = &vb->planes[plane];

	e->vb = vb;
	e->plane = plane;
	list_move_tail(&e->node, &vq->dmabuf_cache);
	vq->dmabuf_idle--;

	pl->mem_priv = e->mem_priv;
	pl->dbuf = e->dbuf;
	pl->dbuf_mapped = e->mapped;
	pl->dbuf_duplicated = false;
}

/*
 * The reservation lock of @e's dma-buf, if the core maps @e under it.
 * Only QBUF and PREPARE_BUF, which can report an error, wait for it
 * interruptibly.
 */
static int dmabuf_lock(struct vb2_dmabuf_entry *e, bool intr)
{
	if (!e->attach)
		return 0;
	if (intr)
		return dma_resv_lock_interruptible(e->dbuf->resv, NULL);
	dma_resv_lock(e->dbuf->resv, NULL);
	return 0;
}

static void dmabuf_unlock(struct vb2_dmabuf_entry *e)
{
	if (e->attach)
		dma_resv_unlock(e->dbuf->resv);
}

/*
 * Whether move_notify may unmap @e behind the queue's back: only for the
 * core's own attachments of an exporter that moves buffers.
 */
static __always_inline bool dmabuf_may_move(struct vb2_dmabuf_entry *e)
{
	return e->attach && dma_buf_is_dynamic(e->dbuf);
}

/* Lock held: pin @e if its exporter may move the buffer. */
static int dmabuf_pin_locked(struct vb2_dmabuf_entry *e)
{
	int err;

	if (e->pinned || !dmabuf_may_move(e))
		return 0;
	err = dma_buf_pin(e->attach);
	if (err)
		return err;
	e->pinned = true;
	e->vq->dmabuf_pinned++;
	return 0;
}

/* Lock held: let the exporter move @e's buffer again. */
static void dmabuf_unpin_locked(struct vb2_dmabuf_entry *e)
{
	if (!e->pinned)
		return;
	dma_buf_unpin(e->attach);
	e->pinned = false;
	e->vq->dmabuf_pinned--;
}

static void dmabuf_unpin(struct vb2_dmabuf_entry *e)
{
	if (!e->pinned)
		return;
	dmabuf_lock(e, false);
	dmabuf_unpin_locked(e);
	dmabuf_unlock(e);
}

/*
 * Pin @e, which stays bound to its plane: from here on its mapping cannot
 * go away under the buffer.  Returns whether @e is still mapped (a move
 * may have unmapped it while its buffer was with userspace), or an error.
 */
static int dmabuf_keep(struct vb2_dmabuf_entry *e)
{
	int err;

	/* an exporter that cannot move has nothing to pin */
	if (!dmabuf_may_move(e))
		return e->mapped;
	err = dmabuf_lock(e, true);
	if (err)
		return err;
	err = dmabuf_pin_locked(e);
	dmabuf_unlock(e);
	return err ? err : e->mapped;
}

/* Take @e off its plane; it stays attached (and mapped) as an idle entry. */
static void dmabuf_unbind(struct vb2_queue *vq, struct vb2_dmabuf_entry *e)
{
	struct vb2_plane *pl = &e->vb->planes[e->plane];

	dmabuf_unpin(e);
	pl->mem_priv = NULL;
	pl->dbuf = NULL;
	pl->dbuf_mapped = 0;

	e->vb = NULL;
	list_move_tail(&e->node, &vq->dmabuf_cache);
	vq->dmabuf_idle++;
}

/*
 * Tear @e down: off the list first, so nothing else can reach it, then
 * unmap, detach and drop the dma-buf reference.
 */
static void dmabuf_drop(struct vb2_queue *vq, struct vb2_dmabuf_entry *e)
{
	struct vb2_buffer *vb = e->vb;

	if (vb) {
		vb->planes[e->plane].mem_priv = NULL;
		vb->planes[e->plane].dbuf = NULL;
		vb->planes[e->plane].dbuf_mapped = 0;
	}

	dmabuf_share(vq, e, -1);
	list_del(&e->node);
	if (!vb)
		vq->dmabuf_idle--;
	e->vb = NULL;

	dmabuf_lock(e, false);
	dmabuf_unpin_locked(e);
	if (e->mapped) {
		vq->mem_ops->unmap_dmabuf(e->mem_priv);
		if (vb)
			tally(vb, mem_unmap_dmabuf);
	}
	dmabuf_unlock(e);
	/* no move_notify for @e once it is detached */
	vq->mem_ops->detach_dmabuf(e->mem_priv);
	if (vb)
		tally(vb, mem_detach_dmabuf);
	dma_buf_put(e->dbuf);
	kfree(e);
}

/*
 * Attach @dbuf for plane @plane of @vb, as a new entry bound to that plane.
 * The entry takes over the caller's reference to @dbuf only on success.
 */
static struct vb2_dmabuf_entry *dmabuf_attach(struct vb2_buffer *vb,
					      unsigned int plane,
					      struct dma_buf *dbuf,
					      unsigned long size)
{
	struct vb2_queue *vq = vb->vb2_queue;
	struct vb2_dmabuf_entry *e;
	void *priv;

	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return ERR_PTR(-ENOMEM);

	e->dev = plane_dev(vq, plane);
	e->vq = vq;
	e->dbuf = dbuf;
	/* for vb2_dmabuf_attach() */
	vq->dmabuf_new = e;
	priv = vq->mem_ops->attach_dmabuf(vb, e->dev, dbuf, size);
	vq->dmabuf_new = NULL;
	if (IS_ERR_OR_NULL(priv)) {
		WARN_ON(e->attach);
		kfree(e);
		return priv ? ERR_CAST(priv) : ERR_PTR(-EINVAL);
	}
	tally(vb, mem_attach_dmabuf);
	e->size = size;
	e->mem_priv = priv;
	e->vb = vb;
	e->plane = plane;

	list_add_tail(&e->node, &vq->dmabuf_cache);
	dmabuf_share(vq, e, 1);

	vb->planes[plane].mem_priv = priv;
	vb->planes[plane].dbuf = dbuf;
	vb->planes[plane].dbuf_mapped = 0;
	vb->planes[plane].dbuf_duplicated = false;
	return e;
}

/* Step 5 for the bound entry @e: pin it, then map it if it is not mapped. */
static int dmabuf_map(struct vb2_queue *vq, struct vb2_dmabuf_entry *e)
{
	int err;

	/* a kept mapping that cannot move needs neither lock nor pin */
	if (e->mapped && !dmabuf_may_move(e)) {
		e->vb->planes[e->plane].dbuf_mapped = 1;
		return 0;
	}
	err = dmabuf_lock(e, true);
	if (err)
		return err;
	err = dmabuf_pin_locked(e);
	if (!err && !e->mapped) {
		err = vq->mem_ops->map_dmabuf(e->mem_priv);
		if (!err) {
			e->mapped = true;
			tally(e->vb, mem_map_dmabuf);
		}
	}
	dmabuf_unlock(e);
	if (!err)
		e->vb->planes[e->plane].dbuf_mapped = 1;
	return err;
}

/* @vb is with userspace again: the device is done with its dma-bufs. */
static void dmabuf_unpin_buffer(struct vb2_buffer *vb)
{
	struct vb2_queue *vq = vb->vb2_queue;
	struct vb2_dmabuf_entry *e;

	if (!vq->dmabuf_pinned)
		return;
	list_for_each_entry(e, &vq->dmabuf_cache, node)
		if (e->vb == vb)
			dmabuf_unpin(e);
}

/*
 * Step 4: drop the idle entries that only the queue holds, and the least
 * recently used ones while there are more than VB2_DMABUF_MAX_IDLE.  The
 * list runs from the least recently used entry, so one walk does both.
 */
static void dmabuf_trim(struct vb2_queue *vq)
{
	struct vb2_dmabuf_entry *e, *tmp;

	if (!vq->dmabuf_idle)
		return;
	list_for_each_entry_safe(e, tmp, &vq->dmabuf_cache, node) {
		if (e->vb)
			continue;
		if (vq->dmabuf_idle > VB2_DMABUF_MAX_IDLE ||
		    dmabuf_abandoned(e))
			dmabuf_drop(vq, e);
	}
}

/* No buffer is left to bind them to: drop every idle entry. */
static void dmabuf_drop_idle(struct vb2_queue *vq)
{
	struct vb2_dmabuf_entry *e, *tmp;

	list_for_each_entry_safe(e, tmp, &vq->dmabuf_cache, node)
		if (!e->vb)
			dmabuf_drop(vq, e);
}

/* Leave every plane of @vb without an entry; its entries become idle. */
static void dmabuf_unbind_buffer(struct vb2_buffer *vb)
{
	struct vb2_queue *vq = vb->vb2_queue;
	struct vb2_dmabuf_entry *e;
	unsigned int p;

	for (p = 0; p < vb->num_planes; p++) {
		e = dmabuf_entry_of(vb, p);
		if (e)
			dmabuf_unbind(vq, e);
	}
}

/*
 * Step 3, second chance: an entry still bound to a buffer that userspace
 * holds (dequeued, not prepared, not in a request) is as good as idle,
 * since that buffer gets its planes again at its next QBUF.  This is what
 * keeps a pool of dma-bufs that rotates over the indices at one attachment
 * per dma-buf.  The holder gives up all its planes (buf_cleanup first, as
 * for any change of planes); the entry comes back idle.
 */
static struct vb2_dmabuf_entry *dmabuf_take_parked(struct vb2_buffer *vb,
						   struct dma_buf *dbuf,
						   struct device *dev,
						   unsigned long size)
{
	struct vb2_queue *vq = vb->vb2_queue;
	struct vb2_dmabuf_entry *e;
	struct vb2_buffer *holder;

	list_for_each_entry_reverse(e, &vq->dmabuf_cache, node) {
		holder = e->vb;
		if (!holder || holder == vb || e->dbuf != dbuf ||
		    e->dev != dev || e->size != size ||
		    holder->state != VB2_BUF_STATE_DEQUEUED ||
		    holder->prepared)
			continue;
		qdbg(vq, 3, "buffer %u: takes plane %u of buffer %u\n",
		     vb->index, e->plane, holder->index);
		holder->copied_timestamp = 0;
		drv_buf_cleanup(holder);
		dmabuf_unbind_buffer(holder);
		return e;
	}
	return NULL;
}

/* @vb is going away: drop the entries bound to it. */
static void dmabuf_release_buffer(struct vb2_buffer *vb)
{
	struct vb2_queue *vq = vb->vb2_queue;
	struct vb2_dmabuf_entry *e;
	unsigned int p;

	for (p = 0; p < vb->num_planes; p++) {
		e = dmabuf_entry_of(vb, p);
		if (e)
			dmabuf_drop(vq, e);
	}
}

/*
 * QBUF and PREPARE_BUF of a DMABUF buffer: steps 1 to 5 above for every
 * plane, then buf_prepare.  As for USERPTR, buf_init has run iff the planes
 * are bound; any change of entry or mapping goes through buf_cleanup and
 * buf_init.  Nothing changes when the fds are not acceptable.  Later
 * failures leave the buffer without planes (its entries idle) and drop the
 * dma-buf references this call took.
 */
static int buf_prepare_dmabuf(struct vb2_buffer *vb)
{
	struct vb2_queue *vq = vb->vb2_queue;
	struct vb2_dmabuf_entry *ent[VB2_MAX_PLANES] = { };
	struct dma_buf *got[VB2_MAX_PLANES] = { };
	struct vb2_plane in[VB2_MAX_PLANES];
	bool inited = vb->planes[0].mem_priv;
	bool change = !inited;
	unsigned int p;
	int err;

	memset(in, 0, sizeof(in));
	err = fe_fill_planes(vb, in);
	if (err)
		return err;

	/* steps 1 and 2: check everything before touching anything */
	for (p = 0; p < vb->num_planes; p++) {
		struct dma_buf *dbuf = dma_buf_get(in[p].m.fd);
		struct vb2_dmabuf_entry *e;

		if (IS_ERR_OR_NULL(dbuf)) {
			qdbg(vq, 1, "plane %u: fd %d is not a dma-buf\n",
			     p, in[p].m.fd);
			err = -EINVAL;
			goto put_refs;
		}
		got[p] = dbuf;

		if (!in[p].length && dbuf->size <= UINT_MAX)
			in[p].length = dbuf->size;
		if (in[p].length < vb->planes[p].min_length ||
		    in[p].length > dbuf->size ||
		    (in[p].length && in[p].data_offset >= in[p].length)) {
			qdbg(vq, 1,
			     "plane %u: length %u, offset %u: dma-buf has %zu bytes, plane needs %u\n",
			     p, in[p].length, in[p].data_offset, dbuf->size,
			     vb->planes[p].min_length);
			/* 6.12 reports a plane beyond its dma-buf as EFAULT */
			err = in[p].length > dbuf->size ? -EFAULT : -EINVAL;
			goto put_refs;
		}

		e = inited ? dmabuf_entry_of(vb, p) : NULL;
		if (e && e->dbuf == dbuf && e->size == in[p].length &&
		    e->dev == plane_dev(vq, p)) {
			ent[p] = e;
			got[p] = NULL;
			dma_buf_put(dbuf);
		} else {
			change = true;
		}
	}

	/* pin what stays; a move while userspace had the buffer unmapped it */
	for (p = 0; p < vb->num_planes; p++) {
		if (!ent[p])
			continue;
		err = dmabuf_keep(ent[p]);
		if (err < 0)
			goto unpin;
		if (!err)
			change = true;
	}

	if (change) {
		qdbg(vq, 3, "buffer %u: planes change\n", vb->index);
		if (inited) {
			vb->copied_timestamp = 0;
			drv_buf_cleanup(vb);
			inited = false;
		}

		/* step 3: free the old entries first, a plane may want one */
		for (p = 0; p < vb->num_planes; p++) {
			struct vb2_dmabuf_entry *old;

			if (ent[p])
				continue;
			old = dmabuf_entry_of(vb, p);
			if (old)
				dmabuf_unbind(vq, old);
		}
		for (p = 0; p < vb->num_planes; p++) {
			struct vb2_dmabuf_entry *e;

			if (ent[p])
				continue;
			e = dmabuf_find_idle(vq, got[p], plane_dev(vq, p),
					     in[p].length);
			if (!e)
				e = dmabuf_take_parked(vb, got[p],
						       plane_dev(vq, p),
						       in[p].length);
			if (e) {
				dmabuf_bind(vq, e, vb, p);
				dma_buf_put(got[p]);
			} else {
				e = dmabuf_attach(vb, p, got[p], in[p].length);
				if (IS_ERR(e)) {
					err = PTR_ERR(e);
					qdbg(vq, 1, "plane %u: no attachment (%d)\n",
					     p, err);
					goto fail;
				}
			}
			got[p] = NULL;
			ent[p] = e;
		}

		dmabuf_trim(vq);

		/* step 5 */
		for (p = 0; p < vb->num_planes; p++) {
			err = dmabuf_map(vq, ent[p]);
			if (err) {
				qdbg(vq, 1, "plane %u: map failed (%d)\n",
				     p, err);
				dmabuf_drop(vq, ent[p]);
				/* the allocator's errno, as in 6.12 */
				goto fail;
			}
		}
	} else {
		/* an idle dma-buf may have lost its last fd since */
		dmabuf_trim(vq);
	}

	for (p = 0; p < vb->num_planes; p++) {
		vb->planes[p].bytesused = in[p].bytesused;
		vb->planes[p].length = in[p].length;
		vb->planes[p].m.fd = in[p].m.fd;
		vb->planes[p].data_offset = in[p].data_offset;
	}

	if (!inited) {
		err = drv_buf_init(vb);
		if (err) {
			qdbg(vq, 1, "driver refused the dma-bufs (%d)\n", err);
			goto fail;
		}
		inited = true;
	}

	err = drv_buf_prepare(vb);
	if (!err)
		return 0;
	qdbg(vq, 1, "driver could not prepare the buffer (%d)\n", err);

fail:
	if (inited)
		drv_buf_cleanup(vb);
	dmabuf_unbind_buffer(vb);
	dmabuf_trim(vq);
unpin:
	dmabuf_unpin_buffer(vb);
put_refs:
	for (p = 0; p < vb->num_planes; p++)
		if (got[p])
			dma_buf_put(got[p]);
	return err;
}

/* Buffers: creation and destruction */

/* Report ops that did not pair up over the buffer's life. */
static void buf_check_balance(struct vb2_buffer *vb)
{
#ifdef CONFIG_VIDEO_ADV_DEBUG
	/*
	 * DMABUF attachments move between buffers, so their attach/detach
	 * and map/unmap counts do not pair up per buffer; not checked.
	 */
	if (vb->cnt_mem_alloc == vb->cnt_mem_put &&
	    vb->cnt_mem_prepare == vb->cnt_mem_finish &&
	    vb->cnt_mem_get_userptr == vb->cnt_mem_put_userptr &&
	    vb->cnt_buf_queue == vb->cnt_buf_done &&
	    vb->cnt_buf_prepare == vb->cnt_buf_finish &&
	    vb->cnt_buf_init == vb->cnt_buf_cleanup)
		return;
	pr_info("%s: buffer %u ops out of balance:\n", vb->vb2_queue->name,
		vb->index);
	pr_info("  mem alloc/put %u/%u, prepare/finish %u/%u, get/put_userptr %u/%u\n",
		vb->cnt_mem_alloc, vb->cnt_mem_put, vb->cnt_mem_prepare,
		vb->cnt_mem_finish, vb->cnt_mem_get_userptr,
		vb->cnt_mem_put_userptr);
	pr_info("  mem attach/detach %u/%u, map/unmap %u/%u, get_dmabuf %u, vaddr %u, cookie %u, num_users %u, mmap %u\n",
		vb->cnt_mem_attach_dmabuf, vb->cnt_mem_detach_dmabuf,
		vb->cnt_mem_map_dmabuf, vb->cnt_mem_unmap_dmabuf,
		vb->cnt_mem_get_dmabuf, vb->cnt_mem_vaddr, vb->cnt_mem_cookie,
		vb->cnt_mem_num_users, vb->cnt_mem_mmap);
	pr_info("  buf queue/done %u/%u, prepare/finish %u/%u, init/cleanup %u/%u, out_validate %u, request_complete %u\n",
		vb->cnt_buf_queue, vb->cnt_buf_done, vb->cnt_buf_prepare,
		vb->cnt_buf_finish, vb->cnt_buf_init, vb->cnt_buf_cleanup,
		vb->cnt_buf_out_validate, vb->cnt_buf_request_complete);
#endif
}

static void q_check_balance(struct vb2_queue *vq)
{
#ifdef CONFIG_VIDEO_ADV_DEBUG
	if (vq->cnt_start_streaming == vq->cnt_stop_streaming &&
	    vq->cnt_prepare_streaming == vq->cnt_unprepare_streaming &&
	    vq->cnt_wait_prepare == vq->cnt_wait_finish)
		return;
	pr_info("%s: queue ops out of balance: setup %u, start/stop %u/%u, prepare/unprepare %u/%u, wait prepare/finish %u/%u\n",
		vq->name, vq->cnt_queue_setup, vq->cnt_start_streaming,
		vq->cnt_stop_streaming, vq->cnt_prepare_streaming,
		vq->cnt_unprepare_streaming, vq->cnt_wait_prepare,
		vq->cnt_wait_finish);
#endif
}

/*
 * The driver is done with the prepared buffer @vb until it is prepared
 * again: ->buf_finish, and its dma-bufs may move from now on.
 */
static void buf_unprepare(struct vb2_buffer *vb)
{
	drv_buf_finish(vb);
	vb->prepared = 0;
	if (vb->memory == VB2_MEMORY_DMABUF)
		dmabuf_unpin_buffer(vb);
}

/*
 * Free buffer @vb with its memory.  It is with userspace (DEQUEUED) and
 * mmap_lock is held.
 */
static void buf_free(struct vb2_buffer *vb)
{
	struct vb2_queue *vq = vb->vb2_queue;
	unsigned int p;

	/* PREPARE_BUF without QBUF: undo the preparation first */
	if (vb->prepared) {
		buf_sync_for_cpu(vb);
		buf_unprepare(vb);
	}
	if (vb->planes[0].mem_priv)
		drv_buf_cleanup(vb);

	switch (vb->memory) {
	case VB2_MEMORY_MMAP:
		mmap_free_planes(vb);
		break;
	case VB2_MEMORY_USERPTR:
		for (p = 0; p < vb->num_planes; p++)
			userptr_release(vb, p);
		break;
	case VB2_MEMORY_DMABUF:
		dmabuf_release_buffer(vb);
		break;
	default:
		break;
	}
	buf_check_balance(vb);

	clear_bit(vb->index, vq->bufs_bitmap);
	vq->bufs[vb->index] = NULL;
	kfree(vb);
}

/*
 * Free the buffers with indices in [@first, @first + @count); the queue
 * forgets its memory type when none is left.  mmap_lock held.
 */
static void q_free_range(struct vb2_queue *vq, unsigned int first,
			 unsigned int count)
{
	unsigned int end = min(vq->max_num_buffers, first + count);
	unsigned int i;

	for (i = q_next_used(vq, first); i < end; i = q_next_used(vq, i + 1))
		buf_free(vq->bufs[i]);

	if (!vb2_get_num_buffers(vq)) {
		q_check_balance(vq);
		vq->memory = VB2_MEMORY_UNKNOWN;
		dmabuf_drop_idle(vq);
	} else {
		dmabuf_trim(vq);
	}
}

/*
 * Create buffer @index with @nplanes planes of @sizes, and for MMAP its
 * memory, and publish it in the array.  MMAP buffers are initialised by the
 * driver here, the others when they get memory at their first QBUF.
 */
static int buf_create(struct vb2_queue *vq, enum vb2_memory memory,
		      unsigned int index, unsigned int nplanes,
		      const unsigned int sizes[])
{
	struct vb2_buffer *vb;
	unsigned int p;
	int err;

	vb = kzalloc(vq->buf_struct_size, GFP_KERNEL);
	if (!vb)
		return -ENOMEM;

	vb->vb2_queue = vq;
	vb->index = index;
	vb->type = vq->type;
	vb->memory = memory;
	vb->num_planes = nplanes;
	vb->state = VB2_BUF_STATE_DEQUEUED;
	buf_default_hints(vb);
	for (p = 0; p < nplanes; p++) {
		vb->planes[p].length = sizes[p];
		vb->planes[p].min_length = sizes[p];
	}
	fe_init_buffer(vb);

	if (memory == VB2_MEMORY_MMAP) {
		err = mmap_alloc_planes(vb);
		if (err) {
			qdbg(vq, 1, "no memory for buffer %u (%d)\n",
			     index, err);
			kfree(vb);
			return err;
		}
	}

	mutex_lock(&vq->mmap_lock);
	vq->bufs[index] = vb;
	set_bit(index, vq->bufs_bitmap);
	mutex_unlock(&vq->mmap_lock);

	if (memory != VB2_MEMORY_MMAP)
		return 0;

	err = drv_buf_init(vb);
	if (err) {
		qdbg(vq, 1, "driver refused buffer %u (%d)\n", index, err);
		mutex_lock(&vq->mmap_lock);
		clear_bit(index, vq->bufs_bitmap);
		vq->bufs[index] = NULL;
		mutex_unlock(&vq->mmap_lock);
		mmap_free_planes(vb);
		kfree(vb);
	}
	return err;
}

/*
 * Create up to @count buffers at consecutive free indices; fewer when there
 * is not that much room or memory.  Returns how many were created, the first
 * index in @first.
 */
static unsigned int q_create_buffers(struct vb2_queue *vq,
				     enum vb2_memory memory,
				     unsigned int count, unsigned int nplanes,
				     const unsigned int sizes[],
				     unsigned int *first)
{
	unsigned int start, n;

	count = min(count, vq->max_num_buffers - vb2_get_num_buffers(vq));
	start = q_free_run(vq, count, &count);
	*first = count ? start : 0;

	for (n = 0; n < count; n++)
		if (buf_create(vq, memory, start + n, nplanes, sizes))
			break;

	qdbg(vq, 3, "%u of %u buffer(s) created at %u, %u plane(s) each\n",
	     n, count, start, nplanes);
	return n;
}

static void q_cancel(struct vb2_queue *vq);

/* Does userspace still map (or has it exported) an MMAP plane? */
static bool q_any_mapped(struct vb2_queue *vq)
{
	unsigned int i;

	for (i = q_next_used(vq, 0); i < vq->max_num_buffers;
	     i = q_next_used(vq, i + 1))
		if (vb2_buffer_in_use(vq, vq->bufs[i]))
			return true;
	return false;
}

/* REQBUFS: take every buffer back, then free them all. */
static void q_free_all(struct vb2_queue *vq)
{
	q_cancel(vq);

	mutex_lock(&vq->mmap_lock);
	if (debug && vq->memory == VB2_MEMORY_MMAP && q_any_mapped(vq))
		qdbg(vq, 1, "buffers still mapped by userspace are orphaned\n");
	q_free_range(vq, 0, vq->max_num_buffers);
	mutex_unlock(&vq->mmap_lock);
	vq->is_busy = 0;
}

/* Non-coherent memory is a hint for MMAP queues that accept cache hints. */
static void q_set_coherency(struct vb2_queue *vq, bool non_coherent)
{
	bool hints = vq->allow_cache_hints && vq->memory == VB2_MEMORY_MMAP;

	vq->non_coherent_mem = hints && non_coherent;
}

void *vb2_plane_vaddr(struct vb2_buffer *vb, unsigned int plane_no)
{
	const struct vb2_mem_ops *mops = vb->vb2_queue->mem_ops;
	void *vaddr;

	if (plane_no >= vb->num_planes || !vb->planes[plane_no].mem_priv ||
	    !mops->vaddr)
		return NULL;
	vaddr = mops->vaddr(vb, vb->planes[plane_no].mem_priv);
	if (vaddr)
		tally(vb, mem_vaddr);
	return vaddr;
}
EXPORT_SYMBOL_GPL(vb2_plane_vaddr);

void *vb2_plane_cookie(struct vb2_buffer *vb, unsigned int plane_no)
{
	const struct vb2_mem_ops *mops = vb->vb2_queue->mem_ops;
	void *cookie;

	if (plane_no >= vb->num_planes || !vb->planes[plane_no].mem_priv ||
	    !mops->cookie)
		return NULL;
	cookie = mops->cookie(vb, vb->planes[plane_no].mem_priv);
	if (cookie)
		tally(vb, mem_cookie);
	return cookie;
}
EXPORT_SYMBOL_GPL(vb2_plane_cookie);

/*
 * Only MMAP planes have users besides the queue (userspace mappings and
 * exported dma-bufs); the allocator counts them.
 */
bool vb2_buffer_in_use(struct vb2_queue *vq, struct vb2_buffer *vb)
{
	const struct vb2_mem_ops *mops = vq->mem_ops;
	unsigned int p;

	if (vb->memory != VB2_MEMORY_MMAP || !mops->num_users)
		return false;
	for (p = 0; p < vb->num_planes; p++) {
		void *priv = vb->planes[p].mem_priv;

		if (!priv)
			continue;
		tally(vb, mem_num_users);
		if (mops->num_users(priv) > 1)
			return true;
	}
	return false;
}
EXPORT_SYMBOL(vb2_buffer_in_use);

int vb2_verify_memory_type(struct vb2_queue *vq,
			   enum vb2_memory memory, unsigned int type)
{
	const struct vb2_mem_ops *mops = vq->mem_ops;
	bool usable;

	if (type != vq->type) {
		qdbg(vq, 1, "buffer type %u, queue type %u\n", type, vq->type);
		return -EINVAL;
	}

	switch (memory) {
	case VB2_MEMORY_MMAP:
		usable = (vq->io_modes & VB2_MMAP) && mops->alloc &&
			 mops->put && mops->mmap;
		break;
	case VB2_MEMORY_USERPTR:
		usable = (vq->io_modes & VB2_USERPTR) && mops->get_userptr &&
			 mops->put_userptr;
		break;
	case VB2_MEMORY_DMABUF:
		usable = (vq->io_modes & VB2_DMABUF) && mops->attach_dmabuf &&
			 mops->detach_dmabuf && mops->map_dmabuf &&
			 mops->unmap_dmabuf;
		break;
	default:
		qdbg(vq, 1, "memory type %u is unknown\n", memory);
		return -EINVAL;
	}
	if (!usable) {
		qdbg(vq, 1, "memory type %u is not supported here\n", memory);
		return -EINVAL;
	}

	/*
	 * Busy last: CREATE_BUFS with count 0 ignores -EBUSY but still wants
	 * the checks above.
	 */
	if (vb2_fileio_is_active(vq)) {
		qdbg(vq, 1, "read()/write() emulation owns the queue\n");
		return -EBUSY;
	}
	return 0;
}
EXPORT_SYMBOL(vb2_verify_memory_type);

void vb2_core_querybuf(struct vb2_queue *vq, struct vb2_buffer *vb, void *pb)
{
	fe_fill_user(vb, pb);
}
EXPORT_SYMBOL_GPL(vb2_core_querybuf);

int vb2_core_reqbufs(struct vb2_queue *vq, enum vb2_memory memory,
		     unsigned int flags, unsigned int *count)
{
	bool non_coherent = flags & V4L2_MEMORY_FLAG_NON_COHERENT;
	unsigned int sizes[VB2_MAX_PLANES] = { };
	unsigned int want, nplanes = 0, made, first, p;
	int err;

	if (vq->streaming) {
		qdbg(vq, 1, "cannot change buffers while streaming\n");
		return -EBUSY;
	}
	if (vq->waiting_in_dqbuf && *count) {
		qdbg(vq, 1, "a DQBUF is waiting on the queue\n");
		return -EBUSY;
	}

	if (!*count || vb2_get_num_buffers(vq) ||
	    (vq->memory != VB2_MEMORY_UNKNOWN && vq->memory != memory) ||
	    non_coherent != vq->non_coherent_mem) {
		q_free_all(vq);
		if (!*count)
			return 0;
	}

	want = max(*count, vq->min_reqbufs_allocation);
	want = min(want, vq->max_num_buffers);
	memset(vq->alloc_devs, 0, sizeof(vq->alloc_devs));

	/* the driver's queue_setup may look at vq->memory */
	mutex_lock(&vq->mmap_lock);
	err = q_storage_get(vq);
	if (!err)
		vq->memory = memory;
	mutex_unlock(&vq->mmap_lock);
	if (err)
		return err;
	q_set_coherency(vq, non_coherent);

	err = drv_queue_setup(vq, &want, &nplanes, sizes);
	if (err)
		goto forget_memory;
	if (WARN_ON(!nplanes || nplanes > VB2_MAX_PLANES)) {
		err = -EINVAL;
		goto forget_memory;
	}
	for (p = 0; p < nplanes; p++) {
		if (WARN_ON(!sizes[p])) {
			err = -EINVAL;
			goto forget_memory;
		}
	}

	made = q_create_buffers(vq, memory, want, nplanes, sizes, &first);
	if (!made) {
		err = -ENOMEM;
		goto forget_memory;
	}

	if (made < vq->min_reqbufs_allocation) {
		err = -ENOMEM;
	} else if (made < want) {
		/* ask the driver whether fewer buffers do (REQBUFS flavour) */
		unsigned int n = made;

		nplanes = 0;
		err = drv_queue_setup(vq, &n, &nplanes, sizes);
		if (!err && n > made)
			err = -ENOMEM;
	}
	if (err) {
		mutex_lock(&vq->mmap_lock);
		q_free_range(vq, 0, vq->max_num_buffers);
		mutex_unlock(&vq->mmap_lock);
		return err;
	}

	*count = made;
	vq->waiting_for_buffers = !vq->is_output;
	vq->is_busy = 1;
	return 0;

forget_memory:
	mutex_lock(&vq->mmap_lock);
	vq->memory = VB2_MEMORY_UNKNOWN;
	mutex_unlock(&vq->mmap_lock);
	return err;
}
EXPORT_SYMBOL_GPL(vb2_core_reqbufs);

int vb2_core_create_bufs(struct vb2_queue *vq, enum vb2_memory memory,
			 unsigned int flags, unsigned int *count,
			 unsigned int requested_planes,
			 const unsigned int requested_sizes[],
			 unsigned int *first_index)
{
	bool non_coherent = flags & V4L2_MEMORY_FLAG_NON_COHERENT;
	unsigned int have = vb2_get_num_buffers(vq);
	unsigned int sizes[VB2_MAX_PLANES] = { };
	unsigned int want, nplanes = 0, made, first;
	int err;

	if (have >= vq->max_num_buffers) {
		qdbg(vq, 1, "the queue is full (%u buffers)\n", have);
		return -ENOBUFS;
	}
	if (requested_planes > VB2_MAX_PLANES)
		return -EINVAL;

	if (!have) {
		if (vq->waiting_in_dqbuf && *count) {
			qdbg(vq, 1, "a DQBUF is waiting on the queue\n");
			return -EBUSY;
		}
		memset(vq->alloc_devs, 0, sizeof(vq->alloc_devs));
		mutex_lock(&vq->mmap_lock);
		err = q_storage_get(vq);
		if (!err)
			vq->memory = memory;
		mutex_unlock(&vq->mmap_lock);
		if (err)
			return err;
		vq->waiting_for_buffers = !vq->is_output;
		q_set_coherency(vq, non_coherent);
	} else if (vq->memory != memory) {
		qdbg(vq, 1, "the queue holds buffers of another memory type\n");
		return -EINVAL;
	} else if (vq->non_coherent_mem != non_coherent) {
		qdbg(vq, 1, "the queue holds buffers of the other coherency\n");
		return -EINVAL;
	}

	want = min(*count, vq->max_num_buffers - have);
	if (requested_planes && requested_sizes) {
		nplanes = requested_planes;
		memcpy(sizes, requested_sizes, nplanes * sizeof(sizes[0]));
	}

	/* CREATE_BUFS flavour of queue_setup: nplanes says what is asked */
	err = drv_queue_setup(vq, &want, &nplanes, sizes);
	if (err)
		goto forget_memory;
	if (WARN_ON(!nplanes || nplanes > VB2_MAX_PLANES)) {
		err = -EINVAL;
		goto forget_memory;
	}

	made = q_create_buffers(vq, memory, want, nplanes, sizes, &first);
	if (!made) {
		err = -ENOMEM;
		goto forget_memory;
	}

	if (made < want) {
		unsigned int n = made;

		err = drv_queue_setup(vq, &n, &nplanes, sizes);
		if (!err && n > made)
			err = -ENOMEM;
		if (err) {
			mutex_lock(&vq->mmap_lock);
			q_free_range(vq, first, made);
			mutex_unlock(&vq->mmap_lock);
			return -ENOMEM;
		}
	}

	if (first_index)
		*first_index = first;
	*count = made;
	vq->is_busy = 1;
	return 0;

forget_memory:
	if (!have) {
		mutex_lock(&vq->mmap_lock);
		vq->memory = VB2_MEMORY_UNKNOWN;
		mutex_unlock(&vq->mmap_lock);
	}
	return err;
}
EXPORT_SYMBOL_GPL(vb2_core_create_bufs);

int vb2_core_remove_bufs(struct vb2_queue *vq, unsigned int start,
			 unsigned int count)
{
	unsigned int i;
	int err = 0;

	if (!count)
		return 0;
	if (count > vb2_get_num_buffers(vq) ||
	    start > vq->max_num_buffers - count) {
		qdbg(vq, 1, "range %u+%u is out of bounds\n", start, count);
		return -EINVAL;
	}

	mutex_lock(&vq->mmap_lock);
	for (i = start; i < start + count; i++) {
		struct vb2_buffer *vb = vb2_get_buffer(vq, i);

		if (!vb) {
			qdbg(vq, 1, "there is no buffer %u\n", i);
			err = -EINVAL;
			break;
		}
		if (vb->state != VB2_BUF_STATE_DEQUEUED) {
			qdbg(vq, 1, "buffer %u is %s\n", i,
			     state_str(vb->state));
			err = -EBUSY;
			break;
		}
	}
	if (!err)
		q_free_range(vq, start, count);
	mutex_unlock(&vq->mmap_lock);
	return err;
}
EXPORT_SYMBOL_GPL(vb2_core_remove_bufs);

/* Buffers: preparation and queueing */

/*
 * Set up the buffer's memory for the device and let the driver prepare it.
 * The state is PREPARING meanwhile and restored after.
 */
static int buf_prepare(struct vb2_buffer *vb)
{
	struct vb2_queue *vq = vb->vb2_queue;
	enum vb2_buffer_state was = vb->state;
	int err;

	if (vq->error) {
		qdbg(vq, 1, "the queue is in error\n");
		return -EIO;
	}
	if (vb->prepared)
		return 0;
	WARN_ON(vb->synced);

	if (vq->is_output) {
		err = drv_buf_out_validate(vb);
		if (err) {
			qdbg(vq, 1, "driver rejected buffer %u (%d)\n",
			     vb->index, err);
			goto fail;
		}
	}

	vb->state = VB2_BUF_STATE_PREPARING;
	switch (vq->memory) {
	case VB2_MEMORY_MMAP:
		err = buf_prepare_mmap(vb);
		break;
	case VB2_MEMORY_USERPTR:
		err = buf_prepare_userptr(vb);
		break;
	case VB2_MEMORY_DMABUF:
		err = buf_prepare_dmabuf(vb);
		break;
	default:
		WARN(1, "vb2: queue %s has no memory type\n", vq->name);
		err = -EINVAL;
		break;
	}
	vb->state = was;
	if (err)
		goto fail;

	buf_sync_for_device(vb);
	vb->prepared = 1;
	return 0;

fail:
	/* a buffer still with userspace loses the hints of this attempt */
	if (was == VB2_BUF_STATE_DEQUEUED)
		buf_default_hints(vb);
	return err;
}

/*
 * Hand a QUEUED buffer to the driver.  Its planes are prepared, and DMABUF
 * ones are pinned and mapped since QBUF (see "Moves" above).
 */
static __always_inline void buf_to_driver(struct vb2_buffer *vb)
{
	struct vb2_queue *vq = vb->vb2_queue;

	buf_sync_for_device(vb);
	WRITE_ONCE(vb->state, VB2_BUF_STATE_ACTIVE);
	atomic_inc(&vq->owned_by_drv_count);

	trace_vb2_buf_queue(vq, vb);
	vq->ops->buf_queue(vb);
	tally(vb, buf_queue);
}

/* Buffers the driver did not give back, forced back in @state. */
static void q_reclaim_active(struct vb2_queue *vq, enum vb2_buffer_state state)
{
	unsigned int i;

	for (i = q_next_used(vq, 0); i < vq->max_num_buffers;
	     i = q_next_used(vq, i + 1)) {
		struct vb2_buffer *vb = vq->bufs[i];

		if (vb->state != VB2_BUF_STATE_ACTIVE)
			continue;
		pr_warn("%s: driver still holds buffer %u, taking it back\n",
			vq->name, vb->index);
		vb2_buffer_done(vb, state);
	}
	WARN_ON(atomic_read(&vq->owned_by_drv_count));
}

/*
 * Give the driver every queued buffer, then start it.  If it refuses, it
 * should have given the buffers back as QUEUED; whatever it kept or
 * completed in start_streaming returns to QUEUED here.  A buffer the driver
 * completed before, in buf_queue, stays done for DQBUF to report, as in
 * 6.12: only QUEUED buffers are ever handed to the driver.
 */
static int q_start_streaming(struct vb2_queue *vq)
{
	struct vb2_buffer *vb, *tmp;
	struct list_head *failed;
	unsigned long irqf;
	unsigned int held;
	int err;

	list_for_each_entry(vb, &vq->queued_list, queued_entry)
		if (vb->state == VB2_BUF_STATE_QUEUED)
			buf_to_driver(vb);
	/* the last buffer done so far; DQBUF cannot run before we return */
	spin_lock_irqsave(&vq->done_lock, irqf);
	failed = vq->done_list.prev;
	spin_unlock_irqrestore(&vq->done_lock, irqf);

	vq->start_streaming_called = 1;
	/* the driver learns how many buffers it holds already */
	held = atomic_read(&vq->owned_by_drv_count);
	err = vq->ops->start_streaming ? vq->ops->start_streaming(vq, held) : 0;
	if (!err) {
		tally(vq, start_streaming);
		return 0;
	}

	vq->start_streaming_called = 0;
	qdbg(vq, 1, "driver failed to start (%d)\n", err);

	/* see vb2_ops.start_streaming: the driver must give them all back */
	if (WARN_ON(atomic_read(&vq->owned_by_drv_count)))
		q_reclaim_active(vq, VB2_BUF_STATE_QUEUED);

	spin_lock_irqsave(&vq->done_lock, irqf);
	vb = list_entry(failed, struct vb2_buffer, done_entry);
	list_for_each_entry_safe_continue(vb, tmp, &vq->done_list, done_entry) {
		list_del(&vb->done_entry);
		vb->state = VB2_BUF_STATE_QUEUED;
	}
	spin_unlock_irqrestore(&vq->done_lock, irqf);
	return err;
}

/* Media requests: vb2 buffers as request objects */

static const struct media_request_object_ops vb2c_req_ops;

static int q_bind_to_request(struct vb2_queue *vq, struct vb2_buffer *vb,
			     void *pb, struct media_request *req)
{
	int err;

	vq->uses_requests = 1;
	if (vb->state != VB2_BUF_STATE_DEQUEUED) {
		qdbg(vq, 1, "buffer %u is %s\n", vb->index,
		     state_str(vb->state));
		return -EINVAL;
	}
	if (vq->is_output && !vb->prepared) {
		err = drv_buf_out_validate(vb);
		if (err) {
			qdbg(vq, 1, "driver rejected buffer %u (%d)\n",
			     vb->index, err);
			return err;
		}
	}

	media_request_object_init(&vb->req_obj);
	err = media_request_lock_for_update(req);
	if (err)
		return err;
	err = media_request_object_bind(req, &vb2c_req_ops, vq, true,
					&vb->req_obj);
	media_request_unlock_for_update(req);
	if (err)
		return err;

	vb->state = VB2_BUF_STATE_IN_REQUEST;
	/*
	 * The request lives at least until the buffer is dequeued, so that
	 * vb2_buffer_done(), which may complete it, never frees it from
	 * interrupt context.
	 */
	media_request_get(req);
	vb->request = req;

	fe_copy_timestamp(vb, pb);
	fe_fill_user(vb, pb);
	qdbg(vq, 2, "buffer %u bound to a request\n", vb->index);
	return 0;
}

int vb2_core_qbuf(struct vb2_queue *vq, struct vb2_buffer *vb, void *pb,
		  struct media_request *req)
{
	bool from_request = vb->state == VB2_BUF_STATE_IN_REQUEST;
	enum vb2_buffer_state was;
	int err;

	if (vq->error) {
		qdbg(vq, 1, "the queue is in error\n");
		return -EIO;
	}
	if (!req && !from_request && vq->requires_requests) {
		qdbg(vq, 1, "buffers of this queue go through requests\n");
		return -EBADR;
	}
	if ((req && vq->uses_qbuf) ||
	    (!req && !from_request && vq->uses_requests)) {
		qdbg(vq, 1, "cannot mix requests and direct queueing\n");
		return -EBUSY;
	}
	if (req)
		return q_bind_to_request(vq, vb, pb, req);

	if (!from_request)
		vq->uses_qbuf = 1;

	if (vb->state != VB2_BUF_STATE_DEQUEUED && !from_request) {
		qdbg(vq, 1, "buffer %u is %s\n", vb->index,
		     state_str(vb->state));
		return -EINVAL;
	}
	err = buf_prepare(vb);
	if (err)
		return err;

	was = vb->state;
	list_add_tail(&vb->queued_entry, &vq->queued_list);
	vq->queued_count++;
	vq->waiting_for_buffers = false;
	vb->state = VB2_BUF_STATE_QUEUED;

	fe_copy_timestamp(vb, pb);
	trace_vb2_qbuf(vq, vb);

	if (vq->start_streaming_called)
		buf_to_driver(vb);

	fe_fill_user(vb, pb);

	/* STREAMON waited for enough buffers: this may be the last one */
	if (vq->streaming && !vq->start_streaming_called &&
	    vq->queued_count >= vq->min_queued_buffers) {
		err = q_start_streaming(vq);
		if (err) {
			/* the buffer did not make it into the queue */
			list_del(&vb->queued_entry);
			vq->queued_count--;
			vb->state = was;
			return err;
		}
	}

	qdbg(vq, 2, "buffer %u queued\n", vb->index);
	return 0;
}
EXPORT_SYMBOL_GPL(vb2_core_qbuf);

int vb2_core_prepare_buf(struct vb2_queue *vq, struct vb2_buffer *vb, void *pb)
{
	int err;

	if (vb->state != VB2_BUF_STATE_DEQUEUED) {
		qdbg(vq, 1, "buffer %u is %s\n", vb->index,
		     state_str(vb->state));
		return -EINVAL;
	}
	if (vb->prepared) {
		qdbg(vq, 1, "buffer %u was prepared already\n", vb->index);
		return -EINVAL;
	}

	err = buf_prepare(vb);
	if (err)
		return err;
	fe_fill_user(vb, pb);
	qdbg(vq, 2, "buffer %u prepared\n", vb->index);
	return 0;
}
EXPORT_SYMBOL_GPL(vb2_core_prepare_buf);

static struct vb2_buffer *req_obj_to_vb(struct media_request_object *obj)
{
	return container_of(obj, struct vb2_buffer, req_obj);
}

/* Validation of the request: prepare the buffer now. */
static int req_prepare(struct media_request_object *obj)
{
	struct vb2_buffer *vb = req_obj_to_vb(obj);
	struct vb2_queue *vq = vb->vb2_queue;
	int err;

	if (WARN_ON(vb->state != VB2_BUF_STATE_IN_REQUEST))
		return -EINVAL;

	mutex_lock(vq->lock);
	err = buf_prepare(vb);
	mutex_unlock(vq->lock);
	return err;
}

/*
 * Another object of the request failed validation: undo req_prepare, so
 * that the buffer is prepared afresh when the request is queued again.
 */
static void req_unprepare(struct media_request_object *obj)
{
	struct vb2_buffer *vb = req_obj_to_vb(obj);
	struct vb2_queue *vq = vb->vb2_queue;

	mutex_lock(vq->lock);
	if (vb->prepared) {
		buf_sync_for_cpu(vb);
		buf_unprepare(vb);
	}
	mutex_unlock(vq->lock);
}

/* The request is queued: queue the (prepared) buffer. */
static void req_queue(struct media_request_object *obj)
{
	struct vb2_buffer *vb = req_obj_to_vb(obj);
	struct vb2_queue *vq = vb->vb2_queue;
	int err;

	mutex_lock(vq->lock);
	/*
	 * Only a queue error can stop it now; the request then never
	 * completes, but the error is reported to whoever waits on the queue.
	 */
	err = vb2_core_qbuf(vq, vb, NULL, NULL);
	WARN_ON_ONCE(err && err != -EIO);
	mutex_unlock(vq->lock);
}

/* The request lets go of the buffer (it completed, or was re-initialised). */
static void req_unbind(struct media_request_object *obj)
{
	struct vb2_buffer *vb = req_obj_to_vb(obj);

	if (vb->state == VB2_BUF_STATE_IN_REQUEST)
		fe_init_buffer(vb);
}

/* Last reference to the object: a buffer still in the request is freed up. */
static void req_release(struct media_request_object *obj)
{
	struct vb2_buffer *vb = req_obj_to_vb(obj);

	if (vb->state != VB2_BUF_STATE_IN_REQUEST)
		return;
	vb->state = VB2_BUF_STATE_DEQUEUED;
	buf_default_hints(vb);
	if (vb->request)
		media_request_put(vb->request);
	vb->request = NULL;
}

static const struct media_request_object_ops vb2c_req_ops = {
	.prepare	= req_prepare,
	.unprepare	= req_unprepare,
	.queue		= req_queue,
	.unbind		= req_unbind,
	.release	= req_release,
};

bool vb2_request_object_is_buffer(struct media_request_object *obj)
{
	return obj->ops == &vb2c_req_ops;
}
EXPORT_SYMBOL_GPL(vb2_request_object_is_buffer);

unsigned int vb2_request_buffer_cnt(struct media_request *req)
{
	struct media_request_object *obj;
	unsigned int n = 0;
	unsigned long irqf;

	spin_lock_irqsave(&req->lock, irqf);
	list_for_each_entry(obj, &req->objects, list)
		n += vb2_request_object_is_buffer(obj);
	spin_unlock_irqrestore(&req->lock, irqf);
	return n;
}
EXPORT_SYMBOL_GPL(vb2_request_buffer_cnt);

/* Buffers coming back from the driver */

void vb2_buffer_done(struct vb2_buffer *vb, enum vb2_buffer_state state)
{
	struct vb2_queue *vq = vb->vb2_queue;
	unsigned long irqf;

	if (WARN_ON(vb->state != VB2_BUF_STATE_ACTIVE))
		return;
	if (WARN_ON(state != VB2_BUF_STATE_DONE &&
		    state != VB2_BUF_STATE_ERROR &&
		    state != VB2_BUF_STATE_QUEUED))
		state = VB2_BUF_STATE_ERROR;

	tally(vb, buf_done);
	qdbg(vq, 4, "buffer %u comes back %s\n", vb->index, state_str(state));

	if (state != VB2_BUF_STATE_QUEUED)
		buf_sync_for_cpu(vb);

	spin_lock_irqsave(&vq->done_lock, irqf);
	if (state != VB2_BUF_STATE_QUEUED)
		list_add_tail(&vb->done_entry, &vq->done_list);
	WRITE_ONCE(vb->state, state);
	atomic_dec(&vq->owned_by_drv_count);
	/* dequeueable before its request reports completion */
	if (state != VB2_BUF_STATE_QUEUED && vb->req_obj.req) {
		media_request_object_unbind(&vb->req_obj);
		media_request_object_put(&vb->req_obj);
	}
	spin_unlock_irqrestore(&vq->done_lock, irqf);

	trace_vb2_buf_done(vq, vb);

	/* DQBUF, poll, vb2_wait_for_all_buffers() and move_notify wait */
	wake_up(&vq->done_wq);
}
EXPORT_SYMBOL_GPL(vb2_buffer_done);

void vb2_discard_done(struct vb2_queue *vq)
{
	struct vb2_buffer *vb;
	unsigned long irqf;

	spin_lock_irqsave(&vq->done_lock, irqf);
	list_for_each_entry(vb, &vq->done_list, done_entry)
		vb->state = VB2_BUF_STATE_ERROR;
	spin_unlock_irqrestore(&vq->done_lock, irqf);
}
EXPORT_SYMBOL_GPL(vb2_discard_done);

int vb2_wait_for_all_buffers(struct vb2_queue *vq)
{
	if (!vq->streaming) {
		qdbg(vq, 1, "not streaming, nothing to wait for\n");
		return -EINVAL;
	}
	if (vq->start_streaming_called)
		wait_event(vq->done_wq, !atomic_read(&vq->owned_by_drv_count));
	return 0;
}
EXPORT_SYMBOL_GPL(vb2_wait_for_all_buffers);

void vb2_queue_error(struct vb2_queue *vq)
{
	vq->error = 1;
	wake_up_all(&vq->done_wq);
}
EXPORT_SYMBOL_GPL(vb2_queue_error);

/* Dequeueing */

static void q_unlock_for_wait(struct vb2_queue *vq)
{
	if (vq->ops->wait_prepare) {
		vq->ops->wait_prepare(vq);
		tally(vq, wait_prepare);
	} else if (vq->lock) {
		mutex_unlock(vq->lock);
	}
}

static void q_relock_after_wait(struct vb2_queue *vq)
{
	if (vq->ops->wait_finish) {
		vq->ops->wait_finish(vq);
		tally(vq, wait_finish);
	} else if (vq->lock) {
		mutex_lock(vq->lock);
	}
}

/*
 * Wait until the done list has a buffer, with the queue's lock dropped
 * meanwhile.  Only the serialised caller takes buffers off the done list,
 * so once it is seen non-empty here it stays so.
 */
static int q_wait_for_done(struct vb2_queue *vq, bool nonblocking)
{
	for (;;) {
		int err;

		if (vq->waiting_in_dqbuf) {
			qdbg(vq, 1, "another DQBUF is already waiting\n");
			return -EBUSY;
		}
		if (!vq->streaming) {
			qdbg(vq, 1, "not streaming\n");
			return -EINVAL;
		}
		if (vq->error) {
			qdbg(vq, 1, "the queue is in error\n");
			return -EIO;
		}
		if (vq->last_buffer_dequeued) {
			qdbg(vq, 3, "the last buffer was dequeued already\n");
			return -EPIPE;
		}
		if (!list_empty(&vq->done_list))
			return 0;
		if (nonblocking) {
			qdbg(vq, 3, "nothing to dequeue yet\n");
			return -EAGAIN;
		}

		vq->waiting_in_dqbuf = 1;
		q_unlock_for_wait(vq);
		qdbg(vq, 3, "sleeping until a buffer is done\n");
		err = wait_event_interruptible(vq->done_wq,
					       !list_empty(&vq->done_list) ||
					       !vq->streaming || vq->error);
		q_relock_after_wait(vq);
		vq->waiting_in_dqbuf = 0;
		if (err) {
			qdbg(vq, 1, "interrupted while waiting\n");
			return err;
		}
	}
}

int vb2_core_dqbuf(struct vb2_queue *vq, unsigned int *pindex, void *pb,
		   bool nonblocking)
{
	struct vb2_buffer *vb;
	unsigned long irqf;
	int err;

	err = q_wait_for_done(vq, nonblocking);
	if (err)
		return err;

	spin_lock_irqsave(&vq->done_lock, irqf);
	vb = list_first_entry(&vq->done_list, struct vb2_buffer, done_entry);
	/* leave it there if the caller's structure cannot take it */
	err = fe_check_planes(vb, pb);
	if (!err)
		list_del(&vb->done_entry);
	spin_unlock_irqrestore(&vq->done_lock, irqf);
	if (err)
		return err;

	if (vb->prepared)
		buf_unprepare(vb);

	if (pindex)
		*pindex = vb->index;
	fe_fill_user(vb, pb);

	list_del(&vb->queued_entry);
	vq->queued_count--;
	trace_vb2_dqbuf(vq, vb);

	qdbg(vq, 2, "buffer %u dequeued, %s\n", vb->index,
	     state_str(vb->state));
	vb->state = VB2_BUF_STATE_DEQUEUED;
	buf_default_hints(vb);
	fe_init_buffer(vb);

	if (WARN_ON(vb->req_obj.req)) {
		media_request_object_unbind(&vb->req_obj);
		media_request_object_put(&vb->req_obj);
	}
	if (vb->request)
		media_request_put(vb->request);
	vb->request = NULL;
	return 0;
}
EXPORT_SYMBOL_GPL(vb2_core_dqbuf);

/* Streaming */

/* Everything back to userspace: buffer @vb's part of q_cancel(). */
static void buf_cancel(struct vb2_buffer *vb)
{
	struct media_request *req = vb->req_obj.req;

	if (req) {
		enum media_request_state rstate;
		unsigned long irqf;

		spin_lock_irqsave(&req->lock, irqf);
		rstate = req->state;
		spin_unlock_irqrestore(&req->lock, irqf);

		/* the driver may hold request objects that depend on it */
		if (rstate == MEDIA_REQUEST_STATE_QUEUED)
			drv_buf_request_complete(vb);
	}

	buf_sync_for_cpu(vb);
	if (vb->prepared)
		buf_unprepare(vb);
	if (vb->state != VB2_BUF_STATE_DEQUEUED) {
		vb->state = VB2_BUF_STATE_DEQUEUED;
		fe_init_buffer(vb);
	}
	buf_default_hints(vb);

	if (vb->req_obj.req) {
		media_request_object_unbind(&vb->req_obj);
		media_request_object_put(&vb->req_obj);
	}
	if (vb->request)
		media_request_put(vb->request);
	vb->request = NULL;
	vb->copied_timestamp = 0;
}

/*
 * Stop the driver and take every buffer back, whatever its state; buffers
 * done but not dequeued are lost to userspace.  Also when not streaming:
 * prepared or queued buffers go back to DEQUEUED.
 */
static void q_cancel(struct vb2_queue *vq)
{
	unsigned long irqf;
	unsigned int i;

	if (vq->start_streaming_called) {
		if (vq->ops->stop_streaming)
			vq->ops->stop_streaming(vq);
		tally(vq, stop_streaming);
	}
	if (vq->streaming)
		drv_unprepare_streaming(vq);

	/* see vb2_ops.stop_streaming: the driver must give them all back */
	if (WARN_ON(atomic_read(&vq->owned_by_drv_count)))
		q_reclaim_active(vq, VB2_BUF_STATE_ERROR);

	vq->streaming = 0;
	vq->start_streaming_called = 0;
	vq->queued_count = 0;
	vq->error = 0;
	vq->uses_requests = 0;
	vq->uses_qbuf = 0;

	INIT_LIST_HEAD(&vq->queued_list);
	spin_lock_irqsave(&vq->done_lock, irqf);
	INIT_LIST_HEAD(&vq->done_list);
	spin_unlock_irqrestore(&vq->done_lock, irqf);
	atomic_set(&vq->owned_by_drv_count, 0);
	wake_up_all(&vq->done_wq);

	for (i = q_next_used(vq, 0); i < vq->max_num_buffers;
	     i = q_next_used(vq, i + 1))
		buf_cancel(vq->bufs[i]);
}

int vb2_core_streamon(struct vb2_queue *vq, unsigned int type)
{
	unsigned int have = vb2_get_num_buffers(vq);
	int err;

	if (type != vq->type) {
		qdbg(vq, 1, "type %u is not the queue's\n", type);
		return -EINVAL;
	}
	if (vq->streaming) {
		qdbg(vq, 3, "streaming already\n");
		return 0;
	}
	if (!have) {
		qdbg(vq, 1, "no buffers to stream with\n");
		return -EINVAL;
	}
	if (have < vq->min_queued_buffers) {
		qdbg(vq, 1, "%u buffer(s), the driver needs %u\n", have,
		     vq->min_queued_buffers);
		return -EINVAL;
	}

	err = vq->ops->prepare_streaming ? vq->ops->prepare_streaming(vq) : 0;
	if (err)
		return err;
	tally(vq, prepare_streaming);

	/*
	 * Else the QBUF that reaches min_queued_buffers starts the driver.
	 * Drivers test vb2_is_streaming() in buf_queue to tell the buffers
	 * given at start from later ones, so the flag goes up only once
	 * start_streaming has succeeded.
	 */
	if (vq->queued_count >= vq->min_queued_buffers) {
		err = q_start_streaming(vq);
		if (err) {
			drv_unprepare_streaming(vq);
			return err;
		}
	}
	vq->streaming = 1;

	qdbg(vq, 3, "streaming on\n");
	return 0;
}
EXPORT_SYMBOL_GPL(vb2_core_streamon);

int vb2_core_streamoff(struct vb2_queue *vq, unsigned int type)
{
	if (type != vq->type) {
		qdbg(vq, 1, "type %u is not the queue's\n", type);
		return -EINVAL;
	}

	q_cancel(vq);
	vq->waiting_for_buffers = !vq->is_output;
	vq->last_buffer_dequeued = false;
	qdbg(vq, 3, "streaming off\n");
	return 0;
}
EXPORT_SYMBOL_GPL(vb2_core_streamoff);

/* Export, mmap, poll */

int vb2_core_expbuf(struct vb2_queue *vq, int *fd, unsigned int type,
		    struct vb2_buffer *vb, unsigned int plane,
		    unsigned int flags)
{
	struct dma_buf *dbuf;
	int ret;

	if (vq->memory != VB2_MEMORY_MMAP) {
		qdbg(vq, 1, "only MMAP buffers can be exported\n");
		return -EINVAL;
	}
	if (!vq->mem_ops->get_dmabuf) {
		qdbg(vq, 1, "the allocator cannot export\n");
		return -EINVAL;
	}
	if (flags & ~(O_CLOEXEC | O_ACCMODE)) {
		qdbg(vq, 1, "flags 0x%x not supported\n", flags);
		return -EINVAL;
	}
	if (type != vq->type) {
		qdbg(vq, 1, "type %u is not the queue's\n", type);
		return -EINVAL;
	}
	if (plane >= vb->num_planes) {
		qdbg(vq, 1, "buffer %u has no plane %u\n", vb->index, plane);
		return -EINVAL;
	}
	if (vb2_fileio_is_active(vq)) {
		qdbg(vq, 1, "read()/write() emulation owns the queue\n");
		return -EBUSY;
	}

	dbuf = vq->mem_ops->get_dmabuf(vb, vb->planes[plane].mem_priv,
				       flags & O_ACCMODE);
	if (IS_ERR_OR_NULL(dbuf)) {
		qdbg(vq, 1, "buffer %u plane %u: export failed\n",
		     vb->index, plane);
		return -EINVAL;
	}
	tally(vb, mem_get_dmabuf);

	ret = dma_buf_fd(dbuf, flags & ~O_ACCMODE);
	if (ret < 0) {
		qdbg(vq, 3, "buffer %u plane %u: no fd (%d)\n",
		     vb->index, plane, ret);
		dma_buf_put(dbuf);
		return ret;
	}
	*fd = ret;
	qdbg(vq, 3, "buffer %u plane %u exported as fd %d\n",
	     vb->index, plane, ret);
	return 0;
}
EXPORT_SYMBOL_GPL(vb2_core_expbuf);

int vb2_mmap(struct vb2_queue *vq, struct vm_area_struct *vma)
{
	unsigned long offset = vma->vm_pgoff << PAGE_SHIFT;
	struct vb2_buffer *vb = NULL;
	unsigned int plane = 0;
	int err;

	if (!(vma->vm_flags & VM_SHARED)) {
		qdbg(vq, 1, "only shared mappings are possible\n");
		return -EINVAL;
	}
	if (!(vma->vm_flags & (vq->is_output ? VM_WRITE : VM_READ))) {
		qdbg(vq, 1, "the mapping must be %s\n",
		     vq->is_output ? "writable" : "readable");
		return -EINVAL;
	}

	mutex_lock(&vq->mmap_lock);
	err = q_plane_at(vq, offset, &vb, &plane);
	if (err)
		goto unlock;

	/* planes are whole pages, mapped from their start */
	if (vma->vm_end - vma->vm_start >
	    PAGE_ALIGN(vb->planes[plane].length)) {
		qdbg(vq, 1, "%lu bytes asked, plane has %u\n",
		     vma->vm_end - vma->vm_start, vb->planes[plane].length);
		err = -EINVAL;
		goto unlock;
	}
	/* the offset only named the plane */
	vma->vm_pgoff = 0;

	err = vq->mem_ops->mmap(vb->planes[plane].mem_priv, vma);
	if (!err) {
		tally(vb, mem_mmap);
		qdbg(vq, 3, "buffer %u plane %u mapped\n", vb->index, plane);
	}

unlock:
	mutex_unlock(&vq->mmap_lock);
	return err;
}
EXPORT_SYMBOL_GPL(vb2_mmap);

#ifndef CONFIG_MMU
unsigned long vb2_get_unmapped_area(struct vb2_queue *vq,
				    unsigned long addr,
				    unsigned long len,
				    unsigned long pgoff,
				    unsigned long flags)
{
	struct vb2_buffer *vb = NULL;
	unsigned int plane = 0;
	void *vaddr = NULL;
	int err;

	mutex_lock(&vq->mmap_lock);
	err = q_plane_at(vq, pgoff << PAGE_SHIFT, &vb, &plane);
	if (!err)
		vaddr = vb2_plane_vaddr(vb, plane);
	mutex_unlock(&vq->mmap_lock);

	if (err)
		return err;
	return vaddr ? (unsigned long)vaddr : -EINVAL;
}
EXPORT_SYMBOL_GPL(vb2_get_unmapped_area);
#endif

__poll_t vb2_core_poll(struct vb2_queue *vq, struct file *file,
		       poll_table *wait)
{
	__poll_t ready = vq->is_output ? EPOLLOUT | EPOLLWRNORM :
					EPOLLIN | EPOLLRDNORM;
	__poll_t asked = poll_requested_events(wait);
	struct vb2_buffer *vb = NULL;
	unsigned long irqf;

	/* register on the first call, whatever is asked */
	poll_wait(file, &vq->done_wq, wait);

	if (!(asked & ready))
		return 0;

	/* a queue never used for streaming starts read()/write() emulation */
	if (!vb2_get_num_buffers(vq) && !vb2_fileio_is_active(vq) &&
	    !vq->streaming &&
	    (vq->io_modes & (vq->is_output ? VB2_WRITE : VB2_READ))) {
		if (vb2_fileio_start(vq, !vq->is_output))
			return EPOLLERR;
		/* write() can go ahead at once */
		if (vq->is_output)
			return ready;
	}

	if (!vq->streaming || vq->error)
		return EPOLLERR;

	/* vb1 compatibility: a capture queue not given buffers yet fails */
	if (vq->quirk_poll_must_check_waiting_for_buffers &&
	    vq->waiting_for_buffers && (asked & (EPOLLIN | EPOLLRDNORM)))
		return EPOLLERR;

	/* write() has a free buffer to fill */
	if (vq->is_output && vq->fileio &&
	    vq->queued_count < vb2_get_num_buffers(vq))
		return ready;

	/* after the last buffer, DQBUF answers at once (with -EPIPE) */
	if (list_empty(&vq->done_list) && vq->last_buffer_dequeued)
		return EPOLLIN | EPOLLRDNORM;

	spin_lock_irqsave(&vq->done_lock, irqf);
	if (!list_empty(&vq->done_list))
		vb = list_first_entry(&vq->done_list, struct vb2_buffer,
				      done_entry);
	spin_unlock_irqrestore(&vq->done_lock, irqf);

	if (vb && (vb->state == VB2_BUF_STATE_DONE ||
		   vb->state == VB2_BUF_STATE_ERROR))
		return ready;
	return 0;
}
EXPORT_SYMBOL_GPL(vb2_core_poll);

/* Queue setup and teardown */

int vb2_core_queue_init(struct vb2_queue *vq)
{
	if (WARN_ON(!vq) ||
	    WARN_ON(!vq->ops) ||
	    WARN_ON(!vq->mem_ops) ||
	    WARN_ON(!vq->type) ||
	    WARN_ON(!vq->io_modes) ||
	    WARN_ON(!vq->ops->queue_setup) ||
	    WARN_ON(!vq->ops->buf_queue))
		return -EINVAL;

	/* drivers that predate max_num_buffers get the old fixed array size */
	if (!vq->max_num_buffers)
		vq->max_num_buffers = VB2_MAX_FRAME;
	vq->max_num_buffers = min(vq->max_num_buffers, COOKIE_MAX_BUFFERS);

	/* as in 6.12, a driver may raise the limit but not lower it */
	if (WARN_ON(vq->max_num_buffers < VB2_MAX_FRAME) ||
	    WARN_ON(vq->min_queued_buffers > vq->max_num_buffers) ||
	    WARN_ON(vq->requires_requests && !vq->supports_requests))
		return -EINVAL;
	/*
	 * A request must be queueable without an error, but reaching
	 * min_queued_buffers may start the driver, which can fail.
	 */
	if (WARN_ON(vq->supports_requests && vq->min_queued_buffers))
		return -EINVAL;

	/* one buffer more than the driver holds, for userspace to work on */
	vq->min_reqbufs_allocation = max(vq->min_reqbufs_allocation,
					 vq->min_queued_buffers + 1);
	if (WARN_ON(vq->min_reqbufs_allocation > vq->max_num_buffers))
		return -EINVAL;

	/* wait_prepare and wait_finish come as a pair */
	if (WARN_ON(!vq->ops->wait_prepare != !vq->ops->wait_finish))
		return -EINVAL;

	INIT_LIST_HEAD(&vq->queued_list);
	INIT_LIST_HEAD(&vq->done_list);
	spin_lock_init(&vq->done_lock);
	mutex_init(&vq->mmap_lock);
	init_waitqueue_head(&vq->done_wq);
	INIT_LIST_HEAD(&vq->dmabuf_cache);
	vq->dmabuf_idle = 0;
	vq->dmabuf_pinned = 0;
	vq->dmabuf_new = NULL;

	vq->memory = VB2_MEMORY_UNKNOWN;
	if (!vq->buf_struct_size)
		vq->buf_struct_size = sizeof(struct vb2_buffer);
	if (vq->bidirectional)
		vq->dma_dir = DMA_BIDIRECTIONAL;
	else
		vq->dma_dir = vq->is_output ? DMA_TO_DEVICE : DMA_FROM_DEVICE;
	if (!vq->name[0])
		snprintf(vq->name, sizeof(vq->name), "%s-%p",
			 vq->is_output ? "out" : "cap", vq);
	return 0;
}
EXPORT_SYMBOL_GPL(vb2_core_queue_init);

void vb2_core_queue_release(struct vb2_queue *vq)
{
	vb2_fileio_stop(vq);
	q_cancel(vq);

	mutex_lock(&vq->mmap_lock);
	q_free_range(vq, 0, vq->max_num_buffers);
	q_storage_put(vq);
	mutex_unlock(&vq->mmap_lock);
	vq->is_busy = 0;
}
EXPORT_SYMBOL_GPL(vb2_core_queue_release);

/* Dynamic importing: the exporter moves a dma-buf */

/*
 * Called by the exporter, with the reservation lock held, before it moves
 * the buffer.  Only an entry with userspace or idle can be here (see
 * "Moves" above): unmap it now, while the old pages are still there; the
 * next QBUF that uses it maps it again.
 */
static void dmabuf_move_notify(struct dma_buf_attachment *attach)
{
	struct vb2_dmabuf_entry *e = attach->importer_priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	/* the device may be using the mapping: leave it to the exporter */
	if (WARN_ONCE(e->pinned, "vb2: %s: exporter %s moved a pinned dma-buf\n",
		      e->vq->name, attach->dmabuf->exp_name))
		return;
	if (e->mapped) {
		e->vq->mem_ops->unmap_dmabuf(e->mem_priv);
		e->mapped = false;
	}
}

static const struct dma_buf_attach_ops vb2_dmabuf_attach_ops = {
	.allow_peer2peer = false,
	.move_notify = dmabuf_move_notify,
};

/**
 * vb2_dmabuf_attach() - attach a DMABUF plane as the core's dynamic importer
 * @vb:		the buffer &vb2_mem_ops.attach_dmabuf was called for.
 * @dev:	the device that will access the buffer.
 * @dbuf:	the dma-buf.
 *
 * For use by allocators in &vb2_mem_ops.attach_dmabuf, and only there, as
 * its last step that can fail.  The attachment belongs to the core's cache
 * entry for the plane: the core pins it while the buffer is prepared and,
 * for this attachment, calls &vb2_mem_ops.map_dmabuf and
 * &vb2_mem_ops.unmap_dmabuf with @dbuf's reservation lock held, including
 * from the exporter's move notification.  The allocator therefore maps and
 * unmaps it with dma_buf_map_attachment() and dma_buf_unmap_attachment(),
 * and drops kernel mappings with dma_buf_vunmap(), in those two ops.  It
 * detaches it with dma_buf_detach() in &vb2_mem_ops.detach_dmabuf.
 *
 * Called outside the core's &vb2_mem_ops.attach_dmabuf call (an allocator's
 * own tests), it makes a static attachment, which the exporter keeps in
 * place; the map and unmap rules above still apply.
 *
 * Return: the attachment, or an ERR_PTR() from dma_buf_dynamic_attach().
 */
struct dma_buf_attachment *vb2_dmabuf_attach(struct vb2_buffer *vb,
					     struct device *dev,
					     struct dma_buf *dbuf)
{
	struct vb2_dmabuf_entry *e = vb->vb2_queue->dmabuf_new;
	struct dma_buf_attachment *attach;

	if (!e)
		return dma_buf_attach(dbuf, dev);
	if (WARN_ON(e->attach || e->dbuf != dbuf))
		return ERR_PTR(-EINVAL);
	attach = dma_buf_dynamic_attach(dbuf, dev, &vb2_dmabuf_attach_ops, e);
	if (!IS_ERR(attach))
		e->attach = attach;
	return attach;
}
EXPORT_SYMBOL_GPL(vb2_dmabuf_attach);

MODULE_DESCRIPTION("videobuf2 queue core: buffers shared by media drivers and userspace");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
