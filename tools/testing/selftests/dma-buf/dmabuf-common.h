/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the dma-buf selftests: buffers from the dma-heaps and from
 * udmabuf over a sealed memfd or a list of memfd ranges (all return a
 * dma-buf fd, or -1 with errno set), the vgem device as importer and
 * exporter, fdinfo lookups (single keys, and the attachment list of our
 * format) and the count of buffers in sysfs.
 */
#ifndef DMABUF_COMMON_H
#define DMABUF_COMMON_H

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>
#include <drm/drm.h>

/* A buffer from /dev/dma_heap/NAME, e.g. "system" or "reserved" (CMA). */
static inline int heap_buffer_named(const char *name, size_t size)
{
	struct dma_heap_allocation_data data = {
		.len = size,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	char path[64];
	int heap, ret, err;

	snprintf(path, sizeof(path), "/dev/dma_heap/%s", name);
	heap = open(path, O_RDONLY | O_CLOEXEC);
	if (heap < 0)
		return -1;
	ret = ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &data);
	err = errno;
	close(heap);
	errno = err;
	return ret ? -1 : (int)data.fd;
}

static inline int heap_buffer(size_t size)
{
	return heap_buffer_named("system", size);
}

/* *memfd is set to the backing memfd, or -1; the caller closes it. */
static inline int udmabuf_buffer(size_t size, int *memfd)
{
	struct udmabuf_create create = { .flags = UDMABUF_FLAGS_CLOEXEC, .size = size };
	int dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	int fd, err;

	*memfd = -1;
	if (dev < 0)
		return -1;
	*memfd = memfd_create("dmabuf-selftest", MFD_ALLOW_SEALING);
	if (*memfd < 0 || ftruncate(*memfd, size) ||
	    fcntl(*memfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		err = errno;
		close(dev);
		errno = err;
		return -1;
	}
	create.memfd = *memfd;
	fd = ioctl(dev, UDMABUF_CREATE, &create);
	err = errno;
	close(dev);
	errno = err;
	return fd;
}

/* UDMABUF_CREATE_LIST on the udmabuf device DEV with COUNT ranges. */
static inline int udmabuf_create_list(int dev,
				      const struct udmabuf_create_item *items,
				      __u32 count, __u32 flags)
{
	struct udmabuf_create_list *head;
	int ret, err;

	head = calloc(1, sizeof(*head) + (count ? count : 1) * sizeof(*items));
	if (!head)
		return -1;
	head->flags = flags;
	head->count = count;
	if (count)
		memcpy(head->list, items, count * sizeof(*items));
	ret = ioctl(dev, UDMABUF_CREATE_LIST, head);
	err = errno;
	free(head);
	errno = err;
	return ret;
}

/*
 * A buffer of @size bytes from the exporter a test variant names: "system"
 * (the system heap) or "udmabuf" (*memfd is then its backing memfd, else
 * -1; the caller closes it).
 */
static inline int exporter_buffer(const char *exporter, size_t size,
				  int *memfd)
{
	*memfd = -1;
	if (!strcmp(exporter, "system"))
		return heap_buffer(size);
	return udmabuf_buffer(size, memfd);
}

/* An fd of the vgem device, or -1; PATH receives its node. */
static inline int open_vgem(char *path, size_t len)
{
	struct drm_version version;
	char name[16];
	int i, fd;

	for (i = 0; i < 16; i++) {
		snprintf(path, len, "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&version, 0, sizeof(version));
		memset(name, 0, sizeof(name));
		version.name = name;
		version.name_len = sizeof(name) - 1;
		if (!ioctl(fd, DRM_IOCTL_VERSION, &version) && !strcmp(name, "vgem"))
			return fd;
		close(fd);
	}
	return -1;
}

static inline int prime_import(int drm, int dmabuf, __u32 *handle)
{
	struct drm_prime_handle args = { .fd = dmabuf };
	int ret;

	ret = ioctl(drm, DRM_IOCTL_PRIME_FD_TO_HANDLE, &args);
	*handle = args.handle;
	return ret;
}

/* Share the GEM object HANDLE of DRM as a dma-buf, read-write. */
static inline int prime_export(int drm, __u32 handle, int *fd)
{
	struct drm_prime_handle args = {
		.handle = handle,
		.flags = DRM_CLOEXEC | DRM_RDWR,
		.fd = -1,
	};
	int ret;

	ret = ioctl(drm, DRM_IOCTL_PRIME_HANDLE_TO_FD, &args);
	*fd = args.fd;
	return ret;
}

static inline int gem_close(int drm, __u32 handle)
{
	struct drm_gem_close args = { .handle = handle };

	return ioctl(drm, DRM_IOCTL_GEM_CLOSE, &args);
}

/* The value of KEY in the fdinfo of FD, or an empty string. */
static inline void fdinfo_value(int fd, const char *key, char *val, size_t len)
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

/*
 * fdinfo of a dma-buf: upstream's keys, then "attachments:\t<N>" and one line
 * per attachment, "attachment:\t<device>\tdynamic:<0|1>\tmapped:<current
 * mappings>\tmaps:<total maps>".  read_fdinfo() keeps the text and parses
 * the attachment lines; 0, or -1 with errno set.
 */
#define MAX_ATTACHMENTS 4

struct attachment {
	char dev[64];
	long dynamic, mapped, maps;
};

struct fdinfo {
	char text[4096];
	long attachments;	/* -1: no such line, -2: malformed or repeated */
	int nr;		/* attachment lines in our format */
	int bad;	/* attachment lines not in our format */
	struct attachment att[MAX_ATTACHMENTS];
};

/* "NAME:<decimal>" at *p, followed by END; advances *p past END. */
static inline bool fdinfo_field(const char **p, const char *name, char end,
				long *val)
{
	size_t n = strlen(name);
	char *e;

	if (strncmp(*p, name, n) || (*p)[n] != ':' ||
	    !isdigit((unsigned char)(*p)[n + 1]))
		return false;
	errno = 0;
	*val = strtol(*p + n + 1, &e, 10);
	if (errno || *e != end)
		return false;
	*p = e + 1;
	return true;
}

static inline bool fdinfo_attachment(const char *p, struct attachment *a)
{
	size_t n = strcspn(p, "\t\n");

	if (!n || n >= sizeof(a->dev) || p[n] != '\t')
		return false;
	memcpy(a->dev, p, n);
	a->dev[n] = '\0';
	p += n + 1;
	return fdinfo_field(&p, "dynamic", '\t', &a->dynamic) && a->dynamic <= 1 &&
	       fdinfo_field(&p, "mapped", '\t', &a->mapped) &&
	       fdinfo_field(&p, "maps", '\n', &a->maps);
}

static inline int read_fdinfo(int fd, struct fdinfo *info)
{
	char path[64], *line, *e;
	struct attachment a;
	ssize_t n, len = 0;
	int f;

	memset(info, 0, sizeof(*info));
	info->attachments = -1;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return -1;
	while ((n = read(f, info->text + len, sizeof(info->text) - 1 - len)) > 0)
		len += n;
	close(f);
	if (n < 0)
		return -1;
	info->text[len] = '\0';

	for (line = info->text; *line; line = strchr(line, '\n') + 1) {
		if (!strchr(line, '\n'))
			break;	/* a cut line */
		if (!strncmp(line, "attachments:", 12)) {
			if (info->attachments != -1 || line[12] != '\t' ||
			    !isdigit((unsigned char)line[13])) {
				info->attachments = -2;
				continue;
			}
			info->attachments = strtol(line + 13, &e, 10);
			if (*e != '\n')
				info->attachments = -2;
		} else if (!strncmp(line, "attachment:", 11)) {
			if (line[11] != '\t' || !fdinfo_attachment(line + 12, &a))
				info->bad++;
			else if (info->nr < MAX_ATTACHMENTS)
				info->att[info->nr++] = a;
			else
				info->nr++;
		}
	}
	return 0;
}

/*
 * The number of dma-bufs in /sys/kernel/dmabuf/buffers
 * (CONFIG_DMABUF_SYSFS_STATS), or -1 without it.
 */
static inline int dmabuf_sysfs_count(void)
{
	DIR *dir = opendir("/sys/kernel/dmabuf/buffers");
	struct dirent *de;
	int n = 0;

	if (!dir)
		return -1;
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

#endif
