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
	e->bytes_total = 0; /* until its first report */
	e->bytes_avail = 0;
	e->full = false;
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

int ost_map_usage(struct ost_map *m, struct conn *c,
		  const struct msg_statfs *s)
{
	struct ost_entry *e;
	uint64_t min;
	bool full;

	if (s->target != PROTO_TARGET_OST)
		return -ENOENT;
	e = ost_map_find(m, s->target_idx);
	if (!e || !c || e->conn != c)
		return -ENOENT;
	min = s->bytes_total / 1000;
	if (min < OST_MAP_FULL_MIN_BYTES)
		min = OST_MAP_FULL_MIN_BYTES;
	full = s->bytes_avail < min;
	if (full != e->full)
		log_msg(full ? LOG_WARNING : LOG_NOTICE, "ost_map",
			"ost_idx=%u %s: %llu of %llu bytes available%s",
			e->ost_idx, full ? "full" : "has space again",
			(unsigned long long)s->bytes_avail,
			(unsigned long long)s->bytes_total,
			full ? ", skipped for new files" : "");
	e->bytes_total = s->bytes_total;
	e->bytes_avail = s->bytes_avail;
	e->full = full;
	return 0;
}

bool ost_map_usable(const struct ost_entry *e, bool allow_full)
{
	return e->state == PROTO_OST_UP && (allow_full || !e->full);
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
