// SPDX-License-Identifier: GPL-2.0
/*
 * The file interface every dma-buf offers userspace, whoever exported it:
 * llseek, DMA_BUF_IOCTL_SYNC, mmap limits, naming, fdinfo (with the
 * attachments of vgem when it exists), the /proc fd link, poll and epoll and
 * the sync_file import/export ioctls.  Each test runs on a buffer from the
 * system heap and on one from udmabuf.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <linux/dma-buf.h>
#include <drm/drm.h>

#include "../kselftest_harness.h"
#include "dmabuf-common.h"

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

FIXTURE_SETUP(dmabuf)
{
	self->size = BUF_PAGES * getpagesize();
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

	/* far too long, and offsets past the end */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 1024 * self->size, PROT_READ, MAP_SHARED,
				   self->fd, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, page, PROT_READ, MAP_SHARED, self->fd,
				   self->size + page));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, page, PROT_READ, MAP_SHARED, self->fd,
				   (off_t)1 << 40));
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

TEST_F(dmabuf, idle_buffer_epolls_ready)
{
	struct dma_buf_export_sync_file exp = { .flags = DMA_BUF_SYNC_RW, .fd = -1 };
	struct dma_buf_import_sync_file imp = { .flags = DMA_BUF_SYNC_WRITE };
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT }, out[2];
	struct pollfd pfd = { .fd = self->fd };
	int ep, i;

	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_GE(ep, 0);
	ev.data.fd = self->fd;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ev));

	/* level-triggered: ready at every wait */
	for (i = 0; i < 3; i++) {
		if (i == 2) {
			/* a signalled fence recorded as a write changes nothing */
			ASSERT_EQ(0, ioctl(self->fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &exp));
			imp.fd = exp.fd;
			ASSERT_EQ(0, ioctl(self->fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp));
			close(exp.fd);
		}
		memset(out, 0, sizeof(out));
		ASSERT_EQ(1, epoll_wait(ep, out, ARRAY_SIZE(out), 1000))
			TH_LOG("wait %d: not ready", i);
		EXPECT_EQ(self->fd, out[0].data.fd);
		EXPECT_EQ((__u32)(EPOLLIN | EPOLLOUT), out[0].events);
	}
	close(ep);

	/* each direction alone */
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, 1000));
	EXPECT_EQ(POLLIN, pfd.revents);
	pfd.events = POLLOUT;
	ASSERT_EQ(1, poll(&pfd, 1, 1000));
	EXPECT_EQ(POLLOUT, pfd.revents);
}

TEST_F(dmabuf, sync_file_import_rejects_bad_input)
{
	struct dma_buf_export_sync_file exp = { .flags = DMA_BUF_SYNC_READ, .fd = -1 };
	static const __u32 bad_flags[] = {
		0, DMA_BUF_SYNC_END, DMA_BUF_SYNC_RW | (1U << 31),
	};
	struct dma_buf_import_sync_file imp;
	int pipefd[2], closed, bad_fds[4];
	unsigned int i;

	ASSERT_EQ(0, ioctl(self->fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &exp));
	ASSERT_EQ(0, pipe2(pipefd, O_CLOEXEC));
	closed = dup(pipefd[0]);
	ASSERT_GE(closed, 0);
	close(closed);

	/* a good sync_file with bad flags */
	for (i = 0; i < ARRAY_SIZE(bad_flags); i++) {
		imp.flags = bad_flags[i];
		imp.fd = exp.fd;
		EXPECT_EQ(-1, ioctl(self->fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp))
			TH_LOG("flags 0x%x accepted", bad_flags[i]);
		EXPECT_EQ(EINVAL, errno);
	}

	/* good flags with fds that are no sync_file */
	bad_fds[0] = -1;
	bad_fds[1] = closed;
	bad_fds[2] = pipefd[0];
	bad_fds[3] = pipefd[1];
	for (i = 0; i < ARRAY_SIZE(bad_fds); i++) {
		imp.flags = DMA_BUF_SYNC_RW;
		imp.fd = bad_fds[i];
		EXPECT_EQ(-1, ioctl(self->fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp))
			TH_LOG("fd %d accepted", bad_fds[i]);
		EXPECT_EQ(EINVAL, errno);
	}

	/* the sync_file itself is still good */
	imp.flags = DMA_BUF_SYNC_READ;
	imp.fd = exp.fd;
	EXPECT_EQ(0, ioctl(self->fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp));

	/* export with the top bit set */
	close(exp.fd);
	exp.flags = DMA_BUF_SYNC_RW | (1U << 31);
	exp.fd = -1;
	EXPECT_EQ(-1, ioctl(self->fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &exp));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, exp.fd);

	close(pipefd[0]);
	close(pipefd[1]);
}

static void expect_key(struct __test_metadata *_metadata,
		       const struct fdinfo *info, const char *key)
{
	char pattern[64];
	size_t n;

	n = snprintf(pattern, sizeof(pattern), "\n%s:", key);
	EXPECT_TRUE(!strncmp(info->text, pattern + 1, n - 1) ||
		    strstr(info->text, pattern))
		TH_LOG("no \"%s\" in fdinfo:\n%s", pattern + 1, info->text);
}

static void expect_upstream_keys(struct __test_metadata *_metadata,
				 const struct fdinfo *info)
{
	/* procfs' own, then the dma-buf's ("mode" is ours, 6.12 lacks it) */
	static const char * const keys[] = {
		"pos", "flags", "mnt_id", "ino", "size", "count", "mode", "exp_name",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		expect_key(_metadata, info, keys[i]);
}

/*
 * debugfs dma_buf/bufinfo read the way a program written for Linux 6.12
 * reads it: after "Dma-buf Objects:" and the column header, one line per
 * buffer with size, flags, mode, count, exp_name, ino and name separated by
 * tabs, the numbers zero-padded to eight digits, and "\tAttached Devices:"
 * after it.  What the series adds comes after 6.12's closing total.
 */
TEST_F(dmabuf, bufinfo_keeps_the_6_12_table)
{
	static const char header[] =
		"size    \tflags   \tmode    \tcount   \texp_name\tino     \tname\n";
	char *text = NULL, *line, *next, exp[64], name[64];
	unsigned long size, ino, want_ino;
	bool in_table = false, found = false, devices = false;
	unsigned int flags, mode;
	size_t cap = 0;
	struct stat st;
	long count;
	FILE *f;

	ASSERT_EQ(0, ioctl(self->fd, DMA_BUF_SET_NAME_B, "bufinfo-6.12"));
	ASSERT_EQ(0, fstat(self->fd, &st));
	want_ino = st.st_ino;
	f = fopen("/sys/kernel/debug/dma_buf/bufinfo", "r");
	if (!f)
		SKIP(return, "no bufinfo: %s", strerror(errno));
	ASSERT_LT(0, getdelim(&text, &cap, '\0', f));
	fclose(f);

	for (line = text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strcmp(line, "Dma-buf Objects:")) {
			EXPECT_NE(NULL, next);
			EXPECT_EQ(0, strncmp(next, header, strlen(header)))
				TH_LOG("header: %.80s", next);
			in_table = true;
			continue;
		}
		if (!in_table)
			continue;
		if (!strncmp(line, "Total ", 6) && strstr(line, "objects"))
			break;
		if (found && !devices && !strcmp(line, "\tAttached Devices:"))
			devices = true;
		if (sscanf(line, "%lu\t%x\t%x\t%ld\t%63s\t%lu\t%63s", &size,
			   &flags, &mode, &count, exp, &ino, name) != 7 ||
		    ino != want_ino)
			continue;
		EXPECT_FALSE(found) TH_LOG("the buffer is listed twice");
		found = true;
		EXPECT_EQ(8, (int)strcspn(line, "\t")) TH_LOG("%s", line);
		EXPECT_EQ(self->size, size);
		EXPECT_STREQ(variant->exporter, exp);
		EXPECT_STREQ("bufinfo-6.12", name);
		EXPECT_LE(1, count);
	}
	EXPECT_TRUE(in_table) TH_LOG("no \"Dma-buf Objects:\" line");
	EXPECT_TRUE(found) TH_LOG("ino %lu not in 6.12's table", want_ino);
	EXPECT_TRUE(devices) TH_LOG("no \"Attached Devices:\" after the buffer");
	EXPECT_NE(NULL, next) TH_LOG("no \"Total N objects\" line");
	free(text);
}

TEST_F(dmabuf, fdinfo_lists_no_attachments)
{
	struct dma_buf_sync sync;
	struct fdinfo info;
	char val[64], *p;

	ASSERT_EQ(0, read_fdinfo(self->fd, &info));
	expect_upstream_keys(_metadata, &info);
	EXPECT_NE(NULL, strstr(info.text, "\nattachments:\t0\n"))
		TH_LOG("fdinfo:\n%s", info.text);
	EXPECT_EQ(0, info.attachments);
	EXPECT_EQ(0, info.nr);
	EXPECT_EQ(0, info.bad);

	/* neither a name nor CPU access through mmap adds an attachment */
	ASSERT_EQ(0, ioctl(self->fd, DMA_BUF_SET_NAME_B, "no-attachments"));
	fdinfo_value(self->fd, "name", val, sizeof(val));
	EXPECT_STREQ("no-attachments", val);
	p = mmap(NULL, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	sync.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW;
	ASSERT_EQ(0, ioctl(self->fd, DMA_BUF_IOCTL_SYNC, &sync));
	p[0] = 1;
	ASSERT_EQ(0, read_fdinfo(self->fd, &info));
	EXPECT_NE(NULL, strstr(info.text, "\nattachments:\t0\n"))
		TH_LOG("fdinfo:\n%s", info.text);
	EXPECT_EQ(0, info.nr + info.bad);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
	EXPECT_EQ(0, ioctl(self->fd, DMA_BUF_IOCTL_SYNC, &sync));
	munmap(p, self->size);
}

TEST_F(dmabuf, fdinfo_lists_vgem_attachments)
{
	long count, size;
	__u32 handle, again;
	struct fdinfo info;
	char path[32], val[64];
	int vgem;

	vgem = open_vgem(path, sizeof(path));
	if (vgem < 0)
		SKIP(return, "no vgem device");

	fdinfo_value(self->fd, "count", val, sizeof(val));
	count = strtol(val, NULL, 10);
	EXPECT_NE(0, count);

	/* vgem attaches (not dynamically) and maps once at import */
	ASSERT_EQ(0, prime_import(vgem, self->fd, &handle))
		TH_LOG("import into vgem: %s", strerror(errno));
	ASSERT_EQ(0, read_fdinfo(self->fd, &info));
	expect_upstream_keys(_metadata, &info);
	fdinfo_value(self->fd, "size", val, sizeof(val));
	size = strtol(val, NULL, 10);
	EXPECT_EQ((long)self->size, size);
	fdinfo_value(self->fd, "exp_name", val, sizeof(val));
	EXPECT_STREQ(variant->exporter, val);
	EXPECT_NE(NULL, strstr(info.text, "\nattachments:\t1\n"))
		TH_LOG("fdinfo:\n%s", info.text);
	EXPECT_EQ(0, info.bad)
		TH_LOG("malformed attachment line in:\n%s", info.text);
	ASSERT_EQ(1, info.nr)
		TH_LOG("fdinfo:\n%s", info.text);
	EXPECT_STRNE("", info.att[0].dev);
	EXPECT_EQ(0, info.att[0].dynamic);
	EXPECT_EQ(1, info.att[0].mapped);
	EXPECT_EQ(1, info.att[0].maps);
	TH_LOG("vgem attaches as \"%s\"", info.att[0].dev);

	/* the same drm file imports the same dma-buf only once */
	ASSERT_EQ(0, prime_import(vgem, self->fd, &again));
	EXPECT_EQ(handle, again);
	ASSERT_EQ(0, read_fdinfo(self->fd, &info));
	EXPECT_EQ(1, info.attachments);
	EXPECT_EQ(1, info.nr);

	/* closing the handle detaches */
	EXPECT_EQ(0, gem_close(vgem, handle));
	ASSERT_EQ(0, read_fdinfo(self->fd, &info));
	EXPECT_NE(NULL, strstr(info.text, "\nattachments:\t0\n"))
		TH_LOG("fdinfo:\n%s", info.text);
	EXPECT_EQ(0, info.nr + info.bad);

	/*
	 * So does closing the drm file with a handle still open.  (A second
	 * drm file of the same device is not used: mapping one buffer twice
	 * for the same device makes DMA-API debugging warn about overlapping
	 * mappings.)
	 */
	ASSERT_EQ(0, prime_import(vgem, self->fd, &handle));
	ASSERT_EQ(0, read_fdinfo(self->fd, &info));
	EXPECT_EQ(1, info.attachments);
	close(vgem);
	ASSERT_EQ(0, read_fdinfo(self->fd, &info));
	EXPECT_NE(NULL, strstr(info.text, "\nattachments:\t0\n"))
		TH_LOG("fdinfo:\n%s", info.text);
	EXPECT_EQ(0, info.nr + info.bad);
	fdinfo_value(self->fd, "count", val, sizeof(val));
	EXPECT_EQ(count, strtol(val, NULL, 10));
}

TEST_HARNESS_MAIN
