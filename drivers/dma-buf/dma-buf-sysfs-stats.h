/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * /sys/kernel/dmabuf/buffers: one directory per live dma-buf, named after
 * the inode number of its file, holding its size and exporter name.
 * Everything here compiles away without CONFIG_DMABUF_SYSFS_STATS.
 */
#ifndef _DMA_BUF_SYSFS_STATS_H
#define _DMA_BUF_SYSFS_STATS_H

struct dma_buf;
struct file;

#ifdef CONFIG_DMABUF_SYSFS_STATS
int dma_buf_init_sysfs_statistics(void);
void dma_buf_uninit_sysfs_statistics(void);
int dma_buf_stats_setup(struct dma_buf *dmabuf, struct file *file);
void dma_buf_stats_teardown(struct dma_buf *dmabuf);
#else
static inline int dma_buf_init_sysfs_statistics(void)
{
	return 0;
}

static inline void dma_buf_uninit_sysfs_statistics(void) { }

static inline int dma_buf_stats_setup(struct dma_buf *dmabuf,
				      struct file *file)
{
	return 0;
}

static inline void dma_buf_stats_teardown(struct dma_buf *dmabuf) { }
#endif

#endif /* _DMA_BUF_SYSFS_STATS_H */
