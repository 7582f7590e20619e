// SPDX-License-Identifier: GPL-2.0-only
/*
 * videobuf2-fileio.c - read() and write() on a videobuf2 queue, and the
 * kernel thread that streams a queue for an in-kernel consumer
 *
 * Both sit on top of the ordinary streaming calls of the core and never look
 * into its lists.  The emulator owns a few MMAP buffers, allocated with
 * vb2_core_reqbufs() when it starts, and moves bytes between them and the
 * caller through the kernel mapping of their single plane:
 *
 * - read(): every buffer is queued and the stream started right away.  A
 *   read() copies out of the oldest finished buffer (dequeuing it when none
 *   is being read) and queues it again once its whole payload was read.
 * - write(): the buffers start out on our side.  write() fills them in turn
 *   and queues each one when it is full, or at the end of every call if the
 *   driver asked for fileio_write_immediately.  Once each buffer went to the
 *   driver, the next one to fill is the first one it gives back.
 *
 * One call moves data of one buffer at most: a read() never returns the end
 * of one frame together with the start of the next.
 *
 * The thread helper runs the same emulator without a file: a kthread takes
 * each finished buffer, hands it to a callback and queues it again (for an
 * output queue the callback fills the buffers instead).  DVB uses it to feed
 * its software demuxer, cobalt to move ALSA samples.
 */

#define pr_fmt(fmt) "vb2-fileio: " fmt

#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/freezer.h>
#include <linux/kthread.h>
#include <linux/minmax.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include <media/videobuf2-core.h>

#include "vb2-internal.h"

/**
 * struct vb2_fileio_slot - one buffer of the emulator
 * @vb:		the buffer.
 * @vaddr:	kernel address of its only plane.
 */
struct vb2_fileio_slot {
	struct vb2_buffer	*vb;
	void			*vaddr;
};

/**
 * struct vb2_fileio_data - state of the read()/write() emulator of a queue
 * @slots:	the buffers allocated for the emulator.
 * @nslots:	number of entries of @slots.
 * @fresh:	slots from this index on were never given to the driver.  read()
 *		queues all of them at start (@fresh == @nslots); write() and the
 *		output thread use them in order before dequeuing any buffer.
 * @cur:	slot being read or filled, NULL between two buffers.
 * @pos:	read(): offset of the next byte to copy out of @cur;
 *		write(): number of bytes written into @cur so far.
 * @end:	read(): end of the payload of @cur;
 *		write(): length of the plane of @cur.
 * @reading:	read() emulation; write() when false.
 * @once:	&vb2_queue.fileio_read_once, taken when the emulator started.
 * @eager:	&vb2_queue.fileio_write_immediately, taken at start as well.
 * @eof:	@once is set and its buffer was read: the stream is stopped and
 *		the next read() returns 0.
 */
struct vb2_fileio_data {
	struct vb2_fileio_slot	*slots;
	unsigned int		nslots;
	unsigned int		fresh;
	struct vb2_fileio_slot	*cur;
	unsigned int		pos;
	unsigned int		end;
	bool			reading;
	bool			once;
	bool			eager;
	bool			eof;
};

/**
 * struct vb2_threadio_data - state of the thread helper of a queue
 * @task:	the kthread; a task reference is held until it is stopped.
 * @fnc:	callback of the user, called for each buffer.
 * @priv:	its private argument.
 * @stop:	set by vb2_thread_stop(), read by the thread without locks.
 */
struct vb2_threadio_data {
	struct task_struct	*task;
	vb2_thread_fnc		fnc;
	void			*priv;
	bool			stop;
};

/*
 * The thread (and its start and stop) hold the queue the way an ioctl does:
 * through the driver's wait_finish()/wait_prepare() pair when it has one,
 * which is what the core itself uses to let go of the driver's lock while a
 * dequeue sleeps, else through &vb2_queue.lock.  read() and write() are
 * called by the V4L2 layer with that lock already taken.
 */
static bool vb2fio_has_wait_ops(struct vb2_queue *q)
{
	return q->ops->wait_prepare && q->ops->wait_finish;
}

static void vb2fio_lock(struct vb2_queue *q)
{
	if (vb2fio_has_wait_ops(q))
		q->ops->wait_finish(q);
	else if (q->lock)
		mutex_lock(q->lock);
}

static void vb2fio_unlock(struct vb2_queue *q)
{
	if (vb2fio_has_wait_ops(q))
		q->ops->wait_prepare(q);
	else if (q->lock)
		mutex_unlock(q->lock);
}

static struct vb2_fileio_slot *vb2fio_slot_of(struct vb2_fileio_data *fio,
					      struct vb2_buffer *vb)
{
	unsigned int i;

	for (i = 0; i < fio->nslots; i++) {
		if (fio->slots[i].vb == vb)
			return &fio->slots[i];
	}
	return NULL;
}

/* Record the freshly allocated buffers and check that we can use them. */
static int vb2fio_collect(struct vb2_queue *q, struct vb2_fileio_data *fio)
{
	unsigned int total = vb2_get_num_buffers(q);
	unsigned int idx;

	fio->slots = kcalloc(total, sizeof(*fio->slots), GFP_KERNEL);
	if (!fio->slots)
		return -ENOMEM;

	for (idx = 0; idx < q->max_num_buffers && fio->nslots < total; idx++) {
		struct vb2_buffer *vb = vb2_get_buffer(q, idx);
		void *vaddr;

		if (!vb)
			continue;
		/* A byte stream has nowhere to put a second plane. */
		if (vb->num_planes != 1)
			return -EBUSY;
		vaddr = vb2_plane_vaddr(vb, 0);
		if (!vaddr)
			return -EINVAL;
		fio->slots[fio->nslots].vb = vb;
		fio->slots[fio->nslots].vaddr = vaddr;
		fio->nslots++;
	}
	return fio->nslots ? 0 : -ENOMEM;
}

/* Stop the stream, free the buffers and forget the emulator. */
static void vb2fio_release(struct vb2_queue *q, struct vb2_fileio_data *fio)
{
	unsigned int none = 0;

	/* Also takes back buffers that were queued but never streamed. */
	vb2_core_streamoff(q, q->type);
	q->fileio = NULL;
	vb2_core_reqbufs(q, VB2_MEMORY_MMAP, 0, &none);
	kfree(fio->slots);
	kfree(fio);
	pr_debug("%s: emulator stopped\n", q->name);
}

int vb2_fileio_start(struct vb2_queue *q, bool read)
{
	struct vb2_fileio_data *fio;
	unsigned int count, i;
	int ret;

	if (q->fileio)
		return q->fileio->reading == read ? 0 : -EBUSY;
	if (!(q->io_modes & (read ? VB2_READ : VB2_WRITE)))
		return -EINVAL;
	/* Every byte goes through the kernel mapping of the buffers. */
	if (!q->mem_ops->vaddr)
		return -EINVAL;
	/* The queue is in use by the streaming API. */
	if (q->streaming || vb2_get_num_buffers(q))
		return -EBUSY;

	fio = kzalloc(sizeof(*fio), GFP_KERNEL);
	if (!fio)
		return -ENOMEM;
	fio->reading = read;
	fio->once = read && q->fileio_read_once;
	fio->eager = !read && q->fileio_write_immediately;

	/*
	 * Visible before the allocation: queue_setup() may use
	 * vb2_fileio_is_active() to turn down what cannot go through a file.
	 */
	q->fileio = fio;

	/*
	 * As many buffers as the driver needs queued to stream, plus the one
	 * being copied; the core and queue_setup() may raise the number.
	 */
	count = max_t(unsigned int, 2, q->min_queued_buffers + 1);
	ret = vb2_core_reqbufs(q, VB2_MEMORY_MMAP, 0, &count);
	if (ret) {
		q->fileio = NULL;
		kfree(fio);
		return ret;
	}

	ret = vb2fio_collect(q, fio);
	for (i = 0; !ret && read && i < fio->nslots; i++)
		ret = vb2_core_qbuf(q, fio->slots[i].vb, NULL, NULL);
	if (!ret) {
		fio->fresh = read ? fio->nslots : 0;
		ret = vb2_core_streamon(q, q->type);
	}
	if (ret) {
		vb2fio_release(q, fio);
		return ret;
	}

	pr_debug("%s: %s emulator started with %u buffers\n", q->name,
		 read ? "read()" : "write()", fio->nslots);
	return 0;
}

/* Stop the kthread of the thread helper and wait until it is gone. */
static void vb2fio_halt_thread(struct vb2_queue *q)
{
	struct vb2_threadio_data *th = q->threadio;

	WRITE_ONCE(th->stop, true);
	/*
	 * The thread may sleep in a dequeue: a queue error wakes it up, and
	 * any later queue or dequeue fails.  Cancelling the queue (when the
	 * emulator stops) clears the error again.
	 */
	vb2_queue_error(q);
	kthread_stop_put(th->task);
	th->task = NULL;
}

void vb2_fileio_stop(struct vb2_queue *q)
{
	/* The thread works on the emulator's buffers: it goes first. */
	if (WARN_ON_ONCE(q->threadio)) {
		vb2fio_halt_thread(q);
		kfree(q->threadio);
		q->threadio = NULL;
	}
	if (q->fileio)
		vb2fio_release(q, q->fileio);
}

/* Dequeue the next buffer the driver gave back and find its slot. */
static int vb2fio_dequeue(struct vb2_queue *q, struct vb2_fileio_data *fio,
			  bool nonblock, struct vb2_fileio_slot **slot)
{
	struct vb2_buffer *vb;
	unsigned int index;
	int ret;

	ret = vb2_core_dqbuf(q, &index, NULL, nonblock);
	if (ret)
		return ret;
	vb = vb2_get_buffer(q, index);
	*slot = vb ? vb2fio_slot_of(fio, vb) : NULL;
	return *slot ? 0 : -EINVAL;
}

/*
 * Give the current buffer back to the driver.  On failure it stays current:
 * a read() buffer keeps @pos == @end and is retried by the next call, a
 * write() buffer is emptied (the caller reports its bytes as not written).
 */
static int vb2fio_give_back(struct vb2_queue *q, struct vb2_fileio_data *fio)
{
	struct vb2_buffer *vb = fio->cur->vb;
	int ret;

	if (fio->reading && fio->once && fio->end) {
		/* One buffer of data, then the end of the file. */
		vb2_core_streamoff(q, q->type);
		fio->cur = NULL;
		fio->eof = true;
		return 0;
	}

	if (!fio->reading) {
		vb2_set_plane_payload(vb, 0, fio->pos);
		/* Nobody gave us a time stamp to copy: take the time of now. */
		if (q->copy_timestamp)
			vb->timestamp = ktime_get_ns();
	}

	ret = vb2_core_qbuf(q, vb, NULL, NULL);
	if (ret) {
		if (!fio->reading)
			fio->pos = 0;
		return ret;
	}
	fio->cur = NULL;
	return 0;
}

/* read(): make the oldest finished buffer with data in it current. */
static int vb2fio_take_filled(struct vb2_queue *q, struct vb2_fileio_data *fio,
			      bool nonblock)
{
	while (!fio->cur) {
		struct vb2_fileio_slot *s;
		unsigned int used, skip;
		int ret;

		ret = vb2fio_dequeue(q, fio, nonblock, &s);
		if (ret)
			return ret;

		used = vb2_get_plane_payload(s->vb, 0);
		skip = s->vb->planes[0].data_offset;
		fio->cur = s;
		if (skip < used) {
			fio->pos = skip;
			fio->end = used;
			break;
		}

		/*
		 * Nothing to read in it.  Returning 0 would look like the end
		 * of the file, so queue it again and wait for the next one.
		 */
		fio->pos = 0;
		fio->end = 0;
		ret = vb2fio_give_back(q, fio);
		if (ret)
			return ret;
	}
	return 0;
}

/* write(): make an empty buffer current, an unused one if any is left. */
static int vb2fio_take_empty(struct vb2_queue *q, struct vb2_fileio_data *fio,
			     bool nonblock)
{
	struct vb2_fileio_slot *s;
	int ret;

	if (fio->fresh < fio->nslots) {
		s = &fio->slots[fio->fresh++];
	} else {
		ret = vb2fio_dequeue(q, fio, nonblock, &s);
		if (ret)
			return ret;
	}
	fio->cur = s;
	fio->pos = 0;
	fio->end = vb2_plane_size(s->vb, 0);
	return 0;
}

static ssize_t vb2fio_transfer(struct vb2_queue *q, void __user *ubuf,
			       size_t count, loff_t *ppos, bool nonblock,
			       bool read)
{
	struct vb2_fileio_data *fio;
	unsigned long left;
	size_t len;
	int ret;

	/*
	 * The buffers belong to the thread helper, or another caller sleeps
	 * in a dequeue with the lock dropped.
	 */
	if (q->threadio || q->waiting_in_dqbuf)
		return -EBUSY;

	if (!q->fileio) {
		ret = vb2_fileio_start(q, read);
		if (ret)
			return ret;
	}
	fio = q->fileio;
	if (fio->reading != read)
		return -EBUSY;

	/* A buffer the driver refused last time goes back first. */
	if (fio->cur && fio->pos == fio->end) {
		ret = vb2fio_give_back(q, fio);
		if (ret)
			return ret;
	}

	if (fio->eof) {
		/* Reported once; the next read() captures anew. */
		vb2_fileio_stop(q);
		return 0;
	}

	if (!count)
		return 0;

	if (!fio->cur) {
		if (read)
			ret = vb2fio_take_filled(q, fio, nonblock);
		else
			ret = vb2fio_take_empty(q, fio, nonblock);
		if (ret)
			return ret;
	}

	len = min_t(size_t, count, fio->end - fio->pos);
	if (read)
		left = copy_to_user(ubuf, fio->cur->vaddr + fio->pos, len);
	else
		left = copy_from_user(fio->cur->vaddr + fio->pos, ubuf, len);
	if (left)
		return -EFAULT;
	fio->pos += len;
	*ppos += len;

	if (fio->pos == fio->end || fio->eager) {
		ret = vb2fio_give_back(q, fio);
		/*
		 * The bytes of a read() reached the caller: report them, the
		 * next call retries the queuing.  Written bytes that did not
		 * make it to the driver are lost: say so now.
		 */
		if (ret && !read)
			return ret;
	}
	return len;
}

ssize_t vb2_read(struct vb2_queue *q, char __user *data, size_t count,
		 loff_t *ppos, int nonblock)
{
	return vb2fio_transfer(q, data, count, ppos, nonblock, true);
}
EXPORT_SYMBOL_GPL(vb2_read);

ssize_t vb2_write(struct vb2_queue *q, const char __user *data, size_t count,
		  loff_t *ppos, int nonblock)
{
	/* Only copied from; the shared path takes a plain user pointer. */
	return vb2fio_transfer(q, (void __user *)data, count, ppos, nonblock,
			       false);
}
EXPORT_SYMBOL_GPL(vb2_write);

static int vb2fio_thread(void *data)
{
	struct vb2_queue *q = data;
	struct vb2_threadio_data *th = q->threadio;
	struct vb2_fileio_data *fio = q->fileio;
	int ret = 0;

	set_freezable();

	while (!READ_ONCE(th->stop)) {
		struct vb2_fileio_slot *s;

		if (fio->fresh < fio->nslots) {
			/* Output: the callback fills the unused buffers first. */
			s = &fio->slots[fio->fresh++];
		} else {
			vb2fio_lock(q);
			ret = vb2fio_dequeue(q, fio, false, &s);
			vb2fio_unlock(q);
			if (ret)
				break;
		}

		try_to_freeze();
		if (READ_ONCE(th->stop))
			break;
		ret = th->fnc(s->vb, th->priv);
		if (ret)
			break;

		if (q->is_output && q->copy_timestamp)
			s->vb->timestamp = ktime_get_ns();
		vb2fio_lock(q);
		ret = vb2_core_qbuf(q, s->vb, NULL, NULL);
		vb2fio_unlock(q);
		if (ret)
			break;
	}

	pr_debug("%s: thread done (%d)\n", q->name, ret);
	return 0;
}

int vb2_thread_start(struct vb2_queue *q, vb2_thread_fnc fnc, void *priv,
		     const char *thread_name)
{
	struct vb2_threadio_data *th;
	struct task_struct *task;
	int ret;

	if (q->threadio)
		return -EBUSY;

	th = kzalloc(sizeof(*th), GFP_KERNEL);
	if (!th)
		return -ENOMEM;
	th->fnc = fnc;
	th->priv = priv;

	vb2fio_lock(q);
	/* The thread needs an emulator of its own. */
	ret = q->fileio ? -EBUSY : vb2_fileio_start(q, !q->is_output);
	if (ret)
		goto out_unlock;

	q->threadio = th;
	task = kthread_create(vb2fio_thread, q, "vb2-%s", thread_name);
	if (IS_ERR(task)) {
		ret = PTR_ERR(task);
		q->threadio = NULL;
		vb2_fileio_stop(q);
		goto out_unlock;
	}
	/* Kept until vb2_thread_stop(): the thread may end before that. */
	get_task_struct(task);
	th->task = task;
	wake_up_process(task);
	vb2fio_unlock(q);
	return 0;

out_unlock:
	vb2fio_unlock(q);
	kfree(th);
	return ret;
}
EXPORT_SYMBOL_GPL(vb2_thread_start);

int vb2_thread_stop(struct vb2_queue *q)
{
	struct vb2_threadio_data *th = q->threadio;

	if (!th)
		return 0;

	/* Without the lock: the thread may need it to get to its end. */
	vb2fio_halt_thread(q);

	vb2fio_lock(q);
	q->threadio = NULL;
	vb2_fileio_stop(q);
	vb2fio_unlock(q);
	kfree(th);
	return 0;
}
EXPORT_SYMBOL_GPL(vb2_thread_stop);
