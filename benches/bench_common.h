/*
 * What recv_bench.c and uring_bench.c share: the link (the socket pair the
 * traffic crosses and how many datagrams its queue holds), filling and
 * emptying it, the walk every rmsg method does over a received message,
 * and the rounds: methods take turns one queue's worth at a time, each
 * round prints its ns per message, and the end the median and spread of
 * every ratio. Included once by each benchmark (static definitions).
 */
#ifndef RMSG_BENCH_COMMON_H
#define RMSG_BENCH_COMMON_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
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
/* The largest batch of the recvmmsg methods. */
#define MMSG_MAX 64

/* Each method's work stays in its own function, so that callgrind can
 * count it (inclusive cost per function). A benchmark need not use every
 * method defined here. */
#define METHOD __attribute__((noinline, noclone, unused)) static void

typedef struct {
    int udp;
    int item; /* 0: no control items; 1: one per datagram; 2 (UDP): two */
    int tx, rx;
    long capacity; /* datagrams the receive queue holds */
} link_t;

static volatile size_t sink;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what) {
    perror(what);
    exit(1);
}

/* A method received fewer datagrams than were queued for it. */
static void short_read(const char *what, long got, long want) {
    fprintf(stderr, "%s: received %ld of %ld datagrams\n", what, got, want);
    exit(1);
}

static const char payload[MSG_SIZE] = "rmsg benchmark payload";

/* Queues up to `want` datagrams (at most the capacity); returns how many. */
static long fill(link_t *l, long want) {
    long n = 0;
    if (want > l->capacity) want = l->capacity;
    while (n < want) {
        if (send(l->tx, payload, sizeof payload, MSG_DONTWAIT) != (ssize_t)sizeof payload) {
            if (errno == EAGAIN) break;
            die("send");
        }
        n++;
    }
    return n;
}

/* Receives and drops everything queued; returns how many. */
static long discard(int rx) {
    char buf[MSG_SIZE];
    long n = 0;
    while (recv(rx, buf, sizeof buf, MSG_DONTWAIT) >= 0) n++;
    return n;
}

static void set_int(int s, int level, int name, int value) {
    if (setsockopt(s, level, name, &value, sizeof value) != 0) die("setsockopt");
}

/* Opens an AF_UNIX or UDP link, with SO_PASSCRED or IP_PKTINFO on the
 * receiver for item 1 (and IP_RECVTTL too for item 2 on UDP), and
 * measures its queue: fills until the kernel
 * refuses (AF_UNIX) or drops (UDP), counts what arrived and keeps a
 * margin, then caps that at `most`. Fewer than `least` is an error. */
static void link_open(link_t *l, int udp, int item, long least, long most) {
    int big = 32 << 20;
    long sent, got;
    l->udp = udp;
    l->item = item;
    if (!udp) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0) die("socketpair");
        l->tx = sv[0];
        l->rx = sv[1];
        if (setsockopt(l->tx, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big) != 0)
            setsockopt(l->tx, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
        if (item) set_int(l->rx, SOL_SOCKET, SO_PASSCRED, 1);
    } else {
        struct sockaddr_in a;
        socklen_t len = sizeof a;
        l->rx = socket(AF_INET, SOCK_DGRAM, 0);
        l->tx = socket(AF_INET, SOCK_DGRAM, 0);
        if (l->rx < 0 || l->tx < 0) die("socket");
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(l->rx, (struct sockaddr *)&a, sizeof a) != 0) die("bind");
        if (getsockname(l->rx, (struct sockaddr *)&a, &len) != 0) die("getsockname");
        if (connect(l->tx, (struct sockaddr *)&a, sizeof a) != 0) die("connect");
        if (setsockopt(l->rx, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big) != 0)
            setsockopt(l->rx, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
        if (item) set_int(l->rx, IPPROTO_IP, IP_PKTINFO, 1);
        if (item > 1) set_int(l->rx, IPPROTO_IP, IP_RECVTTL, 1);
    }
    l->capacity = 1L << 20;
    sent = fill(l, udp ? 40000 : 1L << 20);
    got = discard(l->rx);
    if (got < sent && !udp) die("lost datagrams on AF_UNIX");
    l->capacity = got * 9 / 10;
    if (l->capacity < least) {
        fprintf(stderr, "the queue holds only %ld datagrams\n", got);
        exit(1);
    }
    if (l->capacity > most) l->capacity = most;
}

static const char *link_traffic(const link_t *l) {
    if (!l->item) return "no control items";
    if (!l->udp) return "each with SCM_CREDENTIALS";
    return l->item > 1 ? "each with IP_PKTINFO and IP_TTL" : "each with IP_PKTINFO";
}

/* Reads a received rmsg message as the raw methods read theirs: every
 * item's type, the first data byte, the data length (returned). */
static size_t walk_message(const rmsg_message *m) {
    size_t k, items = rmsg_message_item_count(m);
    for (k = 0; k < items; k++) sink += (size_t)rmsg_item_type(rmsg_message_item(m, k));
    sink += (size_t)rmsg_message_data(m)[0];
    return rmsg_message_data_len(m);
}

/* Pins the process to CPU 0 so that every method sees the same cache. */
static void pin_to_cpu0(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) perror("sched_setaffinity (not pinned)");
}

/* The two batch receives at one batch size: raw recvmmsg into headers set
 * up once, and an rmsg batch. */
typedef struct {
    int batch;
    struct mmsghdr hdrs[MMSG_MAX];
    struct iovec iovs[MMSG_MAX];
    struct sockaddr_storage names[MMSG_MAX];
    char data[MMSG_MAX][MSG_SIZE];
    union {
        char buf[ANC_SIZE];
        size_t align; /* as struct cmsghdr (whose flexible member -Wpedantic refuses here) */
    } control[MMSG_MAX];
    rmsg_batch *rbatch;
} mmsg_t;

static void mmsg_setup(mmsg_t *s, int batch) {
    int i;
    memset(s, 0, sizeof *s);
    s->batch = batch;
    for (i = 0; i < MMSG_MAX; i++) {
        s->iovs[i].iov_base = s->data[i];
        s->iovs[i].iov_len = MSG_SIZE;
        s->hdrs[i].msg_hdr.msg_iov = &s->iovs[i];
        s->hdrs[i].msg_hdr.msg_iovlen = 1;
        s->hdrs[i].msg_hdr.msg_name = &s->names[i];
        s->hdrs[i].msg_hdr.msg_namelen = sizeof s->names[i];
        s->hdrs[i].msg_hdr.msg_control = s->control[i].buf;
        s->hdrs[i].msg_hdr.msg_controllen = ANC_SIZE;
    }
    if (rmsg_batch_new((size_t)batch, MSG_SIZE, ANC_SIZE, NULL, &s->rbatch) != RMSG_OK)
        die("rmsg_batch_new");
}

static void mmsg_free(mmsg_t *s) { rmsg_batch_free(s->rbatch); }

/* Receives exactly n queued datagrams with recvmmsg of up to s->batch,
 * resetting the in/out fields of the headers the last call used, and
 * walks each message's control. */
METHOD drain_raw_recvmmsg(link_t *l, mmsg_t *s, long n) {
    long done = 0;
    int used = s->batch;
    while (done < n) {
        int i, want = (int)(n - done < s->batch ? n - done : s->batch), got;
        for (i = 0; i < used; i++) {
            struct msghdr *h = &s->hdrs[i].msg_hdr;
            h->msg_namelen = sizeof s->names[i];
            h->msg_controllen = ANC_SIZE;
            h->msg_flags = 0;
        }
        got = recvmmsg(l->rx, s->hdrs, (unsigned)want, MSG_DONTWAIT | MSG_CMSG_CLOEXEC, NULL);
        if (got <= 0) short_read("raw recvmmsg", done, n);
        for (i = 0; i < got; i++) {
            struct msghdr *h = &s->hdrs[i].msg_hdr;
            struct cmsghdr *c;
            if (s->hdrs[i].msg_len != MSG_SIZE) short_read("raw recvmmsg length", done, n);
            for (c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c))
                sink += (size_t)c->cmsg_type;
            sink += (size_t)s->data[i][0];
        }
        used = got;
        done += got;
    }
}

/* Receives exactly n queued datagrams with rmsg_batch_recv, walking each
 * message. */
METHOD drain_rmsg_batch(link_t *l, mmsg_t *s, long n) {
    long done = 0;
    while (done < n) {
        size_t i, got = 0;
        if (rmsg_batch_recv(s->rbatch, l->rx, MSG_DONTWAIT, NULL, &got) != RMSG_OK)
            short_read("rmsg batch", done, n);
        if ((long)got > n - done) short_read("rmsg batch: more than queued", done, n);
        for (i = 0; i < got; i++)
            if (walk_message(rmsg_batch_message(s->rbatch, i)) != MSG_SIZE)
                short_read("rmsg batch length", done, n);
        done += (long)got;
    }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of v[0..n) (sorted in place). */
static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A comparison printed: method `rmsg`'s throughput over method `base`'s. */
typedef struct {
    int rmsg, base;
    const char *label;
} bench_pair;

/* Runs method m of link l (state r) on one queue's worth: *k datagrams
 * (at most the capacity), queued and received, or sent by the method
 * itself; lowers *k when the queue took fewer. Returns the seconds of the
 * timed part. */
typedef double (*bench_run)(link_t *l, void *r, int m, long *k);

/* Runs method m on n datagrams, one queue's worth at a time; returns the
 * seconds of the timed parts. */
static double run_chunked(link_t *l, void *r, bench_run run, int m, long n) {
    double t = 0;
    while (n > 0) {
        long k = n < l->capacity ? n : l->capacity;
        t += run(l, r, m, &k);
        if (k <= 0) die("the receive queue took no datagram");
        n -= k;
    }
    return t;
}

/* A warm-up, then `rounds` rounds of `per_round` datagrams per method,
 * the methods taking turns one queue's worth at a time so that all see
 * the same machine state; prints each round's ns per message, then the
 * median and the spread (min-max) of every pair's ratio. */
static void run_rounds(link_t *l, void *r, bench_run run, int methods,
                       const char *const *names, const bench_pair *pairs, int npairs,
                       long per_round, int rounds, const char *title) {
    double *t = calloc((size_t)methods, sizeof *t);
    long *left = calloc((size_t)methods, sizeof *left);
    double *ratio = calloc((size_t)npairs * (size_t)rounds, sizeof *ratio);
    int m, p, round;
    if (!t || !left || !ratio) die("calloc");
    for (m = 0; m < methods; m++) run_chunked(l, r, run, m, 2 * l->capacity);
    for (round = 0; round < rounds; round++) {
        int busy = 1;
        for (m = 0; m < methods; m++) {
            t[m] = 0;
            left[m] = per_round;
        }
        while (busy) {
            busy = 0;
            for (m = 0; m < methods; m++) {
                long k = left[m] < l->capacity ? left[m] : l->capacity;
                if (k <= 0) continue;
                busy = 1;
                t[m] += run(l, r, m, &k);
                if (k <= 0) die("the receive queue took no datagram");
                left[m] -= k;
            }
        }
        printf("round %d: ns/msg", round + 1);
        for (m = 0; m < methods; m++)
            printf("%s %s %.0f", m ? "," : "", names[m], t[m] * 1e9 / (double)per_round);
        printf("\n");
        for (p = 0; p < npairs; p++)
            ratio[p * rounds + round] = t[pairs[p].base] / t[pairs[p].rmsg];
    }
    printf("ratios, %s (median and spread over %d rounds):\n", title, rounds);
    for (p = 0; p < npairs; p++) {
        double *v = ratio + p * rounds;
        double med = median(v, rounds);
        printf("  %-36s %.3f  (%.3f-%.3f)\n", pairs[p].label, med, v[0], v[rounds - 1]);
    }
    free(t);
    free(left);
    free(ratio);
}

#endif
