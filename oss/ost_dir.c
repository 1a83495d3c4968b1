/*
 * ost_dir.c - identity and layout of an OST's backing directory (ost_dir.h).
 *
 * Superblock, little-endian, 96 bytes:
 *   OFF SIZE MEANING
 *     0    8 magic "GLINTOST"
 *     8    4 version (1)
 *    12    4 OST index
 *    16    4 chunk size
 *    20    4 reserved, zero
 *    24   64 fsname, NUL-padded (at least one NUL)
 *    88    8 XXH3-64 of bytes 0..87
 * It is written once, when an empty directory becomes an OST, and only
 * read afterwards: a damaged one stops startup rather than being replaced,
 * since the directory could then be taken over by another OST.
 */
#include "oss/ost_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/checksum.h"
#include "common/log.h"
#include "proto/codec.h"

#define SB_MAGIC   "GLINTOST"
#define SB_VERSION 1
#define SB_LEN	   96

bool ost_dir_fsname_ok(const char *s)
{
	size_t len = s ? strlen(s) : 0;
	size_t i;

	if (len == 0 || len > OST_DIR_FSNAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (s[i] == '/' || s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

static void sb_encode(const struct ost_dir_id *id, uint8_t out[SB_LEN])
{
	memset(out, 0, SB_LEN);
	memcpy(out, SB_MAGIC, 8);
	le32_store(out + 8, SB_VERSION);
	le32_store(out + 12, id->ost_idx);
	le32_store(out + 16, id->chunk_size);
	memcpy(out + 24, id->fsname, strlen(id->fsname));
	le64_store(out + 88, checksum_xxh3(out, 88));
}

/* Check an existing superblock against id. -ENOENT if there is none. */
static int sb_check(int dirfd, const struct ost_dir_id *id, const char *dir)
{
	char fsname[OST_DIR_FSNAME_MAX + 1];
	uint8_t sb[SB_LEN + 1];
	ssize_t n;
	int fd;
	int rc = 0;

	fd = openat(dirfd, OST_DIR_SUPERBLOCK, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pread(fd, sb, sizeof(sb), 0);
	if (n < 0)
		rc = -errno;
	close(fd);
	if (rc < 0)
		return rc;
	if (n != SB_LEN || memcmp(sb, SB_MAGIC, 8) ||
	    le64_load(sb + 88) != checksum_xxh3(sb, 88) ||
	    le32_load(sb + 8) != SB_VERSION || sb[24 + OST_DIR_FSNAME_MAX]) {
		log_msg(LOG_ERROR, "ost_dir", "%s: corrupt superblock %s", dir,
			OST_DIR_SUPERBLOCK);
		return -EUCLEAN;
	}
	memcpy(fsname, sb + 24, sizeof(fsname));
	if (strcmp(fsname, id->fsname) || le32_load(sb + 12) != id->ost_idx) {
		log_msg(LOG_ERROR, "ost_dir",
			"%s belongs to fsname=%s ost=%u, not fsname=%s ost=%u",
			dir, fsname, le32_load(sb + 12), id->fsname,
			id->ost_idx);
		return -EEXIST;
	}
	if (le32_load(sb + 16) != id->chunk_size) {
		log_msg(LOG_ERROR, "ost_dir",
			"%s: chunk size %u, this build uses %u", dir,
			le32_load(sb + 16), id->chunk_size);
		return -EINVAL;
	}
	return 0;
}

/* A directory without a superblock must be empty (lost+found aside). */
static int dir_check_empty(int dirfd)
{
	struct dirent *de;
	DIR *d;
	int fd;
	int rc = 0;

	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		rc = -errno;
		close(fd);
		return rc;
	}
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, "lost+found"))
			continue;
		rc = -ENOTEMPTY;
		break;
	}
	closedir(d);
	return rc;
}

static int sb_write(int dirfd, const struct ost_dir_id *id)
{
	const char *tmp = OST_DIR_SUPERBLOCK ".tmp";
	uint8_t sb[SB_LEN];
	int fd;
	int rc = 0;

	sb_encode(id, sb);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (pwrite(fd, sb, SB_LEN, 0) != SB_LEN)
		rc = errno ? -errno : -EIO;
	else if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && renameat(dirfd, tmp, dirfd, OST_DIR_SUPERBLOCK) < 0)
		rc = -errno;
	if (rc == 0 && fsync(dirfd) < 0)
		rc = -errno;
	if (rc < 0)
		unlinkat(dirfd, tmp, 0);
	return rc;
}

/* Create objects/ and its subdirectories; returns objects/'s fd. */
static int dir_layout(int dirfd)
{
	char sub[4];
	int fd;
	int rc;
	int i;

	if (mkdirat(dirfd, OST_DIR_OBJECTS, 0755) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(dirfd, OST_DIR_OBJECTS, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (i = 0; i < OST_DIR_SUBDIRS; i++) {
		snprintf(sub, sizeof(sub), "%02x", i);
		if (mkdirat(fd, sub, 0755) < 0 && errno != EEXIST) {
			rc = -errno;
			close(fd);
			return rc;
		}
	}
	return fd;
}

int ost_dir_open(const char *dir, const struct ost_dir_id *id, int *dirfd,
		 int *objdirfd, uint32_t *blksize)
{
	const char *why = "";
	struct statvfs vfs;
	struct stat st;
	int dfd;
	int rc;

	*dirfd = -1;
	*objdirfd = -1;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		rc = -errno;
		why = rc == -ENOTDIR ? "not a directory" : "cannot open";
		goto err;
	}
	if (fstatvfs(dfd, &vfs) == 0 && (vfs.f_flag & ST_RDONLY)) {
		rc = -EROFS;
		why = "read-only file system";
		goto err_close;
	}
	if (faccessat(dfd, ".", W_OK | X_OK, AT_EACCESS) < 0) {
		rc = -errno;
		why = "not writable";
		goto err_close;
	}
	if (fstat(dfd, &st) < 0) {
		rc = -errno;
		why = "cannot stat";
		goto err_close;
	}
	*blksize = 4096;
	if (st.st_blksize >= 512 && (uint64_t)st.st_blksize <= id->chunk_size &&
	    id->chunk_size % st.st_blksize == 0)
		*blksize = (uint32_t)st.st_blksize;

	rc = sb_check(dfd, id, dir);
	if (rc == -ENOENT) {
		rc = dir_check_empty(dfd);
		if (rc < 0) {
			why = rc == -ENOTEMPTY
				  ? "not empty and not an OST (no superblock)"
				  : "cannot list";
			goto err_close;
		}
		rc = sb_write(dfd, id);
		if (rc < 0) {
			why = "cannot write the superblock";
			goto err_close;
		}
		log_msg(LOG_NOTICE, "ost_dir", "%s: new OST fsname=%s ost=%u",
			dir, id->fsname, id->ost_idx);
	} else if (rc < 0) {
		why = "refused";
		goto err_close;
	}
	rc = dir_layout(dfd);
	if (rc < 0) {
		why = "cannot create the object directories";
		goto err_close;
	}
	*objdirfd = rc;
	*dirfd = dfd;
	return 0;

err_close:
	close(dfd);
err:
	log_msg(LOG_ERROR, "ost_dir", "%s: %s: %s", dir, why, strerror(-rc));
	return rc;
}

/* ndigits lowercase hex digits of v, zero-padded, at p. */
static char *hex_put(char *p, uint64_t v, int ndigits)
{
	static const char digits[] = "0123456789abcdef";

	for (int i = ndigits - 1; i >= 0; i--) {
		p[i] = digits[v & 15];
		v >>= 4;
	}
	return p + ndigits;
}

/* Every request on an object formats these (obj_init), even one served
 * from the fd cache: by hand, since three snprintf calls were 1 % of an
 * OSS's CPU time on 4 KiB reads. Same names as
 * "%02x/%016" PRIx64 ".%08" PRIx32 ".tab" (dir_parse_name reads them). */
void ost_dir_object_paths(uint64_t fid, uint32_t stripe_idx, char sub[4],
			  char tab[OST_DIR_PATH_LEN],
			  char dat[OST_DIR_PATH_LEN])
{
	uint8_t key[12];
	unsigned h;
	char *p;

	le64_store(key, fid);
	le32_store(key + 8, stripe_idx);
	h = (unsigned)(checksum_xxh3(key, sizeof(key)) % OST_DIR_SUBDIRS);
	*hex_put(sub, h, 2) = '\0';
	p = hex_put(tab, h, 2);
	*p++ = '/';
	p = hex_put(p, fid, 16);
	*p++ = '.';
	p = hex_put(p, stripe_idx, 8);
	memcpy(p, ".tab", 5); /* 2 + 1 + 16 + 1 + 8 + 5 = 33 <= PATH_LEN */
	memcpy(dat, tab, OST_DIR_PATH_LEN);
	memcpy(dat + (p - tab), ".dat", 5);
}

/* Parse "FFFFFFFFFFFFFFFF.IIIIIIII.tab" (29 characters). */
static bool dir_parse_name(const char *name, uint64_t *fid, uint32_t *idx)
{
	unsigned long long f;
	unsigned int i;
	int len = 0;

	if (strlen(name) != 29 || strcmp(name + 25, ".tab") != 0)
		return false;
	if (sscanf(name, "%16llx.%8x.tab%n", &f, &i, &len) != 2 || len != 29)
		return false;
	*fid = f;
	*idx = i;
	return true;
}

int ost_dir_walk(int objdirfd, ost_dir_fn fn, void *arg, uint64_t *disk_bytes,
		 uint64_t *objects)
{
	struct dirent *de;
	struct stat st;
	char sub[4];
	uint64_t fid;
	uint32_t idx;
	DIR *d;
	int fd;
	int rc = 0;
	int i;

	for (i = 0; i < OST_DIR_SUBDIRS && rc == 0; i++) {
		snprintf(sub, sizeof(sub), "%02x", i);
		fd = openat(objdirfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		d = fdopendir(fd);
		if (!d) {
			rc = -errno;
			close(fd);
			return rc;
		}
		while (rc == 0 && (de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (disk_bytes && fstatat(fd, de->d_name, &st,
						  AT_SYMLINK_NOFOLLOW) == 0)
				*disk_bytes += (uint64_t)st.st_blocks * 512;
			if (!dir_parse_name(de->d_name, &fid, &idx))
				continue;
			if (objects)
				(*objects)++;
			if (fn)
				rc = fn(fid, idx, arg);
		}
		closedir(d);
	}
	return rc;
}
