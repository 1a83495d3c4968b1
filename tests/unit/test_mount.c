/*
 * test_mount.c - client/mount.c's parser of Lustre-style mount specs,
 * "HOST[:PORT]@tcp[N]:/FSNAME" (a NID list uses its first NID).
 */
#include <stdio.h>
#include <string.h>

#include "client/client_i.h"
#include "tests/unit/check.h"

static void ok(const char *spec, const char *mds, const char *fsname)
{
	char m[300], f[80];
	int rc = mount_parse_spec(spec, m, sizeof(m), f, sizeof(f));

	CHECK(rc == 0);
	if (rc) {
		fprintf(stderr, "  spec '%s' refused\n", spec);
		return;
	}
	CHECK(!strcmp(m, mds));
	CHECK(!strcmp(f, fsname));
}

static void bad(const char *spec)
{
	char m[300], f[80];

	if (mount_parse_spec(spec, m, sizeof(m), f, sizeof(f)) == 0) {
		fprintf(stderr, "  spec '%s' accepted\n", spec);
		failures++;
	}
}

int main(void)
{
	ok("127.0.0.1@tcp:/fsx", "127.0.0.1", "fsx");
	ok("127.0.0.1:12345@tcp:/fsx", "127.0.0.1:12345", "fsx");
	ok("mds-1.example.com@tcp0:/scratch", "mds-1.example.com", "scratch");
	ok("10.0.0.1@tcp:10.0.0.2@tcp:/fs", "10.0.0.1", "fs");
	ok("10.0.0.1@tcp,10.0.1.1@tcp1:/fs", "10.0.0.1", "fs");
	ok("[::1]:988@tcp:/fsx", "[::1]:988", "fsx");
	bad("");
	bad("fsx");
	bad("127.0.0.1:/fsx");	    /* no @tcp */
	bad("@tcp:/fsx");	    /* no host */
	bad("127.0.0.1@o2ib:/fsx"); /* only tcp */
	bad("127.0.0.1@tcp:/");	    /* no fsname */
	bad("127.0.0.1@tcp:/a/b");
	bad("127.0.0.1@tcpx:/fsx");
	bad("127.0.0.1:99999@tcp:/fsx");
	bad("127.0.0.1@tcp:/"
	    "a123456789a123456789a123456789a123456789a123456789a123456789a12345");
	if (failures) {
		fprintf(stderr, "test_mount: %d failures\n", failures);
		return 1;
	}
	fprintf(stderr, "test_mount: ok\n");
	return 0;
}
