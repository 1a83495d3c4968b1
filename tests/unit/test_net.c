/*
 * test_net.c - unit tests of common/net.c, on loopback only.
 *
 * Address parsing (good and bad forms), listening on an ephemeral port,
 * connecting and accepting, peer names for logs, a busy port reported as
 * -EADDRINUSE, a closed port as -ECONNREFUSED, a full accept queue as
 * -ETIMEDOUT, name resolution of "localhost", and the socket option setters.
 * Every port is ephemeral; a closed port is made by binding a socket without
 * listening, so nobody else can take it during the test. IPv6 checks are
 * skipped when the machine has no ::1. Exit 0 pass, 1 fail, 77 skip.
 */
#include "common/net.h"
#include "tests/unit/check.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHECK_RC(expr, want)                                                 \
	do {                                                                 \
		int got_ = (expr), want_ = (want);                           \
		if (got_ != want_) {                                         \
			fprintf(stderr,                                      \
				"%s:%d: %s = %d (%s), want %d (%s)\n",       \
				__FILE__, __LINE__, #expr, got_,             \
				got_ < 0 ? strerror(-got_) : "ok", want_,    \
				want_ < 0 ? strerror(-want_) : "ok");        \
			failures++;                                          \
		}                                                            \
	} while (0)

static void test_parse(void)
{
	static const struct {
		const char *s;
		int default_port;
		int rc;
		const char *host;
		uint16_t port;
	} cases[] = {
		{ "10.0.0.5:988", -1, 0, "10.0.0.5", 988 },
		{ "0.0.0.0:0", -1, 0, "0.0.0.0", 0 },
		{ "[::1]:988", -1, 0, "::1", 988 },
		{ "[fe80::1:2]:65535", -1, 0, "fe80::1:2", 65535 },
		{ ":988", -1, 0, "", 988 },
		{ "mds1.example.com:1018", -1, 0, "mds1.example.com", 1018 },
		{ "oss_2-a:7", -1, 0, "oss_2-a", 7 },
		{ "mds1", 988, 0, "mds1", 988 },
		{ "[::1]", 988, 0, "::1", 988 },
		{ "mds1:1", 988, 0, "mds1", 1 },
		{ "mds1", -1, -EINVAL, NULL, 0 },
		{ "", 988, -EINVAL, NULL, 0 },
		{ ":", 988, -EINVAL, NULL, 0 },
		{ "host:", -1, -EINVAL, NULL, 0 },
		{ "host:65536", -1, -EINVAL, NULL, 0 },
		{ "host:123456", -1, -EINVAL, NULL, 0 },
		{ "host:-1", -1, -EINVAL, NULL, 0 },
		{ "host:8a", -1, -EINVAL, NULL, 0 },
		{ "host: 8", -1, -EINVAL, NULL, 0 },
		{ "::1:988", -1, -EINVAL, NULL, 0 },
		{ "::1", 988, -EINVAL, NULL, 0 },
		{ "[::1", -1, -EINVAL, NULL, 0 },
		{ "[::1]988", -1, -EINVAL, NULL, 0 },
		{ "[]:988", -1, -EINVAL, NULL, 0 },
		{ "[mds1]:988", -1, -EINVAL, NULL, 0 },
		{ "[1.2.3.4]:988", -1, -EINVAL, NULL, 0 },
		{ "300.1.1.1:988", -1, -EINVAL, NULL, 0 },
		{ "1.2.3:988", -1, -EINVAL, NULL, 0 }, /* digits and dots: IPv4 */
		{ "988", 988, -EINVAL, NULL, 0 },
		{ "a b:1", -1, -EINVAL, NULL, 0 },
		{ "a/b:1", -1, -EINVAL, NULL, 0 },
		{ "mds1:988", 70000, 0, "mds1", 988 },
		{ "mds1", 70000, -EINVAL, NULL, 0 },
	};
	char host[NET_HOST_MAX], small[4];
	uint16_t port;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = net_parse_hostport(cases[i].s, cases[i].default_port,
					    host, sizeof(host), &port);

		if (rc != cases[i].rc)
			fprintf(stderr, "parse \"%s\": rc %d want %d\n",
				cases[i].s, rc, cases[i].rc);
		CHECK(rc == cases[i].rc);
		if (rc == 0 && cases[i].rc == 0) {
			CHECK(strcmp(host, cases[i].host) == 0);
			CHECK(port == cases[i].port);
		}
	}
	CHECK_RC(net_parse_hostport("longname:1", -1, small, sizeof(small),
				    &port),
		 -ENAMETOOLONG);
	CHECK_RC(net_parse_hostport("abc:1", -1, small, sizeof(small), &port),
		 0);
	CHECK_RC(net_parse_hostport(NULL, 1, host, sizeof(host), &port),
		 -EINVAL);
}

/* Wait until fd is readable (a pending connection, data) or 2 s pass. */
static int wait_readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 2000) == 1 ? 0 : -ETIMEDOUT;
}

static bool fd_flags_ok(int fd)
{
	return (fcntl(fd, F_GETFL) & O_NONBLOCK) &&
	       (fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

/* Connect to host:port, accept, check names and one byte each way. */
static void check_pair(int lfd, const char *host, uint16_t port,
		       const char *want_prefix)
{
	char peer[NET_ADDR_MAX], name[NET_ADDR_MAX], c = 'x';
	int cfd, sfd;

	cfd = net_connect(host, port, 2000);
	CHECK(cfd >= 0);
	if (cfd < 0) {
		fprintf(stderr, "connect %s:%u: %s\n", host ? host : "(null)",
			port, strerror(-cfd));
		return;
	}
	CHECK(fd_flags_ok(cfd));
	CHECK(wait_readable(lfd) == 0);
	sfd = net_accept(lfd, peer, sizeof(peer));
	CHECK(sfd >= 0);
	if (sfd >= 0) {
		CHECK(fd_flags_ok(sfd));
		CHECK(strncmp(peer, want_prefix, strlen(want_prefix)) == 0);
		CHECK(net_sock_name(cfd, name, sizeof(name)) == 0);
		CHECK(strcmp(name, peer) == 0);
		CHECK(net_peer_name(sfd, name, sizeof(name)) == 0);
		CHECK(strcmp(name, peer) == 0);
		CHECK(net_peer_name(cfd, name, sizeof(name)) == 0);
		CHECK(strncmp(name, want_prefix, strlen(want_prefix)) == 0);
		CHECK(write(cfd, &c, 1) == 1);
		c = 0;
		CHECK(wait_readable(sfd) == 0);
		CHECK(read(sfd, &c, 1) == 1 && c == 'x');
		close(sfd);
	} else {
		fprintf(stderr, "accept: %s\n", strerror(-sfd));
	}
	close(cfd);
}

static void test_listen_connect(void)
{
	uint16_t port = 0, port2 = 0;
	int lfd, lfd2;
	char name[NET_ADDR_MAX];

	lfd = net_listen("127.0.0.1", 0, 16, &port);
	CHECK(lfd >= 0);
	if (lfd < 0)
		return;
	CHECK(port != 0);
	CHECK(fd_flags_ok(lfd));
	CHECK(net_sock_name(lfd, name, sizeof(name)) == 0);
	{
		char want[NET_ADDR_MAX];

		snprintf(want, sizeof(want), "127.0.0.1:%u", port);
		CHECK(strcmp(name, want) == 0);
	}
	CHECK_RC(net_accept(lfd, NULL, 0), -EAGAIN);

	check_pair(lfd, "127.0.0.1", port, "127.0.0.1:");
	/* "localhost" may resolve to ::1 first: the fallback must work. */
	check_pair(lfd, "localhost", port, "127.0.0.1:");

	/* The same port again: in use, whatever SO_REUSEADDR says. */
	CHECK_RC(net_listen("127.0.0.1", port, 16, NULL), -EADDRINUSE);
	/* A wildcard listen on it collides too. */
	CHECK_RC(net_listen(NULL, port, 16, NULL), -EADDRINUSE);
	close(lfd);

	/* Wildcard: dual stack, IPv4 peers shown without ::ffff:. */
	lfd2 = net_listen("", 0, 16, &port2);
	CHECK(lfd2 >= 0 && port2 != 0);
	if (lfd2 >= 0) {
		check_pair(lfd2, "127.0.0.1", port2, "127.0.0.1:");
		check_pair(lfd2, NULL, port2, ""); /* local machine */
		CHECK_RC(net_listen("127.0.0.1", port2, 16, NULL),
			 -EADDRINUSE);
		close(lfd2);
	}
}

static void test_ipv6(void)
{
	uint16_t port = 0;
	int lfd;

	lfd = net_listen("::1", 0, 16, &port);
	if (lfd == -EADDRNOTAVAIL || lfd == -EAFNOSUPPORT || lfd == -ENXIO) {
		fprintf(stderr, "no IPv6 loopback: skipping IPv6 checks\n");
		return;
	}
	CHECK(lfd >= 0);
	if (lfd < 0)
		return;
	check_pair(lfd, "::1", port, "[::1]:");
	check_pair(lfd, "[::1]", port, "[::1]:");
	CHECK_RC(net_listen("[::1]", port, 16, NULL), -EADDRINUSE);
	close(lfd);
}

static void test_refused(void)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t len = sizeof(sin);
	int fd;

	/* Bound but not listening: the port is ours and refuses. */
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0);
	CHECK(bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	CHECK(getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
	CHECK_RC(net_connect("127.0.0.1", ntohs(sin.sin_port), 2000),
		 -ECONNREFUSED);
	CHECK_RC(net_connect("127.0.0.1", ntohs(sin.sin_port), -1),
		 -ECONNREFUSED);
	close(fd);
}

static int read_sysctl(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void test_timeout(void)
{
	int fds[8], n = 0, rc = 0, lfd;
	uint16_t port;

	/*
	 * A full accept queue makes Linux drop further SYNs (unless
	 * tcp_abort_on_overflow), so a connect to it times out.
	 */
	if (read_sysctl("/proc/sys/net/ipv4/tcp_abort_on_overflow") != 0) {
		fprintf(stderr, "tcp_abort_on_overflow set: skipping timeout\n");
		return;
	}
	lfd = net_listen("127.0.0.1", 0, 1, &port);
	CHECK(lfd >= 0);
	if (lfd < 0)
		return;
	while (n < 8) {
		rc = net_connect("127.0.0.1", port, 200);
		if (rc < 0)
			break;
		fds[n++] = rc;
	}
	CHECK_RC(rc, -ETIMEDOUT);
	while (n > 0)
		close(fds[--n]);
	close(lfd);
}

static void test_errors(void)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(988),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	char buf[NET_ADDR_MAX], tiny[6];
	int fd;

	CHECK_RC(net_listen("[zz]", 0, 16, NULL), -ENXIO);
	CHECK_RC(net_listen("[::1", 0, 16, NULL), -EINVAL);
	CHECK_RC(net_connect("[zz]", 1, 100), -ENXIO);

	CHECK(net_format_addr((struct sockaddr *)&sin, sizeof(sin), buf,
			      sizeof(buf)) == 0);
	CHECK(strcmp(buf, "127.0.0.1:988") == 0);
	CHECK_RC(net_format_addr((struct sockaddr *)&sin, sizeof(sin), tiny,
				 sizeof(tiny)),
		 -ENOSPC);

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0);
	CHECK_RC(net_peer_name(fd, buf, sizeof(buf)), -ENOTCONN);
	CHECK(strcmp(buf, "?") == 0);
	close(fd);
	CHECK_RC(net_peer_name(-1, buf, sizeof(buf)), -EBADF);
}

static int getsockopt_int(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, level, name, &v, &len) < 0)
		return -errno;
	return v;
}

static void test_setters(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	CHECK(fd >= 0);
	CHECK_RC(net_set_nonblock(fd, true), 0);
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
	CHECK_RC(net_set_nonblock(fd, false), 0);
	CHECK(!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	CHECK_RC(net_set_nodelay(fd, true), 0);
	CHECK(getsockopt_int(fd, IPPROTO_TCP, TCP_NODELAY) != 0);
	CHECK_RC(net_set_nodelay(fd, false), 0);
	CHECK(getsockopt_int(fd, IPPROTO_TCP, TCP_NODELAY) == 0);
	CHECK_RC(net_set_bufsizes(fd, 65536, 131072), 0);
	CHECK(getsockopt_int(fd, SOL_SOCKET, SO_SNDBUF) >= 65536);
	CHECK(getsockopt_int(fd, SOL_SOCKET, SO_RCVBUF) >= 131072);
	CHECK_RC(net_set_keepalive(fd, 30, 5, 4), 0);
	CHECK(getsockopt_int(fd, SOL_SOCKET, SO_KEEPALIVE) == 1);
	CHECK(getsockopt_int(fd, IPPROTO_TCP, TCP_KEEPIDLE) == 30);
	CHECK(getsockopt_int(fd, IPPROTO_TCP, TCP_KEEPINTVL) == 5);
	CHECK(getsockopt_int(fd, IPPROTO_TCP, TCP_KEEPCNT) == 4);
	close(fd);
	CHECK_RC(net_set_nodelay(fd, true), -EBADF);
	CHECK_RC(net_set_nonblock(fd, true), -EBADF);
}

int main(void)
{
	int probe = socket(AF_INET, SOCK_STREAM, 0);

	if (probe < 0) {
		fprintf(stderr, "test_net: no IPv4 sockets: skipped\n");
		return 77;
	}
	close(probe);
	test_parse();
	test_listen_connect();
	test_ipv6();
	test_refused();
	test_timeout();
	test_errors();
	test_setters();
	if (failures) {
		fprintf(stderr, "test_net: %d check(s) failed\n", failures);
		return 1;
	}
	printf("test_net: all checks passed\n");
	return 0;
}
