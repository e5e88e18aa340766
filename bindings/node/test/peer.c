/* A peer process for test/fds.test.js, in C on librmsg: its descriptor 3
 * is one end of an AF_UNIX datagram socket pair. It receives "ping" with
 * one descriptor, writes "pong:c" into it, then sends "reply" with the
 * read end of a pipe holding "back:c". */
#include <fcntl.h>
#include <rmsg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    const int sock = 3;
    char buf[64];
    int fd = -1, p[2];
    size_t nbytes = 0, nfds = 0, sent = 0;
    /* The socket pair was made non-blocking: wait in recvmsg instead. */
    fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) & ~O_NONBLOCK);
    rmsg_status s = rmsg_recv_fds(sock, (uint8_t *)buf, sizeof buf, &fd, 1, 0, &nbytes, &nfds, NULL);
    if (s != RMSG_OK || nfds != 1 || nbytes != 4 || memcmp(buf, "ping", 4) != 0) {
        fprintf(stderr, "peer.c: receive: %s\n", rmsg_status_describe(s));
        return 1;
    }
    if (write(fd, "pong:c", 6) != 6) return 1;
    close(fd);
    if (pipe(p) != 0 || write(p[1], "back:c", 6) != 6) return 1;
    close(p[1]);
    s = rmsg_send_fds(sock, (const uint8_t *)"reply", 5, &p[0], 1, 0, &sent);
    close(p[0]);
    if (s != RMSG_OK) {
        fprintf(stderr, "peer.c: send: %s\n", rmsg_status_describe(s));
        return 1;
    }
    close(sock);
    return 0;
}
