/*
 * Receive and send rate of rmsg against raw recvmsg(2), recvmmsg(2) and
 * sendmmsg(2) in the same binary, on the same traffic.
 *
 * A link is an AF_UNIX SOCK_DGRAM socketpair or a connected UDP socket pair
 * on 127.0.0.1. Datagrams are 64 bytes; with "item", every datagram carries
 * one control item (AF_UNIX: SCM_CREDENTIALS from SO_PASSCRED; UDP:
 * IP_PKTINFO) that every method receives and walks. The receive queue is
 * filled (as much as it holds), then drained with MSG_DONTWAIT; only the
 * draining is timed. Methods take turns, fill by fill, so that all see the
 * same machine state. The process is pinned to one CPU.
 *
 *   raw recvmsg        recvmsg into stack buffers, source address asked
 *                      for, CMSG_FIRSTHDR/CMSG_NXTHDR walk
 *   rmsg_recvmsg       rmsg_recvmsg_with, items walked, rmsg_message_free
 *   rmsg receiver      rmsg_receiver_recv into one receiver, items walked
 *   raw recvmmsg B     recvmmsg of up to B messages into buffers set up
 *                      once, the in/out fields of the used headers reset
 *                      before each call, each message's control walked
 *   rmsg batch B       rmsg_batch_recv into a batch of B, each message's
 *                      items walked
 *   raw sendmmsg 32    sendmmsg of 32 prebuilt headers (with a control
 *                      item: IP_TTL on UDP, SCM_CREDENTIALS on AF_UNIX)
 *   rmsg_sendmmsg 32   rmsg_sendmmsg of 32 prebuilt items (same control
 *                      messages, from builders)
 *
 * Usage: recv_bench unix|udp plain|item [messages-per-round] [rounds]
 *   prints each round's ratios (1.00 = as fast as the baseline; above 1 is
 *   faster), then the median and the spread (min-max) of every ratio.
 * Or:    recv_bench unix|udp plain|item calls N B
 *   runs each method once on N messages (batch size B) and prints nothing
 *   but a summary: for counting instructions per message under callgrind
 *   (each method's work is inside its own function).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "bench_common.h"

#define SEND_BATCH 32

/* ---- receive methods: each receives exactly n queued datagrams ---------- */

typedef struct {
    mmsg_t mm;
    rmsg_receiver *receiver;
} state_t;

METHOD drain_raw_recvmsg(link_t *l, state_t *st, long n) {
    char data[MSG_SIZE];
    union {
        char buf[ANC_SIZE];
        size_t align; /* as struct cmsghdr (whose flexible member -Wpedantic refuses here) */
    } anc;
    long i;
    (void)st;
    for (i = 0; i < n; i++) {
        struct iovec iov = {data, sizeof data};
        struct msghdr m;
        struct cmsghdr *c;
        struct sockaddr_storage from;
        memset(&m, 0, sizeof m);
        m.msg_name = &from;
        m.msg_namelen = sizeof from;
        m.msg_iov = &iov;
        m.msg_iovlen = 1;
        m.msg_control = anc.buf;
        m.msg_controllen = sizeof anc.buf;
        if (recvmsg(l->rx, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) != MSG_SIZE)
            short_read("raw recvmsg", i, n);
        for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c))
            sink += (size_t)c->cmsg_type;
        sink += (size_t)data[0];
    }
}

METHOD drain_rmsg_recvmsg(link_t *l, state_t *st, long n) {
    long i;
    (void)st;
    for (i = 0; i < n; i++) {
        rmsg_message *m = NULL;
        if (rmsg_recvmsg_with(l->rx, MSG_SIZE, ANC_SIZE, MSG_DONTWAIT, NULL, &m) != RMSG_OK ||
            walk_message(m) != MSG_SIZE)
            short_read("rmsg_recvmsg", i, n);
        rmsg_message_free(m);
    }
}

METHOD drain_rmsg_receiver(link_t *l, state_t *st, long n) {
    long i;
    for (i = 0; i < n; i++) {
        rmsg_message *m = NULL;
        if (rmsg_receiver_recv(st->receiver, l->rx, MSG_DONTWAIT, NULL, &m) != RMSG_OK ||
            walk_message(m) != MSG_SIZE)
            short_read("rmsg receiver", i, n);
    }
}

/* ---- send methods: each sends exactly n datagrams (the queue has room) -- */

typedef struct {
    struct mmsghdr hdrs[SEND_BATCH];
    struct iovec iov;
    union {
        char buf[CMSG_SPACE(sizeof(struct ucred))];
        size_t align; /* as struct cmsghdr (whose flexible member -Wpedantic refuses here) */
    } control;
    rmsg_cmsg_builder *builder;
    rmsg_iovec riov;
    rmsg_send_item items[SEND_BATCH];
} send_state_t;

static void send_setup(link_t *l, send_state_t *ss) {
    int i;
    size_t controllen = 0;
    memset(ss, 0, sizeof *ss);
    ss->iov.iov_base = (void *)payload;
    ss->iov.iov_len = sizeof payload;
    if (rmsg_cmsg_builder_new(&ss->builder) != RMSG_OK) die("rmsg_cmsg_builder_new");
    if (l->item) {
        struct cmsghdr *c = (struct cmsghdr *)(void *)ss->control.buf;
        if (l->udp) {
            int ttl = 64;
            c->cmsg_level = IPPROTO_IP;
            c->cmsg_type = IP_TTL;
            c->cmsg_len = CMSG_LEN(sizeof ttl);
            memcpy(CMSG_DATA(c), &ttl, sizeof ttl);
            controllen = CMSG_SPACE(sizeof ttl);
            if (rmsg_cmsg_builder_add_ip_ttl(ss->builder, 64) != RMSG_OK) die("add_ip_ttl");
        } else {
            struct ucred cr;
            cr.pid = getpid();
            cr.uid = getuid();
            cr.gid = getgid();
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_CREDENTIALS;
            c->cmsg_len = CMSG_LEN(sizeof cr);
            memcpy(CMSG_DATA(c), &cr, sizeof cr);
            controllen = CMSG_SPACE(sizeof cr);
            if (rmsg_cmsg_builder_add_credentials(ss->builder, cr.pid, cr.uid, cr.gid) != RMSG_OK)
                die("add_credentials");
        }
    }
    ss->riov.base = (uint8_t *)(uintptr_t)payload;
    ss->riov.len = sizeof payload;
    for (i = 0; i < SEND_BATCH; i++) {
        ss->hdrs[i].msg_hdr.msg_iov = &ss->iov;
        ss->hdrs[i].msg_hdr.msg_iovlen = 1;
        if (controllen) {
            ss->hdrs[i].msg_hdr.msg_control = ss->control.buf;
            ss->hdrs[i].msg_hdr.msg_controllen = controllen;
        }
        ss->items[i].buffers = &ss->riov;
        ss->items[i].buffer_count = 1;
        ss->items[i].control = l->item ? ss->builder : NULL;
    }
}

METHOD send_raw_sendmmsg(link_t *l, send_state_t *ss, long n) {
    long done = 0;
    while (done < n) {
        int want = (int)(n - done < SEND_BATCH ? n - done : SEND_BATCH);
        int got = sendmmsg(l->tx, ss->hdrs, (unsigned)want, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (got <= 0) die("sendmmsg");
        done += got;
    }
}

METHOD send_rmsg_sendmmsg(link_t *l, send_state_t *ss, long n) {
    long done = 0;
    while (done < n) {
        size_t want = (size_t)(n - done < SEND_BATCH ? n - done : SEND_BATCH), got = 0;
        if (rmsg_sendmmsg(l->tx, ss->items, want, MSG_DONTWAIT, NULL, &got) != RMSG_OK || !got)
            die("rmsg_sendmmsg");
        done += (long)got;
    }
}

/* ---- the runs --------------------------------------------------------- */

enum {
    M_RAW_RECVMSG,
    M_RMSG_RECVMSG,
    M_RMSG_RECEIVER,
    M_RAW_MMSG_8,
    M_RMSG_BATCH_8,
    M_RAW_MMSG_32,
    M_RMSG_BATCH_32,
    M_RAW_MMSG_64,
    M_RMSG_BATCH_64,
    M_RAW_SENDMMSG,
    M_RMSG_SENDMMSG,
    METHODS
};

static const char *const names[METHODS] = {
    "raw recvmsg",    "rmsg_recvmsg",   "rmsg receiver", "raw recvmmsg 8",
    "rmsg batch 8",   "raw recvmmsg 32", "rmsg batch 32", "raw recvmmsg 64",
    "rmsg batch 64",  "raw sendmmsg 32", "rmsg_sendmmsg 32",
};

static int batch_of(int m) {
    switch (m) {
    case M_RAW_MMSG_8: case M_RMSG_BATCH_8: return 8;
    case M_RAW_MMSG_32: case M_RMSG_BATCH_32: return 32;
    case M_RAW_MMSG_64: case M_RMSG_BATCH_64: return 64;
    default: return 1;
    }
}

typedef struct {
    state_t st[METHODS];
    send_state_t ss;
} run_t;

static void run_setup(link_t *l, run_t *r) {
    int m;
    for (m = 0; m < METHODS; m++) {
        state_t *st = &r->st[m];
        mmsg_setup(&st->mm, batch_of(m));
        if (rmsg_receiver_new(MSG_SIZE, ANC_SIZE, NULL, &st->receiver) != RMSG_OK)
            die("rmsg_receiver_new");
    }
    send_setup(l, &r->ss);
}

static void run_teardown(run_t *r) {
    int m;
    for (m = 0; m < METHODS; m++) {
        rmsg_receiver_free(r->st[m].receiver);
        mmsg_free(&r->st[m].mm);
    }
    rmsg_cmsg_builder_free(r->ss.builder);
}

/* One queue's worth of method m (a bench_run). */
static double run_method(link_t *l, void *rv, int m, long *k) {
    run_t *r = rv;
    state_t *st = &r->st[m];
    double t0, t;
    if (m == M_RAW_SENDMMSG || m == M_RMSG_SENDMMSG) {
        t0 = now();
        if (m == M_RAW_SENDMMSG) send_raw_sendmmsg(l, &r->ss, *k);
        else send_rmsg_sendmmsg(l, &r->ss, *k);
        t = now() - t0;
        if (discard(l->rx) != *k) die("send: not every datagram arrived");
        return t;
    }
    *k = fill(l, *k);
    t0 = now();
    switch (m) {
    case M_RAW_RECVMSG: drain_raw_recvmsg(l, st, *k); break;
    case M_RMSG_RECVMSG: drain_rmsg_recvmsg(l, st, *k); break;
    case M_RMSG_RECEIVER: drain_rmsg_receiver(l, st, *k); break;
    case M_RAW_MMSG_8: case M_RAW_MMSG_32: case M_RAW_MMSG_64:
        drain_raw_recvmmsg(l, &st->mm, *k);
        break;
    default: drain_rmsg_batch(l, &st->mm, *k); break;
    }
    return now() - t0;
}

/* The comparisons printed: rmsg method over its baseline (throughput). */
static const bench_pair pairs[] = {
    {M_RMSG_RECVMSG, M_RAW_RECVMSG, "rmsg_recvmsg / raw recvmsg"},
    {M_RMSG_RECEIVER, M_RAW_RECVMSG, "receiver / raw recvmsg"},
    {M_RMSG_BATCH_8, M_RAW_MMSG_8, "batch 8 / raw recvmmsg 8"},
    {M_RMSG_BATCH_32, M_RAW_MMSG_32, "batch 32 / raw recvmmsg 32"},
    {M_RMSG_BATCH_64, M_RAW_MMSG_64, "batch 64 / raw recvmmsg 64"},
    {M_RMSG_BATCH_8, M_RAW_RECVMSG, "batch 8 / raw recvmsg"},
    {M_RMSG_BATCH_32, M_RAW_RECVMSG, "batch 32 / raw recvmsg"},
    {M_RMSG_BATCH_64, M_RAW_RECVMSG, "batch 64 / raw recvmsg"},
    {M_RAW_MMSG_32, M_RAW_RECVMSG, "raw recvmmsg 32 / raw recvmsg"},
    {M_RMSG_SENDMMSG, M_RAW_SENDMMSG, "rmsg_sendmmsg 32 / raw sendmmsg 32"},
};
#define PAIRS ((int)(sizeof pairs / sizeof pairs[0]))

int main(int argc, char **argv) {
    link_t l;
    run_t *r;
    int udp, item, m, rounds = 5;
    long per_round = 200000;
    char title[64];

    if (argc < 3 || (strcmp(argv[1], "unix") && strcmp(argv[1], "udp")) ||
        (strcmp(argv[2], "plain") && strcmp(argv[2], "item"))) {
        fprintf(stderr,
                "usage: %s unix|udp plain|item [messages-per-round] [rounds]\n"
                "       %s unix|udp plain|item calls N B\n",
                argv[0], argv[0]);
        return 2;
    }
    udp = strcmp(argv[1], "udp") == 0;
    item = strcmp(argv[2], "item") == 0;
    pin_to_cpu0();
    link_open(&l, udp, item, MMSG_MAX, 8192);
    r = calloc(1, sizeof *r);
    if (!r) die("calloc");
    run_setup(&l, r);

    if (argc > 3 && strcmp(argv[3], "calls") == 0) {
        long n = argc > 4 ? atol(argv[4]) : 20000;
        int b = argc > 5 ? atoi(argv[5]) : 32;
        for (m = 0; m < METHODS; m++) {
            if (batch_of(m) != 1 && batch_of(m) != b) continue;
            run_chunked(&l, r, run_method, m, n);
        }
        printf("calls: %ld datagrams per method, batch %d, %s %s\n", n, b, argv[1], argv[2]);
        run_teardown(r);
        free(r);
        return 0;
    }
    if (argc > 3) per_round = atol(argv[3]);
    if (argc > 4) rounds = atoi(argv[4]);
    if (per_round < 1 || rounds < 1) {
        fprintf(stderr, "messages-per-round and rounds must be positive\n");
        return 2;
    }
    printf("recv_bench %s %s: %ld datagrams of %d bytes per method per round, %d rounds, "
           "queue of %ld; %s%s\n",
           argv[1], argv[2], per_round, MSG_SIZE, rounds, l.capacity, link_traffic(&l),
           item && udp ? " (sent with IP_TTL)" : "");
    snprintf(title, sizeof title, "%s %s", argv[1], argv[2]);
    run_rounds(&l, r, run_method, METHODS, names, pairs, PAIRS, per_round, rounds, title);
    run_teardown(r);
    free(r);
    close(l.tx);
    close(l.rx);
    return 0;
}
