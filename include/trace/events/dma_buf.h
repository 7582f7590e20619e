/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Trace events of the dma-buf core.  Every event names the buffer by the
 * inode number of its file (the number /proc/PID/fdinfo and
 * /sys/kernel/dmabuf/buffers show), its size and its exporter.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM dma_buf

#if !defined(_TRACE_DMA_BUF_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_DMA_BUF_H

#include <linux/dma-buf.h>
#include <linux/tracepoint.h>

/* Let tools that read the binary records decode the directions. */
TRACE_DEFINE_ENUM(DMA_BIDIRECTIONAL);
TRACE_DEFINE_ENUM(DMA_TO_DEVICE);
TRACE_DEFINE_ENUM(DMA_FROM_DEVICE);
TRACE_DEFINE_ENUM(DMA_NONE);

#define dma_buf_show_dir(dir)					\
	__print_symbolic(dir,					\
			 { DMA_BIDIRECTIONAL, "bidirectional" },	\
			 { DMA_TO_DEVICE, "to_device" },	\
			 { DMA_FROM_DEVICE, "from_device" },	\
			 { DMA_NONE, "none" })

DECLARE_EVENT_CLASS(dma_buf_buffer,
		    TP_PROTO(struct dma_buf *dmabuf),
		    TP_ARGS(dmabuf),
		    TP_STRUCT__entry(__field(unsigned long, ino)
				     __field(size_t, size)
				     __string(exp_name, dmabuf->exp_name)),
		    TP_fast_assign(__entry->ino = file_inode(dmabuf->file)->i_ino;
				   __entry->size = dmabuf->size;
				   __assign_str(exp_name);),
		    TP_printk("ino=%lu size=%zu exporter=%s",
			      __entry->ino, __entry->size, __get_str(exp_name)));

DEFINE_EVENT(dma_buf_buffer, dma_buf_export,
	     TP_PROTO(struct dma_buf *dmabuf), TP_ARGS(dmabuf));
DEFINE_EVENT(dma_buf_buffer, dma_buf_release,
	     TP_PROTO(struct dma_buf *dmabuf), TP_ARGS(dmabuf));

DECLARE_EVENT_CLASS(dma_buf_device,
		    TP_PROTO(struct dma_buf_attachment *attach,
			     enum dma_data_direction dir),
		    TP_ARGS(attach, dir),
		    TP_STRUCT__entry(__field(unsigned long, ino)
				     __field(size_t, size)
				     __string(exp_name, attach->dmabuf->exp_name)
				     __string(dev, dev_name(attach->dev))
				     __field(bool, dynamic)
				     __field(int, dir)),
		    TP_fast_assign(__entry->ino = file_inode(attach->dmabuf->file)->i_ino;
				   __entry->size = attach->dmabuf->size;
				   __assign_str(exp_name);
				   __assign_str(dev);
				   __entry->dynamic = dma_buf_attachment_is_dynamic(attach);
				   __entry->dir = dir;),
		    TP_printk("ino=%lu size=%zu exporter=%s dev=%s dynamic=%d dir=%s",
			      __entry->ino, __entry->size, __get_str(exp_name),
			      __get_str(dev), __entry->dynamic,
			      dma_buf_show_dir(__entry->dir)));

/* The events of one attachment share the class's arguments. */
#define DMA_BUF_DEVICE_EVENT(name)					\
	DEFINE_EVENT(dma_buf_device, name,				\
		     TP_PROTO(struct dma_buf_attachment *attach,	\
			      enum dma_data_direction dir),		\
		     TP_ARGS(attach, dir))

DMA_BUF_DEVICE_EVENT(dma_buf_attach);
DMA_BUF_DEVICE_EVENT(dma_buf_detach);
DMA_BUF_DEVICE_EVENT(dma_buf_map);
DMA_BUF_DEVICE_EVENT(dma_buf_unmap);
DMA_BUF_DEVICE_EVENT(dma_buf_begin_access);
DMA_BUF_DEVICE_EVENT(dma_buf_end_access);

DECLARE_EVENT_CLASS(dma_buf_cpu,
		    TP_PROTO(struct dma_buf *dmabuf, enum dma_data_direction dir,
			     size_t offset, size_t len),
		    TP_ARGS(dmabuf, dir, offset, len),
		    TP_STRUCT__entry(__field(unsigned long, ino)
				     __field(size_t, size)
				     __string(exp_name, dmabuf->exp_name)
				     __field(int, dir)
				     __field(size_t, offset)
				     __field(size_t, len)),
		    TP_fast_assign(__entry->ino = file_inode(dmabuf->file)->i_ino;
				   __entry->size = dmabuf->size;
				   __assign_str(exp_name);
				   __entry->dir = dir;
				   __entry->offset = offset;
				   __entry->len = len;),
		    TP_printk("ino=%lu size=%zu exporter=%s dir=%s range=%zu+%zu",
			      __entry->ino, __entry->size, __get_str(exp_name),
			      dma_buf_show_dir(__entry->dir), __entry->offset,
			      __entry->len));

DEFINE_EVENT(dma_buf_cpu, dma_buf_begin_cpu_access,
	     TP_PROTO(struct dma_buf *dmabuf, enum dma_data_direction dir,
		      size_t offset, size_t len),
	     TP_ARGS(dmabuf, dir, offset, len));
DEFINE_EVENT(dma_buf_cpu, dma_buf_end_cpu_access,
	     TP_PROTO(struct dma_buf *dmabuf, enum dma_data_direction dir,
		      size_t offset, size_t len),
	     TP_ARGS(dmabuf, dir, offset, len));

#endif /* _TRACE_DMA_BUF_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
