/*
 * rmsg demo: pass a file descriptor from one process to another, then
 * receive a UDP datagram with its TTL and destination address (IP_PKTINFO),
 * decoding everything through rmsg.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rmsg.h"

#define DIE(what)                                                   \
    do {                                                            \
        perror(what);                                               \
        exit(1);                                                    \
    } while (0)

#define TRY(expr)                                                   \
    do {                                                            \
        uint32_t s_ = (uint32_t)(expr);                             \
        if (s_ != RMSG_OK) {                                        \
            fprintf(stderr, "%s: %s (errno %d)\n", #expr,           \
                    rmsg_status_describe(s_), rmsg_last_errno());   \
            exit(1);                                                \
        }                                                           \
    } while (0)

/* The child writes a note into an anonymous file and sends the descriptor
 * with rmsg_send_fds. The child keeps its own descriptor: rmsg never closes
 * or duplicates what it sends. */
static void child_send_fd(int sock) {
    const char note[] = "written by the child before it sent this descriptor";
    FILE *f = tmpfile();
    int fd;
    size_t sent = 0;
    if (f == NULL) DIE("tmpfile");
    fd = fileno(f);
    if (write(fd, note, sizeof note - 1) != (ssize_t)(sizeof note - 1)) DIE("write");
    TRY(rmsg_send_fds(sock, (const uint8_t *)"fd", 2, &fd, 1, 0, &sent));
    fclose(f);
}

static void pass_a_descriptor(void) {
    int sv[2], status, fd = -1;
    size_t space, nfds = 0;
    pid_t pid;
    rmsg_message *msg = NULL;
    char text[128];
    ssize_t n;

    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) DIE("socketpair");
    pid = fork();
    if (pid < 0) DIE("fork");
    if (pid == 0) {
        close(sv[0]);
        child_send_fd(sv[1]);
        _exit(0);
    }
    close(sv[1]);

    TRY(rmsg_cmsg_space(sizeof(int), &space));
    TRY(rmsg_recvmsg(sv[0], 16, space, 0, &msg));
    printf("fd passing: received %zu data byte(s), %zu control item(s), %zu descriptor(s)\n",
           rmsg_message_data_len(msg), rmsg_message_item_count(msg), rmsg_message_fd_count(msg));
    /* Take the descriptor: from now on it is ours to close. */
    TRY(rmsg_message_take_fds(msg, &fd, 1, &nfds));
    rmsg_message_free(msg);
    if (nfds != 1) {
        fprintf(stderr, "expected one descriptor\n");
        exit(1);
    }
    n = pread(fd, text, sizeof text - 1, 0);
    if (n < 0) DIE("pread");
    text[n] = '\0';
    printf("fd passing: descriptor %d (%s) reads: \"%s\"\n", fd,
           (fcntl(fd, F_GETFD) & FD_CLOEXEC) ? "close-on-exec" : "inheritable", text);
    close(fd);
    close(sv[0]);
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "child failed\n");
        exit(1);
    }
}

static void udp_ttl_and_destination(void) {
    int rx, tx, on = 1, ttl = 42;
    int32_t item_ttl = -1;
    struct sockaddr_in addr;
    socklen_t alen = sizeof addr;
    size_t space_ttl, space_pktinfo, i;
    rmsg_message *msg = NULL;
    rmsg_inet_address from;
    char text[INET_ADDRSTRLEN];

    rx = socket(AF_INET, SOCK_DGRAM, 0);
    tx = socket(AF_INET, SOCK_DGRAM, 0);
    if (rx < 0 || tx < 0) DIE("socket");
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(rx, (struct sockaddr *)&addr, sizeof addr) != 0) DIE("bind");
    if (getsockname(rx, (struct sockaddr *)&addr, &alen) != 0) DIE("getsockname");
    if (setsockopt(rx, IPPROTO_IP, IP_PKTINFO, &on, sizeof on) != 0) DIE("IP_PKTINFO");
    if (setsockopt(rx, IPPROTO_IP, IP_RECVTTL, &on, sizeof on) != 0) DIE("IP_RECVTTL");
    if (setsockopt(tx, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl) != 0) DIE("IP_TTL");
    if (sendto(tx, "ping", 4, 0, (struct sockaddr *)&addr, sizeof addr) != 4) DIE("sendto");

    TRY(rmsg_cmsg_space(sizeof(int), &space_ttl));
    TRY(rmsg_cmsg_space(sizeof(struct in_pktinfo), &space_pktinfo));
    TRY(rmsg_recvmsg(rx, 64, space_ttl + space_pktinfo, 0, &msg));
    TRY(rmsg_address_inet(rmsg_message_address(msg), &from));
    inet_ntop(AF_INET, from.addr, text, sizeof text);
    printf("udp: %zu byte(s) from %s:%u\n", rmsg_message_data_len(msg), text, from.port);
    for (i = 0; i < rmsg_message_item_count(msg); i++) {
        const rmsg_item *item = rmsg_message_item(msg, i);
        rmsg_ip_pktinfo pi;
        /* Each typed accessor checks the kind and length and reads the
         * (unaligned) data safely; RMSG_ERR_WRONG_KIND means "not mine". */
        if (rmsg_item_ip_ttl(item, &item_ttl) == RMSG_OK) {
            printf("udp: %s: ttl %d (the sender set %d)\n", rmsg_item_name(item), (int)item_ttl, ttl);
        } else if (rmsg_item_ip_pktinfo(item, &pi) == RMSG_OK) {
            char dst[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, pi.addr.addr, dst, sizeof dst);
            printf("udp: %s: destination %s, interface index %d\n", rmsg_item_name(item), dst,
                   (int)pi.ifindex);
        } else {
            printf("udp: %s: %zu byte(s)\n", rmsg_item_name(item), rmsg_item_data_len(item));
        }
    }
    if (rmsg_message_flags(msg) & MSG_CTRUNC) printf("udp: control data was truncated\n");
    rmsg_message_free(msg);
    close(rx);
    close(tx);
    if (item_ttl != ttl) {
        fprintf(stderr, "TTL mismatch\n");
        exit(1);
    }
}

int main(void) {
    pass_a_descriptor();
    udp_ttl_and_destination();
    printf("demo finished\n");
    return 0;
}
