// SPDX-License-Identifier: GPL-2.0
/*
 * bench-vb2: the per-frame cost of streaming through videobuf2 with
 * imported dma-bufs, for the upstream 6.12 kernel and the series in the
 * same guest.
 *
 * Nodes: vnull (each QBUF completes the buffer queued before it, so a
 * cycle costs only V4L2, videobuf2 and dma-contig), vivid-001-vid-cap
 * (vivid on dma-contig, which paces frames: asked for 30 per second) and
 * vim2m (mem2mem on vmalloc; OUTPUT is RGB565 in MMAP buffers, CAPTURE
 * YUYV; transaction time 1 ms).  Buffer modes, N buffers (queue indices):
 *   mmap             N MMAP buffers, the reference;
 *   dmabuf_paired    N dma-bufs, dma-buf i always at index i;
 *   dmabuf_rotating  N + 1 dma-bufs: each QBUF puts at the index just
 *                    dequeued the dma-buf dequeued the cycle before, so the
 *                    dma-buf at an index changes with every cycle while all
 *                    N indices stay queued.  (With N dma-bufs all queued,
 *                    the only one free is the one just dequeued.)
 *   dmabuf_pool      N + 3 dma-bufs taken in turn from a FIFO the way
 *                    GStreamer's v4l2sink takes the 5 buffers v4l2src
 *                    exports into its 2 indices (run with N = 2 only).
 * A cycle (a frame) is DQBUF + QBUF of CAPTURE (vim2m: and of OUTPUT).
 * After a warm-up, timed runs give <figure>_cpu_us, the process CPU time
 * (CLOCK_PROCESS_CPUTIME_ID, exact; nearly all of it in the kernel) per
 * cycle, and <figure>_cps, cycles per wall-clock second: the median of 5
 * runs of 3000 cycles on vnull (fewer when a cycle is so slow that a run
 * would take over RUN_BUDGET_S: swiotlb=force), one run of 60 on vivid
 * and vim2m; -q: 3 runs of 300, and 15.  The tick-sampled system time of
 * getrusage() is printed as a comment only: at 250 Hz a run of 3000
 * cycles of 10 us is 7 ticks.  The vnull figures are taken in 3 rounds
 * over all their modes (1 with -q), each round's figures printed, so that
 * a slow spell of the host falls on one round of every mode rather than on
 * all of one mode;
 * bench_report.py takes the median of what it gets.  <figure>_syscalls is
 * the same CPU time in units of a getppid() system call timed around each
 * run (see syscall_us()), the figure the goals compare.
 * A further run with kprobe events (CONFIG_KPROBE_EVENTS) on the dma-buf
 * calls, which the timed run goes without as each hit traps, gives
 * <figure>_attach_per_frame, _map_per_frame, _unmap_per_frame and
 * _detach_per_frame.  The probes are deleted at exit.
 *
 * dma-bufs come from the CMA heap (/dev/dma_heap/reserved, cma=): 6.12's
 * dma-contig refuses an import that is not contiguous for the device, and
 * without an IOMMU a system-heap buffer, made of separate blocks of pages,
 * seldom is.  -H names another heap.
 *
 * Lines "BENCH <figure> <value> <unit>" are figures, others start with
 * '#'; a figure that cannot run is "# skipped: <figure>: <reason>".
 *
 * usage: bench-vb2 [-q] [-H heap]
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <linux/dma-heap.h>
#include <linux/videodev2.h>

#define MAX_BUFS	8
#define MAX_SPARES	3	/* dma-bufs not queued, in pool mode */
#define V4L2_CLASS	"/sys/class/video4linux"
#define GROUP		"vb2bench"
#define TIMEOUT_S	60	/* the longest one run may take */
#define MAX_REPS	5
#define CALIB_CALLS	2000	/* getppid() calls of one yardstick */
#define RUN_BUDGET_S	0.4	/* CPU time of one of several timed runs */
#define RUN_MIN_FRAMES	20UL
#define CAP		V4L2_BUF_TYPE_VIDEO_CAPTURE
#define OUT		V4L2_BUF_TYPE_VIDEO_OUTPUT
/* vim2m's private control, in ms */
#define VIM2M_CID_TRANS_TIME	(V4L2_CID_USER_BASE + 0x1000)

enum mode { MMAP, PAIRED, ROTATING, POOL };
static const char * const mode_name[] = { "mmap", "dmabuf_paired",
					  "dmabuf_rotating", "dmabuf_pool" };

/*
 * The probed functions: in both kernels every attach, map, unmap and
 * detach passes through one of them exactly once (dma_buf_attach() and the
 * _unlocked variants call them, and on success none calls another).
 */
enum { ATTACH, MAP, UNMAP, DETACH, NPROBES };
static const char * const probe_fig[NPROBES] = { "attach", "map", "unmap",
						 "detach" };
static const char * const probe_fn[NPROBES] = {
	"dma_buf_dynamic_attach", "dma_buf_map_attachment",
	"dma_buf_unmap_attachment", "dma_buf_detach",
};

static char kprobe_events[64], kprobe_profile[64], probe_enable[96];
static char no_probes[160] = "not set up";
static bool probes;

static int heap = -1;
static char heap_name[32];
static char why[256];
static unsigned int figures;

/* One node's run: a mode, a size, a number of buffers. */
struct spec {
	const char *node;
	char prefix[64];	/* figure names start with it */
	__u32 width, height;
	unsigned int count;
	enum mode mode;
	bool m2m;		/* vim2m: an OUTPUT queue as well */
	bool pace;		/* vivid: ask for 30 frames per second */
	unsigned long warmup, frames, counted;
	unsigned int reps;	/* timed runs, at most MAX_REPS */
	bool count_calls;	/* also the run with the dma-buf probes */
};

/* A queue of one open node and the dma-bufs it takes. */
struct queue {
	int fd;
	__u32 type, memory;
	enum mode mode;
	unsigned int count;		/* indices */
	unsigned int ndbufs;		/* dma-bufs */
	__u32 length;			/* each dma-buf's size */
	__u32 bytesused;		/* OUTPUT: the payload */
	int dbuf[MAX_BUFS + MAX_SPARES];
	unsigned int at[MAX_BUFS];	/* the dma-buf last queued at an index */
	unsigned int spare[MAX_SPARES];	/* the dma-bufs not queued, a FIFO */
	unsigned int nspares;
	bool requested, streaming;
};

/* Keep WHAT and errno's text as the reason of a failure; return -1. */
static int failed(const char *what)
{
	if (errno == EINTR)	/* only the timer interrupts */
		snprintf(why, sizeof(why), "%s: interrupted: the run took over %d s",
			 what, TIMEOUT_S);
	else
		snprintf(why, sizeof(why), "%s: %s", what, strerror(errno));
	return -1;
}

static void skip(const char *prefix, const char *figs)
{
	printf("# skipped: %s_%s: %s\n", prefix, figs, why);
	fprintf(stderr, "bench-vb2: %s_%s: %s\n", prefix, figs, why);
}

static void figure(const char *prefix, const char *name, double val,
		   const char *unit)
{
	printf("BENCH %s_%s %.3f %s\n", prefix, name, val, unit);
	figures++;
}

/* Append S to the tracefs file PATH.  Async-signal-safe. */
static int put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	ssize_t n;
	int e;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	e = errno;
	close(fd);
	errno = e;
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* Disable and delete this program's probes.  Async-signal-safe. */
static void probes_remove(void)
{
	if (!kprobe_events[0])
		return;
	put(probe_enable, "0");
	put(kprobe_events, "-:" GROUP "/\n");
}

/* The tracefs directory with kprobe_events, mounting tracefs if need be. */
static const char *tracefs(void)
{
	static const char * const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	unsigned int i;

	for (i = 0; i < 3; i++) {
		snprintf(kprobe_events, sizeof(kprobe_events),
			 "%s/kprobe_events", dirs[i % 2]);
		if (!access(kprobe_events, F_OK))
			return dirs[i % 2];
		if (i == 1)
			mount("nodev", dirs[0], "tracefs", 0, NULL);
	}
	kprobe_events[0] = '\0';
	return NULL;
}

/* Register the probes, disabled; on failure say why in no_probes. */
static void probes_init(void)
{
	const char *dir = tracefs();
	char cmd[128];
	unsigned int i;

	if (!dir) {
		snprintf(no_probes, sizeof(no_probes),
			 "no kprobe_events in tracefs (CONFIG_KPROBE_EVENTS)");
		return;
	}
	snprintf(kprobe_profile, sizeof(kprobe_profile), "%s/kprobe_profile",
		 dir);
	snprintf(probe_enable, sizeof(probe_enable),
		 "%s/events/" GROUP "/enable", dir);
	probes_remove();	/* left over by a run that was killed */
	for (i = 0; i < NPROBES; i++) {
		snprintf(cmd, sizeof(cmd), "p:" GROUP "/" GROUP "_%s %s\n",
			 probe_fig[i], probe_fn[i]);
		if (put(kprobe_events, cmd)) {
			snprintf(no_probes, sizeof(no_probes),
				 "kprobe on %s: %s", probe_fn[i],
				 strerror(errno));
			probes_remove();
			kprobe_events[0] = '\0';
			return;
		}
	}
	probes = true;
	printf("# counting calls with kprobe events on %s, %s, %s, %s\n",
	       probe_fn[0], probe_fn[1], probe_fn[2], probe_fn[3]);
}

static int probes_enable(bool on)
{
	return put(probe_enable, on ? "1" : "0") ? failed(probe_enable) : 0;
}

/* The hit counts of the probes, from kprobe_profile. */
static int probes_read(unsigned long hits[NPROBES])
{
	const size_t plen = strlen(GROUP "_");
	char line[256], name[128];
	unsigned int i, found = 0;
	unsigned long n;
	FILE *f;

	f = fopen(kprobe_profile, "r");
	if (!f)
		return failed(kprobe_profile);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %lu", name, &n) != 2 ||
		    strncmp(name, GROUP "_", plen))
			continue;
		for (i = 0; i < NPROBES; i++) {
			if (!strcmp(name + plen, probe_fig[i])) {
				hits[i] = n;
				found |= 1U << i;
			}
		}
	}
	fclose(f);
	if (found != (1U << NPROBES) - 1) {
		snprintf(why, sizeof(why), "%s lacks the probes", kprobe_profile);
		return -1;
	}
	return 0;
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void on_fatal(int sig)
{
	probes_remove();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Open the V4L2 node whose sysfs name is NAME. */
static int open_node(const char *name)
{
	char path[320], val[64];
	struct dirent *e;
	int fd = -1;
	FILE *f;
	DIR *d;

	d = opendir(V4L2_CLASS);
	if (!d)
		return failed(V4L2_CLASS);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), V4L2_CLASS "/%s/name", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(val, sizeof(val), f))
			val[0] = '\0';
		fclose(f);
		val[strcspn(val, "\n")] = '\0';
		if (strcmp(val, name))
			continue;
		snprintf(path, sizeof(path), "/dev/%s", e->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			failed(path);
		break;
	}
	closedir(d);
	if (!e)
		snprintf(why, sizeof(why), "no V4L2 node named %s", name);
	return fd;
}

/* Set FOURCC at the spec's size on queue TYPE; return the image size. */
static int set_format(int fd, __u32 type, __u32 fourcc, const struct spec *s,
		      __u32 *sizeimage)
{
	struct v4l2_format f = { .type = type };

	f.fmt.pix.width = s->width;
	f.fmt.pix.height = s->height;
	f.fmt.pix.pixelformat = fourcc;
	f.fmt.pix.field = V4L2_FIELD_NONE;
	if (ioctl(fd, VIDIOC_S_FMT, &f))
		return failed("VIDIOC_S_FMT");
	if (f.fmt.pix.width != s->width || f.fmt.pix.height != s->height ||
	    f.fmt.pix.pixelformat != fourcc) {
		snprintf(why, sizeof(why), "VIDIOC_S_FMT gave %ux%u %.4s",
			 f.fmt.pix.width, f.fmt.pix.height,
			 (const char *)&f.fmt.pix.pixelformat);
		return -1;
	}
	*sizeimage = f.fmt.pix.sizeimage;
	return 0;
}

/* Formats and node settings; Q[0] is CAPTURE, Q[1] OUTPUT. */
static int configure(const struct spec *s, int fd, struct queue *q)
{
	struct v4l2_control ctrl = { .id = VIM2M_CID_TRANS_TIME, .value = 1 };
	struct v4l2_streamparm parm = { .type = CAP };
	struct v4l2_fract fps30 = { 1, 30 };
	int input = 0;

	if (s->m2m) {
		if (ioctl(fd, VIDIOC_S_CTRL, &ctrl)) {
			failed("VIDIOC_S_CTRL");
			printf("# %s: transaction time left as is: %s\n",
			       s->prefix, why);
			fprintf(stderr, "bench-vb2: %s: %s\n", s->prefix, why);
		}
		if (set_format(fd, OUT, V4L2_PIX_FMT_RGB565, s, &q[1].bytesused))
			return -1;
	} else if (ioctl(fd, VIDIOC_S_INPUT, &input)) {
		return failed("VIDIOC_S_INPUT");
	}
	if (set_format(fd, CAP, V4L2_PIX_FMT_YUYV, s, &q[0].length))
		return -1;
	if (s->pace) {
		parm.parm.capture.timeperframe = fps30;
		if (ioctl(fd, VIDIOC_S_PARM, &parm))
			return failed("VIDIOC_S_PARM");
		printf("# %s: frame interval %u/%u s\n", s->prefix,
		       parm.parm.capture.timeperframe.numerator,
		       parm.parm.capture.timeperframe.denominator);
	}
	return 0;
}

/* REQBUFS, and the dma-bufs of a DMABUF queue. */
static int setup_queue(struct queue *q)
{
	struct v4l2_requestbuffers req = {
		.count = q->count, .type = q->type, .memory = q->memory,
	};
	__u32 page = (__u32)sysconf(_SC_PAGESIZE);
	unsigned int i;

	if (ioctl(q->fd, VIDIOC_REQBUFS, &req))
		return failed("VIDIOC_REQBUFS");
	q->requested = true;
	if (req.count != q->count) {
		snprintf(why, sizeof(why), "VIDIOC_REQBUFS gave %u buffers, not %u",
			 req.count, q->count);
		return -1;
	}
	if (q->memory != V4L2_MEMORY_DMABUF)
		return 0;
	if (heap < 0) {
		snprintf(why, sizeof(why), "no dma-heap");
		return -1;
	}
	q->length = (q->length + page - 1) / page * page;
	q->nspares = q->mode == ROTATING ? 1 : q->mode == POOL ? MAX_SPARES : 0;
	q->ndbufs = q->count + q->nspares;
	for (i = 0; i < q->ndbufs; i++) {
		struct dma_heap_allocation_data a = {
			.len = q->length, .fd_flags = O_RDWR | O_CLOEXEC,
		};

		if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &a))
			return failed("DMA_HEAP_IOCTL_ALLOC");
		q->dbuf[i] = (int)a.fd;
	}
	/*
	 * As if dma-buf i + nspares had just left index i, with dma-bufs 0 to
	 * nspares - 1 waiting: the first pass pairs dma-buf i with index i.
	 */
	for (i = 0; i < q->count; i++)
		q->at[i] = i + q->nspares;
	for (i = 0; i < q->nspares; i++)
		q->spare[i] = i;
	return 0;
}

static int queue_buf(struct queue *q, unsigned int index)
{
	struct v4l2_buffer b = {
		.index = index, .type = q->type, .memory = q->memory,
		.bytesused = q->bytesused,
	};
	unsigned int next = index;

	if (q->nspares) {
		next = q->spare[0];
		memmove(q->spare, q->spare + 1,
			(q->nspares - 1) * sizeof(q->spare[0]));
		q->spare[q->nspares - 1] = q->at[index];
	}
	if (q->memory == V4L2_MEMORY_DMABUF) {
		b.m.fd = q->dbuf[next];
		b.length = q->length;
	}
	if (ioctl(q->fd, VIDIOC_QBUF, &b))
		return failed("VIDIOC_QBUF");
	q->at[index] = next;
	return 0;
}

static int dequeue(struct queue *q, unsigned int *index)
{
	struct v4l2_buffer b = { .type = q->type, .memory = q->memory };

	if (ioctl(q->fd, VIDIOC_DQBUF, &b))
		return failed("VIDIOC_DQBUF");
	*index = b.index;
	return 0;
}

static int start(struct queue *q)
{
	unsigned int i;

	for (i = 0; i < q->count; i++)
		if (queue_buf(q, i))
			return -1;
	if (ioctl(q->fd, VIDIOC_STREAMON, &q->type))
		return failed("VIDIOC_STREAMON");
	q->streaming = true;
	return 0;
}

/* Report a failed teardown step WHAT of the run PREFIX. */
static void teardown_failed(const char *prefix, const char *what)
{
	failed(what);
	printf("# %s: teardown: %s\n", prefix, why);
	fprintf(stderr, "bench-vb2: %s: teardown: %s\n", prefix, why);
}

static void stop(const struct spec *s, struct queue *q)
{
	struct v4l2_requestbuffers req = { .type = q->type, .memory = q->memory };
	unsigned int i;

	if (q->streaming && ioctl(q->fd, VIDIOC_STREAMOFF, &q->type))
		teardown_failed(s->prefix, "VIDIOC_STREAMOFF");
	if (q->requested && ioctl(q->fd, VIDIOC_REQBUFS, &req))
		teardown_failed(s->prefix, "VIDIOC_REQBUFS 0");
	for (i = 0; i < MAX_BUFS + MAX_SPARES; i++)
		if (q->dbuf[i] >= 0)
			close(q->dbuf[i]);
}

/*
 * N cycles on the NQ queues Q.  Past TIMEOUT_S, a timer fires every second
 * and each SIGALRM breaks the system call it meets (no SA_RESTART): a DQBUF
 * that would wait for ever fails with EINTR.
 */
static int run_cycles(struct queue *q, int nq, unsigned long n)
{
	struct itimerval on = { { 1, 0 }, { TIMEOUT_S, 0 } }, off = { 0 };
	unsigned int index = 0;
	unsigned long i;
	int k, ret = 0;

	setitimer(ITIMER_REAL, &on, NULL);
	for (i = 0; i < n && !ret; i++)
		for (k = 0; k < nq && !ret; k++)
			ret = dequeue(&q[k], &index) || queue_buf(&q[k], index);
	setitimer(ITIMER_REAL, &off, NULL);
	return ret ? -1 : 0;
}

/*
 * Times in us.  With tick-based CPU accounting the system/user split is
 * sampled by ticks, the process CPU clock is exact: printed alongside.
 */
struct sample {
	double wall, sys, user, cpu;
};

static double us(const struct timespec *ts)
{
	return ts->tv_sec * 1e6 + ts->tv_nsec / 1e3;
}

static void take(struct sample *t)
{
	struct timespec wall, cpu;
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
	clock_gettime(CLOCK_MONOTONIC, &wall);
	t->wall = us(&wall);
	t->cpu = us(&cpu);
	t->sys = ru.ru_stime.tv_sec * 1e6 + ru.ru_stime.tv_usec;
	t->user = ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of the N values of V (sorted in place). */
static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * The CPU time of one getppid() system call, the yardstick of the cycle
 * figures: the host of these guests is shared, and how fast it runs the
 * guest changes by up to 2x from one boot to the next and within a boot.
 * A cycle's cost in system calls, the calls timed right before and after
 * it, is what compares across boots and flavours (getppid() is the same
 * code in both).
 */
static double syscall_us(void)
{
	struct sample a, b;
	unsigned int i;

	take(&a);
	for (i = 0; i < CALIB_CALLS; i++)
		syscall(SYS_getppid);
	take(&b);
	return (b.cpu - a.cpu) / CALIB_CALLS;
}

/* Stream as S says and print its figures, or why they are skipped. */
static void bench(const struct spec *s)
{
	unsigned long c0[NPROBES], c1[NPROBES];
	const char *left = "*";	/* the figures not printed */
	int fd, k, nq = s->m2m ? 2 : 1;
	double cpu[MAX_REPS], cps[MAX_REPS], rel[MAX_REPS];
	unsigned long frames;
	struct sample t0, t1;
	struct queue q[2];
	bool counting = false;
	unsigned int i, r;

	memset(q, 0, sizeof(q));
	for (k = 0; k < 2; k++) {
		for (i = 0; i < MAX_BUFS + MAX_SPARES; i++)
			q[k].dbuf[i] = -1;
		q[k].count = s->count;
		q[k].memory = V4L2_MEMORY_MMAP;
		q[k].mode = MMAP;
	}
	q[0].type = CAP;
	q[1].type = OUT;
	if (s->mode != MMAP) {
		q[0].memory = V4L2_MEMORY_DMABUF;
		q[0].mode = s->mode;
	}

	fd = open_node(s->node);
	if (fd < 0)
		goto out;
	q[0].fd = fd;
	q[1].fd = fd;
	if (configure(s, fd, q))
		goto out;
	for (k = nq - 1; k >= 0; k--)
		if (setup_queue(&q[k]))
			goto out;
	for (k = nq - 1; k >= 0; k--)
		if (start(&q[k]))
			goto out;
	take(&t0);
	if (run_cycles(q, nq, s->warmup))
		goto out;
	take(&t1);
	/*
	 * Repeated runs stay within RUN_BUDGET_S each: under swiotlb=force
	 * a vnull cycle bounces a whole frame and takes milliseconds.
	 */
	frames = s->frames;
	if (s->reps > 1 && s->warmup && t1.cpu > t0.cpu) {
		double per = (t1.cpu - t0.cpu) / s->warmup;

		if (frames * per > RUN_BUDGET_S * 1e6)
			frames = RUN_BUDGET_S * 1e6 / per;
		if (frames < RUN_MIN_FRAMES)
			frames = RUN_MIN_FRAMES;
	}

	for (r = 0; r < s->reps; r++) {
		double unit = syscall_us();

		take(&t0);
		if (run_cycles(q, nq, frames))
			goto out;
		take(&t1);
		unit = (unit + syscall_us()) / 2;
		printf("# %s: %lu cycles, %.3f s; us/cycle %.2f sys, %.2f user (tick), %.2f CPU\n",
		       s->prefix, frames, (t1.wall - t0.wall) / 1e6,
		       (t1.sys - t0.sys) / frames,
		       (t1.user - t0.user) / frames,
		       (t1.cpu - t0.cpu) / frames);
		cpu[r] = (t1.cpu - t0.cpu) / frames;
		cps[r] = frames * 1e6 / (t1.wall - t0.wall);
		rel[r] = cpu[r] / unit;
	}
	figure(s->prefix, "cpu_us", median(cpu, s->reps), "us");
	figure(s->prefix, "syscalls", median(rel, s->reps), "getppid");
	figure(s->prefix, "cps", median(cps, s->reps), "cycles/s");

	left = "*_per_frame";
	if (!s->count_calls) {
		left = NULL;
		goto out;
	}
	if (!probes) {
		snprintf(why, sizeof(why), "%s", no_probes);
		goto out;
	}
	if (probes_read(c0) || probes_enable(true))
		goto out;
	counting = true;
	if (run_cycles(q, nq, s->counted))
		goto out;
	counting = false;
	if (probes_enable(false) || probes_read(c1))
		goto out;
	for (i = 0; i < NPROBES; i++) {
		char name[32];

		snprintf(name, sizeof(name), "%s_per_frame", probe_fig[i]);
		figure(s->prefix, name, (double)(c1[i] - c0[i]) / s->counted,
		       "calls");
	}
	left = NULL;
out:
	if (left)
		skip(s->prefix, left);
	if (counting)
		probes_enable(false);
	if (fd >= 0) {
		for (k = 0; k < nq; k++)
			stop(s, &q[k]);
		close(fd);
	}
}

/*
 * The modes on NODE at SIZE ("WxH") with COUNT buffers (paired, rotating
 * and MMAP; with 2, the pool too), REPS timed runs each, the counted run
 * only if COUNT_CALLS; figures are named BASE_<mode>_TAG.
 */
static void bench_node(const char *base, const char *node, const char *tag,
		       const char *size, unsigned int count,
		       const unsigned long cyc[3], unsigned int reps,
		       bool count_calls)
{
	static const enum mode order[] = { PAIRED, ROTATING, MMAP, POOL };
	struct spec s = {
		.node = node, .count = count,
		.m2m = !strcmp(base, "vim2m"), .pace = !strcmp(base, "vivid"),
		.warmup = cyc[0], .frames = cyc[1], .counted = cyc[2],
		.reps = reps, .count_calls = count_calls,
	};
	unsigned int i;

	if (sscanf(size, "%ux%u", &s.width, &s.height) != 2)
		return;
	/* the pool shape is GStreamer's: 2 indices */
	for (i = 0; i < (count == 2 ? 4 : 3); i++) {
		s.mode = order[i];
		snprintf(s.prefix, sizeof(s.prefix), "%s_%s_%s", base,
			 mode_name[s.mode], tag);
		bench(&s);
	}
}

/* Copy the first line of PATH to the output as "# LABEL: <line>". */
static void show(const char *label, const char *path)
{
	char line[128] = "?\n";
	FILE *f = fopen(path, "r");

	if (f) {
		if (!fgets(line, sizeof(line), f))
			snprintf(line, sizeof(line), "?\n");
		fclose(f);
	}
	printf("# %s: %s", label, line);
}

static void open_heap(const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/dma_heap/%s", name);
	heap = open(path, O_RDONLY | O_CLOEXEC);
	if (heap >= 0)
		snprintf(heap_name, sizeof(heap_name), "%s", name);
	else
		fprintf(stderr, "bench-vb2: %s: %s\n", path, strerror(errno));
}

int main(int argc, char **argv)
{
	static const char * const sizes[] = { "640x480", "1920x1080" };
	struct sigaction sa = { .sa_handler = on_alarm };
	unsigned long vnull[3] = { 0, 3000 }, real[3] = { 10, 60 };
	unsigned int reps = MAX_REPS, rounds = 3, r;
	const char *want = NULL;
	bool quick = false;
	struct utsname u;
	int opt, fd, ret = 0;
	unsigned int i;

	while ((opt = getopt(argc, argv, "qH:")) != -1) {
		if (opt == 'q') {
			quick = true;
		} else if (opt == 'H') {
			want = optarg;
		} else {
			fprintf(stderr, "usage: %s [-q (quick)] [-H dma-heap]\n",
				argv[0]);
			return 2;
		}
	}
	if (quick) {
		vnull[1] = 300;
		real[1] = 15;
		reps = 3;
		rounds = 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: see run_cycles() */
	signal(SIGTERM, on_fatal);
	signal(SIGINT, on_fatal);

	printf("# flavour kernel: %s\n", uname(&u) ? "?" : u.release);
	if (want) {
		open_heap(want);
	} else {
		open_heap("reserved");
		if (heap < 0)
			open_heap("system");
	}
	if (heap >= 0)
		printf("# dma-bufs from /dev/dma_heap/%s\n", heap_name);
	else
		printf("# no dma-heap: the dmabuf figures will be skipped\n");
	probes_init();
	if (!probes)
		printf("# no call counts: %s\n", no_probes);

	/* warm-up, timed and counted cycles */
	vnull[0] = vnull[1] / 10;
	vnull[2] = vnull[1] / 4;
	real[2] = real[1] / 4 > real[0] ? real[1] / 4 : real[0];
	printf("# cycles: vnull %u rounds of %u x %lu timed, %lu counted; vivid, vim2m %lu, %lu\n",
	       rounds, reps, vnull[1], vnull[2], real[1], real[2]);

	fd = open_node("vnull");
	if (fd < 0) {
		skip("vnull", "*");
		ret = 1;
	} else {
		close(fd);
		for (r = 0; r < rounds; r++) {
			bench_node("vnull", "vnull", "2", "640x480", 2, vnull,
				   reps, !r);
			bench_node("vnull", "vnull", "4", "640x480", 4, vnull,
				   reps, !r);
			bench_node("vnull", "vnull", "8", "640x480", 8, vnull,
				   reps, !r);
		}
	}
	show("vivid.allocators", "/sys/module/vivid/parameters/allocators");
	for (i = 0; i < 2; i++)
		bench_node("vivid", "vivid-001-vid-cap", sizes[i], sizes[i], 4,
			   real, 1, true);
	for (i = 0; i < 2; i++)
		bench_node("vim2m", "vim2m", sizes[i], sizes[i], 4, real, 1,
			   true);

	probes_remove();
	if (heap >= 0)
		close(heap);
	if (!figures)
		ret = 1;
	return ret;
}
