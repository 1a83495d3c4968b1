/*
 * main.c - glint-client and mount.glint: the FUSE client of Glint.
 *
 * One binary, two names: called as mount.glint it takes mount(8)'s helper
 * syntax. Everything is in mount.c (options, session) and the modules it
 * names (client_i.h).
 */
#include "client/client_i.h"

int main(int argc, char **argv)
{
	return mount_main(argc, argv);
}
