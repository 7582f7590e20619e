// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of dma-buf-pages, the exporter half shared by the dma-heaps
 * and udmabuf.
 *
 * A test exporter allocates the pages of its buffers itself: physically
 * contiguous runs (high-order blocks split into pages) and single pages
 * kept apart by holding their buddy.  KUnit devices with a DMA mask and
 * DMA parameters attach to the buffers and really map them through the
 * DMA API, so the tables and the cache maintenance seen here are the ones
 * a driver gets.
 *
 * Cache maintenance is observed two ways: through the sync counters of
 * each attachment, and through the data itself with devices that bounce
 * through swiotlb.  Such a device has a 32-bit DMA mask and the buffer's
 * pages lie above 4 GiB, so every mapping has its own bounce copy and a
 * missing or misdirected sync leaves stale data behind.  The tests play
 * the device by reading and writing that copy.
 *
 * Several device-writable mappings of the same pages exist at once in some
 * cases; they also run under DMA-API debugging, which accepts such
 * overlaps because the helper maps without the CPU sync and syncs itself.
 */

#include <kunit/device.h>
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/dma-buf-pages.h>
#include <linux/dma-buf.h>
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/iosys-map.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>

/* A layout entry: a single page, or a run of 1 << order pages. */
#define DBPT_SINGLE	(-1)

/* Memory set aside at most while looking for blocks above 4 GiB. */
#define DBPT_HIGH_REJECTS	SZ_64M

#define DBPT_MAX_DEVS	3

#define DBPT_OLD	0x11	/* buffer content before the device writes */
#define DBPT_DEV	0xa5	/* what the device writes */
#define DBPT_CPU	0x3c	/* what the CPU writes */
#define DBPT_CPU2	0x77

/*
 * 81 pages: a 256 KiB run first (four 64 KiB segments), then single pages
 * and shorter runs in between.
 */
static const int dbpt_layout[] = {
	6, DBPT_SINGLE, DBPT_SINGLE, DBPT_SINGLE, 2, DBPT_SINGLE, 3, DBPT_SINGLE,
};

/* A 512 KiB run, twice what swiotlb bounces in one mapping. */
static const int dbpt_layout_long[] = { 7, DBPT_SINGLE };

/* One buffer of the test exporter. */
struct dbpt_buf {
	struct dma_buf_pages bp;	/* &dma_buf.priv points here */
	struct dma_buf *dmabuf;
	struct page **pages;
	pgoff_t nr_pages;
	struct page **holes;		/* buddies of the single pages */
	unsigned int nr_holes;
	bool bp_inited;
	bool put_done;
	struct completion released;
};

static size_t dbpt_size(struct dbpt_buf *buf)
{
	return (size_t)buf->nr_pages << PAGE_SHIFT;
}

static void dbpt_release_op(struct dma_buf *dmabuf)
{
	struct dbpt_buf *buf = container_of(dmabuf->priv, struct dbpt_buf, bp);

	dma_buf_pages_fini(&buf->bp);
	complete_all(&buf->released);
}

static const struct dma_buf_ops dbpt_ops = {
	DMA_BUF_PAGES_OPS,
	.release = dbpt_release_op,
};

static bool dbpt_wait_release(struct dbpt_buf *buf)
{
	flush_delayed_fput();
	return wait_for_completion_timeout(&buf->released, 10 * HZ);
}

static void dbpt_buf_free(void *data)
{
	struct dbpt_buf *buf = data;
	pgoff_t i;

	if (buf->dmabuf) {
		if (!buf->put_done)
			dma_buf_put(buf->dmabuf);
		if (!dbpt_wait_release(buf)) {
			/* Someone still uses the pages: leak them. */
			pr_err("dma-buf-pages-kunit: buffer not released\n");
			return;
		}
	} else if (buf->bp_inited) {
		dma_buf_pages_fini(&buf->bp);
	}
	for (i = 0; i < buf->nr_pages; i++)
		__free_page(buf->pages[i]);
	for (i = 0; i < buf->nr_holes; i++)
		__free_page(buf->holes[i]);
	kfree(buf->holes);
	kfree(buf->pages);
	kfree(buf);
}

static void dbpt_free_rejects(struct list_head *rejects)
{
	struct page *page, *tmp;

	list_for_each_entry_safe(page, tmp, rejects, lru) {
		unsigned int order = page_private(page);

		list_del(&page->lru);
		set_page_private(page, 0);
		__free_pages(page, order);
	}
}

/* Where the blocks of a test buffer lie (dbpt_buf_create()). */
enum dbpt_where {
	DBPT_ANYWHERE,
	DBPT_HIGH,		/* all above 4 GiB */
	DBPT_LOW_FIRST,		/* the first block below 4 GiB, the rest above */
};

/*
 * A block of 1 << @order pages; with @high, one lying above 4 GiB.  Blocks
 * below are kept on @rejects so that the allocator moves on.  With @low,
 * one below 4 GiB.
 */
static struct page *dbpt_alloc_block(struct list_head *rejects,
				     unsigned int order, bool high, bool low)
{
	unsigned long tries, max_tries;
	struct page *page;

	if (low) {
		page = alloc_pages(GFP_KERNEL | GFP_DMA32 | __GFP_NOWARN, order);
		if (page && page_to_phys(page) + (PAGE_SIZE << order) > SZ_4G) {
			/* no ZONE_DMA32 here: let the caller skip */
			__free_pages(page, order);
			page = NULL;
		}
		return page;
	}
	max_tries = max(DBPT_HIGH_REJECTS >> (PAGE_SHIFT + order), 16UL);
	for (tries = 0; tries < max_tries; tries++) {
		page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);
		if (!page)
			return NULL;
		if (!high || page_to_phys(page) >= SZ_4G)
			return page;
		set_page_private(page, order);
		list_add(&page->lru, rejects);
	}
	return NULL;
}

/*
 * Allocates and exports a buffer laid out as @layout, its blocks placed as
 * @where says (DBPT_*; a test needing memory above 4 GiB is skipped when
 * there is not enough).
 */
static struct dbpt_buf *dbpt_buf_create(struct kunit *test, const int *layout,
					unsigned int n, enum dbpt_where where)
{
	bool high = where != DBPT_ANYWHERE;
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct dma_buf *dmabuf;
	struct dbpt_buf *buf;
	unsigned int i, j, singles = 0;
	pgoff_t nr = 0;
	LIST_HEAD(rejects);
	bool short_of_memory = false;

	for (i = 0; i < n; i++) {
		if (layout[i] == DBPT_SINGLE) {
			nr++;
			singles++;
		} else {
			nr += 1UL << layout[i];
		}
	}

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	init_completion(&buf->released);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, dbpt_buf_free,
							buf), 0);
	buf->pages = kcalloc(nr, sizeof(*buf->pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf->pages);
	buf->holes = kcalloc(singles, sizeof(*buf->holes), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf->holes);

	for (i = 0; i < n; i++) {
		bool single = layout[i] == DBPT_SINGLE;
		unsigned int order = single ? 1 : layout[i];
		struct page *page;

		page = dbpt_alloc_block(&rejects, order,
					high && (i || where == DBPT_HIGH),
					where == DBPT_LOW_FIRST && !i);
		if (!page) {
			short_of_memory = true;
			break;
		}
		if (order)
			split_page(page, order);
		if (single) {
			/* The buddy stays allocated, away from the buffer. */
			buf->pages[buf->nr_pages++] = page;
			buf->holes[buf->nr_holes++] = nth_page(page, 1);
			continue;
		}
		for (j = 0; j < 1U << order; j++)
			buf->pages[buf->nr_pages++] = nth_page(page, j);
	}
	dbpt_free_rejects(&rejects);
	if (short_of_memory && high)
		kunit_skip(test, "not enough free memory above or below 4 GiB");
	if (short_of_memory)
		KUNIT_FAIL_AND_ABORT(test, "cannot allocate the buffer's pages");

	dma_buf_pages_init(&buf->bp, buf->pages, buf->nr_pages);
	buf->bp_inited = true;
	info.ops = &dbpt_ops;
	info.size = dbpt_size(buf);
	info.flags = O_RDWR;
	info.priv = &buf->bp;
	dmabuf = dma_buf_export(&info);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	buf->dmabuf = dmabuf;
	return buf;
}

/* Drops the buffer and checks that it was released. */
static void dbpt_put(struct kunit *test, struct dbpt_buf *buf)
{
	buf->put_done = true;
	dma_buf_put(buf->dmabuf);
	KUNIT_EXPECT_TRUE(test, dbpt_wait_release(buf));
}

/*
 * The cases model a cache-coherent device, which every device is on x86.
 * On arm64 a device that firmware does not describe is not coherent, so
 * it is declared coherent here, before its mask decides whether its syncs
 * can be skipped.  Non-coherent maintenance has cases of its own (the fake IOMMU's
 * device, bounce buffers).
 */
static void dbpt_coherent(struct device *dev)
{
#if defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_DEVICE) || \
	defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_CPU) || \
	defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_CPU_ALL)
	dev->dma_coherent = true;
#endif
}

/*
 * A KUnit device able to address @mask_bits bits, taking segments of at
 * most @max_seg bytes (without DMA parameters when 0).
 */
static struct device *dbpt_device(struct kunit *test, const char *name,
				  unsigned int mask_bits, unsigned int max_seg)
{
	struct device_dma_parameters *parms = NULL;
	struct device *dev;

	/* Allocated first so that it outlives the device. */
	if (max_seg) {
		parms = kunit_kzalloc(test, sizeof(*parms), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, parms);
	}
	dev = kunit_device_register(test, name);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	dbpt_coherent(dev);
	dev->dma_mask = &dev->coherent_dma_mask;
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(dev,
							DMA_BIT_MASK(mask_bits)),
			0);
	if (parms) {
		dev->dma_parms = parms;
		dma_set_max_seg_size(dev, max_seg);
	}
	return dev;
}

/* is_swiotlb_active(), which modules cannot call. */
static bool dbpt_swiotlb_active(struct device *dev)
{
#ifdef CONFIG_SWIOTLB
	return dev->dma_io_tlb_mem && dev->dma_io_tlb_mem->nslabs;
#else
	return false;
#endif
}

/* A device whose mappings of memory above 4 GiB bounce through swiotlb. */
static struct device *dbpt_bounce_device(struct kunit *test, const char *name,
					 unsigned int max_seg)
{
	struct device *dev = dbpt_device(test, name, 32, max_seg);

	if (!dbpt_swiotlb_active(dev))
		kunit_skip(test, "swiotlb is not active");
	return dev;
}

/* Where a bounce device needs the pages, for them to bounce. */
static enum dbpt_where dbpt_need_high(struct device *dev)
{
	return is_swiotlb_force_bounce(dev) ? DBPT_ANYWHERE : DBPT_HIGH;
}

static void dbpt_detach_action(void *data)
{
	struct dma_buf_attachment *attach = data;

	dma_buf_detach(attach->dmabuf, attach);
}

static struct dma_buf_attachment *dbpt_attach(struct kunit *test,
					      struct dbpt_buf *buf,
					      struct device *dev)
{
	struct dma_buf_attachment *attach;

	attach = dma_buf_attach(buf->dmabuf, dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							dbpt_detach_action,
							attach), 0);
	KUNIT_ASSERT_NOT_NULL(test, attach->priv);
	return attach;
}

static void dbpt_detach(struct kunit *test, struct dma_buf_attachment *attach)
{
	kunit_release_action(test, dbpt_detach_action, attach);
}

static struct dma_buf_pages_attachment *
dbpt_priv(struct dma_buf_attachment *attach)
{
	return attach->priv;
}

/* An importer's mapping. */
struct dbpt_mapping {
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	enum dma_data_direction dir;
};

static void dbpt_unmap_action(void *data)
{
	struct dbpt_mapping *m = data;

	dma_buf_unmap_attachment_unlocked(m->attach, m->sgt, m->dir);
}

static void dbpt_track_mapping(struct kunit *test, struct dbpt_mapping *m)
{
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, dbpt_unmap_action,
							m), 0);
}

static struct dbpt_mapping *dbpt_map(struct kunit *test,
				     struct dma_buf_attachment *attach,
				     enum dma_data_direction dir)
{
	struct dbpt_mapping *m;
	struct sg_table *sgt;

	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	sgt = dma_buf_map_attachment_unlocked(attach, dir);
	KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG(test, sgt, "mapping for %s failed",
					 dev_name(attach->dev));
	m->attach = attach;
	m->sgt = sgt;
	m->dir = dir;
	dbpt_track_mapping(test, m);
	return m;
}

static void dbpt_unmap(struct kunit *test, struct dbpt_mapping *m)
{
	kunit_release_action(test, dbpt_unmap_action, m);
}

/* Checks that every segment of a mapping goes through a bounce buffer. */
static void dbpt_assert_bounced(struct kunit *test,
				struct dma_buf_pages_attachment *a)
{
	struct scatterlist *sg;
	unsigned int i;

	KUNIT_ASSERT_TRUE(test, a->mapped);
	KUNIT_ASSERT_EQ(test, a->sgt.nents, a->sgt.orig_nents);
	for_each_sgtable_sg(&a->sgt, sg, i)
		KUNIT_ASSERT_NE_MSG(test, dma_to_phys(a->dev, sg_dma_address(sg)),
				    sg_phys(sg), "segment %u does not bounce", i);
	KUNIT_EXPECT_TRUE(test, a->need_sync);
}

/* The device's view of a DMA segment: the memory at its DMA address. */
static u8 *dbpt_dev_va(struct dma_buf_pages_attachment *a,
		       struct scatterlist *sg)
{
	return phys_to_virt(dma_to_phys(a->dev, sg_dma_address(sg)));
}

/* The device writes @byte over [@off, @off + @len) of its view. */
static void dbpt_dev_fill(struct dma_buf_pages_attachment *a, size_t off,
			  size_t len, u8 byte)
{
	struct scatterlist *sg;
	size_t pos = 0;
	unsigned int i;

	for_each_sgtable_dma_sg(&a->sgt, sg, i) {
		size_t seg = sg_dma_len(sg);
		size_t from = max(off, pos), to = min(off + len, pos + seg);

		if (from < to)
			memset(dbpt_dev_va(a, sg) + (from - pos), byte, to - from);
		pos += seg;
	}
}

/* First offset where the device's view differs from @want, or -1. */
static ssize_t dbpt_dev_mismatch(struct dma_buf_pages_attachment *a,
				 const u8 *want, size_t size)
{
	struct scatterlist *sg;
	size_t pos = 0, j;
	unsigned int i;

	for_each_sgtable_dma_sg(&a->sgt, sg, i) {
		const u8 *va = dbpt_dev_va(a, sg);

		if (sg_dma_len(sg) > size - pos)
			return pos;
		for (j = 0; j < sg_dma_len(sg); j++)
			if (va[j] != want[pos + j])
				return pos + j;
		pos += sg_dma_len(sg);
	}
	return pos == size ? -1 : (ssize_t)pos;
}

/* The CPU writes @byte over [@off, @off + @len) of the pages. */
static void dbpt_cpu_fill(struct dbpt_buf *buf, size_t off, size_t len,
			  u8 byte)
{
	while (len) {
		size_t in = offset_in_page(off);
		size_t n = min_t(size_t, len, PAGE_SIZE - in);
		u8 *va = kmap_local_page(buf->pages[off >> PAGE_SHIFT]);

		memset(va + in, byte, n);
		kunmap_local(va);
		off += n;
		len -= n;
	}
}

/* First offset where the pages differ from @want, or -1. */
static ssize_t dbpt_cpu_mismatch(struct dbpt_buf *buf, const u8 *want)
{
	ssize_t bad = -1;
	pgoff_t i;
	size_t j;

	for (i = 0; i < buf->nr_pages && bad < 0; i++) {
		const u8 *va = kmap_local_page(buf->pages[i]);
		const u8 *w = want + (i << PAGE_SHIFT);

		if (memcmp(va, w, PAGE_SIZE))
			for (j = 0; j < PAGE_SIZE && bad < 0; j++)
				if (va[j] != w[j])
					bad = (i << PAGE_SHIFT) + j;
		kunmap_local(va);
	}
	return bad;
}

KUNIT_DEFINE_ACTION_WRAPPER(dbpt_kvfree, kvfree, const void *);

/* The content a test expects, @byte everywhere to start with. */
static u8 *dbpt_shadow(struct kunit *test, struct dbpt_buf *buf, u8 byte)
{
	u8 *want = kvmalloc(dbpt_size(buf), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, want);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, dbpt_kvfree,
							want), 0);
	memset(want, byte, dbpt_size(buf));
	return want;
}

/* Expects the pages to hold @want. */
static void dbpt_expect_cpu(struct kunit *test, const char *step,
			    struct dbpt_buf *buf, const u8 *want)
{
	KUNIT_EXPECT_EQ_MSG(test, dbpt_cpu_mismatch(buf, want), (ssize_t)-1,
			    "%s: first byte of the pages that is wrong", step);
}

/* Expects the device's copy behind @a to hold @want. */
static void dbpt_expect_dev(struct kunit *test, const char *step,
			    struct dma_buf_pages_attachment *a,
			    const u8 *want, size_t size)
{
	KUNIT_EXPECT_EQ_MSG(test, dbpt_dev_mismatch(a, want, size), (ssize_t)-1,
			    "%s: first byte of the copy of %s that is wrong",
			    step, dev_name(a->dev));
}

static const char *dbpt_dir_name(enum dma_data_direction dir)
{
	switch (dir) {
	case DMA_BIDIRECTIONAL:
		return "bidirectional";
	case DMA_TO_DEVICE:
		return "to-device";
	case DMA_FROM_DEVICE:
		return "from-device";
	default:
		return "no";
	}
}

struct dbpt_counts {
	unsigned long cpu;
	unsigned long dev;
};

static void dbpt_snap(struct dma_buf_pages_attachment **a, unsigned int n,
		      struct dbpt_counts *c)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		c[i].cpu = a[i]->cpu_syncs;
		c[i].dev = a[i]->dev_syncs;
	}
}

/* Expects @cpu and @dev syncs of @a since @c was taken. */
static void dbpt_expect_syncs(struct kunit *test, const char *step,
			      struct dma_buf_pages_attachment *a,
			      const struct dbpt_counts *c,
			      unsigned long cpu, unsigned long dev)
{
	KUNIT_EXPECT_EQ_MSG(test, a->cpu_syncs - c->cpu, cpu,
			    "%s: syncs for the CPU of the %s mapping of %s",
			    step, dbpt_dir_name(a->dir), dev_name(a->dev));
	KUNIT_EXPECT_EQ_MSG(test, a->dev_syncs - c->dev, dev,
			    "%s: syncs for the device of the %s mapping of %s",
			    step, dbpt_dir_name(a->dir), dev_name(a->dev));
}

static const char * const dbpt_names[DBPT_MAX_DEVS] = {
	"dev0", "dev1", "dev2",
};

/* dma_buf_pages_map */

/*
 * The segments a table of @buf's pages must have for a device taking at
 * most @max_seg bytes per segment that must not cross a multiple of
 * @mask + 1: runs of physically contiguous pages, each as long as the
 * limits (rounded down to whole pages) allow.
 */
static unsigned int dbpt_model(struct dbpt_buf *buf, unsigned int max_seg,
			       unsigned long mask, size_t *len, pgoff_t *first)
{
	size_t cap = max_t(size_t, max_seg & PAGE_MASK, PAGE_SIZE);
	unsigned int n = 0;
	pgoff_t i;

	for (i = 0; i < buf->nr_pages; i++) {
		phys_addr_t start = n ? page_to_phys(buf->pages[first[n - 1]]) : 0;
		phys_addr_t last = page_to_phys(buf->pages[i]) + PAGE_SIZE - 1;

		if (n && len[n - 1] + PAGE_SIZE <= cap &&
		    (start | mask) >= last &&
		    page_to_pfn(buf->pages[i]) ==
		    page_to_pfn(buf->pages[i - 1]) + 1) {
			len[n - 1] += PAGE_SIZE;
			continue;
		}
		first[n] = i;
		len[n++] = PAGE_SIZE;
	}
	return n;
}

/*
 * Checks a table an importer got for @dev against the model; with @direct
 * the DMA addresses must be those of the pages.
 */
static void dbpt_check_table(struct kunit *test, struct dbpt_buf *buf,
			     struct device *dev, struct sg_table *sgt,
			     bool direct)
{
	unsigned int max_seg = dma_get_max_seg_size(dev);
	unsigned long mask = dma_get_seg_boundary(dev);
	struct scatterlist *sg;
	size_t total, *len;
	unsigned int i, n;
	pgoff_t *first;

	len = kunit_kcalloc(test, buf->nr_pages, sizeof(*len), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, len);
	first = kunit_kcalloc(test, buf->nr_pages, sizeof(*first), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, first);
	n = dbpt_model(buf, max_seg, mask, len, first);

	KUNIT_EXPECT_EQ(test, sgt->nents, n);
	total = 0;
	for_each_sgtable_dma_sg(sgt, sg, i) {
		KUNIT_EXPECT_LE_MSG(test, sg_dma_len(sg), max_seg,
				    "DMA segment %u of %s", i, dev_name(dev));
		KUNIT_EXPECT_GE_MSG(test, sg_dma_address(sg) | mask,
				    sg_dma_address(sg) + sg_dma_len(sg) - 1,
				    "DMA segment %u of %s crosses the boundary",
				    i, dev_name(dev));
		total += sg_dma_len(sg);
		if (i >= n)
			continue;
		KUNIT_EXPECT_EQ_MSG(test, sg_dma_len(sg), len[i],
				    "DMA segment %u of %s", i, dev_name(dev));
		if (direct)
			KUNIT_EXPECT_EQ_MSG(test,
					    dma_to_phys(dev, sg_dma_address(sg)),
					    page_to_phys(buf->pages[first[i]]),
					    "DMA segment %u of %s", i,
					    dev_name(dev));
	}
	KUNIT_EXPECT_EQ(test, total, dbpt_size(buf));

	/* The CPU side of the table, as the importer sees it. */
	KUNIT_EXPECT_EQ(test, sgt->orig_nents, n);
	total = 0;
	for_each_sgtable_sg(sgt, sg, i) {
		KUNIT_EXPECT_LE_MSG(test, sg->length, max_seg, "entry %u", i);
		KUNIT_EXPECT_EQ_MSG(test, sg->offset, 0U, "entry %u", i);
		total += sg->length;
	}
	KUNIT_EXPECT_EQ(test, total, dbpt_size(buf));
}

struct dbpt_seg_param {
	const char *name;
	unsigned int max_seg;		/* 0: no DMA parameters */
};

static const struct dbpt_seg_param dbpt_seg_params[] = {
	{ "4 KiB", SZ_4K },
	{ "64 KiB - 1", SZ_64K - 1 },
	{ "64 KiB", SZ_64K },
	{ "64 KiB by default", 0 },
	{ "4 GiB - 1", UINT_MAX },
};

KUNIT_ARRAY_PARAM_DESC(dbpt_seg, dbpt_seg_params, name);

static void dma_buf_pages_test_segments(struct kunit *test)
{
	const struct dbpt_seg_param *p = test->param_value;
	struct device *dev = dbpt_device(test, "dev0", 64, p->max_seg);
	unsigned int limit = p->max_seg ?: SZ_64K;
	struct dma_buf_pages_attachment *a;
	struct dma_buf_attachment *attach;
	struct dbpt_mapping *m;
	struct scatterlist *sg;
	struct dbpt_buf *buf;
	unsigned int i;
	bool direct;

	KUNIT_ASSERT_EQ(test, dma_get_max_seg_size(dev), limit);
	direct = !is_swiotlb_force_bounce(dev);
	if (limit > dma_max_mapping_size(dev))
		kunit_skip(test, "the device maps at most %zu bytes at once",
			   dma_max_mapping_size(dev));

	buf = dbpt_buf_create(test, dbpt_layout, ARRAY_SIZE(dbpt_layout),
			      DBPT_ANYWHERE);
	attach = dbpt_attach(test, buf, dev);
	a = dbpt_priv(attach);
	m = dbpt_map(test, attach, DMA_BIDIRECTIONAL);
	dbpt_check_table(test, buf, dev, m->sgt, direct);

	/* The exporter's own table has the same segments. */
	KUNIT_EXPECT_EQ(test, a->sgt.orig_nents, m->sgt->orig_nents);
	KUNIT_EXPECT_EQ(test, a->sgt.nents, m->sgt->nents);

	/* The 256 KiB run that starts the buffer. */
	if (limit == SZ_64K) {
		for_each_sgtable_dma_sg(m->sgt, sg, i) {
			if (i == 4)
				break;
			KUNIT_EXPECT_EQ_MSG(test, sg_dma_len(sg), SZ_64K,
					    "segment %u", i);
		}
	}
	if (limit == SZ_4K)
		KUNIT_EXPECT_EQ(test, m->sgt->nents, buf->nr_pages);

	dbpt_unmap(test, m);
	dbpt_detach(test, attach);
	dbpt_put(test, buf);
}

/* Each attachment gets a table built for its own device. */
static void dma_buf_pages_test_segments_per_device(struct kunit *test)
{
	struct device *dev64 = dbpt_device(test, "dev0", 64, SZ_64K);
	struct device *dev4 = dbpt_device(test, "dev1", 64, SZ_4K);
	struct dma_buf_attachment *at64, *at4;
	struct dbpt_mapping *m64, *m4;
	struct dbpt_buf *buf;
	bool direct = !is_swiotlb_force_bounce(dev64);

	buf = dbpt_buf_create(test, dbpt_layout, ARRAY_SIZE(dbpt_layout),
			      DBPT_ANYWHERE);
	at64 = dbpt_attach(test, buf, dev64);
	at4 = dbpt_attach(test, buf, dev4);
	/* One device-writable mapping at a time: see the top comment. */
	m64 = dbpt_map(test, at64, DMA_BIDIRECTIONAL);
	m4 = dbpt_map(test, at4, DMA_TO_DEVICE);

	dbpt_check_table(test, buf, dev64, m64->sgt, direct);
	dbpt_check_table(test, buf, dev4, m4->sgt, direct);
	KUNIT_EXPECT_EQ(test, m4->sgt->nents, buf->nr_pages);
	KUNIT_EXPECT_LT(test, m64->sgt->nents, m4->sgt->nents);
	KUNIT_EXPECT_PTR_NE(test, &dbpt_priv(at64)->sgt, &dbpt_priv(at4)->sgt);

	dbpt_unmap(test, m4);
	dbpt_unmap(test, m64);
	dbpt_detach(test, at4);
	dbpt_detach(test, at64);
	dbpt_put(test, buf);
}

/* An attachment holds one mapping at a time. */
static void dma_buf_pages_test_map_busy(struct kunit *test)
{
	struct device *dev = dbpt_device(test, "dev0", 64, SZ_64K);
	struct dma_buf_pages_attachment *a;
	struct dma_buf_attachment *attach;
	struct sg_table *again;
	struct dbpt_mapping *m;
	struct dbpt_buf *buf;

	buf = dbpt_buf_create(test, dbpt_layout, ARRAY_SIZE(dbpt_layout),
			      DBPT_ANYWHERE);
	attach = dbpt_attach(test, buf, dev);
	a = dbpt_priv(attach);
	KUNIT_EXPECT_FALSE(test, a->mapped);

	m = dbpt_map(test, attach, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_TRUE(test, a->mapped);
	KUNIT_EXPECT_EQ(test, a->dir, DMA_BIDIRECTIONAL);

	again = dma_buf_map_attachment_unlocked(attach, DMA_TO_DEVICE);
	KUNIT_EXPECT_PTR_EQ(test, again, ERR_PTR(-EBUSY));
	if (!IS_ERR_OR_NULL(again))
		dma_buf_unmap_attachment_unlocked(attach, again, DMA_TO_DEVICE);
	/* The first mapping is untouched. */
	KUNIT_EXPECT_TRUE(test, a->mapped);
	KUNIT_EXPECT_EQ(test, a->dir, DMA_BIDIRECTIONAL);
	dbpt_check_table(test, buf, dev, m->sgt,
			 !is_swiotlb_force_bounce(dev));

	dbpt_unmap(test, m);
	KUNIT_EXPECT_FALSE(test, a->mapped);
	m = dbpt_map(test, attach, DMA_TO_DEVICE);
	KUNIT_EXPECT_TRUE(test, a->mapped);
	KUNIT_EXPECT_EQ(test, a->dir, DMA_TO_DEVICE);
	dbpt_unmap(test, m);
	dbpt_detach(test, attach);
	dbpt_put(test, buf);
}

/*
 * A device that bounces takes segments no longer than one bounce buffer
 * (dma_max_mapping_size()), even when its segment size allows more: a
 * longer segment cannot be mapped at all.
 */
static void dma_buf_pages_test_map_bounce_long_run(struct kunit *test)
{
	struct device *dev = dbpt_bounce_device(test, "dev0", UINT_MAX);
	size_t limit = dma_max_mapping_size(dev);
	struct dma_buf_attachment *attach;
	struct dbpt_mapping *m;
	struct scatterlist *sg;
	struct dbpt_buf *buf;
	unsigned int i;

	if (limit >= SZ_512K)
		kunit_skip(test, "the device maps %zu bytes at once", limit);
	buf = dbpt_buf_create(test, dbpt_layout_long,
			      ARRAY_SIZE(dbpt_layout_long),
			      dbpt_need_high(dev));
	attach = dbpt_attach(test, buf, dev);

	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	m->attach = attach;
	m->dir = DMA_TO_DEVICE;
	m->sgt = dma_buf_map_attachment_unlocked(attach, DMA_TO_DEVICE);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_OR_NULL(m->sgt),
			       "mapping failed (%ld): a 512 KiB run must be cut into segments of at most %zu bytes",
			       PTR_ERR(m->sgt), limit);
	dbpt_track_mapping(test, m);
	dbpt_assert_bounced(test, dbpt_priv(attach));
	for_each_sgtable_dma_sg(m->sgt, sg, i)
		KUNIT_EXPECT_LE_MSG(test, (size_t)sg_dma_len(sg), limit,
				    "segment %u", i);

	dbpt_unmap(test, m);
	dbpt_detach(test, attach);
	dbpt_put(test, buf);
}

/*
 * A device whose segments must not cross a 64 KiB boundary, though they
 * may be 1 MiB long: the 512 KiB run (512 KiB aligned, as a buddy block
 * is) becomes eight segments of 64 KiB, as on a PCI device, whose
 * boundary is 4 GiB, with a run across 4 GiB.
 */
static void dma_buf_pages_test_segment_boundary(struct kunit *test)
{
	struct device *dev = dbpt_device(test, "dev0", 64, SZ_1M);
	struct dma_buf_attachment *attach;
	struct dbpt_mapping *m;
	struct scatterlist *sg;
	struct dbpt_buf *buf;
	unsigned int i;

	dma_set_seg_boundary(dev, SZ_64K - 1);
	if (dma_max_mapping_size(dev) < SZ_1M)
		kunit_skip(test, "the device maps at most %zu bytes at once",
			   dma_max_mapping_size(dev));
	buf = dbpt_buf_create(test, dbpt_layout_long,
			      ARRAY_SIZE(dbpt_layout_long), DBPT_ANYWHERE);
	attach = dbpt_attach(test, buf, dev);
	m = dbpt_map(test, attach, DMA_TO_DEVICE);
	dbpt_check_table(test, buf, dev, m->sgt,
			 !is_swiotlb_force_bounce(dev));
	/*
	 * The pages of the exporter's own table: DMABUF_DEBUG leaves only
	 * the DMA side of the importer's copy readable.
	 */
	for_each_sgtable_sg(&dbpt_priv(attach)->sgt, sg, i) {
		KUNIT_EXPECT_GE_MSG(test, sg_phys(sg) | (SZ_64K - 1),
				    sg_phys(sg) + sg->length - 1,
				    "entry %u crosses the boundary", i);
		if (i < 8)
			KUNIT_EXPECT_EQ_MSG(test, sg->length, SZ_64K,
					    "entry %u", i);
	}
	dbpt_unmap(test, m);
	dbpt_detach(test, attach);
	dbpt_put(test, buf);
}

/* dma_buf_pages_sync */

struct dbpt_set {
	const char *name;
	unsigned int nr;
	enum dma_data_direction dir[DBPT_MAX_DEVS];
};

static const struct dbpt_set dbpt_sets[] = {
	{ "one bidirectional", 1, { DMA_BIDIRECTIONAL } },
	{ "bidirectional and two to-device", 3,
	  { DMA_BIDIRECTIONAL, DMA_TO_DEVICE, DMA_TO_DEVICE } },
	{ "three bidirectional", 3,
	  { DMA_BIDIRECTIONAL, DMA_BIDIRECTIONAL, DMA_BIDIRECTIONAL } },
};

KUNIT_ARRAY_PARAM_DESC(dbpt_sets, dbpt_sets, name);

static const struct dbpt_set dbpt_same_dev_sets[] = {
	{ "two to-device", 2, { DMA_TO_DEVICE, DMA_TO_DEVICE } },
	{ "two bidirectional", 2, { DMA_BIDIRECTIONAL, DMA_BIDIRECTIONAL } },
};

KUNIT_ARRAY_PARAM_DESC(dbpt_same_dev_sets, dbpt_same_dev_sets, name);

static void dma_buf_pages_test_sync_no_attachments(struct kunit *test)
{
	struct device *dev = dbpt_device(test, "dev0", 64, SZ_64K);
	struct dma_buf_attachment *attach;
	struct dbpt_buf *buf;
	struct dma_buf *dmabuf;
	int round;
	u8 *want;

	buf = dbpt_buf_create(test, dbpt_layout, ARRAY_SIZE(dbpt_layout),
			      DBPT_ANYWHERE);
	dmabuf = buf->dmabuf;
	want = dbpt_shadow(test, buf, DBPT_CPU);
	dbpt_cpu_fill(buf, 0, dbpt_size(buf), DBPT_CPU);

	/* Never attached, then attached and detached again. */
	for (round = 0; round < 2; round++) {
		KUNIT_EXPECT_TRUE(test, list_empty(&buf->bp.attachments));
		KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(dmabuf, DMA_BIDIRECTIONAL), 0);
		KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(dmabuf, DMA_BIDIRECTIONAL), 0);
		KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(dmabuf, DMA_FROM_DEVICE), 0);
		KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(dmabuf, DMA_FROM_DEVICE), 0);
		KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(dmabuf, DMA_TO_DEVICE), 0);
		KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access_partial(dmabuf, DMA_BIDIRECTIONAL,
								       PAGE_SIZE + 1, 100), 0);
		KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access_partial(dmabuf, DMA_BIDIRECTIONAL,
								     PAGE_SIZE + 1, 100), 0);
		dbpt_expect_cpu(test, "no attachments", buf, want);

		attach = dbpt_attach(test, buf, dev);
		KUNIT_EXPECT_FALSE(test, list_empty(&buf->bp.attachments));
		dbpt_detach(test, attach);
	}
	dbpt_put(test, buf);
}

/*
 * Syncs for the CPU a mapping should get per call: one when it bounces,
 * none when the device only reads (it wrote nothing for the CPU).
 */
static unsigned long dbpt_cpu_sync(struct dma_buf_pages_attachment *a,
				   bool bounce)
{
	return bounce && a->dir != DMA_TO_DEVICE;
}

/*
 * Every CPU access call on the buffer, checking the syncs of the @n
 * attachments @a after each: with @bounce, one per call and mapping where
 * a sync can change anything, else none.
 */
static void dbpt_sync_round(struct kunit *test, struct dbpt_buf *buf,
			    struct dma_buf_pages_attachment **a,
			    unsigned int n, bool bounce)
{
	struct dma_buf *dmabuf = buf->dmabuf;
	struct dbpt_counts c[DBPT_MAX_DEVS];
	size_t off = SZ_64K - 100, len = 300;
	unsigned int i;

	dbpt_snap(a, n, c);
	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(dmabuf, DMA_BIDIRECTIONAL), 0);
	for (i = 0; i < n; i++)
		dbpt_expect_syncs(test, "begin bidirectional", a[i], &c[i],
				  dbpt_cpu_sync(a[i], bounce), 0);

	dbpt_snap(a, n, c);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(dmabuf, DMA_BIDIRECTIONAL), 0);
	for (i = 0; i < n; i++)
		dbpt_expect_syncs(test, "end bidirectional", a[i], &c[i],
				  0, bounce);

	dbpt_snap(a, n, c);
	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(dmabuf, DMA_FROM_DEVICE), 0);
	for (i = 0; i < n; i++)
		dbpt_expect_syncs(test, "begin from-device", a[i], &c[i],
				  dbpt_cpu_sync(a[i], bounce), 0);

	/* The CPU only read: nothing to publish. */
	dbpt_snap(a, n, c);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(dmabuf, DMA_FROM_DEVICE), 0);
	for (i = 0; i < n; i++)
		dbpt_expect_syncs(test, "end from-device", a[i], &c[i], 0, 0);

	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(dmabuf, DMA_BIDIRECTIONAL), 0);
	dbpt_snap(a, n, c);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(dmabuf, DMA_TO_DEVICE), 0);
	for (i = 0; i < n; i++)
		dbpt_expect_syncs(test, "end to-device", a[i], &c[i], 0, bounce);

	dbpt_snap(a, n, c);
	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access_partial(dmabuf, DMA_BIDIRECTIONAL,
							       off, len), 0);
	for (i = 0; i < n; i++)
		dbpt_expect_syncs(test, "begin partial", a[i], &c[i],
				  dbpt_cpu_sync(a[i], bounce), 0);

	dbpt_snap(a, n, c);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access_partial(dmabuf, DMA_TO_DEVICE,
							     off, len), 0);
	for (i = 0; i < n; i++)
		dbpt_expect_syncs(test, "end partial", a[i], &c[i], 0, bounce);

	dbpt_snap(a, n, c);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access_partial(dmabuf, DMA_FROM_DEVICE,
							     off, len), 0);
	for (i = 0; i < n; i++)
		dbpt_expect_syncs(test, "end partial from-device", a[i], &c[i],
				  0, 0);
}

/* Mappings that need no sync (64-bit devices, no bouncing) get none. */
static void dma_buf_pages_test_sync_direct(struct kunit *test)
{
	const struct dbpt_set *set = test->param_value;
	struct dma_buf_pages_attachment *a[DBPT_MAX_DEVS];
	struct dma_buf_attachment *attach[DBPT_MAX_DEVS];
	struct dbpt_mapping *m[DBPT_MAX_DEVS];
	struct device *dev[DBPT_MAX_DEVS];
	struct dbpt_counts c[DBPT_MAX_DEVS];
	struct scatterlist *sg;
	struct dbpt_buf *buf;
	unsigned int i, j;

	for (i = 0; i < set->nr; i++)
		dev[i] = dbpt_device(test, dbpt_names[i], 64, SZ_64K);
	if (is_swiotlb_force_bounce(dev[0]))
		kunit_skip(test, "swiotlb bounces every mapping");

	buf = dbpt_buf_create(test, dbpt_layout, ARRAY_SIZE(dbpt_layout),
			      DBPT_ANYWHERE);
	for (i = 0; i < set->nr; i++) {
		attach[i] = dbpt_attach(test, buf, dev[i]);
		m[i] = dbpt_map(test, attach[i], set->dir[i]);
		a[i] = dbpt_priv(attach[i]);
	}
	for (i = 0; i < set->nr; i++) {
		for_each_sgtable_dma_sg(&a[i]->sgt, sg, j)
			if (dma_need_sync(dev[i], sg_dma_address(sg)))
				kunit_skip(test, "direct mappings need syncs here");
		KUNIT_EXPECT_FALSE(test, a[i]->need_sync);
	}

	dbpt_sync_round(test, buf, a, set->nr, false);

	dbpt_snap(a, set->nr, c);
	for (i = 0; i < set->nr; i++) {
		KUNIT_EXPECT_EQ(test, dma_buf_begin_access(attach[i], set->dir[i]), 0);
		KUNIT_EXPECT_EQ(test, dma_buf_end_access(attach[i], set->dir[i]), 0);
	}
	for (i = 0; i < set->nr; i++)
		dbpt_expect_syncs(test, "attachment access", a[i], &c[i], 0, 0);

	for (i = 0; i < set->nr; i++) {
		dbpt_unmap(test, m[i]);
		dbpt_detach(test, attach[i]);
	}
	dbpt_put(test, buf);
}

/* Every mapping that bounces is synced once per call. */
static void dma_buf_pages_test_sync_bounce(struct kunit *test)
{
	const struct dbpt_set *set = test->param_value;
	struct dma_buf_pages_attachment *a[DBPT_MAX_DEVS];
	struct dma_buf_attachment *attach[DBPT_MAX_DEVS];
	struct dbpt_mapping *m[DBPT_MAX_DEVS];
	struct device *dev[DBPT_MAX_DEVS];
	struct dbpt_buf *buf;
	unsigned int i;

	for (i = 0; i < set->nr; i++)
		dev[i] = dbpt_bounce_device(test, dbpt_names[i], SZ_64K);
	buf = dbpt_buf_create(test, dbpt_layout, ARRAY_SIZE(dbpt_layout),
			      dbpt_need_high(dev[0]));
	for (i = 0; i < set->nr; i++) {
		attach[i] = dbpt_attach(test, buf, dev[i]);
		m[i] = dbpt_map(test, attach[i], set->dir[i]);
		a[i] = dbpt_priv(attach[i]);
		dbpt_assert_bounced(test, a[i]);
	}

	dbpt_sync_round(test, buf, a, set->nr, true);

	for (i = 0; i < set->nr; i++) {
		dbpt_unmap(test, m[i]);
		dbpt_detach(test, attach[i]);
	}
	dbpt_put(test, buf);
}

/*
 * Two attachments of one device have two bounce copies: both are synced,
 * and what the CPU wrote reaches both.
 */
static void dma_buf_pages_test_sync_bounce_same_device(struct kunit *test)
{
	const struct dbpt_set *set = test->param_value;
	struct dma_buf_pages_attachment *a[2];
	struct dma_buf_attachment *attach[2];
	struct dbpt_mapping *m[2];
	struct dbpt_counts c[2];
	struct dbpt_buf *buf;
	struct device *dev;
	unsigned int i;
	u8 *want;

	dev = dbpt_bounce_device(test, "dev0", SZ_64K);
	buf = dbpt_buf_create(test, dbpt_layout, ARRAY_SIZE(dbpt_layout),
			      dbpt_need_high(dev));
	want = dbpt_shadow(test, buf, DBPT_OLD);
	dbpt_cpu_fill(buf, 0, dbpt_size(buf), DBPT_OLD);
	for (i = 0; i < 2; i++) {
		attach[i] = dbpt_attach(test, buf, dev);
		m[i] = dbpt_map(test, attach[i], set->dir[i]);
		a[i] = dbpt_priv(attach[i]);
		dbpt_assert_bounced(test, a[i]);
	}
	KUNIT_ASSERT_NE(test, sg_dma_address(a[0]->sgt.sgl),
			sg_dma_address(a[1]->sgt.sgl));

	dbpt_snap(a, 2, c);
	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(buf->dmabuf, DMA_BIDIRECTIONAL), 0);
	for (i = 0; i < 2; i++)
		dbpt_expect_syncs(test, "begin", a[i], &c[i],
				  set->dir[i] != DMA_TO_DEVICE, 0);
	dbpt_cpu_fill(buf, 0, dbpt_size(buf), DBPT_CPU);
	memset(want, DBPT_CPU, dbpt_size(buf));
	dbpt_snap(a, 2, c);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(buf->dmabuf, DMA_TO_DEVICE), 0);
	for (i = 0; i < 2; i++) {
		dbpt_expect_syncs(test, "end", a[i], &c[i], 0, 1);
		dbpt_expect_dev(test, "end", a[i], want, dbpt_size(buf));
	}

	for (i = 0; i < 2; i++) {
		dbpt_unmap(test, m[i]);
		dbpt_detach(test, attach[i]);
	}
	dbpt_put(test, buf);
}

/*
 * A 32-bit device and a buffer whose first block lies below 4 GiB and the
 * rest above: two mappings share their first segment, the page itself,
 * while the later ones are separate bounce copies.  Both must be synced,
 * and what the CPU wrote must reach both.
 */
static void dma_buf_pages_test_sync_bounce_partly(struct kunit *test)
{
	const struct dbpt_set *set = test->param_value;
	struct dma_buf_pages_attachment *a[2];
	struct dma_buf_attachment *attach[2];
	struct dbpt_mapping *m[2];
	struct dbpt_counts c[2];
	struct scatterlist *sg;
	struct dbpt_buf *buf;
	struct device *dev;
	unsigned int i;
	u8 *want;

	dev = dbpt_bounce_device(test, "dev0", SZ_64K);
	if (is_swiotlb_force_bounce(dev))
		kunit_skip(test, "swiotlb bounces every page");
	buf = dbpt_buf_create(test, dbpt_layout, ARRAY_SIZE(dbpt_layout),
			      DBPT_LOW_FIRST);
	want = dbpt_shadow(test, buf, DBPT_OLD);
	dbpt_cpu_fill(buf, 0, dbpt_size(buf), DBPT_OLD);
	for (i = 0; i < 2; i++) {
		attach[i] = dbpt_attach(test, buf, dev);
		m[i] = dbpt_map(test, attach[i], set->dir[i]);
		a[i] = dbpt_priv(attach[i]);
		KUNIT_ASSERT_TRUE(test, a[i]->need_sync);
		KUNIT_ASSERT_GT(test, a[i]->sgt.nents, 4U);
	}
	/* the 256 KiB run below 4 GiB is mapped in place */
	for_each_sgtable_dma_sg(&a[0]->sgt, sg, i) {
		if (i == 4)
			break;
		KUNIT_ASSERT_EQ_MSG(test, dma_to_phys(dev, sg_dma_address(sg)),
				    sg_phys(sg), "segment %u bounces", i);
	}
	KUNIT_ASSERT_EQ(test, sg_dma_address(a[0]->sgt.sgl),
			sg_dma_address(a[1]->sgt.sgl));
	sg = sg_last(a[1]->sgt.sgl, a[1]->sgt.nents);
	KUNIT_ASSERT_NE_MSG(test, dma_to_phys(dev, sg_dma_address(sg)),
			    sg_phys(sg), "the last segment does not bounce");

	dbpt_snap(a, 2, c);
	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(buf->dmabuf, DMA_BIDIRECTIONAL), 0);
	dbpt_cpu_fill(buf, 0, dbpt_size(buf), DBPT_CPU);
	memset(want, DBPT_CPU, dbpt_size(buf));
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(buf->dmabuf, DMA_TO_DEVICE), 0);
	for (i = 0; i < 2; i++) {
		dbpt_expect_syncs(test, "end", a[i], &c[i],
				  set->dir[i] != DMA_TO_DEVICE, 1);
		dbpt_expect_dev(test, "end", a[i], want, dbpt_size(buf));
	}

	for (i = 0; i < 2; i++) {
		dbpt_unmap(test, m[i]);
		dbpt_detach(test, attach[i]);
	}
	dbpt_put(test, buf);
}

/* Attachments without a mapping, or whose mapping is gone, are skipped. */
static void dma_buf_pages_test_sync_unmapped(struct kunit *test)
{
	struct dma_buf_pages_attachment *a[3];
	struct dma_buf_attachment *attach[3];
	struct dbpt_mapping *m_done, *m_live;
	struct dbpt_counts c[3];
	struct device *dev[3];
	struct dbpt_buf *buf;
	unsigned int i;

	for (i = 0; i < 3; i++)
		dev[i] = dbpt_bounce_device(test, dbpt_names[i], SZ_64K);
	buf = dbpt_buf_create(test, dbpt_layout, ARRAY_SIZE(dbpt_layout),
			      dbpt_need_high(dev[0]));
	for (i = 0; i < 3; i++) {
		attach[i] = dbpt_attach(test, buf, dev[i]);
		a[i] = dbpt_priv(attach[i]);
	}
	/* a[0] is never mapped, a[1] is mapped and unmapped, a[2] stays. */
	m_done = dbpt_map(test, attach[1], DMA_BIDIRECTIONAL);
	dbpt_assert_bounced(test, a[1]);
	dbpt_unmap(test, m_done);
	m_live = dbpt_map(test, attach[2], DMA_TO_DEVICE);
	dbpt_assert_bounced(test, a[2]);
	KUNIT_EXPECT_FALSE(test, a[0]->mapped);
	KUNIT_EXPECT_FALSE(test, a[1]->mapped);

	/* Only a[2] is synced, for its device only (it is to-device). */
	dbpt_snap(a, 3, c);
	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(buf->dmabuf, DMA_BIDIRECTIONAL), 0);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(buf->dmabuf, DMA_BIDIRECTIONAL), 0);
	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access_partial(buf->dmabuf,
							       DMA_BIDIRECTIONAL,
							       PAGE_SIZE, 10), 0);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access_partial(buf->dmabuf,
							     DMA_BIDIRECTIONAL,
							     PAGE_SIZE, 10), 0);
	dbpt_expect_syncs(test, "never mapped", a[0], &c[0], 0, 0);
	dbpt_expect_syncs(test, "unmapped", a[1], &c[1], 0, 0);
	dbpt_expect_syncs(test, "mapped", a[2], &c[2], 0, 2);

	dbpt_unmap(test, m_live);
	for (i = 0; i < 3; i++)
		dbpt_detach(test, attach[i]);
	dbpt_put(test, buf);
}

/* dma_buf_pages_coherency */

/* What a device wrote is stale for the CPU until begin_cpu_access. */
static void dma_buf_pages_test_stale_from_device(struct kunit *test)
{
	struct device *dev = dbpt_bounce_device(test, "dev0", SZ_64K);
	struct dma_buf_pages_attachment *a;
	struct dma_buf_attachment *attach;
	struct dbpt_counts c;
	struct dbpt_mapping *m;
	struct dbpt_buf *buf;
	size_t size;
	u8 *want;

	buf = dbpt_buf_create(test, dbpt_layout, ARRAY_SIZE(dbpt_layout),
			      dbpt_need_high(dev));
	size = dbpt_size(buf);
	want = dbpt_shadow(test, buf, DBPT_OLD);
	dbpt_cpu_fill(buf, 0, size, DBPT_OLD);
	attach = dbpt_attach(test, buf, dev);
	m = dbpt_map(test, attach, DMA_FROM_DEVICE);
	a = dbpt_priv(attach);
	dbpt_assert_bounced(test, a);

	dbpt_dev_fill(a, 0, size, DBPT_DEV);
	/* Not synced yet: the CPU still sees the old data. */
	dbpt_expect_cpu(test, "before begin", buf, want);

	dbpt_snap(&a, 1, &c);
	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(buf->dmabuf, DMA_FROM_DEVICE), 0);
	dbpt_expect_syncs(test, "begin", a, &c, 1, 0);
	memset(want, DBPT_DEV, size);
	dbpt_expect_cpu(test, "after begin", buf, want);

	dbpt_snap(&a, 1, &c);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(buf->dmabuf, DMA_FROM_DEVICE), 0);
	dbpt_expect_syncs(test, "end", a, &c, 0, 0);

	dbpt_unmap(test, m);
	dbpt_detach(test, attach);
	dbpt_put(test, buf);
}

struct dbpt_range {
	size_t off;
	size_t len;		/* 0: up to the end of the buffer */
};

/*
 * Across the end of the first segment, across a run/single/run border,
 * the first byte and the last byte.
 */
static const struct dbpt_range dbpt_ranges[] = {
	{ SZ_64K - 100, 300 },
	{ 70 * PAGE_SIZE + 17, 2 * PAGE_SIZE + 100 },
	{ 0, 1 },
	{ 1, 0 },
};

static void dbpt_range(struct dbpt_buf *buf, const struct dbpt_range *r,
		       size_t *off, size_t *len)
{
	if (r->len) {
		*off = r->off;
		*len = r->len;
	} else {
		*off = dbpt_size(buf) - r->off;
		*len = r->off;
	}
}

static const struct dbpt_seg_param dbpt_partial_params[] = {
	{ "64 KiB segments", SZ_64K },
	{ "4 KiB segments", SZ_4K },
};

KUNIT_ARRAY_PARAM_DESC(dbpt_partial, dbpt_partial_params, name);

/* A partial begin_cpu_access brings exactly its range up to date. */
static void dma_buf_pages_test_stale_partial(struct kunit *test)
{
	const struct dbpt_seg_param *p = test->param_value;
	struct device *dev = dbpt_bounce_device(test, "dev0", p->max_seg);
	struct dma_buf_pages_attachment *a;
	struct dma_buf_attachment *attach;
	struct dbpt_counts c;
	struct dbpt_mapping *m;
	struct dbpt_buf *buf;
	size_t size, off, len;
	unsigned int i;
	u8 *want;

	buf = dbpt_buf_create(test, dbpt_layout, ARRAY_SIZE(dbpt_layout),
			      dbpt_need_high(dev));
	size = dbpt_size(buf);
	want = dbpt_shadow(test, buf, DBPT_OLD);
	dbpt_cpu_fill(buf, 0, size, DBPT_OLD);
	attach = dbpt_attach(test, buf, dev);
	m = dbpt_map(test, attach, DMA_FROM_DEVICE);
	a = dbpt_priv(attach);
	dbpt_assert_bounced(test, a);
	dbpt_dev_fill(a, 0, size, DBPT_DEV);

	for (i = 0; i < ARRAY_SIZE(dbpt_ranges); i++) {
		dbpt_range(buf, &dbpt_ranges[i], &off, &len);
		dbpt_snap(&a, 1, &c);
		KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access_partial(buf->dmabuf,
								       DMA_FROM_DEVICE,
								       off, len), 0);
		dbpt_expect_syncs(test, "begin partial", a, &c, 1, 0);
		memset(want + off, DBPT_DEV, len);
		KUNIT_EXPECT_EQ_MSG(test, dbpt_cpu_mismatch(buf, want), (ssize_t)-1,
				    "after syncing [%zu, %zu)", off, off + len);
		dbpt_snap(&a, 1, &c);
		KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access_partial(buf->dmabuf,
								     DMA_FROM_DEVICE,
								     off, len), 0);
		dbpt_expect_syncs(test, "end partial", a, &c, 0, 0);
	}

	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(buf->dmabuf, DMA_FROM_DEVICE), 0);
	memset(want, DBPT_DEV, size);
	dbpt_expect_cpu(test, "after a whole begin", buf, want);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(buf->dmabuf, DMA_FROM_DEVICE), 0);

	dbpt_unmap(test, m);
	dbpt_detach(test, attach);
	dbpt_put(test, buf);
}

static const enum dma_data_direction dbpt_to_device_dirs[] = {
	DMA_TO_DEVICE, DMA_BIDIRECTIONAL,
};

static void dbpt_to_device_desc(const enum dma_data_direction *dir,
				char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s mapping", dbpt_dir_name(*dir));
}

KUNIT_ARRAY_PARAM(dbpt_to_device, dbpt_to_device_dirs, dbpt_to_device_desc);

/* What the CPU wrote reaches the device at end_cpu_access. */
static void dma_buf_pages_test_to_device(struct kunit *test)
{
	const enum dma_data_direction *dir = test->param_value;
	struct device *dev = dbpt_bounce_device(test, "dev0", SZ_64K);
	struct dma_buf_pages_attachment *a;
	struct dma_buf_attachment *attach;
	struct dbpt_counts c;
	struct dbpt_mapping *m;
	struct dbpt_buf *buf;
	size_t size, off, len;
	unsigned int i;
	u8 *want;

	buf = dbpt_buf_create(test, dbpt_layout, ARRAY_SIZE(dbpt_layout),
			      dbpt_need_high(dev));
	size = dbpt_size(buf);
	want = dbpt_shadow(test, buf, DBPT_OLD);
	dbpt_cpu_fill(buf, 0, size, DBPT_OLD);
	attach = dbpt_attach(test, buf, dev);
	m = dbpt_map(test, attach, *dir);
	a = dbpt_priv(attach);
	dbpt_assert_bounced(test, a);
	dbpt_expect_dev(test, "mapped", a, want, size);

	/* A device that only reads has nothing for the CPU. */
	dbpt_snap(&a, 1, &c);
	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(buf->dmabuf, DMA_BIDIRECTIONAL), 0);
	dbpt_expect_syncs(test, "begin", a, &c, *dir != DMA_TO_DEVICE, 0);

	dbpt_cpu_fill(buf, 0, size, DBPT_CPU);
	/* Not published yet: the device still sees the old data. */
	dbpt_expect_dev(test, "before end", a, want, size);
	dbpt_snap(&a, 1, &c);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(buf->dmabuf, DMA_TO_DEVICE), 0);
	dbpt_expect_syncs(test, "end", a, &c, 0, 1);
	memset(want, DBPT_CPU, size);
	dbpt_expect_dev(test, "after end", a, want, size);

	/* The CPU writes everywhere but publishes ranges only. */
	dbpt_cpu_fill(buf, 0, size, DBPT_CPU2);
	for (i = 0; i < ARRAY_SIZE(dbpt_ranges); i++) {
		dbpt_range(buf, &dbpt_ranges[i], &off, &len);
		dbpt_snap(&a, 1, &c);
		KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access_partial(buf->dmabuf,
								     DMA_TO_DEVICE,
								     off, len), 0);
		dbpt_expect_syncs(test, "end partial", a, &c, 0, 1);
		memset(want + off, DBPT_CPU2, len);
		KUNIT_EXPECT_EQ_MSG(test, dbpt_dev_mismatch(a, want, size),
				    (ssize_t)-1, "after publishing [%zu, %zu)",
				    off, off + len);
	}

	/* The CPU says it only read: nothing is published. */
	dbpt_cpu_fill(buf, 0, size, DBPT_OLD);
	dbpt_snap(&a, 1, &c);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(buf->dmabuf, DMA_FROM_DEVICE), 0);
	dbpt_expect_syncs(test, "end from-device", a, &c, 0, 0);
	dbpt_expect_dev(test, "after a read-only end", a, want, size);

	dbpt_unmap(test, m);
	dbpt_detach(test, attach);
	dbpt_put(test, buf);
}

/*
 * An importer keeping its mapping brackets each DMA with begin/end_access,
 * which sync its own mapping and no other.
 */
static void dma_buf_pages_test_attachment_access(struct kunit *test)
{
	struct dma_buf_pages_attachment *a[DBPT_MAX_DEVS];
	struct dma_buf_attachment *attach[DBPT_MAX_DEVS];
	struct dbpt_mapping *m[DBPT_MAX_DEVS];
	struct device *dev[DBPT_MAX_DEVS];
	struct dbpt_counts c[DBPT_MAX_DEVS];
	/* dev0 and dev1 bounce; dev2, when there, maps directly */
	static const enum dma_data_direction dirs[DBPT_MAX_DEVS] = {
		DMA_BIDIRECTIONAL, DMA_TO_DEVICE, DMA_TO_DEVICE,
	};
	unsigned int i, n = DBPT_MAX_DEVS;
	struct dbpt_buf *buf;
	size_t size;
	u8 *want, *old;

	dev[0] = dbpt_bounce_device(test, dbpt_names[0], SZ_64K);
	dev[1] = dbpt_bounce_device(test, dbpt_names[1], SZ_64K);
	if (is_swiotlb_force_bounce(dev[0]))
		n = 2;
	else
		dev[2] = dbpt_device(test, dbpt_names[2], 64, SZ_64K);
	buf = dbpt_buf_create(test, dbpt_layout, ARRAY_SIZE(dbpt_layout),
			      dbpt_need_high(dev[0]));
	size = dbpt_size(buf);
	old = dbpt_shadow(test, buf, DBPT_OLD);
	want = dbpt_shadow(test, buf, DBPT_CPU);
	dbpt_cpu_fill(buf, 0, size, DBPT_OLD);
	for (i = 0; i < n; i++) {
		attach[i] = dbpt_attach(test, buf, dev[i]);
		m[i] = dbpt_map(test, attach[i], dirs[i]);
		a[i] = dbpt_priv(attach[i]);
	}
	dbpt_assert_bounced(test, a[0]);
	dbpt_assert_bounced(test, a[1]);

	/* The CPU wrote; dev0 is about to read. */
	dbpt_cpu_fill(buf, 0, size, DBPT_CPU);
	dbpt_snap(a, n, c);
	KUNIT_EXPECT_EQ(test, dma_buf_begin_access(attach[0], DMA_TO_DEVICE), 0);
	dbpt_expect_syncs(test, "begin dev0", a[0], &c[0], 0, 1);
	for (i = 1; i < n; i++)
		dbpt_expect_syncs(test, "begin dev0", a[i], &c[i], 0, 0);
	dbpt_expect_dev(test, "begin dev0", a[0], want, size);
	dbpt_expect_dev(test, "begin dev0", a[1], old, size);

	/* dev0 wrote; the CPU reads after end_access. */
	dbpt_dev_fill(a[0], 0, size, DBPT_DEV);
	dbpt_snap(a, n, c);
	KUNIT_EXPECT_EQ(test, dma_buf_end_access(attach[0], DMA_FROM_DEVICE), 0);
	dbpt_expect_syncs(test, "end dev0", a[0], &c[0], 1, 0);
	for (i = 1; i < n; i++)
		dbpt_expect_syncs(test, "end dev0", a[i], &c[i], 0, 0);
	memset(want, DBPT_DEV, size);
	dbpt_expect_cpu(test, "end dev0", buf, want);

	/* dev1 reads next: it gets the current data, dev0 is left alone. */
	dbpt_snap(a, n, c);
	KUNIT_EXPECT_EQ(test, dma_buf_begin_access(attach[1], DMA_TO_DEVICE), 0);
	dbpt_expect_syncs(test, "begin dev1", a[1], &c[1], 0, 1);
	dbpt_expect_syncs(test, "begin dev1", a[0], &c[0], 0, 0);
	dbpt_expect_dev(test, "begin dev1", a[1], want, size);
	dbpt_snap(a, n, c);
	KUNIT_EXPECT_EQ(test, dma_buf_end_access(attach[1], DMA_TO_DEVICE), 0);
	/* dev1 only read: nothing for the CPU. */
	for (i = 0; i < n; i++)
		dbpt_expect_syncs(test, "end dev1", a[i], &c[i], 0, 0);

	/* A direct mapping needs nothing. */
	if (n == 3) {
		dbpt_snap(a, n, c);
		KUNIT_EXPECT_EQ(test, dma_buf_begin_access(attach[2], DMA_TO_DEVICE), 0);
		KUNIT_EXPECT_EQ(test, dma_buf_end_access(attach[2], DMA_TO_DEVICE), 0);
		for (i = 0; i < n; i++)
			dbpt_expect_syncs(test, "dev2", a[i], &c[i], 0, 0);
	}

	for (i = 0; i < n; i++) {
		dbpt_unmap(test, m[i]);
		dbpt_detach(test, attach[i]);
	}
	dbpt_put(test, buf);
}

/* dma_buf_pages_vmap */

static void dma_buf_pages_test_vmap(struct kunit *test)
{
	struct iosys_map map, map2;
	struct dbpt_buf *buf;
	size_t size, off, len, j;
	pgoff_t i;
	u8 *want, *va;
	int ret;

	buf = dbpt_buf_create(test, dbpt_layout, ARRAY_SIZE(dbpt_layout),
			      DBPT_ANYWHERE);
	size = dbpt_size(buf);
	want = dbpt_shadow(test, buf, 0);
	/* Different content in every page, so that order matters. */
	for (i = 0; i < buf->nr_pages; i++) {
		va = kmap_local_page(buf->pages[i]);
		for (j = 0; j < PAGE_SIZE; j++)
			va[j] = (u8)(i * 7 + j / 64);
		memcpy(want + (i << PAGE_SHIFT), va, PAGE_SIZE);
		kunmap_local(va);
	}

	ret = dma_buf_vmap_unlocked(buf->dmabuf, &map);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_ASSERT_FALSE(test, map.is_iomem);
	KUNIT_ASSERT_NOT_NULL(test, map.vaddr);
	va = map.vaddr;
	for (j = 0; j < size && va[j] == want[j]; j++)
		;
	KUNIT_EXPECT_EQ_MSG(test, j, size, "the kernel mapping differs");

	/* Writes through the mapping land in the pages. */
	off = 63 * PAGE_SIZE + 100;
	len = 2 * PAGE_SIZE;
	memset(va + off, 0xee, len);
	memset(want + off, 0xee, len);
	dbpt_expect_cpu(test, "written through vmap", buf, want);

	/* A second user shares the mapping. */
	ret = dma_buf_vmap_unlocked(buf->dmabuf, &map2);
	KUNIT_EXPECT_EQ(test, ret, 0);
	if (!ret) {
		KUNIT_EXPECT_PTR_EQ(test, map2.vaddr, map.vaddr);
		dma_buf_vunmap_unlocked(buf->dmabuf, &map2);
	}
	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(buf->dmabuf, DMA_BIDIRECTIONAL), 0);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(buf->dmabuf, DMA_BIDIRECTIONAL), 0);
	KUNIT_EXPECT_EQ(test, memcmp(va, want, size), 0);
	dma_buf_vunmap_unlocked(buf->dmabuf, &map);
	KUNIT_EXPECT_EQ(test, buf->bp.vmap_count, 0U);
	KUNIT_EXPECT_NULL(test, buf->bp.vaddr);
	dbpt_put(test, buf);
}

/*
 * dma_buf_pages on a device behind an IOMMU
 *
 * The device gets DMA ops of the test's own (set_dma_ops(), which exists
 * where the architecture has per-device DMA ops: ARCH_HAS_DMA_OPS, on x86
 * with GART_IOMMU or XEN).  They behave as dma-iommu does for a
 * non-coherent device:
 *  - map_sg places the entries at consecutive bus addresses and merges
 *    them into as few DMA segments as the device's segment size and
 *    boundary allow, physically adjacent or not;
 *  - sync_single_* translates only the address it is given and takes the
 *    range from there as physically linear, as iommu_dma_sync_single_*()
 *    does before its cache maintenance of that physical range;
 *  - sync_sg_* covers each entry at its own physical address.
 * Each sync is recorded as the physical range it would maintain, so a test
 * can check that every byte of a range was synced exactly once and nothing
 * else was.
 */

#ifdef CONFIG_ARCH_HAS_DMA_OPS

#define DBPT_IOVA_BASE	0x40000000ULL
#define DBPT_MAX_CHUNKS	256
#define DBPT_MAX_SYNCS	512

struct dbpt_chunk {
	dma_addr_t iova;
	phys_addr_t phys;
	size_t len;
};

struct dbpt_sync {
	phys_addr_t phys;
	size_t len;
	bool for_cpu;
	bool unknown;		/* an address no mapping has */
};

/* The state of the one fake IOMMU device a test has. */
struct dbpt_iommu {
	struct device *dev;
	dma_addr_t next;
	struct dbpt_chunk chunk[DBPT_MAX_CHUNKS];
	unsigned int nr_chunks;
	struct dbpt_sync sync[DBPT_MAX_SYNCS];
	unsigned int nr_syncs;
	bool overflow;
};

static struct dbpt_iommu *dbpt_iommu;

static void dbpt_iommu_note(phys_addr_t phys, size_t len, bool for_cpu,
			    bool unknown)
{
	struct dbpt_iommu *im = dbpt_iommu;

	if (im->nr_syncs == DBPT_MAX_SYNCS) {
		im->overflow = true;
		return;
	}
	im->sync[im->nr_syncs++] = (struct dbpt_sync){
		.phys = phys, .len = len, .for_cpu = for_cpu,
		.unknown = unknown,
	};
}

static dma_addr_t dbpt_iommu_place(phys_addr_t phys, size_t len)
{
	struct dbpt_iommu *im = dbpt_iommu;
	dma_addr_t iova = im->next + offset_in_page(phys);

	if (im->nr_chunks == DBPT_MAX_CHUNKS) {
		im->overflow = true;
		return DMA_MAPPING_ERROR;
	}
	im->chunk[im->nr_chunks++] = (struct dbpt_chunk){
		.iova = iova, .phys = phys, .len = len,
	};
	im->next += PAGE_ALIGN(offset_in_page(phys) + len);
	return iova;
}

static void dbpt_iommu_sync_single(dma_addr_t addr, size_t len,
				   bool for_cpu)
{
	struct dbpt_iommu *im = dbpt_iommu;
	unsigned int i;

	for (i = 0; i < im->nr_chunks; i++) {
		struct dbpt_chunk *c = &im->chunk[i];

		if (addr >= c->iova && addr < c->iova + c->len) {
			dbpt_iommu_note(c->phys + (addr - c->iova), len,
					for_cpu, false);
			return;
		}
	}
	dbpt_iommu_note(0, len, for_cpu, true);
}

static void dbpt_iommu_sync_sg(struct scatterlist *sgl, int nents,
			       bool for_cpu)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		dbpt_iommu_note(sg_phys(sg), sg->length, for_cpu, false);
}

static int dbpt_iommu_map_sg(struct device *dev, struct scatterlist *sgl,
			     int nents, enum dma_data_direction dir,
			     unsigned long attrs)
{
	unsigned long mask = dma_get_seg_boundary(dev);
	size_t max = dma_get_max_seg_size(dev), cur_len = 0;
	struct scatterlist *sg, *cur = sgl;
	dma_addr_t start = 0;
	int i, count = 0;

	/* each mapping starts 1 MiB aligned, as an IOVA allocation may */
	dbpt_iommu->next = ALIGN(dbpt_iommu->next, SZ_1M);
	for_each_sg(sgl, sg, nents, i) {
		dma_addr_t iova = dbpt_iommu_place(sg_phys(sg), sg->length);

		if (iova == DMA_MAPPING_ERROR)
			return -ENOMEM;
		if (count && !sg->offset && PAGE_ALIGNED(start + cur_len) &&
		    cur_len + sg->length <= max &&
		    (start | mask) >= iova + sg->length - 1) {
			cur_len += sg->length;
		} else {
			if (count)
				cur = sg_next(cur);
			count++;
			start = iova;
			cur_len = sg->length;
			sg_dma_address(cur) = iova;
		}
		sg_dma_len(cur) = cur_len;
	}
	if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC))
		dbpt_iommu_sync_sg(sgl, nents, false);
	return count;
}

static void dbpt_iommu_unmap_sg(struct device *dev, struct scatterlist *sgl,
				int nents, enum dma_data_direction dir,
				unsigned long attrs)
{
	if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && dir != DMA_TO_DEVICE)
		dbpt_iommu_sync_sg(sgl, nents, true);
}

static dma_addr_t dbpt_iommu_map_page(struct device *dev, struct page *page,
				      unsigned long offset, size_t size,
				      enum dma_data_direction dir,
				      unsigned long attrs)
{
	dma_addr_t iova = dbpt_iommu_place(page_to_phys(page) + offset, size);

	if (iova != DMA_MAPPING_ERROR && !(attrs & DMA_ATTR_SKIP_CPU_SYNC))
		dbpt_iommu_note(page_to_phys(page) + offset, size, false, false);
	return iova;
}

static void dbpt_iommu_unmap_page(struct device *dev, dma_addr_t addr,
				  size_t size, enum dma_data_direction dir,
				  unsigned long attrs)
{
	if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && dir != DMA_TO_DEVICE)
		dbpt_iommu_sync_single(addr, size, true);
}

static void dbpt_iommu_sync_single_for_cpu(struct device *dev,
					   dma_addr_t addr, size_t size,
					   enum dma_data_direction dir)
{
	dbpt_iommu_sync_single(addr, size, true);
}

static void dbpt_iommu_sync_single_for_device(struct device *dev,
					      dma_addr_t addr, size_t size,
					      enum dma_data_direction dir)
{
	dbpt_iommu_sync_single(addr, size, false);
}

static void dbpt_iommu_sync_sg_for_cpu(struct device *dev,
				       struct scatterlist *sgl, int nents,
				       enum dma_data_direction dir)
{
	dbpt_iommu_sync_sg(sgl, nents, true);
}

static void dbpt_iommu_sync_sg_for_device(struct device *dev,
					  struct scatterlist *sgl, int nents,
					  enum dma_data_direction dir)
{
	dbpt_iommu_sync_sg(sgl, nents, false);
}

static const struct dma_map_ops dbpt_iommu_ops = {
	.map_page = dbpt_iommu_map_page,
	.unmap_page = dbpt_iommu_unmap_page,
	.map_sg = dbpt_iommu_map_sg,
	.unmap_sg = dbpt_iommu_unmap_sg,
	.sync_single_for_cpu = dbpt_iommu_sync_single_for_cpu,
	.sync_single_for_device = dbpt_iommu_sync_single_for_device,
	.sync_sg_for_cpu = dbpt_iommu_sync_sg_for_cpu,
	.sync_sg_for_device = dbpt_iommu_sync_sg_for_device,
};

static void dbpt_iommu_gone(void *data)
{
	dbpt_iommu = NULL;
}

/* The fake IOMMU device, taking segments of up to 4 GiB - 1. */
static struct device *dbpt_iommu_device(struct kunit *test)
{
	struct device_dma_parameters *parms;
	struct device *dev;

	dbpt_iommu = kunit_kzalloc(test, sizeof(*dbpt_iommu), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dbpt_iommu);
	dbpt_iommu->next = DBPT_IOVA_BASE;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, dbpt_iommu_gone,
							NULL), 0);
	parms = kunit_kzalloc(test, sizeof(*parms), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, parms);
	dev = kunit_device_register(test, "iommu0");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	dev->dma_parms = parms;
	dma_set_max_seg_size(dev, UINT_MAX);
	/* before the mask, which decides whether syncs can be skipped */
	set_dma_ops(dev, &dbpt_iommu_ops);
	dev->dma_mask = &dev->coherent_dma_mask;
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64)),
			0);
	dbpt_iommu->dev = dev;
	return dev;
}

static void dbpt_iommu_reset(void)
{
	dbpt_iommu->nr_syncs = 0;
}

/*
 * Expects the syncs recorded since the last reset to be in direction
 * @for_cpu only and to have covered every byte of [@off, @off + @len) of
 * @buf exactly once and nothing else.
 */
static void dbpt_iommu_expect(struct kunit *test, const char *step,
			      struct dbpt_buf *buf, size_t off, size_t len,
			      bool for_cpu)
{
	struct dbpt_iommu *im = dbpt_iommu;
	size_t size = dbpt_size(buf), outside = 0, x, bad = 0;
	ssize_t first_bad = -1;
	unsigned int i, other = 0;
	u8 *count;

	KUNIT_ASSERT_FALSE(test, im->overflow);
	count = kvzalloc(size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, count);
	for (i = 0; i < im->nr_syncs; i++) {
		const struct dbpt_sync *r = &im->sync[i];
		phys_addr_t p = r->phys, end = r->phys + r->len;

		if (r->for_cpu != for_cpu) {
			other++;
			continue;
		}
		if (r->unknown) {
			outside += r->len;
			continue;
		}
		while (p < end) {
			phys_addr_t base = p & PAGE_MASK;
			size_t n = min_t(phys_addr_t, end, base + PAGE_SIZE) - p;
			pgoff_t pg;

			for (pg = 0; pg < buf->nr_pages; pg++)
				if (page_to_phys(buf->pages[pg]) == base)
					break;
			if (pg == buf->nr_pages) {
				outside += n;
			} else {
				size_t at = (pg << PAGE_SHIFT) + (p - base);

				for (x = at; x < at + n; x++)
					count[x]++;
			}
			p += n;
		}
	}
	for (x = 0; x < size; x++) {
		u8 want = x >= off && x < off + len;

		if (count[x] != want) {
			if (first_bad < 0)
				first_bad = x;
			bad++;
		}
	}
	KUNIT_EXPECT_EQ_MSG(test, first_bad, (ssize_t)-1,
			    "%s: first wrong byte (synced %u times), %zu wrong in all (range [%zu, %zu))",
			    step, first_bad >= 0 ? count[first_bad] : 0, bad,
			    off, off + len);
	KUNIT_EXPECT_EQ_MSG(test, outside, (size_t)0,
			    "%s: bytes synced outside the buffer", step);
	KUNIT_EXPECT_EQ_MSG(test, other, 0U,
			    "%s: syncs in the other direction", step);
	kvfree(count);
}

/* The ranges of dbpt_ranges[] and the whole buffer. */
static const struct dbpt_range dbpt_iommu_ranges[] = {
	{ 0, SIZE_MAX },
	{ SZ_64K - 100, 300 },
	{ 70 * PAGE_SIZE + 17, 2 * PAGE_SIZE + 100 },
	{ SZ_256K - 1, 2 },
	{ SZ_256K + 10, 5 * PAGE_SIZE },
	{ 0, 1 },
	{ 1, 0 },
};

static void dbpt_iommu_range(struct dbpt_buf *buf, const struct dbpt_range *r,
			     size_t *off, size_t *len)
{
	if (r->len == SIZE_MAX) {
		*off = 0;
		*len = dbpt_size(buf);
	} else {
		dbpt_range(buf, r, off, len);
	}
}

/* Bidirectional begin (or end) CPU access: whole or partial as @len is. */
static int dbpt_cpu_call(struct dbpt_buf *buf, bool begin, size_t off,
			 size_t len)
{
	struct dma_buf *dmabuf = buf->dmabuf;
	enum dma_data_direction dir = DMA_BIDIRECTIONAL;

	if (len == dbpt_size(buf))
		return begin ? dma_buf_begin_cpu_access(dmabuf, dir) :
			       dma_buf_end_cpu_access(dmabuf, dir);
	return begin ? dma_buf_begin_cpu_access_partial(dmabuf, dir, off, len) :
		       dma_buf_end_cpu_access_partial(dmabuf, dir, off, len);
}

/*
 * The buffer merges into one DMA segment; the mapping syncs the whole
 * buffer for the device, and every CPU access call, whole or partial,
 * syncs exactly its range at the pages' own physical addresses.
 */
static void dma_buf_pages_test_iommu_sync(struct kunit *test)
{
	struct dma_buf_pages_attachment *a;
	struct dma_buf_attachment *attach;
	struct dbpt_mapping *m;
	struct dbpt_buf *buf;
	struct device *dev;
	size_t off, len;
	unsigned int i;
	char step[64];

	dev = dbpt_iommu_device(test);
	buf = dbpt_buf_create(test, dbpt_layout, ARRAY_SIZE(dbpt_layout),
			      DBPT_ANYWHERE);
	attach = dbpt_attach(test, buf, dev);
	a = dbpt_priv(attach);
	m = dbpt_map(test, attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_TRUE(test, a->need_sync);
	KUNIT_ASSERT_EQ(test, m->sgt->nents, 1U);
	KUNIT_ASSERT_GT(test, m->sgt->orig_nents, 1U);
	dbpt_iommu_expect(test, "map", buf, 0, dbpt_size(buf), false);

	for (i = 0; i < ARRAY_SIZE(dbpt_iommu_ranges); i++) {
		dbpt_iommu_range(buf, &dbpt_iommu_ranges[i], &off, &len);
		snprintf(step, sizeof(step), "range %u: begin", i);
		dbpt_iommu_reset();
		KUNIT_EXPECT_EQ(test, dbpt_cpu_call(buf, true, off, len), 0);
		dbpt_iommu_expect(test, step, buf, off, len, true);

		snprintf(step, sizeof(step), "range %u: end", i);
		dbpt_iommu_reset();
		KUNIT_EXPECT_EQ(test, dbpt_cpu_call(buf, false, off, len), 0);
		dbpt_iommu_expect(test, step, buf, off, len, false);
	}

	/* the attachment's own access calls, around each DMA */
	dbpt_iommu_reset();
	KUNIT_EXPECT_EQ(test, dma_buf_begin_access(attach, DMA_BIDIRECTIONAL), 0);
	dbpt_iommu_expect(test, "begin device access", buf, 0, dbpt_size(buf), false);
	dbpt_iommu_reset();
	KUNIT_EXPECT_EQ(test, dma_buf_end_access(attach, DMA_BIDIRECTIONAL), 0);
	dbpt_iommu_expect(test, "end device access", buf, 0, dbpt_size(buf), true);

	dbpt_unmap(test, m);
	dbpt_detach(test, attach);
	dbpt_put(test, buf);
}

/* dma_buf_pages_sync_range() called directly, as vb2-dma-contig does. */
static void dma_buf_pages_test_iommu_sync_range(struct kunit *test)
{
	struct dma_buf_attachment *attach;
	struct dbpt_mapping *m;
	struct sg_table *sgt;
	struct dbpt_buf *buf;
	struct device *dev;
	size_t off, len;
	unsigned int i;
	char step[64];

	dev = dbpt_iommu_device(test);
	buf = dbpt_buf_create(test, dbpt_layout, ARRAY_SIZE(dbpt_layout),
			      DBPT_ANYWHERE);
	attach = dbpt_attach(test, buf, dev);
	m = dbpt_map(test, attach, DMA_FROM_DEVICE);
	/* the exporter's own table: DMABUF_DEBUG mangles the importer's */
	sgt = &dbpt_priv(attach)->sgt;
	KUNIT_ASSERT_EQ(test, sgt->nents, 1U);

	for (i = 0; i < ARRAY_SIZE(dbpt_iommu_ranges); i++) {
		dbpt_iommu_range(buf, &dbpt_iommu_ranges[i], &off, &len);
		snprintf(step, sizeof(step), "range %u: for the CPU", i);
		dbpt_iommu_reset();
		dma_buf_pages_sync_range(dev, sgt, DMA_FROM_DEVICE, off, len,
					 true);
		dbpt_iommu_expect(test, step, buf, off, len, true);
		snprintf(step, sizeof(step), "range %u: for the device", i);
		dbpt_iommu_reset();
		dma_buf_pages_sync_range(dev, sgt, DMA_FROM_DEVICE, off, len,
					 false);
		dbpt_iommu_expect(test, step, buf, off, len, false);
	}

	dbpt_unmap(test, m);
	dbpt_detach(test, attach);
	dbpt_put(test, buf);
}

#else /* !CONFIG_ARCH_HAS_DMA_OPS */

static void dma_buf_pages_test_iommu_sync(struct kunit *test)
{
	kunit_skip(test, "no per-device DMA ops (ARCH_HAS_DMA_OPS)");
}

static void dma_buf_pages_test_iommu_sync_range(struct kunit *test)
{
	kunit_skip(test, "no per-device DMA ops (ARCH_HAS_DMA_OPS)");
}

#endif /* CONFIG_ARCH_HAS_DMA_OPS */

static struct kunit_case dma_buf_pages_map_cases[] = {
	KUNIT_CASE_PARAM(dma_buf_pages_test_segments, dbpt_seg_gen_params),
	KUNIT_CASE(dma_buf_pages_test_segments_per_device),
	KUNIT_CASE(dma_buf_pages_test_map_busy),
	KUNIT_CASE(dma_buf_pages_test_map_bounce_long_run),
	KUNIT_CASE(dma_buf_pages_test_segment_boundary),
	{}
};

static struct kunit_case dma_buf_pages_sync_cases[] = {
	KUNIT_CASE(dma_buf_pages_test_sync_no_attachments),
	KUNIT_CASE_PARAM(dma_buf_pages_test_sync_direct, dbpt_sets_gen_params),
	KUNIT_CASE_PARAM(dma_buf_pages_test_sync_bounce, dbpt_sets_gen_params),
	KUNIT_CASE_PARAM(dma_buf_pages_test_sync_bounce_same_device,
			 dbpt_same_dev_sets_gen_params),
	KUNIT_CASE_PARAM(dma_buf_pages_test_sync_bounce_partly,
			 dbpt_same_dev_sets_gen_params),
	KUNIT_CASE(dma_buf_pages_test_sync_unmapped),
	{}
};

static struct kunit_case dma_buf_pages_coherency_cases[] = {
	KUNIT_CASE(dma_buf_pages_test_stale_from_device),
	KUNIT_CASE_PARAM(dma_buf_pages_test_stale_partial,
			 dbpt_partial_gen_params),
	KUNIT_CASE_PARAM(dma_buf_pages_test_to_device,
			 dbpt_to_device_gen_params),
	KUNIT_CASE(dma_buf_pages_test_attachment_access),
	{}
};

static struct kunit_case dma_buf_pages_vmap_cases[] = {
	KUNIT_CASE(dma_buf_pages_test_vmap),
	{}
};

static struct kunit_case dma_buf_pages_iommu_cases[] = {
	KUNIT_CASE(dma_buf_pages_test_iommu_sync),
	KUNIT_CASE(dma_buf_pages_test_iommu_sync_range),
	{}
};

static struct kunit_suite dma_buf_pages_map_suite = {
	.name = "dma_buf_pages_map",
	.test_cases = dma_buf_pages_map_cases,
};

static struct kunit_suite dma_buf_pages_sync_suite = {
	.name = "dma_buf_pages_sync",
	.test_cases = dma_buf_pages_sync_cases,
};

static struct kunit_suite dma_buf_pages_coherency_suite = {
	.name = "dma_buf_pages_coherency",
	.test_cases = dma_buf_pages_coherency_cases,
};

static struct kunit_suite dma_buf_pages_vmap_suite = {
	.name = "dma_buf_pages_vmap",
	.test_cases = dma_buf_pages_vmap_cases,
};

static struct kunit_suite dma_buf_pages_iommu_suite = {
	.name = "dma_buf_pages_iommu",
	.test_cases = dma_buf_pages_iommu_cases,
};

kunit_test_suites(&dma_buf_pages_map_suite, &dma_buf_pages_sync_suite,
		  &dma_buf_pages_coherency_suite, &dma_buf_pages_vmap_suite,
		  &dma_buf_pages_iommu_suite);

MODULE_DESCRIPTION("KUnit tests of dma-buf-pages");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
