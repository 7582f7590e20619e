// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the videobuf2 queue core, driven through the V4L2 entry
 * points the way the ioctl layer calls them for a driver that gives its
 * queue a lock.
 *
 * The driver under test lives in this file.  It keeps the buffers it gets
 * from buf_queue on a list and gives them back one at a time, oldest
 * first, when a test plays the device.  It counts every callback and can
 * be told to fail buf_out_validate, buf_prepare (of every buffer or of
 * some) or start_streaming, so the tests check what a driver sees as well
 * as what userspace gets back.  Its queue is a capture queue, or an output
 * queue for the request cases.
 *
 * The DMABUF cases import the dma-bufs of a test exporter, also in this
 * file, into queues on vb2_dma_contig_memops.  Each of its buffers is one
 * block of pages, mapped for the importing device as a single segment.
 * It counts attach, detach, map, unmap, pin, unpin, the device access
 * brackets and release, which is how the tests see the core's cache of
 * attachments: a dma-buf that keeps coming back is attached and mapped
 * once, idle attachments stay within their bound, a move is followed by
 * one new mapping at the next use, and freeing the buffers gives every
 * reference back.
 *
 * VIDIOC_QBUF takes a dma-buf as a file descriptor.  The tests run in a
 * kernel thread, which shares its file table with the other kernel
 * threads: fds installed there with dma_buf_fd() are what the core's
 * dma_buf_get() looks up, and close_fd() closes them.  The last fput()
 * of a kernel thread is deferred, so the tests flush it wherever they
 * check that a dma-buf was released.
 *
 * USERPTR planes are anonymous memory of an mm that KUnit attaches to the
 * test thread.
 *
 * The request cases (CONFIG_MEDIA_CONTROLLER) give the driver a media
 * device of its own, initialised but never registered: allocating and
 * looking up requests needs nothing but its request ops, which are
 * vb2_request_validate() and vb2_request_queue() as in any vb2 driver.
 * Request fds are installed in the same shared file table.  The tests
 * queue and re-initialise requests through the ioctl op of the request
 * file, as the ioctl() syscall would, and learn whether a request is
 * complete the way userspace does, with poll().  Like the V4L2 core for a
 * device that takes requests, STREAMON, STREAMOFF, REQBUFS and the release
 * of the queue take the media device's req_queue_mutex around the queue
 * lock.  The driver has no controls, so buf_request_complete, called for
 * a buffer of a cancelled request, only records the call.
 */

#include <kunit/device.h>
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/bits.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/jiffies.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>
#include <media/media-device.h>
#include <media/media-request.h>
#include <media/videobuf2-dma-contig.h>
#include <media/videobuf2-dma-sg.h>
#include <media/videobuf2-v4l2.h>
#include <media/videobuf2-vmalloc.h>

/* Every plane of every queue here. */
#define VB2CT_SIZE		(2 * PAGE_SIZE)
/* Frames of the long streaming runs. */
#define VB2CT_FRAMES		100
/* Most dma-bufs one test exports. */
#define VB2CT_MAX_EXP		72
/* Longest wait for something that must happen. */
#define VB2CT_WAIT		(10 * HZ)

/* The buffer flags that tell the state of a buffer. */
#define VB2CT_STATE	(V4L2_BUF_FLAG_QUEUED | V4L2_BUF_FLAG_DONE | \
			 V4L2_BUF_FLAG_ERROR | V4L2_BUF_FLAG_PREPARED | \
			 V4L2_BUF_FLAG_IN_REQUEST)
#define VB2CT_MEM_CAPS	(V4L2_BUF_CAP_SUPPORTS_MMAP | \
			 V4L2_BUF_CAP_SUPPORTS_USERPTR | \
			 V4L2_BUF_CAP_SUPPORTS_DMABUF)

/* ------------------------------------------------------------------------
 * A test exporter
 */

/*
 * One exported buffer.  The test holds one reference to the object and the
 * dma-buf another, given back by the release op, so the counters can be
 * read after the dma-buf is gone.
 */
struct vb2ct_exp {
	struct kref ref;
	unsigned int id;
	struct dma_buf *dmabuf;
	struct page *pages;
	unsigned int order;
	size_t size;
	int fd;			/* the test's fd, -1 once closed */
	bool own_ref;		/* the export reference is still the test's */
	int attach_err;		/* the attach op fails with it */
	int map_err;		/* the map op fails with it */
	unsigned int qbufs;	/* QBUFs of it that succeeded */
	unsigned int dones;	/* of those, completed by the driver */
	atomic_t attaches;
	atomic_t detaches;
	atomic_t maps;
	atomic_t unmaps;
	atomic_t pins;
	atomic_t unpins;
	atomic_t begins;
	atomic_t ends;
	atomic_t vmaps;
	atomic_t vunmaps;
	atomic_t releases;
};

static struct vb2ct_exp *vb2ct_exp_of(struct dma_buf *dmabuf)
{
	return dmabuf->priv;
}

static void vb2ct_exp_free(struct kref *ref)
{
	kfree(container_of(ref, struct vb2ct_exp, ref));
}

static int vb2ct_exp_attach(struct dma_buf *dmabuf,
			    struct dma_buf_attachment *att)
{
	if (vb2ct_exp_of(dmabuf)->attach_err)
		return vb2ct_exp_of(dmabuf)->attach_err;
	atomic_inc(&vb2ct_exp_of(dmabuf)->attaches);
	return 0;
}

static void vb2ct_exp_detach(struct dma_buf *dmabuf,
			     struct dma_buf_attachment *att)
{
	atomic_inc(&vb2ct_exp_of(dmabuf)->detaches);
}

static int vb2ct_exp_pin(struct dma_buf_attachment *att)
{
	atomic_inc(&vb2ct_exp_of(att->dmabuf)->pins);
	return 0;
}

static void vb2ct_exp_unpin(struct dma_buf_attachment *att)
{
	atomic_inc(&vb2ct_exp_of(att->dmabuf)->unpins);
}

/*
 * The whole block as one segment, mapped for the importing device.  The
 * CPU syncs are skipped: nothing here reads the data, and an importer may
 * hold two mappings of one dma-buf for the same device at once.
 */
static struct sg_table *vb2ct_exp_map(struct dma_buf_attachment *att,
				      enum dma_data_direction dir)
{
	struct vb2ct_exp *e = vb2ct_exp_of(att->dmabuf);
	struct sg_table *sgt;
	int ret;

	if (e->map_err)
		return ERR_PTR(e->map_err);
	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	ret = sg_alloc_table(sgt, 1, GFP_KERNEL);
	if (ret)
		goto err_free;
	sg_set_page(sgt->sgl, e->pages, e->size, 0);
	ret = dma_map_sgtable(att->dev, sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
	if (ret)
		goto err_table;
	atomic_inc(&e->maps);
	return sgt;

err_table:
	sg_free_table(sgt);
err_free:
	kfree(sgt);
	return ERR_PTR(ret);
}

static void vb2ct_exp_unmap(struct dma_buf_attachment *att,
			    struct sg_table *sgt, enum dma_data_direction dir)
{
	dma_unmap_sgtable(att->dev, sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
	sg_free_table(sgt);
	kfree(sgt);
	atomic_inc(&vb2ct_exp_of(att->dmabuf)->unmaps);
}

static int vb2ct_exp_begin(struct dma_buf_attachment *att,
			   enum dma_data_direction dir)
{
	atomic_inc(&vb2ct_exp_of(att->dmabuf)->begins);
	return 0;
}

static int vb2ct_exp_end(struct dma_buf_attachment *att,
			 enum dma_data_direction dir)
{
	atomic_inc(&vb2ct_exp_of(att->dmabuf)->ends);
	return 0;
}

/* The block is one run of lowmem pages: its linear address will do. */
static int vb2ct_exp_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct vb2ct_exp *e = vb2ct_exp_of(dmabuf);

	iosys_map_set_vaddr(map, page_address(e->pages));
	atomic_inc(&e->vmaps);
	return 0;
}

static void vb2ct_exp_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	atomic_inc(&vb2ct_exp_of(dmabuf)->vunmaps);
}

static void vb2ct_exp_release(struct dma_buf *dmabuf)
{
	struct vb2ct_exp *e = vb2ct_exp_of(dmabuf);

	__free_pages(e->pages, e->order);
	e->pages = NULL;
	atomic_inc(&e->releases);
	kref_put(&e->ref, vb2ct_exp_free);
}

/* An exporter that never moves its buffers. */
static const struct dma_buf_ops vb2ct_exp_ops = {
	.attach = vb2ct_exp_attach,
	.detach = vb2ct_exp_detach,
	.map_dma_buf = vb2ct_exp_map,
	.unmap_dma_buf = vb2ct_exp_unmap,
	.release = vb2ct_exp_release,
	.begin_access = vb2ct_exp_begin,
	.end_access = vb2ct_exp_end,
	.vmap = vb2ct_exp_vmap,
	.vunmap = vb2ct_exp_vunmap,
};

/* The same with pin and unpin: a dynamic exporter, which may move them. */
static const struct dma_buf_ops vb2ct_dyn_exp_ops = {
	.attach = vb2ct_exp_attach,
	.detach = vb2ct_exp_detach,
	.pin = vb2ct_exp_pin,
	.unpin = vb2ct_exp_unpin,
	.map_dma_buf = vb2ct_exp_map,
	.unmap_dma_buf = vb2ct_exp_unmap,
	.release = vb2ct_exp_release,
	.begin_access = vb2ct_exp_begin,
	.end_access = vb2ct_exp_end,
	.vmap = vb2ct_exp_vmap,
	.vunmap = vb2ct_exp_vunmap,
};

/* Test end: the test's reference to the dma-buf and to the object go. */
static void vb2ct_exp_drop(void *data)
{
	struct vb2ct_exp *e = data;

	if (e->own_ref) {
		e->own_ref = false;
		dma_buf_put(e->dmabuf);
		flush_delayed_fput();
	} else if (!e->dmabuf && e->pages) {
		/* never exported */
		__free_pages(e->pages, e->order);
	}
	kref_put(&e->ref, vb2ct_exp_free);
}

static void vb2ct_close_fd(void *data)
{
	int *fd = data;

	if (*fd >= 0)
		close_fd(*fd);
	*fd = -1;
	flush_delayed_fput();
}

/*
 * Closes *@fd when the test ends at the latest; *@fd must live until then
 * (the action runs in another thread, after the test function returned).
 */
static void vb2ct_watch_fd(struct kunit *test, int *fd)
{
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, vb2ct_close_fd,
							fd), 0);
}

/* An fd the test got from somewhere, in storage that outlives the test. */
static int *vb2ct_hold_fd(struct kunit *test, int fd)
{
	int *held = kunit_kzalloc(test, sizeof(*held), GFP_KERNEL);

	if (!held)
		close_fd(fd);
	KUNIT_ASSERT_NOT_NULL(test, held);
	*held = fd;
	vb2ct_watch_fd(test, held);
	return held;
}

static void vb2ct_drop_fd(struct kunit *test, int *fd)
{
	kunit_release_action(test, vb2ct_close_fd, fd);
}

/*
 * A dma-buf of @size bytes, with the export reference and an fd for the
 * test; @dynamic makes it the buffer of a dynamic exporter.
 */
static struct vb2ct_exp *vb2ct_exp_new(struct kunit *test, unsigned int id,
				       size_t size, bool dynamic)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct dma_buf *dmabuf;
	struct vb2ct_exp *e;

	e = kzalloc(sizeof(*e), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, e);
	kref_init(&e->ref);
	e->id = id;
	e->fd = -1;
	e->size = size;
	e->order = get_order(size);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, vb2ct_exp_drop,
							e), 0);

	e->pages = alloc_pages(GFP_KERNEL | __GFP_ZERO, e->order);
	KUNIT_ASSERT_NOT_NULL(test, e->pages);

	info.ops = dynamic ? &vb2ct_dyn_exp_ops : &vb2ct_exp_ops;
	info.size = size;
	info.flags = O_RDWR;
	info.priv = e;
	dmabuf = dma_buf_export(&info);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	kref_get(&e->ref);
	e->dmabuf = dmabuf;
	e->own_ref = true;

	/* The fd owns a reference of its own, as after DMA_HEAP_IOCTL_ALLOC. */
	get_dma_buf(dmabuf);
	e->fd = dma_buf_fd(dmabuf, O_CLOEXEC);
	if (e->fd < 0)
		dma_buf_put(dmabuf);
	KUNIT_ASSERT_GE_MSG(test, e->fd, 0, "no fd for dma-buf %u", id);
	vb2ct_watch_fd(test, &e->fd);
	return e;
}

static void vb2ct_exp_many(struct kunit *test, struct vb2ct_exp **exps,
			   unsigned int nr, bool dynamic)
{
	unsigned int i;

	KUNIT_ASSERT_LE(test, nr, (unsigned int)VB2CT_MAX_EXP);
	for (i = 0; i < nr; i++)
		exps[i] = vb2ct_exp_new(test, i, VB2CT_SIZE, dynamic);
}

/* Closes the test's fd and drops its reference: only importers remain. */
static void vb2ct_exp_put(struct kunit *test, struct vb2ct_exp *e)
{
	vb2ct_drop_fd(test, &e->fd);
	if (e->own_ref) {
		e->own_ref = false;
		dma_buf_put(e->dmabuf);
		flush_delayed_fput();
	}
}

/* References to the dma-buf that are the test's own. */
static long vb2ct_test_refs(struct vb2ct_exp *e)
{
	return (e->own_ref ? 1 : 0) + (e->fd >= 0 ? 1 : 0);
}

static int vb2ct_live(struct vb2ct_exp *e)
{
	return atomic_read(&e->attaches) - atomic_read(&e->detaches);
}

/* Totals of attach, map, unmap and detach since the exporter was made. */
static void vb2ct_expect_use(struct kunit *test, struct vb2ct_exp *e,
			     int attaches, int maps, int unmaps, int detaches)
{
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&e->attaches), attaches,
			    "attachments of dma-buf %u", e->id);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&e->maps), maps,
			    "mappings of dma-buf %u", e->id);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&e->unmaps), unmaps,
			    "unmappings of dma-buf %u", e->id);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&e->detaches), detaches,
			    "detachments of dma-buf %u", e->id);
}

/*
 * Nothing of @e is held by an importer any more: every attach, map, pin
 * and access bracket undone, and no reference left but the test's.
 */
static void vb2ct_expect_unused(struct kunit *test, struct vb2ct_exp *e)
{
	KUNIT_ASSERT_GT(test, vb2ct_test_refs(e), 0L);
	KUNIT_EXPECT_EQ_MSG(test, vb2ct_live(e), 0,
			    "attachments of dma-buf %u left", e->id);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&e->maps),
			    atomic_read(&e->unmaps),
			    "mappings of dma-buf %u left", e->id);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&e->pins),
			    atomic_read(&e->unpins),
			    "pins of dma-buf %u left", e->id);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&e->begins),
			    atomic_read(&e->ends),
			    "device accesses of dma-buf %u not ended", e->id);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&e->vmaps),
			    atomic_read(&e->vunmaps),
			    "kernel mappings of dma-buf %u left", e->id);
	KUNIT_EXPECT_EQ_MSG(test, file_count(e->dmabuf->file),
			    vb2ct_test_refs(e),
			    "references to dma-buf %u", e->id);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&e->releases), 0,
			    "dma-buf %u released under the test", e->id);
}

/* Gives up the test's references: the dma-buf must go, exactly once. */
static void vb2ct_expect_released(struct kunit *test, struct vb2ct_exp *e)
{
	unsigned long end;

	vb2ct_exp_put(test, e);
	/*
	 * flush_delayed_fput() returns at once when the fput worker has
	 * already taken the list and is still releasing on another CPU.
	 */
	end = jiffies + VB2CT_WAIT;
	while (!atomic_read(&e->releases) && time_before(jiffies, end))
		msleep(20);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&e->releases), 1,
			    "releases of dma-buf %u", e->id);
}

/* Attach, map, unmap and detach counts at some point. */
struct vb2ct_tally {
	int attaches;
	int maps;
	int unmaps;
	int detaches;
};

static void vb2ct_tally(struct vb2ct_exp *e, struct vb2ct_tally *t)
{
	t->attaches = atomic_read(&e->attaches);
	t->maps = atomic_read(&e->maps);
	t->unmaps = atomic_read(&e->unmaps);
	t->detaches = atomic_read(&e->detaches);
}

/* What happened to @e since @t. */
static void vb2ct_expect_since(struct kunit *test, struct vb2ct_exp *e,
			       const struct vb2ct_tally *t, int attaches,
			       int maps, int unmaps, int detaches)
{
	vb2ct_expect_use(test, e, t->attaches + attaches, t->maps + maps,
			 t->unmaps + unmaps, t->detaches + detaches);
}

struct vb2ct_drv;
static bool vb2ct_drv_uses(struct vb2ct_drv *d, struct dma_buf *dbuf);

/*
 * A dma-buf move, run from a work item as an exporter's would be.  Like
 * TTM's eviction, it leaves a pinned buffer where it is.  Otherwise it
 * tells the importers, and then, where a real exporter would copy the
 * data and free the old pages, notes what still used the old placement:
 * mappings not given back inside move_notify, and the device (when the
 * test names its driver) holding a buffer on this dma-buf.
 */
struct vb2ct_move {
	struct work_struct work;
	struct vb2ct_exp *exp;
	struct vb2ct_drv *drv;		/* checked for use of the dma-buf */
	struct completion started;
	struct completion done;
	bool refused;			/* the buffer was pinned */
	int stale;			/* mappings left after move_notify */
	bool in_use;			/* the device held it after move_notify */
};

static void vb2ct_move_work(struct work_struct *work)
{
	struct vb2ct_move *m = container_of(work, struct vb2ct_move, work);
	struct vb2ct_exp *e = m->exp;

	complete(&m->started);
	dma_resv_lock(e->dmabuf->resv, NULL);
	if (atomic_read(&e->pins) != atomic_read(&e->unpins)) {
		m->refused = true;
	} else {
		dma_buf_move_notify(e->dmabuf);
		m->stale = atomic_read(&e->maps) - atomic_read(&e->unmaps);
		m->in_use = m->drv && vb2ct_drv_uses(m->drv, e->dmabuf);
	}
	dma_resv_unlock(e->dmabuf->resv);
	complete(&m->done);
}

static void vb2ct_move_flush(void *data)
{
	struct vb2ct_move *m = data;

	flush_work(&m->work);
}

/* Starts moving @e's buffer; returns once the mover runs. */
static struct vb2ct_move *vb2ct_move_start(struct kunit *test,
					   struct vb2ct_exp *e,
					   struct vb2ct_drv *d)
{
	struct vb2ct_move *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, m);
	m->exp = e;
	m->drv = d;
	init_completion(&m->started);
	init_completion(&m->done);
	INIT_WORK(&m->work, vb2ct_move_work);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, vb2ct_move_flush,
							m), 0);
	queue_work(system_unbound_wq, &m->work);
	KUNIT_ASSERT_TRUE_MSG(test,
			      wait_for_completion_timeout(&m->started,
							  VB2CT_WAIT),
			      "the move of dma-buf %u did not start", e->id);
	return m;
}

/* ------------------------------------------------------------------------
 * The driver under test
 */

/* How a test wants its queue. */
struct vb2ct_cfg {
	const struct vb2_mem_ops *mem_ops;
	unsigned int io_modes;
	bool mplane;
	bool output;			/* else capture */
	bool requests;			/* supports_requests */
	bool requires_requests;
	unsigned int nplanes;
	u32 min_queued;
	u32 min_reqbufs;
};

/* CPU-only memory, for the state machine without DMA. */
static const struct vb2ct_cfg vb2ct_mmap_cfg = {
	.mem_ops = &vb2_vmalloc_memops,
	.io_modes = VB2_MMAP | VB2_USERPTR,
	.nplanes = 1,
};

/* Imports for a DMA device, one plane per buffer. */
static const struct vb2ct_cfg vb2ct_dmabuf_cfg = {
	.mem_ops = &vb2_dma_contig_memops,
	.io_modes = VB2_MMAP | VB2_DMABUF,
	.nplanes = 1,
};

/* The driver's buffer, allocated by the core with buf_struct_size. */
struct vb2ct_buf {
	struct vb2_v4l2_buffer vbuf;
	struct list_head node;
};

struct vb2ct_drv {
	struct vb2_queue q;
	struct mutex lock;		/* the queue lock, taken around calls */
	struct vb2ct_cfg cfg;
	struct media_device *mdev;	/* where requests come from, or NULL */
	unsigned int sizes[VB2_MAX_PLANES];
	u32 memory;			/* of the buffers allocated last */
	u32 caps;			/* what REQBUFS reported last */

	spinlock_t slock;		/* protects active and sequence */
	struct list_head active;	/* the driver's buffers, oldest first */
	u32 sequence;

	int validate_err;		/* buf_out_validate fails with it */
	int prepare_err;		/* buf_prepare fails with it */
	unsigned long prepare_fail;	/* ... for these (BIT(index)), 0: all */
	int start_err;			/* start_streaming fails with it */
	unsigned long queue_fail;	/* buf_queue fails these (BIT(index)) */
	struct media_request *req_seen;	/* at the last buf_request_complete */

	unsigned int setup_count;	/* *num_buffers at last queue_setup */
	unsigned int start_count;	/* count start_streaming got last */
	atomic_t setups;
	atomic_t inits;
	atomic_t validates;
	atomic_t prepares;
	atomic_t finishes;
	atomic_t cleanups;
	atomic_t queues;
	atomic_t starts;
	atomic_t stops;
	atomic_t req_completes;
};

static struct vb2ct_buf *vb2ct_buf_of(struct vb2_buffer *vb)
{
	return container_of(to_vb2_v4l2_buffer(vb), struct vb2ct_buf, vbuf);
}

static int vb2ct_queue_setup(struct vb2_queue *q, unsigned int *nbufs,
			     unsigned int *nplanes, unsigned int sizes[],
			     struct device *alloc_devs[])
{
	struct vb2ct_drv *d = vb2_get_drv_priv(q);
	unsigned int i;

	atomic_inc(&d->setups);
	d->setup_count = *nbufs;
	if (*nplanes) {
		/* CREATE_BUFS: what was asked must fit the format */
		if (*nplanes != d->cfg.nplanes)
			return -EINVAL;
		for (i = 0; i < *nplanes; i++)
			if (sizes[i] < d->sizes[i])
				return -EINVAL;
		return 0;
	}
	*nplanes = d->cfg.nplanes;
	for (i = 0; i < *nplanes; i++)
		sizes[i] = d->sizes[i];
	return 0;
}

static int vb2ct_buf_init(struct vb2_buffer *vb)
{
	struct vb2ct_drv *d = vb2_get_drv_priv(vb->vb2_queue);

	atomic_inc(&d->inits);
	return 0;
}

static int vb2ct_buf_out_validate(struct vb2_buffer *vb)
{
	struct vb2ct_drv *d = vb2_get_drv_priv(vb->vb2_queue);

	atomic_inc(&d->validates);
	return d->validate_err;
}

/* Whether buf_prepare of @vb is to fail. */
static bool vb2ct_prepare_fails(struct vb2ct_drv *d, struct vb2_buffer *vb)
{
	if (!d->prepare_err)
		return false;
	if (!d->prepare_fail)
		return true;
	return vb->index < BITS_PER_LONG && (d->prepare_fail & BIT(vb->index));
}

static int vb2ct_buf_prepare(struct vb2_buffer *vb)
{
	struct vb2ct_drv *d = vb2_get_drv_priv(vb->vb2_queue);
	unsigned int i;

	atomic_inc(&d->prepares);
	if (vb2ct_prepare_fails(d, vb))
		return d->prepare_err;
	for (i = 0; i < vb->num_planes; i++)
		if (vb2_plane_size(vb, i) < d->sizes[i])
			return -EINVAL;
	return 0;
}

static void vb2ct_buf_finish(struct vb2_buffer *vb)
{
	struct vb2ct_drv *d = vb2_get_drv_priv(vb->vb2_queue);

	atomic_inc(&d->finishes);
}

static void vb2ct_buf_cleanup(struct vb2_buffer *vb)
{
	struct vb2ct_drv *d = vb2_get_drv_priv(vb->vb2_queue);

	atomic_inc(&d->cleanups);
}

static void vb2ct_buf_queue(struct vb2_buffer *vb)
{
	struct vb2ct_drv *d = vb2_get_drv_priv(vb->vb2_queue);
	unsigned long flags;

	atomic_inc(&d->queues);
	if (vb->index < BITS_PER_LONG && (d->queue_fail & BIT(vb->index))) {
		vb2_buffer_done(vb, VB2_BUF_STATE_ERROR);
		return;
	}
	spin_lock_irqsave(&d->slock, flags);
	list_add_tail(&vb2ct_buf_of(vb)->node, &d->active);
	spin_unlock_irqrestore(&d->slock, flags);
}

/* Hands every buffer the driver holds back to the core in @state. */
static void vb2ct_give_back(struct vb2ct_drv *d, enum vb2_buffer_state state)
{
	struct vb2ct_buf *b, *tmp;
	unsigned long flags;
	LIST_HEAD(held);

	spin_lock_irqsave(&d->slock, flags);
	list_splice_init(&d->active, &held);
	spin_unlock_irqrestore(&d->slock, flags);
	list_for_each_entry_safe(b, tmp, &held, node) {
		list_del_init(&b->node);
		vb2_buffer_done(&b->vbuf.vb2_buf, state);
	}
}

static int vb2ct_start_streaming(struct vb2_queue *q, unsigned int count)
{
	struct vb2ct_drv *d = vb2_get_drv_priv(q);

	atomic_inc(&d->starts);
	d->start_count = count;
	if (d->start_err) {
		/* as documented: what the driver got goes back QUEUED */
		vb2ct_give_back(d, VB2_BUF_STATE_QUEUED);
		return d->start_err;
	}
	return 0;
}

static void vb2ct_stop_streaming(struct vb2_queue *q)
{
	struct vb2ct_drv *d = vb2_get_drv_priv(q);

	atomic_inc(&d->stops);
	vb2ct_give_back(d, VB2_BUF_STATE_ERROR);
}

/*
 * A buffer of a queued request is cancelled before it reached the driver.
 * A driver with controls would complete its part of the request here; this
 * one has none, and notes which request it was told about.
 */
static void vb2ct_buf_request_complete(struct vb2_buffer *vb)
{
	struct vb2ct_drv *d = vb2_get_drv_priv(vb->vb2_queue);

	d->req_seen = vb->req_obj.req;
	atomic_inc(&d->req_completes);
}

static const struct vb2_ops vb2ct_qops = {
	.queue_setup = vb2ct_queue_setup,
	.wait_prepare = vb2_ops_wait_prepare,
	.wait_finish = vb2_ops_wait_finish,
	.buf_out_validate = vb2ct_buf_out_validate,
	.buf_init = vb2ct_buf_init,
	.buf_prepare = vb2ct_buf_prepare,
	.buf_finish = vb2ct_buf_finish,
	.buf_cleanup = vb2ct_buf_cleanup,
	.start_streaming = vb2ct_start_streaming,
	.stop_streaming = vb2ct_stop_streaming,
	.buf_queue = vb2ct_buf_queue,
	.buf_request_complete = vb2ct_buf_request_complete,
};

/*
 * The device finished the oldest buffer it holds: returns its index, or
 * -1 when it holds none.  @flags are added to the buffer's (V4L2_BUF_FLAG_
 * LAST for the last one).
 */
static int vb2ct_complete(struct vb2ct_drv *d, enum vb2_buffer_state state,
			  u32 flags)
{
	struct vb2_buffer *vb;
	struct vb2ct_buf *b;
	unsigned long irqflags;
	unsigned int i;

	spin_lock_irqsave(&d->slock, irqflags);
	b = list_first_entry_or_null(&d->active, struct vb2ct_buf, node);
	if (b) {
		list_del_init(&b->node);
		b->vbuf.sequence = d->sequence++;
	}
	spin_unlock_irqrestore(&d->slock, irqflags);
	if (!b)
		return -1;

	vb = &b->vbuf.vb2_buf;
	for (i = 0; i < vb->num_planes; i++)
		vb2_set_plane_payload(vb, i, vb2_plane_size(vb, i));
	vb->timestamp = ktime_get_ns();
	b->vbuf.field = V4L2_FIELD_NONE;
	b->vbuf.flags |= flags;
	vb2_buffer_done(vb, state);
	return vb->index;
}

/* Index of the oldest buffer the driver holds, or -1. */
static int vb2ct_oldest(struct vb2ct_drv *d)
{
	struct vb2ct_buf *b;
	unsigned long flags;
	int index = -1;

	spin_lock_irqsave(&d->slock, flags);
	b = list_first_entry_or_null(&d->active, struct vb2ct_buf, node);
	if (b)
		index = b->vbuf.vb2_buf.index;
	spin_unlock_irqrestore(&d->slock, flags);
	return index;
}

/* Does the driver hold a buffer with a plane on @dbuf? */
static bool vb2ct_drv_uses(struct vb2ct_drv *d, struct dma_buf *dbuf)
{
	struct vb2ct_buf *b;
	unsigned long flags;
	bool uses = false;
	unsigned int p;

	spin_lock_irqsave(&d->slock, flags);
	list_for_each_entry(b, &d->active, node)
		for (p = 0; p < b->vbuf.vb2_buf.num_planes; p++)
			if (b->vbuf.vb2_buf.planes[p].dbuf == dbuf)
				uses = true;
	spin_unlock_irqrestore(&d->slock, flags);
	return uses;
}

static unsigned int vb2ct_held(struct vb2ct_drv *d)
{
	unsigned long flags;
	size_t n;

	spin_lock_irqsave(&d->slock, flags);
	n = list_count_nodes(&d->active);
	spin_unlock_irqrestore(&d->slock, flags);
	return n;
}

/*
 * For a device that takes requests, the V4L2 core serialises STREAMON,
 * STREAMOFF, REQBUFS and the release of the file with the queueing of
 * requests, outside the queue lock.
 */
static void vb2ct_mc_lock(struct vb2ct_drv *d)
{
	if (d->mdev)
		mutex_lock(&d->mdev->req_queue_mutex);
}

static void vb2ct_mc_unlock(struct vb2ct_drv *d)
{
	if (d->mdev)
		mutex_unlock(&d->mdev->req_queue_mutex);
}

static void vb2ct_release_action(void *data)
{
	struct vb2ct_drv *d = data;

	/* as vb2_fop_release() does it */
	vb2ct_mc_lock(d);
	mutex_lock(&d->lock);
	vb2_queue_release(&d->q);
	mutex_unlock(&d->lock);
	vb2ct_mc_unlock(d);
	/* dma-bufs the queue let go of are really put now */
	flush_delayed_fput();
}

/* Closes the queue now, as when the last file handle goes. */
static void vb2ct_release(struct kunit *test, struct vb2ct_drv *d)
{
	kunit_release_action(test, vb2ct_release_action, d);
}

/* A queue of a new driver instance on a DMA-capable device. */
static struct vb2ct_drv *vb2ct_new(struct kunit *test,
				   const struct vb2ct_cfg *cfg)
{
	static atomic_t seq = ATOMIC_INIT(0);
	struct vb2ct_drv *d;
	struct vb2_queue *q;
	struct device *dev;
	char name[32];
	unsigned int i;

	/* A device of the KUnit bus, with room to map anything for DMA. */
	snprintf(name, sizeof(name), "vb2-core-q%d", atomic_inc_return(&seq));
	dev = kunit_device_register(test, name);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	KUNIT_ASSERT_EQ(test, dma_coerce_mask_and_coherent(dev,
							   DMA_BIT_MASK(64)),
			0);

	d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, d);
	d->cfg = *cfg;
	for (i = 0; i < cfg->nplanes; i++)
		d->sizes[i] = VB2CT_SIZE;
	mutex_init(&d->lock);
	spin_lock_init(&d->slock);
	INIT_LIST_HEAD(&d->active);

	q = &d->q;
	if (cfg->output)
		q->type = cfg->mplane ? V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE :
					V4L2_BUF_TYPE_VIDEO_OUTPUT;
	else
		q->type = cfg->mplane ? V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE :
					V4L2_BUF_TYPE_VIDEO_CAPTURE;
	q->io_modes = cfg->io_modes;
	q->dev = dev;
	q->lock = &d->lock;
	q->ops = &vb2ct_qops;
	q->mem_ops = cfg->mem_ops;
	q->drv_priv = d;
	q->buf_struct_size = sizeof(struct vb2ct_buf);
	q->timestamp_flags = V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC;
	q->min_queued_buffers = cfg->min_queued;
	q->min_reqbufs_allocation = cfg->min_reqbufs;
	q->supports_requests = cfg->requests;
	q->requires_requests = cfg->requires_requests;
	KUNIT_ASSERT_EQ(test, vb2_queue_init(q), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							vb2ct_release_action,
							d), 0);
	return d;
}

/* ------------------------------------------------------------------------
 * The ioctls, called with the queue lock held as the V4L2 core does
 */

/* struct v4l2_buffer with room for the planes of the multi-planar API. */
struct vb2ct_ubuf {
	struct v4l2_buffer b;
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
};

static void vb2ct_ubuf(struct vb2ct_drv *d, struct vb2ct_ubuf *u,
		       unsigned int index, u32 memory)
{
	memset(u, 0, sizeof(*u));
	u->b.type = d->q.type;
	u->b.index = index;
	u->b.memory = memory;
	if (d->cfg.mplane) {
		u->b.m.planes = u->planes;
		u->b.length = d->cfg.nplanes;
	}
}

/* Plane @plane is the dma-buf behind @fd, with @length (0: all of it). */
static void vb2ct_ubuf_fd(struct vb2ct_drv *d, struct vb2ct_ubuf *u,
			  unsigned int plane, int fd, u32 length)
{
	if (d->cfg.mplane) {
		u->planes[plane].m.fd = fd;
		u->planes[plane].length = length;
	} else {
		u->b.m.fd = fd;
		u->b.length = length;
	}
}

static int vb2ct_reqbufs_raw(struct vb2ct_drv *d,
			     struct v4l2_requestbuffers *rb)
{
	int ret;

	vb2ct_mc_lock(d);
	mutex_lock(&d->lock);
	ret = vb2_reqbufs(&d->q, rb);
	mutex_unlock(&d->lock);
	vb2ct_mc_unlock(d);
	if (!ret)
		d->memory = rb->memory;
	d->caps = rb->capabilities;
	return ret;
}

static int vb2ct_reqbufs(struct vb2ct_drv *d, u32 memory, u32 *count)
{
	struct v4l2_requestbuffers rb = {
		.count = *count,
		.type = d->q.type,
		.memory = memory,
	};
	int ret = vb2ct_reqbufs_raw(d, &rb);

	*count = rb.count;
	return ret;
}

/* REQBUFS that must give exactly @count buffers. */
static void vb2ct_alloc(struct kunit *test, struct vb2ct_drv *d, u32 memory,
			u32 count)
{
	u32 got = count;

	KUNIT_ASSERT_EQ(test, vb2ct_reqbufs(d, memory, &got), 0);
	KUNIT_ASSERT_EQ(test, got, count);
}

/* CREATE_BUFS for a format of planes of @size bytes. */
static int vb2ct_create(struct vb2ct_drv *d, u32 memory, u32 size,
			u32 *count, u32 *index)
{
	struct v4l2_create_buffers cb = {
		.count = *count,
		.memory = memory,
	};
	unsigned int i;
	int ret;

	cb.format.type = d->q.type;
	if (d->cfg.mplane) {
		cb.format.fmt.pix_mp.num_planes = d->cfg.nplanes;
		for (i = 0; i < d->cfg.nplanes; i++)
			cb.format.fmt.pix_mp.plane_fmt[i].sizeimage = size;
	} else {
		cb.format.fmt.pix.sizeimage = size;
	}
	mutex_lock(&d->lock);
	ret = vb2_create_bufs(&d->q, &cb);
	mutex_unlock(&d->lock);
	if (!ret && cb.count)
		d->memory = memory;
	*count = cb.count;
	*index = cb.index;
	return ret;
}

static int vb2ct_querybuf(struct vb2ct_drv *d, struct vb2ct_ubuf *u)
{
	int ret;

	mutex_lock(&d->lock);
	ret = vb2_querybuf(&d->q, &u->b);
	mutex_unlock(&d->lock);
	return ret;
}

static int vb2ct_prepare_buf(struct vb2ct_drv *d, struct vb2ct_ubuf *u)
{
	int ret;

	mutex_lock(&d->lock);
	ret = vb2_prepare_buf(&d->q, d->mdev, &u->b);
	mutex_unlock(&d->lock);
	return ret;
}

static int vb2ct_qbuf(struct vb2ct_drv *d, struct vb2ct_ubuf *u)
{
	int ret;

	mutex_lock(&d->lock);
	ret = vb2_qbuf(&d->q, d->mdev, &u->b);
	mutex_unlock(&d->lock);
	return ret;
}

/* DQBUF as with O_NONBLOCK: nothing here may wait for the device. */
static int vb2ct_dqbuf(struct vb2ct_drv *d, struct vb2ct_ubuf *u)
{
	int ret;

	mutex_lock(&d->lock);
	ret = vb2_dqbuf(&d->q, &u->b, true);
	mutex_unlock(&d->lock);
	return ret;
}

static int vb2ct_streamon(struct vb2ct_drv *d, u32 type)
{
	int ret;

	vb2ct_mc_lock(d);
	mutex_lock(&d->lock);
	ret = vb2_streamon(&d->q, type);
	mutex_unlock(&d->lock);
	vb2ct_mc_unlock(d);
	return ret;
}

static int vb2ct_streamoff(struct vb2ct_drv *d, u32 type)
{
	int ret;

	vb2ct_mc_lock(d);
	mutex_lock(&d->lock);
	ret = vb2_streamoff(&d->q, type);
	mutex_unlock(&d->lock);
	vb2ct_mc_unlock(d);
	return ret;
}

static int vb2ct_expbuf(struct vb2ct_drv *d, struct v4l2_exportbuffer *eb)
{
	int ret;

	mutex_lock(&d->lock);
	ret = vb2_expbuf(&d->q, eb);
	mutex_unlock(&d->lock);
	return ret;
}

/* VIDIOC_REMOVE_BUFS; vb2_ioctl_remove_bufs() would need a video device. */
static int vb2ct_remove(struct vb2ct_drv *d, unsigned int start,
			unsigned int count)
{
	int ret;

	mutex_lock(&d->lock);
	ret = vb2_core_remove_bufs(&d->q, start, count);
	mutex_unlock(&d->lock);
	return ret;
}

static noinline_for_stack int vb2ct_dq(struct vb2ct_drv *d,
				       unsigned int *index)
{
	struct vb2ct_ubuf u;
	int ret;

	vb2ct_ubuf(d, &u, 0, d->memory);
	ret = vb2ct_dqbuf(d, &u);
	if (!ret)
		*index = u.b.index;
	return ret;
}

/* QBUF of buffer @index of a queue that allocates its memory. */
static noinline_for_stack int vb2ct_qbuf_mmap(struct vb2ct_drv *d,
					      unsigned int index)
{
	struct vb2ct_ubuf u;

	vb2ct_ubuf(d, &u, index, V4L2_MEMORY_MMAP);
	return vb2ct_qbuf(d, &u);
}

/* QBUF of buffer @index with all of @e's dma-buf as its one plane. */
static noinline_for_stack int vb2ct_qbuf_dma(struct vb2ct_drv *d,
					     unsigned int index,
					     struct vb2ct_exp *e)
{
	struct vb2ct_ubuf u;
	int ret;

	vb2ct_ubuf(d, &u, index, V4L2_MEMORY_DMABUF);
	vb2ct_ubuf_fd(d, &u, 0, e->fd, e->size);
	ret = vb2ct_qbuf(d, &u);
	if (!ret)
		e->qbufs++;
	return ret;
}

/* QBUF of buffer @index with dma-buf @exps[p] as plane p. */
static noinline_for_stack int vb2ct_qbuf_dmas(struct vb2ct_drv *d,
					      unsigned int index,
					      struct vb2ct_exp **exps)
{
	struct vb2ct_ubuf u;
	unsigned int p;
	int ret;

	vb2ct_ubuf(d, &u, index, V4L2_MEMORY_DMABUF);
	for (p = 0; p < d->cfg.nplanes; p++)
		vb2ct_ubuf_fd(d, &u, p, exps[p]->fd, exps[p]->size);
	ret = vb2ct_qbuf(d, &u);
	if (!ret)
		for (p = 0; p < d->cfg.nplanes; p++)
			exps[p]->qbufs++;
	return ret;
}

static noinline_for_stack int vb2ct_qbuf_user(struct vb2ct_drv *d,
					      unsigned int index,
					      unsigned long uaddr, u32 length)
{
	struct vb2ct_ubuf u;

	vb2ct_ubuf(d, &u, index, V4L2_MEMORY_USERPTR);
	u.b.m.userptr = uaddr;
	u.b.length = length;
	return vb2ct_qbuf(d, &u);
}

/*
 * The flags QUERYBUF reports for buffer @index, and in *@rfd (unless NULL)
 * the request fd.
 */
static noinline_for_stack u32 vb2ct_query(struct kunit *test,
					  struct vb2ct_drv *d,
					  unsigned int index, s32 *rfd)
{
	struct vb2ct_ubuf u;

	vb2ct_ubuf(d, &u, index, d->memory);
	KUNIT_ASSERT_EQ_MSG(test, vb2ct_querybuf(d, &u), 0,
			    "QUERYBUF of buffer %u", index);
	if (rfd)
		*rfd = u.b.request_fd;
	return u.b.flags;
}

/* The state flags QUERYBUF reports for buffer @index. */
static u32 vb2ct_flags(struct kunit *test, struct vb2ct_drv *d,
		       unsigned int index)
{
	return vb2ct_query(test, d, index, NULL) & VB2CT_STATE;
}

/*
 * One frame: the device finishes its oldest buffer and userspace dequeues
 * it.  Returns the index.
 */
static unsigned int vb2ct_frame(struct kunit *test, struct vb2ct_drv *d)
{
	unsigned int index;
	int done;

	done = vb2ct_complete(d, VB2_BUF_STATE_DONE, 0);
	KUNIT_ASSERT_GE_MSG(test, done, 0, "the driver holds no buffer");
	KUNIT_ASSERT_EQ(test, vb2ct_dq(d, &index), 0);
	KUNIT_ASSERT_EQ(test, index, (unsigned int)done);
	return index;
}

/* ------------------------------------------------------------------------
 * Streaming through a pool of dma-bufs
 */

/*
 * Applications that recycle dma-bufs: index i starts with dma-buf i, the
 * other dma-bufs wait in a FIFO.  Each frame dequeues the oldest buffer,
 * puts its dma-buf at the back of the FIFO and queues the index again with
 * the dma-buf at the front.  With as many dma-bufs as buffers that is the
 * same pairing every frame; with more, the dma-bufs rotate over the
 * indices, each one coming back only after its last index got another.
 */
struct vb2ct_pool {
	struct vb2ct_exp **exps;
	unsigned int nr;
	unsigned int nbufs;
	unsigned int at[VB2_MAX_FRAME];	/* dma-buf queued at each index */
	unsigned int fifo[VB2CT_MAX_EXP];
	unsigned int head;
	unsigned int len;
	u32 seen[VB2CT_MAX_EXP];	/* indices each dma-buf was queued at */
};

static void vb2ct_pool_qbuf(struct kunit *test, struct vb2ct_drv *d,
			    struct vb2ct_pool *p, unsigned int index,
			    unsigned int e)
{
	KUNIT_ASSERT_EQ_MSG(test, vb2ct_qbuf_dma(d, index, p->exps[e]), 0,
			    "QBUF of dma-buf %u at %u", e, index);
	p->at[index] = e;
	p->seen[e] |= BIT(index);
}

static struct vb2ct_pool *vb2ct_pool_new(struct kunit *test)
{
	struct vb2ct_pool *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	return p;
}

/* Queues the first @nbufs dma-bufs at their own index and starts. */
static void vb2ct_pool_start(struct kunit *test, struct vb2ct_drv *d,
			     struct vb2ct_pool *p, struct vb2ct_exp **exps,
			     unsigned int nr, unsigned int nbufs)
{
	unsigned int i;

	KUNIT_ASSERT_LE(test, nbufs, nr);
	KUNIT_ASSERT_LE(test, nr, (unsigned int)VB2CT_MAX_EXP);
	KUNIT_ASSERT_LE(test, nbufs, (unsigned int)VB2_MAX_FRAME);
	memset(p, 0, sizeof(*p));
	p->exps = exps;
	p->nr = nr;
	p->nbufs = nbufs;
	for (i = 0; i < nbufs; i++)
		vb2ct_pool_qbuf(test, d, p, i, i);
	for (i = nbufs; i < nr; i++)
		p->fifo[p->len++] = i;
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
}

/* Gives dma-buf @e back to the pool and takes the next one. */
static unsigned int vb2ct_pool_swap(struct vb2ct_pool *p, unsigned int e)
{
	unsigned int next;

	p->fifo[(p->head + p->len++) % p->nr] = e;
	next = p->fifo[p->head];
	p->head = (p->head + 1) % p->nr;
	p->len--;
	return next;
}

static void vb2ct_pool_frames(struct kunit *test, struct vb2ct_drv *d,
			      struct vb2ct_pool *p, unsigned int frames)
{
	unsigned int index;

	while (frames--) {
		index = vb2ct_frame(test, d);
		p->exps[p->at[index]]->dones++;
		vb2ct_pool_qbuf(test, d, p, index,
				vb2ct_pool_swap(p, p->at[index]));
	}
}

/* After streaming: one device access begun per QBUF, ended per completion. */
static void vb2ct_expect_accesses(struct kunit *test, struct vb2ct_exp *e)
{
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&e->begins), (int)e->qbufs,
			    "device accesses begun on dma-buf %u", e->id);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&e->ends), (int)e->dones,
			    "device accesses ended on dma-buf %u", e->id);
}

/* ------------------------------------------------------------------------
 * Allocation: REQBUFS, CREATE_BUFS, REMOVE_BUFS, EXPBUF
 */

/* REQBUFS gives what was asked within the queue's limits; 0 frees all. */
static void vb2_core_test_reqbufs(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_mmap_cfg);
	struct vb2ct_ubuf u;
	unsigned int i;
	u32 count = 3;

	KUNIT_ASSERT_EQ(test, vb2ct_reqbufs(d, V4L2_MEMORY_MMAP, &count), 0);
	KUNIT_EXPECT_EQ(test, count, 3U);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->setups), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->inits), 3);
	KUNIT_EXPECT_EQ(test, d->caps & VB2CT_MEM_CAPS,
			(u32)(V4L2_BUF_CAP_SUPPORTS_MMAP |
			      V4L2_BUF_CAP_SUPPORTS_USERPTR));
	KUNIT_EXPECT_TRUE(test,
			  d->caps & V4L2_BUF_CAP_SUPPORTS_ORPHANED_BUFS);
	for (i = 0; i < 3; i++) {
		vb2ct_ubuf(d, &u, i, V4L2_MEMORY_MMAP);
		KUNIT_ASSERT_EQ(test, vb2ct_querybuf(d, &u), 0);
		KUNIT_EXPECT_EQ(test, u.b.index, i);
		KUNIT_EXPECT_EQ(test, u.b.memory, (u32)V4L2_MEMORY_MMAP);
		KUNIT_EXPECT_EQ(test, u.b.length, (u32)VB2CT_SIZE);
		KUNIT_EXPECT_EQ(test, u.b.flags & VB2CT_STATE, 0U);
	}
	vb2ct_ubuf(d, &u, 3, V4L2_MEMORY_MMAP);
	KUNIT_EXPECT_EQ(test, vb2ct_querybuf(d, &u), -EINVAL);

	/* More than the queue can hold: cut down, not refused. */
	count = 1000;
	KUNIT_ASSERT_EQ(test, vb2ct_reqbufs(d, V4L2_MEMORY_MMAP, &count), 0);
	KUNIT_EXPECT_EQ(test, count, (u32)VB2_MAX_FRAME);
	KUNIT_EXPECT_LE(test, d->setup_count, (unsigned int)VB2_MAX_FRAME);
	KUNIT_EXPECT_EQ(test, vb2_get_num_buffers(&d->q),
			(unsigned int)VB2_MAX_FRAME);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->cleanups), 3);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->inits), 3 + VB2_MAX_FRAME);

	count = 0;
	KUNIT_ASSERT_EQ(test, vb2ct_reqbufs(d, V4L2_MEMORY_MMAP, &count), 0);
	KUNIT_EXPECT_EQ(test, count, 0U);
	KUNIT_EXPECT_EQ(test, vb2_get_num_buffers(&d->q), 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->cleanups), 3 + VB2_MAX_FRAME);
	vb2ct_ubuf(d, &u, 0, V4L2_MEMORY_MMAP);
	KUNIT_EXPECT_EQ(test, vb2ct_querybuf(d, &u), -EINVAL);

	/* Neither a new count nor 0 while streaming. */
	vb2ct_alloc(test, d, V4L2_MEMORY_MMAP, 2);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	count = 4;
	KUNIT_EXPECT_EQ(test, vb2ct_reqbufs(d, V4L2_MEMORY_MMAP, &count),
			-EBUSY);
	count = 0;
	KUNIT_EXPECT_EQ(test, vb2ct_reqbufs(d, V4L2_MEMORY_MMAP, &count),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, vb2_get_num_buffers(&d->q), 2U);

	vb2ct_release(test, d);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->cleanups),
			atomic_read(&d->inits));
}

/* REQBUFS raises a small count to what the driver needs to stream. */
static void vb2_core_test_reqbufs_minimum(struct kunit *test)
{
	struct vb2ct_cfg cfg = vb2ct_mmap_cfg;
	struct vb2ct_drv *d;
	u32 count;

	/* min_queued_buffers, plus one for userspace to hold */
	cfg.min_queued = 2;
	d = vb2ct_new(test, &cfg);
	count = 1;
	KUNIT_ASSERT_EQ(test, vb2ct_reqbufs(d, V4L2_MEMORY_MMAP, &count), 0);
	KUNIT_EXPECT_EQ(test, count, 3U);
	KUNIT_EXPECT_EQ(test, d->setup_count, 3U);
	vb2ct_release(test, d);

	/* min_reqbufs_allocation */
	cfg.min_queued = 1;
	cfg.min_reqbufs = 4;
	d = vb2ct_new(test, &cfg);
	count = 1;
	KUNIT_ASSERT_EQ(test, vb2ct_reqbufs(d, V4L2_MEMORY_MMAP, &count), 0);
	KUNIT_EXPECT_EQ(test, count, 4U);
	count = 6;
	KUNIT_ASSERT_EQ(test, vb2ct_reqbufs(d, V4L2_MEMORY_MMAP, &count), 0);
	KUNIT_EXPECT_EQ(test, count, 6U);
	/* 0 still frees everything */
	count = 0;
	KUNIT_ASSERT_EQ(test, vb2ct_reqbufs(d, V4L2_MEMORY_MMAP, &count), 0);
	KUNIT_EXPECT_EQ(test, count, 0U);
	KUNIT_EXPECT_EQ(test, vb2_get_num_buffers(&d->q), 0U);
	vb2ct_release(test, d);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->cleanups),
			atomic_read(&d->inits));
}

/* CREATE_BUFS adds buffers of the size asked, after those already there. */
static void vb2_core_test_create_bufs(struct kunit *test)
{
	struct vb2ct_cfg cfg = vb2ct_mmap_cfg;
	struct vb2ct_drv *d;
	struct vb2ct_ubuf u;
	u32 count, index;

	/* CREATE_BUFS does not apply the REQBUFS minimum */
	cfg.min_queued = 2;
	d = vb2ct_new(test, &cfg);
	vb2ct_alloc(test, d, V4L2_MEMORY_MMAP, 3);

	count = 2;
	KUNIT_ASSERT_EQ(test, vb2ct_create(d, V4L2_MEMORY_MMAP, VB2CT_SIZE,
					   &count, &index), 0);
	KUNIT_EXPECT_EQ(test, count, 2U);
	KUNIT_EXPECT_EQ(test, index, 3U);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->inits), 5);
	KUNIT_EXPECT_EQ(test, vb2_get_num_buffers(&d->q), 5U);

	/* count 0 only reports where the next buffer would go */
	count = 0;
	KUNIT_EXPECT_EQ(test, vb2ct_create(d, V4L2_MEMORY_MMAP, VB2CT_SIZE,
					   &count, &index), 0);
	KUNIT_EXPECT_EQ(test, index, 5U);
	KUNIT_EXPECT_EQ(test, vb2_get_num_buffers(&d->q), 5U);

	/* a format the driver cannot fill is refused, nothing allocated */
	count = 1;
	KUNIT_EXPECT_EQ(test, vb2ct_create(d, V4L2_MEMORY_MMAP,
					   VB2CT_SIZE - PAGE_SIZE, &count,
					   &index), -EINVAL);
	KUNIT_EXPECT_EQ(test, vb2_get_num_buffers(&d->q), 5U);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->inits), 5);

	/* a larger one is used as it is */
	count = 1;
	KUNIT_ASSERT_EQ(test, vb2ct_create(d, V4L2_MEMORY_MMAP,
					   2 * VB2CT_SIZE, &count, &index), 0);
	KUNIT_EXPECT_EQ(test, index, 5U);
	vb2ct_ubuf(d, &u, 5, V4L2_MEMORY_MMAP);
	KUNIT_ASSERT_EQ(test, vb2ct_querybuf(d, &u), 0);
	KUNIT_EXPECT_EQ(test, u.b.length, (u32)(2 * VB2CT_SIZE));

	/* all buffers of a queue have one memory type */
	count = 1;
	KUNIT_EXPECT_EQ(test, vb2ct_create(d, V4L2_MEMORY_USERPTR, VB2CT_SIZE,
					   &count, &index), -EINVAL);
	KUNIT_EXPECT_EQ(test, vb2_get_num_buffers(&d->q), 6U);

	/* on an empty queue, the first buffer is 0, whatever the minimum */
	count = 0;
	KUNIT_ASSERT_EQ(test, vb2ct_reqbufs(d, V4L2_MEMORY_MMAP, &count), 0);
	count = 1;
	KUNIT_ASSERT_EQ(test, vb2ct_create(d, V4L2_MEMORY_MMAP, VB2CT_SIZE,
					   &count, &index), 0);
	KUNIT_EXPECT_EQ(test, count, 1U);
	KUNIT_EXPECT_EQ(test, index, 0U);

	vb2ct_release(test, d);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->cleanups),
			atomic_read(&d->inits));
}

/* REMOVE_BUFS frees idle buffers only, and exactly the range asked. */
static void vb2_core_test_remove_bufs(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_mmap_cfg);
	struct vb2ct_ubuf u;
	u32 count, index;

	vb2ct_alloc(test, d, V4L2_MEMORY_MMAP, 4);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_mmap(d, 1), 0);

	/* a queued buffer in the range: nothing is removed */
	KUNIT_EXPECT_EQ(test, vb2ct_remove(d, 0, 3), -EBUSY);
	KUNIT_EXPECT_EQ(test, vb2_get_num_buffers(&d->q), 4U);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->cleanups), 0);

	/* buffers that do not exist */
	KUNIT_EXPECT_EQ(test, vb2ct_remove(d, 3, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, vb2ct_remove(d, 1000, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, vb2_get_num_buffers(&d->q), 4U);
	KUNIT_EXPECT_EQ(test, vb2ct_remove(d, 2, 0), 0);

	KUNIT_EXPECT_EQ(test, vb2ct_remove(d, 2, 1), 0);
	KUNIT_EXPECT_EQ(test, vb2_get_num_buffers(&d->q), 3U);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->cleanups), 1);
	vb2ct_ubuf(d, &u, 2, V4L2_MEMORY_MMAP);
	KUNIT_EXPECT_EQ(test, vb2ct_querybuf(d, &u), -EINVAL);
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf_mmap(d, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, vb2ct_remove(d, 2, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, vb2ct_flags(test, d, 3), 0U);

	/* the hole is filled first */
	count = 1;
	KUNIT_ASSERT_EQ(test, vb2ct_create(d, V4L2_MEMORY_MMAP, VB2CT_SIZE,
					   &count, &index), 0);
	KUNIT_EXPECT_EQ(test, index, 2U);

	/* once the buffer is back, all of them go */
	KUNIT_ASSERT_EQ(test, vb2ct_streamoff(d, d->q.type), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_remove(d, 0, 4), 0);
	KUNIT_EXPECT_EQ(test, vb2_get_num_buffers(&d->q), 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->cleanups),
			atomic_read(&d->inits));
	vb2ct_release(test, d);
}

/* EXPBUF gives an fd of a dma-buf of the plane, valid past REQBUFS(0). */
static void vb2_core_test_expbuf(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_mmap_cfg);
	struct v4l2_exportbuffer eb = { };
	struct dma_buf *dmabuf;
	int *fd;

	vb2ct_alloc(test, d, V4L2_MEMORY_MMAP, 2);

	eb.type = d->q.type;
	eb.index = 1;
	eb.flags = O_CLOEXEC | O_RDWR;
	KUNIT_ASSERT_EQ(test, vb2ct_expbuf(d, &eb), 0);
	KUNIT_ASSERT_GE(test, eb.fd, 0);
	fd = vb2ct_hold_fd(test, eb.fd);
	dmabuf = dma_buf_get(*fd);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	KUNIT_EXPECT_GE(test, dmabuf->size, (size_t)VB2CT_SIZE);
	dma_buf_put(dmabuf);

	eb.index = 2;
	KUNIT_EXPECT_EQ(test, vb2ct_expbuf(d, &eb), -EINVAL);
	eb.index = 0;
	eb.plane = 1;
	KUNIT_EXPECT_EQ(test, vb2ct_expbuf(d, &eb), -EINVAL);
	eb.plane = 0;
	eb.flags = O_APPEND;
	KUNIT_EXPECT_EQ(test, vb2ct_expbuf(d, &eb), -EINVAL);
	eb.flags = O_CLOEXEC;
	eb.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	KUNIT_EXPECT_EQ(test, vb2ct_expbuf(d, &eb), -EINVAL);

	/* the buffers are orphaned, the export still works */
	vb2ct_alloc(test, d, V4L2_MEMORY_MMAP, 0);
	dmabuf = dma_buf_get(*fd);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	dma_buf_put(dmabuf);
	vb2ct_drop_fd(test, fd);

	/* only MMAP buffers can be exported */
	vb2ct_alloc(test, d, V4L2_MEMORY_USERPTR, 1);
	eb.type = d->q.type;
	KUNIT_EXPECT_EQ(test, vb2ct_expbuf(d, &eb), -EINVAL);
	vb2ct_release(test, d);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->cleanups),
			atomic_read(&d->inits));
}

/* ------------------------------------------------------------------------
 * Streaming: the buffer state machine
 */

/* QUERYBUF tells where a buffer is at each step of its life. */
static void vb2_core_test_querybuf_states(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_mmap_cfg);
	struct vb2ct_ubuf u;

	vb2ct_alloc(test, d, V4L2_MEMORY_MMAP, 2);
	KUNIT_EXPECT_EQ(test, vb2ct_flags(test, d, 0), 0U);

	vb2ct_ubuf(d, &u, 0, V4L2_MEMORY_MMAP);
	KUNIT_ASSERT_EQ(test, vb2ct_prepare_buf(d, &u), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_flags(test, d, 0),
			(u32)V4L2_BUF_FLAG_PREPARED);

	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_mmap(d, 0), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_flags(test, d, 0),
			(u32)V4L2_BUF_FLAG_QUEUED);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_mmap(d, 1), 0);

	/* with the driver, still queued for userspace */
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_held(d), 2U);
	KUNIT_EXPECT_EQ(test, vb2ct_flags(test, d, 0),
			(u32)V4L2_BUF_FLAG_QUEUED);

	KUNIT_ASSERT_EQ(test, vb2ct_complete(d, VB2_BUF_STATE_DONE, 0), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_flags(test, d, 0),
			(u32)V4L2_BUF_FLAG_DONE);
	KUNIT_ASSERT_EQ(test, vb2ct_complete(d, VB2_BUF_STATE_ERROR, 0), 1);
	KUNIT_EXPECT_EQ(test, vb2ct_flags(test, d, 1),
			(u32)(V4L2_BUF_FLAG_DONE | V4L2_BUF_FLAG_ERROR));

	vb2ct_ubuf(d, &u, 0, V4L2_MEMORY_MMAP);
	KUNIT_ASSERT_EQ(test, vb2ct_dqbuf(d, &u), 0);
	KUNIT_EXPECT_EQ(test, u.b.index, 0U);
	KUNIT_EXPECT_EQ(test, u.b.flags & VB2CT_STATE, 0U);
	KUNIT_EXPECT_EQ(test, u.b.bytesused, (u32)VB2CT_SIZE);
	KUNIT_EXPECT_EQ(test, vb2ct_flags(test, d, 0), 0U);

	vb2ct_ubuf(d, &u, 0, V4L2_MEMORY_MMAP);
	KUNIT_ASSERT_EQ(test, vb2ct_dqbuf(d, &u), 0);
	KUNIT_EXPECT_EQ(test, u.b.index, 1U);
	KUNIT_EXPECT_EQ(test, u.b.flags & VB2CT_STATE,
			(u32)V4L2_BUF_FLAG_ERROR);
	KUNIT_EXPECT_EQ(test, vb2ct_flags(test, d, 1), 0U);

	KUNIT_EXPECT_EQ(test, atomic_read(&d->prepares), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->finishes), 2);
	vb2ct_release(test, d);
}

/* PREPARE_BUF prepares once, and QBUF then queues without preparing. */
static void vb2_core_test_prepare_buf(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_mmap_cfg);
	struct vb2ct_ubuf u;

	vb2ct_alloc(test, d, V4L2_MEMORY_MMAP, 2);

	/* the driver's error reaches userspace, the buffer stays as it was */
	d->prepare_err = -ERANGE;
	vb2ct_ubuf(d, &u, 0, V4L2_MEMORY_MMAP);
	KUNIT_EXPECT_EQ(test, vb2ct_prepare_buf(d, &u), -ERANGE);
	KUNIT_EXPECT_EQ(test, vb2ct_flags(test, d, 0), 0U);
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf_mmap(d, 0), -ERANGE);
	KUNIT_EXPECT_EQ(test, vb2ct_flags(test, d, 0), 0U);
	d->prepare_err = 0;

	vb2ct_ubuf(d, &u, 0, V4L2_MEMORY_MMAP);
	KUNIT_ASSERT_EQ(test, vb2ct_prepare_buf(d, &u), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->prepares), 3);
	vb2ct_ubuf(d, &u, 0, V4L2_MEMORY_MMAP);
	KUNIT_EXPECT_EQ(test, vb2ct_prepare_buf(d, &u), -EINVAL);

	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_mmap(d, 0), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->prepares), 3);
	vb2ct_ubuf(d, &u, 0, V4L2_MEMORY_MMAP);
	KUNIT_EXPECT_EQ(test, vb2ct_prepare_buf(d, &u), -EINVAL);

	/* a buffer QBUF prepares itself is prepared once too */
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_mmap(d, 1), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->prepares), 4);

	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->prepares), 4);
	vb2ct_frame(test, d);
	vb2ct_frame(test, d);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->finishes), 2);
	vb2ct_release(test, d);
}

/* MMAP buffers stream in the order the device completes them. */
static void vb2_core_test_mmap_streaming(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_mmap_cfg);
	unsigned int i, index;

	vb2ct_alloc(test, d, V4L2_MEMORY_MMAP, 4);
	for (i = 0; i < 4; i++)
		KUNIT_ASSERT_EQ(test, vb2ct_qbuf_mmap(d, i), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->queues), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->starts), 1);
	KUNIT_EXPECT_EQ(test, d->start_count, 4U);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->queues), 4);

	/* nothing done yet */
	KUNIT_EXPECT_EQ(test, vb2ct_dq(d, &index), -EAGAIN);

	for (i = 0; i < VB2CT_FRAMES; i++) {
		KUNIT_ASSERT_EQ(test, vb2ct_frame(test, d), i % 4);
		KUNIT_ASSERT_EQ(test, vb2ct_qbuf_mmap(d, i % 4), 0);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&d->queues), 4 + VB2CT_FRAMES);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->prepares), 4 + VB2CT_FRAMES);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->finishes), VB2CT_FRAMES);
	KUNIT_EXPECT_EQ(test, vb2ct_dq(d, &index), -EAGAIN);

	/* every buffer prepared is finished once STREAMOFF has them all */
	KUNIT_ASSERT_EQ(test, vb2ct_streamoff(d, d->q.type), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->finishes),
			atomic_read(&d->prepares));
	KUNIT_EXPECT_EQ(test, atomic_read(&d->starts), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->stops), 1);
	vb2ct_release(test, d);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->cleanups),
			atomic_read(&d->inits));
}

static unsigned long vb2ct_user_mem(struct kunit *test, size_t len)
{
	unsigned long uaddr;

	uaddr = kunit_vm_mmap(test, NULL, 0, len, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE_MSG(test, !uaddr || IS_ERR_VALUE(uaddr),
			       "no user memory: %ld", (long)uaddr);
	return uaddr;
}

/* USERPTR memory is taken once per address, and given back when replaced. */
static void vb2_core_test_userptr_streaming(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_mmap_cfg);
	unsigned long a = vb2ct_user_mem(test, VB2CT_SIZE);
	unsigned long b = vb2ct_user_mem(test, VB2CT_SIZE);
	struct vb2ct_ubuf u;

	vb2ct_alloc(test, d, V4L2_MEMORY_USERPTR, 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->inits), 0);

	/* shorter than the plane */
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf_user(d, 0, a, VB2CT_SIZE - PAGE_SIZE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vb2ct_flags(test, d, 0), 0U);

	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_user(d, 0, a, VB2CT_SIZE), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->inits), 1);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	vb2ct_ubuf(d, &u, 0, V4L2_MEMORY_USERPTR);
	KUNIT_ASSERT_EQ(test, vb2ct_complete(d, VB2_BUF_STATE_DONE, 0), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_dqbuf(d, &u), 0);
	KUNIT_EXPECT_EQ(test, u.b.index, 0U);
	KUNIT_EXPECT_EQ(test, u.b.m.userptr, a);

	/* the same memory again: nothing new for the driver */
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_user(d, 0, a, VB2CT_SIZE), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->inits), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->cleanups), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_frame(test, d), 0U);

	/* other memory: the old is cleaned up first */
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_user(d, 0, b, VB2CT_SIZE), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->cleanups), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->inits), 2);
	KUNIT_EXPECT_EQ(test, vb2ct_frame(test, d), 0U);

	vb2ct_release(test, d);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->cleanups),
			atomic_read(&d->inits));
}

/* STREAMON waits for min_queued_buffers before starting the device. */
static void vb2_core_test_streamon_minimum(struct kunit *test)
{
	struct vb2ct_cfg cfg = vb2ct_mmap_cfg;
	struct vb2ct_drv *d;
	u32 count, index;

	cfg.min_queued = 2;
	d = vb2ct_new(test, &cfg);

	/* no buffers */
	KUNIT_EXPECT_EQ(test, vb2ct_streamon(d, d->q.type), -EINVAL);

	/* fewer buffers than the driver needs queued */
	count = 1;
	KUNIT_ASSERT_EQ(test, vb2ct_create(d, V4L2_MEMORY_MMAP, VB2CT_SIZE,
					   &count, &index), 0);
	KUNIT_ASSERT_EQ(test, count, 1U);
	KUNIT_EXPECT_EQ(test, vb2ct_streamon(d, d->q.type), -EINVAL);
	KUNIT_EXPECT_FALSE(test, vb2_is_streaming(&d->q));

	count = 2;
	KUNIT_ASSERT_EQ(test, vb2ct_create(d, V4L2_MEMORY_MMAP, VB2CT_SIZE,
					   &count, &index), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	KUNIT_EXPECT_TRUE(test, vb2_is_streaming(&d->q));
	KUNIT_EXPECT_EQ(test, atomic_read(&d->starts), 0);

	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_mmap(d, 0), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->starts), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->queues), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_flags(test, d, 0),
			(u32)V4L2_BUF_FLAG_QUEUED);

	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_mmap(d, 1), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->starts), 1);
	KUNIT_EXPECT_EQ(test, d->start_count, 2U);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->queues), 2);

	/* STREAMON again does nothing, and says so with 0 */
	KUNIT_EXPECT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->starts), 1);

	KUNIT_EXPECT_EQ(test, vb2ct_streamoff(d, d->q.type), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->stops), 1);
	KUNIT_EXPECT_EQ(test, vb2ct_streamoff(d, d->q.type), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->stops), 1);
	vb2ct_release(test, d);
}

/* A failed start at STREAMON leaves the buffers queued and not streaming. */
static void vb2_core_test_start_fail_streamon(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_mmap_cfg);
	unsigned int index;

	vb2ct_alloc(test, d, V4L2_MEMORY_MMAP, 2);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_mmap(d, 0), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_mmap(d, 1), 0);

	d->start_err = -ENXIO;
	KUNIT_EXPECT_EQ(test, vb2ct_streamon(d, d->q.type), -ENXIO);
	KUNIT_EXPECT_FALSE(test, vb2_is_streaming(&d->q));
	KUNIT_EXPECT_EQ(test, atomic_read(&d->starts), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->stops), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_held(d), 0U);
	KUNIT_EXPECT_EQ(test, vb2ct_flags(test, d, 0),
			(u32)V4L2_BUF_FLAG_QUEUED);
	KUNIT_EXPECT_EQ(test, vb2ct_flags(test, d, 1),
			(u32)V4L2_BUF_FLAG_QUEUED);
	KUNIT_EXPECT_EQ(test, vb2ct_dq(d, &index), -EINVAL);

	d->start_err = 0;
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->starts), 2);
	KUNIT_EXPECT_EQ(test, d->start_count, 2U);
	KUNIT_EXPECT_EQ(test, vb2ct_held(d), 2U);
	KUNIT_EXPECT_EQ(test, vb2ct_frame(test, d), 0U);
	KUNIT_EXPECT_EQ(test, vb2ct_frame(test, d), 1U);
	vb2ct_release(test, d);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->stops), 1);
}

/* A failed start at QBUF fails that QBUF only; that buffer stays out. */
static void vb2_core_test_start_fail_qbuf(struct kunit *test)
{
	struct vb2ct_cfg cfg = vb2ct_mmap_cfg;
	struct vb2ct_drv *d;

	cfg.min_queued = 2;
	d = vb2ct_new(test, &cfg);
	vb2ct_alloc(test, d, V4L2_MEMORY_MMAP, 3);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_mmap(d, 0), 0);

	d->start_err = -ENXIO;
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf_mmap(d, 1), -ENXIO);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->starts), 1);
	KUNIT_EXPECT_TRUE(test, vb2_is_streaming(&d->q));
	KUNIT_EXPECT_EQ(test, vb2ct_held(d), 0U);
	KUNIT_EXPECT_EQ(test, vb2ct_flags(test, d, 0),
			(u32)V4L2_BUF_FLAG_QUEUED);
	KUNIT_EXPECT_EQ(test, vb2ct_flags(test, d, 1) &
			V4L2_BUF_FLAG_QUEUED, 0U);

	d->start_err = 0;
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_mmap(d, 1), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->starts), 2);
	KUNIT_EXPECT_EQ(test, d->start_count, 2U);
	KUNIT_EXPECT_EQ(test, vb2ct_held(d), 2U);
	KUNIT_EXPECT_EQ(test, vb2ct_frame(test, d), 0U);
	vb2ct_release(test, d);
}

/* STREAMOFF takes every buffer back from the driver and the done list. */
static void vb2_core_test_streamoff(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_mmap_cfg);
	unsigned int i, index;

	vb2ct_alloc(test, d, V4L2_MEMORY_MMAP, 4);
	for (i = 0; i < 4; i++)
		KUNIT_ASSERT_EQ(test, vb2ct_qbuf_mmap(d, i), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_complete(d, VB2_BUF_STATE_DONE, 0), 0);

	KUNIT_ASSERT_EQ(test, vb2ct_streamoff(d, d->q.type), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->stops), 1);
	KUNIT_EXPECT_FALSE(test, vb2_is_streaming(&d->q));
	KUNIT_EXPECT_EQ(test, vb2ct_held(d), 0U);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, vb2ct_flags(test, d, i), 0U);
	KUNIT_EXPECT_EQ(test, vb2ct_dq(d, &index), -EINVAL);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->finishes),
			atomic_read(&d->prepares));

	/* and streaming starts over */
	for (i = 0; i < 4; i++)
		KUNIT_ASSERT_EQ(test, vb2ct_qbuf_mmap(d, i), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->starts), 2);
	KUNIT_EXPECT_EQ(test, vb2ct_frame(test, d), 0U);
	vb2ct_release(test, d);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->stops), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->finishes),
			atomic_read(&d->prepares));
}

/* After vb2_queue_error() DQBUF and QBUF fail with EIO until STREAMOFF. */
static void vb2_core_test_queue_error(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_mmap_cfg);
	unsigned int i, index;

	vb2ct_alloc(test, d, V4L2_MEMORY_MMAP, 3);
	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_EQ(test, vb2ct_qbuf_mmap(d, i), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_frame(test, d), 0U);

	vb2_queue_error(&d->q);
	KUNIT_EXPECT_EQ(test, vb2ct_dq(d, &index), -EIO);
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf_mmap(d, 0), -EIO);
	/* even with a buffer done */
	KUNIT_ASSERT_EQ(test, vb2ct_complete(d, VB2_BUF_STATE_DONE, 0), 1);
	KUNIT_EXPECT_EQ(test, vb2ct_dq(d, &index), -EIO);

	KUNIT_ASSERT_EQ(test, vb2ct_streamoff(d, d->q.type), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_held(d), 0U);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_mmap(d, 0), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_frame(test, d), 0U);
	vb2ct_release(test, d);
}

/* After the buffer flagged LAST, DQBUF says EPIPE until streaming restarts. */
static void vb2_core_test_last_buffer(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_mmap_cfg);
	struct vb2ct_ubuf u;
	unsigned int index;

	vb2ct_alloc(test, d, V4L2_MEMORY_MMAP, 2);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_mmap(d, 0), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_mmap(d, 1), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);

	KUNIT_ASSERT_EQ(test, vb2ct_complete(d, VB2_BUF_STATE_DONE,
					     V4L2_BUF_FLAG_LAST), 0);
	vb2ct_ubuf(d, &u, 0, V4L2_MEMORY_MMAP);
	KUNIT_ASSERT_EQ(test, vb2ct_dqbuf(d, &u), 0);
	KUNIT_EXPECT_TRUE(test, u.b.flags & V4L2_BUF_FLAG_LAST);
	KUNIT_EXPECT_EQ(test, vb2ct_dq(d, &index), -EPIPE);
	KUNIT_EXPECT_EQ(test, vb2ct_dq(d, &index), -EPIPE);

	KUNIT_ASSERT_EQ(test, vb2ct_streamoff(d, d->q.type), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_mmap(d, 0), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_dq(d, &index), -EAGAIN);
	KUNIT_EXPECT_EQ(test, vb2ct_frame(test, d), 0U);
	vb2ct_release(test, d);
}

/* ------------------------------------------------------------------------
 * Bad input
 */

/* Buffer indices that do not exist are refused without side effects. */
static void vb2_core_test_bad_index(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_mmap_cfg);
	struct vb2ct_ubuf u;

	vb2ct_alloc(test, d, V4L2_MEMORY_MMAP, 2);
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf_mmap(d, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf_mmap(d, VB2_MAX_FRAME), -EINVAL);
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf_mmap(d, 1000000), -EINVAL);
	vb2ct_ubuf(d, &u, 2, V4L2_MEMORY_MMAP);
	KUNIT_EXPECT_EQ(test, vb2ct_prepare_buf(d, &u), -EINVAL);
	vb2ct_ubuf(d, &u, 2, V4L2_MEMORY_MMAP);
	KUNIT_EXPECT_EQ(test, vb2ct_querybuf(d, &u), -EINVAL);
	vb2ct_ubuf(d, &u, 1000000, V4L2_MEMORY_MMAP);
	KUNIT_EXPECT_EQ(test, vb2ct_querybuf(d, &u), -EINVAL);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->prepares), 0);
	vb2ct_release(test, d);
}

/* Memory types the queue does not have are refused. */
static void vb2_core_test_bad_memory(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_mmap_cfg);
	struct vb2ct_ubuf u;
	u32 count;

	count = 2;
	KUNIT_EXPECT_EQ(test, vb2ct_reqbufs(d, V4L2_MEMORY_DMABUF, &count),
			-EINVAL);
	count = 2;
	KUNIT_EXPECT_EQ(test, vb2ct_reqbufs(d, 0, &count), -EINVAL);
	count = 2;
	KUNIT_EXPECT_EQ(test, vb2ct_reqbufs(d, 99, &count), -EINVAL);
	KUNIT_EXPECT_EQ(test, vb2_get_num_buffers(&d->q), 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->setups), 0);

	/* buffers of one memory type, queued as another */
	vb2ct_alloc(test, d, V4L2_MEMORY_MMAP, 2);
	vb2ct_ubuf(d, &u, 0, V4L2_MEMORY_USERPTR);
	u.b.m.userptr = vb2ct_user_mem(test, VB2CT_SIZE);
	u.b.length = VB2CT_SIZE;
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf(d, &u), -EINVAL);
	vb2ct_ubuf(d, &u, 0, V4L2_MEMORY_DMABUF);
	KUNIT_EXPECT_EQ(test, vb2ct_prepare_buf(d, &u), -EINVAL);
	KUNIT_EXPECT_EQ(test, vb2ct_flags(test, d, 0), 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->prepares), 0);
	vb2ct_release(test, d);
}

/* Buffer types other than the queue's are refused. */
static void vb2_core_test_bad_type(struct kunit *test)
{
	const u32 other = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_mmap_cfg);
	struct v4l2_requestbuffers rb = {
		.count = 2,
		.type = other,
		.memory = V4L2_MEMORY_MMAP,
	};
	struct vb2ct_ubuf u;

	KUNIT_EXPECT_EQ(test, vb2ct_reqbufs_raw(d, &rb), -EINVAL);
	KUNIT_EXPECT_EQ(test, vb2_get_num_buffers(&d->q), 0U);

	vb2ct_alloc(test, d, V4L2_MEMORY_MMAP, 2);
	vb2ct_ubuf(d, &u, 0, V4L2_MEMORY_MMAP);
	u.b.type = other;
	KUNIT_EXPECT_EQ(test, vb2ct_querybuf(d, &u), -EINVAL);
	KUNIT_EXPECT_EQ(test, vb2ct_prepare_buf(d, &u), -EINVAL);
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf(d, &u), -EINVAL);
	KUNIT_EXPECT_EQ(test, vb2ct_streamon(d, other), -EINVAL);
	KUNIT_EXPECT_FALSE(test, vb2_is_streaming(&d->q));

	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_mmap(d, 0), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_complete(d, VB2_BUF_STATE_DONE, 0), 0);
	vb2ct_ubuf(d, &u, 0, V4L2_MEMORY_MMAP);
	u.b.type = other;
	KUNIT_EXPECT_EQ(test, vb2ct_dqbuf(d, &u), -EINVAL);
	KUNIT_EXPECT_EQ(test, vb2ct_streamoff(d, other), -EINVAL);
	KUNIT_EXPECT_TRUE(test, vb2_is_streaming(&d->q));
	/* the buffer was not lost on the way */
	KUNIT_EXPECT_EQ(test, vb2ct_flags(test, d, 0),
			(u32)V4L2_BUF_FLAG_DONE);
	vb2ct_release(test, d);
}

/* A buffer cannot be queued twice, whoever holds it. */
static void vb2_core_test_qbuf_twice(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_mmap_cfg);

	vb2ct_alloc(test, d, V4L2_MEMORY_MMAP, 2);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_mmap(d, 0), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf_mmap(d, 0), -EINVAL);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf_mmap(d, 0), -EINVAL);
	KUNIT_ASSERT_EQ(test, vb2ct_complete(d, VB2_BUF_STATE_DONE, 0), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf_mmap(d, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->prepares), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->queues), 1);
	vb2ct_release(test, d);
}

static const struct file_operations vb2ct_plain_fops = {
	.owner = THIS_MODULE,
};

/* An fd that is no dma-buf, or no fd at all, is EINVAL and changes nothing. */
static void vb2_core_test_dmabuf_bad_fd(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_dmabuf_cfg);
	struct vb2ct_exp *e = vb2ct_exp_new(test, 0, VB2CT_SIZE, false);
	struct vb2ct_exp *gone = vb2ct_exp_new(test, 1, VB2CT_SIZE, false);
	struct vb2ct_ubuf u;
	int closed, ret;
	int *plain;

	vb2ct_alloc(test, d, V4L2_MEMORY_DMABUF, 2);

	vb2ct_ubuf(d, &u, 0, V4L2_MEMORY_DMABUF);
	vb2ct_ubuf_fd(d, &u, 0, -1, 0);
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf(d, &u), -EINVAL);

	ret = anon_inode_getfd("vb2-core-kunit", &vb2ct_plain_fops, NULL,
			       O_RDWR | O_CLOEXEC);
	KUNIT_ASSERT_GE(test, ret, 0);
	plain = vb2ct_hold_fd(test, ret);
	vb2ct_ubuf(d, &u, 0, V4L2_MEMORY_DMABUF);
	vb2ct_ubuf_fd(d, &u, 0, *plain, 0);
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf(d, &u), -EINVAL);
	vb2ct_ubuf(d, &u, 0, V4L2_MEMORY_DMABUF);
	vb2ct_ubuf_fd(d, &u, 0, *plain, 0);
	KUNIT_EXPECT_EQ(test, vb2ct_prepare_buf(d, &u), -EINVAL);

	/* the fd of a dma-buf that was closed */
	closed = gone->fd;
	vb2ct_drop_fd(test, &gone->fd);
	vb2ct_ubuf(d, &u, 0, V4L2_MEMORY_DMABUF);
	vb2ct_ubuf_fd(d, &u, 0, closed, 0);
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf(d, &u), -EINVAL);

	KUNIT_EXPECT_EQ(test, vb2ct_flags(test, d, 0), 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->prepares), 0);
	vb2ct_expect_use(test, gone, 0, 0, 0, 0);

	/* the buffer is as good as new */
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dma(d, 0, e), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_frame(test, d), 0U);
	vb2ct_release(test, d);
	vb2ct_expect_unused(test, e);
	vb2ct_expect_released(test, e);
}

/* A dma-buf smaller than the plane is EINVAL, with no reference kept. */
static void vb2_core_test_dmabuf_too_small(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_dmabuf_cfg);
	struct vb2ct_exp *small = vb2ct_exp_new(test, 0, PAGE_SIZE, false);
	struct vb2ct_exp *e = vb2ct_exp_new(test, 1, VB2CT_SIZE, false);
	static const u32 lengths[] = { 0, PAGE_SIZE, VB2CT_SIZE };
	/* too short for the plane: EINVAL; longer than the dma-buf: EFAULT */
	static const int errnos[] = { -EINVAL, -EINVAL, -EFAULT };
	long refs = file_count(small->dmabuf->file);
	struct vb2ct_ubuf u;
	unsigned int i;

	vb2ct_alloc(test, d, V4L2_MEMORY_DMABUF, 2);
	for (i = 0; i < ARRAY_SIZE(lengths); i++) {
		vb2ct_ubuf(d, &u, 0, V4L2_MEMORY_DMABUF);
		vb2ct_ubuf_fd(d, &u, 0, small->fd, lengths[i]);
		KUNIT_EXPECT_EQ_MSG(test, vb2ct_qbuf(d, &u), errnos[i],
				    "plane length %u", lengths[i]);
		KUNIT_EXPECT_EQ_MSG(test, file_count(small->dmabuf->file),
				    refs, "plane length %u", lengths[i]);
		KUNIT_EXPECT_EQ(test, vb2ct_live(small), 0);
		KUNIT_EXPECT_EQ(test, atomic_read(&small->maps),
				atomic_read(&small->unmaps));
	}
	KUNIT_EXPECT_EQ(test, vb2ct_flags(test, d, 0), 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->prepares), 0);

	/* the same buffer takes a dma-buf that is large enough */
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dma(d, 0, e), 0);
	vb2ct_release(test, d);
	vb2ct_expect_unused(test, small);
	vb2ct_expect_unused(test, e);
	vb2ct_expect_released(test, small);
	vb2ct_expect_released(test, e);
}

/* A multi-planar QBUF with too few planes is refused before any import. */
static void vb2_core_test_dmabuf_bad_planes(struct kunit *test)
{
	struct vb2ct_cfg cfg = vb2ct_dmabuf_cfg;
	struct vb2ct_exp *exps[2];
	struct vb2ct_ubuf u;
	struct vb2ct_drv *d;

	cfg.mplane = true;
	cfg.nplanes = 2;
	d = vb2ct_new(test, &cfg);
	vb2ct_exp_many(test, exps, 2, false);
	vb2ct_alloc(test, d, V4L2_MEMORY_DMABUF, 1);

	vb2ct_ubuf(d, &u, 0, V4L2_MEMORY_DMABUF);
	vb2ct_ubuf_fd(d, &u, 0, exps[0]->fd, 0);
	vb2ct_ubuf_fd(d, &u, 1, exps[1]->fd, 0);
	u.b.length = 1;
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf(d, &u), -EINVAL);
	vb2ct_expect_unused(test, exps[0]);
	vb2ct_expect_unused(test, exps[1]);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->prepares), 0);

	KUNIT_EXPECT_EQ(test, vb2ct_qbuf_dmas(d, 0, exps), 0);
	vb2ct_release(test, d);
	vb2ct_expect_unused(test, exps[0]);
	vb2ct_expect_unused(test, exps[1]);
}

/* ------------------------------------------------------------------------
 * The DMABUF attachment cache
 */

/* Fixed pairs of dma-buf and index are attached and mapped once. */
static void vb2_core_test_dmabuf_paired(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_dmabuf_cfg);
	struct vb2ct_exp *exps[4];
	struct vb2ct_pool *p = vb2ct_pool_new(test);
	unsigned int i;

	vb2ct_exp_many(test, exps, 4, false);
	vb2ct_alloc(test, d, V4L2_MEMORY_DMABUF, 4);
	vb2ct_pool_start(test, d, p, exps, 4, 4);
	vb2ct_pool_frames(test, d, p, VB2CT_FRAMES);

	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_EQ(test, p->seen[i], (u32)BIT(i));
		vb2ct_expect_use(test, exps[i], 1, 1, 0, 0);
		vb2ct_expect_accesses(test, exps[i]);
		/* the test's fd and reference, and the queue's one */
		KUNIT_EXPECT_EQ(test, file_count(exps[i]->dmabuf->file), 3L);
	}

	vb2ct_release(test, d);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->cleanups),
			atomic_read(&d->inits));
	for (i = 0; i < 4; i++) {
		vb2ct_expect_use(test, exps[i], 1, 1, 1, 1);
		vb2ct_expect_unused(test, exps[i]);
		vb2ct_expect_released(test, exps[i]);
	}
}

/* Each plane of a multi-planar buffer keeps its own attachment. */
static void vb2_core_test_dmabuf_paired_mplane(struct kunit *test)
{
	struct vb2ct_cfg cfg = vb2ct_dmabuf_cfg;
	struct vb2ct_exp *exps[4];
	struct vb2ct_drv *d;
	unsigned int i, index;

	cfg.mplane = true;
	cfg.nplanes = 2;
	d = vb2ct_new(test, &cfg);
	vb2ct_exp_many(test, exps, 4, false);
	vb2ct_alloc(test, d, V4L2_MEMORY_DMABUF, 2);

	/* buffer i has dma-bufs 2i and 2i + 1 */
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dmas(d, 0, &exps[0]), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dmas(d, 1, &exps[2]), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	for (i = 0; i < VB2CT_FRAMES / 4; i++) {
		index = vb2ct_frame(test, d);
		KUNIT_ASSERT_LT(test, index, 2U);
		KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dmas(d, index,
						      &exps[2 * index]), 0);
	}
	for (i = 0; i < 4; i++)
		vb2ct_expect_use(test, exps[i], 1, 1, 0, 0);

	vb2ct_release(test, d);
	for (i = 0; i < 4; i++) {
		vb2ct_expect_unused(test, exps[i]);
		vb2ct_expect_released(test, exps[i]);
	}
}

/* A pool one larger than the queue, rotating, is attached and mapped once. */
static void vb2_core_test_dmabuf_rotate_spare(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_dmabuf_cfg);
	struct vb2ct_exp *exps[5];
	struct vb2ct_pool *p = vb2ct_pool_new(test);
	unsigned int i;

	vb2ct_exp_many(test, exps, 5, false);
	vb2ct_alloc(test, d, V4L2_MEMORY_DMABUF, 4);
	vb2ct_pool_start(test, d, p, exps, 5, 4);
	vb2ct_pool_frames(test, d, p, VB2CT_FRAMES);

	for (i = 0; i < 5; i++) {
		/* it did come back at other indices */
		KUNIT_EXPECT_GT(test, hweight32(p->seen[i]), 1U);
		vb2ct_expect_use(test, exps[i], 1, 1, 0, 0);
		vb2ct_expect_accesses(test, exps[i]);
	}

	vb2ct_release(test, d);
	for (i = 0; i < 5; i++) {
		vb2ct_expect_unused(test, exps[i]);
		vb2ct_expect_released(test, exps[i]);
	}
}

/* Dma-bufs shifted over the indices take over each other's attachments. */
static void vb2_core_test_dmabuf_rotate_shift(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_dmabuf_cfg);
	struct vb2ct_tally t[4] = { };
	struct vb2ct_exp *exps[4];
	unsigned int i, k, round;
	int live;

	/*
	 * All buffers are dequeued, then queued again with the dma-bufs
	 * shifted by one index each round.  A dma-buf comes back while the
	 * buffer it left still holds it; that buffer is dequeued, so the
	 * core takes the attachment over instead of attaching again: one
	 * attach and one map per dma-buf in all, none per frame.
	 */
	vb2ct_exp_many(test, exps, 4, false);
	vb2ct_alloc(test, d, V4L2_MEMORY_DMABUF, 4);
	for (k = 0; k < 4; k++)
		KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dma(d, k, exps[k]), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);

	for (round = 1; round <= VB2CT_FRAMES / 4; round++) {
		if (round == 3)
			for (i = 0; i < 4; i++)
				vb2ct_tally(exps[i], &t[i]);
		for (k = 0; k < 4; k++) {
			KUNIT_ASSERT_EQ(test, vb2ct_frame(test, d), k);
			exps[(k + round - 1) % 4]->dones++;
		}
		for (k = 0; k < 4; k++)
			KUNIT_ASSERT_EQ(test,
					vb2ct_qbuf_dma(d, k,
						       exps[(k + round) % 4]),
					0);
	}

	live = 0;
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_EQ(test, atomic_read(&exps[i]->attaches), 1);
		KUNIT_EXPECT_EQ(test, atomic_read(&exps[i]->maps), 1);
		KUNIT_EXPECT_EQ(test, atomic_read(&exps[i]->detaches), 0);
		KUNIT_EXPECT_EQ(test, atomic_read(&exps[i]->unmaps), 0);
		vb2ct_expect_since(test, exps[i], &t[i], 0, 0, 0, 0);
		vb2ct_expect_accesses(test, exps[i]);
		live += vb2ct_live(exps[i]);
	}
	KUNIT_EXPECT_EQ(test, live, 4);

	vb2ct_release(test, d);
	for (i = 0; i < 4; i++) {
		vb2ct_expect_unused(test, exps[i]);
		vb2ct_expect_released(test, exps[i]);
	}
}

/* Eight dma-bufs over four buffers fill the cache bound, attached once. */
static void vb2_core_test_dmabuf_rotate_pool(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_dmabuf_cfg);
	struct vb2ct_exp *exps[8];
	struct vb2ct_pool *p = vb2ct_pool_new(test);
	unsigned int i;

	/* each index takes turns with two: four bound, four idle */
	vb2ct_exp_many(test, exps, 8, false);
	vb2ct_alloc(test, d, V4L2_MEMORY_DMABUF, 4);
	vb2ct_pool_start(test, d, p, exps, 8, 4);
	vb2ct_pool_frames(test, d, p, VB2CT_FRAMES);

	for (i = 0; i < 8; i++) {
		vb2ct_expect_use(test, exps[i], 1, 1, 0, 0);
		vb2ct_expect_accesses(test, exps[i]);
		KUNIT_EXPECT_EQ(test, file_count(exps[i]->dmabuf->file), 3L);
	}

	vb2ct_release(test, d);
	for (i = 0; i < 8; i++) {
		vb2ct_expect_use(test, exps[i], 1, 1, 1, 1);
		vb2ct_expect_unused(test, exps[i]);
		vb2ct_expect_released(test, exps[i]);
	}
}

/*
 * Pools of the shapes real clients use (GStreamer's v4l2sink imports the 5
 * buffers v4l2src exports into 2 indices) on each allocator that imports:
 * every dma-buf is attached, mapped and, on vmalloc, vmapped once, and the
 * steady state does nothing per frame.  The cache policy is the one of
 * videobuf2-core.c ("What stays").
 */
struct vb2ct_shape {
	const char *alloc;
	const struct vb2_mem_ops *mem_ops;
	bool dma;		/* the allocator brackets device accesses */
	unsigned int nr;	/* dma-bufs */
	unsigned int nbufs;	/* indices */
};

/* 68 over 4 leaves 64 idle, as many as a queue keeps */
static const struct vb2ct_shape vb2ct_shapes[] = {
	{ "dma-contig", &vb2_dma_contig_memops, true, 5, 2 },
	{ "dma-contig", &vb2_dma_contig_memops, true, 8, 2 },
	{ "dma-contig", &vb2_dma_contig_memops, true, 16, 4 },
	{ "dma-contig", &vb2_dma_contig_memops, true, 32, 4 },
	{ "dma-contig", &vb2_dma_contig_memops, true, 68, 4 },
	{ "dma-sg", &vb2_dma_sg_memops, true, 5, 2 },
	{ "dma-sg", &vb2_dma_sg_memops, true, 8, 2 },
	{ "dma-sg", &vb2_dma_sg_memops, true, 16, 4 },
	{ "dma-sg", &vb2_dma_sg_memops, true, 32, 4 },
	{ "dma-sg", &vb2_dma_sg_memops, true, 68, 4 },
	{ "vmalloc", &vb2_vmalloc_memops, false, 5, 2 },
	{ "vmalloc", &vb2_vmalloc_memops, false, 8, 2 },
	{ "vmalloc", &vb2_vmalloc_memops, false, 16, 4 },
	{ "vmalloc", &vb2_vmalloc_memops, false, 32, 4 },
	{ "vmalloc", &vb2_vmalloc_memops, false, 68, 4 },
};

static void vb2ct_shape_desc(const struct vb2ct_shape *sh, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s, %u dma-bufs over %u",
		 sh->alloc, sh->nr, sh->nbufs);
}

KUNIT_ARRAY_PARAM(vb2ct_shapes, vb2ct_shapes, vb2ct_shape_desc);

/* one shape per allocator, for the cases about events rather than sizes */
static const struct vb2ct_shape vb2ct_allocs[] = {
	{ "dma-contig", &vb2_dma_contig_memops, true, 5, 2 },
	{ "dma-sg", &vb2_dma_sg_memops, true, 5, 2 },
	{ "vmalloc", &vb2_vmalloc_memops, false, 5, 2 },
};

static void vb2ct_alloc_desc(const struct vb2ct_shape *sh, char *desc)
{
	strscpy(desc, sh->alloc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(vb2ct_allocs, vb2ct_allocs, vb2ct_alloc_desc);

static struct vb2ct_drv *vb2ct_new_shape(struct kunit *test,
					 const struct vb2ct_shape *sh)
{
	struct vb2ct_cfg cfg = vb2ct_dmabuf_cfg;

	cfg.mem_ops = sh->mem_ops;
	return vb2ct_new(test, &cfg);
}

/* What a pool's dma-buf must have seen after streaming, mapped all along. */
static void vb2ct_expect_once(struct kunit *test,
			      const struct vb2ct_shape *sh,
			      struct vb2ct_exp *e)
{
	vb2ct_expect_use(test, e, 1, sh->dma ? 1 : 0, 0, 0);
	if (sh->dma)
		vb2ct_expect_accesses(test, e);
	else
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&e->vmaps), 1,
				    "kernel mappings of dma-buf %u", e->id);
}

static void vb2_core_test_dmabuf_pool_shape(struct kunit *test)
{
	const struct vb2ct_shape *sh = test->param_value;
	struct vb2ct_drv *d = vb2ct_new_shape(test, sh);
	struct vb2ct_exp *exps[VB2CT_MAX_EXP];
	struct vb2ct_pool *p = vb2ct_pool_new(test);
	unsigned int i;

	vb2ct_exp_many(test, exps, sh->nr, false);
	vb2ct_alloc(test, d, V4L2_MEMORY_DMABUF, sh->nbufs);
	vb2ct_pool_start(test, d, p, exps, sh->nr, sh->nbufs);
	/* every dma-buf comes back a few times */
	vb2ct_pool_frames(test, d, p, 3 * sh->nr + VB2CT_FRAMES);

	for (i = 0; i < sh->nr; i++) {
		if (sh->nr % sh->nbufs)
			KUNIT_EXPECT_GT(test, hweight32(p->seen[i]), 1U);
		KUNIT_EXPECT_GE(test, exps[i]->qbufs, 3U);
		vb2ct_expect_once(test, sh, exps[i]);
		/* the test's fd and reference, and the queue's one */
		KUNIT_EXPECT_EQ(test, file_count(exps[i]->dmabuf->file), 3L);
	}

	vb2ct_release(test, d);
	for (i = 0; i < sh->nr; i++) {
		vb2ct_expect_unused(test, exps[i]);
		vb2ct_expect_released(test, exps[i]);
	}
}

/*
 * Fewer dma-bufs than indices: each one is queued again at whichever index
 * is free, so it always lands on an index other than its last one (whose
 * buffer userspace holds, dequeued).  Still one attach per dma-buf.
 */
static void vb2_core_test_dmabuf_pool_fewer(struct kunit *test)
{
	const struct vb2ct_shape *sh = test->param_value;
	struct vb2ct_drv *d = vb2ct_new_shape(test, sh);
	unsigned int nr = 3, nbufs = 4, i, index, free = nr;
	struct vb2ct_exp *exps[3];
	unsigned int at[4];
	u32 seen[3] = { };

	vb2ct_exp_many(test, exps, nr, false);
	vb2ct_alloc(test, d, V4L2_MEMORY_DMABUF, nbufs);
	for (i = 0; i < nr; i++) {
		KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dma(d, i, exps[i]), 0);
		at[i] = i;
	}
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	for (i = 0; i < VB2CT_FRAMES; i++) {
		unsigned int e;

		index = vb2ct_frame(test, d);
		e = at[index];
		exps[e]->dones++;
		KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dma(d, free, exps[e]), 0);
		at[free] = e;
		seen[e] |= BIT(free);
		free = index;
	}
	for (i = 0; i < nr; i++) {
		KUNIT_EXPECT_EQ(test, hweight32(seen[i]), nbufs);
		vb2ct_expect_once(test, sh, exps[i]);
	}

	vb2ct_release(test, d);
	for (i = 0; i < nr; i++) {
		vb2ct_expect_unused(test, exps[i]);
		vb2ct_expect_released(test, exps[i]);
	}
}

/*
 * A pool that grows mid-stream attaches each newcomer once; one that
 * shrinks (userspace closes the dma-bufs it retires) releases those at the
 * next QBUF and keeps streaming the rest without attaching anything.
 */
static void vb2_core_test_dmabuf_pool_resize(struct kunit *test)
{
	const struct vb2ct_shape *sh = test->param_value;
	struct vb2ct_drv *d = vb2ct_new_shape(test, sh);
	struct vb2ct_exp *exps[8];
	struct vb2ct_pool *p = vb2ct_pool_new(test);
	unsigned int fifo[8], i, k, index;

	vb2ct_exp_many(test, exps, 8, false);
	vb2ct_alloc(test, d, V4L2_MEMORY_DMABUF, 2);

	/* 3 over 2, then dma-bufs 3 to 7 join */
	vb2ct_pool_start(test, d, p, exps, 3, 2);
	vb2ct_pool_frames(test, d, p, 20);
	/* the FIFO in order, then the newcomers at its back */
	for (k = 0; k < p->len; k++)
		fifo[k] = p->fifo[(p->head + k) % p->nr];
	for (i = 3; i < 8; i++) {
		KUNIT_EXPECT_EQ(test, atomic_read(&exps[i]->attaches), 0);
		fifo[k++] = i;
	}
	memcpy(p->fifo, fifo, sizeof(fifo));
	p->head = 0;
	p->len = k;
	p->nr = 8;
	vb2ct_pool_frames(test, d, p, 40);
	for (i = 0; i < 8; i++)
		vb2ct_expect_once(test, sh, exps[i]);

	/* the five that wait in the FIFO now are retired and closed */
	KUNIT_ASSERT_EQ(test, p->len, 6U);
	for (k = 0; k < 5; k++) {
		unsigned int e = p->fifo[(p->head + k) % p->nr];

		vb2ct_exp_put(test, exps[e]);
		KUNIT_EXPECT_EQ(test, atomic_read(&exps[e]->releases), 0);
	}
	/* the next QBUF lets them go: the queue held the last references */
	index = vb2ct_frame(test, d);
	exps[p->at[index]]->dones++;
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dma(d, index, exps[p->at[index]]), 0);
	/* a kthread's last fput is deferred; let it run */
	flush_delayed_fput();
	for (k = 0; k < 5; k++) {
		unsigned int e = p->fifo[(p->head + k) % p->nr];

		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&exps[e]->releases), 1,
				    "releases of retired dma-buf %u", e);
		vb2ct_expect_use(test, exps[e], 1, sh->dma ? 1 : 0,
				 sh->dma ? 1 : 0, 1);
	}

	/* the other three stream on as 3 over 2 */
	i = p->fifo[(p->head + 5) % p->nr];
	p->fifo[0] = i;
	p->head = 0;
	p->len = 1;
	p->nr = 3;
	vb2ct_pool_frames(test, d, p, 30);
	vb2ct_expect_once(test, sh, exps[i]);
	vb2ct_expect_once(test, sh, exps[p->at[0]]);
	vb2ct_expect_once(test, sh, exps[p->at[1]]);
	vb2ct_release(test, d);
}

/*
 * Past VB2_DMABUF_MAX_IDLE (64) idle entries of dma-bufs userspace still
 * holds, the least recently used one is detached.
 */
static void vb2_core_test_dmabuf_cap_lru(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_dmabuf_cfg);
	unsigned int cap = 64, i;
	struct vb2ct_exp **exps;

	exps = kunit_kcalloc(test, cap + 2, sizeof(*exps), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, exps);
	vb2ct_exp_many(test, exps, cap + 2, false);
	vb2ct_alloc(test, d, V4L2_MEMORY_DMABUF, 1);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dma(d, 0, exps[0]), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);

	/* one buffer bound, dma-bufs 0 to cap - 1 idle: all kept */
	for (i = 1; i <= cap; i++) {
		KUNIT_ASSERT_EQ(test, vb2ct_frame(test, d), 0U);
		KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dma(d, 0, exps[i]), 0);
	}
	for (i = 0; i <= cap; i++)
		vb2ct_expect_use(test, exps[i], 1, 1, 0, 0);

	/* one idle entry too many: dma-buf 0, the oldest, goes */
	KUNIT_ASSERT_EQ(test, vb2ct_frame(test, d), 0U);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dma(d, 0, exps[cap + 1]), 0);
	vb2ct_expect_use(test, exps[0], 1, 1, 1, 1);
	KUNIT_EXPECT_EQ(test, file_count(exps[0]->dmabuf->file),
			vb2ct_test_refs(exps[0]));
	for (i = 1; i <= cap + 1; i++)
		vb2ct_expect_use(test, exps[i], 1, 1, 0, 0);

	/* dma-buf 0 again: attached anew, and dma-buf 1 is the oldest now */
	KUNIT_ASSERT_EQ(test, vb2ct_frame(test, d), 0U);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dma(d, 0, exps[0]), 0);
	vb2ct_expect_use(test, exps[0], 2, 2, 1, 1);
	vb2ct_expect_use(test, exps[1], 1, 1, 1, 1);
	for (i = 2; i <= cap + 1; i++)
		vb2ct_expect_use(test, exps[i], 1, 1, 0, 0);

	vb2ct_release(test, d);
	for (i = 0; i < cap + 2; i++) {
		vb2ct_expect_unused(test, exps[i]);
		vb2ct_expect_released(test, exps[i]);
	}
}

/*
 * A dma-buf whose fd userspace closed while it was queued goes when
 * another dma-buf replaces it in its buffer, as in 6.12; one closed while
 * idle goes at the next QBUF.  Either way its memory is free again while
 * the queue streams on.
 */
static void vb2_core_test_dmabuf_closed_released(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_dmabuf_cfg);
	struct vb2ct_exp *exps[3];

	vb2ct_exp_many(test, exps, 3, false);
	vb2ct_alloc(test, d, V4L2_MEMORY_DMABUF, 1);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dma(d, 0, exps[0]), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);

	/* closed while queued: kept while its buffer uses it */
	vb2ct_exp_put(test, exps[0]);
	KUNIT_ASSERT_EQ(test, vb2ct_frame(test, d), 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&exps[0]->releases), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dma(d, 0, exps[1]), 0);
	/* a kthread's last fput is deferred; let it run */
	flush_delayed_fput();
	KUNIT_EXPECT_EQ(test, atomic_read(&exps[0]->releases), 1);
	vb2ct_expect_use(test, exps[0], 1, 1, 1, 1);

	/* replaced while userspace holds it: kept, idle */
	KUNIT_ASSERT_EQ(test, vb2ct_frame(test, d), 0U);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dma(d, 0, exps[2]), 0);
	vb2ct_expect_use(test, exps[1], 1, 1, 0, 0);
	/* closed while idle: gone at the next QBUF, even an unchanged one */
	vb2ct_exp_put(test, exps[1]);
	KUNIT_EXPECT_EQ(test, atomic_read(&exps[1]->releases), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_frame(test, d), 0U);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dma(d, 0, exps[2]), 0);
	flush_delayed_fput();
	KUNIT_EXPECT_EQ(test, atomic_read(&exps[1]->releases), 1);
	vb2ct_expect_use(test, exps[1], 1, 1, 1, 1);
	vb2ct_expect_use(test, exps[2], 1, 1, 0, 0);

	vb2ct_release(test, d);
	vb2ct_expect_unused(test, exps[2]);
	vb2ct_expect_released(test, exps[2]);
}

/*
 * Both planes of a multi-planar buffer from one dma-buf, as clients lay
 * out NV12 in a single allocation: the dma-buf has two entries, each with
 * its own reference, and is kept while userspace holds it and released
 * once those two references are all its file has left.
 */
static void vb2_core_test_dmabuf_planes_share(struct kunit *test)
{
	struct vb2ct_cfg cfg = vb2ct_dmabuf_cfg;
	struct vb2ct_exp *exps[3], *pair[2];
	struct vb2ct_drv *d;

	cfg.mplane = true;
	cfg.nplanes = 2;
	d = vb2ct_new(test, &cfg);
	vb2ct_exp_many(test, exps, 3, false);
	vb2ct_alloc(test, d, V4L2_MEMORY_DMABUF, 1);
	pair[0] = exps[0];
	pair[1] = exps[0];
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dmas(d, 0, pair), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);

	/* replaced, then back: both entries kept idle and taken again */
	KUNIT_ASSERT_EQ(test, vb2ct_frame(test, d), 0U);
	pair[0] = exps[1];
	pair[1] = exps[1];
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dmas(d, 0, pair), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_frame(test, d), 0U);
	pair[0] = exps[0];
	pair[1] = exps[0];
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dmas(d, 0, pair), 0);
	vb2ct_expect_use(test, exps[0], 2, 2, 0, 0);
	vb2ct_expect_use(test, exps[1], 2, 2, 0, 0);

	/* dma-buf 1 is idle; once closed, its two entries let it go */
	vb2ct_exp_put(test, exps[1]);
	KUNIT_EXPECT_EQ(test, atomic_read(&exps[1]->releases), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_frame(test, d), 0U);
	pair[0] = exps[2];
	pair[1] = exps[2];
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dmas(d, 0, pair), 0);
	flush_delayed_fput();
	KUNIT_EXPECT_EQ(test, atomic_read(&exps[1]->releases), 1);
	vb2ct_expect_use(test, exps[1], 2, 2, 2, 2);
	/* dma-buf 0, idle but still held, stays */
	vb2ct_expect_use(test, exps[0], 2, 2, 0, 0);

	vb2ct_release(test, d);
	vb2ct_expect_unused(test, exps[0]);
	vb2ct_expect_released(test, exps[0]);
	vb2ct_expect_unused(test, exps[2]);
	vb2ct_expect_released(test, exps[2]);
}

/*
 * An exporter that refuses the attachment: vmalloc queues import through
 * the kernel mapping alone, as 6.12 does; queues that need the device's
 * mapping fail the QBUF with the exporter's error and keep no reference.
 */
static void vb2_core_test_dmabuf_attach_refused(struct kunit *test)
{
	const struct vb2ct_shape *sh = test->param_value;
	struct vb2ct_drv *d = vb2ct_new_shape(test, sh);
	struct vb2ct_exp *e = vb2ct_exp_new(test, 0, VB2CT_SIZE, false);
	unsigned int i;

	e->attach_err = -EOPNOTSUPP;
	vb2ct_alloc(test, d, V4L2_MEMORY_DMABUF, 1);
	if (sh->dma) {
		KUNIT_EXPECT_EQ(test, vb2ct_qbuf_dma(d, 0, e), -EOPNOTSUPP);
		vb2ct_expect_unused(test, e);
		vb2ct_release(test, d);
		vb2ct_expect_released(test, e);
		return;
	}

	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dma(d, 0, e), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	for (i = 0; i < 10; i++) {
		KUNIT_ASSERT_EQ(test, vb2ct_frame(test, d), 0U);
		KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dma(d, 0, e), 0);
	}
	vb2ct_expect_use(test, e, 0, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&e->vmaps), 1);
	vb2ct_release(test, d);
	vb2ct_expect_unused(test, e);
	vb2ct_expect_released(test, e);
}

/* REQBUFS(0) drops every attachment, bound or idle, and REQBUFS starts anew. */
static void vb2_core_test_dmabuf_reqbufs_zero(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_dmabuf_cfg);
	struct vb2ct_exp *exps[8];
	struct vb2ct_pool *p = vb2ct_pool_new(test);
	unsigned int i;

	vb2ct_exp_many(test, exps, 8, false);
	vb2ct_alloc(test, d, V4L2_MEMORY_DMABUF, 4);
	vb2ct_pool_start(test, d, p, exps, 8, 4);
	vb2ct_pool_frames(test, d, p, 20);

	KUNIT_ASSERT_EQ(test, vb2ct_streamoff(d, d->q.type), 0);
	vb2ct_alloc(test, d, V4L2_MEMORY_DMABUF, 0);
	for (i = 0; i < 8; i++) {
		vb2ct_expect_use(test, exps[i], 1, 1, 1, 1);
		vb2ct_expect_unused(test, exps[i]);
	}

	vb2ct_alloc(test, d, V4L2_MEMORY_DMABUF, 4);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dma(d, 0, exps[0]), 0);
	vb2ct_expect_use(test, exps[0], 2, 2, 1, 1);

	vb2ct_release(test, d);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->cleanups),
			atomic_read(&d->inits));
	for (i = 0; i < 8; i++) {
		vb2ct_expect_unused(test, exps[i]);
		vb2ct_expect_released(test, exps[i]);
	}
}

/* REMOVE_BUFS drops what the removed buffers held; removing all, the rest. */
static void vb2_core_test_dmabuf_remove_bufs(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_dmabuf_cfg);
	struct vb2ct_exp *exps[8];
	struct vb2ct_pool *p = vb2ct_pool_new(test);
	unsigned int i;
	int live;

	vb2ct_exp_many(test, exps, 8, false);
	vb2ct_alloc(test, d, V4L2_MEMORY_DMABUF, 4);
	vb2ct_pool_start(test, d, p, exps, 8, 4);
	vb2ct_pool_frames(test, d, p, 20);
	KUNIT_ASSERT_EQ(test, vb2ct_streamoff(d, d->q.type), 0);

	/*
	 * Four bound and four idle; two buffers go with their dma-bufs'
	 * attachments, the idle ones stay (the test still holds them).
	 */
	KUNIT_ASSERT_EQ(test, vb2ct_remove(d, 2, 2), 0);
	live = 0;
	for (i = 0; i < 8; i++)
		live += vb2ct_live(exps[i]);
	KUNIT_EXPECT_EQ(test, live, 6);
	for (i = 0; i < 2; i++)
		KUNIT_EXPECT_EQ_MSG(test, vb2ct_live(exps[p->at[i]]), 1,
				    "dma-buf %u of buffer %u", p->at[i], i);
	for (i = 2; i < 4; i++)
		KUNIT_EXPECT_EQ_MSG(test, vb2ct_live(exps[p->at[i]]), 0,
				    "dma-buf %u of buffer %u", p->at[i], i);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ(test, file_count(exps[i]->dmabuf->file),
				vb2ct_test_refs(exps[i]) +
				vb2ct_live(exps[i]));

	/* the remaining buffers still stream with what they have */
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dma(d, 0, exps[p->at[0]]), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_frame(test, d), 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&exps[p->at[0]]->attaches), 1);
	KUNIT_ASSERT_EQ(test, vb2ct_streamoff(d, d->q.type), 0);

	/* no buffers, no attachments */
	KUNIT_ASSERT_EQ(test, vb2ct_remove(d, 0, 2), 0);
	for (i = 0; i < 8; i++)
		vb2ct_expect_unused(test, exps[i]);

	vb2ct_release(test, d);
	for (i = 0; i < 8; i++)
		vb2ct_expect_released(test, exps[i]);
}

/* ------------------------------------------------------------------------
 * Moves of imported dma-bufs
 */

/* Waits for a move that must return; unblocks the core if it does not. */
static void vb2ct_move_end(struct kunit *test, struct vb2ct_drv *d,
			   struct vb2ct_move *m)
{
	if (wait_for_completion_timeout(&m->done, VB2CT_WAIT))
		return;
	KUNIT_FAIL(test, "move_notify did not return");
	vb2ct_give_back(d, VB2_BUF_STATE_ERROR);
	KUNIT_ASSERT_TRUE_MSG(test,
			      wait_for_completion_timeout(&m->done,
							  VB2CT_WAIT),
			      "move_notify still blocked");
}

/*
 * Without CONFIG_DMABUF_MOVE_NOTIFY a mapping pins a dynamic exporter's
 * buffer, so nothing an exporter would move is ever unpinned.
 */
static void vb2ct_need_moves(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY))
		kunit_skip(test, "exporters move only with CONFIG_DMABUF_MOVE_NOTIFY");
}

/*
 * Moves @e's buffer and expects the exporter to go ahead (@pinned false)
 * or to find it pinned.  Either way the move must not wait for the device,
 * and no mapping of the old placement may outlive move_notify.
 */
static void vb2ct_move(struct kunit *test, struct vb2ct_drv *d,
		       struct vb2ct_exp *e, bool pinned)
{
	struct vb2ct_move *m = vb2ct_move_start(test, e, d);

	vb2ct_move_end(test, d, m);
	KUNIT_EXPECT_EQ_MSG(test, m->refused, pinned,
			    "dma-buf %u pinned", e->id);
	KUNIT_EXPECT_EQ_MSG(test, m->stale, 0,
			    "mappings of dma-buf %u left over a move", e->id);
	KUNIT_EXPECT_FALSE_MSG(test, m->in_use,
			       "dma-buf %u moved under the device", e->id);
}

/*
 * A dma-buf moved while idle is unmapped inside move_notify and mapped
 * again at its next QBUF, alone; so is one of a dequeued buffer.
 */
static void vb2_core_test_move_idle(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_dmabuf_cfg);
	struct vb2ct_tally t[5];
	struct vb2ct_exp *exps[5];
	struct vb2ct_pool *p = vb2ct_pool_new(test);
	unsigned int i, index, spare, x;

	vb2ct_need_moves(test);
	vb2ct_exp_many(test, exps, 5, true);
	vb2ct_alloc(test, d, V4L2_MEMORY_DMABUF, 4);
	vb2ct_pool_start(test, d, p, exps, 5, 4);
	vb2ct_pool_frames(test, d, p, 10);

	/* the spare dma-buf: cached, bound to no buffer */
	spare = p->fifo[p->head];
	for (i = 0; i < 5; i++)
		vb2ct_tally(exps[i], &t[i]);
	vb2ct_move(test, d, exps[spare], false);
	vb2ct_expect_since(test, exps[spare], &t[spare], 0, 0, 1, 0);
	vb2ct_pool_frames(test, d, p, 1);
	for (i = 0; i < 5; i++)
		vb2ct_expect_since(test, exps[i], &t[i], 0,
				   i == spare, i == spare, 0);

	/* a dma-buf of a dequeued buffer, queued again at the same index */
	vb2ct_pool_frames(test, d, p, 10);
	index = vb2ct_frame(test, d);
	x = p->at[index];
	exps[x]->dones++;
	for (i = 0; i < 5; i++)
		vb2ct_tally(exps[i], &t[i]);
	vb2ct_move(test, d, exps[x], false);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dma(d, index, exps[x]), 0);
	for (i = 0; i < 5; i++)
		vb2ct_expect_since(test, exps[i], &t[i], 0, i == x, i == x, 0);

	/* and nothing more after that */
	vb2ct_pool_frames(test, d, p, 10);
	for (i = 0; i < 5; i++) {
		vb2ct_expect_since(test, exps[i], &t[i], 0, i == x, i == x, 0);
		vb2ct_expect_accesses(test, exps[i]);
	}

	vb2ct_release(test, d);
	for (i = 0; i < 5; i++) {
		vb2ct_expect_unused(test, exps[i]);
		vb2ct_expect_released(test, exps[i]);
	}
}

/* A device that completes its buffer after a delay. */
struct vb2ct_slow {
	struct delayed_work work;
	struct vb2ct_drv *drv;
	struct completion done;
	int index;
};

static void vb2ct_slow_work(struct work_struct *work)
{
	struct vb2ct_slow *s = container_of(to_delayed_work(work),
					    struct vb2ct_slow, work);

	s->index = vb2ct_complete(s->drv, VB2_BUF_STATE_DONE, 0);
	complete(&s->done);
}

static void vb2ct_slow_cancel(void *data)
{
	struct vb2ct_slow *s = data;

	cancel_delayed_work_sync(&s->work);
}

static struct vb2ct_slow *vb2ct_slow_start(struct kunit *test,
					   struct vb2ct_drv *d,
					   unsigned int ms)
{
	struct vb2ct_slow *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->drv = d;
	s->index = -1;
	init_completion(&s->done);
	INIT_DELAYED_WORK(&s->work, vb2ct_slow_work);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							vb2ct_slow_cancel, s),
			0);
	schedule_delayed_work(&s->work, msecs_to_jiffies(ms));
	return s;
}

/*
 * A device that keeps a buffer for 3 s, longer than a move could wait:
 * the buffer's dma-buf is pinned from QBUF to DQBUF, so the exporter
 * leaves it in place and no move_notify returns with the device still on
 * the old placement.  Once the buffer is back the move goes through at
 * once, and the next QBUF maps the new placement.
 */
static void vb2_core_test_move_slow_device(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_dmabuf_cfg);
	struct vb2ct_exp *e = vb2ct_exp_new(test, 0, VB2CT_SIZE, true);
	struct vb2ct_move *m;
	struct vb2ct_slow *slow;
	unsigned int index;

	vb2ct_need_moves(test);
	vb2ct_alloc(test, d, V4L2_MEMORY_DMABUF, 2);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dma(d, 0, e), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_held(d), 1U);
	vb2ct_expect_use(test, e, 1, 1, 0, 0);

	slow = vb2ct_slow_start(test, d, 3000);
	m = vb2ct_move_start(test, e, d);
	/* well before the device is done */
	KUNIT_ASSERT_TRUE_MSG(test, wait_for_completion_timeout(&m->done, HZ),
			      "the move waited for the device");
	KUNIT_EXPECT_FALSE(test, completion_done(&slow->done));
	KUNIT_EXPECT_TRUE(test, m->refused);
	KUNIT_EXPECT_FALSE(test, m->in_use);
	vb2ct_expect_use(test, e, 1, 1, 0, 0);

	KUNIT_ASSERT_TRUE(test,
			  wait_for_completion_timeout(&slow->done, VB2CT_WAIT));
	KUNIT_ASSERT_EQ(test, slow->index, 0);
	e->dones++;
	KUNIT_ASSERT_EQ(test, vb2ct_dq(d, &index), 0);
	KUNIT_EXPECT_EQ(test, index, 0U);

	vb2ct_move(test, d, e, false);
	vb2ct_expect_use(test, e, 1, 1, 1, 0);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dma(d, 0, e), 0);
	vb2ct_expect_use(test, e, 1, 2, 1, 0);
	KUNIT_EXPECT_EQ(test, vb2ct_held(d), 1U);
	vb2ct_move(test, d, e, true);

	vb2ct_release(test, d);
	vb2ct_expect_unused(test, e);
	vb2ct_expect_released(test, e);
}

/*
 * Prepared and queued buffers pin their dma-bufs before the device sees
 * them: moves are refused from PREPARE_BUF or QBUF on, and allowed again
 * once STREAMOFF gives the buffers back.
 */
static void vb2_core_test_move_queued(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_dmabuf_cfg);
	struct vb2ct_exp *e = vb2ct_exp_new(test, 0, VB2CT_SIZE, true);
	struct vb2ct_exp *f = vb2ct_exp_new(test, 1, VB2CT_SIZE, true);
	struct vb2ct_ubuf u;

	vb2ct_need_moves(test);
	vb2ct_alloc(test, d, V4L2_MEMORY_DMABUF, 2);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dma(d, 0, e), 0);
	vb2ct_ubuf(d, &u, 1, V4L2_MEMORY_DMABUF);
	vb2ct_ubuf_fd(d, &u, 0, f->fd, f->size);
	KUNIT_ASSERT_EQ(test, vb2ct_prepare_buf(d, &u), 0);
	vb2ct_move(test, d, e, true);
	vb2ct_move(test, d, f, true);

	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->prepares), 2);
	vb2ct_expect_use(test, e, 1, 1, 0, 0);
	vb2ct_expect_use(test, f, 1, 1, 0, 0);

	KUNIT_ASSERT_EQ(test, vb2ct_streamoff(d, d->q.type), 0);
	vb2ct_move(test, d, e, false);
	vb2ct_move(test, d, f, false);
	vb2ct_expect_use(test, e, 1, 1, 1, 0);
	vb2ct_expect_use(test, f, 1, 1, 1, 0);

	vb2ct_release(test, d);
	vb2ct_expect_unused(test, e);
	vb2ct_expect_released(test, e);
	vb2ct_expect_unused(test, f);
	vb2ct_expect_released(test, f);
}

/*
 * A buffer the driver fails in buf_queue, before start_streaming fails:
 * it stays done, for DQBUF to report, and only the buffer that is still
 * queued goes to the driver at the next STREAMON.
 */
static void vb2_core_test_queue_fails_start_fails(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_dmabuf_cfg);
	struct vb2ct_exp *e = vb2ct_exp_new(test, 0, VB2CT_SIZE, true);
	struct vb2ct_exp *f = vb2ct_exp_new(test, 1, VB2CT_SIZE, false);
	struct vb2ct_ubuf u;

	vb2ct_alloc(test, d, V4L2_MEMORY_DMABUF, 2);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dma(d, 0, e), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dma(d, 1, f), 0);

	d->queue_fail = BIT(0);
	d->start_err = -ENXIO;
	KUNIT_EXPECT_EQ(test, vb2ct_streamon(d, d->q.type), -ENXIO);
	KUNIT_EXPECT_EQ(test, vb2ct_held(d), 0U);
	KUNIT_EXPECT_EQ(test, vb2ct_flags(test, d, 0),
			(u32)(V4L2_BUF_FLAG_DONE | V4L2_BUF_FLAG_ERROR));
	KUNIT_EXPECT_EQ(test, vb2ct_flags(test, d, 1),
			(u32)V4L2_BUF_FLAG_QUEUED);

	d->queue_fail = 0;
	d->start_err = 0;
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_held(d), 1U);
	KUNIT_EXPECT_EQ(test, vb2ct_oldest(d), 1);
	vb2ct_ubuf(d, &u, 0, V4L2_MEMORY_DMABUF);
	KUNIT_ASSERT_EQ(test, vb2ct_dqbuf(d, &u), 0);
	KUNIT_EXPECT_EQ(test, u.b.index, 0U);
	KUNIT_EXPECT_NE(test, u.b.flags & V4L2_BUF_FLAG_ERROR, 0U);
	e->dones++;

	/* buffer 0 streams again, on the mapping it had */
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dma(d, 0, e), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_frame(test, d), 1U);
	f->dones++;
	KUNIT_EXPECT_EQ(test, vb2ct_frame(test, d), 0U);
	e->dones++;
	vb2ct_expect_use(test, e, 1, 1, 0, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->finishes),
			atomic_read(&d->prepares));

	vb2ct_release(test, d);
	vb2ct_expect_unused(test, e);
	vb2ct_expect_released(test, e);
	vb2ct_expect_unused(test, f);
	vb2ct_expect_released(test, f);
}

/*
 * Moved entries that are dropped before they are mapped again: a second
 * move finds nothing to unmap, and freeing the buffers detaches them.
 */
static void vb2_core_test_move_dropped(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_dmabuf_cfg);
	struct vb2ct_exp *exps[5];
	struct vb2ct_pool *p = vb2ct_pool_new(test);
	struct vb2ct_tally t;
	unsigned int i, spare;
	u32 none = 0;

	vb2ct_need_moves(test);
	vb2ct_exp_many(test, exps, 5, true);
	vb2ct_alloc(test, d, V4L2_MEMORY_DMABUF, 4);
	vb2ct_pool_start(test, d, p, exps, 5, 4);
	vb2ct_pool_frames(test, d, p, 6);

	spare = p->fifo[p->head];
	vb2ct_tally(exps[spare], &t);
	vb2ct_move(test, d, exps[spare], false);
	vb2ct_move(test, d, exps[spare], false);
	vb2ct_expect_since(test, exps[spare], &t, 0, 0, 1, 0);

	KUNIT_ASSERT_EQ(test, vb2ct_streamoff(d, d->q.type), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_reqbufs(d, V4L2_MEMORY_DMABUF, &none), 0);
	vb2ct_expect_since(test, exps[spare], &t, 0, 0, 1, 1);
	KUNIT_EXPECT_EQ(test, d->q.dmabuf_pinned, 0U);
	for (i = 0; i < 5; i++)
		vb2ct_expect_unused(test, exps[i]);

	vb2ct_release(test, d);
	for (i = 0; i < 5; i++)
		vb2ct_expect_released(test, exps[i]);
}

/* ------------------------------------------------------------------------
 * Teardown
 */

enum vb2ct_stage {
	VB2CT_PREPARED,
	VB2CT_QUEUED,
	VB2CT_ACTIVE,
	VB2CT_DONE,
	VB2CT_DEQUEUED,
};

struct vb2ct_teardown {
	const char *name;
	enum vb2ct_stage stage;
};

static const struct vb2ct_teardown vb2ct_teardowns[] = {
	{ "prepared", VB2CT_PREPARED },
	{ "queued", VB2CT_QUEUED },
	{ "active", VB2CT_ACTIVE },
	{ "done", VB2CT_DONE },
	{ "dequeued", VB2CT_DEQUEUED },
};

KUNIT_ARRAY_PARAM_DESC(vb2ct_teardowns, vb2ct_teardowns, name);

/* Closing the queue in any state gives back every buffer and dma-buf once. */
static void vb2_core_test_release_in_state(struct kunit *test)
{
	const struct vb2ct_teardown *td = test->param_value;
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_dmabuf_cfg);
	struct vb2ct_exp *exps[2];
	struct vb2ct_ubuf u;
	unsigned int i, index;

	vb2ct_exp_many(test, exps, 2, true);
	vb2ct_alloc(test, d, V4L2_MEMORY_DMABUF, 2);
	for (i = 0; i < 2; i++) {
		if (td->stage == VB2CT_PREPARED) {
			vb2ct_ubuf(d, &u, i, V4L2_MEMORY_DMABUF);
			vb2ct_ubuf_fd(d, &u, 0, exps[i]->fd, 0);
			KUNIT_ASSERT_EQ(test, vb2ct_prepare_buf(d, &u), 0);
		} else {
			KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dma(d, i, exps[i]), 0);
		}
	}
	if (td->stage >= VB2CT_ACTIVE) {
		KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
		KUNIT_EXPECT_EQ(test, vb2ct_held(d), 2U);
	}
	if (td->stage >= VB2CT_DONE)
		for (i = 0; i < 2; i++)
			KUNIT_ASSERT_EQ(test,
					vb2ct_complete(d, VB2_BUF_STATE_DONE,
						       0), (int)i);
	if (td->stage >= VB2CT_DEQUEUED)
		for (i = 0; i < 2; i++)
			KUNIT_ASSERT_EQ(test, vb2ct_dq(d, &index), 0);
	for (i = 0; i < 2; i++)
		vb2ct_expect_use(test, exps[i], 1, 1, 0, 0);

	vb2ct_release(test, d);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->stops),
			td->stage >= VB2CT_ACTIVE ? 1 : 0);
	KUNIT_EXPECT_EQ(test, vb2ct_held(d), 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->finishes),
			atomic_read(&d->prepares));
	KUNIT_EXPECT_EQ(test, atomic_read(&d->cleanups),
			atomic_read(&d->inits));
	for (i = 0; i < 2; i++) {
		vb2ct_expect_use(test, exps[i], 1, 1, 1, 1);
		vb2ct_expect_unused(test, exps[i]);
		vb2ct_expect_released(test, exps[i]);
	}
}

/* A queued dma-buf closed by userspace lives until the queue drops it. */
static void vb2_core_test_release_closed_dmabuf(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_dmabuf_cfg);
	struct vb2ct_exp *e = vb2ct_exp_new(test, 0, VB2CT_SIZE, false);
	unsigned int index;

	vb2ct_alloc(test, d, V4L2_MEMORY_DMABUF, 2);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_dma(d, 0, e), 0);
	vb2ct_exp_put(test, e);
	KUNIT_EXPECT_EQ(test, atomic_read(&e->releases), 0);
	KUNIT_EXPECT_EQ(test, file_count(e->dmabuf->file), 1L);

	/* the device still gets and returns it */
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_complete(d, VB2_BUF_STATE_DONE, 0), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_dq(d, &index), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&e->releases), 0);
	KUNIT_EXPECT_NOT_NULL(test, e->pages);

	vb2ct_release(test, d);
	KUNIT_EXPECT_EQ(test, atomic_read(&e->releases), 1);
	vb2ct_expect_use(test, e, 1, 1, 1, 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&e->begins), atomic_read(&e->ends));
}

/* Closing a streaming MMAP queue stops the driver and frees every buffer. */
static void vb2_core_test_release_mmap(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new(test, &vb2ct_mmap_cfg);
	unsigned int i;

	vb2ct_alloc(test, d, V4L2_MEMORY_MMAP, 4);
	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_EQ(test, vb2ct_qbuf_mmap(d, i), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_complete(d, VB2_BUF_STATE_DONE, 0), 0);

	vb2ct_release(test, d);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->stops), 1);
	KUNIT_EXPECT_EQ(test, vb2ct_held(d), 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->finishes),
			atomic_read(&d->prepares));
	KUNIT_EXPECT_EQ(test, atomic_read(&d->inits), 4);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->cleanups), 4);
}

/* ------------------------------------------------------------------------
 * Media requests
 */

#if IS_ENABLED(CONFIG_MEDIA_CONTROLLER)

/* What QUERYBUF and DQBUF say of a buffer and of the request it went in. */
#define VB2CT_REQ_FLAGS	(VB2CT_STATE | V4L2_BUF_FLAG_REQUEST_FD)
/* A buffer bound to a request that is not queued yet. */
#define VB2CT_BOUND	(V4L2_BUF_FLAG_IN_REQUEST | V4L2_BUF_FLAG_REQUEST_FD)

/* What poll() on a request fd says, as numbers KUnit can print. */
#define VB2CT_POLL_UNQUEUED	((__force unsigned int)EPOLLERR)
#define VB2CT_POLL_PENDING	0U
#define VB2CT_POLL_COMPLETE	((__force unsigned int)EPOLLPRI)

/* Output video through requests, the way a stateless decoder takes it. */
static const struct vb2ct_cfg vb2ct_req_out_cfg = {
	.mem_ops = &vb2_vmalloc_memops,
	.io_modes = VB2_MMAP,
	.output = true,
	.requests = true,
	.nplanes = 1,
};

/* Capture that may be fed through requests. */
static const struct vb2ct_cfg vb2ct_req_cap_cfg = {
	.mem_ops = &vb2_vmalloc_memops,
	.io_modes = VB2_MMAP,
	.requests = true,
	.nplanes = 1,
};

/* The request ops of a vb2 driver; requests are plain struct media_request. */
static const struct media_device_ops vb2ct_mdev_ops = {
	.req_validate = vb2_request_validate,
	.req_queue = vb2_request_queue,
};

static void vb2ct_mdev_cleanup(void *data)
{
	media_device_cleanup(data);
}

/*
 * A media device, initialised and never registered: no device node, just
 * what requests need.  Make it before the queue whose requests it gives,
 * so that it goes after the queue and the requests the queue holds.
 */
static struct media_device *vb2ct_mdev_new(struct kunit *test)
{
	static atomic_t seq = ATOMIC_INIT(0);
	struct media_device *mdev;
	struct device *dev;
	char name[32];

	snprintf(name, sizeof(name), "vb2-core-md%d",
		 atomic_inc_return(&seq));
	dev = kunit_device_register(test, name);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);

	mdev = kunit_kzalloc(test, sizeof(*mdev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mdev);
	mdev->dev = dev;
	mdev->ops = &vb2ct_mdev_ops;
	strscpy(mdev->model, "vb2 core test", sizeof(mdev->model));
	strscpy(mdev->driver_name, "vb2-core-kunit",
		sizeof(mdev->driver_name));
	strscpy(mdev->bus_info, "kunit", sizeof(mdev->bus_info));
	media_device_init(mdev);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							vb2ct_mdev_cleanup,
							mdev), 0);
	return mdev;
}

/* A queue of @cfg whose buffers may go into requests of a media device. */
static struct vb2ct_drv *vb2ct_new_mc(struct kunit *test,
				      const struct vb2ct_cfg *cfg)
{
	struct media_device *mdev = vb2ct_mdev_new(test);
	struct vb2ct_drv *d = vb2ct_new(test, cfg);

	d->mdev = mdev;
	return d;
}

/* MEDIA_IOC_REQUEST_ALLOC: where the new request's fd is kept. */
static int *vb2ct_req_new(struct kunit *test, struct media_device *mdev)
{
	int fd = -1;

	KUNIT_ASSERT_EQ(test, media_request_alloc(mdev, &fd), 0);
	KUNIT_ASSERT_GE(test, fd, 0);
	return vb2ct_hold_fd(test, fd);
}

static void vb2ct_req_put(void *data)
{
	media_request_put(data);
}

/* The request behind @fd, with a reference of the test's until it ends. */
static struct media_request *vb2ct_req_hold(struct kunit *test,
					    struct media_device *mdev, int fd)
{
	struct media_request *req = media_request_get_by_fd(mdev, fd);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, req);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, vb2ct_req_put,
							req), 0);
	return req;
}

/* An ioctl on the request fd, as the ioctl() syscall makes it. */
static int vb2ct_req_ioctl(struct kunit *test, int fd, unsigned int cmd)
{
	struct file *file = fget(fd);
	long ret;

	KUNIT_ASSERT_NOT_NULL_MSG(test, file, "no request fd %d", fd);
	ret = file->f_op->unlocked_ioctl(file, cmd, 0);
	fput(file);
	return ret;
}

static int vb2ct_req_queue(struct kunit *test, int fd)
{
	return vb2ct_req_ioctl(test, fd, MEDIA_REQUEST_IOC_QUEUE);
}

static int vb2ct_req_reinit(struct kunit *test, int fd)
{
	return vb2ct_req_ioctl(test, fd, MEDIA_REQUEST_IOC_REINIT);
}

/* poll() on the request fd, without waiting. */
static unsigned int vb2ct_req_poll(struct kunit *test, int fd)
{
	struct file *file = fget(fd);
	__poll_t mask;

	KUNIT_ASSERT_NOT_NULL_MSG(test, file, "no request fd %d", fd);
	mask = vfs_poll(file, NULL);
	fput(file);
	return (__force unsigned int)mask;
}

/* @req is in @state and none of the queue's buffers is left in it. */
static void vb2ct_expect_req_empty(struct kunit *test,
				   struct media_request *req,
				   enum media_request_state state)
{
	enum media_request_state now;
	unsigned int incomplete;
	unsigned long flags;
	bool empty;

	spin_lock_irqsave(&req->lock, flags);
	now = req->state;
	empty = list_empty(&req->objects);
	incomplete = req->num_incomplete_objects;
	spin_unlock_irqrestore(&req->lock, flags);
	KUNIT_EXPECT_EQ(test, now, state);
	KUNIT_EXPECT_TRUE(test, empty);
	KUNIT_EXPECT_EQ(test, incomplete, 0U);
}

/* The QBUF argument that puts MMAP buffer @index in the request behind @fd. */
static void vb2ct_ubuf_req(struct vb2ct_drv *d, struct vb2ct_ubuf *u,
			   unsigned int index, int fd)
{
	unsigned int p;

	vb2ct_ubuf(d, u, index, V4L2_MEMORY_MMAP);
	u->b.flags = V4L2_BUF_FLAG_REQUEST_FD;
	u->b.request_fd = fd;
	if (!d->cfg.output)
		return;
	/* a full payload, as for a slice of a compressed frame */
	if (!d->cfg.mplane) {
		u->b.bytesused = VB2CT_SIZE;
		return;
	}
	for (p = 0; p < d->cfg.nplanes; p++)
		u->planes[p].bytesused = VB2CT_SIZE;
}

static noinline_for_stack int vb2ct_qbuf_req(struct vb2ct_drv *d,
					     unsigned int index, int fd)
{
	struct vb2ct_ubuf u;

	vb2ct_ubuf_req(d, &u, index, fd);
	return vb2ct_qbuf(d, &u);
}

/* The state and request flags QUERYBUF reports for buffer @index. */
static u32 vb2ct_rflags(struct kunit *test, struct vb2ct_drv *d,
			unsigned int index, s32 *rfd)
{
	return vb2ct_query(test, d, index, rfd) & VB2CT_REQ_FLAGS;
}

/*
 * DQBUF of a buffer the device completed without error, which came in the
 * request behind @fd and says so.  Returns its index.
 */
static noinline_for_stack unsigned int vb2ct_dq_req(struct kunit *test,
						    struct vb2ct_drv *d,
						    int fd)
{
	struct vb2ct_ubuf u;

	vb2ct_ubuf(d, &u, 0, V4L2_MEMORY_MMAP);
	KUNIT_ASSERT_EQ(test, vb2ct_dqbuf(d, &u), 0);
	KUNIT_EXPECT_EQ_MSG(test, u.b.flags & VB2CT_REQ_FLAGS,
			    (u32)V4L2_BUF_FLAG_REQUEST_FD,
			    "flags of buffer %u", u.b.index);
	KUNIT_EXPECT_EQ_MSG(test, u.b.request_fd, fd,
			    "request fd of buffer %u", u.b.index);
	return u.b.index;
}

/* A buffer goes with its request: bound at QBUF, queued and done with it. */
static void vb2_core_test_request_lifecycle(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new_mc(test, &vb2ct_req_out_cfg);
	int *fd = vb2ct_req_new(test, d->mdev);
	struct vb2ct_ubuf u;
	s32 rfd;

	vb2ct_alloc(test, d, V4L2_MEMORY_MMAP, 2);
	KUNIT_EXPECT_TRUE(test, d->caps & V4L2_BUF_CAP_SUPPORTS_REQUESTS);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);

	/* bound: the driver checks the buffer and gets nothing yet */
	vb2ct_ubuf_req(d, &u, 0, *fd);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf(d, &u), 0);
	KUNIT_EXPECT_EQ(test, u.b.flags & VB2CT_REQ_FLAGS, (u32)VB2CT_BOUND);
	KUNIT_EXPECT_EQ(test, u.b.request_fd, *fd);
	KUNIT_EXPECT_EQ(test, vb2ct_rflags(test, d, 0, &rfd),
			(u32)VB2CT_BOUND);
	KUNIT_EXPECT_EQ(test, rfd, *fd);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->validates), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->prepares), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->queues), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_req_poll(test, *fd), VB2CT_POLL_UNQUEUED);

	/* queued: validated and prepared, then handed to the driver */
	KUNIT_ASSERT_EQ(test, vb2ct_req_queue(test, *fd), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->validates), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->prepares), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->queues), 1);
	KUNIT_EXPECT_EQ(test, vb2ct_held(d), 1U);
	KUNIT_EXPECT_EQ(test, vb2ct_rflags(test, d, 0, &rfd),
			(u32)(V4L2_BUF_FLAG_QUEUED | V4L2_BUF_FLAG_REQUEST_FD));
	KUNIT_EXPECT_EQ(test, rfd, *fd);
	KUNIT_EXPECT_EQ(test, vb2ct_req_poll(test, *fd), VB2CT_POLL_PENDING);

	/* its only buffer done, the request is complete */
	KUNIT_ASSERT_EQ(test, vb2ct_complete(d, VB2_BUF_STATE_DONE, 0), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_req_poll(test, *fd), VB2CT_POLL_COMPLETE);
	KUNIT_EXPECT_EQ(test, vb2ct_rflags(test, d, 0, NULL),
			(u32)(V4L2_BUF_FLAG_DONE | V4L2_BUF_FLAG_REQUEST_FD));
	KUNIT_EXPECT_EQ(test, vb2ct_dq_req(test, d, *fd), 0U);
	KUNIT_EXPECT_EQ(test, vb2ct_rflags(test, d, 0, NULL), 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->finishes), 1);

	/* re-initialised, it takes both buffers and completes with the last */
	KUNIT_ASSERT_EQ(test, vb2ct_req_reinit(test, *fd), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_req_poll(test, *fd), VB2CT_POLL_UNQUEUED);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_req(d, 0, *fd), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_req(d, 1, *fd), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_req_queue(test, *fd), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->queues), 3);
	KUNIT_ASSERT_EQ(test, vb2ct_complete(d, VB2_BUF_STATE_DONE, 0), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_req_poll(test, *fd), VB2CT_POLL_PENDING);
	KUNIT_ASSERT_EQ(test, vb2ct_complete(d, VB2_BUF_STATE_DONE, 0), 1);
	KUNIT_EXPECT_EQ(test, vb2ct_req_poll(test, *fd), VB2CT_POLL_COMPLETE);
	KUNIT_EXPECT_EQ(test, vb2ct_dq_req(test, d, *fd), 0U);
	KUNIT_EXPECT_EQ(test, vb2ct_dq_req(test, d, *fd), 1U);

	vb2ct_release(test, d);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->finishes),
			atomic_read(&d->prepares));
	KUNIT_EXPECT_EQ(test, atomic_read(&d->req_completes), 0);
}

/* A queue is fed through requests or directly, not both, until cancelled. */
static void vb2_core_test_request_mixing(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new_mc(test, &vb2ct_req_cap_cfg);
	int *fd = vb2ct_req_new(test, d->mdev);
	struct vb2ct_drv *e;
	int *efd;

	/* a request first: no direct QBUF */
	vb2ct_alloc(test, d, V4L2_MEMORY_MMAP, 2);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_req(d, 0, *fd), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf_mmap(d, 1), -EBUSY);
	KUNIT_EXPECT_EQ(test, vb2ct_rflags(test, d, 1, NULL), 0U);

	/* STREAMOFF takes buffer 0 out of its request and forgets the mode */
	KUNIT_ASSERT_EQ(test, vb2ct_streamoff(d, d->q.type), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_rflags(test, d, 0, NULL), 0U);
	KUNIT_EXPECT_EQ(test, vb2ct_req_queue(test, *fd), -ENOENT);
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf_mmap(d, 1), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf_req(d, 0, *fd), -EBUSY);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->req_completes), 0);
	vb2ct_release(test, d);

	/* a direct QBUF first, on a new queue: no request QBUF */
	e = vb2ct_new_mc(test, &vb2ct_req_cap_cfg);
	efd = vb2ct_req_new(test, e->mdev);
	vb2ct_alloc(test, e, V4L2_MEMORY_MMAP, 2);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_mmap(e, 0), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf_req(e, 1, *efd), -EBUSY);
	KUNIT_EXPECT_EQ(test, vb2ct_rflags(test, e, 1, NULL), 0U);
	KUNIT_EXPECT_EQ(test, vb2ct_req_queue(test, *efd), -ENOENT);

	/* until STREAMOFF */
	KUNIT_ASSERT_EQ(test, vb2ct_streamoff(e, e->q.type), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_req(e, 1, *efd), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_rflags(test, e, 1, NULL),
			(u32)VB2CT_BOUND);
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf_mmap(e, 0), -EBUSY);
	vb2ct_release(test, e);
	KUNIT_EXPECT_EQ(test, atomic_read(&e->finishes),
			atomic_read(&e->prepares));
}

/* EBADR: a direct QBUF where requests are required, or a request refused. */
static void vb2_core_test_request_required(struct kunit *test)
{
	struct vb2ct_cfg cfg = vb2ct_req_cap_cfg;
	struct media_device *mdev;
	struct vb2ct_drv *d, *e;
	int *fd, *efd;

	cfg.requires_requests = true;
	d = vb2ct_new_mc(test, &cfg);
	fd = vb2ct_req_new(test, d->mdev);
	vb2ct_alloc(test, d, V4L2_MEMORY_MMAP, 2);
	KUNIT_EXPECT_TRUE(test, d->caps & V4L2_BUF_CAP_SUPPORTS_REQUESTS);
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf_mmap(d, 0), -EBADR);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf_mmap(d, 0), -EBADR);
	KUNIT_EXPECT_EQ(test, vb2ct_rflags(test, d, 0, NULL), 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->prepares), 0);

	/* through a request it streams */
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_req(d, 0, *fd), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_req_queue(test, *fd), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_complete(d, VB2_BUF_STATE_DONE, 0), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_req_poll(test, *fd), VB2CT_POLL_COMPLETE);
	KUNIT_EXPECT_EQ(test, vb2ct_dq_req(test, d, *fd), 0U);

	/* STREAMOFF ends the mixing rule, not the requirement */
	KUNIT_ASSERT_EQ(test, vb2ct_streamoff(d, d->q.type), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf_mmap(d, 1), -EBADR);

	/* a driver without a media device has no requests to look up */
	KUNIT_ASSERT_EQ(test, vb2ct_req_reinit(test, *fd), 0);
	mdev = d->mdev;
	d->mdev = NULL;
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf_req(d, 1, *fd), -EBADR);
	d->mdev = mdev;
	KUNIT_EXPECT_EQ(test, vb2ct_rflags(test, d, 1, NULL), 0U);
	vb2ct_release(test, d);

	/* a queue that takes no requests */
	e = vb2ct_new_mc(test, &vb2ct_mmap_cfg);
	efd = vb2ct_req_new(test, e->mdev);
	vb2ct_alloc(test, e, V4L2_MEMORY_MMAP, 2);
	KUNIT_EXPECT_FALSE(test, e->caps & V4L2_BUF_CAP_SUPPORTS_REQUESTS);
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf_req(e, 0, *efd), -EBADR);
	KUNIT_EXPECT_EQ(test, vb2ct_rflags(test, e, 0, NULL), 0U);
	KUNIT_EXPECT_EQ(test, vb2ct_req_queue(test, *efd), -ENOENT);
	/* and is fed directly as if nothing happened */
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf_mmap(e, 0), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&e->prepares), 1);
	vb2ct_release(test, e);
}

/* Request fds that cannot take a buffer: EINVAL, or EBUSY once queued. */
static void vb2_core_test_request_bad_fd(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new_mc(test, &vb2ct_req_cap_cfg);
	int *fd = vb2ct_req_new(test, d->mdev);
	int *other = vb2ct_req_new(test, d->mdev);
	int *foreign = vb2ct_req_new(test, vb2ct_mdev_new(test));
	int *plain, *gone, bad[4], ret;
	struct vb2ct_ubuf u;
	unsigned int i;
	s32 rfd;

	vb2ct_alloc(test, d, V4L2_MEMORY_MMAP, 2);
	ret = anon_inode_getfd("vb2-core-kunit", &vb2ct_plain_fops, NULL,
			       O_RDWR | O_CLOEXEC);
	KUNIT_ASSERT_GE(test, ret, 0);
	plain = vb2ct_hold_fd(test, ret);
	gone = vb2ct_req_new(test, d->mdev);

	/* no fd, no request, a closed request, another device's request */
	bad[0] = -1;
	bad[1] = *plain;
	bad[2] = *gone;
	bad[3] = *foreign;
	vb2ct_drop_fd(test, gone);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, vb2ct_qbuf_req(d, 0, bad[i]),
				    -EINVAL, "request fd %d", bad[i]);
		KUNIT_EXPECT_EQ(test, vb2ct_rflags(test, d, 0, NULL), 0U);
	}

	/* PREPARE_BUF takes no request, not even a good one */
	vb2ct_ubuf_req(d, &u, 0, *fd);
	KUNIT_EXPECT_EQ(test, vb2ct_prepare_buf(d, &u), -EINVAL);
	KUNIT_EXPECT_EQ(test, vb2ct_rflags(test, d, 0, NULL), 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->prepares), 0);

	/* a buffer is in one request at a time */
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_req(d, 0, *fd), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf_req(d, 0, *other), -EINVAL);
	KUNIT_EXPECT_EQ(test, vb2ct_rflags(test, d, 0, &rfd),
			(u32)VB2CT_BOUND);
	KUNIT_EXPECT_EQ(test, rfd, *fd);
	KUNIT_EXPECT_EQ(test, vb2ct_req_queue(test, *other), -ENOENT);

	/* a queued request takes no more buffers and is not queued again */
	KUNIT_ASSERT_EQ(test, vb2ct_req_queue(test, *fd), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf_req(d, 1, *fd), -EBUSY);
	KUNIT_EXPECT_EQ(test, vb2ct_rflags(test, d, 1, NULL), 0U);
	KUNIT_EXPECT_EQ(test, vb2ct_req_queue(test, *fd), -EBUSY);
	KUNIT_EXPECT_EQ(test, vb2ct_req_reinit(test, *fd), -EBUSY);
	KUNIT_EXPECT_EQ(test, vb2ct_req_poll(test, *fd), VB2CT_POLL_PENDING);

	/* its buffer waited for STREAMON, and completes it as usual */
	KUNIT_EXPECT_EQ(test, atomic_read(&d->queues), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->queues), 1);
	KUNIT_ASSERT_EQ(test, vb2ct_complete(d, VB2_BUF_STATE_DONE, 0), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_req_poll(test, *fd), VB2CT_POLL_COMPLETE);
	KUNIT_EXPECT_EQ(test, vb2ct_dq_req(test, d, *fd), 0U);
	vb2ct_release(test, d);
}

/* A request that fails validation is idle again, its buffers still in it. */
static void vb2_core_test_request_validate_fail(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new_mc(test, &vb2ct_req_out_cfg);
	int *fd = vb2ct_req_new(test, d->mdev);

	vb2ct_alloc(test, d, V4L2_MEMORY_MMAP, 3);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);

	/* the driver refuses an output buffer as it is bound */
	d->validate_err = -ERANGE;
	KUNIT_EXPECT_EQ(test, vb2ct_qbuf_req(d, 2, *fd), -ERANGE);
	KUNIT_EXPECT_EQ(test, vb2ct_rflags(test, d, 2, NULL), 0U);
	KUNIT_EXPECT_EQ(test, vb2ct_req_queue(test, *fd), -ENOENT);
	d->validate_err = 0;

	/* buffer 1 cannot be prepared when the request is queued */
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_req(d, 0, *fd), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_req(d, 1, *fd), 0);
	d->prepare_err = -ERANGE;
	d->prepare_fail = BIT(1);
	KUNIT_EXPECT_EQ(test, vb2ct_req_queue(test, *fd), -ERANGE);
	KUNIT_EXPECT_EQ(test, vb2ct_req_poll(test, *fd), VB2CT_POLL_UNQUEUED);
	KUNIT_EXPECT_EQ(test, vb2ct_rflags(test, d, 0, NULL),
			(u32)VB2CT_BOUND);
	KUNIT_EXPECT_EQ(test, vb2ct_rflags(test, d, 1, NULL),
			(u32)VB2CT_BOUND);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->queues), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_held(d), 0U);
	/* buffer 0, prepared first, was finished again */
	KUNIT_EXPECT_EQ(test, atomic_read(&d->prepares), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->finishes), 1);

	/* the driver content, the same request goes through */
	d->prepare_err = 0;
	d->prepare_fail = 0;
	KUNIT_ASSERT_EQ(test, vb2ct_req_queue(test, *fd), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->prepares), 4);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->queues), 2);
	KUNIT_EXPECT_EQ(test, vb2ct_req_poll(test, *fd), VB2CT_POLL_PENDING);
	KUNIT_ASSERT_EQ(test, vb2ct_complete(d, VB2_BUF_STATE_DONE, 0), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_complete(d, VB2_BUF_STATE_DONE, 0), 1);
	KUNIT_EXPECT_EQ(test, vb2ct_req_poll(test, *fd), VB2CT_POLL_COMPLETE);
	KUNIT_EXPECT_EQ(test, vb2ct_dq_req(test, d, *fd), 0U);
	KUNIT_EXPECT_EQ(test, vb2ct_dq_req(test, d, *fd), 1U);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->finishes), 3);
	vb2ct_release(test, d);
}

/* A request without a buffer is refused with ENOENT; REINIT empties one. */
static void vb2_core_test_request_empty(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new_mc(test, &vb2ct_req_cap_cfg);
	int *fd = vb2ct_req_new(test, d->mdev);

	KUNIT_EXPECT_EQ(test, vb2ct_req_queue(test, *fd), -ENOENT);
	KUNIT_EXPECT_EQ(test, vb2ct_req_poll(test, *fd), VB2CT_POLL_UNQUEUED);

	/* REINIT of an idle request gives its buffers back */
	vb2ct_alloc(test, d, V4L2_MEMORY_MMAP, 2);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_req(d, 0, *fd), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_req_reinit(test, *fd), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_rflags(test, d, 0, NULL), 0U);
	KUNIT_EXPECT_EQ(test, vb2ct_req_queue(test, *fd), -ENOENT);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->prepares), 0);

	/* and the buffer goes into it again */
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_req(d, 0, *fd), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_req_queue(test, *fd), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_complete(d, VB2_BUF_STATE_DONE, 0), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_req_poll(test, *fd), VB2CT_POLL_COMPLETE);
	KUNIT_EXPECT_EQ(test, vb2ct_dq_req(test, d, *fd), 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->prepares), 1);
	vb2ct_release(test, d);
}

/* A request closed by userspace lives while it holds a buffer, no longer. */
static void vb2_core_test_request_closed_fd(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new_mc(test, &vb2ct_req_cap_cfg);
	int *fd = vb2ct_req_new(test, d->mdev);
	struct media_request *req = vb2ct_req_hold(test, d->mdev, *fd);
	struct media_request *req2;
	int *fd2;

	/* an idle request: REQBUFS(0) takes the buffer out, and it goes */
	vb2ct_alloc(test, d, V4L2_MEMORY_MMAP, 2);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_req(d, 0, *fd), 0);
	vb2ct_drop_fd(test, fd);
	KUNIT_EXPECT_EQ(test, vb2ct_rflags(test, d, 0, NULL),
			(u32)VB2CT_BOUND);
	KUNIT_EXPECT_EQ(test, vb2ct_remove(d, 0, 1), -EBUSY);
	vb2ct_alloc(test, d, V4L2_MEMORY_MMAP, 0);
	vb2ct_expect_req_empty(test, req, MEDIA_REQUEST_STATE_IDLE);
	/* the test's reference is the last */
	KUNIT_EXPECT_EQ(test, kref_read(&req->kref), 1U);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->req_completes), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->cleanups),
			atomic_read(&d->inits));

	/* a queued one: the queue's release completes it, and it goes */
	vb2ct_alloc(test, d, V4L2_MEMORY_MMAP, 2);
	fd2 = vb2ct_req_new(test, d->mdev);
	req2 = vb2ct_req_hold(test, d->mdev, *fd2);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_req(d, 1, *fd2), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_req_queue(test, *fd2), 0);
	vb2ct_drop_fd(test, fd2);
	vb2ct_release(test, d);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->req_completes), 1);
	KUNIT_EXPECT_PTR_EQ(test, d->req_seen, req2);
	vb2ct_expect_req_empty(test, req2, MEDIA_REQUEST_STATE_COMPLETE);
	KUNIT_EXPECT_EQ(test, kref_read(&req2->kref), 1U);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->finishes),
			atomic_read(&d->prepares));
	KUNIT_EXPECT_EQ(test, atomic_read(&d->cleanups),
			atomic_read(&d->inits));
}

/* STREAMOFF completes the requests it cancels; the driver its own part. */
static void vb2_core_test_request_streamoff(struct kunit *test)
{
	struct vb2ct_drv *d = vb2ct_new_mc(test, &vb2ct_req_cap_cfg);
	int *fd = vb2ct_req_new(test, d->mdev);
	struct media_request *req = vb2ct_req_hold(test, d->mdev, *fd);

	vb2ct_alloc(test, d, V4L2_MEMORY_MMAP, 2);

	/* queued, waiting for STREAMON: buf_request_complete */
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_req(d, 0, *fd), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_req_queue(test, *fd), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_streamoff(d, d->q.type), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->req_completes), 1);
	KUNIT_EXPECT_PTR_EQ(test, d->req_seen, req);
	KUNIT_EXPECT_EQ(test, vb2ct_req_poll(test, *fd), VB2CT_POLL_COMPLETE);
	vb2ct_expect_req_empty(test, req, MEDIA_REQUEST_STATE_COMPLETE);
	KUNIT_EXPECT_EQ(test, vb2ct_rflags(test, d, 0, NULL), 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->queues), 0);

	/* with the driver: it gives the buffer back, which completes it */
	KUNIT_ASSERT_EQ(test, vb2ct_req_reinit(test, *fd), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_streamon(d, d->q.type), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_req(d, 1, *fd), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_req_queue(test, *fd), 0);
	KUNIT_EXPECT_EQ(test, vb2ct_held(d), 1U);
	KUNIT_ASSERT_EQ(test, vb2ct_streamoff(d, d->q.type), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->stops), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->req_completes), 1);
	KUNIT_EXPECT_EQ(test, vb2ct_req_poll(test, *fd), VB2CT_POLL_COMPLETE);
	vb2ct_expect_req_empty(test, req, MEDIA_REQUEST_STATE_COMPLETE);
	KUNIT_EXPECT_EQ(test, vb2ct_rflags(test, d, 1, NULL), 0U);

	/* in a request never queued: nothing to complete */
	KUNIT_ASSERT_EQ(test, vb2ct_req_reinit(test, *fd), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_qbuf_req(d, 0, *fd), 0);
	KUNIT_ASSERT_EQ(test, vb2ct_streamoff(d, d->q.type), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->req_completes), 1);
	KUNIT_EXPECT_EQ(test, vb2ct_req_poll(test, *fd), VB2CT_POLL_UNQUEUED);
	vb2ct_expect_req_empty(test, req, MEDIA_REQUEST_STATE_IDLE);
	KUNIT_EXPECT_EQ(test, vb2ct_rflags(test, d, 0, NULL), 0U);

	KUNIT_EXPECT_EQ(test, atomic_read(&d->finishes),
			atomic_read(&d->prepares));
	vb2ct_release(test, d);
}

#endif /* CONFIG_MEDIA_CONTROLLER */

static struct kunit_case vb2_core_alloc_cases[] = {
	KUNIT_CASE(vb2_core_test_reqbufs),
	KUNIT_CASE(vb2_core_test_reqbufs_minimum),
	KUNIT_CASE(vb2_core_test_create_bufs),
	KUNIT_CASE(vb2_core_test_remove_bufs),
	KUNIT_CASE(vb2_core_test_expbuf),
	{}
};

static struct kunit_case vb2_core_stream_cases[] = {
	KUNIT_CASE(vb2_core_test_querybuf_states),
	KUNIT_CASE(vb2_core_test_prepare_buf),
	KUNIT_CASE(vb2_core_test_mmap_streaming),
	KUNIT_CASE(vb2_core_test_userptr_streaming),
	KUNIT_CASE(vb2_core_test_streamon_minimum),
	KUNIT_CASE(vb2_core_test_start_fail_streamon),
	KUNIT_CASE(vb2_core_test_start_fail_qbuf),
	KUNIT_CASE(vb2_core_test_streamoff),
	KUNIT_CASE(vb2_core_test_queue_error),
	KUNIT_CASE(vb2_core_test_last_buffer),
	{}
};

static struct kunit_case vb2_core_input_cases[] = {
	KUNIT_CASE(vb2_core_test_bad_index),
	KUNIT_CASE(vb2_core_test_bad_memory),
	KUNIT_CASE(vb2_core_test_bad_type),
	KUNIT_CASE(vb2_core_test_qbuf_twice),
	KUNIT_CASE(vb2_core_test_dmabuf_bad_fd),
	KUNIT_CASE(vb2_core_test_dmabuf_too_small),
	KUNIT_CASE(vb2_core_test_dmabuf_bad_planes),
	{}
};

static struct kunit_case vb2_core_cache_cases[] = {
	KUNIT_CASE(vb2_core_test_dmabuf_paired),
	KUNIT_CASE(vb2_core_test_dmabuf_paired_mplane),
	KUNIT_CASE(vb2_core_test_dmabuf_rotate_spare),
	KUNIT_CASE(vb2_core_test_dmabuf_rotate_shift),
	KUNIT_CASE(vb2_core_test_dmabuf_rotate_pool),
	KUNIT_CASE_PARAM(vb2_core_test_dmabuf_pool_shape, vb2ct_shapes_gen_params),
	KUNIT_CASE_PARAM(vb2_core_test_dmabuf_pool_fewer,
			 vb2ct_allocs_gen_params),
	KUNIT_CASE_PARAM(vb2_core_test_dmabuf_pool_resize,
			 vb2ct_allocs_gen_params),
	KUNIT_CASE_PARAM(vb2_core_test_dmabuf_attach_refused,
			 vb2ct_allocs_gen_params),
	KUNIT_CASE(vb2_core_test_dmabuf_cap_lru),
	KUNIT_CASE(vb2_core_test_dmabuf_closed_released),
	KUNIT_CASE(vb2_core_test_dmabuf_planes_share),
	KUNIT_CASE(vb2_core_test_dmabuf_reqbufs_zero),
	KUNIT_CASE(vb2_core_test_dmabuf_remove_bufs),
	{}
};

static struct kunit_case vb2_core_move_cases[] = {
	KUNIT_CASE(vb2_core_test_move_idle),
	KUNIT_CASE_SLOW(vb2_core_test_move_slow_device),
	KUNIT_CASE(vb2_core_test_move_queued),
	KUNIT_CASE(vb2_core_test_queue_fails_start_fails),
	KUNIT_CASE(vb2_core_test_move_dropped),
	{}
};

static struct kunit_case vb2_core_teardown_cases[] = {
	KUNIT_CASE_PARAM(vb2_core_test_release_in_state,
			 vb2ct_teardowns_gen_params),
	KUNIT_CASE(vb2_core_test_release_closed_dmabuf),
	KUNIT_CASE(vb2_core_test_release_mmap),
	{}
};

static struct kunit_suite vb2_core_alloc_suite = {
	.name = "vb2_core_alloc",
	.test_cases = vb2_core_alloc_cases,
};

static struct kunit_suite vb2_core_stream_suite = {
	.name = "vb2_core_stream",
	.test_cases = vb2_core_stream_cases,
};

static struct kunit_suite vb2_core_input_suite = {
	.name = "vb2_core_input",
	.test_cases = vb2_core_input_cases,
};

static struct kunit_suite vb2_core_cache_suite = {
	.name = "vb2_core_dmabuf_cache",
	.test_cases = vb2_core_cache_cases,
};

static struct kunit_suite vb2_core_move_suite = {
	.name = "vb2_core_dmabuf_move",
	.test_cases = vb2_core_move_cases,
};

static struct kunit_suite vb2_core_teardown_suite = {
	.name = "vb2_core_teardown",
	.test_cases = vb2_core_teardown_cases,
};

kunit_test_suites(&vb2_core_alloc_suite, &vb2_core_stream_suite,
		  &vb2_core_input_suite, &vb2_core_cache_suite,
		  &vb2_core_move_suite, &vb2_core_teardown_suite);

#if IS_ENABLED(CONFIG_MEDIA_CONTROLLER)
static struct kunit_case vb2_core_request_cases[] = {
	KUNIT_CASE(vb2_core_test_request_lifecycle),
	KUNIT_CASE(vb2_core_test_request_mixing),
	KUNIT_CASE(vb2_core_test_request_required),
	KUNIT_CASE(vb2_core_test_request_bad_fd),
	KUNIT_CASE(vb2_core_test_request_validate_fail),
	KUNIT_CASE(vb2_core_test_request_empty),
	KUNIT_CASE(vb2_core_test_request_closed_fd),
	KUNIT_CASE(vb2_core_test_request_streamoff),
	{}
};

static struct kunit_suite vb2_core_request_suite = {
	.name = "vb2_core_request",
	.test_cases = vb2_core_request_cases,
};

kunit_test_suite(vb2_core_request_suite);
#endif

MODULE_DESCRIPTION("KUnit tests of the videobuf2 core");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
