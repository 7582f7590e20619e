// SPDX-License-Identifier: GPL-2.0
/*
 * What the dma-buf core reports about buffers beyond the file interface:
 * buffers vgem exports (and re-exports), the per-buffer directories under
 * /sys/kernel/dmabuf/buffers and the trace events of the "dma_buf" system.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <linux/dma-buf.h>
#include <drm/drm.h>

#include "../kselftest_harness.h"
#include "dmabuf-common.h"

#define BUF_PAGES 16

static unsigned long ino_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : (unsigned long)st.st_ino;
}

/* Read a small file into BUF without its trailing newline; -1 on error. */
static int read_str(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int write_str(const char *path, const char *s)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static int sync_full(int fd, __u64 flags)
{
	struct dma_buf_sync sync = { .flags = flags };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
}

static int sync_partial(int fd, __u64 flags, __u64 offset, __u64 len)
{
	struct dma_buf_sync_partial sync = {
		.flags = flags,
		.offset = offset,
		.len = len,
	};

	return ioctl(fd, DMA_BUF_IOCTL_SYNC_PARTIAL, &sync);
}

/* ------------------------------------------------------------------------
 * vgem as the exporter: a dumb buffer of vgem shared as a dma-buf
 */

FIXTURE(vgem) {
	int card;
	int fd;		/* the dma-buf */
	__u32 handle;
	__u64 size;
};

FIXTURE_SETUP(vgem)
{
	struct drm_mode_create_dumb create = { .width = 64, .height = 64, .bpp = 32 };
	char path[32];

	self->fd = -1;
	self->card = open_vgem(path, sizeof(path));
	if (self->card < 0)
		SKIP(return, "no vgem device");
	ASSERT_EQ(0, ioctl(self->card, DRM_IOCTL_MODE_CREATE_DUMB, &create))
		TH_LOG("vgem dumb buffer: %s", strerror(errno));
	ASSERT_NE(0, create.handle);
	ASSERT_GE(create.size, 64ULL * 64 * 4);
	self->handle = create.handle;
	self->size = create.size;
	ASSERT_EQ(0, prime_export(self->card, self->handle, &self->fd))
		TH_LOG("vgem export: %s", strerror(errno));
	ASSERT_GE(self->fd, 0);
}

FIXTURE_TEARDOWN(vgem)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->card >= 0)
		close(self->card);
}

TEST_F(vgem, export_has_size_and_exporter)
{
	char val[64];

	EXPECT_EQ((off_t)self->size, lseek(self->fd, 0, SEEK_END));
	EXPECT_EQ(0, lseek(self->fd, 0, SEEK_SET));
	fdinfo_value(self->fd, "size", val, sizeof(val));
	EXPECT_EQ(self->size, strtoull(val, NULL, 10));

	fdinfo_value(self->fd, "exp_name", val, sizeof(val));
	TH_LOG("vgem exports as \"%s\"", val);
	EXPECT_STRNE("", val);
	EXPECT_STRNE("system", val);
	EXPECT_STRNE("udmabuf", val);
}

/* The dma-buf's mmap and the DRM mmap of the dumb buffer show the same pages. */
TEST_F(vgem, mmap_shares_pages_with_drm_mmap)
{
	struct drm_mode_map_dumb map = { .handle = self->handle };
	unsigned char *p, *q;
	size_t i;

	p = mmap(NULL, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("dma-buf mmap: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(self->card, DRM_IOCTL_MODE_MAP_DUMB, &map))
		TH_LOG("map dumb: %s", strerror(errno));
	q = mmap(NULL, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, self->card,
		 map.offset);
	ASSERT_NE(MAP_FAILED, q) TH_LOG("drm mmap: %s", strerror(errno));

	/* dma-buf to drm */
	ASSERT_EQ(0, sync_full(self->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));
	for (i = 0; i < self->size; i++)
		p[i] = i * 7 + 1;
	ASSERT_EQ(0, sync_full(self->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));
	for (i = 0; i < self->size; i++)
		if (q[i] != (unsigned char)(i * 7 + 1))
			break;
	EXPECT_EQ(self->size, i) TH_LOG("drm mmap differs at byte %zu", i);

	/* drm to dma-buf */
	for (i = 0; i < self->size; i++)
		q[i] = i * 13 + 5;
	ASSERT_EQ(0, sync_full(self->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	for (i = 0; i < self->size; i++)
		if (p[i] != (unsigned char)(i * 13 + 5))
			break;
	EXPECT_EQ(self->size, i) TH_LOG("dma-buf mmap differs at byte %zu", i);
	EXPECT_EQ(0, sync_full(self->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));

	munmap(q, self->size);
	munmap(p, self->size);
}

/* vgem has no partial CPU access ops: the core falls back to a full sync. */
TEST_F(vgem, sync_partial_falls_back)
{
	__u64 page = getpagesize();

	EXPECT_EQ(0, sync_partial(self->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW,
				  page, page))
		TH_LOG("partial start: %s", strerror(errno));
	EXPECT_EQ(0, sync_partial(self->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW,
				  page, page))
		TH_LOG("partial end: %s", strerror(errno));
	EXPECT_EQ(0, sync_partial(self->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ,
				  0, self->size));
	EXPECT_EQ(0, sync_partial(self->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ,
				  0, self->size));
	/* the range is still checked */
	EXPECT_EQ(-1, sync_partial(self->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW,
				   0, self->size + 1));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(vgem, import_into_exporter_gives_own_handle)
{
	__u32 handle = 0;

	ASSERT_EQ(0, prime_import(self->card, self->fd, &handle))
		TH_LOG("import: %s", strerror(errno));
	EXPECT_EQ(self->handle, handle);
}

/* Exporting a handle vgem imported gives back the imported dma-buf. */
TEST(vgem_reexports_imported_buffer)
{
	size_t size = BUF_PAGES * getpagesize();
	int card, fd, again = -1;
	char path[32], val[64];
	__u32 handle;

	card = open_vgem(path, sizeof(path));
	if (card < 0)
		SKIP(return, "no vgem device");
	fd = heap_buffer(size);
	if (fd < 0) {
		close(card);
		SKIP(return, "no system heap: %s", strerror(errno));
	}

	ASSERT_EQ(0, prime_import(card, fd, &handle))
		TH_LOG("import: %s", strerror(errno));
	ASSERT_EQ(0, prime_export(card, handle, &again))
		TH_LOG("re-export: %s", strerror(errno));
	ASSERT_GE(again, 0);
	EXPECT_NE(0, ino_of(fd));
	EXPECT_EQ(ino_of(fd), ino_of(again));
	fdinfo_value(again, "exp_name", val, sizeof(val));
	EXPECT_STREQ("system", val);
	EXPECT_EQ((off_t)size, lseek(again, 0, SEEK_END));

	close(again);
	EXPECT_EQ(0, gem_close(card, handle));
	close(fd);
	close(card);
}

/* ------------------------------------------------------------------------
 * /sys/kernel/dmabuf/buffers/<inode number>
 */

FIXTURE(stats) {
	int fd;
	int memfd;
	size_t size;
};

FIXTURE_VARIANT(stats) {
	const char *exporter;
};

FIXTURE_VARIANT_ADD(stats, system_heap) {
	.exporter = "system",
};

FIXTURE_VARIANT_ADD(stats, udmabuf) {
	.exporter = "udmabuf",
};

FIXTURE_SETUP(stats)
{
	self->size = BUF_PAGES * getpagesize();
	self->fd = exporter_buffer(variant->exporter, self->size, &self->memfd);
	if (self->fd < 0)
		SKIP(return, "no %s exporter: %s", variant->exporter, strerror(errno));
}

FIXTURE_TEARDOWN(stats)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->memfd >= 0)
		close(self->memfd);
}

/* Wait up to about a second for PATH to disappear. */
static bool disappears(const char *path)
{
	int i;

	for (i = 0; i < 100; i++) {
		if (access(path, F_OK) && errno == ENOENT)
			return true;
		sleep_ms(10);
	}
	return false;
}

TEST_F(stats, directory_follows_buffer)
{
	char dir[64], path[96], val[64], exp_name[64];
	unsigned long ino;
	void *p;

	if (access("/sys/kernel/dmabuf", F_OK))
		SKIP(return, "no /sys/kernel/dmabuf (CONFIG_DMABUF_SYSFS_STATS)");

	ino = ino_of(self->fd);
	ASSERT_NE(0, ino);
	snprintf(dir, sizeof(dir), "/sys/kernel/dmabuf/buffers/%lu", ino);
	ASSERT_EQ(0, access(dir, F_OK)) TH_LOG("%s: %s", dir, strerror(errno));

	snprintf(path, sizeof(path), "%s/size", dir);
	ASSERT_EQ(0, read_str(path, val, sizeof(val)));
	EXPECT_EQ(self->size, strtoull(val, NULL, 10)) TH_LOG("size \"%s\"", val);

	snprintf(path, sizeof(path), "%s/exporter_name", dir);
	ASSERT_EQ(0, read_str(path, val, sizeof(val)));
	EXPECT_STREQ(variant->exporter, val);
	fdinfo_value(self->fd, "exp_name", exp_name, sizeof(exp_name));
	EXPECT_STREQ(exp_name, val);

	/* a mapping keeps the buffer, and its directory, alive */
	p = mmap(NULL, self->size, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	close(self->fd);
	self->fd = -1;
	sleep_ms(50);
	EXPECT_EQ(0, access(dir, F_OK)) TH_LOG("%s gone while mapped", dir);
	EXPECT_EQ(0, read_str(path, val, sizeof(val)));
	EXPECT_STREQ(variant->exporter, val);

	munmap(p, self->size);
	EXPECT_TRUE(disappears(dir)) TH_LOG("%s still there after release", dir);
}

/* ------------------------------------------------------------------------
 * Trace events
 */

FIXTURE(trace) {
	char dir[64];		/* the tracefs root */
	char tracing_on[8];	/* its value before the test */
	bool mounted;		/* tracefs mounted by us */
	bool enabled;		/* dma_buf events enabled by us */
	char *text;		/* the dma_buf lines of the trace */
};

static bool has_dma_buf_events(const char *dir)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/events/dma_buf", dir);
	return !access(path, F_OK);
}

static int trace_file(const char *dir, const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return write_str(path, val);
}

FIXTURE_SETUP(trace)
{
	static const char * const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[96];
	unsigned int i;

	self->text = NULL;
	self->enabled = false;
	self->mounted = false;
	self->dir[0] = '\0';
	snprintf(path, sizeof(path), "%s/events", dirs[0]);
	if (access(path, F_OK) &&
	    !mount("nodev", dirs[0], "tracefs", 0, NULL))
		self->mounted = true;
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/events", dirs[i]);
		if (!access(path, F_OK)) {
			snprintf(self->dir, sizeof(self->dir), "%s", dirs[i]);
			break;
		}
	}
	if (!self->dir[0])
		SKIP(return, "no tracefs (CONFIG_FTRACE, CONFIG_ENABLE_DEFAULT_TRACERS)");
	/* tracing works: the core's events must be there */
	ASSERT_TRUE(has_dma_buf_events(self->dir))
		TH_LOG("%s/events has no dma_buf system", self->dir);

	snprintf(path, sizeof(path), "%s/tracing_on", self->dir);
	ASSERT_EQ(0, read_str(path, self->tracing_on, sizeof(self->tracing_on)));
	ASSERT_EQ(0, trace_file(self->dir, "tracing_on", "1"));
	ASSERT_EQ(0, trace_file(self->dir, "trace", ""));
	self->enabled = true;
	ASSERT_EQ(0, trace_file(self->dir, "events/dma_buf/enable", "1"));
}

FIXTURE_TEARDOWN(trace)
{
	if (self->enabled) {
		trace_file(self->dir, "events/dma_buf/enable", "0");
		trace_file(self->dir, "trace", "");
		trace_file(self->dir, "tracing_on", self->tracing_on);
	}
	if (self->mounted)
		umount("/sys/kernel/tracing");
	free(self->text);
}

/* Collect the dma_buf lines of the trace into *TEXT; -1 on error. */
static int read_trace(const char *dir, char **text)
{
	size_t len = 0, cap = 0, n;
	char path[96], line[512], *t;
	FILE *f;

	snprintf(path, sizeof(path), "%s/trace", dir);
	f = fopen(path, "r");
	if (!f)
		return -1;
	free(*text);
	*text = NULL;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || !strstr(line, " dma_buf_"))
			continue;
		n = strlen(line);
		if (len + n + 1 > cap) {
			cap = 2 * cap + n + 4096;
			t = realloc(*text, cap);
			if (!t) {
				fclose(f);
				return -1;
			}
			*text = t;
		}
		memcpy(*text + len, line, n + 1);
		len += n;
	}
	fclose(f);
	return *text ? 0 : -1;
}

/*
 * The number of the first trace line that is EVENT for the buffer INO of
 * SIZE bytes exported by "system", ending in TAIL; -1 if there is none.
 */
static int trace_line(const char *text, const char *event, unsigned long ino,
		      size_t size, const char *tail)
{
	char want[256];
	const char *line;
	int nr = 0;

	snprintf(want, sizeof(want), " %s: ino=%lu size=%zu exporter=system%s\n",
		 event, ino, size, tail);
	for (line = text; line && *line; nr++) {
		const char *end = strchr(line, '\n');
		const char *hit = strstr(line, want);

		if (!end)
			break;
		if (hit && hit < end)
			return nr;
		line = end + 1;
	}
	return -1;
}

/* The device a DRM node (/dev/dri/cardN) attaches buffers as. */
static void drm_device_name(const char *node, char *dev, size_t len)
{
	char link[128], target[128], *base;
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/class/drm/%s/device",
		 strrchr(node, '/') + 1);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0) {
		snprintf(dev, len, "vgem");
		return;
	}
	target[n] = '\0';
	base = strrchr(target, '/');
	snprintf(dev, len, "%s", base ? base + 1 : target);
}

TEST_F(trace, core_events_name_the_buffer)
{
	size_t page = getpagesize(), size = BUF_PAGES * page;
	int fd, card, i, line, prev;
	char path[32], dev[128], tail[256];
	unsigned long ino;
	__u32 handle;

	fd = heap_buffer(size);
	if (fd < 0)
		SKIP(return, "no system heap: %s", strerror(errno));
	ino = ino_of(fd);
	ASSERT_NE(0, ino);

	ASSERT_EQ(0, sync_full(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	ASSERT_EQ(0, sync_full(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
	ASSERT_EQ(0, sync_partial(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ,
				  page, 3 * page));
	ASSERT_EQ(0, sync_partial(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ,
				  page, 3 * page));

	card = open_vgem(path, sizeof(path));
	if (card >= 0) {
		drm_device_name(path, dev, sizeof(dev));
		ASSERT_EQ(0, prime_import(card, fd, &handle))
			TH_LOG("import into vgem: %s", strerror(errno));
		EXPECT_EQ(0, gem_close(card, handle));
		close(card);
	}
	close(fd);

	/* the release may be deferred */
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, read_trace(self->dir, &self->text))
			TH_LOG("no dma_buf lines in the trace");
		if (trace_line(self->text, "dma_buf_release", ino, size, "") >= 0)
			break;
		sleep_ms(10);
	}
	ASSERT_EQ(0, trace_file(self->dir, "events/dma_buf/enable", "0"));

	line = trace_line(self->text, "dma_buf_export", ino, size, "");
	EXPECT_LE(0, line) TH_LOG("export missing:\n%s", self->text);
	prev = line;

	snprintf(tail, sizeof(tail), " dir=bidirectional range=0+%zu", size);
	line = trace_line(self->text, "dma_buf_begin_cpu_access", ino, size, tail);
	EXPECT_LT(prev, line) TH_LOG("begin_cpu_access%s missing:\n%s", tail, self->text);
	prev = line;
	line = trace_line(self->text, "dma_buf_end_cpu_access", ino, size, tail);
	EXPECT_LT(prev, line) TH_LOG("end_cpu_access%s missing:\n%s", tail, self->text);
	prev = line;

	snprintf(tail, sizeof(tail), " dir=from_device range=%zu+%zu", page, 3 * page);
	line = trace_line(self->text, "dma_buf_begin_cpu_access", ino, size, tail);
	EXPECT_LT(prev, line) TH_LOG("begin_cpu_access%s missing:\n%s", tail, self->text);
	prev = line;
	line = trace_line(self->text, "dma_buf_end_cpu_access", ino, size, tail);
	EXPECT_LT(prev, line) TH_LOG("end_cpu_access%s missing:\n%s", tail, self->text);
	prev = line;

	if (card >= 0) {
		static const char * const events[][2] = {
			{ "dma_buf_attach", "none" },
			{ "dma_buf_map", "bidirectional" },
			{ "dma_buf_unmap", "bidirectional" },
			{ "dma_buf_detach", "none" },
		};

		for (i = 0; i < (int)ARRAY_SIZE(events); i++) {
			snprintf(tail, sizeof(tail), " dev=%s dynamic=0 dir=%s",
				 dev, events[i][1]);
			line = trace_line(self->text, events[i][0], ino, size, tail);
			EXPECT_LT(prev, line)
				TH_LOG("%s%s missing:\n%s", events[i][0], tail, self->text);
			prev = line;
		}
	} else {
		TH_LOG("no vgem device: attachment events not checked");
	}

	line = trace_line(self->text, "dma_buf_release", ino, size, "");
	EXPECT_LT(prev, line) TH_LOG("release missing:\n%s", self->text);
}

TEST_HARNESS_MAIN
