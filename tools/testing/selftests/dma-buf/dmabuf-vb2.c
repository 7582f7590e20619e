// SPDX-License-Identifier: GPL-2.0
/*
 * videobuf2's dma-contig allocator as dma-buf exporter and importer, on
 * vivid booted with vivid.n_devs=3 vivid.allocators=0,1,1
 * vivid.cache_hints=0,1,0 vivid.multiplanar=1,1,2
 * vivid.node_types=0xe1d3d,0xe1d3d,0x101: instance 0 allocates with
 * vmalloc, instance 1 with dma-contig and takes userspace cache hints,
 * instance 2 is multi-planar on dma-contig with only a video capture and
 * a video output node. Only the multi-planar cases use vivid-002; they
 * skip without it.
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
 * device, too small, not a dma-buf; 1000 frames through CMA-heap dma-bufs
 * paired with queue indices or rotating across them, each attached and
 * mapped once in all (the attachment lines of our fdinfo); vgem dumb
 * buffers shared with PRIME, imported by vmalloc; misuse of a DMABUF
 * queue; a dma-buf whose fd is closed while it is queued; on vivid-002's
 * multi-planar output, NV12M with a CMA-heap dma-buf per plane: data
 * offsets at or past a plane's payload, planes arrays that are short,
 * missing or longer than VIDEO_MAX_PLANES, and a second plane whose
 * dma-buf is too small, each refused with its errno before the queue
 * takes any dma-buf, next to the valid forms, which stream. After each
 * case, with every descriptor closed, /sys/kernel/dmabuf/buffers holds
 * what it held before.
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
#include <sys/mount.h>
#include <sys/stat.h>
#include <linux/dma-buf.h>
#include <linux/memfd.h>
#include <linux/udmabuf.h>
#include <linux/videodev2.h>
#include <drm/drm.h>
#include <drm/drm_mode.h>

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
#define OUT_MP		V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE
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

/* The device capability of a node that streams buffers of TYPE. */
static __u32 type_cap(__u32 type)
{
	if (type == CAP)
		return V4L2_CAP_VIDEO_CAPTURE;
	return type == OUT_MP ? V4L2_CAP_VIDEO_OUTPUT_MPLANE : V4L2_CAP_VIDEO_OUTPUT;
}

/* Open the node called NAME, which must stream buffers of TYPE. */
static int vnode_open(struct vnode *n, const char *name, __u32 type)
{
	__u32 want = V4L2_CAP_STREAMING | type_cap(type);
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

/*
 * Wait for the next done buffer and dequeue it; ETIMEDOUT after a while.
 * A multi-planar queue reports the buffer's planes in PLANES, which has
 * room for NPLANES.
 */
static int dequeue_planes(struct vnode *n, __u32 memory, struct v4l2_buffer *b,
			  struct v4l2_plane *planes, __u32 nplanes)
{
	struct pollfd pfd = {
		.fd = n->fd,
		.events = V4L2_TYPE_IS_OUTPUT(n->type) ? POLLOUT : POLLIN,
	};
	int ret = poll(&pfd, 1, FRAME_MS);

	if (ret <= 0) {
		if (!ret)
			errno = ETIMEDOUT;
		return -1;
	}
	memset(b, 0, sizeof(*b));
	b->type = n->type;
	b->memory = memory;
	b->m.planes = planes;
	b->length = nplanes;
	return ioctl(n->fd, VIDIOC_DQBUF, b);
}

static int dequeue(struct vnode *n, __u32 memory, struct v4l2_buffer *b)
{
	return dequeue_planes(n, memory, b, NULL, 0);
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

/* The references to the file of dma-buf FD, procfs' own aside; -1 if unknown. */
static long dbuf_refs(int fd)
{
	char val[32];

	fdinfo_value(fd, "count", val, sizeof(val));
	return val[0] ? strtol(val, NULL, 10) : -1;
}

/* The dma-buf FD (number NR) has REFS references and no attachment. */
static void expect_let_go(struct __test_metadata *_metadata, int fd,
			  unsigned int nr, long refs, const char *what)
{
	EXPECT_EQ(refs, dbuf_refs(fd))
		TH_LOG("%s: the queue holds a reference to dma-buf %u", what, nr);
	expect_detached(_metadata, fd, what);
}

/* What a test holds, released (and restored) by the teardown. */
struct vivid_test {
	struct vnode node[2];		/* importer (or only node), exporter */
	struct dbuf buf[MAX_BUFS];	/* the test's dma-bufs */
	unsigned int nbufs;
	int drm;			/* the vgem device, or -1 */
	unsigned char *ref;		/* the reference frame */
	int baseline;			/* dma-bufs in sysfs before, or -1 */
	struct saved saved[MAX_SAVED];
	unsigned int nsaved;
	char trace[64];			/* tracefs while recording, or "" */
	char tracing_on[8];		/* its tracing_on before */
	bool trace_mounted;		/* tracefs mounted by the test */
};

/* The dma_buf trace events of an attachment that long streams count. */
static const char * const att_events[] = {
	"dma_buf_attach", "dma_buf_map", "dma_buf_unmap", "dma_buf_detach",
};

#define NR_ATT_EVENTS	ARRAY_SIZE(att_events)

static int trace_write(const struct vivid_test *t, const char *name,
		       const char *val)
{
	char path[160];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", t->trace, name);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

/* Stop recording, and put tracefs back as the test found it. */
static void trace_stop(struct vivid_test *t)
{
	char path[160];
	unsigned int i;

	if (t->trace[0]) {
		for (i = 0; i < NR_ATT_EVENTS; i++) {
			snprintf(path, sizeof(path), "events/dma_buf/%s/enable",
				 att_events[i]);
			trace_write(t, path, "0");
		}
		trace_write(t, "trace", "");
		if (t->tracing_on[0])
			trace_write(t, "tracing_on", t->tracing_on);
		t->trace[0] = '\0';
	}
	if (t->trace_mounted)
		umount("/sys/kernel/tracing");
	t->trace_mounted = false;
}

/*
 * Record the attachment events (att_events) of every dma-buf from now on,
 * in an emptied trace; false without tracefs or our dma-buf core's events.
 */
static bool trace_start(struct vivid_test *t)
{
	static const char * const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[160];
	unsigned int i;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/events", dirs[0]);
	if (access(path, F_OK) &&
	    !mount("nodev", dirs[0], "tracefs", 0, NULL))
		t->trace_mounted = true;
	for (i = 0; i < ARRAY_SIZE(dirs) && !t->trace[0]; i++) {
		snprintf(path, sizeof(path), "%s/events/dma_buf/%s", dirs[i],
			 att_events[0]);
		if (!access(path, F_OK))
			snprintf(t->trace, sizeof(t->trace), "%s", dirs[i]);
	}
	if (!t->trace[0]) {
		trace_stop(t);
		return false;
	}
	snprintf(path, sizeof(path), "%s/tracing_on", t->trace);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, t->tracing_on, sizeof(t->tracing_on) - 1);
	if (fd >= 0)
		close(fd);
	t->tracing_on[n > 0 ? n : 0] = '\0';
	if (trace_write(t, "tracing_on", "1") || trace_write(t, "trace", ""))
		goto fail;
	for (i = 0; i < NR_ATT_EVENTS; i++) {
		snprintf(path, sizeof(path), "events/dma_buf/%s/enable",
			 att_events[i]);
		if (trace_write(t, path, "1"))
			goto fail;
	}
	return true;
fail:
	trace_stop(t);
	return false;
}

/*
 * COUNT[i][e] receives the number of recorded att_events[e] of the dma-buf
 * with inode INO[i], for DEV; -1 if the trace cannot be read.
 */
static int trace_count(const struct vivid_test *t, const unsigned long *ino,
		       unsigned int nr, const char *dev,
		       unsigned int count[][NR_ATT_EVENTS])
{
	char path[96], line[512], want[96], key[80];
	unsigned int i, e;
	FILE *f;

	memset(count, 0, nr * sizeof(*count));
	snprintf(path, sizeof(path), "%s/trace", t->trace);
	f = fopen(path, "r");
	if (!f)
		return -1;
	snprintf(key, sizeof(key), " dev=%s ", dev);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || !strstr(line, key))
			continue;
		for (i = 0; i < nr; i++)
			for (e = 0; e < NR_ATT_EVENTS; e++) {
				snprintf(want, sizeof(want), " %s: ino=%lu ",
					 att_events[e], ino[i]);
				if (strstr(line, want))
					count[i][e]++;
			}
	}
	fclose(f);
	return 0;
}

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

/* Ask for FPS frames a second, saving the old rate. */
static void set_rate(struct vivid_test *t, struct vnode *n, __u32 fps)
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
	p.parm.capture.timeperframe.denominator = fps;
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
	/* TCG is slow enough */
	set_rate(t, n, 25);
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
	if (t->drm >= 0)
		close(t->drm);
	t->drm = -1;
	free(t->ref);
	t->ref = NULL;
}

/*
 * The number of dma-bufs in sysfs once it is WANT, or after 2 s: the last
 * reference to a dma-buf may go a little after the call that dropped it.
 */
static int sysfs_settle(int want)
{
	int i, now = -1;

	for (i = 0; i < 200; i++) {
		now = dmabuf_sysfs_count();
		if (now == want)
			break;
		usleep(10000);
	}
	return now;
}

/* With everything closed, every dma-buf of the test must be gone. */
static void expect_no_leak(struct __test_metadata *_metadata,
			   struct vivid_test *t)
{
	int now;

	release_all(t);
	if (t->baseline < 0) {
		TH_LOG("no /sys/kernel/dmabuf/buffers (CONFIG_DMABUF_SYSFS_STATS): no leak check");
		return;
	}
	now = sysfs_settle(t->baseline);
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
	t->drm = -1;
	t->ref = NULL;
	t->nsaved = 0;
	t->trace[0] = '\0';
	t->tracing_on[0] = '\0';
	t->trace_mounted = false;
	t->baseline = dmabuf_sysfs_count();
}

FIXTURE_TEARDOWN(vivid)
{
	struct vivid_test *t = &self->t;

	release_all(t);
	restore_settings(t);
	trace_stop(t);
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
 * bytesused beyond the plane is EINVAL. (vivid-001 is single-planar, so
 * there is no data_offset to get wrong: see mplane_data_offset.) The index
 * then takes a buffer that is large enough.
 */
TEST_F(vivid, short_import)
{
	struct vivid_test *t = &self->t;
	struct vnode *cap = &t->node[0], *out = &t->node[1];
	size_t pg = (size_t)getpagesize(), size, small;
	struct v4l2_requestbuffers req;
	int shortfd, good, memfd;
	long refs;

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
	refs = dbuf_refs(shortfd);

	ASSERT_EQ(0, reqbufs(cap, V4L2_MEMORY_DMABUF, 1, 0, &req))
		TH_LOG("REQBUFS DMABUF: %s", strerror(errno));
	EXPECT_EQ(-1, qbuf_dmabuf(cap, 0, shortfd, 0, 0));
	EXPECT_EQ(EINVAL, errno) TH_LOG("length 0: %s", strerror(errno));
	EXPECT_EQ(-1, qbuf_dmabuf(cap, 0, shortfd, (__u32)small, 0));
	EXPECT_EQ(EINVAL, errno) TH_LOG("length %zu: %s", small, strerror(errno));
	expect_let_go(_metadata, shortfd, 0, refs, "short buffer");

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
	long refs;

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
	refs = dbuf_refs(shortfd);

	ASSERT_EQ(0, reqbufs(cap, V4L2_MEMORY_DMABUF, 1, 0, &req))
		TH_LOG("REQBUFS DMABUF: %s", strerror(errno));
	EXPECT_EQ(-1, qbuf_dmabuf(cap, 0, shortfd, cap->pix.sizeimage, 0));
	EXPECT_EQ(EFAULT, errno) TH_LOG("length %u: %s", cap->pix.sizeimage,
					strerror(errno));
	expect_let_go(_metadata, shortfd, 0, refs, "refused attach");
	ASSERT_EQ(0, reqbufs(cap, V4L2_MEMORY_DMABUF, 0, 0, &req));
	expect_no_leak(_metadata, t);
}

/* ------------------------------------------------------------------------
 * Map once, stream forever: long streams and what the importer holds
 */

#define LONG_FRAMES	1000U
#define LONG_INDICES	4U	/* queue indices a long stream goes through at most */
#define LONG_FPS	60U
#define CHECK_EVERY	5U	/* coprime with 4 and 8: every dma-buf gets checked */
#define NEED_CMA	"no CMA heap /dev/dma_heap/reserved (cma=)"

/*
 * DEV receives the name of the device behind node N (its parent in sysfs),
 * which is the device vb2 attaches dma-bufs for unless the driver gives
 * the queue other allocation devices (vivid does not).
 */
static int node_device(const struct vnode *n, char *dev, size_t len)
{
	char path[128], link[256];
	const char *base;
	ssize_t r;

	snprintf(path, sizeof(path), "/sys/class/video4linux/%s/device", n->sys);
	r = readlink(path, link, sizeof(link) - 1);
	if (r <= 0)
		return -1;
	link[r] = '\0';
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	if (strlen(base) >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dev, base, strlen(base) + 1);
	return 0;
}

/* What a long stream went through, for the checks at its end. */
struct turns {
	unsigned int ndbufs;		/* dma-bufs taking turns */
	unsigned int nidx;		/* indices they go through */
	unsigned int queued;		/* QBUFs so far */
	unsigned int held[LONG_INDICES];	/* the dma-buf of each index */
	unsigned int visited[MAX_BUFS];	/* bit i: the dma-buf was at index i */
	bool poisoned[MAX_BUFS];	/* its next frame is to be checked */
	unsigned int checked, bad, errors;
};

/*
 * The dma-buf for the next QBUF, at INDEX. With as many dma-bufs as
 * indices, an index always takes its own. With more, they take turns in
 * order, and each round of them starts one further on: vivid returns the
 * indices in the order they were queued, so with twice as many dma-bufs
 * as indices a fixed order would put each dma-buf at one index only.
 */
static unsigned int next_dbuf(const struct turns *tr, unsigned int index)
{
	unsigned int q = tr->queued;

	if (tr->ndbufs == tr->nidx)
		return index;
	return (q + q / tr->ndbufs) % tr->ndbufs;
}

/* Queue the next dma-buf at INDEX, first poisoned at every CHECK_EVERY-th. */
static void queue_turn(struct __test_metadata *_metadata,
		       struct vivid_test *t, struct vnode *n,
		       struct turns *tr, unsigned int index)
{
	unsigned int d = next_dbuf(tr, index), i;
	struct dbuf *b = &t->buf[d];

	for (i = 0; i < tr->nidx && tr->queued >= tr->nidx; i++) {
		if (i == index)
			continue;
		ASSERT_NE(d, tr->held[i])
			TH_LOG("dma-buf %u is still queued at index %u (out of order)",
			       d, i);
	}
	if (!(tr->queued % CHECK_EVERY)) {
		poison(_metadata, b);
		tr->poisoned[d] = true;
	}
	ASSERT_EQ(0, qbuf_dmabuf(n, index, b->fd, (__u32)b->size, 0))
		TH_LOG("QBUF %u, dma-buf %u at index %u: %s", tr->queued, d,
		       index, strerror(errno));
	tr->held[index] = d;
	tr->visited[d] |= 1U << index;
	tr->queued++;
}

/*
 * Stream LONG_FRAMES frames into the test's dma-bufs through indices
 * 0 to tr->nidx - 1 of the DMABUF queue of N, queueing each index
 * again as soon as it is dequeued; the frame of every poisoned dma-buf
 * must equal the reference. Returns with the queue streaming.
 */
static void stream_turns(struct __test_metadata *_metadata,
			 struct vivid_test *t, struct vnode *n,
			 struct turns *tr)
{
	size_t len = n->pix.sizeimage;
	struct v4l2_buffer b;
	unsigned int i, d;
	struct dbuf *db;

	for (i = 0; i < tr->nidx; i++)
		queue_turn(_metadata, t, n, tr, i);
	ASSERT_EQ(0, stream(n, true))
		TH_LOG("STREAMON on %s: %s", n->name, strerror(errno));
	for (i = 0; i < LONG_FRAMES; i++) {
		ASSERT_EQ(0, dequeue(n, V4L2_MEMORY_DMABUF, &b))
			TH_LOG("%s, frame %u: %s", n->name, i, strerror(errno));
		ASSERT_GT(tr->nidx, b.index);
		if ((b.flags & V4L2_BUF_FLAG_ERROR) || b.bytesused != len)
			tr->errors++;
		d = tr->held[b.index];
		db = &t->buf[d];
		if (tr->poisoned[d]) {
			ASSERT_EQ(0, dbuf_sync(db->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
			if (!check_frame(_metadata, t, db->map, len, n->name,
					 b.sequence))
				tr->bad++;
			ASSERT_EQ(0, dbuf_sync(db->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
			tr->poisoned[d] = false;
			tr->checked++;
		}
		queue_turn(_metadata, t, n, tr, b.index);
	}
	EXPECT_EQ(0U, tr->errors)
		TH_LOG("%u of %u frames came back with V4L2_BUF_FLAG_ERROR or short",
		       tr->errors, LONG_FRAMES);
	EXPECT_EQ(0U, tr->bad)
		TH_LOG("%u of the %u frames checked are wrong", tr->bad, tr->checked);
	EXPECT_LE(LONG_FRAMES / CHECK_EVERY - tr->nidx, tr->checked);
}

/*
 * The dma-buf FD (number NR) has one attachment, for DEV, mapped now and
 * mapped once in all.
 */
static void expect_mapped_once(struct __test_metadata *_metadata, int fd,
			       unsigned int nr, const char *dev)
{
	struct fdinfo info;

	ASSERT_EQ(0, read_fdinfo(fd, &info));
	EXPECT_EQ(0, info.bad) TH_LOG("dma-buf %u, fdinfo:\n%s", nr, info.text);
	EXPECT_EQ(1, info.attachments)
		TH_LOG("dma-buf %u is attached %ld times, fdinfo:\n%s", nr,
		       info.attachments, info.text);
	if (info.nr != 1)
		return;
	EXPECT_STREQ(dev, info.att[0].dev);
	EXPECT_EQ(1, info.att[0].mapped)
		TH_LOG("dma-buf %u: %ld mappings held", nr, info.att[0].mapped);
	EXPECT_EQ(1, info.att[0].maps)
		TH_LOG("dma-buf %u was mapped %ld times in %u frames", nr,
		       info.att[0].maps, LONG_FRAMES);
}

/* Dma-buf NR had COUNT[e] of each att_events[e]: one of each is right. */
static void expect_one_each(struct __test_metadata *_metadata,
			    const unsigned int *count, unsigned int nr)
{
	unsigned int e;

	for (e = 0; e < NR_ATT_EVENTS; e++) {
		EXPECT_EQ(1U, count[e])
			TH_LOG("dma-buf %u: %u %s events in %u frames", nr,
			       count[e], att_events[e], LONG_FRAMES);
	}
}

/*
 * NDBUFS CMA-heap dma-bufs take turns through NIDX indices of
 * vivid-001 (dma-contig) for LONG_FRAMES frames. While it streams, each
 * dma-buf is attached once, to vivid, and was mapped once (fdinfo);
 * REQBUFS(0) detaches all and drops every reference. Over the whole
 * test, the dma_buf trace events show one attach, map, unmap and detach
 * of each: fdinfo alone cannot tell an attachment from a new one.
 */
static void long_stream(struct __test_metadata *_metadata,
			struct vivid_test *t, unsigned int ndbufs,
			unsigned int nidx)
{
	unsigned int count[MAX_BUFS][NR_ATT_EVENTS];
	struct turns tr = { .ndbufs = ndbufs, .nidx = nidx };
	struct vnode *n = &t->node[0];
	struct v4l2_requestbuffers req;
	unsigned long ino[MAX_BUFS];
	char dev[64], val[16];
	unsigned int i, want;
	long refs[MAX_BUFS];
	struct stat st;
	bool traced;
	size_t size;
	int fd;

	if (not_dma_contig(1, false))
		SKIP(return, NEED_DC);
	if (swiotlb_forced())
		SKIP(return, BOUNCING);
	if (access("/dev/dma_heap/reserved", F_OK))
		SKIP(return, NEED_CMA);
	if (vnode_open(n, "vivid-001-vid-cap", CAP))
		SKIP(return, NEED_NODES ": %s", strerror(errno));
	ASSERT_EQ(0, node_device(n, dev, sizeof(dev)))
		TH_LOG("no device behind %s: %s", n->sys, strerror(errno));
	static_image(_metadata, t, n);
	capture_reference(_metadata, t, n);
	set_rate(t, n, LONG_FPS);

	size = page_round(n->pix.sizeimage);
	for (i = 0; i < ndbufs; i++) {
		fd = heap_buffer_named("reserved", size);
		ASSERT_LE(0, fd) TH_LOG("CMA heap, %zu bytes: %s", size,
					strerror(errno));
		add_dbuf(_metadata, t, fd, true);
		refs[i] = dbuf_refs(fd);
		ASSERT_LT(0, refs[i]);
		ASSERT_EQ(0, fstat(fd, &st));
		ino[i] = (unsigned long)st.st_ino;
	}
	fdinfo_value(t->buf[0].fd, "attachments", val, sizeof(val));
	if (!val[0])
		SKIP(return, "fdinfo lists no attachments: not our dma-buf core");
	traced = trace_start(t);
	if (!traced)
		TH_LOG("no dma_buf trace events: counts from fdinfo only");

	ASSERT_GE(LONG_INDICES, nidx);
	ASSERT_EQ(0, reqbufs(n, V4L2_MEMORY_DMABUF, nidx, 0, &req))
		TH_LOG("REQBUFS DMABUF: %s", strerror(errno));
	ASSERT_LE(nidx, req.count);
	stream_turns(_metadata, t, n, &tr);
	for (i = 0; i < ndbufs; i++)
		expect_mapped_once(_metadata, t->buf[i].fd, i, dev);
	ASSERT_EQ(0, stream(n, false));

	/* paired: each at its own index; rotating: each at all of them */
	for (i = 0; i < ndbufs; i++) {
		want = ndbufs == nidx ? 1U << i : (1U << nidx) - 1;
		EXPECT_EQ(want, tr.visited[i])
			TH_LOG("dma-buf %u went to indices 0x%x", i, tr.visited[i]);
	}

	ASSERT_EQ(0, reqbufs(n, V4L2_MEMORY_DMABUF, 0, 0, &req));
	for (i = 0; i < ndbufs; i++)
		expect_let_go(_metadata, t->buf[i].fd, i, refs[i], "REQBUFS(0)");
	if (traced) {
		ASSERT_EQ(0, trace_count(t, ino, ndbufs, dev, count))
			TH_LOG("reading %s/trace: %s", t->trace, strerror(errno));
		trace_stop(t);
		for (i = 0; i < ndbufs; i++)
			expect_one_each(_metadata, count[i], i);
	}
	expect_no_leak(_metadata, t);
}

/* A pool of dma-bufs rotating across queue indices is attached and mapped once. */
TEST_F_TIMEOUT(vivid, stream_1000_frames_rotating, 180)
{
	long_stream(_metadata, &self->t, 2 * LONG_INDICES, LONG_INDICES);
}

/*
 * GStreamer's shape: v4l2sink takes the 5 buffers v4l2src exports into 2
 * indices.  Still one attach and one map per dma-buf.
 */
TEST_F_TIMEOUT(vivid, stream_1000_frames_5_over_2, 180)
{
	long_stream(_metadata, &self->t, 5, 2);
}

/* More dma-bufs per index than queue planes in all: 8 over 2. */
TEST_F_TIMEOUT(vivid, stream_1000_frames_8_over_2, 180)
{
	long_stream(_metadata, &self->t, 8, 2);
}

/* A dma-buf that always returns to the same index is attached and mapped once. */
TEST_F_TIMEOUT(vivid, stream_1000_frames_paired, 180)
{
	long_stream(_metadata, &self->t, LONG_INDICES, LONG_INDICES);
}

/* ------------------------------------------------------------------------
 * Other exporters and misuse
 */

/* A DRM (vgem) dumb buffer shared with PRIME captures intact frames. */
TEST_F_TIMEOUT(vivid, vgem_prime_import, 120)
{
	struct vivid_test *t = &self->t;
	struct vnode *n = &t->node[0];
	struct drm_mode_create_dumb create;
	struct v4l2_requestbuffers req;
	unsigned int i;
	char path[32];
	int fd;

	/*
	 * vgem's buffers are shmem pages, contiguous for vivid only by
	 * chance, which dma-contig (vivid-001) needs: vivid-000 on vmalloc
	 * imports them.
	 */
	t->drm = open_vgem(path, sizeof(path));
	if (t->drm < 0)
		SKIP(return, "no vgem device (CONFIG_DRM_VGEM)");
	if (vivid_param("allocators", 0) > 0)
		SKIP(return, "vivid-000 is not on vmalloc (vivid.allocators=0,1)");
	if (vnode_open(n, "vivid-000-vid-cap", CAP))
		SKIP(return, NEED_NODES ": %s", strerror(errno));
	static_image(_metadata, t, n);
	capture_reference(_metadata, t, n);

	for (i = 0; i < NBUFS; i++) {
		/* one 32-bit pixel per two YUYV pixels: the same lines */
		memset(&create, 0, sizeof(create));
		create.width = n->pix.bytesperline / 4;
		create.height = n->pix.height;
		create.bpp = 32;
		ASSERT_EQ(0, ioctl(t->drm, DRM_IOCTL_MODE_CREATE_DUMB, &create))
			TH_LOG("vgem dumb buffer %ux%u: %s", create.width,
			       create.height, strerror(errno));
		ASSERT_LE(n->pix.sizeimage, create.size);
		ASSERT_EQ(0, prime_export(t->drm, create.handle, &fd))
			TH_LOG("PRIME export from %s: %s", path, strerror(errno));
		add_dbuf(_metadata, t, fd, true);
		ASSERT_LE(n->pix.sizeimage, t->buf[i].size);
	}

	ASSERT_EQ(0, reqbufs(n, V4L2_MEMORY_DMABUF, NBUFS, 0, &req))
		TH_LOG("REQBUFS DMABUF on %s: %s", n->name, strerror(errno));
	ASSERT_LE(NBUFS, req.count);
	stream_imports(_metadata, t, n, 0, NBUFS);
	ASSERT_EQ(0, reqbufs(n, V4L2_MEMORY_DMABUF, 0, 0, &req));
	for (i = 0; i < NBUFS; i++)
		expect_detached(_metadata, t->buf[i].fd, "vgem buffer");
	/* the handles hold the dma-bufs too: release_all() closes vgem */
	expect_no_leak(_metadata, t);
}

/* Queue dma-buf FD at INDEX with MEMORY as the buffer's memory type. */
static int qbuf_memory(struct vnode *n, __u32 index, __u32 memory, int fd)
{
	struct v4l2_buffer b;

	memset(&b, 0, sizeof(b));
	b.type = n->type;
	b.memory = memory;
	b.index = index;
	b.m.fd = fd;
	return ioctl(n->fd, VIDIOC_QBUF, &b);
}

static int remove_bufs(struct vnode *n, __u32 index, __u32 count)
{
	struct v4l2_remove_buffers r;

	memset(&r, 0, sizeof(r));
	r.type = n->type;
	r.index = index;
	r.count = count;
	return ioctl(n->fd, VIDIOC_REMOVE_BUFS, &r);
}

/* Misusing a DMABUF queue gets the documented errno and pins no dma-buf. */
TEST_F_TIMEOUT(vivid, dmabuf_queue_misuse, 60)
{
	struct vivid_test *t = &self->t;
	struct vnode *n = &t->node[0];
	struct v4l2_requestbuffers req;
	struct v4l2_create_buffers cb;
	__u32 max, total, caps;
	struct v4l2_buffer b;
	unsigned int i;
	int fd, type;
	long refs[2];
	size_t size;

	if (not_dma_contig(1, false))
		SKIP(return, NEED_DC);
	if (swiotlb_forced())
		SKIP(return, BOUNCING);
	if (access("/dev/dma_heap/reserved", F_OK))
		SKIP(return, NEED_CMA);
	if (vnode_open(n, "vivid-001-vid-cap", CAP))
		SKIP(return, NEED_NODES ": %s", strerror(errno));
	/*
	 * Not here: an fd of no dma-buf and short dma-bufs (short_import);
	 * a wrong plane count or data_offset (the mplane_* cases, on
	 * vivid-002).
	 */
	static_image(_metadata, t, n);
	size = page_round(n->pix.sizeimage);
	for (i = 0; i < 2; i++) {
		fd = heap_buffer_named("reserved", size);
		ASSERT_LE(0, fd) TH_LOG("CMA heap: %s", strerror(errno));
		add_dbuf(_metadata, t, fd, false);
		refs[i] = dbuf_refs(fd);
		ASSERT_LT(0, refs[i]);
	}

	/*
	 * Asked for 2^32 - 1 buffers, REQBUFS and CREATE_BUFS give what fits
	 * below the queue's limit, which CREATE_BUFS with count 0 tells.
	 */
	memset(&cb, 0, sizeof(cb));
	cb.memory = V4L2_MEMORY_DMABUF;
	cb.format.type = n->type;
	ASSERT_EQ(0, ioctl(n->fd, VIDIOC_G_FMT, &cb.format));
	ASSERT_EQ(0, ioctl(n->fd, VIDIOC_CREATE_BUFS, &cb))
		TH_LOG("CREATE_BUFS count 0: %s", strerror(errno));
	caps = cb.capabilities;
	ASSERT_NE(0U, caps & V4L2_BUF_CAP_SUPPORTS_MAX_NUM_BUFFERS);
	max = cb.max_num_buffers;
	ASSERT_LT(2U, max);

	ASSERT_EQ(0, reqbufs(n, V4L2_MEMORY_DMABUF, 0xffffffff, 0, &req))
		TH_LOG("REQBUFS count 0xffffffff: %s", strerror(errno));
	EXPECT_LE(1U, req.count);
	EXPECT_GE(max, req.count);
	ASSERT_EQ(0, reqbufs(n, V4L2_MEMORY_DMABUF, 2, 0, &req));
	ASSERT_EQ(2U, req.count);
	cb.count = 0xffffffff;
	ASSERT_EQ(0, ioctl(n->fd, VIDIOC_CREATE_BUFS, &cb))
		TH_LOG("CREATE_BUFS count 0xffffffff: %s", strerror(errno));
	EXPECT_EQ(2U, cb.index);
	EXPECT_LE(1U, cb.count);
	EXPECT_GE(max - 2, cb.count);
	total = cb.index + cb.count;

	/* QBUF of a closed fd, beyond the queue, of another memory type: EINVAL */
	fd = heap_buffer_named("reserved", size);
	ASSERT_LE(0, fd) TH_LOG("CMA heap: %s", strerror(errno));
	close(fd);
	EXPECT_EQ(-1, qbuf_dmabuf(n, 0, fd, 0, 0));
	EXPECT_EQ(EINVAL, errno) TH_LOG("a closed fd: %s", strerror(errno));

	EXPECT_EQ(-1, qbuf_dmabuf(n, total, t->buf[0].fd, 0, 0));
	EXPECT_EQ(EINVAL, errno) TH_LOG("index %u: %s", total, strerror(errno));
	EXPECT_EQ(-1, qbuf_memory(n, 0, V4L2_MEMORY_MMAP, t->buf[0].fd));
	EXPECT_EQ(EINVAL, errno) TH_LOG("V4L2_MEMORY_MMAP: %s", strerror(errno));
	expect_let_go(_metadata, t->buf[0].fd, 0, refs[0], "refused QBUF");

	/* QBUF of a queued buffer, with its dma-buf or another: EINVAL */
	ASSERT_EQ(0, qbuf_dmabuf(n, 0, t->buf[0].fd, 0, 0))
		TH_LOG("QBUF: %s", strerror(errno));
	EXPECT_EQ(-1, qbuf_dmabuf(n, 0, t->buf[0].fd, 0, 0));
	EXPECT_EQ(EINVAL, errno) TH_LOG("QBUF twice: %s", strerror(errno));
	EXPECT_EQ(-1, qbuf_dmabuf(n, 0, t->buf[1].fd, 0, 0));
	EXPECT_EQ(EINVAL, errno) TH_LOG("QBUF of a queued buffer: %s",
					strerror(errno));
	expect_let_go(_metadata, t->buf[1].fd, 1, refs[1], "QBUF of a queued buffer");

	/* REMOVE_BUFS of a queued buffer: EBUSY; beyond the queue: EINVAL */
	if (caps & V4L2_BUF_CAP_SUPPORTS_REMOVE_BUFS) {
		EXPECT_EQ(-1, remove_bufs(n, 0, 1));
		EXPECT_EQ(EBUSY, errno) TH_LOG("REMOVE_BUFS of a queued buffer: %s",
					       strerror(errno));
		EXPECT_EQ(-1, remove_bufs(n, total - 1, 2));
		EXPECT_EQ(EINVAL, errno) TH_LOG("REMOVE_BUFS beyond the queue: %s",
						strerror(errno));
	} else {
		TH_LOG("%s has no VIDIOC_REMOVE_BUFS: not checked", n->name);
	}

	ASSERT_EQ(0, qbuf_dmabuf(n, 1, t->buf[1].fd, 0, 0))
		TH_LOG("QBUF: %s", strerror(errno));
	/* STREAMON while streaming: 0; the queue still works */
	ASSERT_EQ(0, stream(n, true)) TH_LOG("STREAMON: %s", strerror(errno));
	type = (int)n->type;
	EXPECT_EQ(0, ioctl(n->fd, VIDIOC_STREAMON, &type))
		TH_LOG("STREAMON while streaming: %s", strerror(errno));
	ASSERT_EQ(0, dequeue(n, V4L2_MEMORY_DMABUF, &b))
		TH_LOG("DQBUF: %s", strerror(errno));
	EXPECT_EQ(0U, b.index);
	EXPECT_EQ(0U, b.flags & V4L2_BUF_FLAG_ERROR);
	EXPECT_EQ(n->pix.sizeimage, b.bytesused);
	ASSERT_EQ(0, stream(n, false));

	/* REMOVE_BUFS of a dequeued buffer lets go of its dma-buf */
	if (caps & V4L2_BUF_CAP_SUPPORTS_REMOVE_BUFS) {
		EXPECT_EQ(0, remove_bufs(n, 0, 1))
			TH_LOG("REMOVE_BUFS of a dequeued buffer: %s",
			       strerror(errno));
		expect_let_go(_metadata, t->buf[0].fd, 0, refs[0], "REMOVE_BUFS");
	}
	ASSERT_EQ(0, reqbufs(n, V4L2_MEMORY_DMABUF, 0, 0, &req));
	for (i = 0; i < 2; i++)
		expect_let_go(_metadata, t->buf[i].fd, i, refs[i], "REQBUFS(0)");
	expect_no_leak(_metadata, t);
}

/* A dma-buf queued and then closed still gets its frame, and REQBUFS(0) frees it. */
TEST_F_TIMEOUT(vivid, fd_closed_while_queued, 60)
{
	struct vivid_test *t = &self->t;
	struct vnode *n = &t->node[0];
	struct v4l2_requestbuffers req;
	int fd, memfd, before = -1;
	struct v4l2_buffer b;
	unsigned char *map;
	size_t size;

	if (vivid_param("allocators", 0) > 0)
		SKIP(return, "vivid-000 is not on vmalloc (vivid.allocators=0,1)");
	if (access("/dev/udmabuf", F_OK))
		SKIP(return, "no /dev/udmabuf (CONFIG_UDMABUF)");
	if (vnode_open(n, "vivid-000-vid-cap", CAP))
		SKIP(return, NEED_NODES ": %s", strerror(errno));
	static_image(_metadata, t, n);
	capture_reference(_metadata, t, n);
	size = page_round(n->pix.sizeimage);

	/*
	 * The frame is read through the memfd behind a udmabuf, which holds
	 * no reference to the dma-buf. vivid-000 (vmalloc) imports it: a
	 * udmabuf is not contiguous.
	 */
	fd = udmabuf_buffer(size, &memfd);
	ASSERT_LE(0, fd) TH_LOG("udmabuf: %s", strerror(errno));
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap of the memfd: %s", strerror(errno));
	close(memfd);
	memset(map, POISON, size);
	if (t->baseline >= 0)
		before = dmabuf_sysfs_count();

	ASSERT_EQ(0, reqbufs(n, V4L2_MEMORY_DMABUF, 2, 0, &req))
		TH_LOG("REQBUFS DMABUF: %s", strerror(errno));
	ASSERT_EQ(0, qbuf_dmabuf(n, 0, fd, (__u32)size, 0))
		TH_LOG("QBUF of a udmabuf: %s", strerror(errno));
	close(fd);
	if (before >= 0) {
		EXPECT_EQ(before, dmabuf_sysfs_count())
			TH_LOG("the queued dma-buf went with its fd");
	}

	ASSERT_EQ(0, stream(n, true)) TH_LOG("STREAMON: %s", strerror(errno));
	ASSERT_EQ(0, dequeue(n, V4L2_MEMORY_DMABUF, &b))
		TH_LOG("DQBUF after the fd was closed: %s", strerror(errno));
	EXPECT_EQ(0U, b.index);
	EXPECT_EQ(0U, b.flags & V4L2_BUF_FLAG_ERROR);
	EXPECT_EQ(n->pix.sizeimage, b.bytesused);
	EXPECT_TRUE(check_frame(_metadata, t, map, n->pix.sizeimage,
				"closed udmabuf", b.sequence));
	ASSERT_EQ(0, stream(n, false));
	ASSERT_EQ(0, reqbufs(n, V4L2_MEMORY_DMABUF, 0, 0, &req));
	if (before >= 0) {
		EXPECT_EQ(before - 1, sysfs_settle(before - 1))
			TH_LOG("REQBUFS(0) left the closed dma-buf behind");
	}
	munmap(map, size);
	expect_no_leak(_metadata, t);
}

/*
 * CMA-heap dma-bufs the application lets go are released while the queue
 * streams on: one closed while queued goes at the QBUF that replaces it
 * in its buffer (as in 6.12), one closed after it was replaced goes at the
 * next QBUF.  Counted in /sys/kernel/dmabuf/buffers.
 */
TEST_F_TIMEOUT(vivid, cma_closed_released, 60)
{
	struct vivid_test *t = &self->t;
	struct vnode *n = &t->node[0];
	struct v4l2_requestbuffers req;
	int a, b, c, x, before;
	struct v4l2_buffer v;
	size_t size;

	if (not_dma_contig(1, false))
		SKIP(return, NEED_DC);
	if (access("/dev/dma_heap/reserved", F_OK))
		SKIP(return, NEED_CMA);
	if (t->baseline < 0)
		SKIP(return, "no /sys/kernel/dmabuf/buffers (CONFIG_DMABUF_SYSFS_STATS)");
	if (vnode_open(n, "vivid-001-vid-cap", CAP))
		SKIP(return, NEED_NODES ": %s", strerror(errno));
	static_image(_metadata, t, n);
	size = page_round(n->pix.sizeimage);
	a = heap_buffer_named("reserved", size);
	b = heap_buffer_named("reserved", size);
	c = heap_buffer_named("reserved", size);
	x = heap_buffer_named("reserved", size);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_LE(0, c);
	ASSERT_LE(0, x);
	before = dmabuf_sysfs_count();

	ASSERT_EQ(0, reqbufs(n, V4L2_MEMORY_DMABUF, 2, 0, &req))
		TH_LOG("REQBUFS DMABUF: %s", strerror(errno));
	ASSERT_EQ(0, qbuf_dmabuf(n, 0, a, (__u32)size, 0));
	ASSERT_EQ(0, qbuf_dmabuf(n, 1, x, (__u32)size, 0));
	close(a);
	ASSERT_EQ(0, stream(n, true)) TH_LOG("STREAMON: %s", strerror(errno));
	EXPECT_EQ(before, dmabuf_sysfs_count())
		TH_LOG("the queued dma-buf went with its fd");

	/* A closed while queued: gone when B replaces it at index 0 */
	ASSERT_EQ(0, dequeue(n, V4L2_MEMORY_DMABUF, &v));
	ASSERT_EQ(0U, v.index);
	ASSERT_EQ(0, qbuf_dmabuf(n, 0, b, (__u32)size, 0));
	EXPECT_EQ(before - 1, sysfs_settle(before - 1))
		TH_LOG("the closed dma-buf outlived the QBUF that replaced it");

	/* B replaced by C while the test holds it: kept; closed: gone next */
	ASSERT_EQ(0, dequeue(n, V4L2_MEMORY_DMABUF, &v));
	ASSERT_EQ(1U, v.index);
	ASSERT_EQ(0, qbuf_dmabuf(n, 1, x, (__u32)size, 0));
	ASSERT_EQ(0, dequeue(n, V4L2_MEMORY_DMABUF, &v));
	ASSERT_EQ(0U, v.index);
	ASSERT_EQ(0, qbuf_dmabuf(n, 0, c, (__u32)size, 0));
	close(b);
	ASSERT_EQ(0, dequeue(n, V4L2_MEMORY_DMABUF, &v));
	ASSERT_EQ(1U, v.index);
	ASSERT_EQ(0, qbuf_dmabuf(n, 1, x, (__u32)size, 0));
	EXPECT_EQ(before - 2, sysfs_settle(before - 2))
		TH_LOG("the dma-buf closed after it was replaced outlived the next QBUF");

	ASSERT_EQ(0, stream(n, false));
	ASSERT_EQ(0, reqbufs(n, V4L2_MEMORY_DMABUF, 0, 0, &req));
	close(c);
	close(x);
	EXPECT_EQ(before - 4, sysfs_settle(before - 4));
	expect_no_leak(_metadata, t);
}

/* ------------------------------------------------------------------------
 * Multi-planar: vivid-002's video output, NV12M, a dma-buf per plane
 */

#define MP_PLANES	2U	/* NV12M: luma, then chroma */
#define NEED_MP		"no multi-planar vivid-002-vid-out (vivid.n_devs=3 vivid.multiplanar=1,1,2)"

/* The format of the multi-planar cases and what their dma-bufs hold. */
struct mplane {
	__u32 size[MP_PLANES];		/* each plane's image: its bytesused */
	__u32 off;			/* a data offset with room behind it */
	long refs[MAX_BUFS];		/* each dma-buf's references, unqueued */
};

/* Open vivid-002's multi-planar output as node[0]; why not, or NULL. */
static const char *mp_open(struct vivid_test *t)
{
	if (!not_dma_contig(2, false) && swiotlb_forced())
		return BOUNCING;
	if (access("/dev/dma_heap/reserved", F_OK))
		return NEED_CMA;
	if (vnode_open(&t->node[0], "vivid-002-vid-out", OUT_MP))
		return NEED_MP;
	return NULL;
}

/* Add a CMA-heap dma-buf of SIZE bytes to the test, noting its references. */
static void mp_add(struct __test_metadata *_metadata, struct vivid_test *t,
		   struct mplane *mp, size_t size)
{
	int fd = heap_buffer_named("reserved", size);

	ASSERT_LE(0, fd) TH_LOG("CMA heap, %zu bytes: %s", size, strerror(errno));
	add_dbuf(_metadata, t, fd, false);
	mp->refs[t->nbufs - 1] = dbuf_refs(fd);
	ASSERT_LT(0, mp->refs[t->nbufs - 1]);
}

/*
 * NV12M on node[0], 2 DMABUF buffers, and a dma-buf for each plane of
 * each: dma-buf 2 * i + p of the test is plane p of buffer i, a page
 * larger than the plane, so that an image fits behind a data offset of a
 * page.
 */
static void mp_setup(struct __test_metadata *_metadata, struct vivid_test *t,
		     struct mplane *mp)
{
	struct vnode *n = &t->node[0];
	struct v4l2_requestbuffers req;
	struct v4l2_format f;
	unsigned int i, p;

	memset(mp, 0, sizeof(*mp));
	mp->off = (__u32)getpagesize();
	memset(&f, 0, sizeof(f));
	f.type = n->type;
	f.fmt.pix_mp.width = WIDTH;
	f.fmt.pix_mp.height = HEIGHT;
	f.fmt.pix_mp.pixelformat = V4L2_PIX_FMT_NV12M;
	f.fmt.pix_mp.field = V4L2_FIELD_NONE;
	ASSERT_EQ(0, ioctl(n->fd, VIDIOC_S_FMT, &f))
		TH_LOG("VIDIOC_S_FMT on %s: %s", n->name, strerror(errno));
	ASSERT_EQ(V4L2_PIX_FMT_NV12M, f.fmt.pix_mp.pixelformat)
		TH_LOG("%s does not take NV12M", n->name);
	ASSERT_EQ(MP_PLANES, (unsigned int)f.fmt.pix_mp.num_planes);
	for (p = 0; p < MP_PLANES; p++) {
		mp->size[p] = f.fmt.pix_mp.plane_fmt[p].sizeimage;
		ASSERT_LT(mp->off, mp->size[p]);
	}

	ASSERT_EQ(0, reqbufs(n, V4L2_MEMORY_DMABUF, 2, 0, &req))
		TH_LOG("REQBUFS DMABUF on %s: %s", n->name, strerror(errno));
	ASSERT_LE(2U, req.count);
	for (i = 0; i < 2; i++)
		for (p = 0; p < MP_PLANES; p++)
			mp_add(_metadata, t, mp, page_round(mp->size[p] + mp->off));
}

/* PL receives buffer I's dma-bufs, whole, each plane's image as payload. */
static void mp_planes(const struct vivid_test *t, const struct mplane *mp,
		      unsigned int i, struct v4l2_plane *pl)
{
	const struct dbuf *d;
	unsigned int p;

	memset(pl, 0, MP_PLANES * sizeof(*pl));
	for (p = 0; p < MP_PLANES; p++) {
		d = &t->buf[2 * i + p];
		pl[p].m.fd = d->fd;
		pl[p].length = (__u32)d->size;
		pl[p].bytesused = mp->size[p];
	}
}

/*
 * QBUF of DMABUF buffer INDEX of N with NPLANES in the planes array PL
 * (which may be NULL); *b receives the reply.
 */
static int qbuf_planes(struct vnode *n, __u32 index, struct v4l2_plane *pl,
		       __u32 nplanes, struct v4l2_buffer *b)
{
	memset(b, 0, sizeof(*b));
	b->type = n->type;
	b->memory = V4L2_MEMORY_DMABUF;
	b->index = index;
	b->m.planes = pl;
	b->length = nplanes;
	return ioctl(n->fd, VIDIOC_QBUF, b);
}

/*
 * QBUF of buffer 0 with NPLANES planes of PL (which may be NULL) fails
 * with errno WANT before the queue takes any of the test's dma-bufs: each
 * keeps the references it had, and has no attachment.
 */
static void mp_refused(struct __test_metadata *_metadata,
		       struct vivid_test *t, const struct mplane *mp,
		       struct v4l2_plane *pl, __u32 nplanes, int want,
		       const char *what)
{
	struct v4l2_buffer b;
	unsigned int i;
	int err;

	ASSERT_EQ(-1, qbuf_planes(&t->node[0], 0, pl, nplanes, &b))
		TH_LOG("%s: QBUF accepted", what);
	err = errno;
	EXPECT_EQ(want, err) TH_LOG("%s: %s, not %s", what, strerror(err),
				    strerror(want));
	for (i = 0; i < t->nbufs; i++)
		expect_let_go(_metadata, t->buf[i].fd, i, mp->refs[i], what);
}

/*
 * Buffer 0 is queued with the planes PL0: queue buffer 1 with its own
 * dma-bufs and stream until buffer 0 comes back (vivid's output returns a
 * buffer once another is queued behind it) as it was queued. REQBUFS(0)
 * then lets go of every dma-buf, and with everything closed none is left.
 */
static void mp_stream(struct __test_metadata *_metadata, struct vivid_test *t,
		      const struct mplane *mp, const struct v4l2_plane *pl0)
{
	struct v4l2_plane pl[MP_PLANES], got[MP_PLANES];
	struct vnode *n = &t->node[0];
	struct v4l2_requestbuffers req;
	struct v4l2_buffer b;
	unsigned int i, p;

	mp_planes(t, mp, 1, pl);
	ASSERT_EQ(0, qbuf_planes(n, 1, pl, MP_PLANES, &b))
		TH_LOG("QBUF 1 on %s: %s", n->name, strerror(errno));
	ASSERT_EQ(0, stream(n, true))
		TH_LOG("STREAMON on %s: %s", n->name, strerror(errno));
	ASSERT_EQ(0, dequeue_planes(n, V4L2_MEMORY_DMABUF, &b, got, MP_PLANES))
		TH_LOG("%s: no buffer back: %s", n->name, strerror(errno));
	EXPECT_EQ(0U, b.index);
	EXPECT_EQ(0U, b.flags & V4L2_BUF_FLAG_ERROR);
	ASSERT_EQ(MP_PLANES, b.length);
	for (p = 0; p < MP_PLANES; p++) {
		EXPECT_EQ(pl0[p].m.fd, got[p].m.fd) TH_LOG("plane %u", p);
		EXPECT_EQ(pl0[p].length, got[p].length) TH_LOG("plane %u", p);
		EXPECT_EQ(pl0[p].bytesused, got[p].bytesused) TH_LOG("plane %u", p);
		EXPECT_EQ(pl0[p].data_offset, got[p].data_offset)
			TH_LOG("plane %u", p);
	}
	ASSERT_EQ(0, stream(n, false));
	ASSERT_EQ(0, reqbufs(n, V4L2_MEMORY_DMABUF, 0, 0, &req));
	for (i = 0; i < t->nbufs; i++)
		expect_let_go(_metadata, t->buf[i].fd, i, mp->refs[i], "REQBUFS(0)");
	expect_no_leak(_metadata, t);
}

/*
 * A data offset (which bytesused includes) at or past the end of its
 * plane's payload is EINVAL: at bytesused, beyond bytesused but inside
 * the dma-buf, at the end of the plane when bytesused 0 stands for all of
 * it, and on the second plane. videobuf2 checks that before it takes the
 * dma-bufs (vivid's own check, payload >= image + offset, would come
 * after the import). A page of offset with the image behind it streams.
 */
TEST_F_TIMEOUT(vivid, mplane_data_offset, 60)
{
	struct vivid_test *t = &self->t;
	struct vnode *n = &t->node[0];
	struct v4l2_plane pl[MP_PLANES];
	struct v4l2_buffer b;
	struct mplane mp;
	const char *why;

	why = mp_open(t);
	if (why)
		SKIP(return, "%s", why);
	mp_setup(_metadata, t, &mp);

	mp_planes(t, &mp, 0, pl);
	pl[0].bytesused = mp.size[0] + mp.off;
	pl[0].data_offset = pl[0].bytesused;
	mp_refused(_metadata, t, &mp, pl, MP_PLANES, EINVAL,
		   "data_offset at bytesused");

	mp_planes(t, &mp, 0, pl);
	pl[0].data_offset = pl[0].bytesused + 1;
	ASSERT_LT(pl[0].data_offset, pl[0].length);
	mp_refused(_metadata, t, &mp, pl, MP_PLANES, EINVAL,
		   "data_offset past bytesused");

	mp_planes(t, &mp, 0, pl);
	pl[0].bytesused = 0;
	pl[0].data_offset = pl[0].length;
	mp_refused(_metadata, t, &mp, pl, MP_PLANES, EINVAL,
		   "bytesused 0, data_offset at length");

	mp_planes(t, &mp, 0, pl);
	pl[1].data_offset = pl[1].bytesused;
	mp_refused(_metadata, t, &mp, pl, MP_PLANES, EINVAL,
		   "plane 1: data_offset at bytesused");

	mp_planes(t, &mp, 0, pl);
	pl[0].bytesused = mp.size[0] + mp.off;
	pl[0].data_offset = mp.off;
	ASSERT_EQ(0, qbuf_planes(n, 0, pl, MP_PLANES, &b))
		TH_LOG("QBUF, data_offset %u of bytesused %u: %s", mp.off,
		       pl[0].bytesused, strerror(errno));
	EXPECT_EQ(mp.off, pl[0].data_offset);
	EXPECT_EQ(mp.size[0] + mp.off, pl[0].bytesused);
	mp_stream(_metadata, t, &mp, pl);
}

/*
 * The planes array of a multi-planar QBUF: shorter than the format's
 * planes is EINVAL, as is none at all (length 0); none with a length is
 * EFAULT, from the V4L2 core's copy of the array; a length beyond
 * VIDEO_MAX_PLANES is EINVAL. None of these takes a dma-buf. A length of
 * VIDEO_MAX_PLANES and one of the format's planes both stream.
 */
TEST_F_TIMEOUT(vivid, mplane_plane_count, 60)
{
	struct vivid_test *t = &self->t;
	struct vnode *n = &t->node[0];
	struct v4l2_plane pl[VIDEO_MAX_PLANES + 1];
	struct v4l2_buffer b;
	struct mplane mp;
	const char *why;

	why = mp_open(t);
	if (why)
		SKIP(return, "%s", why);
	mp_setup(_metadata, t, &mp);
	memset(pl, 0, sizeof(pl));
	mp_planes(t, &mp, 0, pl);

	mp_refused(_metadata, t, &mp, pl, 1, EINVAL, "1 plane of 2");
	mp_refused(_metadata, t, &mp, NULL, 0, EINVAL,
		   "no planes array, length 0");
	mp_refused(_metadata, t, &mp, NULL, MP_PLANES, EFAULT,
		   "no planes array, length 2");
	mp_refused(_metadata, t, &mp, pl, VIDEO_MAX_PLANES + 1, EINVAL,
		   "VIDEO_MAX_PLANES + 1 planes");

	ASSERT_EQ(0, qbuf_planes(n, 0, pl, VIDEO_MAX_PLANES, &b))
		TH_LOG("QBUF with a planes array of %u: %s", VIDEO_MAX_PLANES,
		       strerror(errno));
	EXPECT_EQ(MP_PLANES, b.length);
	mp_stream(_metadata, t, &mp, pl);
}

/*
 * The second plane's dma-buf is a page short of the plane, the first one
 * is fine: taken whole (length 0) or as long as it is, the plane is too
 * small, EINVAL; claimed to be as long as the plane, it ends before the
 * plane does, EFAULT as in 6.12. The queue lets go of the first plane's
 * dma-buf too, and the buffer then streams with a large enough one.
 */
TEST_F_TIMEOUT(vivid, mplane_short_plane, 60)
{
	struct vivid_test *t = &self->t;
	struct vnode *n = &t->node[0];
	struct v4l2_plane pl[MP_PLANES];
	struct v4l2_buffer b;
	struct mplane mp;
	const char *why;
	size_t small;
	int shortfd;

	why = mp_open(t);
	if (why)
		SKIP(return, "%s", why);
	mp_setup(_metadata, t, &mp);
	small = page_round(mp.size[1]) - (size_t)getpagesize();
	mp_add(_metadata, t, &mp, small);
	shortfd = t->buf[t->nbufs - 1].fd;
	ASSERT_GT(mp.size[1], t->buf[t->nbufs - 1].size);

	mp_planes(t, &mp, 0, pl);
	pl[1].m.fd = shortfd;
	pl[1].length = 0;
	mp_refused(_metadata, t, &mp, pl, MP_PLANES, EINVAL,
		   "short plane 1, length 0");

	pl[1].length = (__u32)small;
	pl[1].bytesused = (__u32)small;
	mp_refused(_metadata, t, &mp, pl, MP_PLANES, EINVAL,
		   "short plane 1, its own length");

	pl[1].length = mp.size[1];
	pl[1].bytesused = mp.size[1];
	mp_refused(_metadata, t, &mp, pl, MP_PLANES, EFAULT,
		   "short plane 1, the plane's length");

	mp_planes(t, &mp, 0, pl);
	ASSERT_EQ(0, qbuf_planes(n, 0, pl, MP_PLANES, &b))
		TH_LOG("QBUF with large enough planes: %s", strerror(errno));
	mp_stream(_metadata, t, &mp, pl);
}

TEST_HARNESS_MAIN
