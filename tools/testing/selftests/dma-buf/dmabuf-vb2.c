// SPDX-License-Identifier: GPL-2.0
/*
 * videobuf2's dma-contig allocator as dma-buf exporter and importer, on
 * vivid booted with vivid.n_devs=2 vivid.allocators=0,1
 * vivid.cache_hints=0,1: instance 0 allocates with vmalloc, instance 1
 * with dma-contig and takes userspace cache hints.
 *
 * vivid draws a static image (colour squares, no text, no movement). A
 * frame captured into the importing node's own MMAP buffers is the
 * reference; every frame that lands in an imported dma-buf, read through
 * the dma-buf's mmap between DMA_BUF_IOCTL_SYNC start and end, must equal
 * it byte for byte, and the dma-bufs are poisoned before each queueing so
 * that a frame which never arrived shows. Cases: vivid-001 buffers
 * exported with VIDIOC_EXPBUF (coherent and V4L2_MEMORY_FLAG_NON_COHERENT)
 * imported by vivid-001 (dma-contig) and vivid-000 (vmalloc); MMAP
 * streaming with cache hints, and the hints cleared by a queue that does
 * not take them; a CMA-heap buffer imported by dma-contig; imports that
 * dma-contig refuses with the errno of Linux 6.12: not contiguous for the
 * device, too small, not a dma-buf. After each case, with every
 * descriptor closed, /sys/kernel/dmabuf/buffers holds what it held before.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/dma-buf.h>
#include <linux/memfd.h>
#include <linux/udmabuf.h>
#include <linux/videodev2.h>

#include "../kselftest_harness.h"
#include "dmabuf-common.h"

#define WIDTH		640U
#define HEIGHT		480U
#define NBUFS		3U	/* buffers streamed */
#define MAX_BUFS	8U
#define FRAMES		12U	/* frames checked per stream */
#define REF_FRAMES	3U	/* the reference is the 2nd; the 3rd must equal it */
#define POISON		0xa5
#define FRAME_MS	10000	/* the longest wait for a frame */
#define MAX_SAVED	16U
#define HUGE_2M		(2UL << 20)

#define CAP		V4L2_BUF_TYPE_VIDEO_CAPTURE
#define OUT		V4L2_BUF_TYPE_VIDEO_OUTPUT
#define NON_COHERENT	((__u32)V4L2_MEMORY_FLAG_NON_COHERENT)
#define CACHE_HINTS	((__u32)V4L2_BUF_CAP_SUPPORTS_MMAP_CACHE_HINTS)
#define NO_CACHE_SYNC	(V4L2_BUF_FLAG_NO_CACHE_INVALIDATE | V4L2_BUF_FLAG_NO_CACHE_CLEAN)

/* An open V4L2 node. */
struct vnode {
	int fd;
	__u32 type;
	char name[32];			/* V4L2 name, e.g. "vivid-001-vid-cap" */
	char sys[64];			/* its entry in /sys/class/video4linux */
	struct v4l2_pix_format pix;	/* the format set_format() set */
};

/* A dma-buf (or an MMAP buffer: fd -1) and its mapping. */
struct dbuf {
	int fd;
	size_t size;
	unsigned char *map;
};

/* A vivid setting a test changed, for the teardown to restore. */
struct saved {
	char node[32];
	__u32 type;
	__u32 ctrl;			/* a control, or 0: the frame interval */
	__s32 val;
	struct v4l2_fract tpf;
};

static size_t page_round(size_t len)
{
	size_t pg = (size_t)getpagesize();

	return (len + pg - 1) & ~(pg - 1);
}

/* Entry INST of vivid's array parameter NAME, or -1 when unknown. */
static int vivid_param(const char *name, unsigned int inst)
{
	char path[96], buf[512], *p = buf;
	unsigned int i;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/vivid/parameters/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	for (i = 0; i < inst && p; i++) {
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return p && *p >= '0' && *p <= '9' ? atoi(p) : -1;
}

/* The number of free 2 MiB hugetlb pages. */
static long free_huge_2m(void)
{
	long val = 0;
	FILE *f;

	f = fopen("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "r");
	if (!f)
		return 0;
	if (fscanf(f, "%ld", &val) != 1)
		val = 0;
	fclose(f);
	return val;
}

/*
 * Whether every streaming mapping bounces through swiotlb: the slots of a
 * contiguous buffer's segments need not be contiguous then, and dma-contig
 * may refuse any import.
 */
static bool swiotlb_forced(void)
{
	char line[1024] = "";
	FILE *f;

	f = fopen("/proc/cmdline", "r");
	if (!f)
		return false;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	return strstr(line, "swiotlb=force");
}

/* Whether vivid instance INST is known not to use dma-contig (and hints). */
static bool not_dma_contig(unsigned int inst, bool hints)
{
	return vivid_param("allocators", inst) == 0 ||
	       (hints && vivid_param("cache_hints", inst) == 0);
}

/* SYS receives the /sys/class/video4linux entry of the node called NAME. */
static int node_lookup(const char *name, char *sys, size_t len)
{
	char path[320], val[64];
	struct dirent *de;
	int ret = -1;
	DIR *dir;
	FILE *f;

	dir = opendir("/sys/class/video4linux");
	if (!dir)
		return -1;
	while (ret && (de = readdir(dir))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= len)
			continue;
		snprintf(path, sizeof(path), "/sys/class/video4linux/%s/name",
			 de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(val, sizeof(val), f)) {
			val[strcspn(val, "\n")] = '\0';
			if (!strcmp(val, name)) {
				snprintf(sys, len, "%s", de->d_name);
				ret = 0;
			}
		}
		fclose(f);
	}
	closedir(dir);
	return ret;
}

/* Open the node called NAME, which must stream buffers of TYPE. */
static int vnode_open(struct vnode *n, const char *name, __u32 type)
{
	__u32 want = V4L2_CAP_STREAMING |
		     (type == CAP ? V4L2_CAP_VIDEO_CAPTURE : V4L2_CAP_VIDEO_OUTPUT);
	struct v4l2_capability cap;
	char path[80];

	memset(n, 0, sizeof(*n));
	n->fd = -1;
	n->type = type;
	snprintf(n->name, sizeof(n->name), "%s", name);
	if (node_lookup(name, n->sys, sizeof(n->sys))) {
		errno = ENODEV;
		return -1;
	}
	snprintf(path, sizeof(path), "/dev/%s", n->sys);
	n->fd = open(path, O_RDWR | O_CLOEXEC);
	if (n->fd < 0)
		return -1;
	memset(&cap, 0, sizeof(cap));
	if (ioctl(n->fd, VIDIOC_QUERYCAP, &cap) ||
	    (cap.device_caps & want) != want) {
		close(n->fd);
		n->fd = -1;
		errno = ENODEV;
		return -1;
	}
	return 0;
}

static void vnode_close(struct vnode *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}

/* Find the control called NAME through VIDIOC_QUERY_EXT_CTRL. */
static bool ctrl_find(int fd, const char *name, struct v4l2_query_ext_ctrl *qc)
{
	__u32 id = V4L2_CTRL_FLAG_NEXT_CTRL;

	for (;;) {
		memset(qc, 0, sizeof(*qc));
		qc->id = id;
		if (ioctl(fd, VIDIOC_QUERY_EXT_CTRL, qc))
			return false;
		if (!strcmp(qc->name, name))
			return true;
		id = qc->id | V4L2_CTRL_FLAG_NEXT_CTRL;
	}
}

/* The value of the menu entry called ITEM, or -1. */
static int menu_index(int fd, const struct v4l2_query_ext_ctrl *qc,
		      const char *item)
{
	struct v4l2_querymenu qm;
	__s64 i;

	for (i = qc->minimum; i <= qc->maximum; i++) {
		memset(&qm, 0, sizeof(qm));
		qm.id = qc->id;
		qm.index = (__u32)i;
		if (!ioctl(fd, VIDIOC_QUERYMENU, &qm) &&
		    !strcmp((char *)qm.name, item))
			return (int)i;
	}
	return -1;
}

static int reqbufs(struct vnode *n, __u32 memory, __u32 count, __u8 flags,
		   struct v4l2_requestbuffers *req)
{
	memset(req, 0, sizeof(*req));
	req->count = count;
	req->type = n->type;
	req->memory = memory;
	req->flags = flags;
	return ioctl(n->fd, VIDIOC_REQBUFS, req);
}

/* Queue MMAP buffer INDEX with FLAGS; *b receives the reply. */
static int qbuf_mmap(struct vnode *n, __u32 index, __u32 flags,
		     struct v4l2_buffer *b)
{
	memset(b, 0, sizeof(*b));
	b->type = n->type;
	b->memory = V4L2_MEMORY_MMAP;
	b->index = index;
	b->flags = flags;
	return ioctl(n->fd, VIDIOC_QBUF, b);
}

/* Queue dma-buf FD as buffer INDEX; a LENGTH of 0 means its whole size. */
static int qbuf_dmabuf(struct vnode *n, __u32 index, int fd, __u32 length,
		       __u32 bytesused)
{
	struct v4l2_buffer b;

	memset(&b, 0, sizeof(b));
	b.type = n->type;
	b.memory = V4L2_MEMORY_DMABUF;
	b.index = index;
	b.m.fd = fd;
	b.length = length;
	b.bytesused = bytesused;
	return ioctl(n->fd, VIDIOC_QBUF, &b);
}

static int stream(struct vnode *n, bool on)
{
	int type = (int)n->type;

	return ioctl(n->fd, on ? VIDIOC_STREAMON : VIDIOC_STREAMOFF, &type);
}

/* Wait for the next filled buffer and dequeue it; ETIMEDOUT after a while. */
static int dequeue(struct vnode *n, __u32 memory, struct v4l2_buffer *b)
{
	struct pollfd pfd = { .fd = n->fd, .events = POLLIN };
	int ret = poll(&pfd, 1, FRAME_MS);

	if (ret <= 0) {
		if (!ret)
			errno = ETIMEDOUT;
		return -1;
	}
	memset(b, 0, sizeof(*b));
	b->type = n->type;
	b->memory = memory;
	return ioctl(n->fd, VIDIOC_DQBUF, b);
}

static int dbuf_sync(int fd, __u64 flags)
{
	struct dma_buf_sync sync = { .flags = flags };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
}

/* Our fdinfo lists a dma-buf's attachments: none may be left. */
static void expect_detached(struct __test_metadata *_metadata, int fd,
			    const char *what)
{
	char val[16];

	fdinfo_value(fd, "attachments", val, sizeof(val));
	if (val[0])
		EXPECT_STREQ("0", val)
			TH_LOG("%s: still attached after its importer let go", what);
}

/* What a test holds, released (and restored) by the teardown. */
struct vivid_test {
	struct vnode node[2];		/* importer (or only node), exporter */
	struct dbuf buf[MAX_BUFS];	/* the test's dma-bufs */
	unsigned int nbufs;
	unsigned char *ref;		/* the reference frame */
	int baseline;			/* dma-bufs in sysfs before, or -1 */
	struct saved saved[MAX_SAVED];
	unsigned int nsaved;
};

/*
 * Set the control called NAME of node N to its menu entry ITEM, or to VAL
 * when ITEM is NULL, saving the old value; -1 if there is no such control
 * or entry.
 */
static int set_ctrl(struct __test_metadata *_metadata,
		    struct vivid_test *t, struct vnode *n,
		    const char *name, const char *item, int val)
{
	struct v4l2_query_ext_ctrl qc;
	struct v4l2_control c;
	struct saved *s;

	if (!ctrl_find(n->fd, name, &qc)) {
		TH_LOG("%s has no control \"%s\"", n->name, name);
		return -1;
	}
	if (item) {
		val = menu_index(n->fd, &qc, item);
		if (val < 0) {
			TH_LOG("control \"%s\" of %s has no entry \"%s\"",
			       name, n->name, item);
			return -1;
		}
	}
	memset(&c, 0, sizeof(c));
	c.id = qc.id;
	EXPECT_EQ(0, ioctl(n->fd, VIDIOC_G_CTRL, &c))
		TH_LOG("VIDIOC_G_CTRL \"%s\": %s", name, strerror(errno));
	if (c.value == val)
		return 0;
	if (t->nsaved < MAX_SAVED) {
		s = &t->saved[t->nsaved++];
		snprintf(s->node, sizeof(s->node), "%s", n->name);
		s->type = n->type;
		s->ctrl = c.id;
		s->val = c.value;
	}
	c.value = val;
	ASSERT_EQ(0, ioctl(n->fd, VIDIOC_S_CTRL, &c))
		TH_LOG("%s: setting \"%s\" to %d: %s", n->name, name, val,
		       strerror(errno));
	return 0;
}

/* Ask for 25 frames a second (TCG is slow enough), saving the old rate. */
static void set_rate(struct vivid_test *t, struct vnode *n)
{
	struct v4l2_streamparm p = { .type = n->type };
	struct saved *s;

	if (ioctl(n->fd, VIDIOC_G_PARM, &p) ||
	    !(p.parm.capture.capability & V4L2_CAP_TIMEPERFRAME) ||
	    t->nsaved == MAX_SAVED)
		return;
	s = &t->saved[t->nsaved++];
	snprintf(s->node, sizeof(s->node), "%s", n->name);
	s->type = n->type;
	s->ctrl = 0;
	s->tpf = p.parm.capture.timeperframe;
	p.parm.capture.timeperframe.numerator = 1;
	p.parm.capture.timeperframe.denominator = 25;
	/* only a matter of time: vivid keeps its rate if it refuses */
	ioctl(n->fd, VIDIOC_S_PARM, &p);
}

static void restore_settings(struct vivid_test *t)
{
	struct v4l2_streamparm p;
	struct v4l2_control c;
	struct saved *s;
	struct vnode n;

	while (t->nsaved) {
		s = &t->saved[--t->nsaved];
		if (vnode_open(&n, s->node, s->type))
			continue;
		if (s->ctrl) {
			c.id = s->ctrl;
			c.value = s->val;
			ioctl(n.fd, VIDIOC_S_CTRL, &c);
		} else {
			memset(&p, 0, sizeof(p));
			p.type = s->type;
			p.parm.capture.timeperframe = s->tpf;
			ioctl(n.fd, VIDIOC_S_PARM, &p);
		}
		vnode_close(&n);
	}
}

/* WIDTHxHEIGHT YUYV on N; a capture node gets exactly that size. */
static void set_format(struct __test_metadata *_metadata, struct vnode *n)
{
	struct v4l2_format f;

	memset(&f, 0, sizeof(f));
	f.type = n->type;
	f.fmt.pix.width = WIDTH;
	f.fmt.pix.height = HEIGHT;
	f.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
	f.fmt.pix.field = V4L2_FIELD_NONE;
	ASSERT_EQ(0, ioctl(n->fd, VIDIOC_S_FMT, &f))
		TH_LOG("VIDIOC_S_FMT on %s: %s", n->name, strerror(errno));
	ASSERT_EQ(V4L2_PIX_FMT_YUYV, f.fmt.pix.pixelformat)
		TH_LOG("%s does not take YUYV", n->name);
	if (n->type == CAP) {
		ASSERT_EQ(WIDTH, f.fmt.pix.width);
		ASSERT_EQ(HEIGHT, f.fmt.pix.height);
	}
	ASSERT_LE(f.fmt.pix.width * 2 * f.fmt.pix.height, f.fmt.pix.sizeimage);
	n->pix = f.fmt.pix;
}

/*
 * A static, deterministic image on capture node N: its first camera input
 * (the others can loop vivid's output back), WIDTHxHEIGHT YUYV, colour
 * squares without on-screen text, without movement, at 25 frames a second.
 */
static void static_image(struct __test_metadata *_metadata,
			 struct vivid_test *t, struct vnode *n)
{
	struct v4l2_input in;
	int index;

	for (index = 0; ; index++) {
		memset(&in, 0, sizeof(in));
		in.index = (__u32)index;
		ASSERT_EQ(0, ioctl(n->fd, VIDIOC_ENUMINPUT, &in))
			TH_LOG("%s has no camera input", n->name);
		if (in.type == V4L2_INPUT_TYPE_CAMERA)
			break;
	}
	ASSERT_EQ(0, ioctl(n->fd, VIDIOC_S_INPUT, &index))
		TH_LOG("VIDIOC_S_INPUT %d on %s: %s", index, n->name,
		       strerror(errno));
	set_format(_metadata, n);
	ASSERT_EQ(0, set_ctrl(_metadata, t, n, "Test Pattern",
			      "100% Color Squares", 0));
	ASSERT_EQ(0, set_ctrl(_metadata, t, n, "OSD Text Mode", "None", 0));
	ASSERT_EQ(0, set_ctrl(_metadata, t, n, "Horizontal Movement",
			      "No Movement", 0));
	ASSERT_EQ(0, set_ctrl(_metadata, t, n, "Vertical Movement",
			      "No Movement", 0));
	ASSERT_EQ(0, set_ctrl(_metadata, t, n, "Fill Percentage of Frame",
			      NULL, 100));
	/* absent with vivid.no_error_inj=1 */
	set_ctrl(_metadata, t, n, "Percentage of Dropped Buffers", NULL, 0);
	set_rate(t, n);
}

/* Whether FRAME equals the reference; the first difference is logged. */
static bool check_frame(struct __test_metadata *_metadata,
			struct vivid_test *t, const unsigned char *frame,
			size_t len, const char *what, unsigned int seq)
{
	size_t i, first = len, poisoned = 0;

	if (!memcmp(frame, t->ref, len))
		return true;
	for (i = 0; i < len; i++) {
		if (frame[i] == t->ref[i])
			continue;
		if (first == len)
			first = i;
		if (frame[i] == POISON)
			poisoned++;
	}
	TH_LOG("%s, frame %u: byte %zu is 0x%02x, not 0x%02x; %zu wrong bytes hold the poison",
	       what, seq, first, frame[first], t->ref[first], poisoned);
	return false;
}

/* QUERYBUF and mmap the first COUNT buffers of the MMAP queue of N. */
static void map_mmap_bufs(struct __test_metadata *_metadata, struct vnode *n,
			  struct dbuf *m, unsigned int count)
{
	struct v4l2_buffer b;
	unsigned int i;
	void *p;

	for (i = 0; i < count; i++) {
		memset(&b, 0, sizeof(b));
		b.type = n->type;
		b.memory = V4L2_MEMORY_MMAP;
		b.index = i;
		ASSERT_EQ(0, ioctl(n->fd, VIDIOC_QUERYBUF, &b))
			TH_LOG("VIDIOC_QUERYBUF %u: %s", i, strerror(errno));
		p = mmap(NULL, b.length, PROT_READ | PROT_WRITE, MAP_SHARED,
			 n->fd, b.m.offset);
		ASSERT_NE(MAP_FAILED, p)
			TH_LOG("mmap of buffer %u of %s: %s", i, n->name,
			       strerror(errno));
		m[i].fd = -1;
		m[i].size = b.length;
		m[i].map = p;
	}
}

static void unmap_mmap_bufs(struct dbuf *m, unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		munmap(m[i].map, m[i].size);
}

/* The reference frame of capture node N, through its own MMAP buffers. */
static void capture_reference(struct __test_metadata *_metadata,
			      struct vivid_test *t, struct vnode *n)
{
	size_t len = n->pix.sizeimage;
	struct v4l2_requestbuffers req;
	struct dbuf m[NBUFS];
	struct v4l2_buffer b;
	unsigned int i;

	t->ref = malloc(len);
	ASSERT_NE(NULL, t->ref);
	ASSERT_EQ(0, reqbufs(n, V4L2_MEMORY_MMAP, NBUFS, 0, &req))
		TH_LOG("REQBUFS MMAP on %s: %s", n->name, strerror(errno));
	ASSERT_LE(NBUFS, req.count);
	map_mmap_bufs(_metadata, n, m, NBUFS);
	for (i = 0; i < NBUFS; i++)
		ASSERT_EQ(0, qbuf_mmap(n, i, 0, &b))
			TH_LOG("QBUF MMAP %u: %s", i, strerror(errno));
	ASSERT_EQ(0, stream(n, true))
		TH_LOG("STREAMON on %s: %s", n->name, strerror(errno));
	for (i = 0; i < REF_FRAMES; i++) {
		ASSERT_EQ(0, dequeue(n, V4L2_MEMORY_MMAP, &b))
			TH_LOG("%s: no frame: %s", n->name, strerror(errno));
		ASSERT_GT(NBUFS, b.index);
		ASSERT_EQ(0U, b.flags & V4L2_BUF_FLAG_ERROR);
		ASSERT_EQ(len, b.bytesused);
		if (i == REF_FRAMES - 2)
			memcpy(t->ref, m[b.index].map, len);
		if (i == REF_FRAMES - 1)
			ASSERT_TRUE(check_frame(_metadata, t, m[b.index].map,
						len, "reference", b.sequence))
				TH_LOG("the image of %s is not static", n->name);
		ASSERT_EQ(0, qbuf_mmap(n, b.index, 0, &b));
	}
	ASSERT_EQ(0, stream(n, false));
	unmap_mmap_bufs(m, NBUFS);
	ASSERT_EQ(0, reqbufs(n, V4L2_MEMORY_MMAP, 0, 0, &req));
}

/* Add dma-buf FD to the test's buffers, mapped when MAP is set. */
static void add_dbuf(struct __test_metadata *_metadata,
		     struct vivid_test *t, int fd, bool map)
{
	struct dbuf *d;
	off_t size;
	void *p;

	ASSERT_GT(MAX_BUFS, t->nbufs);
	d = &t->buf[t->nbufs++];
	d->fd = fd;
	d->map = NULL;
	size = lseek(fd, 0, SEEK_END);
	ASSERT_LT(0, size) TH_LOG("size of a dma-buf: %s", strerror(errno));
	d->size = (size_t)size;
	if (!map)
		return;
	p = mmap(NULL, d->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap of a dma-buf: %s", strerror(errno));
	d->map = p;
}

static void put_dbufs(struct vivid_test *t)
{
	unsigned int i;

	for (i = 0; i < t->nbufs; i++) {
		if (t->buf[i].map)
			munmap(t->buf[i].map, t->buf[i].size);
		close(t->buf[i].fd);
	}
	t->nbufs = 0;
}

/* Fill D with the poison, through its mapping. */
static void poison(struct __test_metadata *_metadata, struct dbuf *d)
{
	ASSERT_EQ(0, dbuf_sync(d->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));
	memset(d->map, POISON, d->size);
	ASSERT_EQ(0, dbuf_sync(d->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));
}

/*
 * Stream FRAMES frames on the DMABUF queue of N, whose buffers the caller
 * requested: queue buffer i always takes dma-buf FIRST + i of the test.
 * Every frame must equal the reference.
 */
static void stream_imports(struct __test_metadata *_metadata,
			   struct vivid_test *t, struct vnode *n,
			   unsigned int first, unsigned int count)
{
	size_t len = n->pix.sizeimage;
	unsigned int i, bad = 0;
	struct v4l2_buffer b;
	struct dbuf *d;

	ASSERT_GE(t->nbufs, first + count);
	for (i = 0; i < count; i++) {
		d = &t->buf[first + i];
		poison(_metadata, d);
		ASSERT_EQ(0, qbuf_dmabuf(n, i, d->fd, (__u32)d->size, 0))
			TH_LOG("QBUF of dma-buf %u on %s: %s", first + i,
			       n->name, strerror(errno));
	}
	ASSERT_EQ(0, stream(n, true))
		TH_LOG("STREAMON on %s: %s", n->name, strerror(errno));
	for (i = 0; i < FRAMES; i++) {
		ASSERT_EQ(0, dequeue(n, V4L2_MEMORY_DMABUF, &b))
			TH_LOG("%s, frame %u: %s", n->name, i, strerror(errno));
		ASSERT_GT(count, b.index);
		EXPECT_EQ(0U, b.flags & V4L2_BUF_FLAG_ERROR);
		EXPECT_EQ(len, b.bytesused);
		d = &t->buf[first + b.index];
		ASSERT_EQ(0, dbuf_sync(d->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
		if (!check_frame(_metadata, t, d->map, len, n->name,
				 b.sequence))
			bad++;
		memset(d->map, POISON, d->size);
		ASSERT_EQ(0, dbuf_sync(d->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
		ASSERT_EQ(0, qbuf_dmabuf(n, b.index, d->fd, (__u32)d->size, 0))
			TH_LOG("QBUF of dma-buf %u again: %s", first + b.index,
			       strerror(errno));
	}
	ASSERT_EQ(0, stream(n, false));
	EXPECT_EQ(0U, bad)
		TH_LOG("%u of %u frames in imported dma-bufs are wrong", bad, FRAMES);
}

/* Close the test's dma-bufs and nodes (which releases their queues). */
static void release_all(struct vivid_test *t)
{
	unsigned int i;

	put_dbufs(t);
	for (i = 0; i < 2; i++)
		vnode_close(&t->node[i]);
	free(t->ref);
	t->ref = NULL;
}

/* With everything closed, every dma-buf of the test must be gone. */
static void expect_no_leak(struct __test_metadata *_metadata,
			   struct vivid_test *t)
{
	int i, now = -1;

	release_all(t);
	if (t->baseline < 0) {
		TH_LOG("no /sys/kernel/dmabuf/buffers (CONFIG_DMABUF_SYSFS_STATS): no leak check");
		return;
	}
	for (i = 0; i < 200; i++) {
		now = dmabuf_sysfs_count();
		if (now == t->baseline)
			return;
		usleep(10000);
	}
	EXPECT_EQ(t->baseline, now)
		TH_LOG("/sys/kernel/dmabuf/buffers: %d entries before the test, %d after it",
		       t->baseline, now);
}

FIXTURE(vivid) {
	struct vivid_test t;
};

FIXTURE_SETUP(vivid)
{
	struct vivid_test *t = &self->t;
	unsigned int i;

	for (i = 0; i < 2; i++)
		t->node[i].fd = -1;
	t->nbufs = 0;
	t->ref = NULL;
	t->nsaved = 0;
	t->baseline = dmabuf_sysfs_count();
}

FIXTURE_TEARDOWN(vivid)
{
	struct vivid_test *t = &self->t;

	release_all(t);
	restore_settings(t);
}

/*
 * NBUFS MMAP buffers of the exporter node[1], allocated with the REQBUFS
 * memory FLAGS and exported with VIDIOC_EXPBUF, imported into the DMABUF
 * queue of capture node node[0] and streamed into.
 */
static void export_import(struct __test_metadata *_metadata,
			  struct vivid_test *t, __u8 flags)
{
	struct vnode *imp = &t->node[0], *exp = &t->node[1];
	struct v4l2_requestbuffers req;
	struct v4l2_exportbuffer e;
	unsigned int i;

	static_image(_metadata, t, imp);
	set_format(_metadata, exp);
	ASSERT_LE(imp->pix.sizeimage, exp->pix.sizeimage)
		TH_LOG("%s buffers are too small for %s", exp->name, imp->name);
	capture_reference(_metadata, t, imp);

	ASSERT_EQ(0, reqbufs(exp, V4L2_MEMORY_MMAP, NBUFS, flags, &req))
		TH_LOG("REQBUFS MMAP on %s: %s", exp->name, strerror(errno));
	ASSERT_LE(NBUFS, req.count);
	if (flags & NON_COHERENT) {
		ASSERT_EQ(CACHE_HINTS, req.capabilities & CACHE_HINTS)
			TH_LOG("%s does not report V4L2_BUF_CAP_SUPPORTS_MMAP_CACHE_HINTS",
			       exp->name);
		ASSERT_EQ(NON_COHERENT, req.flags)
			TH_LOG("REQBUFS on %s dropped V4L2_MEMORY_FLAG_NON_COHERENT",
			       exp->name);
	}
	for (i = 0; i < NBUFS; i++) {
		memset(&e, 0, sizeof(e));
		e.type = exp->type;
		e.index = i;
		e.flags = O_RDWR | O_CLOEXEC;
		ASSERT_EQ(0, ioctl(exp->fd, VIDIOC_EXPBUF, &e))
			TH_LOG("EXPBUF %u of %s: %s", i, exp->name, strerror(errno));
		add_dbuf(_metadata, t, e.fd, true);
		ASSERT_LE(imp->pix.sizeimage, t->buf[i].size);
	}

	ASSERT_EQ(0, reqbufs(imp, V4L2_MEMORY_DMABUF, NBUFS, 0, &req))
		TH_LOG("REQBUFS DMABUF on %s: %s", imp->name, strerror(errno));
	ASSERT_LE(NBUFS, req.count);
	stream_imports(_metadata, t, imp, 0, NBUFS);
	ASSERT_EQ(0, reqbufs(imp, V4L2_MEMORY_DMABUF, 0, 0, &req));
	for (i = 0; i < NBUFS; i++)
		expect_detached(_metadata, t->buf[i].fd, "exported buffer");

	/* the exporter's buffers go with their dma-bufs and its queue */
	put_dbufs(t);
	ASSERT_EQ(0, reqbufs(exp, V4L2_MEMORY_MMAP, 0, 0, &req));
	expect_no_leak(_metadata, t);
}

#define NEED_DC		"vivid-001 is not on dma-contig (vivid.allocators=0,1)"
#define NEED_HINTS	"vivid-001 takes no cache hints (vivid.cache_hints=0,1)"
#define NEED_NODES	"no vivid nodes (vivid.n_devs=2)"
#define BOUNCING	"swiotlb=force: dma-contig imports need not be contiguous"

/* 1: dma-contig exports, dma-contig imports. */
TEST_F_TIMEOUT(vivid, dc_export_to_dc, 120)
{
	struct vivid_test *t = &self->t;

	if (not_dma_contig(1, false))
		SKIP(return, NEED_DC);
	if (swiotlb_forced())
		SKIP(return, BOUNCING);
	if (vnode_open(&t->node[0], "vivid-001-vid-cap", CAP) ||
	    vnode_open(&t->node[1], "vivid-001-vid-out", OUT))
		SKIP(return, NEED_NODES ": %s", strerror(errno));
	export_import(_metadata, t, 0);
}

/* 2: the same from non-coherent MMAP buffers. */
TEST_F_TIMEOUT(vivid, dc_noncoherent_export_to_dc, 120)
{
	struct vivid_test *t = &self->t;

	if (not_dma_contig(1, false))
		SKIP(return, NEED_DC);
	if (swiotlb_forced())
		SKIP(return, BOUNCING);
	if (not_dma_contig(1, true))
		SKIP(return, NEED_HINTS);
	if (vnode_open(&t->node[0], "vivid-001-vid-cap", CAP) ||
	    vnode_open(&t->node[1], "vivid-001-vid-out", OUT))
		SKIP(return, NEED_NODES ": %s", strerror(errno));
	export_import(_metadata, t, NON_COHERENT);
}

/* 3: dma-contig exports, vmalloc imports (and writes through a vmap). */
TEST_F_TIMEOUT(vivid, dc_export_to_vmalloc, 120)
{
	struct vivid_test *t = &self->t;

	if (not_dma_contig(1, false))
		SKIP(return, NEED_DC);
	if (vivid_param("allocators", 0) > 0)
		SKIP(return, "vivid-000 is not on vmalloc (vivid.allocators=0,1)");
	if (vnode_open(&t->node[0], "vivid-000-vid-cap", CAP) ||
	    vnode_open(&t->node[1], "vivid-001-vid-cap", CAP))
		SKIP(return, NEED_NODES ": %s", strerror(errno));
	export_import(_metadata, t, 0);
}

/*
 * 4: MMAP streaming from non-coherent buffers, every other buffer queued
 * with V4L2_BUF_FLAG_NO_CACHE_INVALIDATE | V4L2_BUF_FLAG_NO_CACHE_CLEAN
 * (the CPU writes the poison only into buffers queued without them);
 * CREATE_BUFS adds buffers of the queue's coherency only.
 */
TEST_F_TIMEOUT(vivid, dc_mmap_cache_hints, 120)
{
	struct vivid_test *t = &self->t;
	struct vnode *n = &t->node[0];
	unsigned int i, count, queued = 0, bad = 0;
	struct v4l2_requestbuffers req;
	struct v4l2_create_buffers cb;
	struct dbuf m[MAX_BUFS];
	struct v4l2_buffer b;
	__u32 hint;
	size_t len;

	if (not_dma_contig(1, false))
		SKIP(return, NEED_DC);
	if (not_dma_contig(1, true))
		SKIP(return, NEED_HINTS);
	if (vnode_open(n, "vivid-001-vid-cap", CAP))
		SKIP(return, NEED_NODES ": %s", strerror(errno));
	static_image(_metadata, t, n);
	capture_reference(_metadata, t, n);
	len = n->pix.sizeimage;

	ASSERT_EQ(0, reqbufs(n, V4L2_MEMORY_MMAP, NBUFS, NON_COHERENT, &req))
		TH_LOG("REQBUFS MMAP non-coherent: %s", strerror(errno));
	ASSERT_EQ(CACHE_HINTS, req.capabilities & CACHE_HINTS);
	ASSERT_EQ(NON_COHERENT, req.flags)
		TH_LOG("REQBUFS dropped V4L2_MEMORY_FLAG_NON_COHERENT");
	ASSERT_LE(NBUFS, req.count);
	ASSERT_GT(MAX_BUFS, req.count);
	count = req.count;

	memset(&cb, 0, sizeof(cb));
	cb.count = 1;
	cb.memory = V4L2_MEMORY_MMAP;
	cb.flags = NON_COHERENT;
	cb.format.type = n->type;
	ASSERT_EQ(0, ioctl(n->fd, VIDIOC_G_FMT, &cb.format));
	ASSERT_EQ(0, ioctl(n->fd, VIDIOC_CREATE_BUFS, &cb))
		TH_LOG("CREATE_BUFS non-coherent: %s", strerror(errno));
	EXPECT_EQ(NON_COHERENT, cb.flags);
	EXPECT_EQ(count, cb.index);
	ASSERT_GE(MAX_BUFS, count + cb.count);
	count += cb.count;
	cb.count = 1;
	cb.flags = 0;
	EXPECT_EQ(-1, ioctl(n->fd, VIDIOC_CREATE_BUFS, &cb))
		TH_LOG("CREATE_BUFS added coherent buffers to a non-coherent queue");
	EXPECT_EQ(EINVAL, errno);

	map_mmap_bufs(_metadata, n, m, count);
	for (i = 0; i < count; i++) {
		hint = queued++ & 1 ? NO_CACHE_SYNC : 0;
		if (!hint)
			memset(m[i].map, POISON, len);
		ASSERT_EQ(0, qbuf_mmap(n, i, hint, &b))
			TH_LOG("QBUF %u, flags 0x%x: %s", i, hint, strerror(errno));
	}
	ASSERT_EQ(0, stream(n, true));
	for (i = 0; i < FRAMES; i++) {
		ASSERT_EQ(0, dequeue(n, V4L2_MEMORY_MMAP, &b))
			TH_LOG("frame %u: %s", i, strerror(errno));
		ASSERT_GT(count, b.index);
		EXPECT_EQ(0U, b.flags & V4L2_BUF_FLAG_ERROR);
		EXPECT_EQ(len, b.bytesused);
		if (!check_frame(_metadata, t, m[b.index].map, len,
				 "non-coherent MMAP", b.sequence))
			bad++;
		hint = queued++ & 1 ? NO_CACHE_SYNC : 0;
		if (!hint)
			memset(m[b.index].map, POISON, len);
		ASSERT_EQ(0, qbuf_mmap(n, b.index, hint, &b))
			TH_LOG("QBUF, flags 0x%x: %s", hint, strerror(errno));
	}
	ASSERT_EQ(0, stream(n, false));
	EXPECT_EQ(0U, bad) TH_LOG("%u of %u frames are wrong", bad, FRAMES);
	unmap_mmap_bufs(m, count);
	ASSERT_EQ(0, reqbufs(n, V4L2_MEMORY_MMAP, 0, 0, &req));
	expect_no_leak(_metadata, t);
}

/*
 * 4, continued: a queue that takes no cache hints (vivid-000) clears
 * V4L2_MEMORY_FLAG_NON_COHERENT in the replies of REQBUFS and CREATE_BUFS
 * and the no-cache-sync flags in the reply of QBUF; a DMABUF queue clears
 * the memory flag too, with or without hints.
 */
TEST_F(vivid, cache_hints_cleared)
{
	struct vivid_test *t = &self->t;
	struct vnode *n = &t->node[0], *dc = &t->node[1];
	struct v4l2_requestbuffers req;
	struct v4l2_create_buffers cb;
	struct v4l2_buffer b;

	if (vivid_param("cache_hints", 0) > 0)
		SKIP(return, "vivid-000 takes cache hints (vivid.cache_hints=0,1)");
	if (vnode_open(n, "vivid-000-vid-cap", CAP))
		SKIP(return, NEED_NODES ": %s", strerror(errno));
	set_format(_metadata, n);

	ASSERT_EQ(0, reqbufs(n, V4L2_MEMORY_MMAP, 2, NON_COHERENT, &req))
		TH_LOG("REQBUFS: %s", strerror(errno));
	EXPECT_EQ(0, req.flags)
		TH_LOG("REQBUFS kept V4L2_MEMORY_FLAG_NON_COHERENT without cache hints");
	EXPECT_EQ(0U, req.capabilities & CACHE_HINTS);

	memset(&cb, 0, sizeof(cb));
	cb.count = 1;
	cb.memory = V4L2_MEMORY_MMAP;
	cb.flags = NON_COHERENT;
	cb.format.type = n->type;
	ASSERT_EQ(0, ioctl(n->fd, VIDIOC_G_FMT, &cb.format));
	ASSERT_EQ(0, ioctl(n->fd, VIDIOC_CREATE_BUFS, &cb))
		TH_LOG("CREATE_BUFS: %s", strerror(errno));
	EXPECT_EQ(0U, cb.flags)
		TH_LOG("CREATE_BUFS kept V4L2_MEMORY_FLAG_NON_COHERENT without cache hints");

	ASSERT_EQ(0, qbuf_mmap(n, 0, NO_CACHE_SYNC, &b))
		TH_LOG("QBUF: %s", strerror(errno));
	EXPECT_EQ(0U, b.flags & NO_CACHE_SYNC)
		TH_LOG("QBUF kept the no-cache-sync flags without cache hints");
	ASSERT_EQ(0, stream(n, false));
	ASSERT_EQ(0, reqbufs(n, V4L2_MEMORY_MMAP, 0, 0, &req));

	if (!not_dma_contig(1, true) &&
	    !vnode_open(dc, "vivid-001-vid-cap", CAP)) {
		ASSERT_EQ(0, reqbufs(dc, V4L2_MEMORY_DMABUF, 2, NON_COHERENT, &req))
			TH_LOG("REQBUFS DMABUF: %s", strerror(errno));
		EXPECT_EQ(0, req.flags)
			TH_LOG("REQBUFS DMABUF kept V4L2_MEMORY_FLAG_NON_COHERENT");
		EXPECT_EQ(CACHE_HINTS, req.capabilities & CACHE_HINTS);
		ASSERT_EQ(0, reqbufs(dc, V4L2_MEMORY_DMABUF, 0, 0, &req));
	} else {
		TH_LOG("no vivid-001-vid-cap with cache hints: DMABUF not checked");
	}
	expect_no_leak(_metadata, t);
}

/* 5: the CMA heap (contiguous, below 4 GiB) imported by dma-contig. */
TEST_F_TIMEOUT(vivid, cma_heap_to_dc, 120)
{
	struct vivid_test *t = &self->t;
	struct vnode *n = &t->node[0];
	struct v4l2_requestbuffers req;
	unsigned int i;
	size_t size;
	int fd;

	if (not_dma_contig(1, false))
		SKIP(return, NEED_DC);
	if (swiotlb_forced())
		SKIP(return, BOUNCING);
	if (access("/dev/dma_heap/reserved", F_OK))
		SKIP(return, "no CMA heap /dev/dma_heap/reserved (cma=)");
	if (vnode_open(n, "vivid-001-vid-cap", CAP))
		SKIP(return, NEED_NODES ": %s", strerror(errno));
	static_image(_metadata, t, n);
	capture_reference(_metadata, t, n);

	size = page_round(n->pix.sizeimage);
	for (i = 0; i < NBUFS; i++) {
		fd = heap_buffer_named("reserved", size);
		ASSERT_LE(0, fd) TH_LOG("CMA heap, %zu bytes: %s", size,
					strerror(errno));
		add_dbuf(_metadata, t, fd, true);
	}
	ASSERT_EQ(0, reqbufs(n, V4L2_MEMORY_DMABUF, NBUFS, 0, &req))
		TH_LOG("REQBUFS DMABUF: %s", strerror(errno));
	ASSERT_LE(NBUFS, req.count);
	stream_imports(_metadata, t, n, 0, NBUFS);
	ASSERT_EQ(0, reqbufs(n, V4L2_MEMORY_DMABUF, 0, 0, &req));
	for (i = 0; i < NBUFS; i++)
		expect_detached(_metadata, t->buf[i].fd, "CMA buffer");
	expect_no_leak(_metadata, t);
}

/*
 * 6: a udmabuf of one 2 MiB hugetlb page, its second half first, is not
 * contiguous for the device however it is mapped. Mapped directly, the
 * first half starts below the end of the second. Bounced through swiotlb
 * (memory beyond vivid's 32-bit DMA mask), each DMA segment takes slots of
 * its own, and no segment crosses a 256 KiB slot segment: at 640x480 each
 * half is four 64 KiB segments and one of 44 KiB, so at some point a
 * segment does not fit where the one before it ended.
 * 6.12's dma-contig refuses it at QBUF with EFAULT; the same queue index
 * then takes a CMA buffer and streams.
 */
TEST_F_TIMEOUT(vivid, noncontiguous_import, 120)
{
	struct vivid_test *t = &self->t;
	struct vnode *n = &t->node[0];
	struct udmabuf_create_item item[2];
	struct v4l2_requestbuffers req;
	int dev, memfd, fd;
	size_t size, half;
	char path[160];
	unsigned int i;

	if (not_dma_contig(1, false))
		SKIP(return, NEED_DC);
	if (swiotlb_forced())
		SKIP(return, BOUNCING);
	if (access("/dev/dma_heap/reserved", F_OK) || access("/dev/udmabuf", F_OK))
		SKIP(return, "needs /dev/dma_heap/reserved (cma=) and /dev/udmabuf");
	if (vnode_open(n, "vivid-001-vid-cap", CAP))
		SKIP(return, NEED_NODES ": %s", strerror(errno));
	snprintf(path, sizeof(path), "/sys/class/video4linux/%s/device/iommu_group",
		 n->sys);
	if (!access(path, F_OK))
		SKIP(return, "%s is behind an IOMMU: any buffer is contiguous for it",
		     n->name);
	if (free_huge_2m() < 1)
		SKIP(return, "no free 2 MiB hugetlb page (hugepages=)");
	memfd = memfd_create("dmabuf-vb2", MFD_HUGETLB | MFD_HUGE_2MB |
			     MFD_ALLOW_SEALING | MFD_CLOEXEC);
	ASSERT_LE(0, memfd) TH_LOG("hugetlb memfd: %s", strerror(errno));
	ASSERT_EQ(0, ftruncate(memfd, HUGE_2M));
	ASSERT_EQ(0, fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK));

	static_image(_metadata, t, n);
	capture_reference(_metadata, t, n);
	size = page_round(n->pix.sizeimage);
	ASSERT_GE(HUGE_2M, size);
	half = page_round(size / 2);
	memset(item, 0, sizeof(item));
	item[0].memfd = (__u32)memfd;
	item[0].offset = half;
	item[0].size = size - half;
	item[1].memfd = (__u32)memfd;
	item[1].offset = 0;
	item[1].size = half;
	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev) TH_LOG("/dev/udmabuf: %s", strerror(errno));
	fd = udmabuf_create_list(dev, item, 2, UDMABUF_FLAGS_CLOEXEC);
	close(dev);
	ASSERT_LE(0, fd) TH_LOG("UDMABUF_CREATE_LIST of a hugetlb memfd: %s",
				strerror(errno));
	close(memfd);
	add_dbuf(_metadata, t, fd, false);

	ASSERT_EQ(0, reqbufs(n, V4L2_MEMORY_DMABUF, NBUFS, 0, &req))
		TH_LOG("REQBUFS DMABUF: %s", strerror(errno));
	ASSERT_LE(NBUFS, req.count);
	ASSERT_EQ(-1, qbuf_dmabuf(n, 0, fd, (__u32)size, 0))
		TH_LOG("%s took a udmabuf whose halves are swapped", n->name);
	ASSERT_EQ(EFAULT, errno) TH_LOG("QBUF: %s", strerror(errno));
	expect_detached(_metadata, fd, "refused udmabuf");

	for (i = 0; i < NBUFS; i++) {
		fd = heap_buffer_named("reserved", size);
		ASSERT_LE(0, fd) TH_LOG("CMA heap, %zu bytes: %s", size,
					strerror(errno));
		add_dbuf(_metadata, t, fd, true);
	}
	stream_imports(_metadata, t, n, 1, NBUFS);
	ASSERT_EQ(0, reqbufs(n, V4L2_MEMORY_DMABUF, 0, 0, &req));
	for (i = 1; i <= NBUFS; i++)
		expect_detached(_metadata, t->buf[i].fd, "CMA buffer");
	expect_no_leak(_metadata, t);
}

/*
 * 7: short dma-bufs and descriptors of no dma-buf get the errno of 6.12's
 * videobuf2: a length below the queue's plane size is EINVAL (a length of
 * 0 stands for the dma-buf's size), a length beyond the dma-buf EFAULT
 * (dma-contig's attach), an fd of no dma-buf EINVAL; on an output queue,
 * bytesused beyond the plane is EINVAL. (vivid is single-planar here, so
 * there is no data_offset to get wrong.) The index then takes a buffer
 * that is large enough.
 */
TEST_F(vivid, short_import)
{
	struct vivid_test *t = &self->t;
	struct vnode *cap = &t->node[0], *out = &t->node[1];
	size_t pg = (size_t)getpagesize(), size, small;
	struct v4l2_requestbuffers req;
	int shortfd, good, memfd;

	if (not_dma_contig(1, false))
		SKIP(return, NEED_DC);
	if (swiotlb_forced())
		SKIP(return, BOUNCING);
	if (access("/dev/dma_heap/reserved", F_OK))
		SKIP(return, "no CMA heap /dev/dma_heap/reserved (cma=)");
	if (vnode_open(cap, "vivid-001-vid-cap", CAP) ||
	    vnode_open(out, "vivid-001-vid-out", OUT))
		SKIP(return, NEED_NODES ": %s", strerror(errno));
	set_format(_metadata, cap);
	set_format(_metadata, out);
	size = page_round(cap->pix.sizeimage > out->pix.sizeimage ?
			  cap->pix.sizeimage : out->pix.sizeimage);
	small = page_round(cap->pix.sizeimage) - pg;
	ASSERT_GT(out->pix.sizeimage, small);

	shortfd = heap_buffer_named("reserved", small);
	ASSERT_LE(0, shortfd) TH_LOG("CMA heap: %s", strerror(errno));
	add_dbuf(_metadata, t, shortfd, false);
	good = heap_buffer_named("reserved", size);
	ASSERT_LE(0, good) TH_LOG("CMA heap: %s", strerror(errno));
	add_dbuf(_metadata, t, good, false);

	ASSERT_EQ(0, reqbufs(cap, V4L2_MEMORY_DMABUF, 1, 0, &req))
		TH_LOG("REQBUFS DMABUF: %s", strerror(errno));
	EXPECT_EQ(-1, qbuf_dmabuf(cap, 0, shortfd, 0, 0));
	EXPECT_EQ(EINVAL, errno) TH_LOG("length 0: %s", strerror(errno));
	EXPECT_EQ(-1, qbuf_dmabuf(cap, 0, shortfd, (__u32)small, 0));
	EXPECT_EQ(EINVAL, errno) TH_LOG("length %zu: %s", small, strerror(errno));
	expect_detached(_metadata, shortfd, "short buffer");

	EXPECT_EQ(-1, qbuf_dmabuf(cap, 0, -1, 0, 0));
	EXPECT_EQ(EINVAL, errno) TH_LOG("fd -1: %s", strerror(errno));
	memfd = memfd_create("dmabuf-vb2", MFD_CLOEXEC);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, (off_t)size));
	EXPECT_EQ(-1, qbuf_dmabuf(cap, 0, memfd, (__u32)size, 0));
	EXPECT_EQ(EINVAL, errno) TH_LOG("a memfd: %s", strerror(errno));
	close(memfd);

	EXPECT_EQ(0, qbuf_dmabuf(cap, 0, good, 0, 0))
		TH_LOG("QBUF of a large enough CMA buffer: %s", strerror(errno));
	ASSERT_EQ(0, stream(cap, false));
	ASSERT_EQ(0, reqbufs(cap, V4L2_MEMORY_DMABUF, 0, 0, &req));

	ASSERT_EQ(0, reqbufs(out, V4L2_MEMORY_DMABUF, 1, 0, &req))
		TH_LOG("REQBUFS DMABUF on %s: %s", out->name, strerror(errno));
	EXPECT_EQ(-1, qbuf_dmabuf(out, 0, good, 0, out->pix.sizeimage + 1));
	EXPECT_EQ(EINVAL, errno) TH_LOG("bytesused beyond the plane: %s",
					strerror(errno));
	EXPECT_EQ(-1, qbuf_dmabuf(out, 0, shortfd, 0, (__u32)small));
	EXPECT_EQ(EINVAL, errno) TH_LOG("short output buffer: %s", strerror(errno));
	EXPECT_EQ(0, qbuf_dmabuf(out, 0, good, 0, out->pix.sizeimage))
		TH_LOG("QBUF on %s: %s", out->name, strerror(errno));
	ASSERT_EQ(0, stream(out, false));
	ASSERT_EQ(0, reqbufs(out, V4L2_MEMORY_DMABUF, 0, 0, &req));
	expect_detached(_metadata, shortfd, "short buffer");
	expect_detached(_metadata, good, "CMA buffer");
	expect_no_leak(_metadata, t);
}

/*
 * A plane length that claims more than the dma-buf holds passes the core's
 * minimum-length check and is refused by dma-contig's attach: EFAULT, and
 * the queue must not keep a reference to the dma-buf.
 */
TEST_F(vivid, claimed_length_beyond_buffer)
{
	struct vivid_test *t = &self->t;
	struct vnode *cap = &t->node[0];
	size_t small;
	struct v4l2_requestbuffers req;
	int shortfd;

	if (not_dma_contig(1, false))
		SKIP(return, NEED_DC);
	if (swiotlb_forced())
		SKIP(return, BOUNCING);
	if (access("/dev/dma_heap/reserved", F_OK))
		SKIP(return, "no CMA heap /dev/dma_heap/reserved (cma=)");
	if (vnode_open(cap, "vivid-001-vid-cap", CAP))
		SKIP(return, NEED_NODES ": %s", strerror(errno));
	set_format(_metadata, cap);
	small = page_round(cap->pix.sizeimage) - (size_t)getpagesize();

	shortfd = heap_buffer_named("reserved", small);
	ASSERT_LE(0, shortfd) TH_LOG("CMA heap: %s", strerror(errno));
	add_dbuf(_metadata, t, shortfd, false);

	ASSERT_EQ(0, reqbufs(cap, V4L2_MEMORY_DMABUF, 1, 0, &req))
		TH_LOG("REQBUFS DMABUF: %s", strerror(errno));
	EXPECT_EQ(-1, qbuf_dmabuf(cap, 0, shortfd, cap->pix.sizeimage, 0));
	EXPECT_EQ(EFAULT, errno) TH_LOG("length %u: %s", cap->pix.sizeimage,
					strerror(errno));
	expect_detached(_metadata, shortfd, "short buffer");
	ASSERT_EQ(0, reqbufs(cap, V4L2_MEMORY_DMABUF, 0, 0, &req));
	expect_no_leak(_metadata, t);
}

TEST_HARNESS_MAIN
