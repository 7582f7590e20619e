// SPDX-License-Identifier: GPL-2.0-only
/*
 * videobuf2-dvb.c - DVB adapters fed by a videobuf2 capture queue
 *
 * PCI bridges such as cx23885, cx88 and saa7134 capture the MPEG transport
 * stream of their demodulator into ordinary videobuf2 buffers.  This module
 * builds the DVB side around such a queue: per frontend a software demuxer
 * with its demux, DVR and network devices.  Filtering happens in software,
 * so the hardware only has to deliver the stream while somebody listens:
 * the first running feed of a demuxer starts the videobuf2 thread helper on
 * the queue, the last one stopped stops it, and every buffer the thread
 * gets is handed to the demuxer as it is.
 */

#define pr_fmt(fmt) "vb2-dvb: " fmt

#include <linux/err.h>
#include <linux/export.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/printk.h>
#include <linux/slab.h>

#include <media/videobuf2-dvb.h>

MODULE_DESCRIPTION("videobuf2 helpers for DVB adapters");
MODULE_LICENSE("GPL");

/* Filters and feeds of each software demuxer (and of its demux device). */
#define VB2DVB_DEMUX_SLOTS	256
#define VB2DVB_DEMUX_CAPS	(DMX_TS_FILTERING | DMX_SECTION_FILTERING | \
				 DMX_MEMORY_BASED_FILTERING)

/*
 * In this file a struct vb2_dvb is called "ts" (one transport stream with its
 * frontend) and a struct vb2_dvb_frontend "entry" (its place in the list of
 * the adapter).
 */

/* A stream is registered while its demuxer points back at it. */
static bool vb2dvb_is_registered(struct vb2_dvb *ts)
{
	return ts->demux.priv == ts;
}

/* Thread callback: the whole payload of a buffer goes to the demuxer. */
static int vb2dvb_deliver(struct vb2_buffer *vb, void *priv)
{
	struct vb2_dvb *ts = priv;

	dvb_dmx_swfilter(&ts->demux, vb2_plane_vaddr(vb, 0),
			 vb2_get_plane_payload(vb, 0));
	return 0;
}

static int vb2dvb_feed_start(struct dvb_demux_feed *feed)
{
	struct vb2_dvb *ts = feed->demux->priv;
	int err = 0;

	/* A demuxer with no source connected has nothing to filter. */
	if (!ts->demux.dmx.frontend)
		return -EINVAL;

	mutex_lock(&ts->lock);
	/* The first feed starts the capture, the others share it. */
	if (!ts->dvbq.threadio)
		err = vb2_thread_start(&ts->dvbq, vb2dvb_deliver, ts, ts->name);
	if (err)
		pr_warn("%s: cannot capture the transport stream: %d\n",
			ts->name, err);
	else
		ts->nfeeds++;
	mutex_unlock(&ts->lock);
	return err;
}

static int vb2dvb_feed_stop(struct dvb_demux_feed *feed)
{
	struct vb2_dvb *ts = feed->demux->priv;
	int err = 0;

	mutex_lock(&ts->lock);
	/* The last feed to go stops the capture. */
	if (ts->nfeeds > 0 && --ts->nfeeds == 0)
		err = vb2_thread_stop(&ts->dvbq);
	mutex_unlock(&ts->lock);
	return err;
}

/* Remove the devices of one stream, in the reverse order of creation. */
static void vb2dvb_unregister_one(struct vb2_dvb *ts)
{
	struct dmx_demux *dmx = &ts->demux.dmx;

	dvb_net_release(&ts->net);
	/* Waits for the demux and DVR devices to be closed. */
	dvb_dmxdev_release(&ts->dmxdev);
	dmx->disconnect_frontend(dmx);
	dmx->remove_frontend(dmx, &ts->fe_mem);
	dmx->remove_frontend(dmx, &ts->fe_hw);
	dvb_dmx_release(&ts->demux);
	dvb_unregister_frontend(ts->frontend);
	ts->demux.priv = NULL;
}

static int vb2dvb_register_one(struct dvb_adapter *adap, struct vb2_dvb *ts)
{
	struct dvb_demux *sw = &ts->demux;
	struct dmx_demux *dmx = &sw->dmx;
	int err;

	if (!ts->frontend)
		return -EINVAL;

	err = dvb_register_frontend(adap, ts->frontend);
	if (err < 0)
		return err;

	sw->priv = ts;
	sw->filternum = VB2DVB_DEMUX_SLOTS;
	sw->feednum = VB2DVB_DEMUX_SLOTS;
	sw->start_feed = vb2dvb_feed_start;
	sw->stop_feed = vb2dvb_feed_stop;
	dmx->capabilities = VB2DVB_DEMUX_CAPS;
	err = dvb_dmx_init(sw);
	if (err < 0)
		goto err_frontend;

	/* The entry is zeroed: the capabilities of the device stay 0. */
	ts->dmxdev.demux = dmx;
	ts->dmxdev.filternum = VB2DVB_DEMUX_SLOTS;
	err = dvb_dmxdev_init(&ts->dmxdev, adap);
	if (err < 0)
		goto err_demux;

	/* Two sources: the hardware (the default) and writes to the DVR. */
	ts->fe_hw.source = DMX_FRONTEND_0;
	err = dmx->add_frontend(dmx, &ts->fe_hw);
	if (err < 0)
		goto err_dmxdev;
	ts->fe_mem.source = DMX_MEMORY_FE;
	err = dmx->add_frontend(dmx, &ts->fe_mem);
	if (err < 0)
		goto err_hw_source;
	err = dmx->connect_frontend(dmx, &ts->fe_hw);
	if (err < 0)
		goto err_mem_source;

	err = dvb_net_init(adap, &ts->net, dmx);
	if (err < 0)
		goto err_connected;
	return 0;

err_connected:
	dmx->disconnect_frontend(dmx);
err_mem_source:
	dmx->remove_frontend(dmx, &ts->fe_mem);
err_hw_source:
	dmx->remove_frontend(dmx, &ts->fe_hw);
err_dmxdev:
	dvb_dmxdev_release(&ts->dmxdev);
err_demux:
	dvb_dmx_release(sw);
err_frontend:
	dvb_unregister_frontend(ts->frontend);
	sw->priv = NULL;
	return err;
}

/* The adapter takes the name of its first stream. */
static int vb2dvb_register_adapter(struct vb2_dvb_frontends *f,
				   const char *name, struct module *module,
				   void *adapter_priv, struct device *device,
				   struct media_device *mdev, short *adapter_nr,
				   int mfe_shared)
{
	int num;

	num = dvb_register_adapter(&f->adapter, name, module, device,
				   adapter_nr);
	if (num < 0) {
		pr_warn("%s: adapter registration failed: %d\n", name, num);
		return num;
	}
	/* dvb_register_adapter() starts from a cleared structure. */
	f->adapter.priv = adapter_priv;
	f->adapter.mfe_shared = mfe_shared;
	dvb_register_media_controller(&f->adapter, mdev);
	return 0;
}

/* Register the devices of every stream; called with the list locked. */
static int vb2dvb_register_streams(struct vb2_dvb_frontends *f)
{
	struct vb2_dvb_frontend *entry;
	int err;

	list_for_each_entry(entry, &f->felist, felist) {
		err = vb2dvb_register_one(&f->adapter, &entry->dvb);
		if (err < 0) {
			pr_warn("%s: frontend %d registration failed: %d\n",
				entry->dvb.name, entry->id, err);
			return err;
		}
	}
	/* Link the entities once all of them exist. */
	return dvb_create_media_graph(&f->adapter, false);
}

int vb2_dvb_register_bus(struct vb2_dvb_frontends *f, struct module *module,
			 void *adapter_priv, struct device *device,
			 struct media_device *mdev, short *adapter_nr,
			 int mfe_shared)
{
	struct vb2_dvb_frontend *first;
	bool unwind = false;
	int err;

	mutex_lock(&f->lock);
	first = list_first_entry_or_null(&f->felist, struct vb2_dvb_frontend,
					 felist);
	if (!first) {
		pr_warn("an adapter without frontends cannot be registered\n");
		err = -EINVAL;
	} else {
		err = vb2dvb_register_adapter(f, first->dvb.name, module,
					      adapter_priv, device, mdev,
					      adapter_nr, mfe_shared);
	}
	/* Until the adapter exists, a failure leaves the frontends alone. */
	if (!err) {
		err = vb2dvb_register_streams(f);
		unwind = err != 0;
	}
	mutex_unlock(&f->lock);

	/* Past that point the whole adapter goes, frontends included. */
	if (unwind)
		vb2_dvb_unregister_bus(f);
	return err;
}
EXPORT_SYMBOL(vb2_dvb_register_bus);

void vb2_dvb_unregister_bus(struct vb2_dvb_frontends *f)
{
	vb2_dvb_dealloc_frontends(f);
	dvb_unregister_adapter(&f->adapter);
}
EXPORT_SYMBOL(vb2_dvb_unregister_bus);

struct vb2_dvb_frontend *vb2_dvb_alloc_frontend(struct vb2_dvb_frontends *f,
						int id)
{
	struct vb2_dvb_frontend *entry = kzalloc(sizeof(*entry), GFP_KERNEL);

	if (!entry)
		return NULL;
	entry->id = id;
	mutex_init(&entry->dvb.lock);

	mutex_lock(&f->lock);
	list_add_tail(&entry->felist, &f->felist);
	mutex_unlock(&f->lock);
	return entry;
}
EXPORT_SYMBOL(vb2_dvb_alloc_frontend);

void vb2_dvb_dealloc_frontends(struct vb2_dvb_frontends *f)
{
	struct vb2_dvb_frontend *entry, *tmp;
	LIST_HEAD(doomed);

	/*
	 * Take the entries off the list first: unregistering waits for the
	 * devices to be closed and for the frontend thread to end, and both
	 * may look entries up (I2C gate and bus control of the drivers).
	 */
	mutex_lock(&f->lock);
	list_splice_init(&f->felist, &doomed);
	mutex_unlock(&f->lock);

	list_for_each_entry_safe(entry, tmp, &doomed, felist) {
		struct vb2_dvb *ts = &entry->dvb;

		if (vb2dvb_is_registered(ts))
			vb2dvb_unregister_one(ts);
		/* Attached by the driver, whether registered or not. */
		if (ts->frontend) {
			dvb_frontend_detach(ts->frontend);
			ts->frontend = NULL;
		}
		list_del(&entry->felist);
		mutex_destroy(&ts->lock);
		kfree(entry);
	}
}
EXPORT_SYMBOL(vb2_dvb_dealloc_frontends);

/* The entry with number @id, or else the one holding @fe (if @fe is set). */
static struct vb2_dvb_frontend *vb2dvb_lookup(struct vb2_dvb_frontends *f,
					      int id, struct dvb_frontend *fe)
{
	struct vb2_dvb_frontend *entry, *hit = NULL;

	mutex_lock(&f->lock);
	list_for_each_entry(entry, &f->felist, felist) {
		if (fe ? entry->dvb.frontend == fe : entry->id == id) {
			hit = entry;
			break;
		}
	}
	mutex_unlock(&f->lock);
	return hit;
}

struct vb2_dvb_frontend *vb2_dvb_get_frontend(struct vb2_dvb_frontends *f,
					      int id)
{
	return vb2dvb_lookup(f, id, NULL);
}
EXPORT_SYMBOL(vb2_dvb_get_frontend);

int vb2_dvb_find_frontend(struct vb2_dvb_frontends *f, struct dvb_frontend *p)
{
	struct vb2_dvb_frontend *entry;

	/* Entry numbers start at 1: 0 tells that @p is none of ours. */
	if (!p)
		return 0;
	entry = vb2dvb_lookup(f, 0, p);
	return entry ? entry->id : 0;
}
EXPORT_SYMBOL(vb2_dvb_find_frontend);
