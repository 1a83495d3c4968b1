/*
 * ost_map.h - the MDS's map of object storage targets.
 *
 * OSSes register themselves: each connects to the MDS and sends HELLO with
 * role OSS, its OST index and the address clients should use. The OST is UP
 * while that connection is open and DOWN after it closes; every change bumps
 * the map version, which clients compare to notice a new map. An index that
 * re-registers from a different address replaces the old address (the OSS
 * moved); a second live registration of an index already UP is refused with
 * -EEXIST, so two OSSes cannot claim one OST.
 *
 * Free space: each OSS appends its usage report (STATFS numbers) to the
 * PING it sends every second over the registration connection; the map
 * keeps the latest. An OST is "full" when its available bytes are below
 * OST_MAP_FULL_MIN_BYTES (1 MiB) or below 0.1% of its capacity, whichever
 * is larger (Lustre's reserved_mb_low default is 0.1%): placement skips
 * it for new files while some UP OST is not full (ost_map_usable). Until
 * the first report after a registration an OST counts as not full. Changes
 * of "full" are logged, not versioned: clients do not see them.
 *
 * The map lives in memory on the MDS's loop thread (not thread-safe). It is
 * rebuilt from registrations after an MDS restart: OSSes reconnect on their
 * own within a second or two.
 */
#ifndef GLINT_MDS_OST_MAP_H
#define GLINT_MDS_OST_MAP_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/msg.h"

struct conn;

struct ost_entry {
	uint32_t ost_idx;
	uint8_t state;	/* enum proto_ost_state */
	char host[PROTO_HOST_MAX + 1];
	uint16_t port;
	struct conn *conn; /* registration connection while UP, else NULL */
	uint64_t bytes_total; /* last usage report; 0 before the first */
	uint64_t bytes_avail;
	bool full;	      /* bytes_avail below the threshold (above) */
};

#define OST_MAP_FULL_MIN_BYTES (1u << 20)

struct ost_map {
	uint64_t version;	  /* bumped on every change */
	uint32_t count;		  /* entries in use */
	struct ost_entry *entries; /* sorted by ost_idx; owned */
	uint32_t cap;		  /* allocated entries */
};

void ost_map_init(struct ost_map *m);
void ost_map_fini(struct ost_map *m);

/*
 * Register OST idx at host:port over connection c (borrowed; the map keeps
 * the pointer until ost_map_conn_closed). 0, -EEXIST if idx is UP on another
 * connection, -ENOMEM, -EINVAL for an index past PROTO_MAX_OSTS.
 */
int ost_map_register(struct ost_map *m, uint32_t idx, const char *host,
		     uint16_t port, struct conn *c);

/* Mark every OST registered over c DOWN. */
void ost_map_conn_closed(struct ost_map *m, struct conn *c);

/*
 * Record the usage report s, received over connection c: taken only when
 * s names an OST registered over c (0), else ignored (-ENOENT).
 */
int ost_map_usage(struct ost_map *m, struct conn *c,
		  const struct msg_statfs *s);

/* Whether placement may put new stripes on e: UP, and not full unless
 * allow_full (the caller's fallback when every UP OST is full). */
bool ost_map_usable(const struct ost_entry *e, bool allow_full);

/* Entry of idx, or NULL. */
struct ost_entry *ost_map_find(struct ost_map *m, uint32_t idx);

/*
 * Fill out[0..cap) with wire entries (borrowing the map's strings, valid
 * until the map changes). Returns the number of entries.
 */
uint32_t ost_map_export(const struct ost_map *m, struct msg_ost_entry *out,
			uint32_t cap);

#endif /* GLINT_MDS_OST_MAP_H */
