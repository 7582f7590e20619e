/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * dma-buf: the ioctl interface of a shared-buffer file descriptor.
 *
 * A dma-buf fd stands for one buffer that several devices (and the CPU)
 * use.  Besides mmap, llseek and poll, the fd accepts the ioctls below.
 */

#ifndef _DMA_BUF_UAPI_H_
#define _DMA_BUF_UAPI_H_

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * struct dma_buf_sync - bracket CPU access to a mapped buffer
 * @flags: one of %DMA_BUF_SYNC_START or %DMA_BUF_SYNC_END, or'ed with the
 *	access the CPU makes: %DMA_BUF_SYNC_READ, %DMA_BUF_SYNC_WRITE or
 *	%DMA_BUF_SYNC_RW.
 *
 * Before the CPU reads or writes the buffer through mmap, issue
 * %DMA_BUF_IOCTL_SYNC with START; when it is done, issue it again with END
 * and the same access bits.  START waits for the device work recorded on the
 * buffer and makes device writes visible to the CPU; END makes CPU writes
 * visible to devices.  Pairs may nest but must balance.  Unknown bits or an
 * empty access mask give -EINVAL.
 */
struct dma_buf_sync {
	__u64 flags;
};

#define DMA_BUF_SYNC_READ      (1 << 0)
#define DMA_BUF_SYNC_WRITE     (2 << 0)
#define DMA_BUF_SYNC_RW        (DMA_BUF_SYNC_READ | DMA_BUF_SYNC_WRITE)
#define DMA_BUF_SYNC_START     (0 << 2)
#define DMA_BUF_SYNC_END       (1 << 2)
#define DMA_BUF_SYNC_VALID_FLAGS_MASK \
	(DMA_BUF_SYNC_RW | DMA_BUF_SYNC_END)

/* Longest name DMA_BUF_SET_NAME accepts, terminating NUL included. */
#define DMA_BUF_NAME_LEN	32

/**
 * struct dma_buf_export_sync_file - fetch the buffer's fences as a sync_file
 * @flags: %DMA_BUF_SYNC_READ to wait for pending writers only (what a reader
 *	needs), %DMA_BUF_SYNC_WRITE or %DMA_BUF_SYNC_RW to wait for every
 *	pending access (what a writer needs).  Nothing else may be set.
 * @fd: out: a new sync_file fd, close-on-exec.  It signals at once when no
 *	such access is pending.
 */
struct dma_buf_export_sync_file {
	__u32 flags;
	__s32 fd;
};

/**
 * struct dma_buf_import_sync_file - add a sync_file's fences to the buffer
 * @flags: %DMA_BUF_SYNC_READ records the fences as reads; any access mask
 *	containing %DMA_BUF_SYNC_WRITE records them as writes.
 * @fd: the sync_file fd; it is not consumed.
 */
struct dma_buf_import_sync_file {
	__u32 flags;
	__s32 fd;
};

/**
 * struct dma_buf_sync_partial - bracket CPU access to part of a buffer
 * @flags: as &dma_buf_sync.flags, validated the same way.
 * @offset: first byte of the range, from the start of the buffer.
 * @len: length of the range in bytes; zero, or a range reaching past the
 *	end of the buffer, gives -EINVAL.
 *
 * Like %DMA_BUF_IOCTL_SYNC, but the exporter may limit its cache maintenance
 * to the range.  Exporters without range support sync the whole buffer, so
 * the call is always at least as correct as a full sync.  This ioctl is an
 * extension of this kernel; on kernels without it the ioctl fails with
 * -ENOTTY and callers should fall back to %DMA_BUF_IOCTL_SYNC.  The 16-byte
 * encoding of Rockchip's vendor kernels is accepted as well (see
 * dma_buf_ioctl_sync_partial() in drivers/dma-buf/dma-buf.c).
 */
struct dma_buf_sync_partial {
	__u64 flags;
	__u64 offset;
	__u64 len;
};

#define DMA_BUF_BASE		'b'
#define DMA_BUF_IOCTL_SYNC	_IOW(DMA_BUF_BASE, 0, struct dma_buf_sync)

/*
 * DMA_BUF_SET_NAME takes a pointer to a NUL-terminated string of at most
 * DMA_BUF_NAME_LEN bytes.  The argument size encoded in the number was
 * declared as a pointer, so 32- and 64-bit builds saw different numbers;
 * the kernel accepts both spellings, named _A (4 bytes) and _B (8 bytes).
 */
#define DMA_BUF_SET_NAME	_IOW(DMA_BUF_BASE, 1, const char *)
#define DMA_BUF_SET_NAME_A	_IOW(DMA_BUF_BASE, 1, __u32)
#define DMA_BUF_SET_NAME_B	_IOW(DMA_BUF_BASE, 1, __u64)
#define DMA_BUF_IOCTL_EXPORT_SYNC_FILE	_IOWR(DMA_BUF_BASE, 2, struct dma_buf_export_sync_file)
#define DMA_BUF_IOCTL_IMPORT_SYNC_FILE	_IOW(DMA_BUF_BASE, 3, struct dma_buf_import_sync_file)
#define DMA_BUF_IOCTL_SYNC_PARTIAL	_IOW(DMA_BUF_BASE, 4, struct dma_buf_sync_partial)

#endif
