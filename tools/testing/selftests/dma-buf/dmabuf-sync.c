// SPDX-License-Identifier: GPL-2.0
/*
 * DMA_BUF_IOCTL_SYNC_PARTIAL (flags, ranges, CPU access bracketed by it),
 * and bad input to every dma-buf ioctl: numbers the fd does not know and
 * arguments userspace cannot read or write.  Each test runs on a buffer from
 * the system heap and on one from udmabuf.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/dma-buf.h>

#include "../kselftest_harness.h"
#include "dmabuf-common.h"

#define BUF_PAGES 16

FIXTURE(dmabuf) {
	int fd;		/* the dma-buf */
	int memfd;	/* udmabuf's backing memory, or -1 */
	size_t size;
	size_t page;
};

FIXTURE_VARIANT(dmabuf) {
	const char *exporter;
};

FIXTURE_VARIANT_ADD(dmabuf, system_heap) {
	.exporter = "system",
};

FIXTURE_VARIANT_ADD(dmabuf, udmabuf) {
	.exporter = "udmabuf",
};

FIXTURE_SETUP(dmabuf)
{
	self->page = getpagesize();
	self->size = BUF_PAGES * self->page;
	self->fd = exporter_buffer(variant->exporter, self->size, &self->memfd);
	if (self->fd < 0)
		SKIP(return, "no %s exporter: %s", variant->exporter, strerror(errno));
}

FIXTURE_TEARDOWN(dmabuf)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->memfd >= 0)
		close(self->memfd);
}

struct range {
	__u64 offset;
	__u64 len;
};

static int sync_partial(int fd, __u64 flags, __u64 offset, __u64 len)
{
	struct dma_buf_sync_partial sync = {
		.flags = flags,
		.offset = offset,
		.len = len,
	};

	return ioctl(fd, DMA_BUF_IOCTL_SYNC_PARTIAL, &sync);
}

static int sync_full(int fd, __u64 flags)
{
	struct dma_buf_sync sync = { .flags = flags };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
}

TEST_F(dmabuf, sync_partial_accepts_ranges_inside)
{
	const struct range ranges[] = {
		{ 0, self->page },
		{ self->size - 1, 1 },
		{ 0, self->size },
		{ self->page + 123, 2 * self->page + 45 },
		{ self->size - self->page, self->page },
	};
	static const __u64 access[] = {
		DMA_BUF_SYNC_READ, DMA_BUF_SYNC_WRITE, DMA_BUF_SYNC_RW,
	};
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(ranges); i++) {
		for (j = 0; j < ARRAY_SIZE(access); j++) {
			EXPECT_EQ(0, sync_partial(self->fd, DMA_BUF_SYNC_START | access[j],
						  ranges[i].offset, ranges[i].len))
				TH_LOG("START 0x%llx [%llu, +%llu): %s",
				       (unsigned long long)access[j],
				       (unsigned long long)ranges[i].offset,
				       (unsigned long long)ranges[i].len, strerror(errno));
			EXPECT_EQ(0, sync_partial(self->fd, DMA_BUF_SYNC_END | access[j],
						  ranges[i].offset, ranges[i].len))
				TH_LOG("END 0x%llx [%llu, +%llu): %s",
				       (unsigned long long)access[j],
				       (unsigned long long)ranges[i].offset,
				       (unsigned long long)ranges[i].len, strerror(errno));
		}
	}
}

/*
 * The 16-byte encoding of Rockchip's vendor kernels, which their userspace
 * (MPP, librga) calls: _IOW('b', 2, { __u64 flags; __u32 offset; __u32 len; }),
 * 0x40106202.  Accepted, with the checks of DMA_BUF_IOCTL_SYNC_PARTIAL.
 */
struct sync_partial_vendor {
	__u64 flags;
	__u32 offset;
	__u32 len;
};

static int sync_partial_vendor(int fd, __u64 flags, __u32 offset, __u32 len)
{
	struct sync_partial_vendor sync = {
		.flags = flags, .offset = offset, .len = len,
	};

	return ioctl(fd, _IOW(DMA_BUF_BASE, 2, struct sync_partial_vendor), &sync);
}

TEST_F(dmabuf, sync_partial_vendor_encoding)
{
	__u32 size = self->size, page = self->page;

	ASSERT_EQ(0x40106202UL, _IOW(DMA_BUF_BASE, 2, struct sync_partial_vendor));
	EXPECT_EQ(0, sync_partial_vendor(self->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW,
					 page + 7, page))
		TH_LOG("START: %s", strerror(errno));
	EXPECT_EQ(0, sync_partial_vendor(self->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW,
					 page + 7, page))
		TH_LOG("END: %s", strerror(errno));
	EXPECT_EQ(0, sync_partial_vendor(self->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ,
					 0, size));
	EXPECT_EQ(0, sync_partial_vendor(self->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ,
					 0, size));

	EXPECT_EQ(-1, sync_partial_vendor(self->fd, DMA_BUF_SYNC_START, 0, page));
	EXPECT_EQ(EINVAL, errno) TH_LOG("no direction");
	EXPECT_EQ(-1, sync_partial_vendor(self->fd, DMA_BUF_SYNC_RW | (1 << 3), 0, page));
	EXPECT_EQ(EINVAL, errno) TH_LOG("unknown flag");
	EXPECT_EQ(-1, sync_partial_vendor(self->fd, DMA_BUF_SYNC_RW, 0, 0));
	EXPECT_EQ(EINVAL, errno) TH_LOG("length 0");
	EXPECT_EQ(-1, sync_partial_vendor(self->fd, DMA_BUF_SYNC_RW, size - 1, 2));
	EXPECT_EQ(EINVAL, errno) TH_LOG("past the end");
	EXPECT_EQ(-1, sync_partial_vendor(self->fd, DMA_BUF_SYNC_RW, ~0U, ~0U));
	EXPECT_EQ(EINVAL, errno) TH_LOG("offset and length 2^32 - 1");
}

TEST_F(dmabuf, sync_partial_validates_flags)
{
	static const __u64 good[] = {
		DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ,
		DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ,
		DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE,
		DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE,
		DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW,
		DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW,
	};
	static const __u64 bad[] = {
		0,				/* no access */
		DMA_BUF_SYNC_END,		/* no access */
		DMA_BUF_SYNC_RW | (1 << 3),	/* unknown bit */
		DMA_BUF_SYNC_READ | (1 << 8),	/* unknown bit */
		DMA_BUF_SYNC_RW | (1ULL << 32),	/* unknown bit, above 32 bits */
		DMA_BUF_SYNC_RW | (1ULL << 63),	/* unknown bit */
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(good); i++)
		EXPECT_EQ(0, sync_partial(self->fd, good[i], self->page, self->page))
			TH_LOG("flags 0x%llx: %s", (unsigned long long)good[i],
			       strerror(errno));

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		/* over a valid range, over the whole buffer and over one byte */
		EXPECT_EQ(-1, sync_partial(self->fd, bad[i], self->page, self->page))
			TH_LOG("flags 0x%llx accepted", (unsigned long long)bad[i]);
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, sync_partial(self->fd, bad[i], 0, self->size))
			TH_LOG("flags 0x%llx accepted", (unsigned long long)bad[i]);
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, sync_partial(self->fd, bad[i], 0, 1))
			TH_LOG("flags 0x%llx accepted", (unsigned long long)bad[i]);
		EXPECT_EQ(EINVAL, errno);
	}
}

static void expect_bad_ranges(struct __test_metadata *_metadata, int fd,
			      const struct range *r, unsigned int n)
{
	static const __u64 flags[] = {
		DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ,
		DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ,
		DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW,
		DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW,
	};
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < ARRAY_SIZE(flags); j++) {
			EXPECT_EQ(-1, sync_partial(fd, flags[j], r[i].offset, r[i].len))
				TH_LOG("flags 0x%llx offset 0x%llx len 0x%llx accepted",
				       (unsigned long long)flags[j],
				       (unsigned long long)r[i].offset,
				       (unsigned long long)r[i].len);
			EXPECT_EQ(EINVAL, errno)
				TH_LOG("offset 0x%llx len 0x%llx: %s",
				       (unsigned long long)r[i].offset,
				       (unsigned long long)r[i].len, strerror(errno));
		}
	}
}

TEST_F(dmabuf, sync_partial_rejects_ranges_outside)
{
	const struct range bad[] = {
		{ 0, 0 },				/* empty */
		{ self->page, 0 },
		{ self->size - 1, 0 },
		{ self->size, 0 },
		{ self->size, 1 },			/* starts at the end */
		{ self->size + self->page, self->page },
		{ 0, self->size + 1 },			/* one byte too long */
		{ self->size - 1, 2 },
		{ self->page, self->size },
		{ self->size - self->page + 1, self->page },
	};

	expect_bad_ranges(_metadata, self->fd, bad, ARRAY_SIZE(bad));

	/* none of that left the buffer unusable */
	EXPECT_EQ(0, sync_partial(self->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW,
				  0, self->size));
	EXPECT_EQ(0, sync_partial(self->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW,
				  0, self->size));
}

TEST_F(dmabuf, sync_partial_rejects_overflowing_ranges)
{
	const struct range bad[] = {
		{ 1, UINT64_MAX },			/* end wraps to 0 */
		{ UINT64_MAX, 1 },			/* end wraps to 0 */
		{ UINT64_MAX, 0 },
		{ UINT64_MAX, UINT64_MAX },
		{ 0, UINT64_MAX },
		{ self->size, -(__u64)self->size },	/* end wraps to 0 */
		{ self->page, UINT64_MAX - self->page + 2 },	/* end wraps to 1 */
		{ 1ULL << 63, 1 },			/* negative as a loff_t */
		{ 0, 1ULL << 63 },
		{ 1ULL << 32, 1 },			/* offset 0 in 32 bits */
		{ 0, (1ULL << 32) + 1 },		/* length 1 in 32 bits */
		{ (1ULL << 32) + 1, self->page },
	};

	expect_bad_ranges(_metadata, self->fd, bad, ARRAY_SIZE(bad));
}

/* Index of the first byte where A and B differ, or -1. */
static long first_diff(const unsigned char *a, const unsigned char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return i;
	return -1;
}

static unsigned char pattern(unsigned int round, size_t pos)
{
	return (round * 67 + pos * 13 + 1) & 0xff;
}

/*
 * Write ranges through one mapping between partial START|WRITE and END|WRITE,
 * read them back through a second mapping between partial START|READ and
 * END|READ.  Bytes outside the range keep their value.  For udmabuf the
 * memfd shows the same bytes, and bytes written to the memfd are seen through
 * the mapping after a partial START|READ.
 */
TEST_F(dmabuf, sync_partial_brackets_cpu_access)
{
	const struct range ranges[] = {
		{ 0, self->page },
		{ self->size - 1, 1 },
		{ self->page + 123, 2 * self->page + 45 },
		{ self->size - self->page - 7, self->page },
		{ 0, self->size },
	};
	unsigned char *wr, *rd, *shadow, *copy;
	unsigned int i;
	size_t j;

	wr = mmap(NULL, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, wr);
	rd = mmap(NULL, self->size, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, rd);
	shadow = malloc(self->size);
	copy = malloc(self->size);
	ASSERT_NE(NULL, shadow);
	ASSERT_NE(NULL, copy);

	ASSERT_EQ(0, sync_full(self->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));
	memset(wr, 0xa5, self->size);
	memset(shadow, 0xa5, self->size);
	ASSERT_EQ(0, sync_full(self->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));

	for (i = 0; i < ARRAY_SIZE(ranges); i++) {
		const struct range *r = &ranges[i];

		ASSERT_EQ(0, sync_partial(self->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE,
					  r->offset, r->len))
			TH_LOG("SYNC_PARTIAL: %s", strerror(errno));
		for (j = r->offset; j < r->offset + r->len; j++) {
			shadow[j] = pattern(i, j);
			wr[j] = shadow[j];
		}
		ASSERT_EQ(0, sync_partial(self->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE,
					  r->offset, r->len));

		ASSERT_EQ(0, sync_partial(self->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ,
					  r->offset, r->len));
		EXPECT_EQ(-1, first_diff(shadow + r->offset, rd + r->offset, r->len))
			TH_LOG("range %u: byte %ld differs", i,
			       first_diff(shadow + r->offset, rd + r->offset, r->len));
		ASSERT_EQ(0, sync_partial(self->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ,
					  r->offset, r->len));

		/* the rest of the buffer did not move */
		ASSERT_EQ(0, sync_full(self->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
		EXPECT_EQ(-1, first_diff(shadow, rd, self->size))
			TH_LOG("range %u: byte %ld of the buffer differs", i,
			       first_diff(shadow, rd, self->size));
		ASSERT_EQ(0, sync_full(self->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));

		if (self->memfd < 0)
			continue;
		ASSERT_EQ((ssize_t)self->size, pread(self->memfd, copy, self->size, 0));
		EXPECT_EQ(-1, first_diff(shadow, copy, self->size))
			TH_LOG("range %u: byte %ld of the memfd differs", i,
			       first_diff(shadow, copy, self->size));
	}

	/* udmabuf: the other way round, memfd to the mapping */
	for (i = 0; self->memfd >= 0 && i < ARRAY_SIZE(ranges); i++) {
		const struct range *r = &ranges[i];

		for (j = r->offset; j < r->offset + r->len; j++)
			shadow[j] = pattern(i + 100, j);
		ASSERT_EQ((ssize_t)r->len, pwrite(self->memfd, shadow + r->offset,
						  r->len, r->offset));
		ASSERT_EQ(0, sync_partial(self->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ,
					  r->offset, r->len));
		EXPECT_EQ(-1, first_diff(shadow + r->offset, rd + r->offset, r->len))
			TH_LOG("range %u: byte %ld differs", i,
			       first_diff(shadow + r->offset, rd + r->offset, r->len));
		ASSERT_EQ(0, sync_partial(self->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ,
					  r->offset, r->len));
	}

	free(copy);
	free(shadow);
	munmap(rd, self->size);
	munmap(wr, self->size);
}

/* Partial and whole-buffer brackets may nest, as SYNC pairs may. */
TEST_F(dmabuf, sync_partial_nests_with_sync)
{
	EXPECT_EQ(0, sync_full(self->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	EXPECT_EQ(0, sync_partial(self->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE,
				  self->page, self->page));
	EXPECT_EQ(0, sync_partial(self->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW,
				  0, self->size));
	EXPECT_EQ(0, sync_partial(self->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW,
				  0, self->size));
	EXPECT_EQ(0, sync_partial(self->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE,
				  self->page, self->page));
	EXPECT_EQ(0, sync_full(self->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
}

TEST_F(dmabuf, unknown_ioctls_fail_with_enotty)
{
	static const struct {
		unsigned long cmd;
		const char *what;
	} bad[] = {
		{ _IO(DMA_BUF_BASE, 0x3f), "unused number" },
		{ _IOWR(DMA_BUF_BASE, 0xff, struct dma_buf_sync_partial), "unused number" },
		{ _IOR(DMA_BUF_BASE, 0, struct dma_buf_sync), "SYNC, direction _IOR" },
		{ _IOW(DMA_BUF_BASE, 0, __u32), "SYNC, 4 bytes" },
		{ _IOW(DMA_BUF_BASE, 0, struct dma_buf_sync_partial), "SYNC, 24 bytes" },
		{ _IOW(DMA_BUF_BASE, 1, __u16), "SET_NAME, 2 bytes" },
		{ _IOW(DMA_BUF_BASE, 2, struct dma_buf_export_sync_file),
		  "EXPORT_SYNC_FILE, direction _IOW" },
		{ _IOWR(DMA_BUF_BASE, 3, struct dma_buf_import_sync_file),
		  "IMPORT_SYNC_FILE, direction _IOWR" },
		{ _IOW(DMA_BUF_BASE, 4, struct dma_buf_sync), "SYNC_PARTIAL, 8 bytes" },
		{ _IOWR(DMA_BUF_BASE, 4, struct dma_buf_sync_partial),
		  "SYNC_PARTIAL, direction _IOWR" },
		{ _IOW('B', 0, struct dma_buf_sync), "another type" },
		{ 0, "zero" },
	};
	/* zeroes: a command taken for a known one fails its checks otherwise */
	__u64 arg[8];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(arg, 0, sizeof(arg));
		EXPECT_EQ(-1, ioctl(self->fd, bad[i].cmd, arg))
			TH_LOG("0x%lx (%s) accepted", bad[i].cmd, bad[i].what);
		EXPECT_EQ(ENOTTY, errno)
			TH_LOG("0x%lx (%s): %s", bad[i].cmd, bad[i].what, strerror(errno));
	}
}

TEST_F(dmabuf, unreadable_arguments_fail_with_efault)
{
	static const unsigned long cmds[] = {
		DMA_BUF_IOCTL_SYNC,
		DMA_BUF_IOCTL_SYNC_PARTIAL,
		DMA_BUF_IOCTL_EXPORT_SYNC_FILE,
		DMA_BUF_IOCTL_IMPORT_SYNC_FILE,
		DMA_BUF_SET_NAME_A,	/* dmabuf-file.c tries _B with (void *)8 */
	};
	unsigned char *mem, *end;
	unsigned int i;
	__u64 *u64;
	__u32 *u32;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		EXPECT_EQ(-1, ioctl(self->fd, cmds[i], (void *)8))
			TH_LOG("0x%lx with (void *)8 accepted", cmds[i]);
		EXPECT_EQ(EFAULT, errno);
		EXPECT_EQ(-1, ioctl(self->fd, cmds[i], NULL))
			TH_LOG("0x%lx with NULL accepted", cmds[i]);
		EXPECT_EQ(EFAULT, errno);
	}

	/*
	 * An argument whose leading fields are readable and valid but whose
	 * last field lies on an inaccessible page.
	 */
	mem = mmap(NULL, 2 * self->page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	ASSERT_EQ(0, mprotect(mem + self->page, self->page, PROT_NONE));
	end = mem + self->page;

	/* dma_buf_sync: only half of flags */
	u32 = (__u32 *)(end - 4);
	*u32 = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ;
	EXPECT_EQ(-1, ioctl(self->fd, DMA_BUF_IOCTL_SYNC, u32));
	EXPECT_EQ(EFAULT, errno);

	/* dma_buf_sync_partial: flags and offset, not len */
	u64 = (__u64 *)(end - 16);
	u64[0] = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ;
	u64[1] = 0;
	EXPECT_EQ(-1, ioctl(self->fd, DMA_BUF_IOCTL_SYNC_PARTIAL, u64));
	EXPECT_EQ(EFAULT, errno);

	/* dma_buf_sync_partial: flags only */
	u64 = (__u64 *)(end - 8);
	u64[0] = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ;
	EXPECT_EQ(-1, ioctl(self->fd, DMA_BUF_IOCTL_SYNC_PARTIAL, u64));
	EXPECT_EQ(EFAULT, errno);

	/* export and import: flags, not fd */
	u32 = (__u32 *)(end - 4);
	*u32 = DMA_BUF_SYNC_RW;
	EXPECT_EQ(-1, ioctl(self->fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, u32));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, u32));
	EXPECT_EQ(EFAULT, errno);

	/* a name whose NUL would lie on the inaccessible page */
	memset(end - 4, 'n', 4);
	EXPECT_EQ(-1, ioctl(self->fd, DMA_BUF_SET_NAME_B, end - 4));
	EXPECT_EQ(EFAULT, errno);

	munmap(mem, 2 * self->page);
}

/* The exported sync_file cannot be returned: EFAULT, and no fd is left. */
TEST_F(dmabuf, unwritable_export_fails_with_efault)
{
	struct dma_buf_export_sync_file *exp;
	int probe, next;

	exp = mmap(NULL, self->page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, exp);
	exp->flags = DMA_BUF_SYNC_RW;
	exp->fd = -1;
	ASSERT_EQ(0, mprotect(exp, self->page, PROT_READ));

	probe = dup(self->fd);
	ASSERT_GE(probe, 0);
	close(probe);

	EXPECT_EQ(-1, ioctl(self->fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, exp));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, exp->fd);

	/* the lowest free fd is still the same one */
	next = dup(self->fd);
	EXPECT_EQ(probe, next);
	close(next);

	munmap(exp, self->page);
}

TEST_HARNESS_MAIN
