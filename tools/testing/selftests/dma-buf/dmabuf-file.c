// SPDX-License-Identifier: GPL-2.0
/*
 * The file interface every dma-buf offers userspace, whoever exported it:
 * llseek, DMA_BUF_IOCTL_SYNC, mmap limits, naming, fdinfo, the /proc fd link,
 * poll and the sync_file import/export ioctls.  Each test runs on a buffer
 * from the system heap and on one from udmabuf.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

#define BUF_PAGES 16

FIXTURE(dmabuf) {
	int fd;		/* the dma-buf */
	int memfd;	/* udmabuf's backing memory, or -1 */
	size_t size;
};

FIXTURE_VARIANT(dmabuf) {
	const char *exporter;	/* expected exp_name in fdinfo */
};

FIXTURE_VARIANT_ADD(dmabuf, system_heap) {
	.exporter = "system",
};

FIXTURE_VARIANT_ADD(dmabuf, udmabuf) {
	.exporter = "udmabuf",
};

static int heap_buffer(size_t size)
{
	struct dma_heap_allocation_data data = {
		.len = size,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	int heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	int ret;

	if (heap < 0)
		return -1;
	ret = ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &data);
	close(heap);
	return ret ? -1 : (int)data.fd;
}

static int udmabuf_buffer(size_t size, int *memfd)
{
	struct udmabuf_create create = { .flags = UDMABUF_FLAGS_CLOEXEC, .size = size };
	int dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	int fd;

	if (dev < 0)
		return -1;
	*memfd = memfd_create("dmabuf-file", MFD_ALLOW_SEALING);
	if (*memfd < 0 || ftruncate(*memfd, size) ||
	    fcntl(*memfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		close(dev);
		return -1;
	}
	create.memfd = *memfd;
	fd = ioctl(dev, UDMABUF_CREATE, &create);
	close(dev);
	return fd;
}

FIXTURE_SETUP(dmabuf)
{
	self->size = BUF_PAGES * getpagesize();
	self->memfd = -1;
	if (!strcmp(variant->exporter, "system"))
		self->fd = heap_buffer(self->size);
	else
		self->fd = udmabuf_buffer(self->size, &self->memfd);
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

/* The value of KEY in the fdinfo of FD, or an empty string. */
static void fdinfo_value(int fd, const char *key, char *val, size_t len)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	FILE *f;

	val[0] = '\0';
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			snprintf(val, len, "%s", line + klen + 1 + strspn(line + klen + 1, " \t"));
			val[strcspn(val, "\n")] = '\0';
			break;
		}
	}
	fclose(f);
}

TEST_F(dmabuf, seek_reports_size_only)
{
	EXPECT_EQ((off_t)self->size, lseek(self->fd, 0, SEEK_END));
	EXPECT_EQ(0, lseek(self->fd, 0, SEEK_SET));

	EXPECT_EQ(-1, lseek(self->fd, 0, SEEK_CUR));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, lseek(self->fd, 1, SEEK_SET));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, lseek(self->fd, -1, SEEK_END));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dmabuf, sync_validates_flags)
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
		0,				/* no direction */
		DMA_BUF_SYNC_END,		/* no direction */
		DMA_BUF_SYNC_RW | (1 << 3),	/* unknown bit */
		DMA_BUF_SYNC_RW | (1ULL << 63),	/* unknown bit */
	};
	struct dma_buf_sync sync;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		sync.flags = good[i];
		EXPECT_EQ(0, ioctl(self->fd, DMA_BUF_IOCTL_SYNC, &sync))
			TH_LOG("flags 0x%llx: %s", (unsigned long long)good[i], strerror(errno));
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		sync.flags = bad[i];
		EXPECT_EQ(-1, ioctl(self->fd, DMA_BUF_IOCTL_SYNC, &sync))
			TH_LOG("flags 0x%llx accepted", (unsigned long long)bad[i]);
		EXPECT_EQ(EINVAL, errno);
	}
}

TEST_F(dmabuf, mmap_stays_within_the_buffer)
{
	long page = getpagesize();
	char *p;

	p = mmap(NULL, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x5a, self->size);
	EXPECT_EQ(0x5a, p[self->size - 1]);
	munmap(p, self->size);

	/* the last page alone */
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, self->fd, self->size - page);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0x5a, p[0]);
	munmap(p, page);

	/* one page too many, from the start and from an offset */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, self->size + page, PROT_READ, MAP_SHARED,
				   self->fd, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 2 * page, PROT_READ, MAP_SHARED,
				   self->fd, self->size - page));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, page, PROT_READ, MAP_SHARED, self->fd,
				   self->size));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dmabuf, name_shows_in_fdinfo_and_fd_link)
{
	char longest[DMA_BUF_NAME_LEN], too_long[DMA_BUF_NAME_LEN + 1];
	char val[128], path[64], link[128];
	ssize_t n;

	fdinfo_value(self->fd, "size", val, sizeof(val));
	EXPECT_EQ(self->size, strtoull(val, NULL, 10));
	fdinfo_value(self->fd, "exp_name", val, sizeof(val));
	EXPECT_STREQ(variant->exporter, val);
	fdinfo_value(self->fd, "count", val, sizeof(val));
	EXPECT_STRNE("", val);

	ASSERT_EQ(0, ioctl(self->fd, DMA_BUF_SET_NAME_B, "camera-0"));
	fdinfo_value(self->fd, "name", val, sizeof(val));
	EXPECT_STREQ("camera-0", val);

	snprintf(path, sizeof(path), "/proc/self/fd/%d", self->fd);
	n = readlink(path, link, sizeof(link) - 1);
	ASSERT_GT(n, 0);
	link[n] = '\0';
	EXPECT_STREQ("/dmabuf:camera-0", link);

	/* DMA_BUF_NAME_LEN counts the terminating NUL */
	memset(longest, 'x', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	EXPECT_EQ(0, ioctl(self->fd, DMA_BUF_SET_NAME_A, longest));
	fdinfo_value(self->fd, "name", val, sizeof(val));
	EXPECT_STREQ(longest, val);

	memset(too_long, 'y', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';
	EXPECT_EQ(-1, ioctl(self->fd, DMA_BUF_SET_NAME_B, too_long));
	EXPECT_EQ(EINVAL, errno);
	fdinfo_value(self->fd, "name", val, sizeof(val));
	EXPECT_STREQ(longest, val);

	EXPECT_EQ(-1, ioctl(self->fd, DMA_BUF_SET_NAME_B, (void *)8));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(dmabuf, idle_buffer_polls_ready)
{
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN | POLLOUT };

	ASSERT_EQ(1, poll(&pfd, 1, 1000));
	EXPECT_EQ(POLLIN | POLLOUT, pfd.revents);
}

TEST_F(dmabuf, sync_file_export_and_import)
{
	struct dma_buf_export_sync_file exp = { .flags = DMA_BUF_SYNC_RW, .fd = -1 };
	struct dma_buf_import_sync_file imp = { .flags = DMA_BUF_SYNC_WRITE };
	struct pollfd pfd = { .events = POLLIN };

	ASSERT_EQ(0, ioctl(self->fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &exp));
	ASSERT_GE(exp.fd, 0);
	/* nothing is pending on a fresh buffer: the sync_file is signalled */
	pfd.fd = exp.fd;
	EXPECT_EQ(1, poll(&pfd, 1, 1000));

	imp.fd = exp.fd;
	EXPECT_EQ(0, ioctl(self->fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp));
	imp.flags = DMA_BUF_SYNC_RW | (1 << 4);
	EXPECT_EQ(-1, ioctl(self->fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp));
	EXPECT_EQ(EINVAL, errno);
	imp.flags = DMA_BUF_SYNC_READ;
	imp.fd = self->fd;	/* a dma-buf is no sync_file */
	EXPECT_EQ(-1, ioctl(self->fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp));
	EXPECT_EQ(EINVAL, errno);
	close(exp.fd);

	exp.flags = 0;
	EXPECT_EQ(-1, ioctl(self->fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &exp));
	EXPECT_EQ(EINVAL, errno);
	exp.flags = DMA_BUF_SYNC_READ | (1 << 2);
	EXPECT_EQ(-1, ioctl(self->fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &exp));
	EXPECT_EQ(EINVAL, errno);
}

TEST_HARNESS_MAIN
