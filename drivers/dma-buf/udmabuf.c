// SPDX-License-Identifier: GPL-2.0
/*
 * udmabuf: dma-bufs made of the pages of sealed memfds.
 *
 * Userspace names one or more page-aligned ranges of memfds (shmem or
 * hugetlbfs files); the driver pins the folios behind them and exports the
 * ranges, back to back, as one dma-buf.  The pins keep that memory alive
 * whatever becomes of the memfd later, and go away with the last reference
 * to the dma-buf.
 *
 * A memfd qualifies only when sealed against shrinking, so that no range
 * can be cut from under a buffer, and not sealed against writing: a write
 * seal promises contents that never change, which a buffer other devices
 * write to could not honour.
 *
 * Device attachments, cache maintenance and the CPU mappings all come from
 * dma-buf-pages; this file only turns memfd ranges into an array of pages.
 */

#include <linux/dma-buf-pages.h>
#include <linux/dma-buf.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/limits.h>
#include <linux/memfd.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/shmem_fs.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/udmabuf.h>

static int list_limit = 1024;
module_param(list_limit, int, 0644);
MODULE_PARM_DESC(list_limit,
		 "Most ranges one UDMABUF_CREATE_LIST may name (default 1024)");

static int size_limit_mb = 64;
module_param(size_limit_mb, int, 0644);
MODULE_PARM_DESC(size_limit_mb,
		 "Largest buffer that may be created, in MiB (default 64)");

/* Seals a memfd must carry, and seals that disqualify it. */
#define UDMABUF_SEALS_REQUIRED	F_SEAL_SHRINK
#define UDMABUF_SEALS_REFUSED	(F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)

/**
 * struct udmabuf_buffer - an exported buffer and the pins behind it
 * @dbp: the page array as dma-buf-pages knows it; &dma_buf.priv points here.
 * @pages: one pointer per PAGE_SIZE page of the buffer, in buffer order.
 * @nr_pages: entries of @pages filled in so far; all of them once exported.
 * @folios: one entry per folio pin the buffer holds.  A folio appears more
 *	than once when several ranges share it, once for each pin.
 * @nr_folios: entries of @folios, i.e. pins to drop when the buffer goes.
 *
 * @pages and @folios are both sized for the page count of the whole buffer:
 * a range never needs more folios than it has pages.
 */
struct udmabuf_buffer {
	struct dma_buf_pages dbp;
	struct page **pages;
	pgoff_t nr_pages;
	struct folio **folios;
	unsigned long nr_folios;
};

static void udmabuf_free(struct udmabuf_buffer *buf)
{
	unpin_folios(buf->folios, buf->nr_folios);
	kvfree(buf->folios);
	kvfree(buf->pages);
	kfree(buf);
}

static void udmabuf_release(struct dma_buf *dmabuf)
{
	struct udmabuf_buffer *buf;

	buf = container_of(dmabuf->priv, struct udmabuf_buffer, dbp);

	dma_buf_pages_fini(&buf->dbp);
	udmabuf_free(buf);
}

static const struct dma_buf_ops udmabuf_buf_ops = {
	DMA_BUF_PAGES_OPS,
	.release = udmabuf_release,
};

/**
 * udmabuf_check_memfd - decide whether a file may back a buffer
 * @file: the file; the caller holds its inode lock, shared.
 *
 * Return: 0 when @file is a memfd sealed as udmabuf needs, -EBADFD when it
 * is not a memfd at all, -EINVAL when its seals are wrong.
 */
static int udmabuf_check_memfd(struct file *file)
{
	long seals;

	if (!is_file_hugepages(file) && !shmem_file(file))
		return -EBADFD;

	/*
	 * Files that are not memfds carry F_SEAL_SEAL alone and fail the
	 * checks below; an error here means no seals could be read at all.
	 */
	seals = memfd_fcntl(file, F_GET_SEALS, 0);
	if (seals < 0)
		return -EBADFD;

	if ((seals & UDMABUF_SEALS_REQUIRED) != UDMABUF_SEALS_REQUIRED)
		return -EINVAL;
	if (seals & UDMABUF_SEALS_REFUSED)
		return -EINVAL;
	return 0;
}

/**
 * udmabuf_pin_range - append the pages of one memfd range to a buffer
 * @buf: the buffer under construction.
 * @file: the memfd, checked by udmabuf_check_memfd() and still locked.
 * @start: first byte of the range in @file; page-aligned.
 * @len: bytes in the range; page-aligned.
 *
 * Pins the folios that back the range, then records the page of each folio
 * that sits at every PAGE_SIZE step of the range.  Only the first folio can
 * start part-way through (a huge folio, say); the others are used from
 * their first page.  Pins count as the buffer's the moment they are taken,
 * so whatever this returns, freeing @buf drops them.
 *
 * Return: 0; -EINVAL for an empty range or one that does not lie within
 * the file; otherwise the error of memfd_pin_folios().
 */
static int udmabuf_pin_range(struct udmabuf_buffer *buf, struct file *file,
			     u64 start, u64 len)
{
	struct folio **pinned = &buf->folios[buf->nr_folios];
	struct page **dst = &buf->pages[buf->nr_pages];
	pgoff_t todo = len >> PAGE_SHIFT;
	pgoff_t done = 0, head;
	unsigned long idx;
	long nr, f;
	u64 last;

	if (!todo || check_add_overflow(start, len - 1, &last) ||
	    last > LLONG_MAX)
		return -EINVAL;

	/* fails with -EINVAL too when the range runs past the end of file */
	nr = memfd_pin_folios(file, start, last, pinned,
			      min_t(pgoff_t, todo, UINT_MAX), &head);
	if (nr < 0)
		return nr;
	if (!nr)
		return -EINVAL;
	buf->nr_folios += nr;

	/* @head is the byte offset of @start within the first folio */
	idx = head >> PAGE_SHIFT;
	for (f = 0; f < nr && done < todo; f++) {
		unsigned long span = folio_nr_pages(pinned[f]);

		while (idx < span && done < todo)
			dst[done++] = folio_page(pinned[f], idx++);
		idx = 0;
	}
	if (done != todo)
		return -EINVAL;

	buf->nr_pages += todo;
	return 0;
}

static int udmabuf_add_item(struct udmabuf_buffer *buf,
			    const struct udmabuf_create_item *item)
{
	struct inode *inode;
	struct file *file;
	int err;

	file = fget(item->memfd);
	if (!file)
		return -EBADFD;
	inode = file_inode(file);

	/*
	 * memfd_add_seals() holds this lock exclusively, so the seals read
	 * here stay valid until the folios are pinned.
	 */
	inode_lock_shared(inode);
	err = udmabuf_check_memfd(file);
	if (!err)
		err = udmabuf_pin_range(buf, file, item->offset, item->size);
	inode_unlock_shared(inode);

	fput(file);
	return err;
}

/**
 * udmabuf_create - build a buffer from memfd ranges and export it
 * @items: the ranges, in buffer order.
 * @count: entries in @items.
 * @flags: the request's flags; UDMABUF_FLAGS_CLOEXEC is the only one used.
 *
 * Every range is checked for alignment, and the total against
 * size_limit_mb, before any memory is allocated or any file looked up.
 *
 * Return: the new dma-buf file descriptor or a negative error code; on
 * error nothing stays allocated or pinned.
 */
static long udmabuf_create(const struct udmabuf_create_item *items,
			   u32 count, u32 flags)
{
	u64 limit = (u64)READ_ONCE(size_limit_mb) * SZ_1M;
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct udmabuf_buffer *buf;
	struct dma_buf *dmabuf;
	u64 total = 0;
	pgoff_t npages;
	long ret;
	u32 i;

	for (i = 0; i < count; i++) {
		if (!PAGE_ALIGNED(items[i].offset) ||
		    !PAGE_ALIGNED(items[i].size))
			return -EINVAL;
		/* total never exceeds limit, so this cannot wrap */
		if (items[i].size > limit - total)
			return -EINVAL;
		total += items[i].size;
	}
	if (!total)
		return -EINVAL;
	npages = total >> PAGE_SHIFT;

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	buf->pages = kvmalloc_array(npages, sizeof(*buf->pages), GFP_KERNEL);
	buf->folios = kvmalloc_array(npages, sizeof(*buf->folios), GFP_KERNEL);
	if (!buf->pages || !buf->folios) {
		ret = -ENOMEM;
		goto err_free;
	}

	for (i = 0; i < count; i++) {
		ret = udmabuf_add_item(buf, &items[i]);
		if (ret)
			goto err_free;
	}

	exp_info.ops = &udmabuf_buf_ops;
	exp_info.flags = O_RDWR;
	dmabuf = dma_buf_pages_export(&buf->dbp, buf->pages, buf->nr_pages,
				      &exp_info);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		goto err_free;
	}

	/* The dma-buf owns @buf now: its last put runs udmabuf_release(). */
	ret = dma_buf_fd(dmabuf, flags & UDMABUF_FLAGS_CLOEXEC ? O_CLOEXEC : 0);
	if (ret < 0)
		dma_buf_put(dmabuf);
	return ret;

err_free:
	udmabuf_free(buf);
	return ret;
}

static long udmabuf_ioctl_create(struct udmabuf_create __user *uarg)
{
	struct udmabuf_create req;
	struct udmabuf_create_item item = {};

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;

	item.memfd = req.memfd;
	item.offset = req.offset;
	item.size = req.size;
	return udmabuf_create(&item, 1, req.flags);
}

static long udmabuf_ioctl_create_list(struct udmabuf_create_list __user *uarg)
{
	struct udmabuf_create_item *items;
	struct udmabuf_create_list req;
	long ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	/* an empty list makes an empty buffer, which is refused anyway */
	if (!req.count || (s64)req.count > READ_ONCE(list_limit))
		return -EINVAL;

	items = vmemdup_array_user(uarg->list, req.count, sizeof(*items));
	if (IS_ERR(items))
		return PTR_ERR(items);

	ret = udmabuf_create(items, req.count, req.flags);
	kvfree(items);
	return ret;
}

static long udmabuf_dev_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case UDMABUF_CREATE:
		return udmabuf_ioctl_create(uarg);
	case UDMABUF_CREATE_LIST:
		return udmabuf_ioctl_create_list(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations udmabuf_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = udmabuf_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice udmabuf_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "udmabuf",
	.fops = &udmabuf_dev_fops,
};
module_misc_device(udmabuf_dev);

MODULE_DESCRIPTION("dma-bufs backed by pinned memfd pages");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
