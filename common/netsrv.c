/*
 * netsrv.c - a TCP listener feeding connections to N libev loop threads.
 *
 * Thread 0 is the caller's loop: it owns the listening socket and accepts.
 * Threads 1..N-1 each run a loop of their own. Accepted sockets are dealt
 * round robin over all N threads; a worker receives its sockets through a
 * locked queue and an ev_async wakeup (the memcached thread.c pattern) and
 * wraps them into conns on its own loop, which then owns them for good.
 *
 * Limits: past max_conns an accepted socket is closed at once and logged
 * (rate limited). When accept() runs out of descriptors or memory (EMFILE,
 * ENFILE, ENOBUFS, ENOMEM) the listener pauses for NETSRV_BACKOFF_MS
 * instead of spinning on a socket it cannot take. A connection that sends no
 * frame within idle_timeout_ms of its accept is closed.
 *
 * Stopping runs on thread 0: the listener closes, each worker closes its
 * conns and leaves its loop, the workers are joined and their loops
 * destroyed, then thread 0's conns close. Conns still referenced by a
 * handler survive as closed shells until their last conn_put().
 *
 * Not done here: conns the program itself opens on a worker loop (they
 * would outlive the loop); TLS; UNIX sockets.
 */
#include "common/conn_i.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"

#define NETSRV_BACKLOG	     1024
#define NETSRV_MAX_CONNS     4096 /* max_conns 0 */
#define NETSRV_BACKOFF_MS    100  /* accept pause after EMFILE */
#define NETSRV_ACCEPT_BATCH  64	  /* accepts per readiness event */

/* An accepted socket on its way to a worker. */
struct netsrv_fd {
	struct netsrv_fd *next;
	int fd;
	char peer[64];
};

struct netsrv_thread {
	struct netsrv *srv;
	unsigned idx;		/* 0 = the caller's loop */
	struct ev_loop *loop;
	pthread_t tid;
	int started;		/* tid is joinable */
	ev_async wake;		/* new sockets or stop (workers only) */
	pthread_mutex_t mu;	/* guards q_* and stopping */
	struct netsrv_fd *q_head, *q_tail;
	int stopping;
	struct conn *conns;	/* open conns on this thread (loop thread) */
};

struct netsrv {
	struct ev_loop *loop;	/* thread 0's, the caller's */
	const struct conn_handlers *handlers;
	uint32_t idle_timeout_ms;
	unsigned max_conns;
	atomic_uint nconns;	/* open or on their way to a worker */
	int lfd;		/* listening socket */
	ev_io lio;
	ev_timer backoff;	/* re-arms lio after EMFILE */
	unsigned nthreads;
	unsigned next;		/* round robin cursor */
	struct netsrv_thread *threads;
};

/* A conn of ours closed (on its loop thread). */
static void netsrv_conn_release(struct conn *c)
{
	struct netsrv_thread *t = c->owner;

	if (c->own_prev)
		c->own_prev->own_next = c->own_next;
	else
		t->conns = c->own_next;
	if (c->own_next)
		c->own_next->own_prev = c->own_prev;
	c->own_prev = c->own_next = NULL;
	atomic_fetch_sub(&t->srv->nconns, 1);
}

/* Wrap an accepted socket into a conn on t's loop (t's thread). */
static void netsrv_adopt(struct netsrv_thread *t, int fd, const char *peer)
{
	struct netsrv *s = t->srv;
	struct conn *c;
	int rc;

	rc = conn_create(t->loop, fd, peer, s->handlers, 0, s->idle_timeout_ms,
			 &c);
	if (rc) {
		LOG_RATELIMITED(LOG_NOTICE, "conn", "peer=%s closed: %s", peer,
				strerror(-rc));
		atomic_fetch_sub(&s->nconns, 1);
		return;
	}
	c->owner = t;
	c->release = netsrv_conn_release;
	c->own_next = t->conns;
	if (t->conns)
		t->conns->own_prev = c;
	t->conns = c;
}

static void netsrv_close_all(struct netsrv_thread *t)
{
	while (t->conns)
		conn_close(t->conns, "server stopping");
}

static void netsrv_on_wake(struct ev_loop *loop, ev_async *w, int revents)
{
	struct netsrv_thread *t = w->data;
	struct netsrv_fd *f, *next;
	int stopping;

	pthread_mutex_lock(&t->mu);
	f = t->q_head;
	t->q_head = t->q_tail = NULL;
	stopping = t->stopping;
	pthread_mutex_unlock(&t->mu);
	for (; f; f = next) {
		next = f->next;
		if (stopping) {
			close(f->fd);
			atomic_fetch_sub(&t->srv->nconns, 1);
		} else {
			netsrv_adopt(t, f->fd, f->peer);
		}
		free(f);
	}
	if (stopping) {
		netsrv_close_all(t);
		ev_async_stop(loop, &t->wake);
		ev_break(loop, EVBREAK_ALL);
	}
}

static void *netsrv_thread_main(void *arg)
{
	struct netsrv_thread *t = arg;

	ev_run(t->loop, 0);
	return NULL;
}

/* Hand an accepted socket to thread t. */
static void netsrv_dispatch(struct netsrv_thread *t, int fd, const char *peer)
{
	struct netsrv_fd *f;

	if (t->idx == 0) {
		netsrv_adopt(t, fd, peer);
		return;
	}
	f = malloc(sizeof(*f));
	if (!f) {
		LOG_RATELIMITED(LOG_NOTICE, "conn", "peer=%s closed: %s", peer,
				"out of memory");
		close(fd);
		atomic_fetch_sub(&t->srv->nconns, 1);
		return;
	}
	f->next = NULL;
	f->fd = fd;
	snprintf(f->peer, sizeof(f->peer), "%s", peer);
	pthread_mutex_lock(&t->mu);
	if (t->q_tail)
		t->q_tail->next = f;
	else
		t->q_head = f;
	t->q_tail = f;
	ev_async_send(t->loop, &t->wake);
	pthread_mutex_unlock(&t->mu);
}

static void netsrv_on_backoff(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct netsrv *s = w->data;

	ev_io_start(loop, &s->lio);
}

static void netsrv_on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct netsrv *s = w->data;

	for (int i = 0; i < NETSRV_ACCEPT_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		char peer[64];
		int fd;

		fd = accept4(s->lfd, (struct sockaddr *)&ss, &len,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			int err = errno;

			if (err == EINTR || err == ECONNABORTED || err == EPROTO)
				continue;
			if (err == EAGAIN || err == EWOULDBLOCK)
				return;
			LOG_RATELIMITED(LOG_WARNING, "conn",
					"accept: %s; pausing %u ms",
					strerror(err), NETSRV_BACKOFF_MS);
			/* EMFILE and friends: the socket stays queued, so
			 * retrying now would spin. */
			ev_io_stop(loop, &s->lio);
			ev_timer_set(&s->backoff, NETSRV_BACKOFF_MS / 1000.0, 0.);
			ev_timer_start(loop, &s->backoff);
			return;
		}
		conn_format_addr(&ss, peer, sizeof(peer));
		if (atomic_fetch_add(&s->nconns, 1) >= s->max_conns) {
			atomic_fetch_sub(&s->nconns, 1);
			LOG_RATELIMITED(LOG_NOTICE, "conn",
					"peer=%s closed: refused, max_conns=%u reached",
					peer, s->max_conns);
			close(fd);
			continue;
		}
		netsrv_dispatch(&s->threads[s->next++ % s->nthreads], fd, peer);
	}
}

static int netsrv_listen(const char *host, uint16_t port, int *out)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE };
	struct addrinfo *res, *ai;
	char port_str[8];
	int rc, fd = -1, one = 1;

	snprintf(port_str, sizeof(port_str), "%u", port);
	rc = getaddrinfo(host && *host ? host : NULL, port_str, &hints, &res);
	if (rc)
		return rc == EAI_SYSTEM ? -errno : -EADDRNOTAVAIL;
	rc = -EADDRNOTAVAIL;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family,
			    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			rc = -errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, NETSRV_BACKLOG) == 0) {
			rc = 0;
			break;
		}
		rc = -errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	*out = fd;
	return rc;
}

static uint16_t netsrv_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* Stop and join workers [1, n), destroy their loops. */
static void netsrv_stop_workers(struct netsrv *s, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		struct netsrv_thread *t = &s->threads[i];

		if (!t->started)
			continue;
		pthread_mutex_lock(&t->mu);
		t->stopping = 1;
		ev_async_send(t->loop, &t->wake);
		pthread_mutex_unlock(&t->mu);
	}
	for (unsigned i = 1; i < n; i++) {
		struct netsrv_thread *t = &s->threads[i];

		if (t->started)
			pthread_join(t->tid, NULL);
		if (t->loop)
			ev_loop_destroy(t->loop);
		pthread_mutex_destroy(&t->mu);
	}
}

int netsrv_start(struct ev_loop *loop, const struct netsrv_config *cfg,
		 struct netsrv **out, uint16_t *bound_port)
{
	struct netsrv *s;
	unsigned i;
	int rc = -ENOMEM;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->handlers = cfg->handlers;
	s->idle_timeout_ms = cfg->idle_timeout_ms ? cfg->idle_timeout_ms :
						    CONN_IDLE_TIMEOUT_MS;
	s->max_conns = cfg->max_conns ? cfg->max_conns : NETSRV_MAX_CONNS;
	s->nthreads = cfg->nthreads ? cfg->nthreads : 1;
	s->threads = calloc(s->nthreads, sizeof(*s->threads));
	if (!s->threads)
		goto err_srv;
	rc = netsrv_listen(cfg->host, cfg->port, &s->lfd);
	if (rc)
		goto err_threads;
	for (i = 0; i < s->nthreads; i++) {
		struct netsrv_thread *t = &s->threads[i];

		t->srv = s;
		t->idx = i;
		pthread_mutex_init(&t->mu, NULL);
		if (i == 0) {
			t->loop = loop;
			continue;
		}
		rc = -ENOMEM;
		t->loop = ev_loop_new(EVFLAG_AUTO);
		if (!t->loop)
			goto err_workers;
		ev_async_init(&t->wake, netsrv_on_wake);
		t->wake.data = t;
		ev_async_start(t->loop, &t->wake);
		rc = -pthread_create(&t->tid, NULL, netsrv_thread_main, t);
		if (rc)
			goto err_workers;
		t->started = 1;
	}
	ev_io_init(&s->lio, netsrv_on_accept, s->lfd, EV_READ);
	s->lio.data = s;
	ev_timer_init(&s->backoff, netsrv_on_backoff, 0., 0.);
	s->backoff.data = s;
	ev_io_start(loop, &s->lio);
	if (bound_port)
		*bound_port = netsrv_port(s->lfd);
	log_msg(LOG_INFO, "conn", "listening on port %u with %u threads",
		netsrv_port(s->lfd), s->nthreads);
	*out = s;
	return 0;
err_workers:
	/* Threads [1, i) run; i's mutex exists (and maybe its loop). */
	netsrv_stop_workers(s, i + 1);
	pthread_mutex_destroy(&s->threads[0].mu);
	close(s->lfd);
err_threads:
	free(s->threads);
err_srv:
	free(s);
	return rc;
}

void netsrv_stop(struct netsrv *s)
{
	if (!s)
		return;
	ev_io_stop(s->loop, &s->lio);
	ev_timer_stop(s->loop, &s->backoff);
	close(s->lfd);
	netsrv_stop_workers(s, s->nthreads);
	netsrv_close_all(&s->threads[0]);
	pthread_mutex_destroy(&s->threads[0].mu);
	free(s->threads);
	free(s);
}
