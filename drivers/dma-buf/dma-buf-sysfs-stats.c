// SPDX-License-Identifier: GPL-2.0-only
/**
 * DOC: overview
 *
 * With CONFIG_DMABUF_SYSFS_STATS every live dma-buf has a directory
 *
 *	/sys/kernel/dmabuf/buffers/<inode number>/size
 *	/sys/kernel/dmabuf/buffers/<inode number>/exporter_name
 *
 * holding its size in bytes and the name of its exporter.  The inode number
 * is the one fstat() reports for the buffer's fds and fdinfo shows as ino.
 * The directories come and go with the buffers and are created without
 * uevents: a uevent per buffer would flood userspace on systems that
 * allocate buffers per frame.  The interface is deprecated; fdinfo and the
 * debugfs file dma_buf/bufinfo give the same information on demand.
 */

#include <linux/dma-buf.h>
#include <linux/fs.h>
#include <linux/kobject.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "dma-buf-sysfs-stats.h"

static struct kset *dma_buf_buffers_kset;
static struct kobject *dma_buf_top_kobj;

static struct dma_buf *kobj_to_dma_buf(struct kobject *kobj)
{
	return container_of(kobj, struct dma_buf_sysfs_entry, kobj)->dmabuf;
}

static ssize_t size_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%zu\n", kobj_to_dma_buf(kobj)->size);
}

static struct kobj_attribute dma_buf_size_attr = __ATTR_RO(size);

static ssize_t exporter_name_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", kobj_to_dma_buf(kobj)->exp_name);
}

static struct kobj_attribute dma_buf_exporter_attr = __ATTR_RO(exporter_name);

static struct attribute *dma_buf_stats_attrs[] = {
	&dma_buf_size_attr.attr,
	&dma_buf_exporter_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(dma_buf_stats);

static void dma_buf_stats_kobj_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct dma_buf_sysfs_entry, kobj));
}

static const struct kobj_type dma_buf_stats_ktype = {
	.sysfs_ops = &kobj_sysfs_ops,
	.release = dma_buf_stats_kobj_release,
	.default_groups = dma_buf_stats_groups,
};

/* No uevents for buffers; see the top of the file. */
static int dma_buf_stats_uevent_filter(const struct kobject *kobj)
{
	return 0;
}

static const struct kset_uevent_ops dma_buf_stats_uevent_ops = {
	.filter = dma_buf_stats_uevent_filter,
};

/**
 * dma_buf_stats_setup - create the sysfs directory of a new buffer
 * @dmabuf: the buffer, with @dmabuf->size and @dmabuf->exp_name set.
 * @file: its file, whose inode number names the directory.
 *
 * Return: 0 or a negative errno; on error nothing is left behind.
 */
int dma_buf_stats_setup(struct dma_buf *dmabuf, struct file *file)
{
	struct dma_buf_sysfs_entry *entry;
	int ret;

	if (!dma_buf_buffers_kset)
		return 0;

	entry = kzalloc(sizeof(*entry), GFP_KERNEL);
	if (!entry)
		return -ENOMEM;

	entry->dmabuf = dmabuf;
	entry->kobj.kset = dma_buf_buffers_kset;
	ret = kobject_init_and_add(&entry->kobj, &dma_buf_stats_ktype, NULL,
				   "%lu", file_inode(file)->i_ino);
	if (ret) {
		/* the release callback frees the entry */
		kobject_put(&entry->kobj);
		return ret;
	}

	dmabuf->sysfs_entry = entry;
	return 0;
}

/**
 * dma_buf_stats_teardown - remove a buffer's sysfs directory
 * @dmabuf: the buffer being released.
 */
void dma_buf_stats_teardown(struct dma_buf *dmabuf)
{
	struct dma_buf_sysfs_entry *entry = dmabuf->sysfs_entry;

	if (!entry)
		return;

	dmabuf->sysfs_entry = NULL;
	kobject_del(&entry->kobj);
	kobject_put(&entry->kobj);
}

/**
 * dma_buf_init_sysfs_statistics - create /sys/kernel/dmabuf/buffers
 *
 * Return: 0 or a negative errno.
 */
int dma_buf_init_sysfs_statistics(void)
{
	dma_buf_top_kobj = kobject_create_and_add("dmabuf", kernel_kobj);
	if (!dma_buf_top_kobj)
		return -ENOMEM;

	dma_buf_buffers_kset = kset_create_and_add("buffers",
						   &dma_buf_stats_uevent_ops,
						   dma_buf_top_kobj);
	if (!dma_buf_buffers_kset) {
		kobject_put(dma_buf_top_kobj);
		dma_buf_top_kobj = NULL;
		return -ENOMEM;
	}
	return 0;
}

/**
 * dma_buf_uninit_sysfs_statistics - remove /sys/kernel/dmabuf
 */
void dma_buf_uninit_sysfs_statistics(void)
{
	kset_unregister(dma_buf_buffers_kset);
	dma_buf_buffers_kset = NULL;
	kobject_put(dma_buf_top_kobj);
	dma_buf_top_kobj = NULL;
}
