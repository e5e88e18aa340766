/*
 * Passing file descriptors with rmsg, as the README's "Passing file
 * descriptors" section shows it (its code blocks are excerpts of this
 * program; tests/readme.rs checks that and builds and runs it):
 * rmsg_send_fds and rmsg_recv_fds for one descriptor over a stream socket
 * pair, then a control-message builder and rmsg_sendmsg for two over a
 * datagram pair, each checked by writing through the received copy.
 */
#define _DEFAULT_SOURCE /* socketpair and pipe under -std=c99 */

#include <rmsg.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

static int failed(const char *what, rmsg_status st) {
    fprintf(stderr, "%s: %s (errno %d)\n", what, rmsg_status_describe(st), rmsg_last_errno());
    return 1;
}

static int wrong(const char *what) {
    fprintf(stderr, "%s: not what was sent\n", what);
    return 1;
}

/* Writes a byte through `copy` and reads it back from the pipe `p`. */
static int same_pipe(int copy, const int p[2]) {
    char c = 0;
    return write(copy, "x", 1) == 1 && read(p[0], &c, 1) == 1 && c == 'x';
}

/* Both ends of one transfer: `fd` goes from sv[0] to sv[1]. */
static int both_ends(int sv[2], int fd, int *received_out) {
    /* Sender, on one end of a socket pair: fd stays ours. */
    size_t sent;
    rmsg_status st = rmsg_send_fds(sv[0], (const uint8_t *)"F", 1, &fd, 1, 0, &sent);

    /* Receiver, on the other end: the new descriptor is ours to close. */
    uint8_t byte;
    int received = -1;
    size_t nbytes, nfds;
    if (st == RMSG_OK)
        st = rmsg_recv_fds(sv[1], &byte, 1, &received, 1, 0, &nbytes, &nfds, NULL);

    if (st != RMSG_OK) return failed("rmsg_send_fds/rmsg_recv_fds", st);
    if (nbytes != 1 || byte != 'F' || nfds != 1) return wrong("one descriptor");
    *received_out = received;
    return 0;
}

/* Several descriptors in one message, through a builder. */
static rmsg_status send_several(int sock, const int *fds, size_t n) {
    rmsg_cmsg_builder *b = NULL;
    rmsg_iovec iov = { (uint8_t *)"M", 1 };
    size_t sent;
    rmsg_status st = rmsg_cmsg_builder_new(&b);
    if (st == RMSG_OK) st = rmsg_cmsg_builder_add_fds(b, fds, n);
    if (st == RMSG_OK) st = rmsg_sendmsg(sock, &iov, 1, b, NULL, 0, NULL, &sent);
    rmsg_cmsg_builder_free(b);   /* the fds stay open: the builder never owned them */
    return st;
}

int main(void) {
    int stream[2], dgram[2], p[2], q[2], received = -1, got[2] = { -1, -1 }, fds[2];
    size_t nbytes = 0, nfds = 0;
    uint8_t byte = 0;
    rmsg_status st;

    if (socketpair(AF_UNIX, SOCK_STREAM, 0, stream) != 0 ||
        socketpair(AF_UNIX, SOCK_DGRAM, 0, dgram) != 0 || pipe(p) != 0 || pipe(q) != 0) {
        perror("socketpair/pipe");
        return 1;
    }

    if (both_ends(stream, p[1], &received) != 0) return 1;
    if (!same_pipe(received, p)) return wrong("the received descriptor");
    close(received);
    printf("one descriptor passed with rmsg_send_fds and rmsg_recv_fds\n");

    fds[0] = p[1];
    fds[1] = q[1];
    st = send_several(dgram[0], fds, 2);
    if (st != RMSG_OK) return failed("send_several", st);
    st = rmsg_recv_fds(dgram[1], &byte, 1, got, 2, 0, &nbytes, &nfds, NULL);
    if (st != RMSG_OK) return failed("rmsg_recv_fds", st);
    if (nfds != 2 || !same_pipe(got[0], p) || !same_pipe(got[1], q))
        return wrong("the two received descriptors");
    close(got[0]);
    close(got[1]);
    printf("two descriptors passed with a builder and rmsg_sendmsg\n");

    close(p[0]);
    close(p[1]);
    close(q[0]);
    close(q[1]);
    close(stream[0]);
    close(stream[1]);
    close(dgram[0]);
    close(dgram[1]);
    return 0;
}
