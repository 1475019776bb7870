/* Writing a whole buffer to a file or socket: the one loop around write(2) that irrigd and irrigctl share. */
#ifndef IRRIGD_HW_FDIO_H
#define IRRIGD_HW_FDIO_H

#include <stddef.h>

/*
 * Writes all len bytes of data to fd, again after a signal interrupts
 * and after a short write.  0, or the negative errno of the write that
 * failed.  To a socket (a stream socket fd, say), a peer that has gone
 * is -EPIPE rather than SIGPIPE.
 */
int fd_write_all(int fd, const void *data, size_t len);

#endif
