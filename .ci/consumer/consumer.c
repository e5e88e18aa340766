/*
 * A program that uses rmsg as an installed library would: it knows nothing
 * of the repository and finds the header and library through pkg-config
 * (or CMake's pkg_check_modules). .ci/consumers.sh builds it outside the
 * repository against a staged `cargo cinstall`, dynamically and statically.
 *
 * It checks that the header and the library it runs with are the same
 * version, then passes a pipe's write end over a socket pair with
 * rmsg_send_fds and rmsg_recv_fds and writes through the received copy.
 */
#define _POSIX_C_SOURCE 200809L

#include <rmsg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(const char *what, rmsg_status s) {
    fprintf(stderr, "consumer: %s: %s (errno %d)\n", what, rmsg_status_describe(s),
            rmsg_last_errno());
    return 1;
}

int main(void) {
    int sv[2], p[2], got = -1, msg_flags = 0;
    size_t sent = 0, nbytes = 0, nfds = 0;
    uint8_t byte = 0;
    char c = 0;
    rmsg_status s;

    if (strcmp(rmsg_version(), RMSG_VERSION_STRING) != 0 ||
        rmsg_version_number() != RMSG_VERSION_NUMBER) {
        fprintf(stderr, "consumer: header %s, library %s\n", RMSG_VERSION_STRING,
                rmsg_version());
        return 1;
    }
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0 || pipe(p) != 0) {
        perror("consumer: socketpair/pipe");
        return 1;
    }
    s = rmsg_send_fds(sv[0], (const uint8_t *)"F", 1, &p[1], 1, 0, &sent);
    if (s != RMSG_OK) return fail("rmsg_send_fds", s);
    s = rmsg_recv_fds(sv[1], &byte, 1, &got, 1, 0, &nbytes, &nfds, &msg_flags);
    if (s != RMSG_OK) return fail("rmsg_recv_fds", s);
    if (nbytes != 1 || byte != 'F' || nfds != 1 || write(got, "x", 1) != 1 ||
        read(p[0], &c, 1) != 1 || c != 'x') {
        fprintf(stderr, "consumer: the descriptor did not arrive whole\n");
        return 1;
    }
    close(got);
    close(p[0]);
    close(p[1]);
    close(sv[0]);
    close(sv[1]);
    printf("consumer: rmsg %s (header %s) passed a descriptor\n", rmsg_version(),
           RMSG_VERSION_STRING);
    return 0;
}
