// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of videobuf2-dma-contig.  The tests call vb2_dma_contig_memops
 * the way the vb2 core does, on a bare queue and buffer, for KUnit devices
 * that really map through the DMA API.
 *
 * Whether a plane gets the cache maintenance it needs is checked two ways:
 *
 * - On the data.  A device with a 32-bit DMA mask reaches memory above
 *   4 GiB through swiotlb bounce buffers only, so a missing or misdirected
 *   sync leaves the CPU and the device looking at different bytes.  The
 *   tests act as the device by reading and writing the bounce buffer at the
 *   DMA address.  These cases are skipped when swiotlb is not active (up to
 *   4 GiB of memory and no swiotlb=force) or no memory above 4 GiB is free.
 * - By counting.  MMAP planes come from the DMA allocator within the
 *   device's mask, so they never bounce and their syncs change nothing on
 *   a cache-coherent machine; the DMA trace events count the syncs made
 *   for each device instead.  Without CONFIG_TRACEPOINTS the cases that
 *   only count are skipped.
 *
 * The exporter's own state of each attachment (&struct
 * dma_buf_pages_attachment) is read for its sync counters; importers'
 * tables are only read for their DMA addresses, which is all that
 * CONFIG_DMABUF_DEBUG leaves usable in them.
 */

#include <kunit/device.h>
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/dma-buf-pages.h>
#include <linux/dma-buf.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/iosys-map.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>
#include <linux/tracepoint.h>
#include <linux/uaccess.h>
#include <media/videobuf2-dma-contig.h>
#include <trace/events/dma.h>

/* Patterns, named by the byte they start with. */
#define VB2DCT_OLD	0x11	/* content before the access under test */
#define VB2DCT_CPU	0x3c	/* what the CPU writes */
#define VB2DCT_DEV	0xa5	/* what the device writes */
#define VB2DCT_CPU2	0x77
#define VB2DCT_DEV2	0xd2

/* A byte range inside the first page, for the partial CPU access calls. */
#define VB2DCT_PART_OFF	100
#define VB2DCT_PART_LEN	300

/* One-page planes allocated at most while looking for one above 4 GiB. */
#define VB2DCT_HIGH_TRIES	16
/* Memory set aside at most while looking for a block above 4 GiB. */
#define VB2DCT_HIGH_REJECTS	SZ_16M
/* User pages tried while looking for one above 4 GiB. */
#define VB2DCT_USER_TRIES	64
/* User pages searched for two neighbours that are not adjacent. */
#define VB2DCT_GAP_PAGES	16

/* The test exporter's pages come from one block of this order. */
#define VB2DCT_BLOCK_ORDER	2
#define VB2DCT_BLOCK_PAGES	BIT(VB2DCT_BLOCK_ORDER)

/* ------------------------------------------------------------------------
 * Data
 */

/* Byte @i of the pattern @seed: neighbouring bytes and pages all differ. */
static u8 vb2dct_byte(u8 seed, size_t i)
{
	return seed + (u8)(i * 7) + (u8)(i >> 8) * 3 + (u8)(i >> 12) * 5;
}

/* Writes @seed's pattern over [@off, @off + @len) of a plane at @p. */
static void vb2dct_fill(u8 *p, size_t off, size_t len, u8 seed)
{
	size_t i;

	for (i = off; i < off + len; i++)
		p[i] = vb2dct_byte(seed, i);
}

/*
 * First byte of @p[0, @size) that is not @seed's pattern (@in_seed's over
 * [@off, @off + @len)), or -1.
 */
static ssize_t vb2dct_first_bad(const u8 *p, size_t size, u8 seed,
				size_t off, size_t len, u8 in_seed)
{
	size_t i;

	for (i = 0; i < size; i++) {
		u8 s = i >= off && i - off < len ? in_seed : seed;

		if (p[i] != vb2dct_byte(s, i))
			return i;
	}
	return -1;
}

static void vb2dct_expect_part(struct kunit *test, const char *what,
			       const u8 *p, size_t size, u8 seed, size_t off,
			       size_t len, u8 in_seed)
{
	KUNIT_EXPECT_EQ_MSG(test,
			    vb2dct_first_bad(p, size, seed, off, len, in_seed),
			    (ssize_t)-1, "%s: first wrong byte", what);
}

static void vb2dct_expect(struct kunit *test, const char *what, const u8 *p,
			  size_t size, u8 seed)
{
	vb2dct_expect_part(test, what, p, size, seed, 0, 0, seed);
}

/* ------------------------------------------------------------------------
 * User memory, in the test thread's own mm
 */

static unsigned long vb2dct_vm_mmap(struct kunit *test, struct file *file,
				    size_t len, unsigned long prot,
				    unsigned long flags)
{
	unsigned long addr = kunit_vm_mmap(test, file, 0, len, prot, flags, 0);

	KUNIT_ASSERT_FALSE_MSG(test, !addr || IS_ERR_VALUE(addr),
			       "vm_mmap() gave %ld", (long)addr);
	return addr;
}

static unsigned long vb2dct_user_map(struct kunit *test, size_t len,
				     unsigned long prot, unsigned long flags)
{
	return vb2dct_vm_mmap(test, NULL, len, prot, flags | MAP_ANONYMOUS);
}

static void vb2dct_user_fill(struct kunit *test, unsigned long uaddr,
			     size_t len, u8 seed)
{
	u8 *tmp = kunit_kmalloc(test, len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, tmp);
	vb2dct_fill(tmp, 0, len, seed);
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)uaddr, tmp, len),
			0UL);
	kunit_kfree(test, tmp);
}

/* Fills @nr pages, each with the pattern of a one-page plane. */
static void vb2dct_user_fill_pages(struct kunit *test, unsigned long uaddr,
				   unsigned int nr, u8 seed)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		vb2dct_user_fill(test, uaddr + i * PAGE_SIZE, PAGE_SIZE, seed);
}

/* A copy of user memory, freed when the test ends. */
static u8 *vb2dct_user_read(struct kunit *test, unsigned long uaddr,
			    size_t len)
{
	u8 *tmp = kunit_kmalloc(test, len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, tmp);
	KUNIT_ASSERT_EQ(test,
			copy_from_user(tmp, (const void __user *)uaddr, len),
			0UL);
	return tmp;
}

/* Whether someone holds a FOLL_PIN pin on the page behind @uaddr. */
static bool vb2dct_user_pinned(struct kunit *test, unsigned long uaddr)
{
	struct page *page;
	bool pinned;

	KUNIT_ASSERT_EQ(test, get_user_pages_fast(uaddr, 1, 0, &page), 1);
	pinned = folio_maybe_dma_pinned(page_folio(page));
	put_page(page);
	return pinned;
}

static phys_addr_t vb2dct_user_phys(struct kunit *test, unsigned long uaddr)
{
	struct page *page;
	phys_addr_t phys;

	KUNIT_ASSERT_EQ(test, get_user_pages_fast(uaddr, 1, 0, &page), 1);
	phys = page_to_phys(page) + offset_in_page(uaddr);
	put_page(page);
	return phys;
}

/* ------------------------------------------------------------------------
 * Devices
 */

/*
 * The cases model a cache-coherent device, which every device is on x86.
 * On arm64 a device that firmware does not describe is not coherent, so
 * it is declared coherent here, before its mask decides whether its syncs
 * can be skipped.  Non-coherent maintenance has cases of its own (non-coherent
 * planes, bounce buffers).
 */
static void vb2dct_coherent(struct device *dev)
{
#if defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_DEVICE) || \
	defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_CPU) || \
	defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_CPU_ALL)
	dev->dma_coherent = true;
#endif
}

/*
 * A KUnit device with a @bits-bit DMA mask, taking segments of at most
 * @max_seg bytes (without DMA parameters, so 64 KiB, when 0).
 */
static struct device *vb2dct_device(struct kunit *test, const char *name,
				    unsigned int bits, unsigned int max_seg)
{
	struct device_dma_parameters *parms = NULL;
	struct device *dev;

	/* Allocated first, so that it is freed after the device. */
	if (max_seg) {
		parms = kunit_kzalloc(test, sizeof(*parms), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, parms);
	}
	dev = kunit_device_register(test, name);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	vb2dct_coherent(dev);
	KUNIT_ASSERT_EQ(test,
			dma_coerce_mask_and_coherent(dev, DMA_BIT_MASK(bits)),
			0);
	if (parms) {
		dev->dma_parms = parms;
		dma_set_max_seg_size(dev, max_seg);
	}
#ifdef CONFIG_DMA_NEED_SYNC
	/*
	 * A coherent device skips every sync before it reaches the DMA layer;
	 * let them through so that the trace events see each one.
	 */
	dev->dma_skip_sync = false;
#endif
	return dev;
}

/* A 32-bit device: its mappings of memory above 4 GiB bounce. */
static struct device *vb2dct_bounce_device(struct kunit *test,
					   const char *name)
{
	struct device *dev = vb2dct_device(test, name, 32, 0);

	if (!is_swiotlb_active(dev))
		kunit_skip(test, "swiotlb is not active");
	return dev;
}

static unsigned int vb2dct_dev_refs(struct device *dev)
{
	return kref_read(&dev->kobj.kref);
}

/* The memory at a DMA address of @dev, as the device reaches it. */
static u8 *vb2dct_dev_va(struct device *dev, dma_addr_t addr)
{
	return phys_to_virt(dma_to_phys(dev, addr));
}

static bool vb2dct_bounces(struct device *dev, dma_addr_t addr)
{
	return swiotlb_find_pool(dev, dma_to_phys(dev, addr));
}

/* ------------------------------------------------------------------------
 * DMA trace events, counted per device
 */

struct vb2dct_count {
	struct device *dev;
	unsigned int nr_probes;		/* registered so far */
	atomic_t for_dev;		/* sync calls for the device */
	atomic_t for_cpu;		/* sync calls for the CPU */
	atomic_t dirs;			/* BIT(direction) of each sync */
	atomic_long_t bytes;		/* bytes of the syncs */
	atomic_t maps;			/* dma_map_sg() */
	atomic_t unmaps;		/* dma_unmap_sg() */
	atomic_t frees;			/* coherent and non-coherent frees */
};

/* What a counter saw since it was last looked at. */
struct vb2dct_tally {
	int for_dev;
	int for_cpu;
	int dirs;
	long bytes;
	int maps;
	int unmaps;
	int frees;
};

static void vb2dct_sync_seen(struct vb2dct_count *c, struct device *dev,
			     atomic_t *calls, enum dma_data_direction dir,
			     size_t bytes)
{
	if (dev != c->dev)
		return;
	atomic_inc(calls);
	atomic_or(BIT(dir), &c->dirs);
	atomic_long_add(bytes, &c->bytes);
}

static void vb2dct_seen(struct vb2dct_count *c, struct device *dev,
			atomic_t *calls)
{
	if (dev == c->dev)
		atomic_inc(calls);
}

/* The bytes a scatterlist sync covers: those of its entries. */
static size_t vb2dct_sg_bytes(struct scatterlist *sgl, int nents)
{
	struct scatterlist *sg;
	size_t bytes = 0;
	int i;

	for_each_sg(sgl, sg, nents, i)
		bytes += sg->length;
	return bytes;
}

static void vb2dct_sg_dev(void *data, struct device *dev,
			  struct scatterlist *sg, int nents,
			  enum dma_data_direction dir)
{
	struct vb2dct_count *c = data;

	vb2dct_sync_seen(c, dev, &c->for_dev, dir, vb2dct_sg_bytes(sg, nents));
}

static void vb2dct_sg_cpu(void *data, struct device *dev,
			  struct scatterlist *sg, int nents,
			  enum dma_data_direction dir)
{
	struct vb2dct_count *c = data;

	vb2dct_sync_seen(c, dev, &c->for_cpu, dir, vb2dct_sg_bytes(sg, nents));
}

static void vb2dct_one_dev(void *data, struct device *dev, dma_addr_t addr,
			   size_t size, enum dma_data_direction dir)
{
	struct vb2dct_count *c = data;

	vb2dct_sync_seen(c, dev, &c->for_dev, dir, size);
}

static void vb2dct_one_cpu(void *data, struct device *dev, dma_addr_t addr,
			   size_t size, enum dma_data_direction dir)
{
	struct vb2dct_count *c = data;

	vb2dct_sync_seen(c, dev, &c->for_cpu, dir, size);
}

static void vb2dct_map_sg(void *data, struct device *dev,
			  struct scatterlist *sgl, int nents, int ents,
			  enum dma_data_direction dir, unsigned long attrs)
{
	struct vb2dct_count *c = data;

	vb2dct_seen(c, dev, &c->maps);
}

static void vb2dct_unmap_sg(void *data, struct device *dev,
			    struct scatterlist *sgl, int nents,
			    enum dma_data_direction dir, unsigned long attrs)
{
	struct vb2dct_count *c = data;

	vb2dct_seen(c, dev, &c->unmaps);
}

static void vb2dct_free(void *data, struct device *dev, void *virt_addr,
			dma_addr_t dma_addr, size_t size,
			enum dma_data_direction dir, unsigned long attrs)
{
	struct vb2dct_count *c = data;

	vb2dct_seen(c, dev, &c->frees);
}

static void vb2dct_free_sgt(void *data, struct device *dev,
			    struct sg_table *sgt, size_t size,
			    enum dma_data_direction dir)
{
	struct vb2dct_count *c = data;

	vb2dct_seen(c, dev, &c->frees);
}

#define VB2DCT_NR_PROBES	8

static int vb2dct_probe_on(struct vb2dct_count *c, unsigned int i)
{
	switch (i) {
	case 0:
		return register_trace_dma_sync_sg_for_device(vb2dct_sg_dev, c);
	case 1:
		return register_trace_dma_sync_sg_for_cpu(vb2dct_sg_cpu, c);
	case 2:
		return register_trace_dma_sync_single_for_device(vb2dct_one_dev, c);
	case 3:
		return register_trace_dma_sync_single_for_cpu(vb2dct_one_cpu, c);
	case 4:
		return register_trace_dma_map_sg(vb2dct_map_sg, c);
	case 5:
		return register_trace_dma_unmap_sg(vb2dct_unmap_sg, c);
	case 6:
		return register_trace_dma_free(vb2dct_free, c);
	case 7:
		return register_trace_dma_free_sgt(vb2dct_free_sgt, c);
	}
	return -EINVAL;
}

static void vb2dct_probe_off(struct vb2dct_count *c, unsigned int i)
{
	switch (i) {
	case 0:
		unregister_trace_dma_sync_sg_for_device(vb2dct_sg_dev, c);
		break;
	case 1:
		unregister_trace_dma_sync_sg_for_cpu(vb2dct_sg_cpu, c);
		break;
	case 2:
		unregister_trace_dma_sync_single_for_device(vb2dct_one_dev, c);
		break;
	case 3:
		unregister_trace_dma_sync_single_for_cpu(vb2dct_one_cpu, c);
		break;
	case 4:
		unregister_trace_dma_map_sg(vb2dct_map_sg, c);
		break;
	case 5:
		unregister_trace_dma_unmap_sg(vb2dct_unmap_sg, c);
		break;
	case 6:
		unregister_trace_dma_free(vb2dct_free, c);
		break;
	case 7:
		unregister_trace_dma_free_sgt(vb2dct_free_sgt, c);
		break;
	}
}

static void vb2dct_count_stop(void *data)
{
	struct vb2dct_count *c = data;

	while (c->nr_probes)
		vb2dct_probe_off(c, --c->nr_probes);
	tracepoint_synchronize_unregister();
}

/*
 * Counts the DMA-API calls made for @dev from now until the test ends; NULL
 * when the kernel has no trace points to count them with.
 */
static struct vb2dct_count *vb2dct_count_try(struct kunit *test,
					     struct device *dev)
{
	struct vb2dct_count *c;
	int ret = 0;

	if (!IS_ENABLED(CONFIG_TRACEPOINTS))
		return NULL;

	/* Allocated first, so that it outlives the probes. */
	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	c->dev = dev;
	while (!ret && c->nr_probes < VB2DCT_NR_PROBES) {
		ret = vb2dct_probe_on(c, c->nr_probes);
		if (!ret)
			c->nr_probes++;
	}
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, vb2dct_count_stop,
							c), 0);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0,
			    "cannot register the DMA trace probes");
	return c;
}

static struct vb2dct_count *vb2dct_count_start(struct kunit *test,
					       struct device *dev)
{
	struct vb2dct_count *c = vb2dct_count_try(test, dev);

	if (!c)
		kunit_skip(test, "counting DMA syncs needs CONFIG_TRACEPOINTS");
	return c;
}

/* What @c saw since the last look; the counters start again from zero. */
static void vb2dct_take(struct vb2dct_count *c, struct vb2dct_tally *t)
{
	t->for_dev = atomic_xchg(&c->for_dev, 0);
	t->for_cpu = atomic_xchg(&c->for_cpu, 0);
	t->dirs = atomic_xchg(&c->dirs, 0);
	t->bytes = atomic_long_xchg(&c->bytes, 0);
	t->maps = atomic_xchg(&c->maps, 0);
	t->unmaps = atomic_xchg(&c->unmaps, 0);
	t->frees = atomic_xchg(&c->frees, 0);
}

/*
 * Expects, since the last look, @for_dev syncs for the device and @for_cpu
 * for the CPU, all in direction @dir and over @bytes bytes in total (not
 * checked when negative), and no mapping made or torn down.  Nothing is
 * checked without a counter.
 */
static void vb2dct_expect_syncs(struct kunit *test, const char *what,
				struct vb2dct_count *c, int for_dev,
				int for_cpu, enum dma_data_direction dir,
				long bytes)
{
	struct vb2dct_tally t;

	if (!c)
		return;
	vb2dct_take(c, &t);
	KUNIT_EXPECT_EQ_MSG(test, t.for_dev, for_dev,
			    "%s: syncs for %s", what, dev_name(c->dev));
	KUNIT_EXPECT_EQ_MSG(test, t.for_cpu, for_cpu,
			    "%s: syncs of %s for the CPU", what,
			    dev_name(c->dev));
	if (t.for_dev || t.for_cpu)
		KUNIT_EXPECT_EQ_MSG(test, t.dirs, (int)BIT(dir),
				    "%s: directions synced (bits)", what);
	if (bytes >= 0)
		KUNIT_EXPECT_EQ_MSG(test, t.bytes, bytes, "%s: bytes synced",
				    what);
	KUNIT_EXPECT_EQ_MSG(test, t.maps + t.unmaps, 0,
			    "%s: mappings made or torn down", what);
}

/* ------------------------------------------------------------------------
 * vb2 buffers
 */

enum vb2dct_memory {
	VB2DCT_MMAP,
	VB2DCT_USERPTR,
	VB2DCT_DMABUF,
};

/* One single-plane buffer of its own queue. */
struct vb2dct_buf {
	struct vb2_queue q;
	struct vb2_buffer vb;
	struct device *dev;
	enum vb2dct_memory memory;
	void *priv;		/* the memop handle of the plane */
	struct dma_buf *dmabuf;	/* DMABUF: the imported dma-buf */
	bool mapped;		/* DMABUF: map_dmabuf() succeeded */
};

static void vb2dct_unmap_dmabuf(struct vb2dct_buf *b);

/* How an MMAP plane is allocated. */
struct vb2dct_plane {
	const char *name;
	bool non_coherent;
	unsigned long attrs;
	enum dma_data_direction dir;
};

static const struct vb2dct_plane vb2dct_planes[] = {
	{ "coherent", false, 0, DMA_BIDIRECTIONAL },
	{ "coherent, no kernel mapping", false, DMA_ATTR_NO_KERNEL_MAPPING,
	  DMA_BIDIRECTIONAL },
	{ "non-coherent", true, 0, DMA_BIDIRECTIONAL },
	{ "non-coherent, no kernel mapping", true, DMA_ATTR_NO_KERNEL_MAPPING,
	  DMA_BIDIRECTIONAL },
};

KUNIT_ARRAY_PARAM_DESC(vb2dct_planes, vb2dct_planes, name);

/* Exporting owners: the last one's device only reads the plane. */
static const struct vb2dct_plane vb2dct_owners[] = {
	{ "coherent", false, 0, DMA_BIDIRECTIONAL },
	{ "non-coherent", true, 0, DMA_BIDIRECTIONAL },
	{ "non-coherent output", true, 0, DMA_TO_DEVICE },
};

KUNIT_ARRAY_PARAM_DESC(vb2dct_owners, vb2dct_owners, name);

/* Both coherencies, with a kernel mapping and written by their owner. */
static const struct vb2dct_plane vb2dct_coherencies[] = {
	{ "coherent", false, 0, DMA_BIDIRECTIONAL },
	{ "non-coherent", true, 0, DMA_BIDIRECTIONAL },
};

KUNIT_ARRAY_PARAM_DESC(vb2dct_coherencies, vb2dct_coherencies, name);

static struct vb2dct_buf *vb2dct_buf_new(struct kunit *test,
					 struct device *dev,
					 enum dma_data_direction dir)
{
	struct vb2dct_buf *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, b);
	b->dev = dev;
	b->q.dev = dev;
	b->q.dma_dir = dir;
	b->q.mem_ops = &vb2_dma_contig_memops;
	strscpy(b->q.name, "vb2-dma-contig-kunit");
	b->vb.vb2_queue = &b->q;
	b->vb.num_planes = 1;
	return b;
}

static struct vb2dct_buf *vb2dct_plane_buf(struct kunit *test,
					   struct device *dev,
					   const struct vb2dct_plane *p)
{
	struct vb2dct_buf *b = vb2dct_buf_new(test, dev, p->dir);

	b->q.non_coherent_mem = p->non_coherent;
	b->q.dma_attrs = p->attrs;
	return b;
}

static void vb2dct_release(void *data)
{
	const struct vb2_mem_ops *ops = &vb2_dma_contig_memops;
	struct vb2dct_buf *b = data;

	switch (b->memory) {
	case VB2DCT_MMAP:
		ops->put(b->priv);
		break;
	case VB2DCT_USERPTR:
		ops->put_userptr(b->priv);
		break;
	case VB2DCT_DMABUF:
		if (b->mapped)
			vb2dct_unmap_dmabuf(b);
		ops->detach_dmabuf(b->priv);
		break;
	}
	b->mapped = false;
	b->priv = NULL;
	b->vb.planes[0].mem_priv = NULL;
}

/*
 * Takes what alloc(), get_userptr() or attach_dmabuf() returned: a plane is
 * released when the test ends (or by vb2dct_drop()).  Returns @priv.
 */
static void *vb2dct_keep(struct kunit *test, struct vb2dct_buf *b,
			 enum vb2dct_memory memory, void *priv)
{
	if (IS_ERR_OR_NULL(priv))
		return priv;
	b->memory = memory;
	b->priv = priv;
	b->vb.planes[0].mem_priv = priv;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, vb2dct_release,
							b), 0);
	return priv;
}

/* put(), put_userptr() or detach_dmabuf() now. */
static void vb2dct_drop(struct kunit *test, struct vb2dct_buf *b)
{
	kunit_release_action(test, vb2dct_release, b);
}

static struct vb2dct_buf *vb2dct_mmap(struct kunit *test, struct device *dev,
				      unsigned long size,
				      const struct vb2dct_plane *p)
{
	struct vb2dct_buf *b = vb2dct_plane_buf(test, dev, p);
	void *priv;

	priv = vb2dct_keep(test, b, VB2DCT_MMAP,
			   vb2_dma_contig_memops.alloc(&b->vb, dev, size));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, priv);
	return b;
}

static struct vb2dct_buf *vb2dct_userptr(struct kunit *test,
					 struct device *dev,
					 enum dma_data_direction dir,
					 unsigned long uaddr,
					 unsigned long size)
{
	struct vb2dct_buf *b = vb2dct_buf_new(test, dev, dir);
	void *priv;

	priv = vb2dct_keep(test, b, VB2DCT_USERPTR,
			   vb2_dma_contig_memops.get_userptr(&b->vb, dev,
							     uaddr, size));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, priv);
	return b;
}

/* get_userptr() that should fail: its errno, or 0 if it did not. */
static int vb2dct_userptr_err(struct kunit *test, struct device *dev,
			      enum dma_data_direction dir, unsigned long uaddr,
			      unsigned long size)
{
	struct vb2dct_buf *b = vb2dct_buf_new(test, dev, dir);
	void *priv;

	priv = vb2_dma_contig_memops.get_userptr(&b->vb, dev, uaddr, size);
	return PTR_ERR_OR_ZERO(vb2dct_keep(test, b, VB2DCT_USERPTR, priv));
}

static struct vb2dct_buf *vb2dct_import(struct kunit *test,
					struct device *dev,
					struct dma_buf *dmabuf,
					unsigned long size,
					enum dma_data_direction dir)
{
	struct vb2dct_buf *b = vb2dct_buf_new(test, dev, dir);
	void *priv;

	priv = vb2dct_keep(test, b, VB2DCT_DMABUF,
			   vb2_dma_contig_memops.attach_dmabuf(&b->vb, dev,
							       dmabuf, size));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, priv);
	b->dmabuf = dmabuf;
	return b;
}

/* As the core does (see vb2_dmabuf_attach()): under the reservation lock. */
static int vb2dct_map_dmabuf(struct vb2dct_buf *b)
{
	struct dma_resv *resv = b->dmabuf->resv;
	int ret;

	dma_resv_lock(resv, NULL);
	ret = vb2_dma_contig_memops.map_dmabuf(b->priv);
	dma_resv_unlock(resv);
	b->mapped = !ret;
	return ret;
}

static void vb2dct_unmap_dmabuf(struct vb2dct_buf *b)
{
	struct dma_resv *resv = b->dmabuf->resv;

	dma_resv_lock(resv, NULL);
	vb2_dma_contig_memops.unmap_dmabuf(b->priv);
	dma_resv_unlock(resv);
	b->mapped = false;
}

static dma_addr_t vb2dct_dma(struct kunit *test, struct vb2dct_buf *b)
{
	dma_addr_t *addr = vb2_dma_contig_memops.cookie(&b->vb, b->priv);

	KUNIT_ASSERT_NOT_NULL(test, addr);
	return *addr;
}

/* The plane as its device reaches it (for USERPTR and DMABUF: mapped). */
static u8 *vb2dct_view(struct kunit *test, struct vb2dct_buf *b)
{
	return vb2dct_dev_va(b->dev, vb2dct_dma(test, b));
}

static u8 *vb2dct_vaddr(struct vb2dct_buf *b)
{
	return vb2_dma_contig_memops.vaddr(&b->vb, b->priv);
}

static unsigned int vb2dct_users(struct vb2dct_buf *b)
{
	return vb2_dma_contig_memops.num_users(b->priv);
}

/*
 * The core calls prepare and finish only when the buffer's hints do not
 * skip them; these helpers keep that contract.
 */
static void vb2dct_prepare(struct vb2dct_buf *b)
{
	if (!b->vb.skip_cache_sync_on_prepare)
		vb2_dma_contig_memops.prepare(b->priv);
}

static void vb2dct_finish(struct vb2dct_buf *b)
{
	if (!b->vb.skip_cache_sync_on_finish)
		vb2_dma_contig_memops.finish(b->priv);
}

/*
 * A one-page MMAP plane; with @high, one whose memory lies above 4 GiB.
 * Planes tried before stay allocated until the test ends, so that every
 * try gets other memory.
 */
static struct vb2dct_buf *vb2dct_mmap_high(struct kunit *test,
					   struct device *dev,
					   const struct vb2dct_plane *p,
					   bool high)
{
	struct vb2dct_buf *b;
	unsigned int i;

	for (i = 0; i < VB2DCT_HIGH_TRIES; i++) {
		b = vb2dct_mmap(test, dev, PAGE_SIZE, p);
		if (!high || dma_to_phys(dev, vb2dct_dma(test, b)) >= SZ_4G)
			return b;
	}
	kunit_skip(test, "no plane above 4 GiB");
	return NULL;
}

/* How a queue runs its buffers, for the prepare and finish tests. */
struct vb2dct_sync {
	const char *name;
	bool non_coherent;
	enum dma_data_direction dir;
	bool skip_prepare;	/* V4L2_BUF_FLAG_NO_CACHE_CLEAN */
	bool skip_finish;	/* V4L2_BUF_FLAG_NO_CACHE_INVALIDATE */
};

static void vb2dct_set_hints(struct vb2dct_buf *b, const struct vb2dct_sync *p)
{
	b->vb.skip_cache_sync_on_prepare = p->skip_prepare;
	b->vb.skip_cache_sync_on_finish = p->skip_finish;
}

/* Whether prepare brings what the CPU wrote to the device. */
static bool vb2dct_prepare_copies(const struct vb2dct_sync *p)
{
	return !p->skip_prepare && p->dir != DMA_FROM_DEVICE;
}

/* Whether finish has anything to bring to the CPU. */
static bool vb2dct_finish_syncs(const struct vb2dct_sync *p)
{
	return !p->skip_finish && p->dir != DMA_TO_DEVICE;
}

/* For the planes that stream through a mapping: USERPTR and DMABUF. */
static const struct vb2dct_sync vb2dct_stream_syncs[] = {
	{ "capture", false, DMA_FROM_DEVICE },
	{ "output", false, DMA_TO_DEVICE },
	{ "bidirectional", false, DMA_BIDIRECTIONAL },
	{ "capture, no invalidate at finish", false, DMA_FROM_DEVICE,
	  false, true },
	{ "output, no clean at prepare", false, DMA_TO_DEVICE, true, false },
	{ "bidirectional, no cache maintenance", false, DMA_BIDIRECTIONAL,
	  true, true },
};

KUNIT_ARRAY_PARAM_DESC(vb2dct_stream_syncs, vb2dct_stream_syncs, name);

/* ------------------------------------------------------------------------
 * dma-bufs
 */

static void vb2dct_dmabuf_put(void *data)
{
	dma_buf_put(data);
	/* The test thread is a kthread: its fput() is deferred. */
	flush_delayed_fput();
}

static struct dma_buf *vb2dct_export(struct kunit *test, struct vb2dct_buf *b)
{
	struct dma_buf *dmabuf;

	dmabuf = vb2_dma_contig_memops.get_dmabuf(&b->vb, b->priv, O_RDWR);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, vb2dct_dmabuf_put,
							dmabuf), 0);
	return dmabuf;
}

/* Drops the reference vb2dct_export() took; the release is done on return. */
static void vb2dct_unexport(struct kunit *test, struct dma_buf *dmabuf)
{
	kunit_release_action(test, vb2dct_dmabuf_put, dmabuf);
}

static unsigned int vb2dct_nr_attachments(struct dma_buf *dmabuf)
{
	size_t n;

	dma_resv_lock(dmabuf->resv, NULL);
	n = list_count_nodes(&dmabuf->attachments);
	dma_resv_unlock(dmabuf->resv);
	return n;
}

/* The attachment of @dev to @dmabuf (made by vb2 itself), or NULL. */
static struct dma_buf_attachment *vb2dct_attachment_of(struct dma_buf *dmabuf,
						       struct device *dev)
{
	struct dma_buf_attachment *att, *found = NULL;

	dma_resv_lock(dmabuf->resv, NULL);
	list_for_each_entry(att, &dmabuf->attachments, node)
		if (att->dev == dev)
			found = att;
	dma_resv_unlock(dmabuf->resv);
	return found;
}

static void vb2dct_detach_action(void *data)
{
	struct dma_buf_attachment *att = data;

	dma_buf_detach(att->dmabuf, att);
}

/* The tests as importers: an attachment, detached when the test ends. */
static struct dma_buf_attachment *vb2dct_attach(struct kunit *test,
						struct dma_buf *dmabuf,
						struct device *dev)
{
	struct dma_buf_attachment *att = dma_buf_attach(dmabuf, dev);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, att);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							vb2dct_detach_action,
							att), 0);
	KUNIT_ASSERT_NOT_NULL(test, att->priv);
	return att;
}

static void vb2dct_detach(struct kunit *test, struct dma_buf_attachment *att)
{
	kunit_release_action(test, vb2dct_detach_action, att);
}

/* A mapping the tests hold as an importer. */
struct vb2dct_mapping {
	struct dma_buf_attachment *att;
	struct sg_table *sgt;
	enum dma_data_direction dir;
};

static void vb2dct_unmap_action(void *data)
{
	struct vb2dct_mapping *m = data;

	dma_buf_unmap_attachment_unlocked(m->att, m->sgt, m->dir);
}

static struct vb2dct_mapping *vb2dct_map(struct kunit *test,
					 struct dma_buf_attachment *att,
					 enum dma_data_direction dir)
{
	struct vb2dct_mapping *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, m);
	m->att = att;
	m->dir = dir;
	m->sgt = dma_buf_map_attachment_unlocked(att, dir);
	KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG(test, m->sgt, "mapping for %s",
					 dev_name(att->dev));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							vb2dct_unmap_action,
							m), 0);
	return m;
}

static void vb2dct_unmap(struct kunit *test, struct vb2dct_mapping *m)
{
	kunit_release_action(test, vb2dct_unmap_action, m);
}

/* The exporter's side of an importer's mapping. */
static struct dma_buf_pages_attachment *
vb2dct_pages_att(struct vb2dct_mapping *m)
{
	return m->att->priv;
}

/* The device's copy behind a mapping of one DMA segment that bounces. */
static u8 *vb2dct_bounce_view(struct kunit *test, struct vb2dct_mapping *m,
			      size_t size)
{
	struct scatterlist *sg = m->sgt->sgl;

	KUNIT_ASSERT_EQ(test, m->sgt->nents, 1U);
	KUNIT_ASSERT_EQ(test, (size_t)sg_dma_len(sg), size);
	KUNIT_ASSERT_TRUE_MSG(test, vb2dct_bounces(m->att->dev,
						   sg_dma_address(sg)),
			      "the mapping of %s does not bounce",
			      dev_name(m->att->dev));
	return vb2dct_dev_va(m->att->dev, sg_dma_address(sg));
}

/* A kernel mapping of a dma-buf, dropped when the test ends. */
struct vb2dct_kmap {
	struct dma_buf *dmabuf;
	struct iosys_map map;
};

static void vb2dct_vunmap_action(void *data)
{
	struct vb2dct_kmap *k = data;

	dma_buf_vunmap_unlocked(k->dmabuf, &k->map);
}

static struct vb2dct_kmap *vb2dct_vmap(struct kunit *test,
				       struct dma_buf *dmabuf)
{
	struct vb2dct_kmap *k = kunit_kzalloc(test, sizeof(*k), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, k);
	k->dmabuf = dmabuf;
	KUNIT_ASSERT_EQ(test, dma_buf_vmap_unlocked(dmabuf, &k->map), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							vb2dct_vunmap_action,
							k), 0);
	KUNIT_ASSERT_FALSE(test, k->map.is_iomem);
	KUNIT_ASSERT_NOT_NULL(test, k->map.vaddr);
	return k;
}

static void vb2dct_vunmap(struct kunit *test, struct vb2dct_kmap *k)
{
	kunit_release_action(test, vb2dct_vunmap_action, k);
}

/* ------------------------------------------------------------------------
 * A test exporter, on dma-buf-pages, whose page layout the tests choose
 */

struct vb2dct_texp {
	struct dma_buf_pages bp;	/* &dma_buf.priv points here */
	struct page *block;		/* split; all pages freed at the end */
	struct page *pages[VB2DCT_BLOCK_PAGES];
	unsigned int nr;
	struct dma_buf *dmabuf;
	bool put_done;
	struct completion released;
};

static void vb2dct_texp_release(struct dma_buf *dmabuf)
{
	struct vb2dct_texp *t = container_of(dmabuf->priv, struct vb2dct_texp,
					     bp);

	dma_buf_pages_fini(&t->bp);
	complete_all(&t->released);
}

static const struct dma_buf_ops vb2dct_texp_ops = {
	DMA_BUF_PAGES_OPS,
	.release = vb2dct_texp_release,
};

static bool vb2dct_texp_wait(struct vb2dct_texp *t)
{
	flush_delayed_fput();
	return wait_for_completion_timeout(&t->released, 10 * HZ);
}

static void vb2dct_texp_free(void *data)
{
	struct vb2dct_texp *t = data;
	unsigned int i;

	if (t->dmabuf) {
		if (!t->put_done)
			dma_buf_put(t->dmabuf);
		if (!vb2dct_texp_wait(t)) {
			/* still in use: leak the pages, do not free them */
			pr_err("vb2-dma-contig-kunit: dma-buf not released\n");
			return;
		}
	}
	if (t->block)
		for (i = 0; i < VB2DCT_BLOCK_PAGES; i++)
			__free_page(nth_page(t->block, i));
	kfree(t);
}

/*
 * A block of VB2DCT_BLOCK_PAGES pages; with @high, one above 4 GiB (blocks
 * below are held until one is found, so that the allocator moves on).
 */
static struct page *vb2dct_block(bool high)
{
	unsigned long tries = VB2DCT_HIGH_REJECTS >>
			      (PAGE_SHIFT + VB2DCT_BLOCK_ORDER);
	struct page *page = NULL, *reject, *tmp;
	LIST_HEAD(rejects);

	while (tries--) {
		page = alloc_pages(GFP_KERNEL | __GFP_NOWARN,
				   VB2DCT_BLOCK_ORDER);
		if (!page || !high || page_to_phys(page) >= SZ_4G)
			break;
		list_add(&page->lru, &rejects);
		page = NULL;
	}
	list_for_each_entry_safe(reject, tmp, &rejects, lru) {
		list_del(&reject->lru);
		__free_pages(reject, VB2DCT_BLOCK_ORDER);
	}
	return page;
}

/* Writes @seed's pattern over the whole buffer, as the CPU. */
static void vb2dct_texp_fill(struct vb2dct_texp *t, u8 seed)
{
	unsigned int i;
	size_t j;

	for (i = 0; i < t->nr; i++) {
		u8 *va = kmap_local_page(t->pages[i]);

		for (j = 0; j < PAGE_SIZE; j++)
			va[j] = vb2dct_byte(seed, i * PAGE_SIZE + j);
		kunmap_local(va);
	}
}

/* A copy of the buffer as the CPU sees it, freed when the test ends. */
static u8 *vb2dct_texp_read(struct kunit *test, struct vb2dct_texp *t)
{
	u8 *copy = kunit_kmalloc(test, t->nr * PAGE_SIZE, GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, copy);
	for (i = 0; i < t->nr; i++) {
		u8 *va = kmap_local_page(t->pages[i]);

		memcpy(copy + i * PAGE_SIZE, va, PAGE_SIZE);
		kunmap_local(va);
	}
	return copy;
}

/*
 * Exports pages @idx[0..@nr) of a new block, in that order, filled with
 * the VB2DCT_OLD pattern; with @high, the block lies above 4 GiB.
 */
static struct vb2dct_texp *vb2dct_texp_new(struct kunit *test, const u8 *idx,
					   unsigned int nr, bool high)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct vb2dct_texp *t;
	struct dma_buf *dmabuf;
	unsigned int i;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	init_completion(&t->released);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, vb2dct_texp_free,
							t), 0);
	t->block = vb2dct_block(high);
	if (!t->block && high)
		kunit_skip(test, "no free memory above 4 GiB");
	KUNIT_ASSERT_NOT_NULL(test, t->block);
	split_page(t->block, VB2DCT_BLOCK_ORDER);
	for (i = 0; i < nr; i++)
		t->pages[i] = nth_page(t->block, idx[i]);
	t->nr = nr;
	vb2dct_texp_fill(t, VB2DCT_OLD);

	info.ops = &vb2dct_texp_ops;
	info.flags = O_RDWR;
	dmabuf = dma_buf_pages_export(&t->bp, t->pages, nr, &info);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	t->dmabuf = dmabuf;
	return t;
}

/* Drops the exporter's reference and expects the buffer to be released. */
static void vb2dct_texp_put(struct kunit *test, struct vb2dct_texp *t)
{
	t->put_done = true;
	dma_buf_put(t->dmabuf);
	KUNIT_EXPECT_TRUE_MSG(test, vb2dct_texp_wait(t),
			      "the dma-buf is still referenced");
}

/* The exporter's state of the one attachment of @t, or NULL. */
static struct dma_buf_pages_attachment *
vb2dct_texp_att(struct vb2dct_texp *t)
{
	struct dma_buf_pages_attachment *a;

	mutex_lock(&t->bp.lock);
	a = list_first_entry_or_null(&t->bp.attachments,
				     struct dma_buf_pages_attachment, node);
	mutex_unlock(&t->bp.lock);
	return a;
}

/* The syncs an exporter did on one attachment's mapping, from a mark on. */
struct vb2dct_att_count {
	struct dma_buf_pages_attachment *a;
	unsigned long dev_syncs;
	unsigned long cpu_syncs;
};

static void vb2dct_att_start(struct vb2dct_att_count *ac,
			     struct dma_buf_pages_attachment *a)
{
	ac->a = a;
	ac->dev_syncs = a->dev_syncs;
	ac->cpu_syncs = a->cpu_syncs;
}

/* Expects so many syncs since the mark, then moves the mark. */
static void vb2dct_att_expect(struct kunit *test, const char *what,
			      struct vb2dct_att_count *ac,
			      unsigned long for_dev, unsigned long for_cpu)
{
	struct dma_buf_pages_attachment *a = ac->a;

	KUNIT_EXPECT_EQ_MSG(test, a->dev_syncs - ac->dev_syncs, for_dev,
			    "%s: syncs of the mapping of %s for the device",
			    what, dev_name(a->dev));
	KUNIT_EXPECT_EQ_MSG(test, a->cpu_syncs - ac->cpu_syncs, for_cpu,
			    "%s: syncs of the mapping of %s for the CPU",
			    what, dev_name(a->dev));
	vb2dct_att_start(ac, a);
}

/* ------------------------------------------------------------------------
 * MMAP planes
 */

/*
 * A 64 KiB plane for @dev: inside its DMA mask, one user, the same memory
 * at its DMA address and through its kernel mapping (when it has one), and
 * the device reference given back on put.
 */
static void vb2dct_check_plane(struct kunit *test, struct device *dev,
			       const struct vb2dct_plane *p)
{
	bool mapped = p->non_coherent ||
		      !(p->attrs & DMA_ATTR_NO_KERNEL_MAPPING);
	unsigned int refs = vb2dct_dev_refs(dev);
	const size_t size = SZ_64K;
	struct vb2dct_buf *b;
	u8 *mem, *vaddr;
	dma_addr_t dma;

	b = vb2dct_mmap(test, dev, size, p);
	KUNIT_EXPECT_EQ(test, vb2dct_users(b), 1U);
	dma = vb2dct_dma(test, b);
	KUNIT_EXPECT_EQ(test, vb2_dma_contig_plane_dma_addr(&b->vb, 0), dma);
	KUNIT_EXPECT_LE_MSG(test, dma + size - 1, dma_get_mask(dev),
			    "plane outside the DMA mask of %s", dev_name(dev));
	mem = vb2dct_view(test, b);

	vaddr = vb2dct_vaddr(b);
	if (mapped) {
		KUNIT_ASSERT_NOT_NULL(test, vaddr);
		KUNIT_EXPECT_PTR_EQ(test, vb2dct_vaddr(b), vaddr);
	} else {
		KUNIT_EXPECT_NULL(test, vaddr);
	}

	/* QBUF after the CPU wrote, DQBUF after the device wrote. */
	vb2dct_fill(mapped ? vaddr : mem, 0, size, VB2DCT_CPU);
	vb2dct_prepare(b);
	vb2dct_expect(test, "the device's view after prepare", mem, size,
		      VB2DCT_CPU);
	vb2dct_fill(mem, 0, size, VB2DCT_DEV);
	vb2dct_finish(b);
	if (mapped)
		vb2dct_expect(test, "the kernel mapping after finish", vaddr,
			      size, VB2DCT_DEV);

	vb2dct_drop(test, b);
	KUNIT_EXPECT_EQ_MSG(test, vb2dct_dev_refs(dev), refs,
			    "references to %s", dev_name(dev));
}

static void vb2_dc_test_mmap_alloc(struct kunit *test)
{
	const struct vb2dct_plane *p = test->param_value;

	vb2dct_check_plane(test, vb2dct_device(test, "vb2dc-dev64", 64, 0), p);
	vb2dct_check_plane(test, vb2dct_device(test, "vb2dc-dev32", 32, 0), p);
}

/* A plane the system cannot hold: -ENOMEM, and nothing kept. */
static void vb2_dc_test_mmap_alloc_fail(struct kunit *test)
{
	const struct vb2dct_plane *p = test->param_value;
	struct device *dev = vb2dct_device(test, "vb2dc-dev0", 64, 0);
	unsigned long size = 2 * (totalram_pages() << PAGE_SHIFT);
	unsigned int refs = vb2dct_dev_refs(dev);
	struct vb2dct_buf *b = vb2dct_plane_buf(test, dev, p);
	void *priv;

	/* no allocation-failure report for a request that cannot succeed */
	b->q.gfp_flags = __GFP_NOWARN;
	priv = vb2dct_keep(test, b, VB2DCT_MMAP,
			   vb2_dma_contig_memops.alloc(&b->vb, dev, size));
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(priv), -ENOMEM);
	KUNIT_EXPECT_EQ(test, vb2dct_dev_refs(dev), refs);

	/* The size was the reason: a plane of 64 KiB comes. */
	b = vb2dct_mmap(test, dev, SZ_64K, p);
	KUNIT_EXPECT_EQ(test, vb2dct_users(b), 1U);
	vb2dct_drop(test, b);
	KUNIT_EXPECT_EQ(test, vb2dct_dev_refs(dev), refs);
}

static const struct vb2dct_sync vb2dct_mmap_syncs[] = {
	{ "coherent", false, DMA_BIDIRECTIONAL },
	{ "coherent capture", false, DMA_FROM_DEVICE },
	{ "non-coherent", true, DMA_BIDIRECTIONAL },
	{ "non-coherent capture", true, DMA_FROM_DEVICE },
	{ "non-coherent output", true, DMA_TO_DEVICE },
	{ "non-coherent, no clean at prepare", true, DMA_BIDIRECTIONAL,
	  true, false },
	{ "non-coherent, no invalidate at finish", true, DMA_BIDIRECTIONAL,
	  false, true },
	{ "non-coherent, no cache maintenance", true, DMA_BIDIRECTIONAL,
	  true, true },
};

KUNIT_ARRAY_PARAM_DESC(vb2dct_mmap_syncs, vb2dct_mmap_syncs, name);

/*
 * Coherent planes are never synced.  Non-coherent ones are synced whole,
 * once for the device at prepare and once for the CPU at finish (not when
 * the device only read), unless the buffer's hints skip it; neither maps
 * anything.
 */
static void vb2_dc_test_mmap_syncs(struct kunit *test)
{
	const struct vb2dct_sync *p = test->param_value;
	const struct vb2dct_plane plane = {
		p->name, p->non_coherent, 0, p->dir,
	};
	struct device *dev = vb2dct_device(test, "vb2dc-dev0", 64, 0);
	int to_dev = p->non_coherent && !p->skip_prepare;
	int to_cpu = p->non_coherent && vb2dct_finish_syncs(p);
	const size_t size = SZ_64K;
	struct vb2dct_count *c;
	struct vb2dct_buf *b;
	unsigned int round;

	b = vb2dct_mmap(test, dev, size, &plane);
	vb2dct_set_hints(b, p);
	/* with a kernel mapping, which is part of the maintenance */
	KUNIT_EXPECT_NOT_NULL(test, vb2dct_vaddr(b));
	c = vb2dct_count_start(test, dev);

	for (round = 0; round < 2; round++) {
		vb2dct_prepare(b);
		vb2dct_expect_syncs(test, "prepare", c, to_dev, 0, p->dir,
				    to_dev * size);
		vb2dct_finish(b);
		vb2dct_expect_syncs(test, "finish", c, 0, to_cpu, p->dir,
				    to_cpu * size);
	}
	vb2dct_drop(test, b);
}

static int vb2dct_fop_mmap(struct file *file, struct vm_area_struct *vma)
{
	return vb2_dma_contig_memops.mmap(file->private_data, vma);
}

/* A stand-in for a video device file, whose mmap() is vb2_mmap(). */
static const struct file_operations vb2dct_fops = {
	.owner = THIS_MODULE,
	.mmap = vb2dct_fop_mmap,
};

static void vb2dct_fput(void *data)
{
	fput(data);
	flush_delayed_fput();
}

/*
 * A userspace mapping of a plane shows its memory and holds a reference
 * on it until it is unmapped.
 */
static void vb2_dc_test_mmap_user_mapping(struct kunit *test)
{
	const struct vb2dct_plane *p = test->param_value;
	struct device *dev = vb2dct_device(test, "vb2dc-dev0", 64, 0);
	const size_t size = SZ_16K;
	struct vb2dct_buf *b;
	unsigned long uaddr;
	struct file *file;
	u8 *mem;

	b = vb2dct_mmap(test, dev, size, p);
	mem = vb2dct_view(test, b);
	vb2dct_fill(mem, 0, size, VB2DCT_OLD);
	file = anon_inode_getfile("vb2dc-kunit", &vb2dct_fops, b->priv,
				  O_RDWR);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, vb2dct_fput,
							file), 0);

	uaddr = vb2dct_vm_mmap(test, file, size, PROT_READ | PROT_WRITE,
			       MAP_SHARED);
	KUNIT_EXPECT_EQ(test, vb2dct_users(b), 2U);
	vb2dct_expect(test, "read through the user mapping",
		      vb2dct_user_read(test, uaddr, size), size, VB2DCT_OLD);
	vb2dct_user_fill(test, uaddr, size, VB2DCT_CPU);
	vb2dct_expect(test, "the plane written through the user mapping", mem,
		      size, VB2DCT_CPU);

	KUNIT_EXPECT_EQ(test, vm_munmap(uaddr, size), 0);
	KUNIT_EXPECT_EQ(test, vb2dct_users(b), 1U);
	kunit_release_action(test, vb2dct_fput, file);
	vb2dct_drop(test, b);
}

/*
 * vb2_dma_contig_set_max_seg_size() raises a device's segment limit (and
 * never lowers it), so that it imports exported planes in one segment;
 * a device without DMA parameters has no limit to raise.
 */
static void vb2_dc_test_set_max_seg_size(struct kunit *test)
{
	static const struct vb2dct_plane plane = {
		"coherent", false, 0, DMA_BIDIRECTIONAL,
	};
	struct device *dev0 = vb2dct_device(test, "vb2dc-owner", 64, 0);
	struct device *dev1 = vb2dct_device(test, "vb2dc-importer", 64,
					    SZ_64K);
	const size_t size = SZ_256K;
	struct vb2dct_mapping *m;
	struct dma_buf *dmabuf;
	struct vb2dct_buf *b;

	KUNIT_EXPECT_EQ(test, vb2_dma_contig_set_max_seg_size(dev1, SZ_4M), 0);
	KUNIT_EXPECT_EQ(test, dma_get_max_seg_size(dev1), (unsigned int)SZ_4M);
	KUNIT_EXPECT_EQ(test, vb2_dma_contig_set_max_seg_size(dev1, SZ_4K), 0);
	KUNIT_EXPECT_EQ(test, dma_get_max_seg_size(dev1), (unsigned int)SZ_4M);
	KUNIT_EXPECT_EQ(test, vb2_dma_contig_set_max_seg_size(dev0, SZ_4M),
			-ENODEV);
	KUNIT_EXPECT_EQ(test, dma_get_max_seg_size(dev0), (unsigned int)SZ_64K);

	if (dma_max_mapping_size(dev1) < size)
		kunit_skip(test, "%s maps at most %zu bytes at once",
			   dev_name(dev1), dma_max_mapping_size(dev1));
	b = vb2dct_mmap(test, dev0, size, &plane);
	dmabuf = vb2dct_export(test, b);
	m = vb2dct_map(test, vb2dct_attach(test, dmabuf, dev1), DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, m->sgt->nents, 1U);
	KUNIT_EXPECT_EQ(test, sg_dma_len(m->sgt->sgl), (unsigned int)size);

	vb2dct_unmap(test, m);
	vb2dct_detach(test, m->att);
	vb2dct_unexport(test, dmabuf);
	vb2dct_drop(test, b);
}

/* ------------------------------------------------------------------------
 * USERPTR planes
 */

/*
 * A one-page USERPTR plane whose mapping for @dev bounces, at *@uaddr in a
 * new user mapping whose pages hold the VB2DCT_OLD pattern.
 */
static struct vb2dct_buf *vb2dct_userptr_bounced(struct kunit *test,
						 struct device *dev,
						 enum dma_data_direction dir,
						 unsigned long *uaddr)
{
	struct vb2dct_buf *b;
	unsigned long base;
	unsigned int i;

	base = vb2dct_user_map(test, VB2DCT_USER_TRIES * PAGE_SIZE,
			       PROT_READ | PROT_WRITE, MAP_PRIVATE);
	vb2dct_user_fill_pages(test, base, VB2DCT_USER_TRIES, VB2DCT_OLD);
	for (i = 0; i < VB2DCT_USER_TRIES; i++) {
		*uaddr = base + i * PAGE_SIZE;
		b = vb2dct_userptr(test, dev, dir, *uaddr, PAGE_SIZE);
		if (vb2dct_bounces(dev, vb2dct_dma(test, b)))
			return b;
		vb2dct_drop(test, b);
	}
	kunit_skip(test, "no user page above 4 GiB");
	return NULL;
}

/*
 * Through a bounce buffer: what the CPU wrote reaches the device at
 * prepare, what the device wrote reaches the CPU at finish (nothing to
 * bring after a device that only read), one sync each, none before and
 * none when the buffer's hints skip them.
 */
static void vb2_dc_test_userptr_coherency(struct kunit *test)
{
	const struct vb2dct_sync *p = test->param_value;
	struct device *dev = vb2dct_bounce_device(test, "vb2dc-dev0");
	bool to_dev = !p->skip_prepare, to_cpu = vb2dct_finish_syncs(p);
	const size_t size = PAGE_SIZE;
	struct vb2dct_count *c;
	struct vb2dct_buf *b;
	unsigned long uaddr;
	u8 *view;

	b = vb2dct_userptr_bounced(test, dev, p->dir, &uaddr);
	vb2dct_set_hints(b, p);
	view = vb2dct_view(test, b);
	vb2dct_expect(test, "the device's copy when mapped", view, size,
		      VB2DCT_OLD);
	KUNIT_EXPECT_TRUE(test, vb2dct_user_pinned(test, uaddr));
	c = vb2dct_count_try(test, dev);

	vb2dct_user_fill(test, uaddr, size, VB2DCT_CPU);
	vb2dct_expect(test, "the device's copy before prepare", view, size,
		      VB2DCT_OLD);
	vb2dct_prepare(b);
	vb2dct_expect_syncs(test, "prepare", c, to_dev, 0, p->dir,
			    to_dev * size);
	vb2dct_expect(test, "the device's copy after prepare", view, size,
		      vb2dct_prepare_copies(p) ? VB2DCT_CPU : VB2DCT_OLD);

	if (p->dir != DMA_TO_DEVICE)
		vb2dct_fill(view, 0, size, VB2DCT_DEV);
	vb2dct_expect(test, "user memory before finish",
		      vb2dct_user_read(test, uaddr, size), size, VB2DCT_CPU);
	vb2dct_finish(b);
	vb2dct_expect_syncs(test, "finish", c, 0, to_cpu, p->dir,
			    to_cpu * size);
	vb2dct_expect(test, "user memory after finish",
		      vb2dct_user_read(test, uaddr, size), size,
		      to_cpu ? VB2DCT_DEV : VB2DCT_CPU);

	vb2dct_drop(test, b);
	KUNIT_EXPECT_FALSE(test, vb2dct_user_pinned(test, uaddr));
}

struct vb2dct_span {
	const char *name;
	size_t off;		/* in the page */
	size_t len;
};

static const struct vb2dct_span vb2dct_spans[] = {
	{ "one page", 0, PAGE_SIZE },
	{ "misaligned", 5, PAGE_SIZE - 37 },
};

KUNIT_ARRAY_PARAM_DESC(vb2dct_spans, vb2dct_spans, name);

/*
 * A USERPTR plane is the user's bytes: its DMA address and its kernel
 * mapping start at the first of them, and its pages stay pinned until
 * put_userptr().  Address and size need only the DMA cache alignment,
 * which is one byte on cache-coherent machines; otherwise a misaligned
 * plane is refused with -EINVAL.
 */
static void vb2_dc_test_userptr_layout(struct kunit *test)
{
	const struct vb2dct_span *s = test->param_value;
	struct device *dev = vb2dct_device(test, "vb2dc-dev0", 64, 0);
	unsigned int refs = vb2dct_dev_refs(dev);
	struct vb2dct_buf *b;
	unsigned long uaddr;
	dma_addr_t dma;
	u8 *vaddr;

	uaddr = vb2dct_user_map(test, PAGE_SIZE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE);
	vb2dct_user_fill(test, uaddr, PAGE_SIZE, VB2DCT_CPU2);
	uaddr += s->off;
	vb2dct_user_fill(test, uaddr, s->len, VB2DCT_OLD);

	if (!IS_ALIGNED(uaddr | s->len, dma_get_cache_alignment())) {
		KUNIT_EXPECT_EQ(test,
				vb2dct_userptr_err(test, dev, DMA_BIDIRECTIONAL,
						   uaddr, s->len),
				-EINVAL);
		KUNIT_EXPECT_FALSE(test, vb2dct_user_pinned(test, uaddr));
		KUNIT_EXPECT_EQ(test, vb2dct_dev_refs(dev), refs);
		return;
	}

	b = vb2dct_userptr(test, dev, DMA_BIDIRECTIONAL, uaddr, s->len);
	KUNIT_EXPECT_TRUE(test, vb2dct_user_pinned(test, uaddr));
	dma = vb2dct_dma(test, b);
	if (!vb2dct_bounces(dev, dma))
		KUNIT_EXPECT_EQ(test, dma_to_phys(dev, dma),
				vb2dct_user_phys(test, uaddr));
	vb2dct_expect(test, "the device's view", vb2dct_view(test, b), s->len,
		      VB2DCT_OLD);

	vaddr = vb2dct_vaddr(b);
	KUNIT_ASSERT_NOT_NULL(test, vaddr);
	KUNIT_EXPECT_PTR_EQ(test, vb2dct_vaddr(b), vaddr);
	vb2dct_expect(test, "the kernel mapping", vaddr, s->len, VB2DCT_OLD);
	/* It maps the user's pages, not a copy. */
	vb2dct_fill(vaddr, 0, s->len, VB2DCT_DEV);
	vb2dct_expect(test, "user memory written through the kernel mapping",
		      vb2dct_user_read(test, uaddr, s->len), s->len,
		      VB2DCT_DEV);
	vb2dct_prepare(b);
	vb2dct_finish(b);

	vb2dct_drop(test, b);
	KUNIT_EXPECT_FALSE(test, vb2dct_user_pinned(test, uaddr));
	KUNIT_EXPECT_EQ(test, vb2dct_dev_refs(dev), refs);
}

static const enum dma_data_direction vb2dct_dirs[] = {
	DMA_FROM_DEVICE, DMA_TO_DEVICE, DMA_BIDIRECTIONAL,
};

/*
 * A range that is not mapped, wholly or in part, is refused with -EFAULT,
 * and the pages that could be pinned on the way are let go.
 */
static void vb2_dc_test_userptr_unmapped(struct kunit *test)
{
	struct device *dev = vb2dct_device(test, "vb2dc-dev0", 64, 0);
	unsigned int refs = vb2dct_dev_refs(dev), i;
	enum dma_data_direction dir;
	unsigned long uaddr;
	int ret;

	uaddr = vb2dct_user_map(test, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE);
	vb2dct_user_fill(test, uaddr, 2 * PAGE_SIZE, VB2DCT_OLD);
	KUNIT_ASSERT_EQ(test, vm_munmap(uaddr + PAGE_SIZE, PAGE_SIZE), 0);
	for (i = 0; i < ARRAY_SIZE(vb2dct_dirs); i++) {
		dir = vb2dct_dirs[i];
		ret = vb2dct_userptr_err(test, dev, dir, uaddr, 2 * PAGE_SIZE);
		KUNIT_EXPECT_EQ_MSG(test, ret, -EFAULT,
				    "second page unmapped, direction %d", dir);
	}
	KUNIT_EXPECT_FALSE(test, vb2dct_user_pinned(test, uaddr));

	KUNIT_ASSERT_EQ(test, vm_munmap(uaddr, PAGE_SIZE), 0);
	for (i = 0; i < ARRAY_SIZE(vb2dct_dirs); i++) {
		dir = vb2dct_dirs[i];
		ret = vb2dct_userptr_err(test, dev, dir, uaddr, PAGE_SIZE);
		KUNIT_EXPECT_EQ_MSG(test, ret, -EFAULT,
				    "nothing mapped, direction %d", dir);
	}
	KUNIT_EXPECT_EQ(test, vb2dct_dev_refs(dev), refs);
}

/*
 * A read-only mapping backs output planes only: a device that writes needs
 * writable pages, and is refused with -EFAULT.
 */
static void vb2_dc_test_userptr_read_only(struct kunit *test)
{
	struct device *dev = vb2dct_device(test, "vb2dc-dev0", 64, 0);
	unsigned int refs = vb2dct_dev_refs(dev);
	struct vb2dct_buf *b;
	unsigned long uaddr;
	u8 *seen;

	/* Shared, so that reading it gives it a page of its own. */
	uaddr = vb2dct_user_map(test, PAGE_SIZE, PROT_READ, MAP_SHARED);
	seen = vb2dct_user_read(test, uaddr, PAGE_SIZE);
	KUNIT_EXPECT_NULL(test, memchr_inv(seen, 0, PAGE_SIZE));

	KUNIT_EXPECT_EQ(test, vb2dct_userptr_err(test, dev, DMA_FROM_DEVICE,
						 uaddr, PAGE_SIZE), -EFAULT);
	KUNIT_EXPECT_EQ(test, vb2dct_userptr_err(test, dev, DMA_BIDIRECTIONAL,
						 uaddr, PAGE_SIZE), -EFAULT);
	KUNIT_EXPECT_FALSE(test, vb2dct_user_pinned(test, uaddr));
	KUNIT_EXPECT_EQ(test, vb2dct_dev_refs(dev), refs);

	b = vb2dct_userptr(test, dev, DMA_TO_DEVICE, uaddr, PAGE_SIZE);
	KUNIT_EXPECT_TRUE(test, vb2dct_user_pinned(test, uaddr));
	KUNIT_EXPECT_NULL(test, memchr_inv(vb2dct_view(test, b), 0, PAGE_SIZE));
	vb2dct_prepare(b);
	vb2dct_finish(b);
	vb2dct_drop(test, b);
	KUNIT_EXPECT_FALSE(test, vb2dct_user_pinned(test, uaddr));
	KUNIT_EXPECT_EQ(test, vb2dct_dev_refs(dev), refs);
}

/*
 * Two user pages that are not physically adjacent are two DMA ranges for a
 * device without an IOMMU: refused with -EFAULT, nothing left pinned.
 * Each page alone is one range.
 */
static void vb2_dc_test_userptr_noncontig(struct kunit *test)
{
	struct device *dev = vb2dct_device(test, "vb2dc-dev0", 64, 0);
	unsigned int refs = vb2dct_dev_refs(dev), i;
	struct page *pages[VB2DCT_GAP_PAGES];
	unsigned long base, uaddr = 0;
	struct vb2dct_buf *b;

	if (is_swiotlb_force_bounce(dev))
		kunit_skip(test, "swiotlb bounces every mapping");
	base = vb2dct_user_map(test, VB2DCT_GAP_PAGES * PAGE_SIZE,
			       PROT_READ | PROT_WRITE, MAP_PRIVATE);
	vb2dct_user_fill_pages(test, base, VB2DCT_GAP_PAGES, VB2DCT_OLD);
	KUNIT_ASSERT_EQ(test, get_user_pages_fast(base, VB2DCT_GAP_PAGES, 0,
						  pages), VB2DCT_GAP_PAGES);
	for (i = VB2DCT_GAP_PAGES - 1; i > 0; i--)
		if (page_to_pfn(pages[i]) != page_to_pfn(pages[i - 1]) + 1)
			uaddr = base + (i - 1) * PAGE_SIZE;
	for (i = 0; i < VB2DCT_GAP_PAGES; i++)
		put_page(pages[i]);
	if (!uaddr)
		kunit_skip(test, "the user pages are physically contiguous");

	KUNIT_EXPECT_EQ(test, vb2dct_userptr_err(test, dev, DMA_BIDIRECTIONAL,
						 uaddr, 2 * PAGE_SIZE),
			-EFAULT);
	KUNIT_EXPECT_FALSE(test, vb2dct_user_pinned(test, uaddr));
	KUNIT_EXPECT_FALSE(test, vb2dct_user_pinned(test, uaddr + PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, vb2dct_dev_refs(dev), refs);

	for (i = 0; i < 2; i++) {
		b = vb2dct_userptr(test, dev, DMA_BIDIRECTIONAL,
				   uaddr + i * PAGE_SIZE, PAGE_SIZE);
		vb2dct_expect(test, "one page alone", vb2dct_view(test, b),
			      PAGE_SIZE, VB2DCT_OLD);
		vb2dct_drop(test, b);
	}
	KUNIT_EXPECT_EQ(test, vb2dct_dev_refs(dev), refs);
}

/* ------------------------------------------------------------------------
 * DMABUF export of MMAP planes
 */

struct vb2dct_seg {
	const char *name;
	bool non_coherent;
	unsigned int bits;	/* of the importer's DMA mask */
	unsigned int max_seg;	/* 0: no DMA parameters, so 64 KiB */
	unsigned long size;
};

static const struct vb2dct_seg vb2dct_segs[] = {
	{ "4 KiB segments, coherent", false, 64, SZ_4K, SZ_64K },
	{ "4 KiB segments, non-coherent", true, 64, SZ_4K, SZ_64K },
	{ "16 KiB segments", false, 64, SZ_16K, SZ_64K },
	{ "64 KiB segments by default", true, 64, 0, SZ_256K },
	{ "32-bit importer, one bounce buffer per segment", false, 32,
	  UINT_MAX, SZ_512K },
};

KUNIT_ARRAY_PARAM_DESC(vb2dct_segs, vb2dct_segs, name);

/*
 * Each importer gets a table of the plane cut for it: no segment longer
 * than its segment limit or than it can map at once (one swiotlb bounce
 * buffer for a 32-bit device on a machine with memory above 4 GiB), as
 * few segments as that allows, and the plane's bytes in order.
 */
static void vb2_dc_test_export_segments(struct kunit *test)
{
	const struct vb2dct_seg *s = test->param_value;
	const struct vb2dct_plane plane = {
		s->name, s->non_coherent, 0, DMA_BIDIRECTIONAL,
	};
	/*
	 * The owner takes the plane as one segment, as a dma-contig driver
	 * declares with vb2_dma_contig_set_max_seg_size(); DMA-API debugging
	 * checks a non-coherent allocation against that limit.
	 */
	struct device *dev0 = vb2dct_device(test, "vb2dc-owner", 64, s->size);
	struct device *dev1 = vb2dct_device(test, "vb2dc-importer", s->bits,
					    s->max_seg);
	size_t limit, len, total = 0;
	struct vb2dct_mapping *m;
	struct scatterlist *sg;
	struct dma_buf *dmabuf;
	struct vb2dct_buf *b;
	unsigned int i;
	u8 *copy;

	limit = min_t(size_t, dma_get_max_seg_size(dev1),
		      dma_max_mapping_size(dev1)) & PAGE_MASK;
	if (limit >= s->size)
		kunit_skip(test, "%s maps the plane in one segment",
			   dev_name(dev1));
	copy = kunit_kzalloc(test, s->size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, copy);

	b = vb2dct_mmap(test, dev0, s->size, &plane);
	vb2dct_fill(vb2dct_view(test, b), 0, s->size, VB2DCT_OLD);
	dmabuf = vb2dct_export(test, b);
	m = vb2dct_map(test, vb2dct_attach(test, dmabuf, dev1), DMA_TO_DEVICE);

	KUNIT_EXPECT_EQ(test, m->sgt->nents,
			(unsigned int)DIV_ROUND_UP(s->size, limit));
	for_each_sgtable_dma_sg(m->sgt, sg, i) {
		len = sg_dma_len(sg);
		KUNIT_EXPECT_LE_MSG(test, len, limit, "segment %u", i);
		if (len <= s->size - total)
			memcpy(copy + total,
			       vb2dct_dev_va(dev1, sg_dma_address(sg)), len);
		total += len;
	}
	KUNIT_EXPECT_EQ(test, total, (size_t)s->size);
	vb2dct_expect(test, "the importer's view", copy, s->size, VB2DCT_OLD);
	sg = m->sgt->sgl;
	if (!vb2dct_bounces(dev1, sg_dma_address(sg)))
		KUNIT_EXPECT_EQ(test, dma_to_phys(dev1, sg_dma_address(sg)),
				dma_to_phys(dev0, vb2dct_dma(test, b)));

	vb2dct_unmap(test, m);
	vb2dct_detach(test, m->att);
	vb2dct_unexport(test, dmabuf);
	KUNIT_EXPECT_EQ(test, vb2dct_users(b), 1U);
	vb2dct_drop(test, b);
}

/*
 * An attachment keeps its mapping from its first map until it is detached
 * or mapped in another direction: mapping again gives the same table
 * without a new dma_map_sg(), and unmapping unmaps nothing.
 */
static void vb2_dc_test_export_map_kept(struct kunit *test)
{
	static const struct vb2dct_plane owner = {
		"non-coherent output", true, 0, DMA_TO_DEVICE,
	};
	struct device *dev0 = vb2dct_device(test, "vb2dc-owner", 64, 0);
	struct device *dev1 = vb2dct_device(test, "vb2dc-importer", 64,
					    SZ_4K);
	struct dma_buf_pages_attachment *a;
	struct dma_buf_attachment *att;
	struct vb2dct_mapping *m;
	struct sg_table *first;
	struct dma_buf *dmabuf;
	struct vb2dct_count *c;
	struct vb2dct_tally t;
	struct vb2dct_buf *b;
	dma_addr_t addr;

	b = vb2dct_mmap(test, dev0, SZ_16K, &owner);
	dmabuf = vb2dct_export(test, b);
	c = vb2dct_count_start(test, dev1);
	att = vb2dct_attach(test, dmabuf, dev1);
	a = att->priv;
	KUNIT_EXPECT_FALSE(test, a->mapped);

	m = vb2dct_map(test, att, DMA_TO_DEVICE);
	vb2dct_take(c, &t);
	KUNIT_EXPECT_EQ(test, t.maps, 1);
	KUNIT_EXPECT_EQ(test, m->sgt->nents, 4U);
	first = m->sgt;
	addr = sg_dma_address(m->sgt->sgl);
	vb2dct_unmap(test, m);
	vb2dct_take(c, &t);
	KUNIT_EXPECT_EQ(test, t.unmaps, 0);
	KUNIT_EXPECT_TRUE(test, a->mapped);

	m = vb2dct_map(test, att, DMA_TO_DEVICE);
	vb2dct_take(c, &t);
	KUNIT_EXPECT_EQ(test, t.maps, 0);
	KUNIT_EXPECT_EQ(test, m->sgt->nents, 4U);
	KUNIT_EXPECT_EQ(test, sg_dma_address(m->sgt->sgl), addr);
	/* DMABUF_DEBUG hands importers a copy of the exporter's table. */
	if (!IS_ENABLED(CONFIG_DMABUF_DEBUG))
		KUNIT_EXPECT_PTR_EQ(test, m->sgt, first);
	vb2dct_unmap(test, m);

	m = vb2dct_map(test, att, DMA_FROM_DEVICE);
	vb2dct_take(c, &t);
	KUNIT_EXPECT_EQ(test, t.unmaps, 1);
	KUNIT_EXPECT_EQ(test, t.maps, 1);
	KUNIT_EXPECT_EQ(test, a->dir, DMA_FROM_DEVICE);
	vb2dct_unmap(test, m);
	KUNIT_EXPECT_TRUE(test, a->mapped);

	vb2dct_detach(test, att);
	vb2dct_take(c, &t);
	KUNIT_EXPECT_EQ(test, t.unmaps, 1);
	KUNIT_EXPECT_EQ(test, t.maps, 0);

	vb2dct_unexport(test, dmabuf);
	KUNIT_EXPECT_EQ(test, vb2dct_users(b), 1U);
	vb2dct_drop(test, b);
}

/*
 * What a device wrote into its bounce buffer reaches the CPU at
 * begin_cpu_access, or for the range of a partial one only, with one sync
 * of that mapping; end_cpu_access after reading syncs nothing.
 */
static void vb2_dc_test_export_cpu_reads(struct kunit *test)
{
	const struct vb2dct_plane *p = test->param_value;
	struct device *dev0 = vb2dct_device(test, "vb2dc-owner", 64, 0);
	struct device *dev1 = vb2dct_bounce_device(test, "vb2dc-importer");
	const size_t size = PAGE_SIZE, off = VB2DCT_PART_OFF;
	const size_t len = VB2DCT_PART_LEN;
	struct vb2dct_att_count ac;
	struct vb2dct_mapping *m;
	struct dma_buf *dmabuf;
	struct vb2dct_kmap *k;
	struct vb2dct_buf *b;
	u8 *cpu, *view;

	b = vb2dct_mmap_high(test, dev0, p, !is_swiotlb_force_bounce(dev1));
	dmabuf = vb2dct_export(test, b);
	k = vb2dct_vmap(test, dmabuf);
	cpu = k->map.vaddr;
	vb2dct_fill(cpu, 0, size, VB2DCT_OLD);
	m = vb2dct_map(test, vb2dct_attach(test, dmabuf, dev1),
		       DMA_FROM_DEVICE);
	view = vb2dct_bounce_view(test, m, size);
	vb2dct_att_start(&ac, vb2dct_pages_att(m));
	KUNIT_EXPECT_TRUE(test, ac.a->need_sync);

	vb2dct_fill(view, 0, size, VB2DCT_DEV);
	vb2dct_expect(test, "the CPU's view before begin_cpu_access", cpu,
		      size, VB2DCT_OLD);
	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(dmabuf, DMA_FROM_DEVICE),
			0);
	vb2dct_att_expect(test, "begin_cpu_access", &ac, 0, 1);
	vb2dct_expect(test, "the CPU's view after begin_cpu_access", cpu, size,
		      VB2DCT_DEV);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(dmabuf, DMA_FROM_DEVICE),
			0);
	vb2dct_att_expect(test, "end_cpu_access after reading", &ac, 0, 0);

	vb2dct_fill(view, 0, size, VB2DCT_DEV2);
	KUNIT_EXPECT_EQ(test,
			dma_buf_begin_cpu_access_partial(dmabuf,
							 DMA_FROM_DEVICE,
							 off, len), 0);
	vb2dct_att_expect(test, "partial begin_cpu_access", &ac, 0, 1);
	vb2dct_expect_part(test, "the CPU's view after a partial begin", cpu,
			   size, VB2DCT_DEV, off, len, VB2DCT_DEV2);
	KUNIT_EXPECT_EQ(test,
			dma_buf_end_cpu_access_partial(dmabuf, DMA_FROM_DEVICE,
						       off, len), 0);
	vb2dct_att_expect(test, "partial end_cpu_access after reading", &ac,
			  0, 0);

	vb2dct_unmap(test, m);
	vb2dct_detach(test, m->att);
	vb2dct_vunmap(test, k);
	vb2dct_unexport(test, dmabuf);
	KUNIT_EXPECT_EQ(test, vb2dct_users(b), 1U);
	vb2dct_drop(test, b);
}

/*
 * What the CPU wrote reaches a device's bounce buffer at end_cpu_access,
 * or for the range of a partial one only, with one sync of that mapping;
 * nothing after the CPU only read, and nothing at begin_cpu_access for a
 * device that only reads.
 */
static void vb2_dc_test_export_cpu_writes(struct kunit *test)
{
	const struct vb2dct_plane *p = test->param_value;
	struct device *dev0 = vb2dct_device(test, "vb2dc-owner", 64, 0);
	struct device *dev1 = vb2dct_bounce_device(test, "vb2dc-importer");
	const size_t size = PAGE_SIZE, off = VB2DCT_PART_OFF;
	const size_t len = VB2DCT_PART_LEN;
	struct vb2dct_att_count ac;
	struct vb2dct_mapping *m;
	struct dma_buf *dmabuf;
	struct vb2dct_kmap *k;
	struct vb2dct_buf *b;
	u8 *cpu, *view;

	b = vb2dct_mmap_high(test, dev0, p, !is_swiotlb_force_bounce(dev1));
	dmabuf = vb2dct_export(test, b);
	k = vb2dct_vmap(test, dmabuf);
	cpu = k->map.vaddr;
	vb2dct_fill(cpu, 0, size, VB2DCT_OLD);
	m = vb2dct_map(test, vb2dct_attach(test, dmabuf, dev1), DMA_TO_DEVICE);
	view = vb2dct_bounce_view(test, m, size);
	vb2dct_att_start(&ac, vb2dct_pages_att(m));
	vb2dct_expect(test, "the device's copy when mapped", view, size,
		      VB2DCT_OLD);

	KUNIT_EXPECT_EQ(test,
			dma_buf_begin_cpu_access(dmabuf, DMA_BIDIRECTIONAL), 0);
	vb2dct_att_expect(test, "begin_cpu_access", &ac, 0, 0);
	vb2dct_fill(cpu, 0, size, VB2DCT_CPU);
	vb2dct_expect(test, "the device's copy before end_cpu_access", view,
		      size, VB2DCT_OLD);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(dmabuf, DMA_BIDIRECTIONAL),
			0);
	vb2dct_att_expect(test, "end_cpu_access", &ac, 1, 0);
	vb2dct_expect(test, "the device's copy after end_cpu_access", view,
		      size, VB2DCT_CPU);

	vb2dct_fill(cpu, 0, size, VB2DCT_CPU2);
	KUNIT_EXPECT_EQ(test,
			dma_buf_end_cpu_access_partial(dmabuf, DMA_TO_DEVICE,
						       off, len), 0);
	vb2dct_att_expect(test, "partial end_cpu_access", &ac, 1, 0);
	vb2dct_expect_part(test, "the device's copy after a partial end", view,
			   size, VB2DCT_CPU, off, len, VB2DCT_CPU2);

	vb2dct_fill(cpu, 0, size, VB2DCT_OLD);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(dmabuf, DMA_FROM_DEVICE),
			0);
	vb2dct_att_expect(test, "end_cpu_access after reading", &ac, 0, 0);
	vb2dct_expect_part(test, "the device's copy after a read-only access",
			   view, size, VB2DCT_CPU, off, len, VB2DCT_CPU2);

	vb2dct_unmap(test, m);
	vb2dct_detach(test, m->att);
	vb2dct_vunmap(test, k);
	vb2dct_unexport(test, dmabuf);
	KUNIT_EXPECT_EQ(test, vb2dct_users(b), 1U);
	vb2dct_drop(test, b);
}

/* One call of the CPU access interface of a dma-buf. */
struct vb2dct_cpu_access {
	const char *name;
	bool end;
	enum dma_data_direction dir;
	bool partial;		/* over VB2DCT_PART_OFF and _LEN */
};

static const struct vb2dct_cpu_access vb2dct_cpu_accesses[] = {
	{ "begin_cpu_access", false, DMA_BIDIRECTIONAL, false },
	{ "end_cpu_access", true, DMA_BIDIRECTIONAL, false },
	{ "begin_cpu_access to read", false, DMA_FROM_DEVICE, false },
	{ "end_cpu_access after reading", true, DMA_FROM_DEVICE, false },
	{ "end_cpu_access after writing", true, DMA_TO_DEVICE, false },
	{ "partial begin_cpu_access", false, DMA_BIDIRECTIONAL, true },
	{ "partial end_cpu_access", true, DMA_TO_DEVICE, true },
	{ "partial end_cpu_access after reading", true, DMA_FROM_DEVICE, true },
};

static int vb2dct_cpu_access(struct dma_buf *dmabuf,
			     const struct vb2dct_cpu_access *x)
{
	if (x->partial && x->end)
		return dma_buf_end_cpu_access_partial(dmabuf, x->dir,
						      VB2DCT_PART_OFF,
						      VB2DCT_PART_LEN);
	if (x->partial)
		return dma_buf_begin_cpu_access_partial(dmabuf, x->dir,
							VB2DCT_PART_OFF,
							VB2DCT_PART_LEN);
	if (x->end)
		return dma_buf_end_cpu_access(dmabuf, x->dir);
	return dma_buf_begin_cpu_access(dmabuf, x->dir);
}

/*
 * The DMA syncs of CPU access, counted per device.  The owner's own
 * mapping of a non-coherent plane is synced once per call, over the range
 * of a partial call: for the CPU at begin (unless the owner only reads),
 * for the device at end (unless the CPU only read).  A coherent plane's
 * owner and an importer whose mapping needs no sync get none.
 */
static void vb2_dc_test_export_sync_counts(struct kunit *test)
{
	const struct vb2dct_plane *p = test->param_value;
	struct device *dev0 = vb2dct_device(test, "vb2dc-owner", 64, 0);
	struct device *dev1 = vb2dct_device(test, "vb2dc-importer", 64, 0);
	int own_cpu = p->non_coherent && p->dir != DMA_TO_DEVICE;
	const struct vb2dct_cpu_access *x;
	const size_t size = SZ_16K;
	struct vb2dct_count *c0, *c1;
	struct vb2dct_att_count ac;
	struct vb2dct_mapping *m;
	struct dma_buf *dmabuf;
	struct vb2dct_buf *b;
	unsigned int i;
	int syncs;

	if (is_swiotlb_force_bounce(dev1))
		kunit_skip(test, "swiotlb bounces every mapping");
	b = vb2dct_mmap(test, dev0, size, p);
	dmabuf = vb2dct_export(test, b);
	/* reading and writing: a sync in either direction would show */
	m = vb2dct_map(test, vb2dct_attach(test, dmabuf, dev1),
		       DMA_BIDIRECTIONAL);
	vb2dct_att_start(&ac, vb2dct_pages_att(m));
	KUNIT_EXPECT_FALSE(test, ac.a->need_sync);
	c0 = vb2dct_count_start(test, dev0);
	c1 = vb2dct_count_start(test, dev1);

	for (i = 0; i < ARRAY_SIZE(vb2dct_cpu_accesses); i++) {
		x = &vb2dct_cpu_accesses[i];
		if (x->end)
			syncs = p->non_coherent && x->dir != DMA_FROM_DEVICE;
		else
			syncs = own_cpu;
		KUNIT_EXPECT_EQ_MSG(test, vb2dct_cpu_access(dmabuf, x), 0, "%s",
				    x->name);
		vb2dct_expect_syncs(test, x->name, c0, x->end ? syncs : 0,
				    x->end ? 0 : syncs, p->dir,
				    syncs * (x->partial ? VB2DCT_PART_LEN :
						 size));
		vb2dct_expect_syncs(test, x->name, c1, 0, 0, DMA_NONE, 0);
	}
	vb2dct_att_expect(test, "all CPU accesses", &ac, 0, 0);

	vb2dct_unmap(test, m);
	vb2dct_detach(test, m->att);
	vb2dct_unexport(test, dmabuf);
	KUNIT_EXPECT_EQ(test, vb2dct_users(b), 1U);
	vb2dct_drop(test, b);
}

/*
 * Two attachments of one device have a bounce buffer each: each is synced
 * once per begin_cpu_access and once per end_cpu_access, no more, and both
 * get what the CPU wrote.
 */
static void vb2_dc_test_export_same_device(struct kunit *test)
{
	const struct vb2dct_plane *p = test->param_value;
	struct device *dev0 = vb2dct_device(test, "vb2dc-owner", 64, 0);
	struct device *dev1 = vb2dct_bounce_device(test, "vb2dc-importer");
	static const u8 seeds[] = { VB2DCT_CPU, VB2DCT_CPU2 };
	const size_t size = PAGE_SIZE;
	struct vb2dct_att_count ac[2];
	struct vb2dct_mapping *m[2];
	struct dma_buf *dmabuf;
	struct vb2dct_count *c;
	struct vb2dct_kmap *k;
	struct vb2dct_buf *b;
	unsigned int i, round;
	u8 *view[2];
	int ret;

	b = vb2dct_mmap_high(test, dev0, p, !is_swiotlb_force_bounce(dev1));
	dmabuf = vb2dct_export(test, b);
	k = vb2dct_vmap(test, dmabuf);
	vb2dct_fill(k->map.vaddr, 0, size, VB2DCT_OLD);
	for (i = 0; i < 2; i++) {
		m[i] = vb2dct_map(test, vb2dct_attach(test, dmabuf, dev1),
				  DMA_BIDIRECTIONAL);
		view[i] = vb2dct_bounce_view(test, m[i], size);
		vb2dct_att_start(&ac[i], vb2dct_pages_att(m[i]));
	}
	KUNIT_ASSERT_PTR_NE(test, view[0], view[1]);
	c = vb2dct_count_try(test, dev1);

	for (round = 0; round < ARRAY_SIZE(seeds); round++) {
		ret = dma_buf_begin_cpu_access(dmabuf, DMA_BIDIRECTIONAL);
		KUNIT_EXPECT_EQ(test, ret, 0);
		vb2dct_fill(k->map.vaddr, 0, size, seeds[round]);
		ret = dma_buf_end_cpu_access(dmabuf, DMA_TO_DEVICE);
		KUNIT_EXPECT_EQ(test, ret, 0);
		/* one segment each, both ways */
		vb2dct_expect_syncs(test, "CPU access", c, 2, 2,
				    DMA_BIDIRECTIONAL, 4 * size);
		for (i = 0; i < 2; i++) {
			vb2dct_att_expect(test, "CPU access", &ac[i], 1, 1);
			vb2dct_expect(test, "a device's copy after the access",
				      view[i], size, seeds[round]);
		}
	}

	for (i = 0; i < 2; i++) {
		vb2dct_unmap(test, m[i]);
		vb2dct_detach(test, m[i]->att);
	}
	vb2dct_vunmap(test, k);
	vb2dct_unexport(test, dmabuf);
	KUNIT_EXPECT_EQ(test, vb2dct_users(b), 1U);
	vb2dct_drop(test, b);
}

/*
 * dma_buf_vmap() of an export gives the plane's own kernel mapping (made
 * on demand for a non-coherent plane); a coherent plane allocated without
 * one has none to give.
 */
static void vb2_dc_test_export_vmap(struct kunit *test)
{
	const struct vb2dct_plane *p = test->param_value;
	struct device *dev = vb2dct_device(test, "vb2dc-owner", 64, 0);
	const size_t size = SZ_16K;
	struct dma_buf *dmabuf;
	struct vb2dct_kmap *k;
	struct iosys_map map;
	struct vb2dct_buf *b;
	u8 *mem;
	int ret;

	b = vb2dct_mmap(test, dev, size, p);
	mem = vb2dct_view(test, b);
	vb2dct_fill(mem, 0, size, VB2DCT_OLD);
	dmabuf = vb2dct_export(test, b);

	if (!p->non_coherent && (p->attrs & DMA_ATTR_NO_KERNEL_MAPPING)) {
		KUNIT_EXPECT_NULL(test, vb2dct_vaddr(b));
		ret = dma_buf_vmap_unlocked(dmabuf, &map);
		KUNIT_EXPECT_EQ(test, ret, -EINVAL);
		if (!ret)
			dma_buf_vunmap_unlocked(dmabuf, &map);
	} else {
		/* Through the dma-buf first: it makes the mapping. */
		k = vb2dct_vmap(test, dmabuf);
		KUNIT_EXPECT_PTR_EQ(test, (u8 *)k->map.vaddr, vb2dct_vaddr(b));
		vb2dct_expect(test, "the dma-buf's kernel mapping",
			      k->map.vaddr, size, VB2DCT_OLD);
		vb2dct_fill(k->map.vaddr, 0, size, VB2DCT_CPU);
		vb2dct_expect(test, "the plane written through it", mem, size,
			      VB2DCT_CPU);
		vb2dct_vunmap(test, k);
	}

	vb2dct_unexport(test, dmabuf);
	KUNIT_EXPECT_EQ(test, vb2dct_users(b), 1U);
	vb2dct_drop(test, b);
}

/* mmap() of an export shows the plane, with or without a kernel mapping. */
static void vb2_dc_test_export_mmap(struct kunit *test)
{
	const struct vb2dct_plane *p = test->param_value;
	struct device *dev = vb2dct_device(test, "vb2dc-owner", 64, 0);
	const size_t size = SZ_16K;
	struct dma_buf *dmabuf;
	struct vb2dct_buf *b;
	unsigned long uaddr;
	u8 *mem;

	b = vb2dct_mmap(test, dev, size, p);
	mem = vb2dct_view(test, b);
	vb2dct_fill(mem, 0, size, VB2DCT_OLD);
	dmabuf = vb2dct_export(test, b);

	uaddr = vb2dct_vm_mmap(test, dmabuf->file, size,
			       PROT_READ | PROT_WRITE, MAP_SHARED);
	vb2dct_expect(test, "read through the mapping",
		      vb2dct_user_read(test, uaddr, size), size, VB2DCT_OLD);
	vb2dct_user_fill(test, uaddr, size, VB2DCT_CPU);
	vb2dct_expect(test, "the plane written through the mapping", mem,
		      size, VB2DCT_CPU);
	KUNIT_EXPECT_EQ(test, vm_munmap(uaddr, size), 0);

	/* The mapping held the dma-buf; now nothing does. */
	vb2dct_unexport(test, dmabuf);
	KUNIT_EXPECT_EQ(test, vb2dct_users(b), 1U);
	vb2dct_drop(test, b);
}

/*
 * Each export holds the plane: num_users counts them, and the memory is
 * freed only once the queue and every export have let go, in any order.
 */
static void vb2_dc_test_export_lifetime(struct kunit *test)
{
	const struct vb2dct_plane *p = test->param_value;
	struct device *dev = vb2dct_device(test, "vb2dc-owner", 64, 0);
	const size_t size = SZ_16K;
	struct dma_buf *first, *second;
	struct vb2dct_count *c;
	struct vb2dct_kmap *k;
	struct vb2dct_tally t;
	struct vb2dct_buf *b;
	u8 *vaddr;

	c = vb2dct_count_start(test, dev);
	b = vb2dct_mmap(test, dev, size, p);
	vaddr = vb2dct_vaddr(b);
	KUNIT_ASSERT_NOT_NULL(test, vaddr);
	vb2dct_fill(vaddr, 0, size, VB2DCT_CPU);
	KUNIT_EXPECT_EQ(test, vb2dct_users(b), 1U);
	first = vb2dct_export(test, b);
	KUNIT_EXPECT_EQ(test, vb2dct_users(b), 2U);
	second = vb2dct_export(test, b);
	KUNIT_EXPECT_EQ(test, vb2dct_users(b), 3U);
	KUNIT_EXPECT_PTR_NE(test, first, second);
	vb2dct_unexport(test, first);
	KUNIT_EXPECT_EQ(test, vb2dct_users(b), 2U);

	/* The queue lets go first: the export keeps the memory. */
	vb2dct_drop(test, b);
	vb2dct_take(c, &t);
	KUNIT_EXPECT_EQ(test, t.frees, 0);
	k = vb2dct_vmap(test, second);
	KUNIT_EXPECT_PTR_EQ(test, (u8 *)k->map.vaddr, vaddr);
	vb2dct_expect(test, "the plane after put, through the export",
		      k->map.vaddr, size, VB2DCT_CPU);
	vb2dct_vunmap(test, k);
	vb2dct_take(c, &t);
	KUNIT_EXPECT_EQ(test, t.frees, 0);

	vb2dct_unexport(test, second);
	vb2dct_take(c, &t);
	KUNIT_EXPECT_EQ(test, t.frees, 1);
}

/* ------------------------------------------------------------------------
 * DMABUF import
 */

struct vb2dct_layout {
	const char *name;
	unsigned int nr;		/* pages exported */
	u8 idx[VB2DCT_BLOCK_PAGES];	/* which pages of the block, in order */
	unsigned int used;		/* pages the plane takes */
	int err;			/* what map_dmabuf() gives */
};

static const struct vb2dct_layout vb2dct_layouts[] = {
	{ "contiguous", 4, { 0, 1, 2, 3 }, 4, 0 },
	{ "with a gap", 2, { 0, 2 }, 2, -EFAULT },
	{ "reversed", 2, { 1, 0 }, 2, -EFAULT },
	{ "contiguous over the plane", 3, { 0, 1, 3 }, 2, 0 },
	{ "contiguous over part of the plane", 3, { 0, 1, 3 }, 3, -EFAULT },
};

KUNIT_ARRAY_PARAM_DESC(vb2dct_layouts, vb2dct_layouts, name);

/*
 * An imported dma-buf must be one range of DMA addresses over the plane:
 * then the plane's DMA address is its first byte's, its kernel mapping is
 * the dma-buf's, and a mapping that needs no sync gets none.  Otherwise
 * map_dmabuf() fails with -EFAULT and leaves nothing mapped.
 */
static void vb2_dc_test_import_map(struct kunit *test)
{
	const struct vb2dct_layout *l = test->param_value;
	struct device *dev = vb2dct_device(test, "vb2dc-dev0", 64, 0);
	unsigned int refs = vb2dct_dev_refs(dev);
	const size_t size = l->used * PAGE_SIZE;
	struct dma_buf_attachment *att;
	struct vb2dct_att_count ac;
	struct vb2dct_texp *t;
	struct vb2dct_kmap *k;
	struct vb2dct_buf *b;
	u8 *vaddr;
	int ret;

	if (is_swiotlb_force_bounce(dev))
		kunit_skip(test, "swiotlb bounces every mapping");
	t = vb2dct_texp_new(test, l->idx, l->nr, false);
	b = vb2dct_import(test, dev, t->dmabuf, size, DMA_TO_DEVICE);
	att = vb2dct_attachment_of(t->dmabuf, dev);
	KUNIT_ASSERT_NOT_NULL(test, att);
	KUNIT_ASSERT_NOT_NULL(test, vb2dct_texp_att(t));
	vb2dct_att_start(&ac, vb2dct_texp_att(t));
	KUNIT_EXPECT_FALSE(test, ac.a->mapped);

	ret = vb2dct_map_dmabuf(b);
	KUNIT_EXPECT_EQ(test, ret, l->err);
	if (ret) {
		KUNIT_EXPECT_FALSE(test, ac.a->mapped);
		KUNIT_EXPECT_EQ(test, att->mapped, 0U);
	} else {
		KUNIT_EXPECT_TRUE(test, ac.a->mapped);
		KUNIT_EXPECT_EQ(test, ac.a->dir, DMA_TO_DEVICE);
		KUNIT_EXPECT_EQ(test, dma_to_phys(dev, vb2dct_dma(test, b)),
				page_to_phys(t->pages[0]));
		KUNIT_EXPECT_EQ(test, vb2_dma_contig_plane_dma_addr(&b->vb, 0),
				vb2dct_dma(test, b));
		vb2dct_expect(test, "the device's view", vb2dct_view(test, b),
			      size, VB2DCT_OLD);

		vaddr = vb2dct_vaddr(b);
		KUNIT_ASSERT_NOT_NULL(test, vaddr);
		k = vb2dct_vmap(test, t->dmabuf);
		KUNIT_EXPECT_PTR_EQ(test, (u8 *)k->map.vaddr, vaddr);
		vb2dct_vunmap(test, k);
		vb2dct_expect(test, "the kernel mapping", vaddr, size,
			      VB2DCT_OLD);

		KUNIT_EXPECT_FALSE(test, ac.a->need_sync);
		vb2dct_prepare(b);
		vb2dct_finish(b);
		vb2dct_att_expect(test, "prepare and finish", &ac, 0, 0);

		vb2dct_unmap_dmabuf(b);
		KUNIT_EXPECT_FALSE(test, ac.a->mapped);
		KUNIT_EXPECT_EQ(test, att->mapped, 0U);
		KUNIT_EXPECT_EQ(test, t->dmabuf->vmapping_counter, 0U);
	}

	vb2dct_drop(test, b);
	KUNIT_EXPECT_EQ(test, vb2dct_nr_attachments(t->dmabuf), 0U);
	KUNIT_EXPECT_EQ(test, vb2dct_dev_refs(dev), refs);
	vb2dct_texp_put(test, t);
}

/* A dma-buf smaller than the plane is refused at once, leaving no trace. */
static void vb2_dc_test_import_too_small(struct kunit *test)
{
	static const u8 idx[] = { 0, 1, 2, 3 };
	struct device *dev = vb2dct_device(test, "vb2dc-dev0", 64, 0);
	unsigned int refs = vb2dct_dev_refs(dev);
	struct vb2dct_texp *t;
	struct vb2dct_buf *b;
	long files;
	void *priv;

	t = vb2dct_texp_new(test, idx, ARRAY_SIZE(idx), false);
	files = file_count(t->dmabuf->file);
	b = vb2dct_buf_new(test, dev, DMA_FROM_DEVICE);
	priv = vb2_dma_contig_memops.attach_dmabuf(&b->vb, dev, t->dmabuf,
						   t->dmabuf->size + 1);
	KUNIT_EXPECT_EQ(test,
			PTR_ERR_OR_ZERO(vb2dct_keep(test, b, VB2DCT_DMABUF,
						    priv)),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, vb2dct_nr_attachments(t->dmabuf), 0U);
	KUNIT_EXPECT_EQ(test, file_count(t->dmabuf->file), files);
	KUNIT_EXPECT_EQ(test, vb2dct_dev_refs(dev), refs);

	/* Exactly its size is fine. */
	b = vb2dct_import(test, dev, t->dmabuf, t->dmabuf->size,
			  DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ(test, vb2dct_nr_attachments(t->dmabuf), 1U);
	KUNIT_EXPECT_EQ(test, vb2dct_map_dmabuf(b), 0);
	vb2dct_drop(test, b);
	KUNIT_EXPECT_EQ(test, vb2dct_nr_attachments(t->dmabuf), 0U);
	KUNIT_EXPECT_EQ(test, file_count(t->dmabuf->file), files);
	KUNIT_EXPECT_EQ(test, vb2dct_dev_refs(dev), refs);
	vb2dct_texp_put(test, t);
}

/*
 * Through a bounce buffer: prepare and finish bracket the device's access
 * with the exporter's attachment-level calls, so what the CPU wrote reaches
 * the device and what the device wrote reaches the CPU, with one sync of
 * the plane's own mapping each, none before and none when the buffer's
 * hints skip them.
 */
static void vb2_dc_test_import_coherency(struct kunit *test)
{
	static const u8 idx[] = { 0, 1, 2, 3 };
	const struct vb2dct_sync *p = test->param_value;
	struct device *dev = vb2dct_bounce_device(test, "vb2dc-dev0");
	bool to_cpu = vb2dct_finish_syncs(p);
	struct vb2dct_att_count ac;
	struct vb2dct_texp *t;
	struct vb2dct_buf *b;
	size_t size;
	u8 *view;

	t = vb2dct_texp_new(test, idx, ARRAY_SIZE(idx),
			    !is_swiotlb_force_bounce(dev));
	size = t->dmabuf->size;
	b = vb2dct_import(test, dev, t->dmabuf, size, p->dir);
	vb2dct_set_hints(b, p);
	KUNIT_ASSERT_EQ(test, vb2dct_map_dmabuf(b), 0);
	KUNIT_ASSERT_TRUE(test, vb2dct_bounces(dev, vb2dct_dma(test, b)));
	KUNIT_ASSERT_NOT_NULL(test, vb2dct_texp_att(t));
	vb2dct_att_start(&ac, vb2dct_texp_att(t));
	KUNIT_EXPECT_EQ(test, ac.a->dir, p->dir);
	KUNIT_EXPECT_TRUE(test, ac.a->need_sync);
	view = vb2dct_view(test, b);
	vb2dct_expect(test, "the device's copy when mapped", view, size,
		      VB2DCT_OLD);

	vb2dct_texp_fill(t, VB2DCT_CPU);
	vb2dct_expect(test, "the device's copy before prepare", view, size,
		      VB2DCT_OLD);
	vb2dct_prepare(b);
	vb2dct_att_expect(test, "prepare", &ac, !p->skip_prepare, 0);
	vb2dct_expect(test, "the device's copy after prepare", view, size,
		      vb2dct_prepare_copies(p) ? VB2DCT_CPU : VB2DCT_OLD);

	if (p->dir != DMA_TO_DEVICE)
		vb2dct_fill(view, 0, size, VB2DCT_DEV);
	vb2dct_expect(test, "the pages before finish",
		      vb2dct_texp_read(test, t), size, VB2DCT_CPU);
	vb2dct_finish(b);
	vb2dct_att_expect(test, "finish", &ac, 0, to_cpu);
	vb2dct_expect(test, "the pages after finish",
		      vb2dct_texp_read(test, t), size,
		      to_cpu ? VB2DCT_DEV : VB2DCT_CPU);

	vb2dct_unmap_dmabuf(b);
	KUNIT_EXPECT_FALSE(test, ac.a->mapped);
	vb2dct_drop(test, b);
	KUNIT_EXPECT_EQ(test, vb2dct_nr_attachments(t->dmabuf), 0U);
	vb2dct_texp_put(test, t);
}

/*
 * A plane imported from another queue's export: the importer reaches the
 * same memory at its DMA address and through its kernel mapping, its
 * mapping gets no sync when it needs none (and the output queue nothing
 * for the CPU), and detaching and putting the dma-buf leave the exported
 * plane with its one user.
 */
static void vb2_dc_test_import_from_vb2(struct kunit *test)
{
	const struct vb2dct_plane *p = test->param_value;
	struct device *dev0 = vb2dct_device(test, "vb2dc-owner", 64, 0);
	struct device *dev1 = vb2dct_device(test, "vb2dc-importer", 64, 0);
	bool bounce = is_swiotlb_force_bounce(dev1);
	unsigned int refs = vb2dct_dev_refs(dev1);
	struct vb2dct_buf *owner, *b;
	struct dma_buf_attachment *att;
	const size_t size = SZ_64K;
	struct vb2dct_att_count ac;
	struct dma_buf *dmabuf;
	u8 *vaddr;

	owner = vb2dct_mmap(test, dev0, size, p);
	vb2dct_fill(vb2dct_view(test, owner), 0, size, VB2DCT_OLD);
	dmabuf = vb2dct_export(test, owner);
	KUNIT_EXPECT_EQ(test, vb2dct_users(owner), 2U);

	/* An output queue, reading what the owner's device wrote. */
	b = vb2dct_import(test, dev1, dmabuf, size, DMA_TO_DEVICE);
	att = vb2dct_attachment_of(dmabuf, dev1);
	KUNIT_ASSERT_NOT_NULL(test, att);
	KUNIT_ASSERT_EQ(test, vb2dct_map_dmabuf(b), 0);
	vb2dct_att_start(&ac, att->priv);
	KUNIT_EXPECT_EQ(test, ac.a->need_sync, bounce);
	if (!bounce)
		KUNIT_EXPECT_EQ(test, vb2dct_dma(test, b),
				vb2dct_dma(test, owner));
	vb2dct_expect(test, "the importer's view", vb2dct_view(test, b), size,
		      VB2DCT_OLD);
	vaddr = vb2dct_vaddr(b);
	KUNIT_ASSERT_NOT_NULL(test, vaddr);
	KUNIT_EXPECT_PTR_EQ(test, vaddr, vb2dct_vaddr(owner));
	vb2dct_expect(test, "the importer's kernel mapping", vaddr, size,
		      VB2DCT_OLD);

	vb2dct_prepare(b);
	vb2dct_att_expect(test, "prepare", &ac, bounce, 0);
	vb2dct_finish(b);
	vb2dct_att_expect(test, "finish", &ac, 0, 0);

	vb2dct_unmap_dmabuf(b);
	vb2dct_drop(test, b);
	KUNIT_EXPECT_EQ(test, vb2dct_nr_attachments(dmabuf), 0U);
	KUNIT_EXPECT_EQ(test, vb2dct_dev_refs(dev1), refs);
	vb2dct_unexport(test, dmabuf);
	KUNIT_EXPECT_EQ(test, vb2dct_users(owner), 1U);
	vb2dct_drop(test, owner);
}

/*
 * detach_dmabuf() of a plane still mapped, with a kernel mapping, undoes
 * both: one dma_map_sg() and one dma_unmap_sg() for the device, and no
 * attachment or kernel mapping left on the dma-buf.
 */
static void vb2_dc_test_import_detach_mapped(struct kunit *test)
{
	static const u8 idx[] = { 0, 1, 2, 3 };
	struct device *dev = vb2dct_device(test, "vb2dc-dev0", 64, 0);
	unsigned int refs = vb2dct_dev_refs(dev);
	struct vb2dct_count *c;
	struct vb2dct_texp *t;
	struct vb2dct_tally tl;
	struct vb2dct_buf *b;

	t = vb2dct_texp_new(test, idx, ARRAY_SIZE(idx), false);
	c = vb2dct_count_start(test, dev);
	b = vb2dct_import(test, dev, t->dmabuf, t->dmabuf->size,
			  DMA_FROM_DEVICE);
	KUNIT_ASSERT_EQ(test, vb2dct_map_dmabuf(b), 0);
	KUNIT_EXPECT_NOT_NULL(test, vb2dct_vaddr(b));
	KUNIT_EXPECT_EQ(test, t->dmabuf->vmapping_counter, 1U);
	vb2dct_take(c, &tl);
	KUNIT_EXPECT_EQ(test, tl.maps, 1);

	/* Leave the unmapping to detach_dmabuf(). */
	b->mapped = false;
	vb2dct_drop(test, b);
	vb2dct_take(c, &tl);
	KUNIT_EXPECT_EQ(test, tl.unmaps, 1);
	KUNIT_EXPECT_EQ(test, tl.maps, 0);
	KUNIT_EXPECT_EQ(test, vb2dct_nr_attachments(t->dmabuf), 0U);
	KUNIT_EXPECT_EQ(test, t->dmabuf->vmapping_counter, 0U);
	KUNIT_EXPECT_EQ(test, vb2dct_dev_refs(dev), refs);
	vb2dct_texp_put(test, t);
}

static struct kunit_case vb2_dc_mmap_cases[] = {
	KUNIT_CASE_PARAM(vb2_dc_test_mmap_alloc, vb2dct_planes_gen_params),
	KUNIT_CASE_PARAM(vb2_dc_test_mmap_alloc_fail, vb2dct_planes_gen_params),
	KUNIT_CASE_PARAM(vb2_dc_test_mmap_syncs, vb2dct_mmap_syncs_gen_params),
	KUNIT_CASE_PARAM(vb2_dc_test_mmap_user_mapping,
			 vb2dct_planes_gen_params),
	KUNIT_CASE(vb2_dc_test_set_max_seg_size),
	{}
};

static struct kunit_case vb2_dc_userptr_cases[] = {
	KUNIT_CASE_PARAM(vb2_dc_test_userptr_coherency,
			 vb2dct_stream_syncs_gen_params),
	KUNIT_CASE_PARAM(vb2_dc_test_userptr_layout, vb2dct_spans_gen_params),
	KUNIT_CASE(vb2_dc_test_userptr_unmapped),
	KUNIT_CASE(vb2_dc_test_userptr_read_only),
	KUNIT_CASE(vb2_dc_test_userptr_noncontig),
	{}
};

static struct kunit_case vb2_dc_export_cases[] = {
	KUNIT_CASE_PARAM(vb2_dc_test_export_segments, vb2dct_segs_gen_params),
	KUNIT_CASE(vb2_dc_test_export_map_kept),
	KUNIT_CASE_PARAM(vb2_dc_test_export_cpu_reads,
			 vb2dct_owners_gen_params),
	KUNIT_CASE_PARAM(vb2_dc_test_export_cpu_writes,
			 vb2dct_coherencies_gen_params),
	KUNIT_CASE_PARAM(vb2_dc_test_export_sync_counts,
			 vb2dct_owners_gen_params),
	KUNIT_CASE_PARAM(vb2_dc_test_export_same_device,
			 vb2dct_coherencies_gen_params),
	KUNIT_CASE_PARAM(vb2_dc_test_export_vmap, vb2dct_planes_gen_params),
	KUNIT_CASE_PARAM(vb2_dc_test_export_mmap, vb2dct_planes_gen_params),
	KUNIT_CASE_PARAM(vb2_dc_test_export_lifetime,
			 vb2dct_coherencies_gen_params),
	{}
};

static struct kunit_case vb2_dc_import_cases[] = {
	KUNIT_CASE_PARAM(vb2_dc_test_import_map, vb2dct_layouts_gen_params),
	KUNIT_CASE(vb2_dc_test_import_too_small),
	KUNIT_CASE_PARAM(vb2_dc_test_import_coherency,
			 vb2dct_stream_syncs_gen_params),
	KUNIT_CASE_PARAM(vb2_dc_test_import_from_vb2,
			 vb2dct_coherencies_gen_params),
	KUNIT_CASE(vb2_dc_test_import_detach_mapped),
	{}
};

static struct kunit_suite vb2_dc_mmap_suite = {
	.name = "vb2_dma_contig_mmap",
	.test_cases = vb2_dc_mmap_cases,
};

static struct kunit_suite vb2_dc_userptr_suite = {
	.name = "vb2_dma_contig_userptr",
	.test_cases = vb2_dc_userptr_cases,
};

static struct kunit_suite vb2_dc_export_suite = {
	.name = "vb2_dma_contig_export",
	.test_cases = vb2_dc_export_cases,
};

static struct kunit_suite vb2_dc_import_suite = {
	.name = "vb2_dma_contig_import",
	.test_cases = vb2_dc_import_cases,
};

kunit_test_suites(&vb2_dc_mmap_suite, &vb2_dc_userptr_suite,
		  &vb2_dc_export_suite, &vb2_dc_import_suite);

MODULE_DESCRIPTION("KUnit tests of the videobuf2 dma-contig allocator");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
