/*
 * cmd_ping.c - `glint ping HOST:PORT [-c COUNT]`: HELLO then PING any Glint
 * server (MDS or OSS) and print who answered and the round-trip time.
 * Exit 0 when every ping was answered, 1 otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cluster.h"
#include "common/conn.h"
#include "common/net.h"
#include "proto/msg.h"
#include "tools/tool_i.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char *role_name(uint8_t role)
{
	switch (role) {
	case PROTO_ROLE_MDS:
		return "mds";
	case PROTO_ROLE_OSS:
		return "oss";
	case PROTO_ROLE_CLIENT:
		return "client";
	case PROTO_ROLE_TOOL:
		return "tool";
	}
	return "?";
}

int cmd_ping(const struct tool_opts *o, int argc, char **argv)
{
	struct rpc_client *rc = NULL;
	char host[PROTO_HOST_MAX + 1];
	uint8_t *hello = NULL, *reply = NULL;
	size_t hello_len, reply_len;
	struct msg_hello h = { 0 };
	struct cursor cur;
	const char *addr = NULL;
	long count = 1;
	int failed = 0, status = 1, r;
	uint16_t port;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-c") && i + 1 < argc) {
			char *end;

			count = strtol(argv[++i], &end, 10);
			if (*end || count < 1 || count > 1000000) {
				fprintf(stderr, "glint ping: bad count '%s' (1..1000000)\n",
					argv[i]);
				return 2;
			}
		} else if (!addr && argv[i][0] != '-') {
			addr = argv[i];
		} else {
			addr = NULL;
			break;
		}
	}
	if (!addr) {
		fprintf(stderr, "usage: glint ping HOST:PORT [-c COUNT]\n");
		return 2;
	}
	if (net_parse_hostport(addr, 988, host, sizeof(host), &port)) {
		fprintf(stderr, "glint ping: bad address '%s' (HOST:PORT)\n", addr);
		return 2;
	}
	r = cluster_hello_encode(PROTO_ROLE_TOOL, 0, o->fsname, NULL, 0, &hello,
				 &hello_len);
	if (!r)
		r = rpc_client_create(host, port, o->timeout_ms, hello, hello_len,
				      &rc);
	if (r) {
		fprintf(stderr, "glint ping: %s: %s\n", addr, tool_strerror(r));
		goto out;
	}
	for (long i = 0; i < count; i++) {
		struct msg_ping p = { .time_ns = now_ns() };
		uint8_t buf[8];
		uint64_t t0 = p.time_ns;

		msg_ping_encode(&p, buf, sizeof(buf));
		r = rpc_call(rc, PROTO_OP_PING, buf, sizeof(buf), o->timeout_ms,
			     &reply, &reply_len);
		if (r == 0) {
			cursor_init(&cur, reply, reply_len);
			if (msg_ping_decode(&cur, &p) || p.time_ns != t0)
				r = -EBADMSG;
		}
		free(reply);
		reply = NULL;
		if (r) {
			fprintf(stderr, "glint ping: %s: %s\n", addr, tool_strerror(r));
			failed++;
			continue;
		}
		if (rpc_client_hello_reply(rc, &reply, &reply_len) == 0) {
			cursor_init(&cur, reply, reply_len);
			if (msg_hello_decode(&cur, &h))
				memset(&h, 0, sizeof(h));
		}
		printf("reply from %s: role=%s id=%u fsname=%.*s time=%.3f ms\n",
		       addr, role_name(h.role), h.id, (int)h.fsname_len,
		       h.fsname ? h.fsname : "", (double)(now_ns() - t0) / 1e6);
		free(reply);
		reply = NULL;
	}
	status = failed ? 1 : 0;
out:
	if (rc)
		rpc_client_destroy(rc);
	free(hello);
	return status;
}
