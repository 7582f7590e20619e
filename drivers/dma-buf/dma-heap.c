// SPDX-License-Identifier: GPL-2.0-only
/*
 * dma-heap: userspace allocation of dma-bufs from named memory heaps.
 *
 * Each registered heap gets a minor of one character device region and a
 * device in the "dma_heap" class, which devtmpfs shows as
 * /dev/dma_heap/<name>.  The only operation on such a node is
 * DMA_HEAP_IOCTL_ALLOC; the memory itself comes from the heap driver.
 * Heaps are registered at boot and never go away.
 */

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/init.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/sprintf.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <uapi/linux/dma-heap.h>

#define DMA_HEAP_CLASS_NAME	"dma_heap"
#define DMA_HEAP_MAX_HEAPS	128

/**
 * struct dma_heap - a registered heap
 * @info: copy of what the driver passed to dma_heap_add().
 * @cdev: the heap's character device.
 * @node: entry in dma_heap_list.
 */
struct dma_heap {
	struct dma_heap_export_info info;
	struct cdev cdev;
	struct list_head node;
};

/* dma_heap_mutex serialises registration and protects dma_heap_list. */
static DEFINE_MUTEX(dma_heap_mutex);
static LIST_HEAD(dma_heap_list);
static DEFINE_IDA(dma_heap_minors);
static dev_t dma_heap_region;
static bool dma_heap_ready;

static char *dma_heap_node_name(const struct device *dev, umode_t *mode)
{
	return kasprintf(GFP_KERNEL, DMA_HEAP_CLASS_NAME "/%s", dev_name(dev));
}

static const struct class dma_heap_class = {
	.name = DMA_HEAP_CLASS_NAME,
	.devnode = dma_heap_node_name,
};

static int dma_heap_file_open(struct inode *inode, struct file *file)
{
	file->private_data = container_of(inode->i_cdev, struct dma_heap, cdev);
	return nonseekable_open(inode, file);
}

/*
 * The argument is copied in and out only as far as both the caller's and
 * our idea of the structure reach: a shorter caller's missing fields stay
 * zero, a longer caller's extra bytes are neither read nor written.  The
 * caller must at least be able to receive the file descriptor.
 *
 * The descriptor is reserved before the heap does any work, so a full
 * descriptor table fails cheaply, and it is installed only when nothing
 * can fail any more.
 */
static long dma_heap_alloc_ioctl(struct dma_heap *heap, void __user *uarg,
				 size_t usize)
{
	struct dma_heap_allocation_data req = {};
	size_t size = min(usize, sizeof(req));
	struct dma_buf *buf;
	int fd;

	if (size < offsetofend(struct dma_heap_allocation_data, fd))
		return -EINVAL;
	if (copy_from_user(&req, uarg, size))
		return -EFAULT;

	if (req.fd || (req.fd_flags & ~DMA_HEAP_VALID_FD_FLAGS) ||
	    (req.heap_flags & ~DMA_HEAP_VALID_HEAP_FLAGS))
		return -EINVAL;
	/* zero, or too big to round up to a page in an unsigned long */
	if (!req.len || req.len > (ULONG_MAX & PAGE_MASK))
		return -EINVAL;

	fd = get_unused_fd_flags(req.fd_flags);
	if (fd < 0)
		return fd;

	buf = heap->info.ops->allocate(heap,
				       PAGE_ALIGN((unsigned long)req.len),
				       req.fd_flags, req.heap_flags);
	if (IS_ERR(buf)) {
		put_unused_fd(fd);
		return PTR_ERR(buf);
	}

	req.fd = fd;
	if (copy_to_user(uarg, &req, size)) {
		dma_buf_put(buf);
		put_unused_fd(fd);
		return -EFAULT;
	}

	fd_install(fd, buf->file);
	return 0;
}

static long dma_heap_file_ioctl(struct file *file, unsigned int cmd,
				unsigned long uarg)
{
	/* the size field may differ: see dma_heap_alloc_ioctl() */
	if (_IOC_TYPE(cmd) == _IOC_TYPE(DMA_HEAP_IOCTL_ALLOC) &&
	    _IOC_NR(cmd) == _IOC_NR(DMA_HEAP_IOCTL_ALLOC) &&
	    _IOC_DIR(cmd) == _IOC_DIR(DMA_HEAP_IOCTL_ALLOC))
		return dma_heap_alloc_ioctl(file->private_data,
					    (void __user *)uarg,
					    _IOC_SIZE(cmd));

	/* not ENOTTY: 6.12 answers every other command with EINVAL */
	return -EINVAL;
}

static const struct file_operations dma_heap_file_ops = {
	.owner = THIS_MODULE,
	.open = dma_heap_file_open,
	.unlocked_ioctl = dma_heap_file_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/**
 * dma_heap_get_drvdata - driver data of a heap
 * @heap: a registered heap.
 *
 * Return: &dma_heap_export_info.priv as given to dma_heap_add().
 */
void *dma_heap_get_drvdata(struct dma_heap *heap)
{
	return heap->info.priv;
}

/**
 * dma_heap_get_name - name of a heap
 * @heap: a registered heap.
 *
 * Heap drivers use it as the exporter name of their dma-bufs.
 *
 * Return: &dma_heap_export_info.name as given to dma_heap_add().
 */
const char *dma_heap_get_name(struct dma_heap *heap)
{
	return heap->info.name;
}

static bool dma_heap_name_taken(const char *name)
{
	struct dma_heap *other;

	list_for_each_entry(other, &dma_heap_list, node)
		if (!strcmp(other->info.name, name))
			return true;
	return false;
}

/* Called with dma_heap_mutex held; @heap is not yet on the list. */
static int dma_heap_create_node(struct dma_heap *heap)
{
	struct device *dev;
	dev_t devt;
	int minor;
	int ret;

	minor = ida_alloc_max(&dma_heap_minors, DMA_HEAP_MAX_HEAPS - 1,
			      GFP_KERNEL);
	if (minor < 0)
		return minor;
	devt = MKDEV(MAJOR(dma_heap_region), minor);

	cdev_init(&heap->cdev, &dma_heap_file_ops);
	heap->cdev.owner = THIS_MODULE;
	ret = cdev_add(&heap->cdev, devt, 1);
	if (ret)
		goto free_minor;

	dev = device_create(&dma_heap_class, NULL, devt, heap, "%s",
			    heap->info.name);
	if (IS_ERR(dev)) {
		ret = PTR_ERR(dev);
		goto del_cdev;
	}
	return 0;

del_cdev:
	cdev_del(&heap->cdev);
free_minor:
	ida_free(&dma_heap_minors, minor);
	return ret;
}

static bool dma_heap_info_valid(const struct dma_heap_export_info *info)
{
	return info && info->name && info->name[0] &&
	       info->ops && info->ops->allocate;
}

/**
 * dma_heap_add - register a heap and create its device node
 * @exp_info: name, operations and driver data of the heap; copied, but
 *	the name string itself must outlive the heap.
 *
 * Heaps cannot be removed again.
 *
 * Return: the new heap, or ERR_PTR(-EINVAL) for a missing name or
 * allocate op or a name another heap has,
 * ERR_PTR(-ENODEV) if the heap core failed to initialise, or another
 * ERR_PTR() if the device node could not be created.
 */
struct dma_heap *dma_heap_add(const struct dma_heap_export_info *exp_info)
{
	struct dma_heap *heap = NULL;
	int ret;

	if (!dma_heap_info_valid(exp_info)) {
		ret = -EINVAL;
		goto fail;
	}

	heap = kzalloc(sizeof(*heap), GFP_KERNEL);
	if (!heap) {
		ret = -ENOMEM;
		goto fail;
	}
	heap->info = *exp_info;

	mutex_lock(&dma_heap_mutex);
	if (!dma_heap_ready)
		ret = -ENODEV;
	else if (dma_heap_name_taken(heap->info.name))
		ret = -EINVAL;
	else
		ret = dma_heap_create_node(heap);
	if (!ret)
		list_add_tail(&heap->node, &dma_heap_list);
	mutex_unlock(&dma_heap_mutex);
	if (!ret)
		return heap;

fail:
	pr_err("dma_heap: cannot add heap %s: %d\n",
	       exp_info && exp_info->name ? exp_info->name : "(unnamed)", ret);
	kfree(heap);
	return ERR_PTR(ret);
}

static int __init dma_heap_core_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&dma_heap_region, 0, DMA_HEAP_MAX_HEAPS,
				  DMA_HEAP_CLASS_NAME);
	if (ret)
		return ret;

	ret = class_register(&dma_heap_class);
	if (ret) {
		unregister_chrdev_region(dma_heap_region, DMA_HEAP_MAX_HEAPS);
		return ret;
	}

	mutex_lock(&dma_heap_mutex);
	dma_heap_ready = true;
	mutex_unlock(&dma_heap_mutex);
	return 0;
}
subsys_initcall(dma_heap_core_init);
