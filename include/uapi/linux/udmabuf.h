/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * /dev/udmabuf: turn page-aligned ranges of sealed memfds into a dma-buf.
 *
 * The memfd (shmem or hugetlbfs) needs the F_SEAL_SHRINK seal and must not
 * carry F_SEAL_WRITE or F_SEAL_FUTURE_WRITE.  Both ioctls return a new
 * dma-buf file descriptor, opened read-write.
 */
#ifndef _UAPI_LINUX_UDMABUF_H
#define _UAPI_LINUX_UDMABUF_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* Creation flag: open the returned dma-buf fd with O_CLOEXEC. */
#define UDMABUF_FLAGS_CLOEXEC	0x01

/**
 * struct udmabuf_create - argument of UDMABUF_CREATE
 * @memfd: file descriptor of the memfd holding the pages.
 * @flags: UDMABUF_FLAGS_CLOEXEC or 0.
 * @offset: where the range starts in the memfd, in bytes (page-aligned).
 * @size: length of the range and of the buffer, in bytes (page-aligned,
 *	non-zero).
 */
struct udmabuf_create {
	__u32 memfd;
	__u32 flags;
	__u64 offset;
	__u64 size;
};

/**
 * struct udmabuf_create_item - one range of a UDMABUF_CREATE_LIST buffer
 * @memfd: file descriptor of the memfd holding this range.
 * @__pad: padding for 64-bit alignment of @offset.
 * @offset: start of the range in the memfd, in bytes (page-aligned).
 * @size: length of the range in bytes (page-aligned).
 */
struct udmabuf_create_item {
	__u32 memfd;
	__u32 __pad;
	__u64 offset;
	__u64 size;
};

/**
 * struct udmabuf_create_list - argument of UDMABUF_CREATE_LIST
 * @flags: UDMABUF_FLAGS_CLOEXEC or 0.
 * @count: number of entries in @list.
 * @list: the ranges, laid out one after the other in the buffer.
 */
struct udmabuf_create_list {
	__u32 flags;
	__u32 count;
	struct udmabuf_create_item list[];
};

/* Create a dma-buf from one memfd range; returns the new fd. */
#define UDMABUF_CREATE       _IOW('u', 0x42, struct udmabuf_create)
/* Create a dma-buf from a list of memfd ranges; returns the new fd. */
#define UDMABUF_CREATE_LIST  _IOW('u', 0x43, struct udmabuf_create_list)

#endif /* _UAPI_LINUX_UDMABUF_H */
