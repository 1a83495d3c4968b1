/*
 * net.h - TCP socket helpers shared by every Glint program.
 *
 * Every function returns 0 (or a file descriptor, >= 0) on success and a
 * negative errno on failure; errno itself is never the channel. The errors a
 * program must tell its user about come back as themselves: a busy port is
 * -EADDRINUSE, a privileged port without the right to bind it is -EACCES, a
 * server that is not there is -ECONNREFUSED, one that does not answer in time
 * is -ETIMEDOUT. A host name that does not resolve is -ENXIO ("No such device
 * or address"); a resolver that cannot be reached right now is -EAGAIN.
 *
 * Addresses are written "HOST:PORT": "10.0.0.5:988", "[::1]:988",
 * "mds1.example.com:988", ":988" (empty host: every local address when
 * listening, the local machine when connecting). net_parse_hostport() only
 * checks syntax and never resolves, so it is pure and cheap (config.c uses
 * it to validate address options); net_listen() and net_connect() resolve
 * names with getaddrinfo(), which may block.
 *
 * Every socket made here is non-blocking and close-on-exec. The caller owns
 * every descriptor returned and closes it. Thread-safe: no shared state.
 * Not here: the event loop (libev), framing, TLS.
 */
#ifndef GLINT_COMMON_NET_H
#define GLINT_COMMON_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Room for a host as net_parse_hostport() returns it, NUL included. */
#define NET_HOST_MAX 256
/* Room for "ip:port" or "[ipv6]:port" as net_format_addr() writes it. */
#define NET_ADDR_MAX 64

/*
 * Split "HOST:PORT", "[IPV6]:PORT", ":PORT" or (when default_port >= 0) a
 * bare "HOST" / "[IPV6]" into host and port. The host is written without
 * brackets ("" for ":PORT") into host[host_len]. The port must be a decimal
 * 0..65535; default_port < 0 makes it mandatory. Host names may hold letters,
 * digits, '-', '.' and '_'; dotted IPv4 and bracketed IPv6 literals are
 * checked as addresses. An all-digit host ("988") is refused: it is almost
 * always a forgotten ':'. An unbracketed IPv6 literal ("::1:988") is refused
 * as ambiguous.
 *
 * Returns 0, or -EINVAL on bad syntax (host and *port are then undefined),
 * or -ENAMETOOLONG if the host does not fit in host_len.
 */
int net_parse_hostport(const char *s, int default_port, char *host,
		       size_t host_len, uint16_t *port);

/*
 * Listen on host:port. host NULL or "" means every address: a dual-stack
 * IPv6 socket ("::", also accepting IPv4) when the kernel has IPv6, else
 * 0.0.0.0. A name or literal (brackets allowed) is resolved and the first
 * address that binds is used. port 0 asks the kernel for an ephemeral port;
 * *bound_port (if not NULL) receives the port actually bound either way.
 * The socket has SO_REUSEADDR, O_NONBLOCK and FD_CLOEXEC.
 *
 * Returns the listening fd (caller closes), or -EADDRINUSE (port taken),
 * -EACCES (privileged port), -EADDRNOTAVAIL (address not on this machine),
 * -ENXIO/-EAGAIN (name resolution), -EINVAL, or another -errno.
 */
int net_listen(const char *host, uint16_t port, int backlog,
	       uint16_t *bound_port);

/*
 * Accept one connection on a listening fd. The new socket is non-blocking and
 * close-on-exec. If peer is not NULL it receives the peer as "ip:port"
 * (peer_len >= NET_ADDR_MAX recommended). Returns the fd (caller closes),
 * -EAGAIN when no connection is pending, or another -errno. Connections that
 * died before being accepted (-ECONNABORTED) are reported, not skipped.
 */
int net_accept(int lfd, char *peer, size_t peer_len);

/*
 * Connect to host:port, trying each address the name resolves to in turn,
 * waiting at most timeout_ms in total (negative: as long as the kernel
 * does). host NULL or "" means the local machine. Returns a connected,
 * non-blocking, close-on-exec socket (caller closes), or the error of the
 * last address tried: -ECONNREFUSED, -ETIMEDOUT, -EHOSTUNREACH,
 * -ENETUNREACH, -ENXIO/-EAGAIN (resolution), -EINVAL, ...
 */
int net_connect(const char *host, uint16_t port, int timeout_ms);

/* Switch O_NONBLOCK on or off. Returns 0 or -errno. */
int net_set_nonblock(int fd, bool on);

/* Switch TCP_NODELAY (no Nagle delay) on or off. Returns 0 or -errno. */
int net_set_nodelay(int fd, bool on);

/*
 * Set SO_SNDBUF / SO_RCVBUF in bytes; 0 leaves that one alone. The kernel
 * doubles the value and caps it at net.core.[wr]mem_max. Returns 0 or -errno.
 */
int net_set_bufsizes(int fd, int sndbuf, int rcvbuf);

/*
 * Enable TCP keepalive: first probe after idle_s seconds of silence, then
 * every interval_s, giving up after count probes (the kernel then fails the
 * socket with -ETIMEDOUT). Values <= 0 keep the kernel's default for that
 * parameter. Returns 0 or -errno.
 */
int net_set_keepalive(int fd, int idle_s, int interval_s, int count);

/*
 * Format the peer (net_peer_name) or local (net_sock_name) address of a
 * socket as "1.2.3.4:988" or "[::1]:988" for logs; IPv4-mapped IPv6
 * addresses are shown as plain IPv4. Returns 0, -ENOSPC if buf is too short
 * (it then holds a truncated string), -ENOTCONN, -EAFNOSUPPORT (not IP), or
 * another -errno. On error buf holds "?" when it has room.
 */
int net_peer_name(int fd, char *buf, size_t len);
int net_sock_name(int fd, char *buf, size_t len);

/* The same formatting for an address in hand. */
int net_format_addr(const struct sockaddr *sa, socklen_t salen, char *buf,
		    size_t len);

#endif /* GLINT_COMMON_NET_H */
