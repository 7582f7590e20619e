/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * dma-heap userspace interface.
 *
 * Every memory heap the kernel offers appears as a character device
 * /dev/dma_heap/<heap name>.  Allocating from it returns a dma-buf file
 * descriptor that can be mapped, synchronised with DMA_BUF_IOCTL_SYNC and
 * handed to any driver that imports dma-bufs.
 */
/* the guard keeps 6.12's name: programs bundle copies of this header */
#ifndef _UAPI_LINUX_DMABUF_POOL_H
#define _UAPI_LINUX_DMABUF_POOL_H

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * DOC: dma-heap allocation flags
 *
 * &dma_heap_allocation_data.fd_flags takes the access mode of the new file
 * (O_RDONLY, O_WRONLY or O_RDWR) and O_CLOEXEC; any other bit makes the
 * allocation fail with EINVAL.  &dma_heap_allocation_data.heap_flags has no
 * bit defined yet and must be zero.
 */
#define DMA_HEAP_VALID_FD_FLAGS (O_CLOEXEC | O_ACCMODE)
#define DMA_HEAP_VALID_HEAP_FLAGS (0ULL)

/**
 * struct dma_heap_allocation_data - argument of DMA_HEAP_IOCTL_ALLOC
 * @len: requested size in bytes; rounded up to whole pages, must not be 0.
 * @fd: zero on input; on success, the new dma-buf file descriptor.
 * @fd_flags: flags of the new file descriptor (DMA_HEAP_VALID_FD_FLAGS).
 * @heap_flags: flags for the heap (DMA_HEAP_VALID_HEAP_FLAGS).
 *
 * The size of the structure is part of the ioctl number.  The kernel reads
 * and writes back as much of it as both sides know: fields a caller does
 * not have read as zero, and bytes past the kernel's end are left alone.
 */
struct dma_heap_allocation_data {
	__u64 len;
	__u32 fd;
	__u32 fd_flags;
	__u64 heap_flags;
};

#define DMA_HEAP_IOC_MAGIC		'H'

/**
 * DOC: DMA_HEAP_IOCTL_ALLOC - allocate a dma-buf from the heap
 *
 * Issued on an open heap device with a &struct dma_heap_allocation_data.
 * On success the structure comes back with its fd field set to a dma-buf
 * of at least the requested length, whose memory reads as zeroes.  Fails
 * with EINVAL for bad flags or a zero length and with ENOMEM when the heap
 * cannot provide the memory.
 */
#define DMA_HEAP_IOCTL_ALLOC	_IOWR(DMA_HEAP_IOC_MAGIC, 0x0,\
				      struct dma_heap_allocation_data)

#endif /* _UAPI_LINUX_DMABUF_POOL_H */
