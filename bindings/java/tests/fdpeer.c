/*
 * The C side of the Java binding's interop test (InteropTests.java), with
 * nothing but libc: connects to the SOCK_SEQPACKET abstract address named
 * by argv[1], receives "to-peer" with one SCM_RIGHTS descriptor and writes
 * "written by c" into it, then sends "to-java" with its own pipe's write
 * end and checks that Java wrote "written by java" into it. Prints
 * "peer ok" and exits 0, or says what went wrong and exits 1.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int fail(const char *what) {
    perror(what);
    return 1;
}

int main(int argc, char **argv) {
    struct sockaddr_un sa;
    size_t n;
    int s, fd = -1, p[2];
    char data[64], got[64];
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov;
    struct msghdr msg;
    struct cmsghdr *c;
    ssize_t r;
    size_t have = 0;

    if (argc != 2 || (n = strlen(argv[1])) + 1 > sizeof sa.sun_path) {
        fprintf(stderr, "usage: fdpeer ABSTRACT-NAME\n");
        return 2;
    }
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path + 1, argv[1], n);
    if ((s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) < 0) return fail("socket");
    if (connect(s, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) != 0)
        return fail("connect");

    /* Receive "to-peer" and its descriptor. */
    memset(&msg, 0, sizeof msg);
    iov.iov_base = data;
    iov.iov_len = sizeof data;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    if ((r = recvmsg(s, &msg, MSG_CMSG_CLOEXEC)) < 0) return fail("recvmsg");
    for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
            memcpy(&fd, CMSG_DATA(c), sizeof fd);
    if (r != 7 || memcmp(data, "to-peer", 7) != 0 || fd < 0 || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
        fprintf(stderr, "fdpeer: unexpected message (%zd bytes, fd %d, flags %#x)\n", r, fd, msg.msg_flags);
        return 1;
    }
    if (write(fd, "written by c", 12) != 12) return fail("write");
    close(fd);

    /* Send "to-java" with a pipe's write end, then read what Java wrote. */
    if (pipe2(p, O_CLOEXEC) != 0) return fail("pipe2");
    memset(&msg, 0, sizeof msg);
    memset(&control, 0, sizeof control);
    iov.iov_base = "to-java";
    iov.iov_len = 7;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &p[1], sizeof p[1]);
    if (sendmsg(s, &msg, MSG_NOSIGNAL) != 7) return fail("sendmsg");
    close(p[1]);
    while ((r = read(p[0], got + have, sizeof got - 1 - have)) > 0) have += (size_t)r;
    if (r < 0) return fail("read");
    got[have] = '\0';
    if (strcmp(got, "written by java") != 0) {
        fprintf(stderr, "fdpeer: read \"%s\"\n", got);
        return 1;
    }
    close(p[0]);
    close(s);
    puts("peer ok");
    return 0;
}
