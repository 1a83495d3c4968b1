/*
 * ost_map.c - registration and state of OSTs on the MDS (ost_map.h).
 *
 * A sorted array: OST counts are small (at most PROTO_MAX_OSTS) and the map
 * is read far more often than it changes.
 */
#include "mds/ost_map.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

void ost_map_init(struct ost_map *m)
{
	memset(m, 0, sizeof(*m));
	m->version = 1;
}

void ost_map_fini(struct ost_map *m)
{
	free(m->entries);
	memset(m, 0, sizeof(*m));
}

struct ost_entry *ost_map_find(struct ost_map *m, uint32_t idx)
{
	for (uint32_t i = 0; i < m->count; i++)
		if (m->entries[i].ost_idx == idx)
			return &m->entries[i];
	return NULL;
}

static struct ost_entry *ost_map_insert(struct ost_map *m, uint32_t idx)
{
	uint32_t pos = 0;

	if (m->count == m->cap) {
		uint32_t cap = m->cap ? m->cap * 2 : 8;
		struct ost_entry *e = realloc(m->entries, cap * sizeof(*e));

		if (!e)
			return NULL;
		m->entries = e;
		m->cap = cap;
	}
	while (pos < m->count && m->entries[pos].ost_idx < idx)
		pos++;
	memmove(&m->entries[pos + 1], &m->entries[pos],
		(m->count - pos) * sizeof(m->entries[0]));
	memset(&m->entries[pos], 0, sizeof(m->entries[pos]));
	m->entries[pos].ost_idx = idx;
	m->count++;
	return &m->entries[pos];
}

int ost_map_register(struct ost_map *m, uint32_t idx, const char *host,
		     uint16_t port, struct conn *c)
{
	struct ost_entry *e;

	if (idx >= PROTO_MAX_OSTS || strlen(host) > PROTO_HOST_MAX)
		return -EINVAL;
	e = ost_map_find(m, idx);
	if (e && e->state == PROTO_OST_UP && e->conn && e->conn != c)
		return -EEXIST;
	if (!e) {
		e = ost_map_insert(m, idx);
		if (!e)
			return -ENOMEM;
	}
	snprintf(e->host, sizeof(e->host), "%s", host);
	e->port = port;
	e->state = PROTO_OST_UP;
	e->conn = c;
	m->version++;
	log_msg(LOG_NOTICE, "ost_map", "ost_idx=%u up at %s:%u map_version=%llu",
		idx, host, port, (unsigned long long)m->version);
	return 0;
}

void ost_map_conn_closed(struct ost_map *m, struct conn *c)
{
	for (uint32_t i = 0; i < m->count; i++) {
		struct ost_entry *e = &m->entries[i];

		if (e->conn != c)
			continue;
		e->conn = NULL;
		e->state = PROTO_OST_DOWN;
		m->version++;
		log_msg(LOG_WARNING, "ost_map",
			"ost_idx=%u down (connection lost) map_version=%llu",
			e->ost_idx, (unsigned long long)m->version);
	}
}

uint32_t ost_map_export(const struct ost_map *m, struct msg_ost_entry *out,
			uint32_t cap)
{
	uint32_t n = m->count < cap ? m->count : cap;

	for (uint32_t i = 0; i < n; i++) {
		const struct ost_entry *e = &m->entries[i];

		out[i].ost_idx = e->ost_idx;
		out[i].state = e->state;
		out[i].host = e->host;
		out[i].host_len = (uint16_t)strlen(e->host);
		out[i].port = e->port;
	}
	return n;
}
