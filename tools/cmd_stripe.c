/*
 * cmd_stripe.c - `glint setstripe` and `glint getstripe`, as lfs has them.
 *
 *   glint setstripe [-c COUNT] [-S SIZE] [-i INDEX] [-Z lz4|none] PATH
 *     A new PATH is created as an empty file with that layout; an existing
 *     empty file gets it (its objects are replaced; -EBUSY once written); a
 *     directory gets it as the default of what is created in it. COUNT -1
 *     = every OST, 0 = inherit; SIZE a multiple of 64 KiB (K/M/G
 *     suffixes), 0 = inherit; INDEX the first OST, -1 = the MDS chooses;
 *     -Z (--compress, as Lustre's) the data compression: lz4, or none to
 *     stop an inherited lz4; without -Z it is inherited.
 *   glint getstripe [-c|-S|-i] [-d] PATH
 *     The layout of a file (lmm_* lines and one obdidx/objid row per
 *     stripe, like lfs), or a directory's default followed by the layout
 *     of every file in it (only the default with -d). -c, -S, -i print just
 *     that value. Every layout shows lmm_compr_type (lz4 or none; a
 *     directory: compr_type); a compressed file also its space: the bytes
 *     its stored chunks hold (logical), what they take compressed (stored)
 *     and the difference (saved), asked of each OST with OBJ_GETATTR.
 *
 * Finding the file system: PATH must be on a mounted Glint file system.
 * The tool stats PATH (a new file: its directory) and looks the st_dev up
 * in /proc/self/mountinfo; the mount's source is the spec it was mounted
 * with (fsname=SPEC: "HOST[:PORT]@tcp:/FSNAME"), which names the MDS and
 * the file system; the inode number from stat is the MDS's ino (the client
 * uses MDS inode numbers as they are). The tool then talks to the MDS
 * directly, with the caller's uid, gid and groups as cred. --mds and
 * --fsname are not used by these commands.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cluster.h"
#include "common/config.h"
#include "common/conn.h"
#include "proto/msg.h"
#include "proto/msg_fs.h"
#include "tools/tool_i.h"

/* The MDS and file system of a mounted Glint path. */
struct stripe_fs {
	char mds[PROTO_HOST_MAX + 8];
	char fsname[PROTO_FSNAME_MAX + 1];
};

/* "HOST[:PORT]@tcp:/FSNAME" -> mds, fsname. 0 or -EINVAL. */
static int stripe_parse_source(const char *src, struct stripe_fs *fs)
{
	const char *at = strchr(src, '@'), *sep = NULL;
	size_t n;

	for (const char *s = strstr(src, ":/"); s; s = strstr(s + 1, ":/"))
		sep = s;
	if (!at || !sep || at > sep || at == src)
		return -EINVAL;
	n = (size_t)(at - src);
	if (n >= sizeof(fs->mds) || strlen(sep + 2) >= sizeof(fs->fsname) ||
	    !sep[2])
		return -EINVAL;
	memcpy(fs->mds, src, n);
	fs->mds[n] = '\0';
	strcpy(fs->fsname, sep + 2);
	return 0;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void stripe_unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] && s[3]) {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

/* Find the Glint mount of device dev. 0, -ENOENT (none: not Glint). */
static int stripe_find_mount(dev_t dev, struct stripe_fs *fs)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char *line = NULL;
	size_t cap = 0;
	int rc = -ENOENT;

	if (!f)
		return -errno;
	while (rc == -ENOENT && getline(&line, &cap, f) > 0) {
		unsigned maj, min;
		char *dash = strstr(line, " - "), type[64], src[1024];

		if (sscanf(line, "%*u %*u %u:%u", &maj, &min) != 2 || !dash ||
		    sscanf(dash + 3, "%63s %1023s", type, src) != 2)
			continue;
		if (makedev(maj, min) != dev || strcmp(type, "fuse.glint"))
			continue;
		stripe_unescape(src);
		rc = stripe_parse_source(src, fs) ? -EINVAL : 0;
	}
	free(line);
	fclose(f);
	return rc;
}

static void stripe_cred(struct msg_cred *cred)
{
	gid_t groups[PROTO_MAX_GROUPS];
	int n = getgroups(PROTO_MAX_GROUPS, groups);

	memset(cred, 0, sizeof(*cred));
	cred->uid = (uint32_t)getuid();
	cred->gid = (uint32_t)getgid();
	for (int i = 0; i < n; i++)
		cred->groups[i] = (uint32_t)groups[i];
	cred->ngroups = (uint16_t)(n > 0 ? n : 0);
}

static int stripe_call(struct cluster *cl, uint32_t timeout_ms,
		       uint16_t opcode, const struct msg_md_req *m,
		       uint8_t **reply, size_t *reply_len)
{
	size_t len = msg_md_req_encoded_len(opcode, m);
	uint8_t *buf = malloc(len);
	ssize_t n;
	int rc;

	if (!buf)
		return -ENOMEM;
	n = msg_md_req_encode(opcode, m, buf, len);
	rc = n < 0 ? (int)n :
		     rpc_call(cl->mds, opcode, buf, (size_t)n, timeout_ms,
			      reply, reply_len);
	free(buf);
	return rc;
}

/* Connect to the file system that holds path (or, if path does not
 * exist and parent_ok, its directory). *st gets what was statted. */
static int stripe_connect(const struct tool_opts *o, const char *cmd,
			  const char *path, int parent_ok, struct stat *st,
			  struct cluster **cl)
{
	struct stripe_fs fs;
	char dir[PATH_MAX];
	int rc;

	if (stat(path, st)) {
		char *slash;

		rc = -errno;
		if (rc != -ENOENT || !parent_ok)
			goto fail;
		snprintf(dir, sizeof(dir), "%s", path);
		slash = strrchr(dir, '/');
		if (!slash)
			strcpy(dir, ".");
		else if (slash == dir)
			dir[1] = '\0';
		else
			*slash = '\0';
		if (stat(dir, st)) {
			rc = -errno;
			goto fail;
		}
		path = dir;
	}
	rc = stripe_find_mount(st->st_dev, &fs);
	if (rc == -ENOENT) {
		fprintf(stderr, "glint %s: %s: not on a Glint file system\n",
			cmd, path);
		return rc;
	}
	if (rc)
		goto fail;
	rc = cluster_connect(fs.mds, fs.fsname, PROTO_ROLE_TOOL, o->timeout_ms,
			     cl);
	if (rc) {
		fprintf(stderr, "glint %s: cannot reach MDS %s of %s: %s\n",
			cmd, fs.mds, fs.fsname, tool_strerror(rc));
		return rc;
	}
	return 0;
fail:
	fprintf(stderr, "glint %s: %s: %s\n", cmd, path, tool_strerror(rc));
	return rc;
}

static int stripe_parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* --- setstripe --- */

int stripe_set_path(const struct tool_opts *o, const char *cmd,
		    const char *path, int32_t count, uint32_t size,
		    int32_t first_ost)
{
	return stripe_set_path_z(o, cmd, path, count, size, first_ost, 0);
}

int stripe_set_path_z(const struct tool_opts *o, const char *cmd,
		      const char *path, int32_t count, uint32_t size,
		      int32_t first_ost, uint32_t pattern)
{
	struct msg_md_req *m = NULL;
	struct cluster *cl = NULL;
	const char *base;
	struct stat st;
	mode_t mask;
	int rc, exists;

	exists = stat(path, &st) == 0;
	rc = stripe_connect(o, cmd, path, 1, &st, &cl);
	if (rc)
		return rc;
	m = calloc(1, sizeof(*m));
	if (!m) {
		rc = -ENOMEM;
		goto fail;
	}
	stripe_cred(&m->cred);
	m->layout.stripe_size = size;
	m->layout.stripe_count = count;
	m->layout.first_ost = first_ost;
	m->layout.pattern = pattern;
	if (exists) {
		if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "glint %s: %s: not a file or "
				"directory\n", cmd, path);
			rc = -EINVAL;
			goto out;
		}
		m->ino = st.st_ino;
		rc = stripe_call(cl, o->timeout_ms, PROTO_OP_SETSTRIPE, m, NULL,
				 NULL);
	} else {
		/* A new empty file, created with its layout in one step. */
		base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		if (!*base || strlen(base) > PROTO_NAME_MAX) {
			rc = -EINVAL;
			goto fail;
		}
		mask = umask(0);
		umask(mask);
		m->ino = st.st_ino;
		m->name.p = (const uint8_t *)base;
		m->name.len = (uint32_t)strlen(base);
		m->mode = S_IFREG | (0666 & ~mask);
		m->flags = PROTO_CREATE_EXCL;
		rc = stripe_call(cl, o->timeout_ms, PROTO_OP_CREATE, m, NULL,
				 NULL);
	}
fail:
	if (rc)
		fprintf(stderr, "glint %s: %s: %s\n", cmd, path,
			rc == -EBUSY ? "file already has data: layout is fixed "
				       "at the first write" :
				       tool_strerror(rc));
out:
	free(m);
	cluster_destroy(cl);
	return rc;
}

int cmd_setstripe(const struct tool_opts *o, int argc, char **argv)
{
	const char *path = NULL;
	long count = 0, index = -1;
	uint64_t size = 0;
	uint32_t pattern = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "-c") || !strcmp(a, "--stripe-count")) {
			if (!v || stripe_parse_int(v, -1, PROTO_MAX_STRIPES,
						   &count))
				goto usage;
			i++;
		} else if (!strcmp(a, "-S") || !strcmp(a, "--stripe-size")) {
			if (!v || config_parse_size(v, &size) ||
			    size % (64 << 10) || size > UINT32_MAX) {
				fprintf(stderr, "glint setstripe: stripe size "
					"must be a multiple of 64K below 4G\n");
				goto usage;
			}
			i++;
		} else if (!strcmp(a, "-i") || !strcmp(a, "-o") ||
			   !strcmp(a, "--stripe-index")) {
			if (!v || stripe_parse_int(v, -1, INT32_MAX, &index))
				goto usage;
			i++;
		} else if (!strcmp(a, "-Z") || !strcmp(a, "--compress")) {
			if (v && !strcmp(v, "lz4")) {
				pattern = PROTO_PATTERN_LZ4;
			} else if (v && !strcmp(v, "none")) {
				pattern = PROTO_PATTERN_NOCOMPR;
			} else {
				fprintf(stderr, "glint setstripe: compression "
					"must be lz4 or none\n");
				goto usage;
			}
			i++;
		} else if (a[0] == '-' || path) {
			goto usage;
		} else {
			path = a;
		}
	}
	if (!path)
		goto usage;
	return stripe_set_path_z(o, "setstripe", path, (int32_t)count,
				 (uint32_t)size, (int32_t)index, pattern) ? 1 : 0;
usage:
	fprintf(stderr, "usage: glint setstripe [-c COUNT] [-S SIZE] "
		"[-i INDEX] [-Z lz4|none] PATH\n");
	return 2;
}

/* --- getstripe --- */

enum { GS_ALL, GS_COUNT, GS_SIZE, GS_INDEX };

static const char *stripe_pattern(uint32_t p)
{
	return (p & PROTO_PATTERN_LZ4) ? "raid0,lz4" : "raid0";
}

static const char *stripe_compr(uint32_t p)
{
	return (p & PROTO_PATTERN_LZ4) ? "lz4" : "none";
}

/* A compressed file's space: OBJ_GETATTR of every stripe, summed. */
struct stripe_space {
	uint64_t logical, stored, disk;
	int failed; /* stripes that did not answer */
};

static void stripe_space(struct cluster *cl, uint32_t timeout_ms,
			 const struct msg_layout *l, struct stripe_space *sp)
{
	memset(sp, 0, sizeof(*sp));
	for (uint32_t i = 0; i < l->nstripes; i++) {
		struct msg_obj_req r = { .object_id = l->stripes[i].object_id,
					 .stripe_idx = i };
		struct rpc_client *rpc =
			cluster_ost_rpc(cl, l->stripes[i].ost_idx);
		struct msg_obj_attr a;
		uint8_t req[16], *reply = NULL;
		size_t len = 0;
		struct cursor cur;
		ssize_t n;
		int rc = -ENOTCONN;

		n = msg_obj_req_encode(PROTO_OP_OBJ_GETATTR, &r, req,
				       sizeof(req));
		if (rpc && n > 0)
			rc = rpc_call(rpc, PROTO_OP_OBJ_GETATTR, req,
				      (size_t)n, timeout_ms, &reply, &len);
		if (rc == 0) {
			cursor_init(&cur, reply, len);
			rc = msg_obj_attr_decode(&cur, &a);
		}
		free(reply);
		if (rc == -ENOENT)
			continue; /* never written: empty */
		if (rc) {
			sp->failed++;
			continue;
		}
		sp->logical += a.logical_bytes;
		sp->stored += a.stored_bytes;
		sp->disk += a.disk_bytes;
	}
}

static void stripe_print_space(const struct stripe_space *sp)
{
	uint64_t saved = sp->logical > sp->stored ? sp->logical - sp->stored :
						    0;

	printf("lmm_compr_logical: %llu\n", (unsigned long long)sp->logical);
	printf("lmm_compr_stored:  %llu\n", (unsigned long long)sp->stored);
	printf("lmm_compr_saved:   %llu (%.1f%%, ratio %.2f)%s\n",
	       (unsigned long long)saved,
	       sp->logical ? 100.0 * (double)saved / (double)sp->logical : 0.0,
	       sp->stored ? (double)sp->logical / (double)sp->stored : 1.0,
	       sp->failed ? " (some OSTs did not answer)" : "");
}

/* The space of a compressed file for the full listing, else NULL. */
static const struct stripe_space *
stripe_space_of(struct cluster *cl, uint32_t timeout_ms,
		const struct msg_layout *l, int what, struct stripe_space *sp)
{
	if (what != GS_ALL || !(l->pattern & PROTO_PATTERN_LZ4))
		return NULL;
	stripe_space(cl, timeout_ms, l, sp);
	return sp;
}

static void stripe_print_file(const char *path, const struct msg_layout *l,
			      int what, const struct stripe_space *sp)
{
	int32_t first = l->nstripes ? (int32_t)l->stripes[0].ost_idx : -1;

	switch (what) {
	case GS_COUNT:
		printf("%u\n", l->nstripes);
		return;
	case GS_SIZE:
		printf("%u\n", l->stripe_size);
		return;
	case GS_INDEX:
		printf("%d\n", first);
		return;
	}
	printf("%s\n", path);
	printf("lmm_stripe_count:  %u\n", l->nstripes);
	printf("lmm_stripe_size:   %u\n", l->stripe_size);
	printf("lmm_pattern:       %s\n", stripe_pattern(l->pattern));
	printf("lmm_compr_type:    %s\n", stripe_compr(l->pattern));
	if (sp)
		stripe_print_space(sp);
	printf("lmm_layout_gen:    %u\n", l->gen);
	printf("lmm_stripe_offset: %d\n", first);
	printf("\tobdidx\t\t objid\t\t objid\t\t group\n");
	for (uint32_t i = 0; i < l->nstripes; i++) {
		unsigned long long id =
			(unsigned long long)l->stripes[i].object_id;

		printf("\t%6u\t%14llu\t%#14llx\t%14u\n", l->stripes[i].ost_idx,
		       id, id, 0u);
	}
	printf("\n");
}

static void stripe_print_dir(const char *path, const struct msg_layout *l,
			     int what)
{
	switch (what) {
	case GS_COUNT:
		printf("%d\n", l->stripe_count);
		return;
	case GS_SIZE:
		printf("%u\n", l->stripe_size);
		return;
	case GS_INDEX:
		printf("%d\n", l->first_ost);
		return;
	}
	printf("%s\n", path);
	printf("stripe_count:  %d stripe_size:   %u pattern:       %s "
	       "stripe_offset: %d compr_type: %s\n\n",
	       l->stripe_count, l->stripe_size, stripe_pattern(l->pattern),
	       l->first_ost, stripe_compr(l->pattern));
}

static int stripe_get(struct cluster *cl, uint32_t timeout_ms, uint64_t ino,
		      int is_dir, struct msg_layout *l);

/* The file system's compression bits: those of the root's default, which
 * the MDS writes from --compression at start (0 when it cannot tell). */
static uint32_t stripe_fs_compr(struct cluster *cl, uint32_t timeout_ms)
{
	struct msg_layout *root = malloc(sizeof(*root));
	uint32_t bits = 0;

	if (root && stripe_get(cl, timeout_ms, 1, 0, root) == 0)
		bits = root->pattern &
		       (PROTO_PATTERN_LZ4 | PROTO_PATTERN_NOCOMPR);
	free(root);
	return bits;
}

/* GETSTRIPE of ino; a directory without its own default gets the file
 * system's, and inherited compression is shown as what it resolves to. */
static int stripe_get(struct cluster *cl, uint32_t timeout_ms, uint64_t ino,
		      int is_dir, struct msg_layout *l)
{
	struct msg_md_req *m = calloc(1, sizeof(*m));
	uint8_t *reply = NULL;
	size_t len = 0;
	struct cursor cur;
	int rc;

	if (!m)
		return -ENOMEM;
	stripe_cred(&m->cred);
	m->ino = ino;
	rc = stripe_call(cl, timeout_ms, PROTO_OP_GETSTRIPE, m, &reply, &len);
	if (rc == -ENODATA && is_dir) {
		memset(l, 0, sizeof(*l));
		l->stripe_size = cl->stripe_size;
		l->stripe_count = cl->stripe_count;
		l->first_ost = -1;
		l->pattern = stripe_fs_compr(cl, timeout_ms);
		rc = 0;
		goto out;
	}
	if (rc)
		goto out;
	cursor_init(&cur, reply, len);
	if (msg_layout_decode(&cur, l)) {
		rc = -EBADMSG;
		goto out;
	}
	/* A template's 0 fields inherit: show what they resolve to. */
	if (!l->stripe_size)
		l->stripe_size = cl->stripe_size;
	if (!l->stripe_count && !l->nstripes)
		l->stripe_count = cl->stripe_count;
	if (is_dir && ino != 1 &&
	    !(l->pattern & (PROTO_PATTERN_LZ4 | PROTO_PATTERN_NOCOMPR)))
		l->pattern |= stripe_fs_compr(cl, timeout_ms);
out:
	free(reply);
	free(m);
	return rc;
}

int stripe_get_path(const struct tool_opts *o, const char *cmd,
		    const char *path, uint32_t *nstripes, uint32_t *stripe_size)
{
	struct msg_layout *l = NULL;
	struct cluster *cl = NULL;
	struct stat st;
	int rc;

	rc = stripe_connect(o, cmd, path, 0, &st, &cl);
	if (rc)
		return rc;
	l = malloc(sizeof(*l));
	if (!l) {
		rc = -ENOMEM;
		goto out;
	}
	rc = stripe_get(cl, o->timeout_ms, st.st_ino, S_ISDIR(st.st_mode), l);
	if (rc) {
		fprintf(stderr, "glint %s: %s: %s\n", cmd, path,
			tool_strerror(rc));
		goto out;
	}
	*nstripes = S_ISDIR(st.st_mode) ? (uint32_t)l->stripe_count :
					  l->nstripes;
	*stripe_size = l->stripe_size;
out:
	free(l);
	cluster_destroy(cl);
	return rc;
}

int stripe_describe_path(const struct tool_opts *o, const char *cmd,
			 const char *path, struct stripe_fs_info *info)
{
	struct cluster *cl = NULL;
	struct stripe_fs fs;
	struct stat st;
	int rc;

	rc = stripe_connect(o, cmd, path, 0, &st, &cl);
	if (rc)
		return rc;
	/* stripe_connect found the mount: this only repeats the lookup. */
	rc = stripe_find_mount(st.st_dev, &fs);
	if (rc)
		goto out;
	memset(info, 0, sizeof(*info));
	snprintf(info->mds, sizeof(info->mds), "%s", fs.mds);
	snprintf(info->fsname, sizeof(info->fsname), "%s", fs.fsname);
	pthread_mutex_lock(&cl->lock);
	info->nosts = cl->nosts;
	pthread_mutex_unlock(&cl->lock);
	info->stripe_size = cl->stripe_size;
	info->stripe_count = cl->stripe_count;
out:
	cluster_destroy(cl);
	return rc;
}

int cmd_getstripe(const struct tool_opts *o, int argc, char **argv)
{
	struct msg_layout *l = NULL;
	struct cluster *cl = NULL;
	const char *path = NULL;
	struct stripe_space space;
	struct stat st;
	int what = GS_ALL, dir_only = 0, status = 1, rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-c") || !strcmp(a, "--stripe-count"))
			what = GS_COUNT;
		else if (!strcmp(a, "-S") || !strcmp(a, "--stripe-size"))
			what = GS_SIZE;
		else if (!strcmp(a, "-i") || !strcmp(a, "--stripe-index"))
			what = GS_INDEX;
		else if (!strcmp(a, "-d") || !strcmp(a, "--directory"))
			dir_only = 1;
		else if (a[0] == '-' || path)
			goto usage;
		else
			path = a;
	}
	if (!path)
		goto usage;
	if (stripe_connect(o, "getstripe", path, 0, &st, &cl))
		goto out;
	l = malloc(sizeof(*l));
	if (!l)
		goto out;
	rc = stripe_get(cl, o->timeout_ms, st.st_ino, S_ISDIR(st.st_mode), l);
	if (rc) {
		fprintf(stderr, "glint getstripe: %s: %s\n", path,
			rc == -ENODATA ? "has no stripe info" :
					 tool_strerror(rc));
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		stripe_print_file(path, l, what,
				  stripe_space_of(cl, o->timeout_ms, l, what,
						  &space));
		status = 0;
		goto out;
	}
	stripe_print_dir(path, l, what);
	status = 0;
	if (!dir_only && what == GS_ALL) {
		DIR *d = opendir(path);
		struct dirent *de;

		while (d && (de = readdir(d))) {
			char sub[PATH_MAX];
			struct stat sst;

			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			if (lstat(sub, &sst) || !S_ISREG(sst.st_mode))
				continue;
			rc = stripe_get(cl, o->timeout_ms, sst.st_ino, 0, l);
			if (rc) {
				fprintf(stderr, "glint getstripe: %s: %s\n",
					sub, tool_strerror(rc));
				status = 1;
				continue;
			}
			stripe_print_file(sub, l, what,
					  stripe_space_of(cl, o->timeout_ms, l,
							  what, &space));
		}
		if (d)
			closedir(d);
	}
out:
	free(l);
	cluster_destroy(cl);
	return status;
usage:
	fprintf(stderr, "usage: glint getstripe [-c|-S|-i] [-d] PATH\n");
	return 2;
}
