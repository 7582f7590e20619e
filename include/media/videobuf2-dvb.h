/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * videobuf2-dvb.h - DVB adapters whose transport stream arrives through a
 * videobuf2 queue
 *
 * A driver describes each of its demodulators with a &struct vb2_dvb_frontend,
 * attaches the DVB frontend and sets up the capture queue of its transport
 * stream, then registers them all on one adapter with vb2_dvb_register_bus().
 * The helper creates the demuxer, the demux/DVR devices and the network
 * device of every frontend; while at least one feed of a demuxer is
 * running, a kernel thread (vb2_thread_start()) streams the queue and passes
 * each buffer to the software demuxer.
 */
#ifndef _VIDEOBUF2_DVB_H_
#define _VIDEOBUF2_DVB_H_

#include <media/dvbdev.h>
#include <media/dmxdev.h>
#include <media/dvb_demux.h>
#include <media/dvb_net.h>
#include <media/dvb_frontend.h>
#include <media/videobuf2-v4l2.h>

/* Only passed through to the DVB core. */
struct media_device;

/**
 * struct vb2_dvb - one frontend with its transport stream
 * @name:	name of the stream, used for its kernel thread ("vb2-<name>")
 *		and, for the first frontend, for the adapter.  Set by the driver.
 * @frontend:	the attached DVB frontend.  Set by the driver; detached by
 *		vb2_dvb_dealloc_frontends().
 * @dvbq:	capture queue that delivers the transport stream.  Initialised
 *		by the driver; it must support %VB2_READ and kernel mappings.
 * @lock:	serialises the starting and stopping of feeds.
 * @nfeeds:	number of feeds of the demuxer that are running.
 * @demux:	software demuxer fed from @dvbq.
 * @dmxdev:	demux and DVR devices on top of @demux.
 * @fe_hw:	hardware source of @demux, connected at registration.
 * @fe_mem:	memory source of @demux, for data written to the DVR device.
 * @net:	network device of the stream.
 *
 * The fields from @demux on belong to vb2_dvb_register_bus() and
 * vb2_dvb_unregister_bus().
 */
struct vb2_dvb {
	char			*name;
	struct dvb_frontend	*frontend;
	struct vb2_queue	dvbq;

	struct mutex		lock;	/* guards nfeeds and the thread */
	int			nfeeds;

	struct dvb_demux	demux;
	struct dmxdev		dmxdev;
	struct dmx_frontend	fe_hw;
	struct dmx_frontend	fe_mem;
	struct dvb_net		net;
};

/**
 * struct vb2_dvb_frontend - entry of the frontend list of an adapter
 * @felist:	link in &vb2_dvb_frontends.felist.
 * @id:		number the driver gave the frontend, 1 for the first one.
 * @dvb:	the frontend and its stream.
 */
struct vb2_dvb_frontend {
	struct list_head felist;
	int id;
	struct vb2_dvb dvb;
};

/**
 * struct vb2_dvb_frontends - a DVB adapter and its frontends
 * @felist:	list of &struct vb2_dvb_frontend, in the order of allocation.
 * @lock:	protects @felist.  The driver initialises it, and @felist,
 *		before it allocates the first frontend.
 * @adapter:	the DVB adapter, registered by vb2_dvb_register_bus().
 * @active_fe_id: frontend that currently owns the shared transport stream
 *		interface, 0 for none.  Managed by the driver.
 * @gate:	frontend whose I2C gate the driver has to drive, or 0 when the
 *		card has a single frontend.  Managed by the driver.
 */
struct vb2_dvb_frontends {
	struct list_head felist;
	struct mutex lock;	/* guards felist */
	struct dvb_adapter adapter;
	int active_fe_id;
	int gate;
};

/**
 * vb2_dvb_register_bus() - register a DVB adapter and all its frontends
 * @f:		the adapter; its list holds at least one frontend, and each
 *		frontend has its DVB frontend attached.
 * @module:	module of the driver, normally %THIS_MODULE.
 * @adapter_priv: stored in &dvb_adapter.priv.
 * @device:	parent device of the adapter.
 * @mdev:	media device to expose the DVB entities on, or NULL.
 * @adapter_nr:	adapter numbers the user asked for, as for
 *		dvb_register_adapter().
 * @mfe_shared:	&dvb_adapter.mfe_shared: whether the frontends exclude each
 *		other.
 *
 * Registers the adapter (named after the first frontend), and for every
 * frontend the DVB frontend, a software demuxer with its demux and DVR
 * devices, and a network device.
 *
 * Return: 0, or a negative error code.  On failure everything is unwound,
 * including the frontends: the list of @f is empty afterwards.
 */
int vb2_dvb_register_bus(struct vb2_dvb_frontends *f, struct module *module,
			 void *adapter_priv, struct device *device,
			 struct media_device *mdev, short *adapter_nr,
			 int mfe_shared);

/**
 * vb2_dvb_unregister_bus() - undo vb2_dvb_register_bus()
 * @f:		the adapter.
 *
 * Tears down and frees all frontends with vb2_dvb_dealloc_frontends(), then
 * unregisters the adapter.  Waits until the demux and DVR devices are closed.
 */
void vb2_dvb_unregister_bus(struct vb2_dvb_frontends *f);

/**
 * vb2_dvb_alloc_frontend() - add a frontend to an adapter
 * @f:		the adapter.
 * @id:		number of the new frontend, for vb2_dvb_get_frontend().
 *
 * Return: the new zeroed frontend, appended to the list of @f, or NULL when
 * out of memory.
 */
struct vb2_dvb_frontend *vb2_dvb_alloc_frontend(struct vb2_dvb_frontends *f,
						int id);

/**
 * vb2_dvb_dealloc_frontends() - remove and free all frontends of an adapter
 * @f:		the adapter.
 *
 * Unregisters the devices of every registered frontend, detaches every
 * attached DVB frontend and frees the entries.  Does not release the queues:
 * a driver that initialised &vb2_dvb.dvbq must not stream it any more.  The
 * adapter itself stays registered.
 */
void vb2_dvb_dealloc_frontends(struct vb2_dvb_frontends *f);

/**
 * vb2_dvb_get_frontend() - look a frontend up by its number
 * @f:		the adapter.
 * @id:		number given to vb2_dvb_alloc_frontend().
 *
 * Return: the frontend, or NULL if @f has none with that number.
 */
struct vb2_dvb_frontend *vb2_dvb_get_frontend(struct vb2_dvb_frontends *f,
					      int id);

/**
 * vb2_dvb_find_frontend() - find which entry holds a DVB frontend
 * @f:		the adapter.
 * @p:		the DVB frontend.
 *
 * Return: the number of the entry whose &vb2_dvb.frontend is @p, or 0.
 */
int vb2_dvb_find_frontend(struct vb2_dvb_frontends *f, struct dvb_frontend *p);

#endif /* _VIDEOBUF2_DVB_H_ */
