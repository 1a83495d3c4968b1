/*
 * net.c - TCP socket helpers (net.h).
 *
 * Design: every socket is made with SOCK_NONBLOCK | SOCK_CLOEXEC in the one
 * socket() call, so no descriptor ever leaks into a child between socket()
 * and fcntl(). Name resolution goes through one function, net_resolve(),
 * which turns getaddrinfo()'s EAI_* codes into negative errnos; nothing else
 * in Glint calls getaddrinfo().
 *
 * net_connect() is a non-blocking connect() per resolved address followed by
 * poll() for writability against one monotonic deadline shared by all
 * addresses, then SO_ERROR for the outcome. It blocks the calling thread:
 * programs call it at startup or from a thread that may block, never from an
 * event-loop callback (those connect non-blockingly and watch the fd).
 *
 * When several bind attempts fail, the error reported is the most telling
 * one: -EADDRINUSE wins over -EADDRNOTAVAIL, because "port 988 is in use" is
 * what the user must hear.
 */
#include "common/net.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Parse a decimal port 0..65535 of exactly len characters. */
static int net_parse_port(const char *s, size_t len, uint16_t *port)
{
	unsigned long v = 0;

	if (len == 0 || len > 5)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* Check an unbracketed host: a name or a dotted IPv4 literal. */
static int net_check_host(const char *h, size_t len)
{
	char buf[NET_HOST_MAX];
	struct in_addr a4;
	bool digits_dots = true, all_digits = true;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)h[i];

		if (!isalnum(c) && c != '-' && c != '.' && c != '_')
			return -EINVAL;
		if (!isdigit(c))
			all_digits = false;
		if (!isdigit(c) && c != '.')
			digits_dots = false;
	}
	if (len > 0 && all_digits)
		return -EINVAL;
	if (len > 0 && digits_dots) {
		if (len >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, h, len);
		buf[len] = '\0';
		if (inet_pton(AF_INET, buf, &a4) != 1)
			return -EINVAL;
	}
	return 0;
}

int net_parse_hostport(const char *s, int default_port, char *host,
		       size_t host_len, uint16_t *port)
{
	const char *h, *rest, *colon;
	size_t hlen;
	char v6[INET6_ADDRSTRLEN + 1];
	struct in6_addr a6;
	int rc;

	if (!s || !host || !port || host_len == 0)
		return -EINVAL;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close)
			return -EINVAL;
		h = s + 1;
		hlen = (size_t)(close - h);
		if (hlen == 0 || hlen >= sizeof(v6))
			return -EINVAL;
		memcpy(v6, h, hlen);
		v6[hlen] = '\0';
		if (inet_pton(AF_INET6, v6, &a6) != 1)
			return -EINVAL;
		rest = close + 1;
		if (*rest != '\0' && *rest != ':')
			return -EINVAL;
		colon = *rest == ':' ? rest : NULL;
	} else {
		colon = strrchr(s, ':');
		h = s;
		hlen = colon ? (size_t)(colon - s) : strlen(s);
		if (memchr(h, ':', hlen))
			return -EINVAL; /* unbracketed IPv6 */
		rc = net_check_host(h, hlen);
		if (rc)
			return rc;
		if (!colon && hlen == 0)
			return -EINVAL;
	}
	if (colon) {
		rc = net_parse_port(colon + 1, strlen(colon + 1), port);
		if (rc)
			return rc;
	} else {
		if (default_port < 0 || default_port > 65535)
			return -EINVAL;
		*port = (uint16_t)default_port;
	}
	if (hlen >= host_len)
		return -ENAMETOOLONG;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	return 0;
}

/* Map getaddrinfo()'s result codes to negative errnos. */
static int net_gai_errno(int eai, int saved_errno)
{
	switch (eai) {
	case 0:
		return 0;
	case EAI_NONAME:
	case EAI_NODATA:
	case EAI_FAIL:
	case EAI_ADDRFAMILY:
		return -ENXIO;
	case EAI_AGAIN:
		return -EAGAIN;
	case EAI_MEMORY:
		return -ENOMEM;
	case EAI_SYSTEM:
		return saved_errno ? -saved_errno : -EIO;
	default:
		return -EINVAL;
	}
}

/*
 * Resolve host (NULL/"" = wildcard if passive, loopback otherwise; brackets
 * allowed) and port. On success *out must be released with freeaddrinfo().
 */
static int net_resolve(const char *host, uint16_t port, bool passive,
		       struct addrinfo **out)
{
	struct addrinfo hints = {
	    .ai_family = AF_UNSPEC,
	    .ai_socktype = SOCK_STREAM,
	    .ai_protocol = IPPROTO_TCP,
	    .ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0),
	};
	char name[NET_HOST_MAX];
	char serv[8];
	const char *node = NULL;
	int eai;

	if (host && host[0] == '[') {
		size_t len = strlen(host);

		if (len < 3 || host[len - 1] != ']' || len - 2 >= sizeof(name))
			return -EINVAL;
		memcpy(name, host + 1, len - 2);
		name[len - 2] = '\0';
		node = name;
		hints.ai_flags |= AI_NUMERICHOST;
	} else if (host && host[0]) {
		node = host;
	}
	snprintf(serv, sizeof(serv), "%u", (unsigned)port);
	errno = 0;
	eai = getaddrinfo(node, serv, &hints, out);
	return net_gai_errno(eai, errno);
}

/* Rank bind errors: the one worth reporting when every address failed. */
static int net_bind_err_rank(int err)
{
	switch (err) {
	case -EADDRINUSE:
		return 3;
	case -EACCES:
		return 2;
	case -EADDRNOTAVAIL:
		return 0;
	default:
		return 1;
	}
}

/* socket + SO_REUSEADDR + bind + listen for one address; fd or -errno. */
static int net_listen_addr(int family, const struct sockaddr *sa,
			   socklen_t salen, int backlog, bool dual_stack)
{
	int one = 1, zero = 0;
	int fd, rc;

	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto err;
	if (dual_stack &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0)
		goto err;
	if (bind(fd, sa, salen) < 0)
		goto err;
	if (listen(fd, backlog) < 0)
		goto err;
	return fd;
err:
	rc = -errno;
	close(fd);
	return rc;
}

/* The port a bound socket got; 0 and *port set, or -errno. */
static int net_local_port(int fd, uint16_t *port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	if (ss.ss_family == AF_INET)
		*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else if (ss.ss_family == AF_INET6)
		*port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		return -EAFNOSUPPORT;
	return 0;
}

/* Wildcard listen: dual-stack "::" when IPv6 exists, else 0.0.0.0. */
static int net_listen_any(uint16_t port, int backlog)
{
	struct sockaddr_in6 s6 = {
	    .sin6_family = AF_INET6,
	    .sin6_port = htons(port),
	    .sin6_addr = IN6ADDR_ANY_INIT,
	};
	struct sockaddr_in s4 = {
	    .sin_family = AF_INET,
	    .sin_port = htons(port),
	    .sin_addr.s_addr = htonl(INADDR_ANY),
	};
	int fd;

	fd = net_listen_addr(AF_INET6, (struct sockaddr *)&s6, sizeof(s6),
			     backlog, true);
	if (fd == -EAFNOSUPPORT || fd == -EADDRNOTAVAIL)
		fd = net_listen_addr(AF_INET, (struct sockaddr *)&s4,
				     sizeof(s4), backlog, false);
	return fd;
}

int net_listen(const char *host, uint16_t port, int backlog,
	       uint16_t *bound_port)
{
	struct addrinfo *ais = NULL, *ai;
	int fd = -EINVAL, rc;

	if (backlog <= 0)
		backlog = SOMAXCONN;
	if (!host || !host[0]) {
		fd = net_listen_any(port, backlog);
	} else {
		rc = net_resolve(host, port, true, &ais);
		if (rc)
			return rc;
		for (ai = ais; ai; ai = ai->ai_next) {
			rc = net_listen_addr(ai->ai_family, ai->ai_addr,
					     ai->ai_addrlen, backlog, false);
			if (rc >= 0) {
				fd = rc;
				break;
			}
			if (fd == -EINVAL ||
			    net_bind_err_rank(rc) > net_bind_err_rank(fd))
				fd = rc;
		}
		freeaddrinfo(ais);
	}
	if (fd < 0)
		return fd;
	if (bound_port) {
		rc = net_local_port(fd, bound_port);
		if (rc) {
			close(fd);
			return rc;
		}
	}
	return fd;
}

int net_accept(int lfd, char *peer, size_t peer_len)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd;

	fd = accept4(lfd, (struct sockaddr *)&ss, &len,
		     SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (peer && peer_len)
		net_format_addr((struct sockaddr *)&ss, len, peer, peer_len);
	return fd;
}

static int64_t net_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Connect one socket to one address, waiting until deadline_ms (monotonic;
 * negative: no deadline). Returns the fd or -errno.
 */
static int net_connect_addr(const struct addrinfo *ai, int64_t deadline_ms)
{
	struct pollfd pfd;
	socklen_t elen;
	int fd, rc, err, wait_ms;

	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		rc = -errno;
		goto err;
	}
	for (;;) {
		wait_ms = -1;
		if (deadline_ms >= 0) {
			int64_t left = deadline_ms - net_now_ms();

			if (left <= 0) {
				rc = -ETIMEDOUT;
				goto err;
			}
			wait_ms = left > 1000000000 ? 1000000000 : (int)left;
		}
		pfd = (struct pollfd){.fd = fd, .events = POLLOUT};
		rc = poll(&pfd, 1, wait_ms);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			rc = -errno;
			goto err;
		}
		if (rc == 0) {
			rc = -ETIMEDOUT;
			goto err;
		}
		break;
	}
	err = 0;
	elen = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0) {
		rc = -errno;
		goto err;
	}
	if (err) {
		rc = -err;
		goto err;
	}
	return fd;
err:
	close(fd);
	return rc;
}

int net_connect(const char *host, uint16_t port, int timeout_ms)
{
	struct addrinfo *ais = NULL, *ai;
	int64_t deadline = timeout_ms < 0 ? -1 : net_now_ms() + timeout_ms;
	int rc;

	rc = net_resolve(host, port, false, &ais);
	if (rc)
		return rc;
	rc = -EHOSTUNREACH;
	for (ai = ais; ai; ai = ai->ai_next) {
		rc = net_connect_addr(ai, deadline);
		if (rc >= 0 || rc == -ETIMEDOUT)
			break;
	}
	freeaddrinfo(ais);
	return rc;
}

int net_set_nonblock(int fd, bool on)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0)
		return -errno;
	flags = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
	if (fcntl(fd, F_SETFL, flags) < 0)
		return -errno;
	return 0;
}

static int net_setsockopt_int(int fd, int level, int name, int value)
{
	if (setsockopt(fd, level, name, &value, sizeof(value)) < 0)
		return -errno;
	return 0;
}

int net_set_nodelay(int fd, bool on)
{
	return net_setsockopt_int(fd, IPPROTO_TCP, TCP_NODELAY, on ? 1 : 0);
}

int net_set_bufsizes(int fd, int sndbuf, int rcvbuf)
{
	int rc = 0;

	if (sndbuf > 0)
		rc = net_setsockopt_int(fd, SOL_SOCKET, SO_SNDBUF, sndbuf);
	if (!rc && rcvbuf > 0)
		rc = net_setsockopt_int(fd, SOL_SOCKET, SO_RCVBUF, rcvbuf);
	return rc;
}

int net_set_keepalive(int fd, int idle_s, int interval_s, int count)
{
	int rc;

	rc = net_setsockopt_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
	if (!rc && idle_s > 0)
		rc = net_setsockopt_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, idle_s);
	if (!rc && interval_s > 0)
		rc = net_setsockopt_int(fd, IPPROTO_TCP, TCP_KEEPINTVL,
					interval_s);
	if (!rc && count > 0)
		rc = net_setsockopt_int(fd, IPPROTO_TCP, TCP_KEEPCNT, count);
	return rc;
}

int net_format_addr(const struct sockaddr *sa, socklen_t salen, char *buf,
		    size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	unsigned port;
	int n;

	if (!buf || len == 0)
		return -EINVAL;
	if (sa->sa_family == AF_INET && salen >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		port = ntohs(s4->sin_port);
		n = snprintf(buf, len, "%s:%u", ip, port);
	} else if (sa->sa_family == AF_INET6 &&
		   salen >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		port = ntohs(s6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], ip,
				  sizeof(ip));
			n = snprintf(buf, len, "%s:%u", ip, port);
		} else {
			inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
			n = snprintf(buf, len, "[%s]:%u", ip, port);
		}
	} else {
		snprintf(buf, len, "?");
		return -EAFNOSUPPORT;
	}
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

typedef int (*net_name_fn)(int, struct sockaddr *, socklen_t *);

static int net_name(net_name_fn fn, int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t slen = sizeof(ss);

	if (!buf || len == 0)
		return -EINVAL;
	if (fn(fd, (struct sockaddr *)&ss, &slen) < 0) {
		int rc = -errno;

		snprintf(buf, len, "?");
		return rc;
	}
	return net_format_addr((struct sockaddr *)&ss, slen, buf, len);
}

int net_peer_name(int fd, char *buf, size_t len)
{
	return net_name(getpeername, fd, buf, len);
}

int net_sock_name(int fd, char *buf, size_t len)
{
	return net_name(getsockname, fd, buf, len);
}
