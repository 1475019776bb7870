/* The write-all loop: the C library's write and send, nothing else, so a program that needs only this links no driver library. */
#include "hw/fdio.h"

#include <errno.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

int fd_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	bool is_socket = true;

	while (len) {
		/* MSG_NOSIGNAL: a closed peer is an error to report, not a signal. */
		ssize_t n = is_socket ? send(fd, p, len, MSG_NOSIGNAL)
				   : write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (is_socket && errno == ENOTSOCK) {
				is_socket = false;
				continue;
			}
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
