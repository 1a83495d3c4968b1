/*
 * cmd_df.c - `glint df [-h] [-i]`: space (or inode) use of the MDT and of
 * every OST, and the file system total, laid out like `lfs df`. Sizes are
 * in 1K blocks, or human-readable with -h. An OST that is down or does not
 * answer is listed as an inactive device and left out of the summary, as
 * lfs does. Exit 0 when every target answered, 1 otherwise.
 *
 * Below the table (not with -i), the space LZ4 saved: per OST and in
 * total, the bytes of data its stored chunks hold (Logical), what they take
 * compressed (Stored, before block rounding), the difference (Saved) and
 * Logical / Stored (Ratio), from the fields STATFS appends (an OSS that
 * does not send them shows 0).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cluster.h"
#include "common/config.h"
#include "common/conn.h"
#include "proto/msg.h"
#include "tools/tool_i.h"

struct df_row {
	uint64_t total, used, avail; /* bytes, or inodes with -i */
	uint64_t logical, stored;    /* data bytes before/after LZ4 */
};

static int df_statfs(struct rpc_client *rpc, uint32_t timeout_ms, int inodes,
		     struct df_row *row)
{
	struct msg_statfs s;
	uint8_t *reply = NULL;
	size_t len = 0;
	struct cursor cur;
	int rc;

	if (!rpc)
		return -ENOTCONN;
	rc = rpc_call(rpc, PROTO_OP_STATFS, NULL, 0, timeout_ms, &reply, &len);
	if (rc == 0) {
		cursor_init(&cur, reply, len);
		rc = msg_statfs_decode(&cur, &s);
	}
	free(reply);
	if (rc)
		return rc;
	row->logical = s.data_logical_bytes;
	row->stored = s.data_stored_bytes;
	if (inodes) {
		row->total = s.files_total;
		row->used = s.files_used;
		row->avail = s.files_total - s.files_used;
	} else {
		row->total = s.bytes_total;
		row->used = s.bytes_used;
		row->avail = s.bytes_avail;
	}
	return 0;
}

static void df_cell(uint64_t v, int human, int inodes, char *buf, size_t len)
{
	if (human && !inodes)
		config_format_size(v, buf, len);
	else
		snprintf(buf, len, "%llu",
			 (unsigned long long)(inodes ? v : v / 1024));
}

static void df_print(const char *uuid, const struct df_row *r, int human,
		     int inodes, const char *where)
{
	char t[32], u[32], a[32];
	uint64_t pct = r->total ? (r->used * 100 + r->total - 1) / r->total : 0;

	df_cell(r->total, human, inodes, t, sizeof(t));
	df_cell(r->used, human, inodes, u, sizeof(u));
	df_cell(r->avail, human, inodes, a, sizeof(a));
	printf("%-20s %12s %12s %12s %3llu%% %s\n", uuid, t, u, a,
	       (unsigned long long)pct, where);
}

static void df_print_compr(const char *uuid, const struct df_row *r,
			   int human)
{
	char l[32], s[32], v[32];
	uint64_t saved = r->logical > r->stored ? r->logical - r->stored : 0;

	df_cell(r->logical, human, 0, l, sizeof(l));
	df_cell(r->stored, human, 0, s, sizeof(s));
	df_cell(saved, human, 0, v, sizeof(v));
	printf("%-20s %12s %12s %12s %6.2f\n", uuid, l, s, v,
	       r->stored ? (double)r->logical / (double)r->stored : 1.0);
}

int cmd_df(const struct tool_opts *o, int argc, char **argv)
{
	static struct df_row osts[PROTO_MAX_OSTS]; /* rows of answering OSTs */
	static uint32_t idxs[PROTO_MAX_OSTS];	   /* their OST indexes */
	struct df_row row, sum = { 0 };
	uint32_t nrows = 0;
	struct cluster *cl = NULL;
	char uuid[PROTO_FSNAME_MAX + 32], where[PROTO_FSNAME_MAX + 32];
	int human = 0, inodes = 0, failed = 0, rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--human-readable")) {
			human = 1;
		} else if (!strcmp(argv[i], "-i") || !strcmp(argv[i], "--inodes")) {
			inodes = 1;
		} else {
			fprintf(stderr, "usage: glint df [-h] [-i]\n");
			return 2;
		}
	}
	rc = cluster_connect(o->mds, o->fsname, PROTO_ROLE_TOOL, o->timeout_ms,
			     &cl);
	if (rc) {
		fprintf(stderr, "glint df: cannot reach MDS %s: %s\n", o->mds,
			tool_strerror(rc));
		return 1;
	}
	printf("%-20s %12s %12s %12s %4s %s\n", "UUID",
	       inodes ? "Inodes" : human ? "bytes" : "1K-blocks",
	       inodes ? "IUsed" : "Used", inodes ? "IFree" : "Available",
	       inodes ? "IUse%" : "Use%", "Mounted on");
	snprintf(uuid, sizeof(uuid), "%s-MDT0000_UUID", cl->fsname);
	snprintf(where, sizeof(where), "%s[MDT:0]", cl->fsname);
	rc = df_statfs(cl->mds, o->timeout_ms, inodes, &row);
	if (rc) {
		printf("%-20s : inactive device (%s)\n", uuid, tool_strerror(rc));
		failed++;
	} else {
		df_print(uuid, &row, human, inodes, where);
		if (inodes)
			sum = row;
	}
	for (uint32_t i = 0; i < cl->nosts; i++) {
		struct cluster_ost *ost = &cl->osts[i];

		snprintf(uuid, sizeof(uuid), "%s-OST%04x_UUID", cl->fsname,
			 ost->ost_idx);
		snprintf(where, sizeof(where), "%s[OST:%u]", cl->fsname,
			 ost->ost_idx);
		if (ost->state != PROTO_OST_UP) {
			printf("%-20s : inactive device (DOWN)\n", uuid);
			failed++;
			continue;
		}
		rc = df_statfs(cluster_ost_rpc(cl, ost->ost_idx), o->timeout_ms,
			       inodes, &row);
		if (rc) {
			printf("%-20s : inactive device (%s)\n", uuid,
			       tool_strerror(rc));
			failed++;
			continue;
		}
		df_print(uuid, &row, human, inodes, where);
		if (!inodes) {
			sum.total += row.total;
			sum.used += row.used;
			sum.avail += row.avail;
			sum.logical += row.logical;
			sum.stored += row.stored;
		}
		if (nrows < PROTO_MAX_OSTS) {
			idxs[nrows] = ost->ost_idx;
			osts[nrows++] = row;
		}
	}
	printf("\n");
	df_print("filesystem_summary:", &sum, human, inodes, cl->fsname);
	if (!inodes) {
		printf("\n%-20s %12s %12s %12s %6s\n", "Compression (LZ4)",
		       human ? "Logical" : "Logical(1K)",
		       human ? "Stored" : "Stored(1K)",
		       human ? "Saved" : "Saved(1K)", "Ratio");
		for (uint32_t k = 0; k < nrows; k++) {
			snprintf(uuid, sizeof(uuid), "%s-OST%04x_UUID",
				 cl->fsname, idxs[k]);
			df_print_compr(uuid, &osts[k], human);
		}
		df_print_compr("compression_total:", &sum, human);
	}
	cluster_destroy(cl);
	return failed ? 1 : 0;
}
