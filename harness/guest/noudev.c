// SPDX-License-Identifier: GPL-2.0
/*
 * noudev.c: LD_PRELOAD shim for libcamera in the check guest, which runs
 * no udevd.  libcamera's udev enumerator waits for devices that udevd has
 * initialised and so finds no camera; when it cannot open a udev monitor
 * it enumerates from sysfs instead.  This makes the monitor fail.
 */
#include <stddef.h>

struct udev;
struct udev_monitor;

struct udev_monitor *udev_monitor_new_from_netlink(struct udev *udev,
						   const char *name);

struct udev_monitor *udev_monitor_new_from_netlink(struct udev *udev,
						   const char *name)
{
	(void)udev;
	(void)name;
	return NULL;
}
