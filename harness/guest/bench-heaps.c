// SPDX-License-Identifier: GPL-2.0
/*
 * bench-heaps: dma-heap allocation, dma-buf mmap and CPU-access sync timings,
 * for the upstream 6.12 kernel and the series in the same guest.
 *
 * Each figure is a line "BENCH <name> <value> <unit>", the median over R
 * repetitions of one operation's time.  A calibration (also the warm-up)
 * doubles the operations per repetition until one lasts 20 ms / scale.
 * Other lines start with '#'; a figure that fails is "# skipped:".  Only the
 * 6.12 uapi is needed; DMA_BUF_IOCTL_SYNC_PARTIAL is measured where it works.
 *
 * usage: bench-heaps [-r repetitions] [-s scale]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>
#include <drm/drm.h>

#ifndef DMA_BUF_IOCTL_SYNC_PARTIAL
/* The series' partial sync; upstream 6.12 answers -ENOTTY. */
struct dma_buf_sync_partial {
	__u64 flags;
	__u64 offset;
	__u64 len;
};

#define DMA_BUF_IOCTL_SYNC_PARTIAL _IOW(DMA_BUF_BASE, 4, struct dma_buf_sync_partial)
#endif

#define KIB		1024UL
#define MIB		(1024 * KIB)
#define PAGE		4096UL
#define MAX_REPS	99
#define MAX_DEVS	4
#define MAX_ITERS	10000000UL
#define VGEM_FIGS	"sync_4M_1dev_us, sync_4M_4dev_us, sync_partial_4M_1of16_us"

static unsigned int reps = 7;
static double target_us = 20000;
static int heap = -1, udmabuf_dev = -1;

/*
 * One operation to time: run() performs it n times and returns the
 * microseconds it spent, or a negative number with errno set.  @what names
 * the call that failed, for the skip message.
 */
struct op {
	double (*run)(struct op *op, unsigned long n);
	int (*create)(struct op *op);	/* for run_create: one new fd */
	const char *what;
	size_t size;
	int fd;			/* the heap buffer, udmabuf or memfd */
	unsigned long req;	/* sync: DMA_BUF_IOCTL_SYNC{,_PARTIAL} */
	__u64 offset, len;	/* partial sync: the range */
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void skip(const char *name, const char *what)
{
	printf("# skipped: %s: %s: %s\n", name, what, strerror(errno));
}

/* A system-heap buffer of op->size bytes */
static int create_heap(struct op *op)
{
	struct dma_heap_allocation_data a = {
		.len = op->size, .fd_flags = O_RDWR | O_CLOEXEC,
	};

	return ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &a) ? -1 : (int)a.fd;
}

/* A udmabuf of the first op->size bytes of the memfd op->fd */
static int create_udmabuf(struct op *op)
{
	struct udmabuf_create c = {
		.memfd = op->fd, .flags = UDMABUF_FLAGS_CLOEXEC, .size = op->size,
	};

	return ioctl(udmabuf_dev, UDMABUF_CREATE, &c);
}

/* create() a buffer and close it again */
static double run_create(struct op *op, unsigned long n)
{
	double t0 = now_us();
	unsigned long i;
	int fd;

	for (i = 0; i < n; i++) {
		fd = op->create(op);
		if (fd < 0)
			return -1;
		close(fd);
	}
	return now_us() - t0;
}

/* The bound for the zeroing of an allocation: memset of resident memory. */
static double run_memset(struct op *op, unsigned long n)
{
	char *buf = malloc(op->size);
	unsigned long i;
	double t0, t;

	if (!buf)
		return -1;
	memset(buf, 0xff, op->size);	/* fault it in */
	t0 = now_us();
	for (i = 0; i < n; i++) {
		memset(buf, 0, op->size);
		asm volatile("" : : "r" (buf) : "memory");
	}
	t = now_us() - t0;
	free(buf);
	return t;
}

/* A fresh mapping each time, one byte written per page; munmap untimed. */
static double run_touch(struct op *op, unsigned long n)
{
	unsigned long i, off;
	double t = 0, t0;
	char *p;

	for (i = 0; i < n; i++) {
		t0 = now_us();
		p = mmap(NULL, op->size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 op->fd, 0);
		if (p == MAP_FAILED)
			return -1;
		for (off = 0; off < op->size; off += PAGE)
			p[off] = (char)i;
		asm volatile("" : : "r" (p) : "memory");
		t += now_us() - t0;
		munmap(p, op->size);
	}
	return t;
}

/*
 * START|RW then END|RW.  DMA_BUF_IOCTL_SYNC reads only struct dma_buf_sync,
 * which is the leading @flags of struct dma_buf_sync_partial.
 */
static double run_sync(struct op *op, unsigned long n)
{
	struct dma_buf_sync_partial s = { .offset = op->offset, .len = op->len };
	double t0 = now_us();
	unsigned long i;

	for (i = 0; i < n; i++) {
		s.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW;
		if (ioctl(op->fd, op->req, &s))
			return -1;
		s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
		if (ioctl(op->fd, op->req, &s))
			return -1;
	}
	return now_us() - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Print figure NAME for OP, in us per operation; return it, or -1. */
static double bench(const char *name, struct op *op)
{
	double t[MAX_REPS], el, med;
	unsigned long n = 1;
	unsigned int r;

	for (;;) {
		el = op->run(op, n);
		if (el < 0)
			goto fail;
		if (el >= target_us || n >= MAX_ITERS)
			break;
		n *= 2;
	}
	for (r = 0; r < reps; r++) {
		el = op->run(op, n);
		if (el < 0)
			goto fail;
		t[r] = el / n;
	}
	qsort(t, reps, sizeof(*t), cmp_double);
	med = reps % 2 ? t[reps / 2] : (t[reps / 2 - 1] + t[reps / 2]) / 2;
	printf("# %s: %u x %lu ops, min %.3f max %.3f us\n", name, reps, n,
	       t[0], t[reps - 1]);
	printf("BENCH %s %.3f us\n", name, med);
	return med;
fail:
	skip(name, op->what);
	return -1;
}

/* bench() OP on FD, just made by WHAT (which failed if FD < 0); close FD. */
static void bench_fd(const char *name, struct op *op, int fd, const char *what)
{
	if (fd < 0) {
		skip(name, what);
		return;
	}
	op->fd = fd;
	bench(name, op);
	close(fd);
}

static void bench_alloc(void)
{
	static const char * const names[] = { "4K", "1M", "16M", "64M", NULL };
	static const size_t sizes[] = { 4 * KIB, MIB, 16 * MIB, 64 * MIB };
	char name[64];
	double a, m;
	unsigned int i;

	for (i = 0; names[i]; i++) {
		struct op op = {
			.run = run_create, .create = create_heap,
			.what = "DMA_HEAP_IOCTL_ALLOC", .size = sizes[i],
		};

		snprintf(name, sizeof(name), "alloc_%s_us", names[i]);
		a = bench(name, &op);
		op.run = run_memset;
		op.what = "malloc";
		snprintf(name, sizeof(name), "memset_%s_us", names[i]);
		m = bench(name, &op);
		if (a >= 0 && m > 0)
			printf("BENCH alloc_%s_per_memset %.3f x\n", names[i], a / m);
	}
}

/* A memfd of SIZE bytes, allocated, sealed against shrinking. */
static int sealed_memfd(size_t size)
{
	int fd = memfd_create("bench-heaps", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	int e;

	if (fd < 0)
		return -1;
	if (!ftruncate(fd, size) && !fallocate(fd, 0, 0, size) &&
	    !fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK))
		return fd;
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

static void bench_mmap(void)
{
	struct op op = { .run = run_touch, .what = "mmap", .size = 16 * MIB };
	char limit[32];
	FILE *f;
	int memfd;

	bench_fd("mmap_touch_16M_heap_us", &op, create_heap(&op),
		 "DMA_HEAP_IOCTL_ALLOC");
	udmabuf_dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (udmabuf_dev < 0) {
		skip("mmap_touch_16M_udmabuf_us, udmabuf_create_256M_us",
		     "/dev/udmabuf");
		return;
	}
	f = fopen("/sys/module/udmabuf/parameters/size_limit_mb", "r");
	if (!f || !fgets(limit, sizeof(limit), f))
		snprintf(limit, sizeof(limit), "?\n");
	if (f)
		fclose(f);
	printf("# udmabuf.size_limit_mb: %s", limit);

	memfd = sealed_memfd(op.size);
	op.fd = memfd;
	bench_fd("mmap_touch_16M_udmabuf_us", &op,
		 memfd < 0 ? -1 : create_udmabuf(&op), "memfd or UDMABUF_CREATE");
	if (memfd >= 0)
		close(memfd);

	/* the memfd is allocated once: this times pinning, not allocating */
	op.run = run_create;
	op.create = create_udmabuf;
	op.what = "UDMABUF_CREATE";
	op.size = 256 * MIB;
	bench_fd("udmabuf_create_256M_us", &op, sealed_memfd(op.size), "memfd");
	close(udmabuf_dev);
}

/* The first /dev/dri/card<N> whose driver is vgem. */
static int find_vgem(char *path, size_t len)
{
	int i, fd, found = 0;

	for (i = 0; i < 64 && !found; i++) {
		char name[32] = "";
		struct drm_version v = { .name_len = 31, .name = name };

		snprintf(path, len, "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		found = !ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "vgem");
		close(fd);
	}
	return found;
}

/*
 * Import BUF into separate opens of CARD until WANT devices are attached;
 * on failure, skip the figures FIGS.
 */
static int attach(const char *card, int buf, int *dev, int *ndev, int want,
		  const char *figs)
{
	while (*ndev < want) {
		struct drm_prime_handle h = { .fd = buf };
		int fd = open(card, O_RDWR | O_CLOEXEC);

		if (fd < 0 || ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &h)) {
			skip(figs, fd < 0 ? card : "DRM_IOCTL_PRIME_FD_TO_HANDLE");
			if (fd >= 0)
				close(fd);
			return -1;
		}
		dev[(*ndev)++] = fd;
	}
	return 0;
}

static void bench_sync(void)
{
	struct op op = {
		.run = run_sync, .what = "DMA_BUF_IOCTL_SYNC", .size = 4 * MIB,
		.req = DMA_BUF_IOCTL_SYNC,
	};
	struct op part;
	int dev[MAX_DEVS], ndev = 0;
	char card[32];

	op.fd = create_heap(&op);
	if (op.fd < 0) {
		skip("sync_4M_0dev_us, " VGEM_FIGS, "DMA_HEAP_IOCTL_ALLOC");
		return;
	}
	bench("sync_4M_0dev_us", &op);
	if (!find_vgem(card, sizeof(card))) {
		printf("# skipped: %s: no vgem card in /dev/dri\n", VGEM_FIGS);
		goto out;
	}
	printf("# importing devices: separate opens of %s (vgem)\n", card);
	if (attach(card, op.fd, dev, &ndev, 1, VGEM_FIGS))
		goto out;
	bench("sync_4M_1dev_us", &op);

	/* 256 KiB from 1 MiB on: tried once first, as upstream lacks it */
	part = op;
	part.req = DMA_BUF_IOCTL_SYNC_PARTIAL;
	part.what = "DMA_BUF_IOCTL_SYNC_PARTIAL";
	part.offset = MIB;
	part.len = op.size / 16;
	if (run_sync(&part, 1) < 0)
		printf("# unsupported: sync_partial_4M_1of16_us: %s: %s\n",
		       part.what, strerror(errno));
	else
		bench("sync_partial_4M_1of16_us", &part);

	if (attach(card, op.fd, dev, &ndev, MAX_DEVS, "sync_4M_4dev_us"))
		goto out;
	bench("sync_4M_4dev_us", &op);
out:
	while (ndev)
		close(dev[--ndev]);
	close(op.fd);
}

int main(int argc, char **argv)
{
	struct utsname u;
	int opt, scale = 1;

	while ((opt = getopt(argc, argv, "r:s:")) != -1) {
		if (opt == 'r')
			reps = atoi(optarg);
		else if (opt == 's')
			scale = atoi(optarg);
		else
			reps = 0;
	}
	if (reps < 1 || reps > MAX_REPS || scale < 1 || optind != argc) {
		fprintf(stderr, "usage: %s [-r reps (1-%d, default 7)] [-s N (%s)]\n",
			argv[0], MAX_REPS, "divide the 20 ms per repetition by N");
		return 2;
	}
	target_us /= scale;
	setvbuf(stdout, NULL, _IOLBF, 0);

	printf("# flavour kernel: %s\n", uname(&u) ? "?" : u.release);
	printf("# %u repetitions of >= %.0f us each; BENCH values are medians\n",
	       reps, target_us);
	heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	if (heap < 0) {
		skip("all figures", "/dev/dma_heap/system");
		return 1;
	}
	bench_alloc();
	bench_mmap();
	bench_sync();
	close(heap);
	return 0;
}
