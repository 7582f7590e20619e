// SPDX-License-Identifier: GPL-2.0
/*
 * The exporters userspace allocates from: the system and CMA dma-heaps
 * (/dev/dma_heap/system and /dev/dma_heap/reserved, the CMA area given
 * with cma= on the command line) and udmabuf (/dev/udmabuf).
 *
 * Sizes, file descriptor flags, zeroed memory, the errors of bad requests
 * (with the errno values of Linux 6.12) and the old, shorter allocation
 * structure for the heaps; for udmabuf, buffers from one or several memfd
 * ranges (shmem and hugetlbfs) and their content, the lifetime of the
 * pages and the errors of bad requests.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

#include "../kselftest_harness.h"
#include "dmabuf-common.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

#define KIB (1024UL)
#define MIB (1024UL * 1024UL)

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static size_t page_round(size_t len)
{
	return (len + page_size() - 1) & ~(page_size() - 1);
}

/* The value of KEY in /proc/meminfo, in bytes, or 0. */
static size_t meminfo_bytes(const char *key)
{
	size_t klen = strlen(key), val = 0;
	char line[128];
	FILE *f;

	f = fopen("/proc/meminfo", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			val = strtoull(line + klen + 1, NULL, 10) * KIB;
			break;
		}
	}
	fclose(f);
	return val;
}

/* A number read from PATH, or DEF. */
static long read_long(const char *path, long def)
{
	char buf[32];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return def;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return def;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

/* The lowest free file descriptor: an error must not leave one behind. */
static int lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd;
}

static off_t buf_size(int fd)
{
	return lseek(fd, 0, SEEK_END);
}

static int fd_cloexec(int fd)
{
	return fcntl(fd, F_GETFD) & FD_CLOEXEC;
}

static int fd_accmode(int fd)
{
	return fcntl(fd, F_GETFL) & O_ACCMODE;
}

static int dmabuf_sync(int fd, __u64 flags)
{
	struct dma_buf_sync sync = { .flags = flags };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
}

/* A pattern that differs in every 32-bit word and with SEED. */
static void fill_pattern(void *p, size_t len, uint32_t seed)
{
	uint32_t *w = p;
	size_t i;

	for (i = 0; i < len / 4; i++)
		w[i] = (uint32_t)i * 2654435761u ^ seed;
}

/* Offset of the first word differing from the pattern, or -1. */
static long check_pattern(const void *p, size_t len, uint32_t seed,
			  size_t first_word)
{
	const uint32_t *w = p;
	size_t i;

	for (i = 0; i < len / 4; i++)
		if (w[i] != ((uint32_t)(first_word + i) * 2654435761u ^ seed))
			return (long)(i * 4);
	return -1;
}

/* Offset of the first non-zero byte, or -1. */
static long first_nonzero(const void *p, size_t len)
{
	const uint64_t *w = p;
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (w[i])
			break;
	for (i *= 8; i < len; i++)
		if (c[i])
			return (long)i;
	return -1;
}

/* ------------------------------------------------------------------------
 * dma-heaps
 */

/* DMA_HEAP_IOCTL_ALLOC: a dma-buf fd, or -1 with errno set. */
static int heap_alloc(int heap, __u64 len, __u32 fd_flags, __u64 heap_flags)
{
	struct dma_heap_allocation_data data = {
		.len = len,
		.fd_flags = fd_flags,
		.heap_flags = heap_flags,
	};

	if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &data))
		return -1;
	return (int)data.fd;
}

/* 0 when the allocation succeeds (the buffer is freed again), else errno. */
static int heap_alloc_errno(int heap, __u64 len, __u32 fd_flags,
			    __u64 heap_flags)
{
	int fd = heap_alloc(heap, len, fd_flags, heap_flags);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

FIXTURE(heap) {
	int heap;
	size_t cma_total;	/* bytes, for the CMA heap; 0 if unknown */
};

FIXTURE_VARIANT(heap) {
	const char *name;
	bool cma;
};

FIXTURE_VARIANT_ADD(heap, system) {
	.name = "system",
	.cma = false,
};

FIXTURE_VARIANT_ADD(heap, reserved) {
	.name = "reserved",
	.cma = true,
};

FIXTURE_SETUP(heap)
{
	char path[64];

	self->heap = -1;
	snprintf(path, sizeof(path), "/dev/dma_heap/%s", variant->name);
	self->heap = open(path, O_RDONLY | O_CLOEXEC);
	if (self->heap < 0)
		SKIP(return, "no %s: %s", path, strerror(errno));
	self->cma_total = variant->cma ? meminfo_bytes("CmaTotal") : 0;
}

FIXTURE_TEARDOWN(heap)
{
	if (self->heap >= 0)
		close(self->heap);
}

TEST_F_TIMEOUT(heap, alloc_sizes, 120)
{
	static const __u64 sizes[] = {
		1, 4 * KIB, 64 * KIB + 1, 1 * MIB, 16 * MIB, 64 * MIB,
	};
	unsigned char *map;
	size_t want;
	unsigned int i;
	int fd;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		want = page_round(sizes[i]);
		if (variant->cma && self->cma_total && want > self->cma_total) {
			TH_LOG("%llu bytes do not fit the %zu-byte CMA area",
			       (unsigned long long)sizes[i], self->cma_total);
			continue;
		}
		fd = heap_alloc(self->heap, sizes[i], O_RDWR | O_CLOEXEC, 0);
		ASSERT_LE(0, fd) TH_LOG("%llu bytes: %s",
					(unsigned long long)sizes[i],
					strerror(errno));
		EXPECT_EQ((off_t)want, buf_size(fd))
			TH_LOG("%llu bytes", (unsigned long long)sizes[i]);
		EXPECT_EQ(FD_CLOEXEC, fd_cloexec(fd));
		EXPECT_EQ(O_RDWR, fd_accmode(fd));

		map = mmap(NULL, want, PROT_READ | PROT_WRITE, MAP_SHARED,
			   fd, 0);
		ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
		EXPECT_EQ(0, dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
		map[0] = 0x5a;
		map[want - 1] = 0xa5;
		EXPECT_EQ(0x5a, map[0]);
		EXPECT_EQ(0xa5, map[want - 1]);
		EXPECT_EQ(0, dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
		munmap(map, want);
		EXPECT_EQ(0, close(fd));
	}
}

TEST_F(heap, fd_flags_honoured)
{
	size_t size = 16 * KIB;
	void *map;
	int fd;

	fd = heap_alloc(self->heap, size, O_RDWR, 0);
	ASSERT_LE(0, fd) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, fd_cloexec(fd));
	EXPECT_EQ(O_RDWR, fd_accmode(fd));
	close(fd);

	fd = heap_alloc(self->heap, size, O_RDONLY | O_CLOEXEC, 0);
	ASSERT_LE(0, fd) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(FD_CLOEXEC, fd_cloexec(fd));
	EXPECT_EQ(O_RDONLY, fd_accmode(fd));
	/* A read-only buffer cannot be mapped for writing. */
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT_EQ(MAP_FAILED, map);
	EXPECT_EQ(EACCES, errno);
	if (map != MAP_FAILED)
		munmap(map, size);
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	EXPECT_NE(MAP_FAILED, map) TH_LOG("%s", strerror(errno));
	if (map != MAP_FAILED)
		munmap(map, size);
	close(fd);
}

/*
 * Every new buffer reads as zeroes, although the buffers freed before it
 * were full of data.
 */
TEST_F_TIMEOUT(heap, new_buffers_are_zeroed, 120)
{
	static const size_t sizes[] = { 4 * KIB, 64 * KIB + 1, 1 * MIB };
	unsigned int round;
	unsigned char *map;
	long bad;
	off_t size;
	int fd;

	for (round = 0; round < 96; round++) {
		fd = heap_alloc(self->heap, sizes[round % 3],
				O_RDWR | O_CLOEXEC, 0);
		ASSERT_LE(0, fd) TH_LOG("round %u: %s", round, strerror(errno));
		size = buf_size(fd);
		ASSERT_LE((off_t)sizes[round % 3], size);
		map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			   fd, 0);
		ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));

		ASSERT_EQ(0, dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
		bad = first_nonzero(map, size);
		EXPECT_EQ(-1, bad)
			TH_LOG("round %u: byte %ld of %lld is 0x%02x", round,
			       bad, (long long)size, bad >= 0 ? map[bad] : 0);
		ASSERT_EQ(0, dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));

		/* Leave data behind for the next buffers. */
		ASSERT_EQ(0, dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));
		fill_pattern(map, size, round);
		ASSERT_EQ(0, dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));
		munmap(map, size);
		close(fd);
		if (bad >= 0)
			break;
	}
}

/* Errors of Linux 6.12's dma_heap_ioctl_allocate(). */
TEST_F(heap, bad_alloc_args)
{
	struct dma_heap_allocation_data data = {
		.len = 4 * KIB,
		.fd = 3,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	int free_fd = lowest_free_fd();

	EXPECT_EQ(EINVAL, heap_alloc_errno(self->heap, 0, O_RDWR | O_CLOEXEC, 0))
		TH_LOG("length 0");
	/* Rounded up to pages, the length wraps around to 0. */
	EXPECT_EQ(EINVAL, heap_alloc_errno(self->heap, ~0ULL, O_RDWR | O_CLOEXEC, 0))
		TH_LOG("length 2^64 - 1");
	EXPECT_EQ(EINVAL, heap_alloc_errno(self->heap, 4 * KIB, O_RDWR | O_TRUNC, 0))
		TH_LOG("fd_flags O_TRUNC");
	EXPECT_EQ(EINVAL, heap_alloc_errno(self->heap, 4 * KIB, O_RDWR | O_NONBLOCK, 0))
		TH_LOG("fd_flags O_NONBLOCK");
	EXPECT_EQ(EINVAL, heap_alloc_errno(self->heap, 4 * KIB, O_RDWR | 0x80000000u, 0))
		TH_LOG("fd_flags bit 31");
	EXPECT_EQ(EINVAL, heap_alloc_errno(self->heap, 4 * KIB, O_RDWR, 1))
		TH_LOG("heap_flags bit 0");
	EXPECT_EQ(EINVAL, heap_alloc_errno(self->heap, 4 * KIB, O_RDWR, 1ULL << 63))
		TH_LOG("heap_flags bit 63");
	/* fd is an output: it must be zero on input. */
	EXPECT_EQ(-1, ioctl(self->heap, DMA_HEAP_IOCTL_ALLOC, &data));
	EXPECT_EQ(EINVAL, errno) TH_LOG("fd 3 on input");
	EXPECT_EQ(3U, data.fd);

	EXPECT_EQ(free_fd, lowest_free_fd());
	/* and the heap still works */
	EXPECT_EQ(0, heap_alloc_errno(self->heap, 4 * KIB, O_RDWR | O_CLOEXEC, 0));
}

/*
 * A heap node knows one command.  Any other fails with EINVAL, as on Linux
 * 6.12 (not ENOTTY), and leaves no descriptor behind.
 */
TEST_F(heap, unknown_ioctl_fails_with_einval)
{
	static const struct {
		unsigned long cmd;
		const char *what;
	} bad[] = {
		{ _IOWR(DMA_HEAP_IOC_MAGIC, 0x1, struct dma_heap_allocation_data),
		  "number 1" },
		{ _IOWR(DMA_HEAP_IOC_MAGIC, 0x2, struct dma_heap_allocation_data),
		  "number 2" },
		{ _IO(DMA_HEAP_IOC_MAGIC, 0x7f), "number 0x7f, no argument" },
		{ _IOWR(DMA_HEAP_IOC_MAGIC, 0xff, __u64), "number 0xff" },
	};
	struct dma_heap_allocation_data data;
	int free_fd = lowest_free_fd();
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&data, 0, sizeof(data));
		data.len = 4 * KIB;
		data.fd_flags = O_RDWR | O_CLOEXEC;
		EXPECT_EQ(-1, ioctl(self->heap, bad[i].cmd, &data))
			TH_LOG("0x%lx (%s) accepted", bad[i].cmd, bad[i].what);
		EXPECT_EQ(EINVAL, errno)
			TH_LOG("0x%lx (%s): %s", bad[i].cmd, bad[i].what,
			       strerror(errno));
	}
	EXPECT_EQ(free_fd, lowest_free_fd());
}

/*
 * A length no machine has fails at once, without taking the memory there
 * is first (Linux 6.12's system heap tries to); the heap still works
 * afterwards.
 */
TEST_F_TIMEOUT(heap, huge_length_fails, 60)
{
	int err = heap_alloc_errno(self->heap, 1ULL << 62, O_RDWR | O_CLOEXEC, 0);

	EXPECT_TRUE(err == EINVAL || err == ENOMEM)
		TH_LOG("2^62 bytes: %s", err ? strerror(err) : "allocated");
	EXPECT_EQ(0, heap_alloc_errno(self->heap, 1 * MIB, O_RDWR | O_CLOEXEC, 0));
}

/*
 * Callers built against an older, shorter structure (len, fd and fd_flags
 * only) pass its size in the ioctl number; they still allocate, and the
 * kernel writes nothing past their structure.
 */
TEST_F(heap, short_struct_still_works)
{
	struct dma_heap_allocation_data_short {
		__u64 len;
		__u32 fd;
		__u32 fd_flags;
	};
	struct {
		struct dma_heap_allocation_data_short data;
		__u64 canary;
	} arg = {
		.data = { .len = 64 * KIB, .fd_flags = O_RDWR | O_CLOEXEC },
		.canary = 0x0123456789abcdefULL,
	};
	unsigned long cmd = _IOWR(DMA_HEAP_IOC_MAGIC, 0x0,
				  struct dma_heap_allocation_data_short);
	int fd;

	ASSERT_EQ(16U, sizeof(arg.data));
	ASSERT_NE(DMA_HEAP_IOCTL_ALLOC, cmd);
	ASSERT_EQ(0, ioctl(self->heap, cmd, &arg)) TH_LOG("%s", strerror(errno));
	fd = (int)arg.data.fd;
	ASSERT_LE(0, fd);
	EXPECT_EQ(64 * KIB, (unsigned long)buf_size(fd));
	EXPECT_EQ(FD_CLOEXEC, fd_cloexec(fd));
	EXPECT_EQ(0x0123456789abcdefULL, arg.canary);
	close(fd);

	/* the short form checks its flags too */
	arg.data.fd = 0;
	arg.data.fd_flags = O_RDWR | O_TRUNC;
	EXPECT_EQ(-1, ioctl(self->heap, cmd, &arg));
	EXPECT_EQ(EINVAL, errno);
}

/*
 * The CMA heap refuses what its area cannot hold with ENOMEM, also once
 * the area is full, and has the memory back after the buffers are freed.
 */
TEST_F_TIMEOUT(heap, cma_exhausted, 180)
{
	size_t total = self->cma_total ? self->cma_total : 256 * MIB;
	size_t chunk = 16 * MIB;
	unsigned int n, max = total / chunk + 8, i;
	int *fds, fd, err = 0;

	if (!variant->cma)
		SKIP(return, "the system heap has no area of its own");

	fd = heap_alloc(self->heap, 2 * total, O_RDWR | O_CLOEXEC, 0);
	EXPECT_EQ(-1, fd) TH_LOG("%zu bytes allocated from a %zu-byte area",
				 2 * total, total);
	EXPECT_EQ(ENOMEM, errno);
	if (fd >= 0)
		close(fd);

	fds = calloc(max, sizeof(*fds));
	ASSERT_NE(NULL, fds);
	for (n = 0; n < max; n++) {
		fds[n] = heap_alloc(self->heap, chunk, O_RDWR | O_CLOEXEC, 0);
		if (fds[n] < 0) {
			err = errno;
			break;
		}
	}
	EXPECT_LT(n, max) TH_LOG("%u buffers of %zu bytes from a %zu-byte area",
				 n, chunk, total);
	EXPECT_LE(1U, n);
	EXPECT_EQ(ENOMEM, err);
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);

	/* The area is usable again, and so is the rest of the memory. */
	EXPECT_EQ(0, heap_alloc_errno(self->heap, chunk, O_RDWR | O_CLOEXEC, 0));
	fd = heap_buffer(1 * MIB);
	EXPECT_LE(0, fd) TH_LOG("system heap: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* ------------------------------------------------------------------------
 * udmabuf
 */

/* A memfd of SIZE bytes with SEALS added, or -1. */
static int sealed_memfd(size_t size, unsigned int mfd_flags, int seals)
{
	int fd = memfd_create("dmabuf-heaps", MFD_ALLOW_SEALING | mfd_flags);

	if (fd < 0)
		return -1;
	if (ftruncate(fd, size) || (seals && fcntl(fd, F_ADD_SEALS, seals))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int udmabuf_create(int dev, int memfd, __u64 offset, __u64 size,
			  __u32 flags)
{
	struct udmabuf_create create = {
		.memfd = (__u32)memfd,
		.flags = flags,
		.offset = offset,
		.size = size,
	};

	return ioctl(dev, UDMABUF_CREATE, &create);
}

/* 0 when a buffer is created (and closed again), else errno. */
static int udmabuf_errno(int dev, int memfd, __u64 offset, __u64 size,
			 __u32 flags)
{
	int fd = udmabuf_create(dev, memfd, offset, size, flags);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int udmabuf_list_errno(int dev, const struct udmabuf_create_item *items,
			      __u32 count, __u32 flags)
{
	int fd = udmabuf_create_list(dev, items, count, flags);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static void set_item(struct udmabuf_create_item *item, int memfd,
		     __u64 offset, __u64 size)
{
	item->memfd = (__u32)memfd;
	item->offset = offset;
	item->size = size;
}

static void *map_fd(int fd, size_t size)
{
	return mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
}

FIXTURE(udmabuf) {
	int dev;
};

FIXTURE_SETUP(udmabuf)
{
	self->dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (self->dev < 0)
		SKIP(return, "no /dev/udmabuf: %s", strerror(errno));
}

FIXTURE_TEARDOWN(udmabuf)
{
	if (self->dev >= 0)
		close(self->dev);
}

/* A range of a memfd: the dma-buf and the memfd share the pages. */
TEST_F(udmabuf, single_range)
{
	size_t msize = 256 * KIB, off = 64 * KIB, size = 128 * KIB;
	unsigned char *mm, *dm;
	int memfd, fd;

	memfd = sealed_memfd(msize, 0, F_SEAL_SHRINK);
	ASSERT_LE(0, memfd) TH_LOG("memfd: %s", strerror(errno));
	mm = map_fd(memfd, msize);
	ASSERT_NE(MAP_FAILED, mm);
	fill_pattern(mm, msize, 1);

	fd = udmabuf_create(self->dev, memfd, off, size, UDMABUF_FLAGS_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("UDMABUF_CREATE: %s", strerror(errno));
	EXPECT_EQ((off_t)size, buf_size(fd));
	EXPECT_EQ(FD_CLOEXEC, fd_cloexec(fd));
	EXPECT_EQ(O_RDWR, fd_accmode(fd));
	dm = map_fd(fd, size);
	ASSERT_NE(MAP_FAILED, dm) TH_LOG("mmap: %s", strerror(errno));

	ASSERT_EQ(0, dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	EXPECT_EQ(-1, check_pattern(dm, size, 1, off / 4));
	ASSERT_EQ(0, dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));

	/* Written through the dma-buf, seen through the memfd ... */
	ASSERT_EQ(0, dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));
	memset(dm + 4 * KIB + 10, 0xcd, 100);
	ASSERT_EQ(0, dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));
	EXPECT_EQ(0xcd, mm[off + 4 * KIB + 10]);
	EXPECT_EQ(0xcd, mm[off + 4 * KIB + 109]);

	/* ... and the other way round. */
	mm[off + size - 1] = 0x42;
	ASSERT_EQ(0, dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	EXPECT_EQ(0x42, dm[size - 1]);
	ASSERT_EQ(0, dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));

	munmap(dm, size);
	munmap(mm, msize);
	close(fd);
	close(memfd);
}

/* Ranges of two memfds, one of them used twice, back to back. */
TEST_F(udmabuf, list_of_ranges)
{
	size_t asize = 256 * KIB, bsize = 128 * KIB, total = 0, pos;
	struct udmabuf_create_item items[4];
	unsigned char *am, *bm, *dm;
	int a, b, fd;
	unsigned int i;

	a = sealed_memfd(asize, 0, F_SEAL_SHRINK);
	b = sealed_memfd(bsize, 0, F_SEAL_SHRINK | F_SEAL_GROW);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	am = map_fd(a, asize);
	bm = map_fd(b, bsize);
	ASSERT_NE(MAP_FAILED, am);
	ASSERT_NE(MAP_FAILED, bm);
	fill_pattern(am, asize, 0xa);
	fill_pattern(bm, bsize, 0xb);

	memset(items, 0, sizeof(items));
	set_item(&items[0], a, 64 * KIB, 64 * KIB);
	set_item(&items[1], b, 0, bsize);
	set_item(&items[2], a, 0, 8 * KIB);
	set_item(&items[3], b, 120 * KIB, 8 * KIB);
	for (i = 0; i < 4; i++)
		total += items[i].size;

	fd = udmabuf_create_list(self->dev, items, 4, UDMABUF_FLAGS_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("UDMABUF_CREATE_LIST: %s", strerror(errno));
	EXPECT_EQ((off_t)total, buf_size(fd));
	EXPECT_EQ(FD_CLOEXEC, fd_cloexec(fd));
	dm = map_fd(fd, total);
	ASSERT_NE(MAP_FAILED, dm) TH_LOG("mmap: %s", strerror(errno));

	ASSERT_EQ(0, dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	for (i = 0, pos = 0; i < 4; pos += items[i].size, i++)
		EXPECT_EQ(-1, check_pattern(dm + pos, items[i].size,
					    items[i].memfd == (__u32)a ? 0xa : 0xb,
					    items[i].offset / 4))
			TH_LOG("range %u", i);
	ASSERT_EQ(0, dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));

	/* The first page of a is in the buffer at 192 KIB. */
	ASSERT_EQ(0, dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));
	dm[192 * KIB + 5] = 0x99;
	ASSERT_EQ(0, dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));
	EXPECT_EQ(0x99, am[5]);

	munmap(dm, total);
	munmap(am, asize);
	munmap(bm, bsize);
	close(fd);
	close(a);
	close(b);
}

/* A hugetlbfs memfd, with a range crossing a huge page boundary. */
TEST_F(udmabuf, hugetlb_memfd)
{
	size_t hsize = meminfo_bytes("Hugepagesize");
	size_t msize, off, size;
	unsigned char *mm, *dm;
	int memfd, fd;

	if (!hsize)
		SKIP(return, "no huge pages");
	msize = 2 * hsize;
	off = hsize / 2;
	size = hsize;
	memfd = memfd_create("dmabuf-heaps-huge", MFD_HUGETLB | MFD_ALLOW_SEALING);
	if (memfd < 0)
		SKIP(return, "no hugetlb memfd: %s", strerror(errno));
	if (ftruncate(memfd, msize)) {
		close(memfd);
		SKIP(return, "hugetlb memfd of %zu bytes: %s", msize, strerror(errno));
	}
	mm = map_fd(memfd, msize);
	if (mm == MAP_FAILED) {
		close(memfd);
		SKIP(return, "no free huge pages: %s", strerror(errno));
	}
	fill_pattern(mm, msize, 0x4e);
	ASSERT_EQ(0, fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK));

	fd = udmabuf_create(self->dev, memfd, off, size, UDMABUF_FLAGS_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("UDMABUF_CREATE: %s", strerror(errno));
	EXPECT_EQ((off_t)size, buf_size(fd));
	dm = map_fd(fd, size);
	ASSERT_NE(MAP_FAILED, dm) TH_LOG("mmap: %s", strerror(errno));
	ASSERT_EQ(0, dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	EXPECT_EQ(-1, check_pattern(dm, size, 0x4e, off / 4));
	dm[size - 1] = 0x17;
	ASSERT_EQ(0, dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
	EXPECT_EQ(0x17, mm[off + size - 1]);

	munmap(dm, size);
	munmap(mm, msize);
	close(fd);
	close(memfd);
}

/* The pages stay with a mapping of the dma-buf after both fds are gone. */
TEST_F(udmabuf, outlives_its_fds)
{
	size_t size = 64 * KIB;
	unsigned char *mm, *dm;
	int memfd, fd;

	fd = udmabuf_buffer(size, &memfd);
	ASSERT_LE(0, fd) TH_LOG("udmabuf: %s", strerror(errno));
	mm = map_fd(memfd, size);
	ASSERT_NE(MAP_FAILED, mm);
	fill_pattern(mm, size, 0x77);
	dm = map_fd(fd, size);
	ASSERT_NE(MAP_FAILED, dm) TH_LOG("mmap: %s", strerror(errno));

	munmap(mm, size);
	close(memfd);
	close(fd);

	EXPECT_EQ(-1, check_pattern(dm, size, 0x77, 0));
	memset(dm, 0x3c, size);
	EXPECT_EQ(0x3c, dm[size - 1]);
	EXPECT_EQ(0, munmap(dm, size));
}

/* F_SEAL_SHRINK is required, F_SEAL_WRITE and F_SEAL_FUTURE_WRITE refused. */
TEST_F(udmabuf, memfd_seals)
{
	size_t size = 16 * KIB;
	int memfd, free_fd = lowest_free_fd();

	memfd = sealed_memfd(size, 0, 0);
	ASSERT_LE(0, memfd);
	EXPECT_EQ(EINVAL, udmabuf_errno(self->dev, memfd, 0, size, 0))
		TH_LOG("no F_SEAL_SHRINK");
	close(memfd);

	/* Without MFD_ALLOW_SEALING a memfd has F_SEAL_SEAL only. */
	memfd = memfd_create("dmabuf-heaps", 0);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, size));
	EXPECT_EQ(EINVAL, udmabuf_errno(self->dev, memfd, 0, size, 0))
		TH_LOG("not sealable");
	close(memfd);

	memfd = sealed_memfd(size, 0, F_SEAL_SHRINK | F_SEAL_WRITE);
	ASSERT_LE(0, memfd);
	EXPECT_EQ(EINVAL, udmabuf_errno(self->dev, memfd, 0, size, 0))
		TH_LOG("F_SEAL_WRITE");
	close(memfd);

	memfd = sealed_memfd(size, 0, F_SEAL_SHRINK | F_SEAL_FUTURE_WRITE);
	ASSERT_LE(0, memfd);
	EXPECT_EQ(EINVAL, udmabuf_errno(self->dev, memfd, 0, size, 0))
		TH_LOG("F_SEAL_FUTURE_WRITE");
	close(memfd);

	/* Other seals do not matter. */
	memfd = sealed_memfd(size, 0, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	ASSERT_LE(0, memfd);
	EXPECT_EQ(0, udmabuf_errno(self->dev, memfd, 0, size, 0));
	close(memfd);

	EXPECT_EQ(free_fd, lowest_free_fd());
}

/* Only memfds (shmem or hugetlbfs files) back a udmabuf: EBADFD. */
TEST_F(udmabuf, fd_not_a_memfd)
{
	struct udmabuf_create_item items[2];
	int pipefd[2], null, memfd, dmabuf, unused, free_fd;

	ASSERT_EQ(0, pipe(pipefd));
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, null);
	memfd = sealed_memfd(16 * KIB, 0, F_SEAL_SHRINK);
	ASSERT_LE(0, memfd);
	dmabuf = udmabuf_create(self->dev, memfd, 0, 16 * KIB, 0);
	ASSERT_LE(0, dmabuf) TH_LOG("UDMABUF_CREATE: %s", strerror(errno));
	unused = lowest_free_fd();
	free_fd = unused;

	EXPECT_EQ(EBADFD, udmabuf_errno(self->dev, pipefd[0], 0, 4 * KIB, 0))
		TH_LOG("a pipe");
	EXPECT_EQ(EBADFD, udmabuf_errno(self->dev, null, 0, 4 * KIB, 0))
		TH_LOG("/dev/null");
	EXPECT_EQ(EBADFD, udmabuf_errno(self->dev, dmabuf, 0, 4 * KIB, 0))
		TH_LOG("a dma-buf");
	EXPECT_EQ(EBADFD, udmabuf_errno(self->dev, unused, 0, 4 * KIB, 0))
		TH_LOG("a closed fd");
	EXPECT_EQ(EBADFD, udmabuf_errno(self->dev, -1, 0, 4 * KIB, 0))
		TH_LOG("fd -1");

	/* A bad second range fails the whole list. */
	memset(items, 0, sizeof(items));
	items[0].memfd = memfd;
	items[0].size = 4 * KIB;
	items[1].memfd = pipefd[1];
	items[1].size = 4 * KIB;
	EXPECT_EQ(EBADFD, udmabuf_list_errno(self->dev, items, 2, 0))
		TH_LOG("a pipe in a list");

	EXPECT_EQ(free_fd, lowest_free_fd());
	close(dmabuf);
	close(memfd);
	close(null);
	close(pipefd[0]);
	close(pipefd[1]);
}

/* Ranges must be page-aligned, non-empty, inside the file and the limit. */
TEST_F_TIMEOUT(udmabuf, bad_ranges, 60)
{
	long limit = read_long("/sys/module/udmabuf/parameters/size_limit_mb", 64) * MIB;
	size_t size = 64 * KIB, pg = page_size();
	struct udmabuf_create_item items[2];
	int memfd, big, free_fd = lowest_free_fd();

	memfd = sealed_memfd(size, 0, F_SEAL_SHRINK);
	ASSERT_LE(0, memfd);

	EXPECT_EQ(EINVAL, udmabuf_errno(self->dev, memfd, 100, pg, 0))
		TH_LOG("offset 100");
	EXPECT_EQ(EINVAL, udmabuf_errno(self->dev, memfd, 0, pg + 1, 0))
		TH_LOG("size of a page + 1");
	EXPECT_EQ(EINVAL, udmabuf_errno(self->dev, memfd, 0, 100, 0))
		TH_LOG("size 100");
	EXPECT_EQ(EINVAL, udmabuf_errno(self->dev, memfd, 0, 0, 0))
		TH_LOG("size 0");
	EXPECT_EQ(EINVAL, udmabuf_errno(self->dev, memfd, 0, size + pg, 0))
		TH_LOG("one page past the end");
	EXPECT_EQ(EINVAL, udmabuf_errno(self->dev, memfd, size, pg, 0))
		TH_LOG("starting at the end");
	EXPECT_EQ(EINVAL, udmabuf_errno(self->dev, memfd, size - pg, 2 * pg, 0))
		TH_LOG("across the end");
	EXPECT_EQ(EINVAL, udmabuf_errno(self->dev, memfd, 1ULL << 62, pg, 0))
		TH_LOG("offset 2^62");
	EXPECT_EQ(EINVAL, udmabuf_errno(self->dev, memfd, ~0ULL & ~(__u64)(pg - 1),
					pg, 0))
		TH_LOG("offset 2^64 - page");
	EXPECT_EQ(EINVAL, udmabuf_errno(self->dev, memfd, pg, ~0ULL & ~(__u64)(pg - 1), 0))
		TH_LOG("size 2^64 - page");
	/* the whole file is fine */
	EXPECT_EQ(0, udmabuf_errno(self->dev, memfd, 0, size, 0));

	/* Not more than size_limit_mb, in one range or in several. */
	big = sealed_memfd(limit + pg, 0, F_SEAL_SHRINK);
	ASSERT_LE(0, big);
	EXPECT_EQ(EINVAL, udmabuf_errno(self->dev, big, 0, limit + pg, 0))
		TH_LOG("%ld bytes + a page", limit);
	memset(items, 0, sizeof(items));
	items[0].memfd = big;
	items[0].size = limit / 2;
	items[1].memfd = big;
	items[1].offset = limit / 2;
	items[1].size = limit / 2 + pg;
	EXPECT_EQ(EINVAL, udmabuf_list_errno(self->dev, items, 2, 0))
		TH_LOG("%ld bytes + a page in two ranges", limit);
	items[1].size = limit / 2;
	EXPECT_EQ(0, udmabuf_list_errno(self->dev, items, 2, 0))
		TH_LOG("%ld bytes in two ranges", limit);
	close(big);

	close(memfd);
	EXPECT_EQ(free_fd, lowest_free_fd());
}

/* UDMABUF_CREATE_LIST takes 1 to list_limit ranges. */
TEST_F(udmabuf, list_count)
{
	long limit = read_long("/sys/module/udmabuf/parameters/list_limit", 1024);
	struct udmabuf_create_item *items;
	int memfd, fd, free_fd;
	long i;

	ASSERT_LT(0, limit);
	memfd = sealed_memfd(page_size(), 0, F_SEAL_SHRINK);
	ASSERT_LE(0, memfd);
	free_fd = lowest_free_fd();
	items = calloc(limit + 1, sizeof(*items));
	ASSERT_NE(NULL, items);
	for (i = 0; i <= limit; i++) {
		items[i].memfd = memfd;
		items[i].size = page_size();
	}

	EXPECT_EQ(EINVAL, udmabuf_list_errno(self->dev, items, 0, 0))
		TH_LOG("no range");
	EXPECT_EQ(EINVAL, udmabuf_list_errno(self->dev, items, limit + 1, 0))
		TH_LOG("%ld ranges", limit + 1);
	EXPECT_EQ(free_fd, lowest_free_fd());

	/* The same page over and over, as many times as allowed. */
	fd = udmabuf_create_list(self->dev, items, limit, 0);
	EXPECT_LE(0, fd) TH_LOG("%ld ranges: %s", limit, strerror(errno));
	if (fd >= 0) {
		EXPECT_EQ((off_t)(limit * page_size()), buf_size(fd));
		close(fd);
	}
	free(items);
	close(memfd);
}

/*
 * UDMABUF_FLAGS_CLOEXEC sets FD_CLOEXEC; Linux 6.12 ignores the other bits
 * of flags (it accepts them), in both ioctls.
 */
TEST_F(udmabuf, flags)
{
	static const __u32 flags[] = {
		0, UDMABUF_FLAGS_CLOEXEC, 0x2, 0x80000000u | UDMABUF_FLAGS_CLOEXEC,
	};
	struct udmabuf_create_item item = { .size = 4 * KIB };
	int memfd, fd;
	unsigned int i;

	memfd = sealed_memfd(4 * KIB, 0, F_SEAL_SHRINK);
	ASSERT_LE(0, memfd);
	item.memfd = memfd;
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		int want = flags[i] & UDMABUF_FLAGS_CLOEXEC ? FD_CLOEXEC : 0;

		fd = udmabuf_create(self->dev, memfd, 0, 4 * KIB, flags[i]);
		EXPECT_LE(0, fd) TH_LOG("flags %#x: %s", flags[i], strerror(errno));
		if (fd >= 0) {
			EXPECT_EQ(want, fd_cloexec(fd)) TH_LOG("flags %#x", flags[i]);
			close(fd);
		}
		fd = udmabuf_create_list(self->dev, &item, 1, flags[i]);
		EXPECT_LE(0, fd) TH_LOG("list, flags %#x: %s", flags[i],
					strerror(errno));
		if (fd >= 0) {
			EXPECT_EQ(want, fd_cloexec(fd)) TH_LOG("list, flags %#x",
							       flags[i]);
			close(fd);
		}
	}
	close(memfd);
}

TEST_HARNESS_MAIN
