/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Buffers for the dma-buf selftests: one from the system heap and one from
 * udmabuf over a sealed memfd.  Both return a dma-buf fd, or -1 with errno
 * set.
 */
#ifndef DMABUF_COMMON_H
#define DMABUF_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

static inline int heap_buffer(size_t size)
{
	struct dma_heap_allocation_data data = {
		.len = size,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	int heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	int ret, err;

	if (heap < 0)
		return -1;
	ret = ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &data);
	err = errno;
	close(heap);
	errno = err;
	return ret ? -1 : (int)data.fd;
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

#endif
