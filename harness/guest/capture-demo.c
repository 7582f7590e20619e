// SPDX-License-Identifier: GPL-2.0
/*
 * capture-demo: zero-copy capture from vivid into dma-heap buffers.
 *
 * Allocates buffers from /dev/dma_heap/system, hands them to the vivid video
 * capture node as V4L2_MEMORY_DMABUF, streams, and reads every frame on the
 * CPU between DMA_BUF_IOCTL_SYNC start and end.  vivid is told to draw a 100%
 * colour bar with no on-screen text, so the content of every frame is known:
 * each line is eight equal bars of fixed BT.601 limited-range YUYV values.
 * Exits non-zero when a frame is wrong or an ioctl fails.
 *
 * usage: capture-demo [-d /dev/videoN] [-n frames] [-b buffers] [-w W -h H]
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/videodev2.h>

#define MAX_BUFS 16

/* 100% colour bars, BT.601 limited range: Y, Cb, Cr of each of the 8 bars */
static const uint8_t bars[8][3] = {
	{ 235, 128, 128 },	/* white */
	{ 210,  16, 146 },	/* yellow */
	{ 170, 166,  16 },	/* cyan */
	{ 145,  54,  34 },	/* green */
	{ 106, 202, 222 },	/* magenta */
	{  81,  90, 240 },	/* red */
	{  41, 240, 110 },	/* blue */
	{  16, 128, 128 },	/* black */
};
#define TOLERANCE 2

static void die(const char *what)
{
	fprintf(stderr, "capture-demo: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do {
		r = ioctl(fd, req, arg);
	} while (r < 0 && errno == EINTR);
	return r;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The first capture node of vivid, found by its name, never by number. */
static int find_vivid_capture(char *path, size_t len)
{
	DIR *dir = opendir("/sys/class/video4linux");
	struct dirent *de;
	char name[64], p[300];
	int found = 0;

	if (!dir)
		return 0;
	while (!found && (de = readdir(dir))) {
		FILE *f;

		if (strlen(de->d_name) > 64)
			continue;
		snprintf(p, sizeof(p), "/sys/class/video4linux/%s/name", de->d_name);
		f = fopen(p, "r");
		if (!f)
			continue;
		if (fgets(name, sizeof(name), f) &&
		    !strncmp(name, "vivid-000-vid-cap", 17)) {
			snprintf(path, len, "/dev/%s", de->d_name);
			found = 1;
		}
		fclose(f);
	}
	closedir(dir);
	return found;
}

/* Set the menu control called CTRL to its entry called ITEM. */
static void set_menu(int fd, const char *ctrl, const char *item)
{
	struct v4l2_queryctrl qc = { .id = V4L2_CTRL_FLAG_NEXT_CTRL };

	while (!xioctl(fd, VIDIOC_QUERYCTRL, &qc)) {
		if (qc.type == V4L2_CTRL_TYPE_MENU && !strcmp((char *)qc.name, ctrl)) {
			struct v4l2_querymenu qm = { .id = qc.id };

			for (qm.index = qc.minimum; qm.index <= (unsigned int)qc.maximum;
			     qm.index++) {
				struct v4l2_control c = { .id = qc.id, .value = qm.index };

				if (xioctl(fd, VIDIOC_QUERYMENU, &qm) ||
				    strcmp((char *)qm.name, item))
					continue;
				if (xioctl(fd, VIDIOC_S_CTRL, &c))
					die("VIDIOC_S_CTRL");
				return;
			}
		}
		qc.id |= V4L2_CTRL_FLAG_NEXT_CTRL;
	}
	fprintf(stderr, "capture-demo: control '%s' has no entry '%s'\n", ctrl, item);
	exit(2);
}

/* Count the pixels of one YUYV frame that differ from the colour bars. */
static long check_frame(const uint8_t *p, unsigned int w, unsigned int h,
			unsigned int stride)
{
	long bad = 0;
	unsigned int x, y;

	for (y = 0; y < h; y++) {
		const uint8_t *line = p + (size_t)y * stride;

		for (x = 0; x < w; x += 2) {
			const uint8_t *bar = bars[x * 8 / w];
			const uint8_t *px = line + x * 2;	/* Y0 Cb Y1 Cr */

			if (abs(px[0] - bar[0]) > TOLERANCE ||
			    abs(px[2] - bar[0]) > TOLERANCE ||
			    abs(px[1] - bar[1]) > TOLERANCE ||
			    abs(px[3] - bar[2]) > TOLERANCE)
				bad++;
		}
	}
	return bad;
}

static void sync_buf(int fd, __u64 flags)
{
	struct dma_buf_sync s = { .flags = flags };

	if (xioctl(fd, DMA_BUF_IOCTL_SYNC, &s))
		die("DMA_BUF_IOCTL_SYNC");
}

int main(int argc, char **argv)
{
	unsigned int w = 640, h = 480, nbufs = 4, frames = 60, i;
	char dev[300] = "";
	int opt, vfd, heap, dmabuf[MAX_BUFS];
	uint8_t *map[MAX_BUFS];
	struct v4l2_capability cap;
	struct v4l2_format fmt;
	struct v4l2_requestbuffers req;
	enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	unsigned int got = 0, bad_frames = 0;
	size_t size;
	double t0, t_first = 0, t_last = 0;

	while ((opt = getopt(argc, argv, "d:n:b:w:h:")) != -1) {
		switch (opt) {
		case 'd':
			snprintf(dev, sizeof(dev), "%s", optarg);
			break;
		case 'n':
			frames = atoi(optarg);
			break;
		case 'b':
			nbufs = atoi(optarg);
			break;
		case 'w':
			w = atoi(optarg);
			break;
		case 'h':
			h = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-d dev] [-n frames] [-b buffers] [-w W -h H]\n",
				argv[0]);
			return 2;
		}
	}
	if (nbufs < 2 || nbufs > MAX_BUFS || frames < 1 || w < 16 || h < 16) {
		fprintf(stderr, "capture-demo: bad arguments\n");
		return 2;
	}
	if (!dev[0] && !find_vivid_capture(dev, sizeof(dev))) {
		fprintf(stderr, "capture-demo: no vivid capture node\n");
		return 2;
	}

	vfd = open(dev, O_RDWR);
	if (vfd < 0)
		die(dev);
	if (xioctl(vfd, VIDIOC_QUERYCAP, &cap))
		die("VIDIOC_QUERYCAP");
	if (!(cap.device_caps & V4L2_CAP_STREAMING) ||
	    !(cap.device_caps & V4L2_CAP_VIDEO_CAPTURE)) {
		fprintf(stderr, "capture-demo: %s is no streaming capture node\n", dev);
		return 2;
	}
	set_menu(vfd, "Test Pattern", "100% Colorbar");
	set_menu(vfd, "OSD Text Mode", "None");

	memset(&fmt, 0, sizeof(fmt));
	fmt.type = type;
	fmt.fmt.pix.width = w;
	fmt.fmt.pix.height = h;
	fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
	fmt.fmt.pix.field = V4L2_FIELD_NONE;
	if (xioctl(vfd, VIDIOC_S_FMT, &fmt))
		die("VIDIOC_S_FMT");
	if (fmt.fmt.pix.width != w || fmt.fmt.pix.height != h ||
	    fmt.fmt.pix.pixelformat != V4L2_PIX_FMT_YUYV) {
		fprintf(stderr, "capture-demo: driver chose %ux%u instead of %ux%u YUYV\n",
			fmt.fmt.pix.width, fmt.fmt.pix.height, w, h);
		return 2;
	}
	size = (fmt.fmt.pix.sizeimage + 4095) & ~(size_t)4095;

	heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	if (heap < 0)
		die("/dev/dma_heap/system");
	for (i = 0; i < nbufs; i++) {
		struct dma_heap_allocation_data a = {
			.len = size, .fd_flags = O_RDWR | O_CLOEXEC,
		};

		if (xioctl(heap, DMA_HEAP_IOCTL_ALLOC, &a))
			die("DMA_HEAP_IOCTL_ALLOC");
		dmabuf[i] = a.fd;
		map[i] = mmap(NULL, size, PROT_READ, MAP_SHARED, a.fd, 0);
		if (map[i] == MAP_FAILED)
			die("mmap of a dma-buf");
	}

	memset(&req, 0, sizeof(req));
	req.count = nbufs;
	req.type = type;
	req.memory = V4L2_MEMORY_DMABUF;
	if (xioctl(vfd, VIDIOC_REQBUFS, &req))
		die("VIDIOC_REQBUFS");
	if (req.count != nbufs) {
		fprintf(stderr, "capture-demo: driver gave %u buffers, not %u\n",
			req.count, nbufs);
		return 2;
	}
	for (i = 0; i < nbufs; i++) {
		struct v4l2_buffer b = {
			.index = i, .type = type, .memory = V4L2_MEMORY_DMABUF,
			.m.fd = dmabuf[i], .length = size,
		};

		if (xioctl(vfd, VIDIOC_QBUF, &b))
			die("VIDIOC_QBUF");
	}
	if (xioctl(vfd, VIDIOC_STREAMON, &type))
		die("VIDIOC_STREAMON");

	t0 = now_ms();
	while (got < frames) {
		struct pollfd pfd = { .fd = vfd, .events = POLLIN };
		struct v4l2_buffer b = { .type = type, .memory = V4L2_MEMORY_DMABUF };
		long bad;

		if (poll(&pfd, 1, 5000) <= 0) {
			fprintf(stderr, "capture-demo: no frame within 5 s\n");
			return 1;
		}
		if (xioctl(vfd, VIDIOC_DQBUF, &b))
			die("VIDIOC_DQBUF");
		if (b.index >= nbufs || b.bytesused < fmt.fmt.pix.sizeimage) {
			fprintf(stderr, "capture-demo: bad buffer %u (%u bytes)\n",
				b.index, b.bytesused);
			return 1;
		}
		if (!got)
			t_first = now_ms();
		t_last = now_ms();

		sync_buf(dmabuf[b.index], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
		bad = check_frame(map[b.index], w, h, fmt.fmt.pix.bytesperline);
		sync_buf(dmabuf[b.index], DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
		if (bad) {
			bad_frames++;
			fprintf(stderr, "capture-demo: frame %u (buffer %u): %ld bad pixel pairs\n",
				got, b.index, bad);
		}
		got++;

		b.m.fd = dmabuf[b.index];
		b.length = size;
		if (xioctl(vfd, VIDIOC_QBUF, &b))
			die("VIDIOC_QBUF");
	}
	if (xioctl(vfd, VIDIOC_STREAMOFF, &type))
		die("VIDIOC_STREAMOFF");
	req.count = 0;
	if (xioctl(vfd, VIDIOC_REQBUFS, &req))
		die("VIDIOC_REQBUFS(0)");
	for (i = 0; i < nbufs; i++) {
		munmap(map[i], size);
		close(dmabuf[i]);
	}
	close(heap);
	close(vfd);

	printf("capture-demo: %s (%s), %ux%u YUYV, %u dma-bufs from /dev/dma_heap/system\n",
	       dev, (char *)cap.card, w, h, nbufs);
	printf("  %-22s %u\n", "frames", got);
	printf("  %-22s %u\n", "bad frames", bad_frames);
	printf("  %-22s %.2f\n", "mean ms/frame",
	       got > 1 ? (t_last - t_first) / (got - 1) : t_last - t0);
	printf("  %-22s %.2f MiB (%u x %zu B)\n", "heap used",
	       nbufs * (double)size / (1 << 20), nbufs, size);
	return bad_frames ? 1 : 0;
}
