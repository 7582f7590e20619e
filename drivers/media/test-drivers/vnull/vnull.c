// SPDX-License-Identifier: GPL-2.0-only
/*
 * vnull: a V4L2 capture device whose frames cost nothing.
 *
 * Buffers are handed back numbered and time-stamped but never written to
 * and never mapped into the kernel, so that streaming through vnull costs
 * only what V4L2, videobuf2 and the dma-contig allocator cost: a yardstick
 * for the buffer paths, not a camera.
 *
 * While streaming, vnull keeps the buffer queued last and completes every
 * buffer queued before it, from .buf_queue: each VIDIOC_QBUF hands back
 * the previous buffer at once.  The videobuf2 core allows that: it calls
 * .buf_queue with the queue lock held, the earlier buffers are ACTIVE
 * (owned by the driver), and vb2_buffer_done() only takes the done_lock
 * spinlock and wakes the waiters.  It would allow completing the new
 * buffer itself too, but VIDIOC_QBUF reports the buffer's state after
 * .buf_queue returns, and a buffer that comes back from VIDIOC_QBUF flagged
 * DONE is refused by v4l2-compliance and unexpected by applications.  A
 * buffer left in the driver for VNULL_IDLE_MS is completed by a delayed
 * work, so that a single buffer still streams.
 *
 * VIDIOC_STREAMON hands the buffers queued so far to .buf_queue before
 * .start_streaming, which completes all but the last of them.
 */

#include <linux/align.h>
#include <linux/dma-mapping.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>
#include <media/v4l2-dev.h>
#include <media/v4l2-device.h>
#include <media/v4l2-fh.h>
#include <media/v4l2-ioctl.h>
#include <media/videobuf2-dma-contig.h>
#include <media/videobuf2-v4l2.h>

#define VNULL_NAME	"vnull"
#define VNULL_MIN_W	16U
#define VNULL_MIN_H	16U
#define VNULL_MAX_W	4096U
#define VNULL_MAX_H	2160U
#define VNULL_IDLE_MS	20

/**
 * struct vnull_format - a pixel format vnull offers
 * @fourcc: the V4L2 pixel format code.
 * @bpp: bytes per pixel.
 * @walign: the width is a multiple of this (a power of two).
 */
struct vnull_format {
	u32 fourcc;
	u8 bpp;
	u8 walign;
};

static const struct vnull_format vnull_formats[] = {
	{ .fourcc = V4L2_PIX_FMT_YUYV, .bpp = 2, .walign = 2 },
	{ .fourcc = V4L2_PIX_FMT_GREY, .bpp = 1, .walign = 1 },
};

/**
 * struct vnull_buffer - a capture buffer
 * @vb: the videobuf2 buffer; first, as videobuf2 allocates the whole.
 * @list: the entry in &vnull_dev.held while the driver holds the buffer.
 */
struct vnull_buffer {
	struct vb2_v4l2_buffer vb;
	struct list_head list;
};

/**
 * struct vnull_dev - the device
 * @v4l2_dev: the V4L2 device, child of the platform device.
 * @vdev: the video node.
 * @queue: its capture queue.
 * @lock: serialises the ioctls and the queue operations.
 * @fmt: the current format, under @lock.
 * @idle: completes the buffers left in the driver for VNULL_IDLE_MS.
 * @held_lock: protects @held, @running and @sequence, which @idle uses
 *	without @lock.
 * @held: the buffers the driver holds, in queueing order.
 * @running: set from .start_streaming to .stop_streaming.
 * @sequence: the sequence number of the next frame.
 */
struct vnull_dev {
	struct v4l2_device v4l2_dev;
	struct video_device vdev;
	struct vb2_queue queue;
	struct mutex lock;		/* the ioctls and the queue */
	struct v4l2_pix_format fmt;
	struct delayed_work idle;
	spinlock_t held_lock;		/* @held, @running, @sequence */
	struct list_head held;
	bool running;
	u32 sequence;
};

static struct vnull_buffer *to_vnull_buffer(struct vb2_buffer *vb)
{
	return container_of(to_vb2_v4l2_buffer(vb), struct vnull_buffer, vb);
}

/* Make @pix a format vnull supports, as close to the request as it can. */
static void vnull_adjust(struct v4l2_pix_format *pix)
{
	const struct vnull_format *f = &vnull_formats[0];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vnull_formats); i++)
		if (vnull_formats[i].fourcc == pix->pixelformat)
			f = &vnull_formats[i];

	pix->pixelformat = f->fourcc;
	pix->width = ALIGN(clamp(pix->width, VNULL_MIN_W, VNULL_MAX_W),
			   f->walign);
	pix->height = clamp(pix->height, VNULL_MIN_H, VNULL_MAX_H);
	pix->field = V4L2_FIELD_NONE;
	pix->bytesperline = pix->width * f->bpp;
	pix->sizeimage = pix->bytesperline * pix->height;
	pix->colorspace = V4L2_COLORSPACE_SRGB;
	pix->xfer_func = V4L2_XFER_FUNC_DEFAULT;
	pix->ycbcr_enc = V4L2_YCBCR_ENC_DEFAULT;
	pix->quantization = V4L2_QUANTIZATION_DEFAULT;
	pix->flags = 0;
}

/*
 * Hand the held buffers back as the next frames, all of them or all but
 * the last one queued.  Call with @held_lock held.
 */
static void vnull_complete(struct vnull_dev *dev, bool all)
{
	struct vnull_buffer *buf, *next;

	list_for_each_entry_safe(buf, next, &dev->held, list) {
		if (!all && list_is_last(&buf->list, &dev->held))
			break;
		list_del(&buf->list);
		buf->vb.sequence = dev->sequence++;
		buf->vb.field = V4L2_FIELD_NONE;
		buf->vb.vb2_buf.timestamp = ktime_get_ns();
		vb2_buffer_done(&buf->vb.vb2_buf, VB2_BUF_STATE_DONE);
	}
}

static void vnull_idle(struct work_struct *work)
{
	struct vnull_dev *dev = container_of(to_delayed_work(work),
					     struct vnull_dev, idle);

	spin_lock(&dev->held_lock);
	if (dev->running)
		vnull_complete(dev, true);
	spin_unlock(&dev->held_lock);
}

static int vnull_queue_setup(struct vb2_queue *q, unsigned int *nbuffers,
			     unsigned int *nplanes, unsigned int sizes[],
			     struct device *alloc_devs[])
{
	struct vnull_dev *dev = vb2_get_drv_priv(q);

	if (*nplanes)
		return *nplanes == 1 && sizes[0] >= dev->fmt.sizeimage ?
		       0 : -EINVAL;
	*nplanes = 1;
	sizes[0] = dev->fmt.sizeimage;
	return 0;
}

static int vnull_buf_prepare(struct vb2_buffer *vb)
{
	struct vnull_dev *dev = vb2_get_drv_priv(vb->vb2_queue);

	if (vb2_plane_size(vb, 0) < dev->fmt.sizeimage)
		return -EINVAL;
	vb2_set_plane_payload(vb, 0, dev->fmt.sizeimage);
	return 0;
}

static void vnull_buf_queue(struct vb2_buffer *vb)
{
	struct vnull_dev *dev = vb2_get_drv_priv(vb->vb2_queue);
	struct vnull_buffer *buf = to_vnull_buffer(vb);
	bool running;

	spin_lock(&dev->held_lock);
	list_add_tail(&buf->list, &dev->held);
	running = dev->running;
	if (running)
		vnull_complete(dev, false);
	spin_unlock(&dev->held_lock);
	/* only a test-and-set while the work is pending */
	if (running)
		schedule_delayed_work(&dev->idle,
				      msecs_to_jiffies(VNULL_IDLE_MS));
}

static int vnull_start_streaming(struct vb2_queue *q, unsigned int count)
{
	struct vnull_dev *dev = vb2_get_drv_priv(q);

	spin_lock(&dev->held_lock);
	dev->sequence = 0;
	dev->running = true;
	vnull_complete(dev, false);
	spin_unlock(&dev->held_lock);
	schedule_delayed_work(&dev->idle, msecs_to_jiffies(VNULL_IDLE_MS));
	return 0;
}

static void vnull_stop_streaming(struct vb2_queue *q)
{
	struct vnull_dev *dev = vb2_get_drv_priv(q);
	struct vnull_buffer *buf, *next;

	spin_lock(&dev->held_lock);
	dev->running = false;
	spin_unlock(&dev->held_lock);
	/* with @running clear, nothing queues the work again */
	cancel_delayed_work_sync(&dev->idle);

	list_for_each_entry_safe(buf, next, &dev->held, list) {
		list_del(&buf->list);
		vb2_buffer_done(&buf->vb.vb2_buf, VB2_BUF_STATE_ERROR);
	}
}

static const struct vb2_ops vnull_qops = {
	.queue_setup = vnull_queue_setup,
	.buf_prepare = vnull_buf_prepare,
	.buf_queue = vnull_buf_queue,
	.start_streaming = vnull_start_streaming,
	.stop_streaming = vnull_stop_streaming,
	.wait_prepare = vb2_ops_wait_prepare,
	.wait_finish = vb2_ops_wait_finish,
};

static int vnull_querycap(struct file *file, void *priv,
			  struct v4l2_capability *cap)
{
	strscpy(cap->driver, VNULL_NAME, sizeof(cap->driver));
	strscpy(cap->card, VNULL_NAME, sizeof(cap->card));
	strscpy(cap->bus_info, "platform:" VNULL_NAME, sizeof(cap->bus_info));
	return 0;
}

static int vnull_enum_fmt(struct file *file, void *priv,
			  struct v4l2_fmtdesc *f)
{
	if (f->index >= ARRAY_SIZE(vnull_formats))
		return -EINVAL;
	f->pixelformat = vnull_formats[f->index].fourcc;
	return 0;
}

static int vnull_g_fmt(struct file *file, void *priv, struct v4l2_format *f)
{
	struct vnull_dev *dev = video_drvdata(file);

	f->fmt.pix = dev->fmt;
	return 0;
}

static int vnull_try_fmt(struct file *file, void *priv, struct v4l2_format *f)
{
	vnull_adjust(&f->fmt.pix);
	return 0;
}

static int vnull_s_fmt(struct file *file, void *priv, struct v4l2_format *f)
{
	struct vnull_dev *dev = video_drvdata(file);

	if (vb2_is_busy(&dev->queue))
		return -EBUSY;
	vnull_adjust(&f->fmt.pix);
	dev->fmt = f->fmt.pix;
	return 0;
}

static int vnull_enum_input(struct file *file, void *priv,
			    struct v4l2_input *inp)
{
	if (inp->index)
		return -EINVAL;
	strscpy(inp->name, "Null input", sizeof(inp->name));
	inp->type = V4L2_INPUT_TYPE_CAMERA;
	return 0;
}

static int vnull_g_input(struct file *file, void *priv, unsigned int *i)
{
	*i = 0;
	return 0;
}

static int vnull_s_input(struct file *file, void *priv, unsigned int i)
{
	return i ? -EINVAL : 0;
}

static const struct v4l2_ioctl_ops vnull_ioctl_ops = {
	.vidioc_querycap = vnull_querycap,
	.vidioc_enum_fmt_vid_cap = vnull_enum_fmt,
	.vidioc_g_fmt_vid_cap = vnull_g_fmt,
	.vidioc_try_fmt_vid_cap = vnull_try_fmt,
	.vidioc_s_fmt_vid_cap = vnull_s_fmt,
	.vidioc_enum_input = vnull_enum_input,
	.vidioc_g_input = vnull_g_input,
	.vidioc_s_input = vnull_s_input,
	.vidioc_reqbufs = vb2_ioctl_reqbufs,
	.vidioc_create_bufs = vb2_ioctl_create_bufs,
	.vidioc_prepare_buf = vb2_ioctl_prepare_buf,
	.vidioc_querybuf = vb2_ioctl_querybuf,
	.vidioc_qbuf = vb2_ioctl_qbuf,
	.vidioc_dqbuf = vb2_ioctl_dqbuf,
	.vidioc_expbuf = vb2_ioctl_expbuf,
	.vidioc_streamon = vb2_ioctl_streamon,
	.vidioc_streamoff = vb2_ioctl_streamoff,
};

static const struct v4l2_file_operations vnull_fops = {
	.owner = THIS_MODULE,
	.open = v4l2_fh_open,
	.release = vb2_fop_release,
	.poll = vb2_fop_poll,
	.mmap = vb2_fop_mmap,
	.unlocked_ioctl = video_ioctl2,
};

/* The last reference to the video node is gone. */
static void vnull_release(struct video_device *vdev)
{
	struct vnull_dev *dev = container_of(vdev, struct vnull_dev, vdev);

	v4l2_device_unregister(&dev->v4l2_dev);
	mutex_destroy(&dev->lock);
	kfree(dev);
}

static int vnull_init_queue(struct vnull_dev *dev, struct device *parent)
{
	struct vb2_queue *q = &dev->queue;

	q->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	q->io_modes = VB2_MMAP | VB2_DMABUF;
	q->dev = parent;
	q->drv_priv = dev;
	q->buf_struct_size = sizeof(struct vnull_buffer);
	q->ops = &vnull_qops;
	q->mem_ops = &vb2_dma_contig_memops;
	q->timestamp_flags = V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC;
	q->min_queued_buffers = 0;
	q->lock = &dev->lock;
	return vb2_queue_init(q);
}

static int vnull_probe(struct platform_device *pdev)
{
	struct vnull_dev *dev;
	struct video_device *vdev;
	int ret;

	ret = dma_coerce_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(32));
	if (ret)
		return ret;
	ret = vb2_dma_contig_set_max_seg_size(&pdev->dev, UINT_MAX);
	if (ret)
		return ret;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	mutex_init(&dev->lock);
	spin_lock_init(&dev->held_lock);
	INIT_LIST_HEAD(&dev->held);
	INIT_DELAYED_WORK(&dev->idle, vnull_idle);
	dev->fmt.pixelformat = V4L2_PIX_FMT_YUYV;
	dev->fmt.width = 640;
	dev->fmt.height = 480;
	vnull_adjust(&dev->fmt);

	ret = v4l2_device_register(&pdev->dev, &dev->v4l2_dev);
	if (ret)
		goto err_free;
	ret = vnull_init_queue(dev, &pdev->dev);
	if (ret)
		goto err_v4l2;

	vdev = &dev->vdev;
	strscpy(vdev->name, VNULL_NAME, sizeof(vdev->name));
	vdev->v4l2_dev = &dev->v4l2_dev;
	vdev->fops = &vnull_fops;
	vdev->ioctl_ops = &vnull_ioctl_ops;
	vdev->release = vnull_release;
	vdev->queue = &dev->queue;
	vdev->lock = &dev->lock;
	vdev->vfl_dir = VFL_DIR_RX;
	vdev->device_caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;
	video_set_drvdata(vdev, dev);
	platform_set_drvdata(pdev, dev);

	/* once the node is registered, vnull_release() frees @dev */
	ret = video_register_device(vdev, VFL_TYPE_VIDEO, -1);
	if (ret)
		goto err_v4l2;
	dev_info(&pdev->dev, "%s registered\n", video_device_node_name(vdev));
	return 0;

err_v4l2:
	v4l2_device_unregister(&dev->v4l2_dev);
err_free:
	mutex_destroy(&dev->lock);
	kfree(dev);
	return ret;
}

static void vnull_remove(struct platform_device *pdev)
{
	struct vnull_dev *dev = platform_get_drvdata(pdev);

	video_unregister_device(&dev->vdev);
}

static struct platform_driver vnull_driver = {
	.probe = vnull_probe,
	.remove = vnull_remove,
	.driver = {
		.name = VNULL_NAME,
	},
};

static struct platform_device *vnull_pdev;

static int __init vnull_init(void)
{
	int ret;

	ret = platform_driver_register(&vnull_driver);
	if (ret)
		return ret;
	vnull_pdev = platform_device_register_simple(VNULL_NAME,
						     PLATFORM_DEVID_NONE,
						     NULL, 0);
	if (IS_ERR(vnull_pdev)) {
		platform_driver_unregister(&vnull_driver);
		return PTR_ERR(vnull_pdev);
	}
	return 0;
}

static void __exit vnull_exit(void)
{
	platform_device_unregister(vnull_pdev);
	platform_driver_unregister(&vnull_driver);
}

module_init(vnull_init);
module_exit(vnull_exit);

MODULE_DESCRIPTION("V4L2 capture device that returns buffers untouched at once");
MODULE_LICENSE("GPL");
