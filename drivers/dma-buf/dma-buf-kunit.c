// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the dma-buf core.
 *
 * The tests export buffers through a test exporter whose operations count
 * every call, remember their arguments and whether the reservation lock was
 * held, and fail with a chosen errno on request.  The exporter's tables
 * describe pages it allocated itself; their DMA addresses are faked from the
 * physical addresses because the KUnit device has no DMA operations.
 */

#include <kunit/device.h>
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/completion.h>
#include <linux/dma-buf.h>
#include <linux/dma-fence.h>
#include <linux/dma-heap.h>
#include <linux/dma-resv.h>
#include <linux/fcntl.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/iosys-map.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#define DBK_NPAGES	4
#define DBK_SIZE	((size_t)DBK_NPAGES * PAGE_SIZE)
#define DBK_THREADS	4
#define DBK_LOOPS	200

enum dbk_op {
	DBK_ATTACH,
	DBK_DETACH,
	DBK_PIN,
	DBK_UNPIN,
	DBK_MAP,
	DBK_UNMAP,
	DBK_RELEASE,
	DBK_BEGIN_CPU,
	DBK_END_CPU,
	DBK_BEGIN_CPU_PARTIAL,
	DBK_END_CPU_PARTIAL,
	DBK_BEGIN_ACCESS,
	DBK_END_ACCESS,
	DBK_VMAP,
	DBK_VUNMAP,
	DBK_MMAP,
	DBK_NR_OPS,
};

struct dbk_table {
	struct sg_table sgt;
	struct list_head node;
};

/* One test exporter; &dma_buf.priv of its buffer. */
struct dbk_exp {
	struct dma_buf *dmabuf;
	struct page *pages[DBK_NPAGES];
	bool put_done;
	struct completion released;

	atomic_t calls[DBK_NR_OPS];
	atomic_t clock;
	int seq[DBK_NR_OPS];		/* clock value at the last call */
	bool locked[DBK_NR_OPS];	/* resv locked during the last call */
	enum dma_data_direction dir[DBK_NR_OPS];
	int fail[DBK_NR_OPS];		/* errno to return, 0 to succeed */
	bool map_null;			/* map_dma_buf returns NULL */

	size_t offset;			/* arguments of the last partial op */
	size_t len;
	struct dma_buf_attachment *access_attach;
	bool attach_p2p;
	struct sg_table *last_map;
	struct sg_table *last_unmap;
	void *vaddr;
	void *vunmap_vaddr;
	struct dma_fence *pending;	/* begin_cpu_access notes whether */
	bool begun_while_pending;	/* this was unsignalled */

	spinlock_t lock;		/* protects the three below */
	struct list_head tables;
	int nr_tables;
	int bad_unmaps;
};

static int dbk_calls(struct dbk_exp *exp, enum dbk_op op)
{
	return atomic_read(&exp->calls[op]);
}

static void dbk_note(struct dbk_exp *exp, enum dbk_op op,
		     struct dma_resv *resv)
{
	WRITE_ONCE(exp->seq[op], atomic_inc_return(&exp->clock));
	WRITE_ONCE(exp->locked[op], resv && dma_resv_is_locked(resv));
	atomic_inc(&exp->calls[op]);
}

static int dbk_attach_op(struct dma_buf *dmabuf,
			 struct dma_buf_attachment *attach)
{
	struct dbk_exp *exp = dmabuf->priv;

	dbk_note(exp, DBK_ATTACH, dmabuf->resv);
	WRITE_ONCE(exp->attach_p2p, attach->peer2peer);
	if (exp->fail[DBK_ATTACH])
		return exp->fail[DBK_ATTACH];
	attach->priv = exp;
	return 0;
}

static void dbk_detach_op(struct dma_buf *dmabuf,
			  struct dma_buf_attachment *attach)
{
	dbk_note(dmabuf->priv, DBK_DETACH, dmabuf->resv);
}

static int dbk_pin_op(struct dma_buf_attachment *attach)
{
	struct dbk_exp *exp = attach->dmabuf->priv;

	dbk_note(exp, DBK_PIN, attach->dmabuf->resv);
	return exp->fail[DBK_PIN];
}

static void dbk_unpin_op(struct dma_buf_attachment *attach)
{
	dbk_note(attach->dmabuf->priv, DBK_UNPIN, attach->dmabuf->resv);
}

static struct sg_table *dbk_map_op(struct dma_buf_attachment *attach,
				   enum dma_data_direction dir)
{
	struct dbk_exp *exp = attach->dmabuf->priv;
	struct scatterlist *sg;
	struct dbk_table *t;
	int i, ret;

	dbk_note(exp, DBK_MAP, attach->dmabuf->resv);
	WRITE_ONCE(exp->dir[DBK_MAP], dir);
	if (exp->fail[DBK_MAP])
		return ERR_PTR(exp->fail[DBK_MAP]);
	if (exp->map_null)
		return NULL;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return ERR_PTR(-ENOMEM);
	ret = sg_alloc_table(&t->sgt, DBK_NPAGES, GFP_KERNEL);
	if (ret) {
		kfree(t);
		return ERR_PTR(ret);
	}
	for_each_sgtable_sg(&t->sgt, sg, i) {
		sg_set_page(sg, exp->pages[i], PAGE_SIZE, 0);
		sg_dma_address(sg) = (dma_addr_t)page_to_phys(exp->pages[i]);
		sg_dma_len(sg) = PAGE_SIZE;
	}
	t->sgt.nents = t->sgt.orig_nents;

	spin_lock(&exp->lock);
	list_add_tail(&t->node, &exp->tables);
	exp->nr_tables++;
	spin_unlock(&exp->lock);
	WRITE_ONCE(exp->last_map, &t->sgt);
	return &t->sgt;
}

static void dbk_unmap_op(struct dma_buf_attachment *attach,
			 struct sg_table *sgt, enum dma_data_direction dir)
{
	struct dbk_exp *exp = attach->dmabuf->priv;
	struct dbk_table *t, *found = NULL;

	dbk_note(exp, DBK_UNMAP, attach->dmabuf->resv);
	WRITE_ONCE(exp->dir[DBK_UNMAP], dir);
	WRITE_ONCE(exp->last_unmap, sgt);

	spin_lock(&exp->lock);
	list_for_each_entry(t, &exp->tables, node) {
		if (&t->sgt == sgt) {
			found = t;
			break;
		}
	}
	if (found) {
		list_del(&found->node);
		exp->nr_tables--;
	} else {
		exp->bad_unmaps++;
	}
	spin_unlock(&exp->lock);

	if (found) {
		sg_free_table(&found->sgt);
		kfree(found);
	}
}

static void dbk_release_op(struct dma_buf *dmabuf)
{
	struct dbk_exp *exp = dmabuf->priv;

	dbk_note(exp, DBK_RELEASE, NULL);
	complete_all(&exp->released);
}

static int dbk_begin_cpu_op(struct dma_buf *dmabuf,
			    enum dma_data_direction dir)
{
	struct dbk_exp *exp = dmabuf->priv;

	dbk_note(exp, DBK_BEGIN_CPU, dmabuf->resv);
	exp->dir[DBK_BEGIN_CPU] = dir;
	if (exp->pending && !dma_fence_is_signaled(exp->pending))
		exp->begun_while_pending = true;
	return exp->fail[DBK_BEGIN_CPU];
}

static int dbk_end_cpu_op(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	struct dbk_exp *exp = dmabuf->priv;

	dbk_note(exp, DBK_END_CPU, dmabuf->resv);
	exp->dir[DBK_END_CPU] = dir;
	return exp->fail[DBK_END_CPU];
}

static int dbk_partial(struct dma_buf *dmabuf, enum dbk_op op,
		       enum dma_data_direction dir, size_t offset, size_t len)
{
	struct dbk_exp *exp = dmabuf->priv;

	dbk_note(exp, op, dmabuf->resv);
	exp->dir[op] = dir;
	exp->offset = offset;
	exp->len = len;
	return exp->fail[op];
}

static int dbk_begin_cpu_partial_op(struct dma_buf *dmabuf,
				    enum dma_data_direction dir,
				    size_t offset, size_t len)
{
	return dbk_partial(dmabuf, DBK_BEGIN_CPU_PARTIAL, dir, offset, len);
}

static int dbk_end_cpu_partial_op(struct dma_buf *dmabuf,
				  enum dma_data_direction dir,
				  size_t offset, size_t len)
{
	return dbk_partial(dmabuf, DBK_END_CPU_PARTIAL, dir, offset, len);
}

static int dbk_access(struct dma_buf_attachment *attach, enum dbk_op op,
		      enum dma_data_direction dir)
{
	struct dbk_exp *exp = attach->dmabuf->priv;

	dbk_note(exp, op, attach->dmabuf->resv);
	exp->dir[op] = dir;
	exp->access_attach = attach;
	return exp->fail[op];
}

static int dbk_begin_access_op(struct dma_buf_attachment *attach,
			       enum dma_data_direction dir)
{
	return dbk_access(attach, DBK_BEGIN_ACCESS, dir);
}

static int dbk_end_access_op(struct dma_buf_attachment *attach,
			     enum dma_data_direction dir)
{
	return dbk_access(attach, DBK_END_ACCESS, dir);
}

static int dbk_vmap_op(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct dbk_exp *exp = dmabuf->priv;
	void *vaddr;

	dbk_note(exp, DBK_VMAP, dmabuf->resv);
	if (exp->fail[DBK_VMAP])
		return exp->fail[DBK_VMAP];
	vaddr = vmap(exp->pages, DBK_NPAGES, VM_MAP, PAGE_KERNEL);
	if (!vaddr)
		return -ENOMEM;
	exp->vaddr = vaddr;
	iosys_map_set_vaddr(map, vaddr);
	return 0;
}

static void dbk_vunmap_op(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct dbk_exp *exp = dmabuf->priv;

	dbk_note(exp, DBK_VUNMAP, dmabuf->resv);
	exp->vunmap_vaddr = map->vaddr;
	vunmap(map->vaddr);
}

static int dbk_mmap_op(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct dbk_exp *exp = dmabuf->priv;
	unsigned long addr = vma->vm_start;
	unsigned long i;
	int ret;

	dbk_note(exp, DBK_MMAP, dmabuf->resv);
	if (exp->fail[DBK_MMAP])
		return exp->fail[DBK_MMAP];
	for (i = vma->vm_pgoff; i < DBK_NPAGES && addr < vma->vm_end; i++) {
		ret = vm_insert_page(vma, addr, exp->pages[i]);
		if (ret)
			return ret;
		addr += PAGE_SIZE;
	}
	return 0;
}

/* Every op, a static exporter that does not cache its mappings. */
static const struct dma_buf_ops dbk_full_ops = {
	.attach = dbk_attach_op,
	.detach = dbk_detach_op,
	.map_dma_buf = dbk_map_op,
	.unmap_dma_buf = dbk_unmap_op,
	.release = dbk_release_op,
	.begin_cpu_access = dbk_begin_cpu_op,
	.end_cpu_access = dbk_end_cpu_op,
	.mmap = dbk_mmap_op,
	.vmap = dbk_vmap_op,
	.vunmap = dbk_vunmap_op,
	.begin_access = dbk_begin_access_op,
	.end_access = dbk_end_access_op,
	.begin_cpu_access_partial = dbk_begin_cpu_partial_op,
	.end_cpu_access_partial = dbk_end_cpu_partial_op,
};

static const struct dma_buf_ops dbk_cached_ops = {
	.cache_sgt_mapping = true,
	.attach = dbk_attach_op,
	.detach = dbk_detach_op,
	.map_dma_buf = dbk_map_op,
	.unmap_dma_buf = dbk_unmap_op,
	.release = dbk_release_op,
	.begin_cpu_access = dbk_begin_cpu_op,
	.end_cpu_access = dbk_end_cpu_op,
	.vmap = dbk_vmap_op,
	.vunmap = dbk_vunmap_op,
	.begin_access = dbk_begin_access_op,
	.end_access = dbk_end_access_op,
};

static const struct dma_buf_ops dbk_dynamic_ops = {
	.attach = dbk_attach_op,
	.detach = dbk_detach_op,
	.pin = dbk_pin_op,
	.unpin = dbk_unpin_op,
	.map_dma_buf = dbk_map_op,
	.unmap_dma_buf = dbk_unmap_op,
	.release = dbk_release_op,
	.begin_cpu_access = dbk_begin_cpu_op,
	.end_cpu_access = dbk_end_cpu_op,
	.vmap = dbk_vmap_op,
	.vunmap = dbk_vunmap_op,
};

/* A 6.12 exporter: no partial CPU access, no attachment access ops. */
static const struct dma_buf_ops dbk_classic_ops = {
	.attach = dbk_attach_op,
	.detach = dbk_detach_op,
	.map_dma_buf = dbk_map_op,
	.unmap_dma_buf = dbk_unmap_op,
	.release = dbk_release_op,
	.begin_cpu_access = dbk_begin_cpu_op,
	.end_cpu_access = dbk_end_cpu_op,
	.vmap = dbk_vmap_op,
	.vunmap = dbk_vunmap_op,
};

/* Only what dma_buf_export() requires. */
static const struct dma_buf_ops dbk_minimal_ops = {
	.map_dma_buf = dbk_map_op,
	.unmap_dma_buf = dbk_unmap_op,
	.release = dbk_release_op,
};

/* Flushes deferred file releases and waits for the release op. */
static bool dbk_wait_release(struct dbk_exp *exp)
{
	flush_delayed_fput();
	return wait_for_completion_timeout(&exp->released, 10 * HZ);
}

static void dbk_exp_cleanup(void *data)
{
	struct dbk_exp *exp = data;
	struct dbk_table *t, *tmp;
	int i;

	if (exp->dmabuf) {
		if (!exp->put_done)
			dma_buf_put(exp->dmabuf);
		if (!dbk_wait_release(exp)) {
			/* The core still uses the exporter: leak it. */
			pr_err("dma-buf-kunit: buffer not released\n");
			return;
		}
	}
	list_for_each_entry_safe(t, tmp, &exp->tables, node) {
		sg_free_table(&t->sgt);
		kfree(t);
	}
	for (i = 0; i < DBK_NPAGES; i++)
		if (exp->pages[i])
			__free_page(exp->pages[i]);
	kfree(exp);
}

static struct dbk_exp *dbk_exp_create(struct kunit *test,
				      const struct dma_buf_ops *ops,
				      struct dma_resv *resv)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct dma_buf *dmabuf;
	struct dbk_exp *exp;
	int i, ret;

	exp = kzalloc(sizeof(*exp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, exp);
	init_completion(&exp->released);
	spin_lock_init(&exp->lock);
	INIT_LIST_HEAD(&exp->tables);
	ret = kunit_add_action_or_reset(test, dbk_exp_cleanup, exp);
	KUNIT_ASSERT_EQ(test, ret, 0);

	for (i = 0; i < DBK_NPAGES; i++) {
		exp->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		KUNIT_ASSERT_NOT_NULL(test, exp->pages[i]);
	}

	info.ops = ops;
	info.size = DBK_SIZE;
	info.flags = O_RDWR;
	info.resv = resv;
	info.priv = exp;
	dmabuf = dma_buf_export(&info);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	exp->dmabuf = dmabuf;
	return exp;
}

/* Drops the exporter's reference and checks the buffer was released. */
static void dbk_put(struct kunit *test, struct dbk_exp *exp)
{
	exp->put_done = true;
	dma_buf_put(exp->dmabuf);
	KUNIT_EXPECT_TRUE(test, dbk_wait_release(exp));
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_RELEASE), 1);
}

static void dbk_detach_action(void *data)
{
	struct dma_buf_attachment *attach = data;

	dma_buf_detach(attach->dmabuf, attach);
}

static struct dma_buf_attachment *
dbk_attach(struct kunit *test, struct dbk_exp *exp,
	   const struct dma_buf_attach_ops *importer_ops, void *importer_priv)
{
	struct device *dev = test->priv;
	struct dma_buf_attachment *attach;

	if (importer_ops)
		attach = dma_buf_dynamic_attach(exp->dmabuf, dev, importer_ops,
						importer_priv);
	else
		attach = dma_buf_attach(exp->dmabuf, dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, dbk_detach_action,
							attach), 0);
	return attach;
}

static void dbk_detach(struct kunit *test, struct dma_buf_attachment *attach)
{
	kunit_release_action(test, dbk_detach_action, attach);
}

static int dbk_list_count(struct dma_buf *dmabuf,
			  struct dma_buf_attachment *find, bool *found)
{
	struct dma_buf_attachment *attach;
	int n = 0;

	*found = false;
	dma_resv_lock(dmabuf->resv, NULL);
	list_for_each_entry(attach, &dmabuf->attachments, node) {
		if (attach == find)
			*found = true;
		n++;
	}
	dma_resv_unlock(dmabuf->resv);
	return n;
}

static void dbk_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
		      enum dma_data_direction dir)
{
	if (!IS_ERR_OR_NULL(sgt))
		dma_buf_unmap_attachment_unlocked(attach, sgt, dir);
}

static int dbk_init(struct kunit *test)
{
	struct device *dev = kunit_device_register(test, "dma-buf-kunit");

	if (IS_ERR(dev))
		return PTR_ERR(dev);
	test->priv = dev;
	return 0;
}

/* dma_buf_core */

static void dma_buf_test_export(struct kunit *test)
{
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_full_ops, NULL);
	struct dma_buf *dmabuf = exp->dmabuf;

	KUNIT_EXPECT_EQ(test, dmabuf->size, DBK_SIZE);
	KUNIT_EXPECT_PTR_EQ(test, dmabuf->priv, (void *)exp);
	KUNIT_EXPECT_PTR_EQ(test, dmabuf->ops, &dbk_full_ops);
	KUNIT_EXPECT_STREQ(test, dmabuf->exp_name, KBUILD_MODNAME);
	KUNIT_EXPECT_NOT_NULL(test, dmabuf->resv);
	KUNIT_EXPECT_TRUE(test, list_empty(&dmabuf->attachments));
	KUNIT_EXPECT_EQ(test, dmabuf->vmapping_counter, 0U);
	KUNIT_EXPECT_FALSE(test, dma_buf_is_dynamic(dmabuf));
	KUNIT_ASSERT_NOT_NULL(test, dmabuf->file);
	KUNIT_EXPECT_EQ(test, file_count(dmabuf->file), 1L);
	KUNIT_EXPECT_EQ(test, dmabuf->file->f_flags & O_ACCMODE, (unsigned int)O_RDWR);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_RELEASE), 0);
	dbk_put(test, exp);
}

KUNIT_DEFINE_ACTION_WRAPPER(dbk_resv_fini, dma_resv_fini, struct dma_resv *);

static void dma_buf_test_export_resv(struct kunit *test)
{
	struct dma_resv *resv;
	struct dbk_exp *exp;

	resv = kunit_kzalloc(test, sizeof(*resv), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, resv);
	dma_resv_init(resv);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, dbk_resv_fini,
							resv), 0);
	exp = dbk_exp_create(test, &dbk_full_ops, resv);
	KUNIT_EXPECT_PTR_EQ(test, exp->dmabuf->resv, resv);
	dbk_put(test, exp);
}

static void dma_buf_test_get_put(struct kunit *test)
{
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_full_ops, NULL);
	struct dma_buf *dmabuf = exp->dmabuf;

	get_dma_buf(dmabuf);
	get_dma_buf(dmabuf);
	KUNIT_EXPECT_EQ(test, file_count(dmabuf->file), 3L);
	dma_buf_put(dmabuf);
	dma_buf_put(dmabuf);
	flush_delayed_fput();
	KUNIT_EXPECT_EQ(test, file_count(dmabuf->file), 1L);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_RELEASE), 0);
	dbk_put(test, exp);
}

static void dbk_close_fd(void *data)
{
	close_fd((unsigned int)(uintptr_t)data);
}

static void dma_buf_test_fd(struct kunit *test)
{
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_full_ops, NULL);
	struct dma_buf *dmabuf = exp->dmabuf;
	struct dma_buf *got, *stale;
	int fd;

	fd = dma_buf_fd(dmabuf, O_CLOEXEC);
	KUNIT_ASSERT_GE(test, fd, 0);
	/* The fd owns the exporter's reference now. */
	exp->put_done = true;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, dbk_close_fd,
							(void *)(uintptr_t)fd), 0);
	KUNIT_EXPECT_EQ(test, file_count(dmabuf->file), 1L);

	got = dma_buf_get(fd);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, got);
	KUNIT_EXPECT_PTR_EQ(test, got, dmabuf);
	KUNIT_EXPECT_EQ(test, file_count(dmabuf->file), 2L);

	kunit_release_action(test, dbk_close_fd, (void *)(uintptr_t)fd);
	flush_delayed_fput();
	KUNIT_EXPECT_EQ(test, file_count(dmabuf->file), 1L);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_RELEASE), 0);

	stale = dma_buf_get(fd);
	KUNIT_EXPECT_PTR_EQ(test, stale, ERR_PTR(-EBADF));
	if (!IS_ERR_OR_NULL(stale))
		dma_buf_put(stale);

	dma_buf_put(got);
	KUNIT_EXPECT_TRUE(test, dbk_wait_release(exp));
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_RELEASE), 1);
}

static const struct file_operations dbk_foreign_fops = {
	.owner = THIS_MODULE,
};

static void dma_buf_test_get_bad_fd(struct kunit *test)
{
	struct dma_buf *got;
	int fd;

	fd = anon_inode_getfd("dma-buf-kunit", &dbk_foreign_fops, NULL,
			      O_RDWR | O_CLOEXEC);
	KUNIT_ASSERT_GE(test, fd, 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, dbk_close_fd,
							(void *)(uintptr_t)fd), 0);
	got = dma_buf_get(fd);
	KUNIT_EXPECT_PTR_EQ(test, got, ERR_PTR(-EINVAL));
	if (!IS_ERR_OR_NULL(got))
		dma_buf_put(got);

	got = dma_buf_get(-1);
	KUNIT_EXPECT_PTR_EQ(test, got, ERR_PTR(-EBADF));
	if (!IS_ERR_OR_NULL(got))
		dma_buf_put(got);
}

static void dma_buf_test_attach_detach(struct kunit *test)
{
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_full_ops, NULL);
	struct dma_buf_attachment *a1, *a2;
	bool found;

	a1 = dbk_attach(test, exp, NULL, NULL);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_ATTACH), 1);
	KUNIT_EXPECT_FALSE(test, exp->locked[DBK_ATTACH]);
	KUNIT_EXPECT_PTR_EQ(test, a1->dmabuf, exp->dmabuf);
	KUNIT_EXPECT_PTR_EQ(test, a1->dev, (struct device *)test->priv);
	KUNIT_EXPECT_PTR_EQ(test, a1->priv, (void *)exp);
	KUNIT_EXPECT_NULL(test, a1->importer_ops);
	KUNIT_EXPECT_FALSE(test, dma_buf_attachment_is_dynamic(a1));
	KUNIT_EXPECT_NULL(test, a1->sgt);
	KUNIT_EXPECT_EQ(test, a1->mapped, 0U);
	KUNIT_EXPECT_EQ(test, a1->map_count, 0UL);
	KUNIT_EXPECT_EQ(test, dbk_list_count(exp->dmabuf, a1, &found), 1);
	KUNIT_EXPECT_TRUE(test, found);

	a2 = dbk_attach(test, exp, NULL, NULL);
	KUNIT_EXPECT_PTR_NE(test, a1, a2);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_ATTACH), 2);
	KUNIT_EXPECT_EQ(test, dbk_list_count(exp->dmabuf, a2, &found), 2);
	KUNIT_EXPECT_TRUE(test, found);

	dbk_detach(test, a1);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_DETACH), 1);
	KUNIT_EXPECT_FALSE(test, exp->locked[DBK_DETACH]);
	KUNIT_EXPECT_EQ(test, dbk_list_count(exp->dmabuf, a2, &found), 1);
	KUNIT_EXPECT_TRUE(test, found);

	dbk_detach(test, a2);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_DETACH), 2);
	KUNIT_EXPECT_TRUE(test, list_empty(&exp->dmabuf->attachments));
	dbk_put(test, exp);
}

static void dma_buf_test_attach_error(struct kunit *test)
{
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_full_ops, NULL);
	struct dma_buf_attachment *attach;

	exp->fail[DBK_ATTACH] = -EBUSY;
	attach = dma_buf_attach(exp->dmabuf, test->priv);
	KUNIT_EXPECT_PTR_EQ(test, attach, ERR_PTR(-EBUSY));
	if (!IS_ERR_OR_NULL(attach))
		dma_buf_detach(exp->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_ATTACH), 1);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_DETACH), 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&exp->dmabuf->attachments));

	exp->fail[DBK_ATTACH] = 0;
	attach = dbk_attach(test, exp, NULL, NULL);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_ATTACH), 2);
	dbk_detach(test, attach);
	dbk_put(test, exp);
}

struct dbk_fdinfo {
	struct file *file;
	struct seq_file m;
	struct completion done;
};

static int dbk_fdinfo_fn(void *data)
{
	struct dbk_fdinfo *f = data;

	f->file->f_op->show_fdinfo(&f->m, f->file);
	complete(&f->done);
	return 0;
}

/*
 * fdinfo starts with Linux 6.12's keys in 6.12's order and lists the
 * attachments, and it never waits for the reservation lock: tools read
 * the fdinfo of every process and must not hang behind a device job
 * that holds it.  The lock is held here while another thread prints.
 */
static void dma_buf_test_fdinfo_does_not_lock(struct kunit *test)
{
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_full_ops, NULL);
	struct dma_buf *dmabuf = exp->dmabuf;
	struct dbk_fdinfo f = { .file = dmabuf->file };
	struct dma_buf_attachment *attach;
	struct task_struct *t;
	char want[160];
	bool done;

	attach = dbk_attach(test, exp, NULL, NULL);
	f.m.size = PAGE_SIZE;
	f.m.buf = kunit_kzalloc(test, f.m.size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f.m.buf);
	init_completion(&f.done);

	dma_resv_lock(dmabuf->resv, NULL);
	t = kthread_run(dbk_fdinfo_fn, &f, "dbk-fdinfo");
	if (IS_ERR(t)) {
		dma_resv_unlock(dmabuf->resv);
		KUNIT_FAIL(test, "no thread: %ld", PTR_ERR(t));
		return;
	}
	done = wait_for_completion_timeout(&f.done, 2 * HZ);
	dma_resv_unlock(dmabuf->resv);
	KUNIT_EXPECT_TRUE_MSG(test, done,
			      "fdinfo waited for the reservation lock");
	if (!done)
		wait_for_completion(&f.done);
	f.m.buf[min(f.m.count, f.m.size - 1)] = '\0';

	/* the thread holds no reference of its own: count is file_count - 1 */
	snprintf(want, sizeof(want),
		 "size:\t%zu\ncount:\t%ld\nexp_name:\t%s\nmode:\t0%o\n",
		 dmabuf->size, file_count(dmabuf->file) - 1, dmabuf->exp_name,
		 (__force unsigned int)(dmabuf->file->f_mode &
					(FMODE_READ | FMODE_WRITE)));
	KUNIT_EXPECT_TRUE_MSG(test, str_has_prefix(f.m.buf, want),
			      "fdinfo:\n%s", f.m.buf);
	snprintf(want, sizeof(want),
		 "attachments:\t1\nattachment:\t%s\tdynamic:0\tmapped:0\tmaps:0\n",
		 dev_name(attach->dev));
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(f.m.buf, want), "fdinfo:\n%s",
				  f.m.buf);
	dbk_detach(test, attach);
	dbk_put(test, exp);
}

#if IS_BUILTIN(CONFIG_DMABUF_KUNIT_TEST) && IS_ENABLED(CONFIG_DMABUF_HEAPS_SYSTEM)
static struct dma_buf *dbk_heap_allocate(struct dma_heap *heap,
					 unsigned long len, u32 fd_flags,
					 u64 heap_flags)
{
	return ERR_PTR(-ENOMEM);
}

static const struct dma_heap_ops dbk_heap_ops = {
	.allocate = dbk_heap_allocate,
};
#endif

/* A second heap of a taken name is refused with EINVAL, as in 6.12. */
static void dma_buf_test_heap_name_taken(struct kunit *test)
{
#if IS_BUILTIN(CONFIG_DMABUF_KUNIT_TEST) && IS_ENABLED(CONFIG_DMABUF_HEAPS_SYSTEM)
	const struct dma_heap_export_info info = {
		.name = "system",
		.ops = &dbk_heap_ops,
	};

	KUNIT_EXPECT_PTR_EQ(test, dma_heap_add(&info), ERR_PTR(-EINVAL));
#else
	kunit_skip(test,
		   "needs the system heap and a built-in test (dma_heap_add() is not exported)");
#endif
}

/* No optional op: everything still works or reports what is missing. */
static void dma_buf_test_minimal_exporter(struct kunit *test)
{
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_minimal_ops, NULL);
	struct dma_buf *dmabuf = exp->dmabuf;
	struct dma_buf_attachment *attach;
	struct iosys_map map;
	struct sg_table *sgt;

	attach = dbk_attach(test, exp, NULL, NULL);
	KUNIT_EXPECT_NULL(test, attach->priv);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_MAP), 1);
	KUNIT_EXPECT_EQ(test, dma_buf_begin_access(attach, DMA_TO_DEVICE), 0);
	KUNIT_EXPECT_EQ(test, dma_buf_end_access(attach, DMA_FROM_DEVICE), 0);
	dbk_unmap(attach, sgt, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_UNMAP), 1);

	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(dmabuf, DMA_FROM_DEVICE), 0);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(dmabuf, DMA_FROM_DEVICE), 0);
	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access_partial(dmabuf, DMA_TO_DEVICE,
							       PAGE_SIZE, 8), 0);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access_partial(dmabuf, DMA_TO_DEVICE,
							     PAGE_SIZE, 8), 0);

	iosys_map_set_vaddr(&map, exp);
	KUNIT_EXPECT_EQ(test, dma_buf_vmap_unlocked(dmabuf, &map), -EINVAL);
	KUNIT_EXPECT_TRUE(test, iosys_map_is_null(&map));
	iosys_map_set_vaddr(&map, exp);
	dma_resv_lock(dmabuf->resv, NULL);
	KUNIT_EXPECT_EQ(test, dma_buf_vmap(dmabuf, &map), -EINVAL);
	dma_resv_unlock(dmabuf->resv);
	KUNIT_EXPECT_TRUE(test, iosys_map_is_null(&map));
	KUNIT_EXPECT_EQ(test, dmabuf->vmapping_counter, 0U);

	dbk_detach(test, attach);
	KUNIT_EXPECT_TRUE(test, list_empty(&dmabuf->attachments));
	dbk_put(test, exp);
}

/* dma_buf_map */

static void dma_buf_test_map(struct kunit *test)
{
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_full_ops, NULL);
	struct dma_resv *resv = exp->dmabuf->resv;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt, *ours;
	unsigned long map_count;
	unsigned int mapped;

	attach = dbk_attach(test, exp, NULL, NULL);
	dma_resv_lock(resv, NULL);
	sgt = dma_buf_map_attachment(attach, DMA_TO_DEVICE);
	mapped = attach->mapped;
	map_count = attach->map_count;
	dma_resv_unlock(resv);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_MAP), 1);
	KUNIT_EXPECT_EQ(test, exp->dir[DBK_MAP], DMA_TO_DEVICE);
	KUNIT_EXPECT_TRUE(test, exp->locked[DBK_MAP]);
	KUNIT_EXPECT_EQ(test, mapped, 1U);
	KUNIT_EXPECT_EQ(test, map_count, 1UL);
	KUNIT_EXPECT_EQ(test, sgt->nents, (unsigned int)DBK_NPAGES);
	ours = exp->last_map;

	dma_resv_lock(resv, NULL);
	dma_buf_unmap_attachment(attach, sgt, DMA_TO_DEVICE);
	mapped = attach->mapped;
	dma_resv_unlock(resv);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_UNMAP), 1);
	KUNIT_EXPECT_PTR_EQ(test, exp->last_unmap, ours);
	KUNIT_EXPECT_EQ(test, exp->dir[DBK_UNMAP], DMA_TO_DEVICE);
	KUNIT_EXPECT_TRUE(test, exp->locked[DBK_UNMAP]);
	KUNIT_EXPECT_EQ(test, mapped, 0U);
	KUNIT_EXPECT_EQ(test, exp->nr_tables, 0);
	KUNIT_EXPECT_EQ(test, exp->bad_unmaps, 0);

	/* The unlocked variants take the lock themselves. */
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_FROM_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_EXPECT_FALSE(test, dma_resv_is_locked(resv));
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_MAP), 2);
	KUNIT_EXPECT_EQ(test, exp->dir[DBK_MAP], DMA_FROM_DEVICE);
	KUNIT_EXPECT_TRUE(test, exp->locked[DBK_MAP]);
	KUNIT_EXPECT_EQ(test, attach->mapped, 1U);
	KUNIT_EXPECT_EQ(test, attach->map_count, 2UL);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_FROM_DEVICE);
	KUNIT_EXPECT_FALSE(test, dma_resv_is_locked(resv));
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_UNMAP), 2);
	KUNIT_EXPECT_TRUE(test, exp->locked[DBK_UNMAP]);
	KUNIT_EXPECT_EQ(test, attach->mapped, 0U);
	KUNIT_EXPECT_EQ(test, exp->nr_tables, 0);

	dbk_detach(test, attach);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_UNMAP), 2);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_DETACH), 1);
	dbk_put(test, exp);
}

static void dma_buf_test_map_twice(struct kunit *test)
{
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_full_ops, NULL);
	struct dma_buf_attachment *attach = dbk_attach(test, exp, NULL, NULL);
	struct sg_table *s1, *s2, *e1, *e2;

	s1 = dma_buf_map_attachment_unlocked(attach, DMA_TO_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s1);
	e1 = exp->last_map;
	s2 = dma_buf_map_attachment_unlocked(attach, DMA_FROM_DEVICE);
	if (IS_ERR_OR_NULL(s2))
		dbk_unmap(attach, s1, DMA_TO_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s2);
	e2 = exp->last_map;
	KUNIT_EXPECT_PTR_NE(test, s1, s2);
	KUNIT_EXPECT_PTR_NE(test, e1, e2);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_MAP), 2);
	KUNIT_EXPECT_EQ(test, attach->mapped, 2U);
	KUNIT_EXPECT_EQ(test, exp->nr_tables, 2);

	dma_buf_unmap_attachment_unlocked(attach, s1, DMA_TO_DEVICE);
	KUNIT_EXPECT_PTR_EQ(test, exp->last_unmap, e1);
	KUNIT_EXPECT_EQ(test, exp->dir[DBK_UNMAP], DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, attach->mapped, 1U);
	dma_buf_unmap_attachment_unlocked(attach, s2, DMA_FROM_DEVICE);
	KUNIT_EXPECT_PTR_EQ(test, exp->last_unmap, e2);
	KUNIT_EXPECT_EQ(test, exp->dir[DBK_UNMAP], DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ(test, attach->mapped, 0U);
	KUNIT_EXPECT_EQ(test, attach->map_count, 2UL);
	KUNIT_EXPECT_EQ(test, exp->nr_tables, 0);
	KUNIT_EXPECT_EQ(test, exp->bad_unmaps, 0);
	dbk_detach(test, attach);
	dbk_put(test, exp);
}

static void dma_buf_test_map_error(struct kunit *test)
{
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_full_ops, NULL);
	struct dma_buf_attachment *attach = dbk_attach(test, exp, NULL, NULL);
	struct sg_table *sgt;

	exp->fail[DBK_MAP] = -ENOSPC;
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_PTR_EQ(test, sgt, ERR_PTR(-ENOSPC));
	dbk_unmap(attach, sgt, DMA_BIDIRECTIONAL);

	exp->fail[DBK_MAP] = 0;
	exp->map_null = true;
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_PTR_EQ(test, sgt, ERR_PTR(-ENOMEM));
	dbk_unmap(attach, sgt, DMA_BIDIRECTIONAL);

	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_MAP), 2);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_UNMAP), 0);
	KUNIT_EXPECT_EQ(test, attach->mapped, 0U);
	KUNIT_EXPECT_EQ(test, attach->map_count, 0UL);
	dbk_detach(test, attach);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_UNMAP), 0);
	dbk_put(test, exp);
}

static void dma_buf_test_map_cached(struct kunit *test)
{
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_cached_ops, NULL);
	struct dma_buf_attachment *attach = dbk_attach(test, exp, NULL, NULL);
	struct sg_table *s1, *s2, *s3, *ours;

	s1 = dma_buf_map_attachment_unlocked(attach, DMA_TO_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s1);
	ours = exp->last_map;
	s2 = dma_buf_map_attachment_unlocked(attach, DMA_TO_DEVICE);
	KUNIT_EXPECT_PTR_EQ(test, s2, s1);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_MAP), 1);
	KUNIT_EXPECT_EQ(test, attach->mapped, 2U);
	KUNIT_EXPECT_EQ(test, attach->map_count, 2UL);

	s3 = dma_buf_map_attachment_unlocked(attach, DMA_FROM_DEVICE);
	KUNIT_EXPECT_PTR_EQ(test, s3, ERR_PTR(-EBUSY));
	dbk_unmap(attach, s3, DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_MAP), 1);
	KUNIT_EXPECT_EQ(test, attach->mapped, 2U);
	KUNIT_EXPECT_EQ(test, attach->map_count, 2UL);

	dbk_unmap(attach, s2, DMA_TO_DEVICE);
	dbk_unmap(attach, s1, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_UNMAP), 0);
	KUNIT_EXPECT_EQ(test, attach->mapped, 0U);
	KUNIT_EXPECT_EQ(test, exp->nr_tables, 1);

	/* Still cached with no mapping left. */
	s2 = dma_buf_map_attachment_unlocked(attach, DMA_TO_DEVICE);
	KUNIT_EXPECT_PTR_EQ(test, s2, s1);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_MAP), 1);
	dbk_unmap(attach, s2, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_UNMAP), 0);

	dbk_detach(test, attach);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_UNMAP), 1);
	KUNIT_EXPECT_PTR_EQ(test, exp->last_unmap, ours);
	KUNIT_EXPECT_EQ(test, exp->dir[DBK_UNMAP], DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_DETACH), 1);
	KUNIT_EXPECT_LT(test, exp->seq[DBK_UNMAP], exp->seq[DBK_DETACH]);
	KUNIT_EXPECT_EQ(test, exp->nr_tables, 0);
	KUNIT_EXPECT_EQ(test, exp->bad_unmaps, 0);
	dbk_put(test, exp);
}

static void dma_buf_test_map_cached_bidir(struct kunit *test)
{
	static const enum dma_data_direction dirs[] = {
		DMA_BIDIRECTIONAL, DMA_TO_DEVICE, DMA_FROM_DEVICE,
	};
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_cached_ops, NULL);
	struct dma_buf_attachment *attach = dbk_attach(test, exp, NULL, NULL);
	struct sg_table *sgt[ARRAY_SIZE(dirs)];
	int i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		sgt[i] = dma_buf_map_attachment_unlocked(attach, dirs[i]);
		KUNIT_EXPECT_NOT_ERR_OR_NULL(test, sgt[i]);
		KUNIT_EXPECT_PTR_EQ(test, sgt[i], sgt[0]);
	}
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_MAP), 1);
	KUNIT_EXPECT_EQ(test, exp->dir[DBK_MAP], DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, attach->mapped, 3U);
	for (i = ARRAY_SIZE(dirs) - 1; i >= 0; i--)
		dbk_unmap(attach, sgt[i], dirs[i]);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_UNMAP), 0);
	KUNIT_EXPECT_EQ(test, attach->mapped, 0U);

	dbk_detach(test, attach);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_UNMAP), 1);
	KUNIT_EXPECT_EQ(test, exp->dir[DBK_UNMAP], DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, exp->nr_tables, 0);
	dbk_put(test, exp);
}

/* A failed map must not be cached nor fix the direction. */
static void dma_buf_test_map_cached_error(struct kunit *test)
{
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_cached_ops, NULL);
	struct dma_buf_attachment *attach = dbk_attach(test, exp, NULL, NULL);
	struct sg_table *sgt;

	exp->fail[DBK_MAP] = -EIO;
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_TO_DEVICE);
	KUNIT_EXPECT_PTR_EQ(test, sgt, ERR_PTR(-EIO));
	dbk_unmap(attach, sgt, DMA_TO_DEVICE);
	KUNIT_EXPECT_NULL(test, attach->sgt);

	exp->fail[DBK_MAP] = 0;
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_FROM_DEVICE);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_MAP), 2);
	KUNIT_EXPECT_EQ(test, exp->dir[DBK_MAP], DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ(test, attach->map_count, 1UL);
	dbk_unmap(attach, sgt, DMA_FROM_DEVICE);
	dbk_detach(test, attach);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_UNMAP), 1);
	KUNIT_EXPECT_EQ(test, exp->nr_tables, 0);
	dbk_put(test, exp);
}

/*
 * With CONFIG_DMABUF_DEBUG the importer gets a copy holding the DMA
 * addresses only; the exporter's own table must stay intact.
 */
static void dma_buf_test_map_debug_table(struct kunit *test)
{
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_full_ops, NULL);
	struct dma_buf_attachment *attach = dbk_attach(test, exp, NULL, NULL);
	struct scatterlist *sg, *o;
	struct sg_table *sgt, *ours;
	int i;

	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	ours = exp->last_map;
	if (IS_ENABLED(CONFIG_DMABUF_DEBUG)) {
		KUNIT_EXPECT_PTR_NE(test, sgt, ours);
		KUNIT_EXPECT_EQ(test, sgt->nents, ours->nents);
		if (sgt->nents == ours->nents) {
			o = ours->sgl;
			for_each_sgtable_dma_sg(sgt, sg, i) {
				KUNIT_EXPECT_EQ(test, sg_dma_address(sg),
						sg_dma_address(o));
				KUNIT_EXPECT_EQ(test, sg_dma_len(sg),
						sg_dma_len(o));
				o = sg_next(o);
			}
		}
	} else {
		KUNIT_EXPECT_PTR_EQ(test, sgt, ours);
	}
	for_each_sgtable_sg(ours, sg, i)
		KUNIT_EXPECT_PTR_EQ(test, sg_page(sg), exp->pages[i]);

	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_PTR_EQ(test, exp->last_unmap, ours);
	KUNIT_EXPECT_EQ(test, exp->nr_tables, 0);
	KUNIT_EXPECT_EQ(test, exp->bad_unmaps, 0);
	dbk_detach(test, attach);
	dbk_put(test, exp);
}

/* The core pins for a static importer of a dynamic exporter. */
static void dma_buf_test_static_importer_pins(struct kunit *test)
{
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_dynamic_ops, NULL);
	struct dma_buf_attachment *attach = dbk_attach(test, exp, NULL, NULL);
	struct sg_table *sgt;

	KUNIT_EXPECT_TRUE(test, dma_buf_is_dynamic(exp->dmabuf));
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_PIN), 0);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_PIN), 1);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_MAP), 1);
	KUNIT_EXPECT_LT(test, exp->seq[DBK_PIN], exp->seq[DBK_MAP]);
	KUNIT_EXPECT_TRUE(test, exp->locked[DBK_PIN]);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_UNPIN), 0);

	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_UNMAP), 1);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_UNPIN), 1);
	KUNIT_EXPECT_LT(test, exp->seq[DBK_UNMAP], exp->seq[DBK_UNPIN]);
	KUNIT_EXPECT_TRUE(test, exp->locked[DBK_UNPIN]);
	dbk_detach(test, attach);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_PIN), 1);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_UNPIN), 1);
	dbk_put(test, exp);
}

static void dma_buf_test_static_importer_pin_error(struct kunit *test)
{
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_dynamic_ops, NULL);
	struct dma_buf_attachment *attach = dbk_attach(test, exp, NULL, NULL);
	struct sg_table *sgt;

	exp->fail[DBK_PIN] = -EBUSY;
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_PTR_EQ(test, sgt, ERR_PTR(-EBUSY));
	dbk_unmap(attach, sgt, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_PIN), 1);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_MAP), 0);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_UNPIN), 0);
	KUNIT_EXPECT_EQ(test, attach->mapped, 0U);

	/* A failing map gives the pin back. */
	exp->fail[DBK_PIN] = 0;
	exp->fail[DBK_MAP] = -EIO;
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_PTR_EQ(test, sgt, ERR_PTR(-EIO));
	dbk_unmap(attach, sgt, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_PIN), 2);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_UNPIN), 1);
	KUNIT_EXPECT_EQ(test, attach->map_count, 0UL);
	dbk_detach(test, attach);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_UNPIN), 1);
	dbk_put(test, exp);
}

struct dbk_importer {
	int moves;
	bool locked;
	struct dma_buf_attachment *seen;
};

static void dbk_move_notify(struct dma_buf_attachment *attach)
{
	struct dbk_importer *imp = attach->importer_priv;

	imp->moves++;
	imp->locked = dma_resv_is_locked(attach->dmabuf->resv);
	imp->seen = attach;
}

static const struct dma_buf_attach_ops dbk_importer_ops = {
	.allow_peer2peer = true,
	.move_notify = dbk_move_notify,
};

/*
 * A dynamic importer follows moves instead of pinning, unless move
 * notification is compiled out: then the core pins around its mappings as
 * for a static importer.
 */
static void dma_buf_test_dynamic_importer(struct kunit *test)
{
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_dynamic_ops, NULL);
	int map_pins = IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY) ? 0 : 1;
	struct dma_resv *resv = exp->dmabuf->resv;
	struct dma_buf_attachment *attach;
	struct dbk_importer *imp;
	struct sg_table *sgt;
	int ret;

	imp = kunit_kzalloc(test, sizeof(*imp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, imp);
	attach = dbk_attach(test, exp, &dbk_importer_ops, imp);
	KUNIT_EXPECT_TRUE(test, dma_buf_attachment_is_dynamic(attach));
	KUNIT_EXPECT_PTR_EQ(test, attach->importer_ops, &dbk_importer_ops);
	KUNIT_EXPECT_PTR_EQ(test, attach->importer_priv, (void *)imp);
	KUNIT_EXPECT_TRUE(test, exp->attach_p2p);

	dma_resv_lock(resv, NULL);
	sgt = dma_buf_map_attachment(attach, DMA_BIDIRECTIONAL);
	if (!IS_ERR_OR_NULL(sgt))
		dma_buf_unmap_attachment(attach, sgt, DMA_BIDIRECTIONAL);
	dma_resv_unlock(resv);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_MAP), 1);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_UNMAP), 1);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_PIN), map_pins);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_UNPIN), map_pins);

	dma_resv_lock(resv, NULL);
	ret = dma_buf_pin(attach);
	dma_resv_unlock(resv);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_PIN), map_pins + 1);
	KUNIT_EXPECT_TRUE(test, exp->locked[DBK_PIN]);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_UNPIN), map_pins);
	if (!ret) {
		dma_resv_lock(resv, NULL);
		dma_buf_unpin(attach);
		dma_resv_unlock(resv);
	}
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_UNPIN), map_pins + 1);
	KUNIT_EXPECT_TRUE(test, exp->locked[DBK_UNPIN]);

	exp->fail[DBK_PIN] = -ENOMEM;
	dma_resv_lock(resv, NULL);
	ret = dma_buf_pin(attach);
	if (!ret)
		dma_buf_unpin(attach);
	dma_resv_unlock(resv);
	KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_PIN), map_pins + 2);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_UNPIN), map_pins + 1);
	KUNIT_EXPECT_EQ(test, imp->moves, 0);
	dbk_detach(test, attach);
	dbk_put(test, exp);
}

static void dma_buf_test_move_notify(struct kunit *test)
{
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_dynamic_ops, NULL);
	struct dma_buf_attachment *d1, *d2, *s;
	struct dbk_importer *imp;

	imp = kunit_kcalloc(test, 2, sizeof(*imp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, imp);
	d1 = dbk_attach(test, exp, &dbk_importer_ops, &imp[0]);
	s = dbk_attach(test, exp, NULL, NULL);
	d2 = dbk_attach(test, exp, &dbk_importer_ops, &imp[1]);

	dma_resv_lock(exp->dmabuf->resv, NULL);
	dma_buf_move_notify(exp->dmabuf);
	dma_resv_unlock(exp->dmabuf->resv);
	KUNIT_EXPECT_EQ(test, imp[0].moves, 1);
	KUNIT_EXPECT_EQ(test, imp[1].moves, 1);
	KUNIT_EXPECT_PTR_EQ(test, imp[0].seen, d1);
	KUNIT_EXPECT_PTR_EQ(test, imp[1].seen, d2);
	KUNIT_EXPECT_TRUE(test, imp[0].locked);
	KUNIT_EXPECT_TRUE(test, imp[1].locked);

	dbk_detach(test, d2);
	dma_resv_lock(exp->dmabuf->resv, NULL);
	dma_buf_move_notify(exp->dmabuf);
	dma_resv_unlock(exp->dmabuf->resv);
	KUNIT_EXPECT_EQ(test, imp[0].moves, 2);
	KUNIT_EXPECT_EQ(test, imp[1].moves, 1);

	dbk_detach(test, s);
	dbk_detach(test, d1);
	dbk_put(test, exp);
}

/* dma_buf_cpu_access */

static void dma_buf_test_cpu_access(struct kunit *test)
{
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_full_ops, NULL);
	struct dma_buf *dmabuf = exp->dmabuf;

	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(dmabuf, DMA_FROM_DEVICE), 0);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_BEGIN_CPU), 1);
	KUNIT_EXPECT_EQ(test, exp->dir[DBK_BEGIN_CPU], DMA_FROM_DEVICE);
	KUNIT_EXPECT_FALSE(test, exp->locked[DBK_BEGIN_CPU]);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(dmabuf, DMA_BIDIRECTIONAL), 0);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_END_CPU), 1);
	KUNIT_EXPECT_EQ(test, exp->dir[DBK_END_CPU], DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_FALSE(test, exp->locked[DBK_END_CPU]);

	exp->fail[DBK_BEGIN_CPU] = -EINTR;
	exp->fail[DBK_END_CPU] = -EIO;
	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(dmabuf, DMA_TO_DEVICE), -EINTR);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(dmabuf, DMA_TO_DEVICE), -EIO);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_BEGIN_CPU), 2);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_END_CPU), 2);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_BEGIN_CPU_PARTIAL), 0);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_END_CPU_PARTIAL), 0);
	dbk_put(test, exp);
}

struct dbk_fence {
	struct dma_fence base;	/* first: freed by dma_fence_free() */
	spinlock_t lock;
	struct delayed_work work;
};

static const char *dbk_fence_name(struct dma_fence *fence)
{
	return "dma-buf-kunit";
}

static const struct dma_fence_ops dbk_fence_ops = {
	.get_driver_name = dbk_fence_name,
	.get_timeline_name = dbk_fence_name,
};

static void dbk_fence_work(struct work_struct *work)
{
	struct dbk_fence *f = container_of(work, struct dbk_fence, work.work);

	dma_fence_signal(&f->base);
}

static void dbk_fence_cleanup(void *data)
{
	struct dbk_fence *f = data;

	cancel_delayed_work_sync(&f->work);
	dma_fence_signal(&f->base);
	dma_fence_put(&f->base);
}

static struct dbk_fence *dbk_fence_add(struct kunit *test,
				       struct dma_buf *dmabuf,
				       enum dma_resv_usage usage)
{
	struct dbk_fence *f;
	int ret;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	spin_lock_init(&f->lock);
	INIT_DELAYED_WORK(&f->work, dbk_fence_work);
	dma_fence_init(&f->base, &dbk_fence_ops, &f->lock,
		       dma_fence_context_alloc(1), 1);
	ret = kunit_add_action_or_reset(test, dbk_fence_cleanup, f);
	KUNIT_ASSERT_EQ(test, ret, 0);

	dma_resv_lock(dmabuf->resv, NULL);
	ret = dma_resv_reserve_fences(dmabuf->resv, 1);
	if (!ret)
		dma_resv_add_fence(dmabuf->resv, &f->base, usage);
	dma_resv_unlock(dmabuf->resv);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return f;
}

/*
 * A fence of @usage signals after a delay: short when the core must wait
 * for it, long when it must not.  Whether it has signalled when
 * dma_buf_begin_cpu_access() returns tells whether the core waited.  When
 * it must wait, the exporter's begin_cpu_access must come after the wait:
 * it makes the device's writes visible to the CPU (a cache invalidate, a
 * bounce copy), which done before the write ended leaves stale data.
 */
static void dbk_cpu_wait_case(struct kunit *test, enum dma_resv_usage usage,
			      enum dma_data_direction dir, bool must_wait)
{
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_full_ops, NULL);
	struct dbk_fence *f = dbk_fence_add(test, exp->dmabuf, usage);
	unsigned long delay = must_wait ? msecs_to_jiffies(20) : 5 * HZ;

	if (must_wait)
		exp->pending = &f->base;
	schedule_delayed_work(&f->work, delay);
	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(exp->dmabuf, dir), 0);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_BEGIN_CPU), 1);
	KUNIT_EXPECT_EQ(test, dma_fence_is_signaled(&f->base), must_wait);
	KUNIT_EXPECT_FALSE_MSG(test, exp->begun_while_pending,
			       "begin_cpu_access ran before the fence signalled");
	exp->pending = NULL;
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(exp->dmabuf, dir), 0);
	kunit_release_action(test, dbk_fence_cleanup, f);
	dbk_put(test, exp);
}

static void dma_buf_test_cpu_read_waits_for_writer(struct kunit *test)
{
	dbk_cpu_wait_case(test, DMA_RESV_USAGE_WRITE, DMA_FROM_DEVICE, true);
}

static void dma_buf_test_cpu_read_ignores_readers(struct kunit *test)
{
	dbk_cpu_wait_case(test, DMA_RESV_USAGE_READ, DMA_FROM_DEVICE, false);
}

static void dma_buf_test_cpu_write_waits_for_readers(struct kunit *test)
{
	dbk_cpu_wait_case(test, DMA_RESV_USAGE_READ, DMA_TO_DEVICE, true);
}

static void dma_buf_test_cpu_access_partial(struct kunit *test)
{
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_full_ops, NULL);
	struct dma_buf *dmabuf = exp->dmabuf;
	int ret;

	ret = dma_buf_begin_cpu_access_partial(dmabuf, DMA_FROM_DEVICE,
					       PAGE_SIZE + 16, 100);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_BEGIN_CPU_PARTIAL), 1);
	KUNIT_EXPECT_EQ(test, exp->dir[DBK_BEGIN_CPU_PARTIAL], DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ(test, exp->offset, PAGE_SIZE + 16);
	KUNIT_EXPECT_EQ(test, exp->len, (size_t)100);

	ret = dma_buf_end_cpu_access_partial(dmabuf, DMA_TO_DEVICE, 0, DBK_SIZE);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_END_CPU_PARTIAL), 1);
	KUNIT_EXPECT_EQ(test, exp->dir[DBK_END_CPU_PARTIAL], DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, exp->offset, (size_t)0);
	KUNIT_EXPECT_EQ(test, exp->len, DBK_SIZE);

	ret = dma_buf_begin_cpu_access_partial(dmabuf, DMA_BIDIRECTIONAL,
					       DBK_SIZE - 1, 1);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, exp->offset, DBK_SIZE - 1);
	KUNIT_EXPECT_EQ(test, exp->len, (size_t)1);

	exp->fail[DBK_BEGIN_CPU_PARTIAL] = -EINTR;
	exp->fail[DBK_END_CPU_PARTIAL] = -EIO;
	ret = dma_buf_begin_cpu_access_partial(dmabuf, DMA_FROM_DEVICE, 0, 1);
	KUNIT_EXPECT_EQ(test, ret, -EINTR);
	ret = dma_buf_end_cpu_access_partial(dmabuf, DMA_FROM_DEVICE, 0, 1);
	KUNIT_EXPECT_EQ(test, ret, -EIO);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_BEGIN_CPU), 0);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_END_CPU), 0);
	dbk_put(test, exp);
}

static void dma_buf_test_cpu_access_partial_range(struct kunit *test)
{
	static const struct {
		size_t offset;
		size_t len;
	} bad[] = {
		{ 0, 0 },
		{ PAGE_SIZE, 0 },
		{ DBK_SIZE, 1 },
		{ DBK_SIZE + PAGE_SIZE, 1 },
		{ DBK_SIZE - PAGE_SIZE, PAGE_SIZE + 1 },
		{ 0, DBK_SIZE + 1 },
		{ 1, SIZE_MAX },
		{ PAGE_SIZE, SIZE_MAX - PAGE_SIZE + 2 },
	};
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_full_ops, NULL);
	struct dma_buf *dmabuf = exp->dmabuf;
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ret = dma_buf_begin_cpu_access_partial(dmabuf, DMA_FROM_DEVICE,
						       bad[i].offset, bad[i].len);
		KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL, "begin offset %zu len %zu",
				    bad[i].offset, bad[i].len);
		ret = dma_buf_end_cpu_access_partial(dmabuf, DMA_FROM_DEVICE,
						     bad[i].offset, bad[i].len);
		KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL, "end offset %zu len %zu",
				    bad[i].offset, bad[i].len);
	}
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_BEGIN_CPU_PARTIAL), 0);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_END_CPU_PARTIAL), 0);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_BEGIN_CPU), 0);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_END_CPU), 0);
	dbk_put(test, exp);
}

/* Without partial ops the whole-buffer ops stand in. */
static void dma_buf_test_cpu_access_partial_fallback(struct kunit *test)
{
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_classic_ops, NULL);
	struct dma_buf *dmabuf = exp->dmabuf;
	int ret;

	ret = dma_buf_begin_cpu_access_partial(dmabuf, DMA_FROM_DEVICE, 16, 32);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_BEGIN_CPU), 1);
	KUNIT_EXPECT_EQ(test, exp->dir[DBK_BEGIN_CPU], DMA_FROM_DEVICE);
	ret = dma_buf_end_cpu_access_partial(dmabuf, DMA_TO_DEVICE, 16, 32);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_END_CPU), 1);
	KUNIT_EXPECT_EQ(test, exp->dir[DBK_END_CPU], DMA_TO_DEVICE);

	exp->fail[DBK_BEGIN_CPU] = -EINTR;
	ret = dma_buf_begin_cpu_access_partial(dmabuf, DMA_FROM_DEVICE, 0, 1);
	KUNIT_EXPECT_EQ(test, ret, -EINTR);
	ret = dma_buf_begin_cpu_access_partial(dmabuf, DMA_FROM_DEVICE, 0, 0);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_BEGIN_CPU), 2);
	dbk_put(test, exp);
}

/* dma_buf_vmap */

static void dma_buf_test_vmap_shared(struct kunit *test)
{
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_full_ops, NULL);
	struct dma_buf *dmabuf = exp->dmabuf;
	struct iosys_map map[3];
	unsigned int counter;
	int ret[3];
	int i;

	dma_resv_lock(dmabuf->resv, NULL);
	for (i = 0; i < 3; i++)
		ret[i] = dma_buf_vmap(dmabuf, &map[i]);
	counter = dmabuf->vmapping_counter;
	dma_resv_unlock(dmabuf->resv);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, ret[i], 0);
	KUNIT_EXPECT_EQ(test, counter, 3U);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_VMAP), 1);
	KUNIT_EXPECT_TRUE(test, exp->locked[DBK_VMAP]);
	KUNIT_EXPECT_FALSE(test, iosys_map_is_null(&map[0]));
	KUNIT_EXPECT_PTR_EQ(test, map[0].vaddr, exp->vaddr);
	KUNIT_EXPECT_TRUE(test, iosys_map_is_equal(&map[0], &map[1]));
	KUNIT_EXPECT_TRUE(test, iosys_map_is_equal(&map[0], &map[2]));

	dma_resv_lock(dmabuf->resv, NULL);
	for (i = 2; i > 0; i--)
		if (!ret[i])
			dma_buf_vunmap(dmabuf, &map[i]);
	counter = dmabuf->vmapping_counter;
	dma_resv_unlock(dmabuf->resv);
	KUNIT_EXPECT_EQ(test, counter, 1U);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_VUNMAP), 0);

	dma_resv_lock(dmabuf->resv, NULL);
	if (!ret[0])
		dma_buf_vunmap(dmabuf, &map[0]);
	counter = dmabuf->vmapping_counter;
	dma_resv_unlock(dmabuf->resv);
	KUNIT_EXPECT_EQ(test, counter, 0U);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_VUNMAP), 1);
	KUNIT_EXPECT_TRUE(test, exp->locked[DBK_VUNMAP]);
	KUNIT_EXPECT_PTR_EQ(test, exp->vunmap_vaddr, exp->vaddr);
	dbk_put(test, exp);
}

static void dma_buf_test_vmap_unlocked(struct kunit *test)
{
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_full_ops, NULL);
	struct dma_buf *dmabuf = exp->dmabuf;
	struct iosys_map map;
	int ret;

	ret = dma_buf_vmap_unlocked(dmabuf, &map);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_FALSE(test, dma_resv_is_locked(dmabuf->resv));
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_VMAP), 1);
	KUNIT_EXPECT_TRUE(test, exp->locked[DBK_VMAP]);
	KUNIT_EXPECT_PTR_EQ(test, map.vaddr, exp->vaddr);
	KUNIT_EXPECT_EQ(test, dmabuf->vmapping_counter, 1U);

	dma_buf_vunmap_unlocked(dmabuf, &map);
	KUNIT_EXPECT_FALSE(test, dma_resv_is_locked(dmabuf->resv));
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_VUNMAP), 1);
	KUNIT_EXPECT_TRUE(test, exp->locked[DBK_VUNMAP]);
	KUNIT_EXPECT_EQ(test, dmabuf->vmapping_counter, 0U);

	/* A new mapping lifetime calls the exporter again. */
	ret = dma_buf_vmap_unlocked(dmabuf, &map);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_VMAP), 2);
	dma_buf_vunmap_unlocked(dmabuf, &map);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_VUNMAP), 2);
	dbk_put(test, exp);
}

static void dma_buf_test_vmap_error(struct kunit *test)
{
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_full_ops, NULL);
	struct dma_buf *dmabuf = exp->dmabuf;
	struct iosys_map map;
	unsigned int counter;
	int ret;

	exp->fail[DBK_VMAP] = -ENOMEM;
	dma_resv_lock(dmabuf->resv, NULL);
	ret = dma_buf_vmap(dmabuf, &map);
	counter = dmabuf->vmapping_counter;
	if (!ret)
		dma_buf_vunmap(dmabuf, &map);
	dma_resv_unlock(dmabuf->resv);
	KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
	KUNIT_EXPECT_EQ(test, counter, 0U);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_VMAP), 1);

	exp->fail[DBK_VMAP] = 0;
	ret = dma_buf_vmap_unlocked(dmabuf, &map);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_VMAP), 2);
	KUNIT_EXPECT_EQ(test, dmabuf->vmapping_counter, 1U);
	if (!ret)
		dma_buf_vunmap_unlocked(dmabuf, &map);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_VUNMAP), 1);
	KUNIT_EXPECT_EQ(test, dmabuf->vmapping_counter, 0U);
	dbk_put(test, exp);
}

/* dma_buf_access */

static void dma_buf_test_access(struct kunit *test)
{
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_full_ops, NULL);
	struct dma_buf_attachment *attach = dbk_attach(test, exp, NULL, NULL);
	struct sg_table *sgt;

	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);

	KUNIT_EXPECT_EQ(test, dma_buf_begin_access(attach, DMA_TO_DEVICE), 0);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_BEGIN_ACCESS), 1);
	KUNIT_EXPECT_PTR_EQ(test, exp->access_attach, attach);
	KUNIT_EXPECT_EQ(test, exp->dir[DBK_BEGIN_ACCESS], DMA_TO_DEVICE);
	KUNIT_EXPECT_FALSE(test, exp->locked[DBK_BEGIN_ACCESS]);

	exp->access_attach = NULL;
	KUNIT_EXPECT_EQ(test, dma_buf_end_access(attach, DMA_FROM_DEVICE), 0);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_END_ACCESS), 1);
	KUNIT_EXPECT_PTR_EQ(test, exp->access_attach, attach);
	KUNIT_EXPECT_EQ(test, exp->dir[DBK_END_ACCESS], DMA_FROM_DEVICE);
	KUNIT_EXPECT_FALSE(test, exp->locked[DBK_END_ACCESS]);

	KUNIT_EXPECT_EQ(test, dma_buf_begin_access(attach, DMA_BIDIRECTIONAL), 0);
	KUNIT_EXPECT_EQ(test, exp->dir[DBK_BEGIN_ACCESS], DMA_BIDIRECTIONAL);

	exp->fail[DBK_BEGIN_ACCESS] = -EIO;
	exp->fail[DBK_END_ACCESS] = -ETIMEDOUT;
	KUNIT_EXPECT_EQ(test, dma_buf_begin_access(attach, DMA_TO_DEVICE), -EIO);
	KUNIT_EXPECT_EQ(test, dma_buf_end_access(attach, DMA_TO_DEVICE), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_BEGIN_ACCESS), 3);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_END_ACCESS), 2);

	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	dbk_detach(test, attach);
	dbk_put(test, exp);
}

static void dma_buf_test_access_bad_dir(struct kunit *test)
{
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_full_ops, NULL);
	struct dma_buf_attachment *attach = dbk_attach(test, exp, NULL, NULL);
	enum dma_data_direction bogus = (enum dma_data_direction)42;
	struct sg_table *sgt;

	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_EXPECT_EQ(test, dma_buf_begin_access(attach, DMA_NONE), -EINVAL);
	KUNIT_EXPECT_EQ(test, dma_buf_end_access(attach, DMA_NONE), -EINVAL);
	KUNIT_EXPECT_EQ(test, dma_buf_begin_access(attach, bogus), -EINVAL);
	KUNIT_EXPECT_EQ(test, dma_buf_end_access(attach, bogus), -EINVAL);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_BEGIN_ACCESS), 0);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_END_ACCESS), 0);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	dbk_detach(test, attach);
	dbk_put(test, exp);
}

static void dma_buf_test_access_no_ops(struct kunit *test)
{
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_classic_ops, NULL);
	struct dma_buf_attachment *attach = dbk_attach(test, exp, NULL, NULL);
	struct sg_table *sgt;

	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	exp->fail[DBK_BEGIN_CPU] = -EIO;
	exp->fail[DBK_END_CPU] = -EIO;
	KUNIT_EXPECT_EQ(test, dma_buf_begin_access(attach, DMA_TO_DEVICE), 0);
	KUNIT_EXPECT_EQ(test, dma_buf_end_access(attach, DMA_FROM_DEVICE), 0);
	/* Attachment access never falls back to CPU access. */
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_BEGIN_CPU), 0);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_END_CPU), 0);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	dbk_detach(test, attach);
	dbk_put(test, exp);
}

static DEFINE_SPINLOCK(dbk_atomic_lock);

/* The calls must not sleep: DEBUG_ATOMIC_SLEEP reports it if they do. */
static void dma_buf_test_access_atomic(struct kunit *test)
{
	struct dbk_exp *exp = dbk_exp_create(test, &dbk_full_ops, NULL);
	struct dma_buf_attachment *attach = dbk_attach(test, exp, NULL, NULL);
	struct sg_table *sgt;
	unsigned long flags;
	int r1, r2;

	sgt = dma_buf_map_attachment_unlocked(attach, DMA_FROM_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	spin_lock_irqsave(&dbk_atomic_lock, flags);
	r1 = dma_buf_begin_access(attach, DMA_FROM_DEVICE);
	r2 = dma_buf_end_access(attach, DMA_FROM_DEVICE);
	spin_unlock_irqrestore(&dbk_atomic_lock, flags);
	KUNIT_EXPECT_EQ(test, r1, 0);
	KUNIT_EXPECT_EQ(test, r2, 0);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_BEGIN_ACCESS), 1);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_END_ACCESS), 1);
	KUNIT_EXPECT_LT(test, exp->seq[DBK_BEGIN_ACCESS],
			exp->seq[DBK_END_ACCESS]);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_FROM_DEVICE);
	dbk_detach(test, attach);
	dbk_put(test, exp);
}

/* dma_buf_concurrency */

struct dbk_stress {
	struct dbk_exp *exp;
	struct device *dev;
	struct completion go;
	atomic_t errors;
	atomic_t loops;
};

struct dbk_worker {
	struct dbk_stress *st;
	struct completion done;
};

static int dbk_stress_fn(void *data)
{
	struct dbk_worker *w = data;
	struct dbk_stress *st = w->st;
	struct dma_buf *dmabuf = st->exp->dmabuf;
	dma_addr_t first = (dma_addr_t)page_to_phys(st->exp->pages[0]);
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	int i;

	wait_for_completion(&st->go);
	for (i = 0; i < DBK_LOOPS; i++) {
		attach = dma_buf_attach(dmabuf, st->dev);
		if (IS_ERR_OR_NULL(attach)) {
			atomic_inc(&st->errors);
			continue;
		}
		sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
		if (IS_ERR_OR_NULL(sgt)) {
			atomic_inc(&st->errors);
		} else {
			if (sgt->nents != DBK_NPAGES ||
			    sg_dma_address(sgt->sgl) != first)
				atomic_inc(&st->errors);
			dma_buf_unmap_attachment_unlocked(attach, sgt,
							  DMA_BIDIRECTIONAL);
		}
		dma_buf_detach(dmabuf, attach);
		atomic_inc(&st->loops);
		cond_resched();
	}
	kthread_complete_and_exit(&w->done, 0);
}

static void dbk_stress(struct kunit *test, const struct dma_buf_ops *ops)
{
	const int total = DBK_THREADS * DBK_LOOPS;
	struct task_struct *task;
	struct dbk_worker *w;
	struct dbk_stress *st;
	struct dbk_exp *exp;
	bool found;
	int i;

	exp = dbk_exp_create(test, ops, NULL);
	st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, st);
	w = kunit_kcalloc(test, DBK_THREADS, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	st->exp = exp;
	st->dev = test->priv;
	init_completion(&st->go);

	for (i = 0; i < DBK_THREADS; i++) {
		w[i].st = st;
		init_completion(&w[i].done);
		task = kthread_run(dbk_stress_fn, &w[i], "dbk-stress/%d", i);
		if (IS_ERR(task)) {
			atomic_add(DBK_LOOPS, &st->errors);
			complete(&w[i].done);
		}
	}
	complete_all(&st->go);
	for (i = 0; i < DBK_THREADS; i++)
		wait_for_completion(&w[i].done);

	KUNIT_EXPECT_EQ(test, atomic_read(&st->errors), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->loops), total);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_ATTACH), total);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_DETACH), total);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_MAP), total);
	KUNIT_EXPECT_EQ(test, dbk_calls(exp, DBK_UNMAP), total);
	KUNIT_EXPECT_EQ(test, exp->nr_tables, 0);
	KUNIT_EXPECT_EQ(test, exp->bad_unmaps, 0);
	KUNIT_EXPECT_EQ(test, dbk_list_count(exp->dmabuf, NULL, &found), 0);
	dbk_put(test, exp);
}

static void dma_buf_test_concurrent_map(struct kunit *test)
{
	dbk_stress(test, &dbk_full_ops);
}

static void dma_buf_test_concurrent_map_cached(struct kunit *test)
{
	dbk_stress(test, &dbk_cached_ops);
}

static struct kunit_case dma_buf_core_cases[] = {
	KUNIT_CASE(dma_buf_test_export),
	KUNIT_CASE(dma_buf_test_export_resv),
	KUNIT_CASE(dma_buf_test_get_put),
	KUNIT_CASE(dma_buf_test_fd),
	KUNIT_CASE(dma_buf_test_get_bad_fd),
	KUNIT_CASE(dma_buf_test_attach_detach),
	KUNIT_CASE(dma_buf_test_attach_error),
	KUNIT_CASE(dma_buf_test_fdinfo_does_not_lock),
	KUNIT_CASE(dma_buf_test_heap_name_taken),
	KUNIT_CASE(dma_buf_test_minimal_exporter),
	{}
};

static struct kunit_case dma_buf_map_cases[] = {
	KUNIT_CASE(dma_buf_test_map),
	KUNIT_CASE(dma_buf_test_map_twice),
	KUNIT_CASE(dma_buf_test_map_error),
	KUNIT_CASE(dma_buf_test_map_cached),
	KUNIT_CASE(dma_buf_test_map_cached_bidir),
	KUNIT_CASE(dma_buf_test_map_cached_error),
	KUNIT_CASE(dma_buf_test_map_debug_table),
	KUNIT_CASE(dma_buf_test_static_importer_pins),
	KUNIT_CASE(dma_buf_test_static_importer_pin_error),
	KUNIT_CASE(dma_buf_test_dynamic_importer),
	KUNIT_CASE(dma_buf_test_move_notify),
	{}
};

static struct kunit_case dma_buf_cpu_access_cases[] = {
	KUNIT_CASE(dma_buf_test_cpu_access),
	KUNIT_CASE(dma_buf_test_cpu_read_waits_for_writer),
	KUNIT_CASE(dma_buf_test_cpu_read_ignores_readers),
	KUNIT_CASE(dma_buf_test_cpu_write_waits_for_readers),
	KUNIT_CASE(dma_buf_test_cpu_access_partial),
	KUNIT_CASE(dma_buf_test_cpu_access_partial_range),
	KUNIT_CASE(dma_buf_test_cpu_access_partial_fallback),
	{}
};

static struct kunit_case dma_buf_vmap_cases[] = {
	KUNIT_CASE(dma_buf_test_vmap_shared),
	KUNIT_CASE(dma_buf_test_vmap_unlocked),
	KUNIT_CASE(dma_buf_test_vmap_error),
	{}
};

static struct kunit_case dma_buf_access_cases[] = {
	KUNIT_CASE(dma_buf_test_access),
	KUNIT_CASE(dma_buf_test_access_bad_dir),
	KUNIT_CASE(dma_buf_test_access_no_ops),
	KUNIT_CASE(dma_buf_test_access_atomic),
	{}
};

static struct kunit_case dma_buf_concurrency_cases[] = {
	KUNIT_CASE_SLOW(dma_buf_test_concurrent_map),
	KUNIT_CASE_SLOW(dma_buf_test_concurrent_map_cached),
	{}
};

static struct kunit_suite dma_buf_core_suite = {
	.name = "dma_buf_core",
	.init = dbk_init,
	.test_cases = dma_buf_core_cases,
};

static struct kunit_suite dma_buf_map_suite = {
	.name = "dma_buf_map",
	.init = dbk_init,
	.test_cases = dma_buf_map_cases,
};

static struct kunit_suite dma_buf_cpu_access_suite = {
	.name = "dma_buf_cpu_access",
	.init = dbk_init,
	.test_cases = dma_buf_cpu_access_cases,
};

static struct kunit_suite dma_buf_vmap_suite = {
	.name = "dma_buf_vmap",
	.init = dbk_init,
	.test_cases = dma_buf_vmap_cases,
};

static struct kunit_suite dma_buf_access_suite = {
	.name = "dma_buf_access",
	.init = dbk_init,
	.test_cases = dma_buf_access_cases,
};

static struct kunit_suite dma_buf_concurrency_suite = {
	.name = "dma_buf_concurrency",
	.init = dbk_init,
	.test_cases = dma_buf_concurrency_cases,
};

kunit_test_suites(&dma_buf_core_suite, &dma_buf_map_suite,
		  &dma_buf_cpu_access_suite, &dma_buf_vmap_suite,
		  &dma_buf_access_suite, &dma_buf_concurrency_suite);

MODULE_DESCRIPTION("KUnit tests of the dma-buf core");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
