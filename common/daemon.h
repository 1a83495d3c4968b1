/*
 * daemon.h - small start-up chores shared by the servers.
 *
 * The port file lets tests and scripts start a server on port 0 (any free
 * port) and learn which port it got: it is written atomically (a temporary
 * file renamed into place), so a reader never sees a partial number.
 */
#ifndef GLINT_COMMON_DAEMON_H
#define GLINT_COMMON_DAEMON_H

#include <stdint.h>

/* Write "PORT\n" to path atomically; path NULL or "" does nothing.
 * 0 or -errno. */
int daemon_write_port_file(const char *path, uint16_t port);

#endif /* GLINT_COMMON_DAEMON_H */
