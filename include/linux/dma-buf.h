/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dma-buf: buffers shared between drivers, and between drivers and userspace.
 *
 * An exporter wraps memory it owns into a &struct dma_buf and hands it out as
 * a file descriptor.  Importers turn the fd back into the buffer, attach their
 * device to it and ask the exporter for a scatterlist mapped for that device.
 * The core in drivers/dma-buf/dma-buf.c keeps the bookkeeping (reference
 * counts, the attachment list, the shared kernel mapping) and checks every
 * call; all memory decisions belong to the exporter's &struct dma_buf_ops.
 */
#ifndef __DMA_BUF_H__
#define __DMA_BUF_H__

#include <linux/iosys-map.h>
#include <linux/file.h>
#include <linux/err.h>
#include <linux/scatterlist.h>
#include <linux/list.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/dma-fence.h>
#include <linux/wait.h>

struct device;
struct dma_buf;
struct dma_buf_attachment;

/**
 * struct dma_buf_ops - what an exporter implements
 *
 * Locking: unless said otherwise below, the core calls an op with the
 * buffer's reservation lock (&dma_buf.resv) held when the op changes or uses
 * the placement of the backing storage (@pin, @unpin, @map_dma_buf,
 * @unmap_dma_buf, @vmap, @vunmap), and without it for the rest.
 *
 * @cache_sgt_mapping: set to let the core keep the first table mapped for an
 *	attachment until the attachment is detached; later map calls with a
 *	compatible direction get the same table back without reaching the
 *	exporter.
 * @attach: optional.  Called by dma_buf_attach() and
 *	dma_buf_dynamic_attach() before the attachment is published, without
 *	the reservation lock.  May refuse the device (for example one that
 *	cannot reach the memory) with a negative errno, which the importer
 *	receives; -EBUSY conventionally means "the memory is in a place this
 *	device cannot use right now".  May set &dma_buf_attachment.priv.
 * @detach: optional.  Undoes @attach, after every mapping of the attachment
 *	is gone; called without the reservation lock.
 * @pin: optional, but required together with @unpin.  An exporter with these
 *	ops is dynamic: it may move the buffer while it is not pinned, and
 *	tells dynamic importers with dma_buf_move_notify().  @pin keeps the
 *	storage where it is until @unpin; both run under the reservation lock.
 *	The core pins on behalf of static importers from map to unmap (6.12
 *	pinned and mapped such attachments once, at attach time, until
 *	detach), and before handing them the table waits for the kernel
 *	fences of the reservation object, so a move the pin caused is done.
 * @unpin: undoes @pin.
 * @map_dma_buf: required.  Returns a scatterlist of the backing storage,
 *	already mapped for &dma_buf_attachment.dev in direction @dir (the DMA
 *	addresses are what the importer uses), or an ERR_PTR.  The table must
 *	respect the device's DMA limits (dma_get_max_seg_size() and the like).
 *	Called with the reservation lock held; the exporter may have to wait
 *	for its own fences before returning.
 * @unmap_dma_buf: required.  Gives back a table from @map_dma_buf.
 * @release: required.  Frees the exporter's object once the last reference
 *	to the buffer is gone.  Runs without locks, in process context.
 * @begin_cpu_access: optional.  Makes the buffer coherent for CPU access in
 *	@dir before the CPU reads or writes it through any mapping (userspace
 *	mmap via %DMA_BUF_IOCTL_SYNC, or the kernel after dma_buf_vmap()).
 *	Every attached device that wrote to the buffer must have its writes
 *	visible afterwards.  Called without the reservation lock, after the
 *	core waited for the fences that conflict with @dir, so device writes
 *	have landed; an exporter that adds work of its own on the buffer
 *	here waits for it itself.  May sleep and may fail, for example with
 *	-ERESTARTSYS.
 * @end_cpu_access: optional.  The counterpart of @begin_cpu_access: the CPU
 *	is done and its writes must become visible to every attached device.
 * @mmap: optional.  Maps the buffer into a userspace vma.  The core has
 *	checked that the vma fits in the buffer and has pointed it at the
 *	buffer's file.  Without it mmap of the dma-buf fails with -EINVAL.
 *	Coherence is kept by the begin/end CPU access calls, not by faulting.
 * @vmap: optional.  Maps the whole buffer into the kernel's address space
 *	and fills @map.  The core shares one mapping between all users and
 *	counts them, so @vmap runs once per mapping lifetime; reservation
 *	lock held.
 * @vunmap: optional.  Tears the mapping of @vmap down when its last user
 *	is gone.
 * @begin_access: optional, an extension of this kernel.  Called through
 *	dma_buf_begin_access() before the device of @attach accesses the
 *	buffer, in direction @dir, through a table it obtained from
 *	@map_dma_buf and still holds: the exporter does for that device the
 *	cache maintenance that mapping the buffer would have done.  Must not
 *	sleep; can be called from any context, without locks held by the core.
 * @end_access: optional, the counterpart of @begin_access, called once the
 *	device is done: makes what the device wrote visible to the CPU.  Same
 *	context rules.
 * @begin_cpu_access_partial: optional, an extension of this kernel.  Like
 *	@begin_cpu_access for the byte range [@offset, @offset + @len) only,
 *	which the core has checked to lie inside the buffer and to be
 *	non-empty.  Exporters without it get @begin_cpu_access instead;
 *	exporters with only this form get whole-buffer calls as the range
 *	covering the buffer.
 * @end_cpu_access_partial: optional; the range form of @end_cpu_access.
 */
struct dma_buf_ops {
	bool cache_sgt_mapping;

	int (*attach)(struct dma_buf *dmabuf,
		      struct dma_buf_attachment *attach);
	void (*detach)(struct dma_buf *dmabuf,
		       struct dma_buf_attachment *attach);
	int (*pin)(struct dma_buf_attachment *attach);
	void (*unpin)(struct dma_buf_attachment *attach);
	struct sg_table *(*map_dma_buf)(struct dma_buf_attachment *attach,
					enum dma_data_direction dir);
	void (*unmap_dma_buf)(struct dma_buf_attachment *attach,
			      struct sg_table *sgt,
			      enum dma_data_direction dir);
	void (*release)(struct dma_buf *dmabuf);
	int (*begin_cpu_access)(struct dma_buf *dmabuf,
				enum dma_data_direction dir);
	int (*end_cpu_access)(struct dma_buf *dmabuf,
			      enum dma_data_direction dir);
	int (*mmap)(struct dma_buf *dmabuf, struct vm_area_struct *vma);
	int (*vmap)(struct dma_buf *dmabuf, struct iosys_map *map);
	void (*vunmap)(struct dma_buf *dmabuf, struct iosys_map *map);

	int (*begin_access)(struct dma_buf_attachment *attach,
			    enum dma_data_direction dir);
	int (*end_access)(struct dma_buf_attachment *attach,
			  enum dma_data_direction dir);
	int (*begin_cpu_access_partial)(struct dma_buf *dmabuf,
					enum dma_data_direction dir,
					size_t offset, size_t len);
	int (*end_cpu_access_partial)(struct dma_buf *dmabuf,
				      enum dma_data_direction dir,
				      size_t offset, size_t len);
};

/**
 * struct dma_buf - one shared buffer
 * @size: size in bytes, fixed for the buffer's life.
 * @file: the file behind every fd of the buffer; its reference count is
 *	the buffer's.
 * @attachments: the &dma_buf_attachment list, protected by @resv; entries
 *	are also added and removed under @name_lock, so that fdinfo can list
 *	them without sleeping.
 * @ops: the exporter's operations.
 * @vmapping_counter: users of the shared kernel mapping, under @resv.
 * @vmap_ptr: the shared kernel mapping while @vmapping_counter is non-zero.
 * @exp_name: the exporter's name, shown in fdinfo, debugfs and sysfs.
 * @name: a name userspace gave with %DMA_BUF_SET_NAME, or NULL; protected
 *	by @name_lock because the /proc fd link reads it from any context.
 * @name_lock: protects @name, and @attachments for readers that must not
 *	sleep.
 * @owner: the exporting module, pinned while the buffer exists.
 * @list_node: entry in the core's list of live buffers (debugfs only).
 * @priv: the exporter's object.
 * @resv: the reservation object holding the buffer's fences and its lock;
 *	the exporter's own, or one embedded after this struct.
 * @poll: wait queue of poll() on the fd.
 * @cb_in: fence callback state of a poll() for reading.
 * @cb_out: fence callback state of a poll() for writing.
 * @sysfs_entry: the buffer's directory under /sys/kernel/dmabuf/buffers.
 * @resv_embedded: @resv was allocated with the buffer, not supplied by the
 *	exporter, and is finalised with it.
 *
 * Importers read @size, @file, @priv (exporters only), @resv and @ops; every
 * other field belongs to the core.
 */
struct dma_buf {
	size_t size;
	struct file *file;
	struct list_head attachments;
	const struct dma_buf_ops *ops;
	unsigned int vmapping_counter;
	struct iosys_map vmap_ptr;
	const char *exp_name;
	const char *name;
	spinlock_t name_lock;	/* protects name, see above */
	struct module *owner;
#if IS_ENABLED(CONFIG_DEBUG_FS)
	struct list_head list_node;
#endif
	void *priv;
	struct dma_resv *resv;
	wait_queue_head_t poll;

	/*
	 * One direction of poll(): the callback armed on the fence waited
	 * for, the queue it wakes (&dma_buf.poll) and the events it will
	 * report; @active is zero while no callback is armed.
	 */
	struct dma_buf_poll_cb_t {
		struct dma_fence_cb cb;
		wait_queue_head_t *poll;
		__poll_t active;
	} cb_in, cb_out;
#ifdef CONFIG_DMABUF_SYSFS_STATS
	/* the buffer's sysfs directory and a way back to the buffer */
	struct dma_buf_sysfs_entry {
		struct kobject kobj;
		struct dma_buf *dmabuf;
	} *sysfs_entry;
#endif
	bool resv_embedded;
};

/**
 * struct dma_buf_attach_ops - what a dynamic importer implements
 * @allow_peer2peer: the importer can use DMA addresses of another device's
 *	memory (PCI peer to peer); the scatterlist may then carry entries
 *	without struct pages.
 * @move_notify: the exporter is about to move the buffer.  Called with the
 *	reservation lock held; the importer must stop using its current
 *	mapping once the fences in the reservation object signal and map
 *	again before its next access.  Required.
 */
struct dma_buf_attach_ops {
	bool allow_peer2peer;
	void (*move_notify)(struct dma_buf_attachment *attach);
};

/**
 * struct dma_buf_attachment - one device's use of a buffer
 * @dmabuf: the buffer.
 * @dev: the importing device.
 * @node: entry in &dma_buf.attachments.
 * @sgt: the table the core keeps mapped when the exporter asked for
 *	caching (&dma_buf_ops.cache_sgt_mapping), else NULL.
 * @dir: the direction @sgt was mapped in.
 * @peer2peer: the importer accepts peer-to-peer addresses; the exporter
 *	may clear it in &dma_buf_ops.attach if it cannot provide them.
 * @importer_ops: the importer's callbacks; NULL for a static importer.
 * @importer_priv: the importer's data for @importer_ops.
 * @priv: the exporter's per-attachment data.
 * @mapped: mappings the importer holds now, under the reservation lock.
 * @map_count: successful dma_buf_map_attachment() calls over the
 *	attachment's life, under the reservation lock (shown in fdinfo).
 *
 * Created by dma_buf_attach() or dma_buf_dynamic_attach() and freed by
 * dma_buf_detach(); the importer must not change any field.
 */
struct dma_buf_attachment {
	struct dma_buf *dmabuf;
	struct device *dev;
	struct list_head node;
	struct sg_table *sgt;
	enum dma_data_direction dir;
	bool peer2peer;
	const struct dma_buf_attach_ops *importer_ops;
	void *importer_priv;
	void *priv;
	unsigned int mapped;
	unsigned long map_count;
};

/**
 * struct dma_buf_export_info - what dma_buf_export() needs
 * @exp_name: the exporter's name (see DEFINE_DMA_BUF_EXPORT_INFO()).
 * @owner: the exporting module.
 * @ops: the exporter's operations.
 * @size: buffer size in bytes.
 * @flags: file flags of the buffer's file; O_ACCMODE and O_NONBLOCK are
 *	kept, the rest ignored.
 * @resv: the reservation object to use, or NULL to get a new one.
 * @priv: the exporter's object, passed back through &dma_buf.priv.
 */
struct dma_buf_export_info {
	const char *exp_name;
	struct module *owner;
	const struct dma_buf_ops *ops;
	size_t size;
	int flags;
	struct dma_resv *resv;
	void *priv;
};

/**
 * DEFINE_DMA_BUF_EXPORT_INFO - declare a &struct dma_buf_export_info
 * @name: the variable's name.
 *
 * Fills in the exporter's module and name from the compilation unit.
 */
#define DEFINE_DMA_BUF_EXPORT_INFO(name)	\
	struct dma_buf_export_info name = { .exp_name = KBUILD_MODNAME, \
					    .owner = THIS_MODULE }

/**
 * get_dma_buf - take one more reference to a buffer
 * @dmabuf: the buffer; the caller already holds a reference.
 *
 * Drop it with dma_buf_put().
 */
static inline void get_dma_buf(struct dma_buf *dmabuf)
{
	get_file(dmabuf->file);
}

/**
 * dma_buf_is_dynamic - may the exporter move the buffer?
 * @dmabuf: the buffer.
 *
 * Return: true when the exporter implements pin and unpin.
 */
static inline bool dma_buf_is_dynamic(struct dma_buf *dmabuf)
{
	return !!dmabuf->ops->pin;
}

/**
 * dma_buf_attachment_is_dynamic - can the importer follow a move?
 * @attach: the attachment.
 *
 * Return: true when the importer attached with &struct dma_buf_attach_ops.
 */
static inline bool
dma_buf_attachment_is_dynamic(struct dma_buf_attachment *attach)
{
	return !!attach->importer_ops;
}

struct dma_buf_attachment *dma_buf_attach(struct dma_buf *dmabuf,
					  struct device *dev);
struct dma_buf_attachment *
dma_buf_dynamic_attach(struct dma_buf *dmabuf, struct device *dev,
		       const struct dma_buf_attach_ops *importer_ops,
		       void *importer_priv);
void dma_buf_detach(struct dma_buf *dmabuf,
		    struct dma_buf_attachment *attach);
int dma_buf_pin(struct dma_buf_attachment *attach);
void dma_buf_unpin(struct dma_buf_attachment *attach);

struct dma_buf *dma_buf_export(const struct dma_buf_export_info *exp_info);

int dma_buf_fd(struct dma_buf *dmabuf, int flags);
struct dma_buf *dma_buf_get(int fd);
void dma_buf_put(struct dma_buf *dmabuf);

struct sg_table *dma_buf_map_attachment(struct dma_buf_attachment *attach,
					enum dma_data_direction direction);
void dma_buf_unmap_attachment(struct dma_buf_attachment *attach,
			      struct sg_table *sg_table,
			      enum dma_data_direction direction);
void dma_buf_move_notify(struct dma_buf *dmabuf);
int dma_buf_begin_cpu_access(struct dma_buf *dmabuf,
			     enum dma_data_direction dir);
int dma_buf_end_cpu_access(struct dma_buf *dmabuf,
			   enum dma_data_direction dir);
int dma_buf_begin_cpu_access_partial(struct dma_buf *dmabuf,
				     enum dma_data_direction dir,
				     size_t offset, size_t len);
int dma_buf_end_cpu_access_partial(struct dma_buf *dmabuf,
				   enum dma_data_direction dir,
				   size_t offset, size_t len);

/*
 * Attachment-level access (an extension of this kernel).
 *
 * With plain 6.12 semantics the exporter does device cache maintenance when
 * an attachment is mapped and unmapped, so an importer that keeps a mapping
 * across many DMA operations gets no maintenance between them.  Such an
 * importer brackets each DMA operation instead:
 *
 *	sgt = dma_buf_map_attachment(attach, dir);	once
 *	...
 *	dma_buf_begin_access(attach, dir);		before each DMA
 *	(device accesses the buffer through sgt)
 *	dma_buf_end_access(attach, dir);		after each DMA
 *	...
 *	dma_buf_unmap_attachment(attach, sgt, dir);	once
 *
 * The calls are legal only while the attachment holds a mapping, with a
 * @dir the mapping allows.  They take no lock and never sleep, so they may
 * be made from interrupt handlers that complete DMA, and cost nothing when
 * the device needs no maintenance.  The exporter syncs only this
 * attachment's mapping; CPU access keeps its own calls
 * (dma_buf_begin_cpu_access() and friends).  With an exporter that does not
 * implement the ops both calls return 0 and do nothing: the importer then
 * relies on map-time maintenance and on userspace bracketing its CPU access
 * with %DMA_BUF_IOCTL_SYNC, exactly as with 6.12.
 */
int dma_buf_begin_access(struct dma_buf_attachment *attach,
			 enum dma_data_direction dir);
int dma_buf_end_access(struct dma_buf_attachment *attach,
		       enum dma_data_direction dir);

struct sg_table *
dma_buf_map_attachment_unlocked(struct dma_buf_attachment *attach,
				enum dma_data_direction direction);
void dma_buf_unmap_attachment_unlocked(struct dma_buf_attachment *attach,
				       struct sg_table *sg_table,
				       enum dma_data_direction direction);

int dma_buf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma,
		 unsigned long pgoff);
int dma_buf_vmap(struct dma_buf *dmabuf, struct iosys_map *map);
void dma_buf_vunmap(struct dma_buf *dmabuf, struct iosys_map *map);
int dma_buf_vmap_unlocked(struct dma_buf *dmabuf, struct iosys_map *map);
void dma_buf_vunmap_unlocked(struct dma_buf *dmabuf, struct iosys_map *map);
#endif /* __DMA_BUF_H__ */
