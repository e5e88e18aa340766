/*
 * io_uring multishot recvmsg, decoded by rmsg: one request on a UDP socket
 * with IP_PKTINFO and IP_RECVTTL, a ring of provided buffers, and each
 * completed buffer turned into an rmsg_message (data, source address,
 * items), then given back to the ring.
 *
 * Build against a checkout:
 *   cc examples/uring.c -Iinclude -Ltarget/release -lrmsg -luring
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* liburing.h needs sigset_t and AT_FDCWD */
#endif
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rmsg.h"

#define NBUFS 8
#define BUF_SIZE 2048
#define BGID 1
#define COUNT 5

static struct io_uring ring;
static struct io_uring_buf_ring *br;
static unsigned char *bufs;

/* Hands buffer `bid` to the kernel (again). */
static void give_back(unsigned bid) {
    io_uring_buf_ring_add(br, bufs + (size_t)bid * BUF_SIZE, BUF_SIZE, (unsigned short)bid,
                          io_uring_buf_ring_mask(NBUFS), 0);
    io_uring_buf_ring_advance(br, 1);
}

/* Prints what one completed buffer holds, decoded by rmsg. */
static int show(const struct io_uring_cqe *cqe, const struct msghdr *mh) {
    unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
    rmsg_message *m = NULL;
    rmsg_status s = rmsg_message_from_multishot(bufs + (size_t)bid * BUF_SIZE, (size_t)cqe->res,
                                                mh->msg_namelen, mh->msg_controllen,
                                                RMSG_PARSE_OWN_FDS, &m);
    if (s == RMSG_OK) {
        rmsg_inet_address from;
        int32_t ttl = -1;
        size_t i, n = rmsg_message_item_count(m);
        for (i = 0; i < n; i++)
            if (rmsg_item_kind(rmsg_message_item(m, i)) == RMSG_KIND_IP_TTL)
                rmsg_item_ip_ttl(rmsg_message_item(m, i), &ttl);
        rmsg_address_inet(rmsg_message_address(m), &from);
        printf("%.*s from port %u, %zu items, TTL %d\n", (int)rmsg_message_data_len(m),
               (const char *)rmsg_message_data(m), (unsigned)from.port, n, (int)ttl);
        rmsg_message_free(m); /* closes any descriptor not taken */
    } else {
        fprintf(stderr, "rmsg_message_from_multishot: %s\n", rmsg_status_describe(s));
    }
    give_back(bid); /* everything was copied: the buffer goes back now */
    return s == RMSG_OK ? 0 : 1;
}

int main(void) {
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    struct io_uring_buf_reg reg;
    struct io_uring_sqe *sqe;
    struct msghdr mh;
    size_t space;
    rmsg_cmsg_kind kinds[2] = {{IPPROTO_IP, IP_PKTINFO}, {IPPROTO_IP, IP_TTL}};
    int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0), one = 1;
    int i, done = 0, bad = 0, r;

    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (rx < 0 || tx < 0 || bind(rx, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(rx, (struct sockaddr *)&a, &alen) != 0 ||
        setsockopt(rx, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) != 0 ||
        setsockopt(rx, IPPROTO_IP, IP_RECVTTL, &one, sizeof one) != 0) {
        perror("socket setup");
        return 1;
    }
    if ((r = io_uring_queue_init(8, &ring, 0)) != 0) {
        printf("io_uring is not available here (%s): nothing to show\n", strerror(-r));
        return 0;
    }
    br = mmap(NULL, NBUFS * sizeof(struct io_uring_buf), PROT_READ | PROT_WRITE,
              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    bufs = mmap(NULL, (size_t)NBUFS * BUF_SIZE, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (br == MAP_FAILED || bufs == MAP_FAILED) return 1;
    memset(&reg, 0, sizeof reg);
    reg.ring_addr = (unsigned long)br;
    reg.ring_entries = NBUFS;
    reg.bgid = BGID;
    if (io_uring_register_buf_ring(&ring, &reg, 0) != 0) return 1;
    io_uring_buf_ring_init(br);
    for (i = 0; i < NBUFS; i++) give_back((unsigned)i);

    /* The request: the region sizes in this msghdr are what rmsg needs. */
    if (rmsg_control_space(kinds, 2, 0, &space) != RMSG_OK) return 1;
    memset(&mh, 0, sizeof mh);
    mh.msg_namelen = sizeof(struct sockaddr_storage);
    mh.msg_controllen = space;
    sqe = io_uring_get_sqe(&ring);
    io_uring_prep_recvmsg_multishot(sqe, rx, &mh, MSG_CMSG_CLOEXEC);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = BGID;
    io_uring_submit(&ring);

    for (i = 0; i < COUNT; i++) {
        char text[16];
        snprintf(text, sizeof text, "datagram %d", i);
        sendto(tx, text, strlen(text), 0, (struct sockaddr *)&a, sizeof a);
    }
    while (done < COUNT) {
        struct io_uring_cqe *cqe;
        if (io_uring_wait_cqe(&ring, &cqe) != 0) return 1;
        if (cqe->res < 0) {
            fprintf(stderr, "completion: %s\n", strerror(-cqe->res));
            return 1;
        }
        bad |= show(cqe, &mh);
        /* Without IORING_CQE_F_MORE the request has ended: submit again. */
        io_uring_cqe_seen(&ring, cqe);
        done++;
    }
    io_uring_unregister_buf_ring(&ring, BGID);
    io_uring_queue_exit(&ring);
    munmap(br, NBUFS * sizeof(struct io_uring_buf));
    munmap(bufs, (size_t)NBUFS * BUF_SIZE);
    close(tx);
    close(rx);
    return bad;
}
