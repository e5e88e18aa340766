/*
 * Receive throughput of rmsg against raw recvmsg(2) in the same binary.
 *
 * 1,000,000 datagrams of 64 bytes per method and round over an AF_UNIX
 * SOCK_DGRAM socketpair. The socket queue is filled in batches (as many as
 * it holds), then drained with MSG_DONTWAIT; only the draining is timed.
 * Batches alternate between the two methods so that both see the same
 * machine state. The process is pinned to one CPU.
 *
 *   raw:      recvmsg into stack buffers, then a CMSG_FIRSTHDR/CMSG_NXTHDR
 *             walk; no source address asked for (msg_name NULL)
 *   raw+addr: the same, also asking for the source address, which is the
 *             information rmsg always returns (Python's 4-tuple)
 *   rmsg:     rmsg_recvmsg (same sizes) then rmsg_message_free
 *   rmsg-noaddr: rmsg_recvmsg_with RMSG_RECV_NO_ADDRESS (the same information
 *             as raw), then rmsg_message_free
 *
 * Prints, for each round, rmsg's throughput over raw+addr and rmsg-noaddr's
 * over raw (each pair gets the same information; 1.00 = as fast as raw),
 * and rmsg over raw, then the medians over the rounds.
 * Usage: recv_bench [messages-per-round] [rounds] [credentials]
 * With "credentials", SO_PASSCRED is on, so every datagram carries an
 * SCM_CREDENTIALS item that both methods receive and walk.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rmsg.h"

#define MSG_SIZE 64
#define ANC_SIZE 64

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static volatile size_t sink;

/* Fills the queue with up to `want` datagrams; returns how many were queued. */
static long fill(int tx, long want) {
    static const char payload[MSG_SIZE] = "rmsg benchmark payload";
    long n = 0;
    while (n < want) {
        if (send(tx, payload, sizeof payload, MSG_DONTWAIT) != (ssize_t)sizeof payload) {
            if (errno == EAGAIN) break;
            perror("send");
            exit(1);
        }
        n++;
    }
    return n;
}

static double drain_raw(int rx, long count, int want_address) {
    char data[MSG_SIZE];
    union {
        char buf[ANC_SIZE];
        struct cmsghdr align;
    } anc;
    double t0 = now();
    long i;
    for (i = 0; i < count; i++) {
        struct iovec iov = {data, sizeof data};
        struct msghdr m;
        struct cmsghdr *c;
        struct sockaddr_storage from;
        ssize_t r;
        memset(&m, 0, sizeof m);
        if (want_address) {
            m.msg_name = &from;
            m.msg_namelen = sizeof from;
        }
        m.msg_iov = &iov;
        m.msg_iovlen = 1;
        m.msg_control = anc.buf;
        m.msg_controllen = sizeof anc.buf;
        r = recvmsg(rx, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (r != MSG_SIZE) {
            perror("recvmsg");
            exit(1);
        }
        for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) sink += (size_t)c->cmsg_type;
        sink += (size_t)data[0];
    }
    return now() - t0;
}

static double drain_rmsg(int rx, long count, int want_address) {
    rmsg_recv_options opts;
    double t0;
    long i;
    memset(&opts, 0, sizeof opts);
    if (!want_address) opts.flags = RMSG_RECV_NO_ADDRESS;
    t0 = now();
    for (i = 0; i < count; i++) {
        rmsg_message *m = NULL;
        uint32_t s = rmsg_recvmsg_with(rx, MSG_SIZE, ANC_SIZE, MSG_DONTWAIT, &opts, &m);
        size_t k, items;
        if (s != RMSG_OK || rmsg_message_data_len(m) != MSG_SIZE) {
            fprintf(stderr, "rmsg_recvmsg: %s\n", rmsg_status_name(s));
            exit(1);
        }
        items = rmsg_message_item_count(m);
        for (k = 0; k < items; k++) sink += (size_t)rmsg_item_type(rmsg_message_item(m, k));
        sink += (size_t)rmsg_message_data(m)[0];
        rmsg_message_free(m);
    }
    return now() - t0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv) {
    long per_round = argc > 1 ? atol(argv[1]) : 1000000;
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    int creds = argc > 3 && strcmp(argv[3], "credentials") == 0;
    int sv[2], r, one = 1, big = 4 << 20;
    double *ratios, *ratios_addr, *ratios_noaddr;
    cpu_set_t set;

    if (rounds < 1 || per_round < 1) {
        fprintf(stderr, "usage: %s [messages-per-round] [rounds] [credentials]\n", argv[0]);
        return 2;
    }
    ratios = calloc((size_t)rounds, sizeof *ratios);
    ratios_addr = calloc((size_t)rounds, sizeof *ratios_addr);
    ratios_noaddr = calloc((size_t)rounds, sizeof *ratios_noaddr);
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) perror("sched_setaffinity (not pinned)");
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0) {
        perror("socketpair");
        return 1;
    }
    /* A larger send buffer lets a batch hold more datagrams (best effort). */
    if (setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big) != 0)
        setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    if (creds && setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0) {
        perror("SO_PASSCRED");
        return 1;
    }
    printf("recv_bench: %ld datagrams of %d bytes per method per round, %d rounds, %s\n",
           per_round, MSG_SIZE, rounds,
           creds ? "each with an SCM_CREDENTIALS item" : "no control items");
    /* Warm-up. */
    fill(sv[0], 1000);
    drain_raw(sv[1], fill(sv[0], 0), 0);
    for (r = 0; r < rounds; r++) {
        long done[4] = {0, 0, 0, 0};
        double t[4] = {0, 0, 0, 0};
        int k, busy = 1;
        while (busy) {
            busy = 0;
            for (k = 0; k < 4; k++) {
                long n;
                if (done[k] >= per_round) continue;
                busy = 1;
                n = fill(sv[0], per_round - done[k]);
                switch (k) {
                case 0: t[k] += drain_raw(sv[1], n, 0); break;
                case 1: t[k] += drain_raw(sv[1], n, 1); break;
                case 2: t[k] += drain_rmsg(sv[1], n, 1); break;
                default: t[k] += drain_rmsg(sv[1], n, 0); break;
                }
                done[k] += n;
            }
        }
        ratios_addr[r] = t[1] / t[2];
        ratios_noaddr[r] = t[0] / t[3];
        ratios[r] = t[0] / t[2];
        printf("round %d: ns/msg raw %.0f, raw+addr %.0f, rmsg %.0f, rmsg-noaddr %.0f; "
               "rmsg/raw+addr %.3f, rmsg-noaddr/raw %.3f, rmsg/raw %.3f\n",
               r + 1, t[0] * 1e9 / (double)per_round, t[1] * 1e9 / (double)per_round,
               t[2] * 1e9 / (double)per_round, t[3] * 1e9 / (double)per_round, ratios_addr[r],
               ratios_noaddr[r], ratios[r]);
    }
    printf("median ratio rmsg/raw+addr (same information): %.3f\n", median(ratios_addr, rounds));
    printf("median ratio rmsg-noaddr/raw (same information): %.3f\n", median(ratios_noaddr, rounds));
    printf("median ratio rmsg/raw (rmsg also returns the address): %.3f\n", median(ratios, rounds));
    free(ratios_noaddr);
    free(ratios_addr);
    free(ratios);
    close(sv[0]);
    close(sv[1]);
    return 0;
}
