/*
 * conn_connect.c - outgoing connections: resolve, connect, wrap in a conn.
 *
 * conn_connect() blocks the calling thread (poll with a timeout) and tries
 * every address the name resolves to; conn_connect_async() starts a
 * nonblocking connect and returns a conn in CONN_CONNECTING at once, whose
 * completion, failure or timeout the state machine in conn.c handles. Name
 * resolution (getaddrinfo) blocks in both: Glint passes numeric addresses
 * on hot paths. Also the address formatting shared with netsrv.c.
 */
#include "common/conn_i.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void conn_format_addr(const void *sa_, char *buf, size_t len)
{
	const struct sockaddr *sa = sa_;
	char ip[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = sa_;

		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = sa_;

		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, ntohs(in6->sin6_port));
	} else {
		snprintf(buf, len, "?");
	}
}

/* The IP address of sa (no port) into out[16] (IPv4 as v4-mapped IPv6);
 * 0, or -1 for another family. */
static int conn_ip16(const struct sockaddr_storage *sa, uint8_t out[16])
{
	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &in->sin_addr, 4);
		return 0;
	}
	if (sa->ss_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)(const void *)sa)
				     ->sin6_addr,
		       16);
		return 0;
	}
	return -1;
}

int conn_fd_same_host(int fd)
{
	static const uint8_t v6_lo[16] = { [15] = 1 }, v4_mapped[12] = {
		[10] = 0xff, [11] = 0xff };
	struct sockaddr_storage a, b;
	socklen_t al = sizeof(a), bl = sizeof(b);
	uint8_t ia[16], ib[16];

	if (getsockname(fd, (struct sockaddr *)&a, &al) ||
	    getpeername(fd, (struct sockaddr *)&b, &bl) || conn_ip16(&a, ia) ||
	    conn_ip16(&b, ib))
		return 0;
	if (!memcmp(ib, v6_lo, 16) ||
	    (!memcmp(ib, v4_mapped, 12) && ib[12] == 127))
		return 1; /* loopback: ::1, 127.0.0.0/8 */
	return !memcmp(ia, ib, 16);
}

static int conn_resolve(const char *host, uint16_t port, struct addrinfo **res)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM };
	char port_str[8];
	int rc;

	snprintf(port_str, sizeof(port_str), "%u", port);
	rc = getaddrinfo(host && *host ? host : "127.0.0.1", port_str, &hints,
			 res);
	if (rc == EAI_SYSTEM)
		return -errno;
	if (rc)
		return -EHOSTUNREACH;
	return 0;
}

/* Start a nonblocking connect to one address: 0 in flight, or -errno. */
static int conn_connect_addr(const struct addrinfo *ai, int *fdp)
{
	int fd, rc;

	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 &&
	    errno != EINPROGRESS) {
		rc = -errno;
		close(fd);
		return rc;
	}
	*fdp = fd;
	return 0;
}

int conn_connect_async(struct ev_loop *loop, const char *host, uint16_t port,
		       uint32_t timeout_ms, const struct conn_handlers *handlers,
		       struct conn **out)
{
	struct addrinfo *res, *ai;
	char peer[64];
	int rc, fd = -1;

	rc = conn_resolve(host, port, &res);
	if (rc)
		return rc;
	for (ai = res; ai; ai = ai->ai_next) {
		rc = conn_connect_addr(ai, &fd);
		if (!rc)
			break;
	}
	if (!rc) {
		conn_format_addr(ai->ai_addr, peer, sizeof(peer));
		rc = conn_create(loop, fd, peer, handlers, 1,
				 timeout_ms ? timeout_ms : CONN_DEFAULT_TIMEOUT_MS,
				 out);
	}
	freeaddrinfo(res);
	return rc;
}

int conn_connect(struct ev_loop *loop, const char *host, uint16_t port,
		 uint32_t timeout_ms, const struct conn_handlers *handlers,
		 struct conn **out)
{
	struct addrinfo *res, *ai;
	char peer[64];
	int rc = -EHOSTUNREACH, fd = -1;

	rc = conn_resolve(host, port, &res);
	if (rc)
		return rc;
	for (ai = res; ai; ai = ai->ai_next) {
		struct pollfd pfd;
		int err = 0;
		socklen_t len = sizeof(err);

		rc = conn_connect_addr(ai, &fd);
		if (rc)
			continue;
		pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
		do {
			rc = poll(&pfd, 1, timeout_ms ? (int)timeout_ms :
					CONN_DEFAULT_TIMEOUT_MS);
		} while (rc < 0 && errno == EINTR);
		if (rc == 0)
			err = ETIMEDOUT;
		else if (rc < 0 ||
			 getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		rc = -err;
		if (!rc)
			break;
		close(fd);
	}
	if (!rc) {
		conn_format_addr(ai->ai_addr, peer, sizeof(peer));
		rc = conn_create(loop, fd, peer, handlers, 0, 0, out);
	}
	freeaddrinfo(res);
	return rc;
}
