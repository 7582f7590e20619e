// SPDX-License-Identifier: GPL-2.0-only
/*
 * The dma-buf core: shared buffers as files.
 *
 * A buffer is a &struct dma_buf hung off a file of the internal "dmabuf"
 * pseudo filesystem.  The file's reference count is the buffer's: fds, vmas
 * and kernel users (dma_buf_get(), get_dma_buf()) all hold file references,
 * and the buffer is freed when the file's dentry goes away.
 *
 * The core owns no memory.  It checks arguments, keeps the attachment list
 * and the shared kernel mapping under the buffer's reservation lock, pins on
 * behalf of importers that cannot follow a move, optionally caches one
 * mapping per attachment, and forwards everything else to the exporter's
 * &struct dma_buf_ops.  With CONFIG_DMABUF_DEBUG importers get a copy of the
 * exporter's scatterlist whose page pointers are poisoned, so an importer
 * that touches pages it does not own faults at once, while the exporter keeps
 * an intact table for its own cache maintenance.
 */

#include <linux/anon_inodes.h>
#include <linux/debugfs.h>
#include <linux/dma-buf.h>
#include <linux/dma-fence.h>
#include <linux/dma-fence-unwrap.h>
#include <linux/dma-resv.h>
#include <linux/export.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/poll.h>
#include <linux/pseudo_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sync_file.h>
#include <linux/uaccess.h>

#include <uapi/linux/dma-buf.h>
#include <uapi/linux/magic.h>

#include "dma-buf-sysfs-stats.h"

#define CREATE_TRACE_POINTS
#include <trace/events/dma_buf.h>

/**
 * DOC: dma buf device access
 *
 * How a buffer travels from its exporter to a device:
 *
 * 1. The exporter fills a &struct dma_buf_export_info (declared with
 *    DEFINE_DMA_BUF_EXPORT_INFO()), calls dma_buf_export() and, to hand the
 *    buffer to userspace, dma_buf_fd().
 * 2. Userspace passes the fd to a driver, which looks it up with
 *    dma_buf_get() and attaches its device with dma_buf_attach() (or
 *    dma_buf_dynamic_attach() if it can follow moves).  Attaching tells the
 *    exporter about the device; it does not yet fix where the memory is.
 * 3. Before its device touches the buffer, the driver maps the attachment
 *    with dma_buf_map_attachment() and programs the DMA addresses of the
 *    table it gets; it gives the table back with
 *    dma_buf_unmap_attachment().  An importer that keeps the mapping across
 *    many transfers brackets each one with dma_buf_begin_access() and
 *    dma_buf_end_access().
 * 4. When done, the driver unmaps, calls dma_buf_detach() and drops its
 *    reference with dma_buf_put().
 *
 * Dynamic exporters (with &dma_buf_ops.pin) may move the buffer while no
 * static importer holds a mapping; dynamic importers are told through
 * &dma_buf_attach_ops.move_notify.
 */

/**
 * DOC: cpu access
 *
 * The CPU reaches a buffer in two ways:
 *
 * - From the kernel: dma_buf_vmap() gives one shared kernel mapping of the
 *   whole buffer, counted per user; each stretch of access is bracketed by
 *   dma_buf_begin_cpu_access() and dma_buf_end_cpu_access() (or their
 *   _partial forms when only part of the buffer is touched).
 * - From userspace: mmap() of the dma-buf fd, with every stretch of access
 *   bracketed by %DMA_BUF_IOCTL_SYNC (START, then END, with the same
 *   READ/WRITE bits), or %DMA_BUF_IOCTL_SYNC_PARTIAL for a byte range.
 *   Drivers may also expose an imported buffer through their own mmap with
 *   dma_buf_mmap().
 *
 * The brackets are where the exporter does cache maintenance for every
 * device attached to the buffer and where the core waits for pending
 * device work, so access outside them may see stale data on systems whose
 * devices are not cache coherent.  A sync that fails with -EINTR or
 * -EAGAIN is to be restarted with the same arguments.
 */

/**
 * DOC: implicit fence polling
 *
 * The reservation object of a buffer records the device work pending on it.
 * poll() on the fd reports %EPOLLIN once no write to the buffer is pending,
 * so the CPU may read it, and %EPOLLOUT once no access at all is pending, so
 * it may write it.  %DMA_BUF_IOCTL_EXPORT_SYNC_FILE turns the same state
 * into a sync_file that can be waited on or handed to another driver, and
 * %DMA_BUF_IOCTL_IMPORT_SYNC_FILE adds the fences of a sync_file to the
 * buffer, as reads or as writes, so that implicitly synchronised users wait
 * for work submitted with explicit fences.
 */

/**
 * DOC: locking convention
 *
 * Each buffer has one lock, the ww_mutex of its reservation object
 * (&dma_buf.resv).  Importers hold it around dma_buf_pin(),
 * dma_buf_unpin(), dma_buf_map_attachment(), dma_buf_unmap_attachment(),
 * dma_buf_vmap() and dma_buf_vunmap(); the _unlocked variants take it
 * themselves.  dma_buf_attach(), dma_buf_detach(),
 * dma_buf_begin_cpu_access(), dma_buf_end_cpu_access() and dma_buf_mmap()
 * are called without it, because the exporter may take it inside.
 * dma_buf_begin_access() and dma_buf_end_access() take no lock and may be
 * called from atomic context.
 *
 * Exporters see the same split: &dma_buf_ops.pin, unpin, map_dma_buf,
 * unmap_dma_buf, vmap and vunmap run under the lock, and a dynamic exporter
 * calls dma_buf_move_notify() with it held.  attach, detach,
 * begin_cpu_access, end_cpu_access, mmap and release run without it.
 */

static struct vfsmount *dma_buf_vfsmount;
static const struct file_operations dma_buf_file_ops;

static bool is_dma_buf_file(struct file *file)
{
	return file->f_op == &dma_buf_file_ops;
}

/* ------------------------------------------------------------------------
 * Buffers listed for debugfs
 */

#if IS_ENABLED(CONFIG_DEBUG_FS)
static DEFINE_MUTEX(dma_buf_list_lock);
static LIST_HEAD(dma_buf_list);

static void dma_buf_list_add(struct dma_buf *buf)
{
	mutex_lock(&dma_buf_list_lock);
	list_add_tail(&buf->list_node, &dma_buf_list);
	mutex_unlock(&dma_buf_list_lock);
}

static void dma_buf_list_del(struct dma_buf *buf)
{
	mutex_lock(&dma_buf_list_lock);
	list_del_init(&buf->list_node);
	mutex_unlock(&dma_buf_list_lock);
}
#else
static void dma_buf_list_add(struct dma_buf *buf) { }
static void dma_buf_list_del(struct dma_buf *buf) { }
#endif

/* ------------------------------------------------------------------------
 * The pseudo filesystem
 */

/*
 * /proc/PID/fd/N and /proc/PID/maps show "/dmabuf:NAME".  The dentry keeps
 * the buffer alive (see dma_buf_dentry_release()), so the name can be read
 * here at any time under its lock.
 */
static char *dma_buf_dname(struct dentry *dentry, char *buffer, int buflen)
{
	struct dma_buf *buf = dentry->d_fsdata;
	char name[DMA_BUF_NAME_LEN] = "";

	if (buf) {
		spin_lock(&buf->name_lock);
		if (buf->name)
			strscpy(name, buf->name);
		spin_unlock(&buf->name_lock);
	}

	return dynamic_dname(buffer, buflen, "/%s:%s",
			     dentry->d_name.name, name);
}

/*
 * The last reference is gone: the file has been released and its dentry is
 * being freed.  A buffer whose export failed half-way has no d_fsdata.
 */
static void dma_buf_dentry_release(struct dentry *dentry)
{
	struct dma_buf *buf = dentry->d_fsdata;

	if (!buf)
		return;

	/* Every user holds a file reference, so nobody can still use these. */
	WARN_ON(buf->vmapping_counter);
	WARN_ON(!list_empty(&buf->attachments));
	WARN_ON(buf->cb_in.active || buf->cb_out.active);

	dma_buf_stats_teardown(buf);
	buf->ops->release(buf);

	if (buf->resv_embedded)
		dma_resv_fini(buf->resv);

	module_put(buf->owner);
	kfree(buf->name);
	kfree(buf);
}

static const struct dentry_operations dma_buf_dops = {
	.d_dname = dma_buf_dname,
	.d_release = dma_buf_dentry_release,
};

static int dma_buf_fs_init(struct fs_context *fc)
{
	struct pseudo_fs_context *ctx = init_pseudo(fc, DMA_BUF_MAGIC);

	if (!ctx)
		return -ENOMEM;
	ctx->dops = &dma_buf_dops;
	return 0;
}

static struct file_system_type dma_buf_fs = {
	.name = "dmabuf",
	.init_fs_context = dma_buf_fs_init,
	.kill_sb = kill_anon_super,
};

/* ------------------------------------------------------------------------
 * File operations
 */

static int dma_buf_fop_release(struct inode *inode, struct file *file)
{
	struct dma_buf *buf = file->private_data;

	if (buf) {
		trace_dma_buf_release(buf);
		dma_buf_list_del(buf);
	}
	return 0;
}

static int dma_buf_fop_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct dma_buf *buf = file->private_data;
	unsigned long end;

	if (!buf->ops->mmap)
		return -EINVAL;

	if (check_add_overflow(vma->vm_pgoff, vma_pages(vma), &end) ||
	    end > buf->size >> PAGE_SHIFT)
		return -EINVAL;

	return buf->ops->mmap(buf, vma);
}

/* Only the two positions userspace uses to learn the size are supported. */
static loff_t dma_buf_fop_llseek(struct file *file, loff_t offset, int whence)
{
	struct dma_buf *buf = file->private_data;

	if (offset)
		return -EINVAL;

	switch (whence) {
	case SEEK_SET:
		return 0;
	case SEEK_END:
		return buf->size;
	default:
		return -EINVAL;
	}
}

/*
 * poll(): EPOLLIN once no write is pending on the buffer (the CPU may read),
 * EPOLLOUT once no access at all is pending (the CPU may write).  When not
 * ready, a callback is armed on one unsignalled fence of the class; it holds
 * a file reference until it fires and wakes the poll queue.  Each direction
 * has a single callback slot, which stays armed across polls until it fires.
 */
static void dma_buf_poll_fence_done(struct dma_fence *fence,
				    struct dma_fence_cb *cb)
{
	struct dma_buf_poll_cb_t *pcb = container_of(cb, typeof(*pcb), cb);
	struct dma_buf *buf = container_of(pcb->poll, struct dma_buf, poll);
	unsigned long irqflags;

	spin_lock_irqsave(&pcb->poll->lock, irqflags);
	wake_up_locked_poll(pcb->poll, pcb->active);
	pcb->active = 0;
	spin_unlock_irqrestore(&pcb->poll->lock, irqflags);

	dma_fence_put(fence);
	fput(buf->file);
}

/* Returns true when the access is not possible yet. */
static bool dma_buf_poll_busy(struct dma_buf *buf,
			      struct dma_buf_poll_cb_t *pcb, __poll_t event,
			      enum dma_resv_usage usage)
{
	struct dma_resv_iter it;
	struct dma_fence *f;
	bool armed;

	dma_resv_assert_held(buf->resv);

	spin_lock_irq(&buf->poll.lock);
	armed = pcb->active != 0;
	if (!armed)
		pcb->active = event;
	spin_unlock_irq(&buf->poll.lock);
	if (armed)
		return true;

	get_file(buf->file);
	dma_resv_for_each_fence(&it, buf->resv, usage, f) {
		dma_fence_get(f);
		if (!dma_fence_add_callback(f, &pcb->cb,
					    dma_buf_poll_fence_done))
			return true;
		dma_fence_put(f);
	}

	spin_lock_irq(&buf->poll.lock);
	pcb->active = 0;
	spin_unlock_irq(&buf->poll.lock);
	fput(buf->file);
	return false;
}

static __poll_t dma_buf_fop_poll(struct file *file, poll_table *wait)
{
	struct dma_buf *buf = file->private_data;
	__poll_t ready = poll_requested_events(wait) & (EPOLLIN | EPOLLOUT);

	/* Queued even for no events: epoll may ask for some later. */
	poll_wait(file, &buf->poll, wait);
	if (!ready)
		return 0;

	dma_resv_lock(buf->resv, NULL);
	if ((ready & EPOLLOUT) &&
	    dma_buf_poll_busy(buf, &buf->cb_out, EPOLLOUT,
			      DMA_RESV_USAGE_READ))
		ready &= ~EPOLLOUT;
	if ((ready & EPOLLIN) &&
	    dma_buf_poll_busy(buf, &buf->cb_in, EPOLLIN,
			      DMA_RESV_USAGE_WRITE))
		ready &= ~EPOLLIN;
	dma_resv_unlock(buf->resv);

	return ready;
}

/* Translate DMA_BUF_SYNC_* flags; the access bits must not be empty. */
static int dma_buf_sync_flags(u64 flags, enum dma_data_direction *dir,
			      bool *end)
{
	if (flags & ~DMA_BUF_SYNC_VALID_FLAGS_MASK)
		return -EINVAL;

	switch (flags & DMA_BUF_SYNC_RW) {
	case DMA_BUF_SYNC_READ:
		*dir = DMA_FROM_DEVICE;
		break;
	case DMA_BUF_SYNC_WRITE:
		*dir = DMA_TO_DEVICE;
		break;
	case DMA_BUF_SYNC_RW:
		*dir = DMA_BIDIRECTIONAL;
		break;
	default:
		return -EINVAL;
	}

	*end = flags & DMA_BUF_SYNC_END;
	return 0;
}

static long dma_buf_ioctl_sync(struct dma_buf *buf, void __user *uarg)
{
	struct dma_buf_sync sync;
	enum dma_data_direction dir;
	bool end;
	int ret;

	if (copy_from_user(&sync, uarg, sizeof(sync)))
		return -EFAULT;

	ret = dma_buf_sync_flags(sync.flags, &dir, &end);
	if (ret)
		return ret;

	return end ? dma_buf_end_cpu_access(buf, dir) :
		     dma_buf_begin_cpu_access(buf, dir);
}

static long dma_buf_sync_range(struct dma_buf *buf, u64 flags, u64 offset,
			       u64 len)
{
	enum dma_data_direction dir;
	bool end;
	int ret;

	ret = dma_buf_sync_flags(flags, &dir, &end);
	if (ret)
		return ret;

	/* Checked in 64 bits here, before the values are narrowed to size_t. */
	if (!len || offset >= buf->size || len > buf->size - offset)
		return -EINVAL;

	if (end)
		return dma_buf_end_cpu_access_partial(buf, dir, offset, len);
	return dma_buf_begin_cpu_access_partial(buf, dir, offset, len);
}

/*
 * Besides DMA_BUF_IOCTL_SYNC_PARTIAL, the encoding Rockchip's vendor kernels
 * define and their userspace (MPP, librga) calls: number 2 written with a
 * 16-byte argument, 32-bit offset and length.  Both get the same checks, so
 * that those binaries run unchanged.
 */
struct dma_buf_sync_partial_vendor {
	__u64 flags;
	__u32 offset;
	__u32 len;
};

#define DMA_BUF_IOCTL_SYNC_PARTIAL_VENDOR \
	_IOW(DMA_BUF_BASE, 2, struct dma_buf_sync_partial_vendor)

static long dma_buf_ioctl_sync_partial(struct dma_buf *buf, unsigned int cmd,
				       void __user *uarg)
{
	struct dma_buf_sync_partial sync;
	struct dma_buf_sync_partial_vendor vendor;

	if (cmd == DMA_BUF_IOCTL_SYNC_PARTIAL_VENDOR) {
		if (copy_from_user(&vendor, uarg, sizeof(vendor)))
			return -EFAULT;
		sync.flags = vendor.flags;
		sync.offset = vendor.offset;
		sync.len = vendor.len;
	} else if (copy_from_user(&sync, uarg, sizeof(sync))) {
		return -EFAULT;
	}
	return dma_buf_sync_range(buf, sync.flags, sync.offset, sync.len);
}

/*
 * The name is for humans and tools (fdinfo, debugfs, /proc links); it may be
 * changed at any time.  strndup_user() fails with -EINVAL when the string
 * does not fit in DMA_BUF_NAME_LEN bytes.
 */
static long dma_buf_set_name(struct dma_buf *buf, const char __user *uname)
{
	char *name = strndup_user(uname, DMA_BUF_NAME_LEN);
	const char *old;

	if (IS_ERR(name))
		return PTR_ERR(name);

	spin_lock(&buf->name_lock);
	old = buf->name;
	buf->name = name;
	spin_unlock(&buf->name_lock);

	kfree(old);
	return 0;
}

#if IS_ENABLED(CONFIG_SYNC_FILE)
static long dma_buf_ioctl_export_fence(struct dma_buf *buf, void __user *uarg)
{
	struct dma_buf_export_sync_file req;
	struct dma_fence *pending = NULL;
	struct sync_file *sf;
	int fd, ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (!(req.flags & DMA_BUF_SYNC_RW) || (req.flags & ~DMA_BUF_SYNC_RW))
		return -EINVAL;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;

	/* A writer waits for everything, a reader only for writers. */
	ret = dma_resv_get_singleton(buf->resv,
				     dma_resv_usage_rw(req.flags &
						       DMA_BUF_SYNC_WRITE),
				     &pending);
	if (ret)
		goto err_fd;
	if (!pending)
		pending = dma_fence_get_stub();

	sf = sync_file_create(pending);
	dma_fence_put(pending);
	if (!sf) {
		ret = -ENOMEM;
		goto err_fd;
	}

	req.fd = fd;
	if (copy_to_user(uarg, &req, sizeof(req))) {
		fput(sf->file);
		ret = -EFAULT;
		goto err_fd;
	}

	fd_install(fd, sf->file);
	return 0;

err_fd:
	put_unused_fd(fd);
	return ret;
}

static long dma_buf_ioctl_import_fence(struct dma_buf *buf,
				       const void __user *uarg)
{
	struct dma_buf_import_sync_file req;
	struct dma_fence_unwrap it;
	struct dma_fence *in, *one;
	enum dma_resv_usage as;
	unsigned int count = 0;
	int ret = 0;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (!(req.flags & DMA_BUF_SYNC_RW) || (req.flags & ~DMA_BUF_SYNC_RW))
		return -EINVAL;

	in = sync_file_get_fence(req.fd);
	if (!in)
		return -EINVAL;

	as = (req.flags & DMA_BUF_SYNC_WRITE) ? DMA_RESV_USAGE_WRITE :
						   DMA_RESV_USAGE_READ;

	/* Containers are flattened; reserve all slots before adding any. */
	dma_fence_unwrap_for_each(one, &it, in)
		count++;

	if (count) {
		dma_resv_lock(buf->resv, NULL);
		ret = dma_resv_reserve_fences(buf->resv, count);
		if (!ret) {
			dma_fence_unwrap_for_each(one, &it, in)
				dma_resv_add_fence(buf->resv, one, as);
		}
		dma_resv_unlock(buf->resv);
	}
	dma_fence_put(in);
	return ret;
}
#endif

static long dma_buf_fop_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	struct dma_buf *buf = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case DMA_BUF_IOCTL_SYNC:
		return dma_buf_ioctl_sync(buf, uarg);
	case DMA_BUF_IOCTL_SYNC_PARTIAL:
	case DMA_BUF_IOCTL_SYNC_PARTIAL_VENDOR:
		return dma_buf_ioctl_sync_partial(buf, cmd, uarg);
	case DMA_BUF_SET_NAME_A:
	case DMA_BUF_SET_NAME_B:
		return dma_buf_set_name(buf, uarg);
#if IS_ENABLED(CONFIG_SYNC_FILE)
	case DMA_BUF_IOCTL_EXPORT_SYNC_FILE:
		return dma_buf_ioctl_export_fence(buf, uarg);
	case DMA_BUF_IOCTL_IMPORT_SYNC_FILE:
		return dma_buf_ioctl_import_fence(buf, uarg);
#endif
	default:
		return -ENOTTY;
	}
}

/*
 * fdinfo prints Linux 6.12's keys first and in its order (size, count,
 * exp_name, name), then the access mode and one line per attachment:
 *
 *	mode:		0N
 *	attachments:	N
 *	attachment:	DEVICE	dynamic:0|1	mapped:M	maps:T
 *
 * where M is the number of mappings the importer holds now and T the number
 * of successful map calls since it attached.  Tools read the fdinfo of every
 * process, so it must never wait for a reservation lock held across a
 * device job: the attachment list is walked under @name_lock, which
 * attach and detach take inside the reservation lock, and the two counts
 * are a snapshot.
 */
static void dma_buf_fop_fdinfo(struct seq_file *m, struct file *file)
{
	struct dma_buf *buf = file->private_data;
	struct dma_buf_attachment *att;
	unsigned int n = 0;

	seq_printf(m, "size:\t%zu\n", buf->size);
	/* procfs holds a reference of its own while it prints */
	seq_printf(m, "count:\t%ld\n", file_count(file) - 1);
	seq_printf(m, "exp_name:\t%s\n", buf->exp_name);
	spin_lock(&buf->name_lock);
	if (buf->name)
		seq_printf(m, "name:\t%s\n", buf->name);
	seq_printf(m, "mode:\t0%o\n",
		   (__force unsigned int)(file->f_mode & (FMODE_READ | FMODE_WRITE)));
	list_for_each_entry(att, &buf->attachments, node)
		n++;
	seq_printf(m, "attachments:\t%u\n", n);
	list_for_each_entry(att, &buf->attachments, node)
		seq_printf(m, "attachment:\t%s\tdynamic:%d\tmapped:%u\tmaps:%lu\n",
			   dev_name(att->dev),
			   dma_buf_attachment_is_dynamic(att),
			   READ_ONCE(att->mapped), READ_ONCE(att->map_count));
	spin_unlock(&buf->name_lock);
}

static const struct file_operations dma_buf_file_ops = {
	.release = dma_buf_fop_release,
	.mmap = dma_buf_fop_mmap,
	.llseek = dma_buf_fop_llseek,
	.poll = dma_buf_fop_poll,
	.unlocked_ioctl = dma_buf_fop_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.show_fdinfo = dma_buf_fop_fdinfo,
};

/* ------------------------------------------------------------------------
 * Export and references
 */

static struct file *dma_buf_new_file(size_t size, int flags)
{
	/*
	 * get_next_ino() numbers wrap and repeat; sysfs directories and
	 * tools that key buffers by inode need numbers that never do.
	 */
	static atomic64_t last_ino = ATOMIC64_INIT(0);
	struct inode *inode;
	struct file *file;

	inode = alloc_anon_inode(dma_buf_vfsmount->mnt_sb);
	if (IS_ERR(inode))
		return ERR_CAST(inode);

	inode->i_ino = atomic64_inc_return(&last_ino);
	inode->i_size = size;
	inode_set_bytes(inode, size);

	file = alloc_file_pseudo(inode, dma_buf_vfsmount, "dmabuf",
				 flags & (O_ACCMODE | O_NONBLOCK),
				 &dma_buf_file_ops);
	if (IS_ERR(file))
		iput(inode);
	return file;
}

/**
 * dma_buf_export - wrap an exporter's buffer into a new dma-buf
 * @info: what the buffer is and who exports it; see
 *	&struct dma_buf_export_info.  Initialise it with
 *	DEFINE_DMA_BUF_EXPORT_INFO().
 *
 * The new buffer holds a reference on @info->owner until
 * &dma_buf_ops.release has run.  It is not reachable from userspace until
 * the exporter calls dma_buf_fd().
 *
 * Return: the buffer, with one reference for the caller, or an ERR_PTR:
 * -EINVAL for incomplete operations (a driver bug, reported with a warning),
 * -ENOENT when the owner module is going away, -ENOMEM.
 */
struct dma_buf *dma_buf_export(const struct dma_buf_export_info *info)
{
	const struct dma_buf_ops *ops = info->ops;
	struct dma_resv *resv = info->resv;
	struct dma_buf *buf;
	struct file *file;
	int ret;

	if (WARN_ON(!info->priv || !ops || !ops->map_dma_buf ||
		    !ops->unmap_dma_buf || !ops->release))
		return ERR_PTR(-EINVAL);
	/* Pinning comes as a pair, and a movable buffer cannot be cached. */
	if (WARN_ON(!ops->pin != !ops->unpin) ||
	    WARN_ON(ops->cache_sgt_mapping && ops->pin))
		return ERR_PTR(-EINVAL);

	if (!try_module_get(info->owner))
		return ERR_PTR(-ENOENT);

	buf = kzalloc(sizeof(*buf) + (resv ? 0 : sizeof(*resv)), GFP_KERNEL);
	if (!buf) {
		ret = -ENOMEM;
		goto err_module;
	}

	buf->size = info->size;
	buf->ops = ops;
	buf->priv = info->priv;
	buf->exp_name = info->exp_name;
	buf->owner = info->owner;
	spin_lock_init(&buf->name_lock);
	INIT_LIST_HEAD(&buf->attachments);
	init_waitqueue_head(&buf->poll);
	buf->cb_in.poll = &buf->poll;
	buf->cb_out.poll = &buf->poll;
#if IS_ENABLED(CONFIG_DEBUG_FS)
	INIT_LIST_HEAD(&buf->list_node);
#endif
	if (!resv) {
		resv = (struct dma_resv *)&buf[1];
		dma_resv_init(resv);
		buf->resv_embedded = true;
	}
	buf->resv = resv;

	file = dma_buf_new_file(buf->size, info->flags);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto err_free;
	}
	buf->file = file;

	ret = dma_buf_stats_setup(buf, file);
	if (ret) {
		/* Neither file nor dentry point at the buffer yet. */
		fput(file);
		goto err_free;
	}

	file->private_data = buf;
	file->f_path.dentry->d_fsdata = buf;

	dma_buf_list_add(buf);
	trace_dma_buf_export(buf);
	return buf;

err_free:
	if (buf->resv_embedded)
		dma_resv_fini(buf->resv);
	kfree(buf);
err_module:
	module_put(info->owner);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_export, DMA_BUF);

/**
 * dma_buf_fd - give a buffer an fd in the current process
 * @buf: the buffer; the caller's reference moves to the fd.
 * @flags: O_CLOEXEC or 0, for the fd.
 *
 * Return: the fd, or a negative errno (-EINVAL for a NULL buffer, or what
 * get_unused_fd_flags() returns); on error the caller keeps its reference.
 */
int dma_buf_fd(struct dma_buf *buf, int flags)
{
	int fd;

	if (!buf || !buf->file)
		return -EINVAL;

	fd = get_unused_fd_flags(flags);
	if (fd < 0)
		return fd;

	fd_install(fd, buf->file);
	return fd;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_fd, DMA_BUF);

/**
 * dma_buf_get - look a buffer up by fd
 * @fd: an fd of the current process.
 *
 * Return: the buffer with a new reference, to be dropped with
 * dma_buf_put(), or ERR_PTR(-EBADF) when @fd is not open and
 * ERR_PTR(-EINVAL) when it is not a dma-buf.
 */
struct dma_buf *dma_buf_get(int fd)
{
	struct file *file = fget(fd);

	if (!file)
		return ERR_PTR(-EBADF);

	if (!is_dma_buf_file(file)) {
		fput(file);
		return ERR_PTR(-EINVAL);
	}

	return file->private_data;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_get, DMA_BUF);

/**
 * dma_buf_put - drop a reference
 * @buf: the buffer.
 *
 * Drops a reference taken by dma_buf_export(), dma_buf_get() or
 * get_dma_buf().  The buffer is released when the last one is gone; that
 * may happen later, from a work item, because file release is deferred.
 */
void dma_buf_put(struct dma_buf *buf)
{
	if (WARN_ON(!buf || !buf->file))
		return;

	fput(buf->file);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_put, DMA_BUF);

/* ------------------------------------------------------------------------
 * Attachments
 */

/**
 * dma_buf_dynamic_attach - attach a device to a buffer
 * @buf: the buffer.
 * @dev: the importing device; its DMA limits shape every mapping.
 * @importer_ops: callbacks of an importer that can follow a move of the
 *	buffer (must include &dma_buf_attach_ops.move_notify), or NULL for a
 *	static importer.
 * @importer_priv: importer data kept in &dma_buf_attachment.importer_priv.
 *
 * A static importer of a dynamic exporter gets the buffer pinned for as
 * long as it holds a mapping; a dynamic importer pins explicitly with
 * dma_buf_pin() or follows moves.  Must not be called with the buffer's
 * reservation lock held.
 *
 * Return: the attachment, to be released with dma_buf_detach(), or an
 * ERR_PTR: -EINVAL for bad arguments, -ENOMEM, or the error of the
 * exporter's &dma_buf_ops.attach.
 */
struct dma_buf_attachment *
dma_buf_dynamic_attach(struct dma_buf *buf, struct device *dev,
		       const struct dma_buf_attach_ops *importer_ops,
		       void *importer_priv)
{
	struct dma_buf_attachment *att;
	int ret;

	if (WARN_ON(!buf || !dev))
		return ERR_PTR(-EINVAL);
	if (WARN_ON(importer_ops && !importer_ops->move_notify))
		return ERR_PTR(-EINVAL);

	att = kzalloc(sizeof(*att), GFP_KERNEL);
	if (!att)
		return ERR_PTR(-ENOMEM);

	att->dmabuf = buf;
	att->dev = dev;
	att->importer_ops = importer_ops;
	att->importer_priv = importer_priv;
	att->peer2peer = importer_ops && importer_ops->allow_peer2peer;
	INIT_LIST_HEAD(&att->node);

	if (buf->ops->attach) {
		ret = buf->ops->attach(buf, att);
		if (ret) {
			kfree(att);
			return ERR_PTR(ret);
		}
	}

	dma_resv_lock(buf->resv, NULL);
	spin_lock(&buf->name_lock);
	list_add(&att->node, &buf->attachments);
	spin_unlock(&buf->name_lock);
	dma_resv_unlock(buf->resv);

	trace_dma_buf_attach(att, DMA_NONE);
	return att;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_dynamic_attach, DMA_BUF);

/**
 * dma_buf_attach - attach a static importer's device to a buffer
 * @buf: the buffer.
 * @dev: the importing device.
 *
 * dma_buf_dynamic_attach() without importer callbacks.
 *
 * Return: the attachment or an ERR_PTR, as dma_buf_dynamic_attach().
 */
struct dma_buf_attachment *dma_buf_attach(struct dma_buf *buf,
					  struct device *dev)
{
	return dma_buf_dynamic_attach(buf, dev, NULL, NULL);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_attach, DMA_BUF);

/*
 * Whether the core pins around a mapping: the exporter can move the buffer
 * and the importer cannot follow (static, or move notification compiled out).
 */
static bool dma_buf_pins_for(struct dma_buf_attachment *att)
{
	return dma_buf_is_dynamic(att->dmabuf) &&
	       (!dma_buf_attachment_is_dynamic(att) ||
		!IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY));
}

#ifdef CONFIG_DMABUF_DEBUG
/*
 * The importer's view of an exporter's table: same entries and DMA
 * addresses, page pointers flipped into non-canonical values.
 */
#define DMA_BUF_DEBUG_POISON	(~0UL << (BITS_PER_LONG - 8))

struct dma_buf_debug_sgt {
	struct sg_table sgt;
	struct sg_table *orig;
};

static struct sg_table *dma_buf_hide_pages(struct sg_table *orig)
{
	struct dma_buf_debug_sgt *copy;
	struct scatterlist *src, *dst;
	unsigned int i;

	copy = kmalloc(sizeof(*copy), GFP_KERNEL);
	if (!copy)
		return ERR_PTR(-ENOMEM);
	memset(&copy->sgt, 0, sizeof(copy->sgt));
	if (orig->orig_nents &&
	    sg_alloc_table(&copy->sgt, orig->orig_nents, GFP_KERNEL)) {
		kfree(copy);
		return ERR_PTR(-ENOMEM);
	}

	dst = copy->sgt.sgl;
	for_each_sgtable_sg(orig, src, i) {
		/* Keep dst's own chain and end marks, poison the rest. */
		dst->page_link = (dst->page_link & SG_PAGE_LINK_MASK) |
				 ((src->page_link & ~SG_PAGE_LINK_MASK) ^
				  DMA_BUF_DEBUG_POISON);
		dst->offset = src->offset;
		dst->length = src->length;
		sg_dma_address(dst) = sg_dma_address(src);
		sg_dma_len(dst) = sg_dma_len(src);
#ifdef CONFIG_NEED_SG_DMA_FLAGS
		dst->dma_flags = src->dma_flags;
#endif
		dst = sg_next(dst);
	}
	copy->sgt.nents = orig->nents;
	copy->orig = orig;
	return &copy->sgt;
}

static struct sg_table *dma_buf_unhide_pages(struct sg_table *sgt)
{
	struct dma_buf_debug_sgt *copy =
		container_of(sgt, struct dma_buf_debug_sgt, sgt);
	struct sg_table *orig = copy->orig;

	sg_free_table(&copy->sgt);
	kfree(copy);
	return orig;
}
#else
static struct sg_table *dma_buf_hide_pages(struct sg_table *orig)
{
	return orig;
}

static struct sg_table *dma_buf_unhide_pages(struct sg_table *sgt)
{
	return sgt;
}
#endif

/* Give a mapping back to the exporter and drop the pin taken for it. */
static void dma_buf_put_mapping(struct dma_buf_attachment *att,
				struct sg_table *sgt,
				enum dma_data_direction dir)
{
	struct dma_buf *buf = att->dmabuf;

	buf->ops->unmap_dma_buf(att, dma_buf_unhide_pages(sgt), dir);
	if (dma_buf_pins_for(att))
		buf->ops->unpin(att);
}

/**
 * dma_buf_detach - remove a device's attachment
 * @buf: the buffer.
 * @att: the attachment, from dma_buf_attach() or
 *	dma_buf_dynamic_attach(); freed on return.
 *
 * The importer must have given back its mappings; a mapping the core cached
 * is released here.  Takes the reservation lock, so must not be called with
 * it held.
 */
void dma_buf_detach(struct dma_buf *buf, struct dma_buf_attachment *att)
{
	if (WARN_ON(!buf || !att || att->dmabuf != buf))
		return;

	dma_resv_lock(buf->resv, NULL);
	if (att->sgt)
		dma_buf_put_mapping(att, att->sgt, att->dir);
	att->sgt = NULL;
	spin_lock(&buf->name_lock);
	list_del(&att->node);
	spin_unlock(&buf->name_lock);
	dma_resv_unlock(buf->resv);

	trace_dma_buf_detach(att, DMA_NONE);
	if (buf->ops->detach)
		buf->ops->detach(buf, att);
	kfree(att);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_detach, DMA_BUF);

/**
 * dma_buf_pin - keep the buffer where it is
 * @att: a dynamic importer's attachment.
 *
 * For dynamic importers that need the buffer not to move for a while (for
 * example while scanning it out).  Call with the reservation lock held and
 * balance with dma_buf_unpin().  Static importers are pinned by the core.
 *
 * Return: 0 or the exporter's error.
 */
int dma_buf_pin(struct dma_buf_attachment *att)
{
	struct dma_buf *buf = att->dmabuf;

	WARN_ON(!dma_buf_attachment_is_dynamic(att));
	dma_resv_assert_held(buf->resv);

	return buf->ops->pin ? buf->ops->pin(att) : 0;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_pin, DMA_BUF);

/**
 * dma_buf_unpin - let the exporter move the buffer again
 * @att: the attachment dma_buf_pin() was called on.
 *
 * Call with the reservation lock held.
 */
void dma_buf_unpin(struct dma_buf_attachment *att)
{
	struct dma_buf *buf = att->dmabuf;

	WARN_ON(!dma_buf_attachment_is_dynamic(att));
	dma_resv_assert_held(buf->resv);

	if (buf->ops->unpin)
		buf->ops->unpin(att);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_unpin, DMA_BUF);

/**
 * dma_buf_map_attachment - get a DMA mapping of the buffer for a device
 * @att: the attachment.
 * @dir: how the device will access the buffer.
 *
 * Call with the buffer's reservation lock held (dma_buf_map_attachment_unlocked()
 * takes it).  Each successful call is balanced by dma_buf_unmap_attachment()
 * with the same table and direction.  When the exporter caches mappings,
 * later calls return the cached table, and a direction the cached mapping
 * does not cover fails with -EBUSY.
 *
 * The table's DMA addresses are valid for @att->dev; its page pointers
 * are not the importer's to use.  Dynamic importers must also respect the
 * fences of the reservation object before accessing the buffer.
 *
 * Return: the table or an ERR_PTR: -EINVAL for bad arguments, -EBUSY as
 * above, -ENOMEM, or the exporter's error.
 */
struct sg_table *dma_buf_map_attachment(struct dma_buf_attachment *att,
					enum dma_data_direction dir)
{
	struct dma_buf *buf;
	struct sg_table *sgt, *view;
	int ret;

	might_sleep();

	if (WARN_ON(!att || !att->dmabuf))
		return ERR_PTR(-EINVAL);
	buf = att->dmabuf;
	dma_resv_assert_held(buf->resv);

	if (att->sgt) {
		if (att->dir != dir &&
		    att->dir != DMA_BIDIRECTIONAL)
			return ERR_PTR(-EBUSY);
		sgt = att->sgt;
		goto mapped;
	}

	if (dma_buf_pins_for(att)) {
		ret = buf->ops->pin(att);
		if (ret)
			return ERR_PTR(ret);
	}

	sgt = buf->ops->map_dma_buf(att, dir);
	if (!sgt)
		sgt = ERR_PTR(-ENOMEM);
	if (IS_ERR(sgt))
		goto err_unpin;

	/*
	 * Pinning may have moved the buffer.  A dynamic importer orders its
	 * work after the move through the reservation object; a static one
	 * cannot, so the move must be complete before it gets the table.
	 */
	if (!dma_buf_attachment_is_dynamic(att)) {
		long done = dma_resv_wait_timeout(buf->resv,
						  DMA_RESV_USAGE_KERNEL, true,
						  MAX_SCHEDULE_TIMEOUT);

		if (done < 0) {
			buf->ops->unmap_dma_buf(att, sgt, dir);
			sgt = ERR_PTR(done);
			goto err_unpin;
		}
	}

	view = dma_buf_hide_pages(sgt);
	if (IS_ERR(view)) {
		buf->ops->unmap_dma_buf(att, sgt, dir);
		sgt = view;
		goto err_unpin;
	}
	sgt = view;

	if (buf->ops->cache_sgt_mapping) {
		att->sgt = sgt;
		att->dir = dir;
	}

mapped:
	att->mapped++;
	att->map_count++;
	trace_dma_buf_map(att, dir);
	return sgt;

err_unpin:
	if (dma_buf_pins_for(att))
		buf->ops->unpin(att);
	return sgt;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_map_attachment, DMA_BUF);

/**
 * dma_buf_map_attachment_unlocked - dma_buf_map_attachment() taking the lock
 * @att: the attachment.
 * @dir: how the device will access the buffer.
 *
 * Must be called without the reservation lock held.
 *
 * Return: as dma_buf_map_attachment().
 */
struct sg_table *
dma_buf_map_attachment_unlocked(struct dma_buf_attachment *att,
				enum dma_data_direction dir)
{
	struct sg_table *sgt;

	if (WARN_ON(!att || !att->dmabuf))
		return ERR_PTR(-EINVAL);

	dma_resv_lock(att->dmabuf->resv, NULL);
	sgt = dma_buf_map_attachment(att, dir);
	dma_resv_unlock(att->dmabuf->resv);
	return sgt;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_map_attachment_unlocked, DMA_BUF);

/**
 * dma_buf_unmap_attachment - give a mapping back
 * @att: the attachment it was mapped for.
 * @sgt: the table dma_buf_map_attachment() returned.
 * @dir: the direction it was mapped with.
 *
 * Call with the reservation lock held.  A cached mapping stays until the
 * attachment is detached.
 */
void dma_buf_unmap_attachment(struct dma_buf_attachment *att,
			      struct sg_table *sgt,
			      enum dma_data_direction dir)
{
	might_sleep();

	if (WARN_ON(!att || !att->dmabuf || !sgt))
		return;
	dma_resv_assert_held(att->dmabuf->resv);

	if (att->mapped)
		att->mapped--;
	trace_dma_buf_unmap(att, dir);

	if (sgt != att->sgt)
		dma_buf_put_mapping(att, sgt, dir);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_unmap_attachment, DMA_BUF);

/**
 * dma_buf_unmap_attachment_unlocked - dma_buf_unmap_attachment() taking the lock
 * @att: the attachment it was mapped for.
 * @sgt: the table dma_buf_map_attachment() returned.
 * @dir: the direction it was mapped with.
 *
 * Must be called without the reservation lock held.
 */
void dma_buf_unmap_attachment_unlocked(struct dma_buf_attachment *att,
				       struct sg_table *sgt,
				       enum dma_data_direction dir)
{
	if (WARN_ON(!att || !att->dmabuf || !sgt))
		return;

	dma_resv_lock(att->dmabuf->resv, NULL);
	dma_buf_unmap_attachment(att, sgt, dir);
	dma_resv_unlock(att->dmabuf->resv);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_unmap_attachment_unlocked, DMA_BUF);

/**
 * dma_buf_move_notify - tell dynamic importers the buffer is moving
 * @buf: the buffer.
 *
 * Called by a dynamic exporter with the reservation lock held, before the
 * move; the exporter adds the fences of the move to the reservation object.
 * Static importers are not told: they hold pins, so the buffer cannot move
 * under them.
 */
void dma_buf_move_notify(struct dma_buf *buf)
{
	struct dma_buf_attachment *att;

	dma_resv_assert_held(buf->resv);

	list_for_each_entry(att, &buf->attachments, node)
		if (att->importer_ops)
			att->importer_ops->move_notify(att);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_move_notify, DMA_BUF);

/* ------------------------------------------------------------------------
 * Cache maintenance
 */

/*
 * The CPU must not touch memory a device is still using: a CPU read waits
 * for pending device writes, a CPU write waits for every pending access.
 */
static int dma_buf_wait_idle_for_cpu(struct dma_buf *buf,
				     enum dma_data_direction dir)
{
	bool write = dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL;
	long ret;

	ret = dma_resv_wait_timeout(buf->resv, dma_resv_usage_rw(write),
				    true, MAX_SCHEDULE_TIMEOUT);
	return ret < 0 ? ret : 0;
}

static bool dma_buf_range_ok(struct dma_buf *buf, size_t offset,
			     size_t len)
{
	size_t end;

	return len && !check_add_overflow(offset, len, &end) &&
	       end <= buf->size;
}

/*
 * The exporter gets the form of the call it implements, preferring the one
 * the caller made: a ranged call falls back to a whole-buffer sync, and a
 * whole-buffer call reaches an exporter that only syncs ranges as the
 * range covering the buffer.
 */
static int dma_buf_cpu_begin(struct dma_buf *buf,
			     enum dma_data_direction dir,
			     size_t offset, size_t len, bool partial)
{
	const struct dma_buf_ops *ops = buf->ops;
	int ret = 0;

	might_lock(&buf->resv->lock.base);

	/*
	 * Wait first: what the exporter does next (invalidate the CPU caches,
	 * copy a bounce buffer back) must see the device's finished writes,
	 * or it makes stale data visible.  An exporter that queues work of
	 * its own on the buffer here (a migration) waits for that itself.
	 */
	ret = dma_buf_wait_idle_for_cpu(buf, dir);
	if (ret)
		return ret;

	trace_dma_buf_begin_cpu_access(buf, dir, offset, len);
	if (ops->begin_cpu_access_partial &&
	    (partial || !ops->begin_cpu_access))
		ret = ops->begin_cpu_access_partial(buf, dir, offset, len);
	else if (ops->begin_cpu_access)
		ret = ops->begin_cpu_access(buf, dir);
	return ret;
}

static int dma_buf_cpu_end(struct dma_buf *buf,
			   enum dma_data_direction dir,
			   size_t offset, size_t len, bool partial)
{
	const struct dma_buf_ops *ops = buf->ops;

	might_lock(&buf->resv->lock.base);

	trace_dma_buf_end_cpu_access(buf, dir, offset, len);
	if (ops->end_cpu_access_partial && (partial || !ops->end_cpu_access))
		return ops->end_cpu_access_partial(buf, dir, offset, len);
	if (ops->end_cpu_access)
		return ops->end_cpu_access(buf, dir);
	return 0;
}

/**
 * dma_buf_begin_cpu_access - prepare the buffer for CPU access
 * @buf: the buffer.
 * @dir: DMA_FROM_DEVICE to read, DMA_TO_DEVICE to write,
 *	DMA_BIDIRECTIONAL for both.
 *
 * Waits (interruptibly) until no device access conflicting with @dir is
 * pending, then lets the exporter make the device's writes visible to the
 * CPU; in that order, so that cache maintenance never runs ahead of a
 * device write still in flight.
 * Kernel users call this around CPU access through dma_buf_vmap(); for
 * userspace mmap it is %DMA_BUF_IOCTL_SYNC.  Balance with
 * dma_buf_end_cpu_access().  Must not be called with the reservation lock
 * held.
 *
 * Return: 0, -EINVAL, -ERESTARTSYS or the exporter's error.
 */
int dma_buf_begin_cpu_access(struct dma_buf *buf,
			     enum dma_data_direction dir)
{
	if (WARN_ON(!buf))
		return -EINVAL;

	return dma_buf_cpu_begin(buf, dir, 0, buf->size, false);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_begin_cpu_access, DMA_BUF);

/**
 * dma_buf_end_cpu_access - end CPU access begun with dma_buf_begin_cpu_access()
 * @buf: the buffer.
 * @dir: the direction given to dma_buf_begin_cpu_access().
 *
 * Lets the exporter make CPU writes visible to the attached devices.  Must
 * not be called with the reservation lock held.
 *
 * Return: 0, -EINVAL or the exporter's error.
 */
int dma_buf_end_cpu_access(struct dma_buf *buf,
			   enum dma_data_direction dir)
{
	if (WARN_ON(!buf))
		return -EINVAL;

	return dma_buf_cpu_end(buf, dir, 0, buf->size, false);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_end_cpu_access, DMA_BUF);

/**
 * dma_buf_begin_cpu_access_partial - prepare part of the buffer for the CPU
 * @buf: the buffer.
 * @dir: as for dma_buf_begin_cpu_access().
 * @offset: first byte the CPU will access.
 * @len: number of bytes, not zero.
 *
 * dma_buf_begin_cpu_access() for a byte range.  Exporters that cannot sync
 * a range sync the whole buffer.  Balance with
 * dma_buf_end_cpu_access_partial() over the same range.
 *
 * Return: 0, -EINVAL for a NULL buffer or a range that is empty or not
 * inside the buffer, -ERESTARTSYS, or the exporter's error.
 */
int dma_buf_begin_cpu_access_partial(struct dma_buf *buf,
				     enum dma_data_direction dir,
				     size_t offset, size_t len)
{
	if (WARN_ON(!buf))
		return -EINVAL;
	if (!dma_buf_range_ok(buf, offset, len))
		return -EINVAL;

	return dma_buf_cpu_begin(buf, dir, offset, len, true);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_begin_cpu_access_partial, DMA_BUF);

/**
 * dma_buf_end_cpu_access_partial - end CPU access to part of the buffer
 * @buf: the buffer.
 * @dir: as for dma_buf_begin_cpu_access_partial().
 * @offset: first byte the CPU accessed.
 * @len: number of bytes, not zero.
 *
 * Return: 0, -EINVAL as for dma_buf_begin_cpu_access_partial(), or the
 * exporter's error.
 */
int dma_buf_end_cpu_access_partial(struct dma_buf *buf,
				   enum dma_data_direction dir,
				   size_t offset, size_t len)
{
	if (WARN_ON(!buf))
		return -EINVAL;
	if (!dma_buf_range_ok(buf, offset, len))
		return -EINVAL;

	return dma_buf_cpu_end(buf, dir, offset, len, true);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_end_cpu_access_partial, DMA_BUF);

/**
 * dma_buf_begin_access - cache maintenance before a device access
 * @att: an attachment holding a mapping.
 * @dir: the direction of the coming device access.
 *
 * See "Attachment-level access" in include/linux/dma-buf.h.  Takes no lock
 * and does not sleep.
 *
 * Return: 0 (also when the exporter has nothing to do), -EINVAL for a bad
 * direction, or the exporter's error.
 */
int dma_buf_begin_access(struct dma_buf_attachment *att,
			 enum dma_data_direction dir)
{
	if (WARN_ON(!att || !att->dmabuf))
		return -EINVAL;
	if (!valid_dma_direction(dir))
		return -EINVAL;

	trace_dma_buf_begin_access(att, dir);
	if (!att->dmabuf->ops->begin_access)
		return 0;
	return att->dmabuf->ops->begin_access(att, dir);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_begin_access, DMA_BUF);

/**
 * dma_buf_end_access - cache maintenance after a device access
 * @att: the attachment given to dma_buf_begin_access().
 * @dir: the direction given to dma_buf_begin_access().
 *
 * Takes no lock and does not sleep; may be called from the interrupt
 * handler that completes the access.
 *
 * Return: 0, -EINVAL for a bad direction, or the exporter's error.
 */
int dma_buf_end_access(struct dma_buf_attachment *att,
		       enum dma_data_direction dir)
{
	if (WARN_ON(!att || !att->dmabuf))
		return -EINVAL;
	if (!valid_dma_direction(dir))
		return -EINVAL;

	trace_dma_buf_end_access(att, dir);
	if (!att->dmabuf->ops->end_access)
		return 0;
	return att->dmabuf->ops->end_access(att, dir);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_end_access, DMA_BUF);

/* ------------------------------------------------------------------------
 * CPU mappings
 */

/**
 * dma_buf_mmap - map a buffer into a vma on behalf of another file
 * @buf: the buffer.
 * @vma: a vma set up by the caller's own mmap handler.
 * @pgoff: offset into the buffer, in pages.
 *
 * For drivers whose own device file exposes an imported buffer to mmap.
 * The vma is moved over to the buffer's file, so it holds a reference on
 * the buffer instead of on the caller's file.
 *
 * Return: 0, -EINVAL when the exporter cannot mmap or the range does not
 * fit in the buffer, -EOVERFLOW when it wraps, or the exporter's error.
 */
int dma_buf_mmap(struct dma_buf *buf, struct vm_area_struct *vma,
		 unsigned long pgoff)
{
	unsigned long end;

	if (WARN_ON(!buf || !vma))
		return -EINVAL;
	if (!buf->ops->mmap)
		return -EINVAL;
	if (check_add_overflow(pgoff, vma_pages(vma), &end))
		return -EOVERFLOW;
	if (end > buf->size >> PAGE_SHIFT)
		return -EINVAL;

	vma_set_file(vma, buf->file);
	vma->vm_pgoff = pgoff;

	return buf->ops->mmap(buf, vma);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_mmap, DMA_BUF);

/**
 * dma_buf_vmap - get the buffer's kernel mapping
 * @buf: the buffer.
 * @map: filled with the mapping; cleared on error.
 *
 * All users share one mapping made by the exporter on the first call and
 * torn down after the last dma_buf_vunmap().  Call with the reservation lock
 * held (dma_buf_vmap_unlocked() takes it).  CPU access through the mapping
 * still needs dma_buf_begin_cpu_access() and dma_buf_end_cpu_access().
 *
 * Return: 0, -EINVAL when the exporter cannot vmap, or the exporter's error.
 */
int dma_buf_vmap(struct dma_buf *buf, struct iosys_map *map)
{
	struct iosys_map ptr;
	int ret;

	if (WARN_ON(!buf || !map))
		return -EINVAL;

	iosys_map_clear(map);
	if (!buf->ops->vmap)
		return -EINVAL;

	dma_resv_assert_held(buf->resv);

	if (buf->vmapping_counter) {
		if (WARN_ON(iosys_map_is_null(&buf->vmap_ptr)))
			return -EINVAL;
		buf->vmapping_counter++;
		*map = buf->vmap_ptr;
		return 0;
	}

	iosys_map_clear(&ptr);
	ret = buf->ops->vmap(buf, &ptr);
	if (ret)
		return ret;

	buf->vmap_ptr = ptr;
	buf->vmapping_counter = 1;
	*map = ptr;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_vmap, DMA_BUF);

/**
 * dma_buf_vmap_unlocked - dma_buf_vmap() taking the reservation lock
 * @buf: the buffer.
 * @map: filled with the mapping; cleared on error.
 *
 * Return: as dma_buf_vmap().
 */
int dma_buf_vmap_unlocked(struct dma_buf *buf, struct iosys_map *map)
{
	int ret;

	if (WARN_ON(!buf || !map))
		return -EINVAL;

	dma_resv_lock(buf->resv, NULL);
	ret = dma_buf_vmap(buf, map);
	dma_resv_unlock(buf->resv);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_vmap_unlocked, DMA_BUF);

/**
 * dma_buf_vunmap - drop one use of the kernel mapping
 * @buf: the buffer.
 * @map: the mapping dma_buf_vmap() gave.
 *
 * Call with the reservation lock held.
 */
void dma_buf_vunmap(struct dma_buf *buf, struct iosys_map *map)
{
	if (WARN_ON(!buf || !map))
		return;

	dma_resv_assert_held(buf->resv);

	if (WARN_ON(!buf->vmapping_counter) ||
	    WARN_ON(!iosys_map_is_equal(&buf->vmap_ptr, map)))
		return;

	if (--buf->vmapping_counter)
		return;

	if (buf->ops->vunmap)
		buf->ops->vunmap(buf, map);
	iosys_map_clear(&buf->vmap_ptr);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_vunmap, DMA_BUF);

/**
 * dma_buf_vunmap_unlocked - dma_buf_vunmap() taking the reservation lock
 * @buf: the buffer.
 * @map: the mapping dma_buf_vmap() gave.
 */
void dma_buf_vunmap_unlocked(struct dma_buf *buf, struct iosys_map *map)
{
	if (WARN_ON(!buf || !map))
		return;

	dma_resv_lock(buf->resv, NULL);
	dma_buf_vunmap(buf, map);
	dma_resv_unlock(buf->resv);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_vunmap_unlocked, DMA_BUF);

/* ------------------------------------------------------------------------
 * debugfs: dma_buf/bufinfo lists every live buffer and its attachments
 */

#if IS_ENABLED(CONFIG_DEBUG_FS)
/*
 * First Linux 6.12's table, which tools parse, in its layout: per buffer a
 * tab-separated line of size, file flags, file mode, file count, exporter,
 * inode number and name (numbers zero-padded to eight digits), its fences,
 * and the attached devices by name.  Then what the series adds, one line
 * per attachment: the buffer's inode number, the device, whether the
 * importer is dynamic, and its current and total mappings.
 */
static void dma_buf_bufinfo_one(struct seq_file *s, struct dma_buf *buf)
{
	struct dma_buf_attachment *att;
	unsigned int n = 0;

	spin_lock(&buf->name_lock);
	seq_printf(s, "%08zu\t%08x\t%08x\t%08ld\t%s\t%08lu\t%s\n",
		   buf->size, buf->file->f_flags,
		   (__force unsigned int)buf->file->f_mode,
		   file_count(buf->file), buf->exp_name,
		   file_inode(buf->file)->i_ino, buf->name ?: "<none>");
	spin_unlock(&buf->name_lock);

	dma_resv_describe(buf->resv, s);
	seq_puts(s, "\tAttached Devices:\n");
	list_for_each_entry(att, &buf->attachments, node) {
		seq_printf(s, "\t%s\n", dev_name(att->dev));
		n++;
	}
	seq_printf(s, "Total %u devices attached\n\n", n);
}

static int dma_buf_bufinfo_show(struct seq_file *s, void *unused)
{
	struct dma_buf_attachment *att;
	struct dma_buf *buf;
	unsigned int count = 0;
	size_t total = 0;
	int ret;

	ret = mutex_lock_interruptible(&dma_buf_list_lock);
	if (ret)
		return ret;

	seq_puts(s, "\nDma-buf Objects:\n");
	seq_printf(s, "%-8s\t%-8s\t%-8s\t%-8s\texp_name\t%-8s\tname\n",
		   "size", "flags", "mode", "count", "ino");
	list_for_each_entry(buf, &dma_buf_list, list_node) {
		ret = dma_resv_lock_interruptible(buf->resv, NULL);
		if (ret)
			goto out;
		dma_buf_bufinfo_one(s, buf);
		dma_resv_unlock(buf->resv);
		count++;
		total += buf->size;
	}
	seq_printf(s, "\nTotal %u objects, %zu bytes\n", count, total);

	seq_puts(s, "\nAttachments:\n");
	list_for_each_entry(buf, &dma_buf_list, list_node) {
		spin_lock(&buf->name_lock);
		list_for_each_entry(att, &buf->attachments, node)
			seq_printf(s, "%08lu\t%s\t%s\tmapped %u\tmaps %lu\n",
				   file_inode(buf->file)->i_ino,
				   dev_name(att->dev),
				   dma_buf_attachment_is_dynamic(att) ?
				   "dynamic" : "static",
				   READ_ONCE(att->mapped),
				   READ_ONCE(att->map_count));
		spin_unlock(&buf->name_lock);
	}
out:
	mutex_unlock(&dma_buf_list_lock);
	return ret;
}
DEFINE_SHOW_ATTRIBUTE(dma_buf_bufinfo);

static void __init dma_buf_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("dma_buf", NULL);

	debugfs_create_file("bufinfo", 0444, dir, NULL, &dma_buf_bufinfo_fops);
}
#else
static void __init dma_buf_debugfs_init(void) { }
#endif

static int __init dma_buf_core_init(void)
{
	int ret;

	ret = dma_buf_init_sysfs_statistics();
	if (ret)
		return ret;

	dma_buf_vfsmount = kern_mount(&dma_buf_fs);
	if (IS_ERR(dma_buf_vfsmount)) {
		dma_buf_uninit_sysfs_statistics();
		return PTR_ERR(dma_buf_vfsmount);
	}

	dma_buf_debugfs_init();
	return 0;
}
subsys_initcall(dma_buf_core_init);
