/*
 * replay_main.c - runs a libFuzzer target's entry point over every file of a
 * corpus directory, without libFuzzer. ctest uses it so that the seed corpus
 * and every crash file found by fuzzing stay regression tests in every build
 * (the ASan+UBSan one included). Exit 0 when all inputs ran, 1 on a usage or
 * I/O error; a crash in the target is the failure it exists to catch.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len;
	int rc = -1;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		goto out;
	buf = malloc(len ? (size_t)len : 1);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len)
		goto out;
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	rc = 0;
out:
	free(buf);
	fclose(f);
	return rc;
}

int main(int argc, char **argv)
{
	struct dirent *de;
	char path[4096];
	int n = 0;
	DIR *d;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 1;
	}
	d = opendir(argv[1]);
	if (!d) {
		perror(argv[1]);
		return 1;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", argv[1], de->d_name);
		if (replay_file(path)) {
			fprintf(stderr, "cannot read %s\n", path);
			closedir(d);
			return 1;
		}
		n++;
	}
	closedir(d);
	printf("replayed %d inputs from %s\n", n, argv[1]);
	return n > 0 ? 0 : 1;
}
