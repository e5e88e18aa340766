/*
 * The cost of reading what a server reads for every datagram, through rmsg
 * and through a hand-written loop doing the same work, in the same binary
 * on the same traffic.
 *
 * Every method reads each message's data (first byte and length), its
 * flags and its source address (its family, when there is one), and decodes every
 * control item to a value: the TTL (an int), IP_PKTINFO (interface and both
 * addresses), SCM_CREDENTIALS (pid, uid, gid). The raw methods walk the
 * control buffer with CMSG_FIRSTHDR/CMSG_NXTHDR and memcpy each payload
 * into its struct; the rmsg methods either use the typed accessors
 * (rmsg_item_kind, then the accessor of that kind: "acc") or read the
 * fields of a per-message view (rmsg_view: "view").
 *
 * Links (bench_common.h): an AF_UNIX SOCK_DGRAM socketpair, plain or with
 * SO_PASSCRED (one SCM_CREDENTIALS item per datagram); a connected UDP pair
 * on 127.0.0.1, plain or with IP_PKTINFO and IP_RECVTTL (two items per
 * datagram). Datagrams are 64 bytes; the queue is filled, then drained with
 * MSG_DONTWAIT, and only the draining is timed; the methods take turns,
 * fill by fill; the process is pinned to one CPU.
 *
 *   raw recvmsg         recvmsg into stack buffers, decoded by hand
 *   rmsg_recvmsg acc    rmsg_recvmsg_with, accessors, rmsg_message_free
 *   rmsg_recvmsg view   rmsg_recvmsg_with, rmsg_message_view, free
 *   receiver acc        rmsg_receiver_recv, accessors
 *   receiver view       rmsg_receiver_recv_view
 *   raw recvmmsg 32     recvmmsg of up to 32 into headers set up once (the
 *                       used ones reset before each call), decoded by hand
 *   batch 32 acc        rmsg_batch_recv of 32, rmsg_batch_message, accessors
 *   batch 32 view       rmsg_batch_recv_views of 32
 *
 * Usage: decode_bench unix|udp plain|item [messages-per-round] [rounds]
 *   prints each round's ns per message, then the median and the spread
 *   (min-max) of every ratio (above 1: faster than the baseline).
 * Or:    decode_bench unix|udp plain|item calls N
 *   runs each method once on N messages and prints a summary line: for
 *   counting instructions per message under callgrind (each method's work
 *   is inside its own function).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "bench_common.h"

#define BATCH 32

/* ---- what every method computes from a message ---------------------- */

/* The values of the items a message may carry, decoded. */
typedef struct {
    int ttl;
    struct in_pktinfo pktinfo;
    struct ucred cred;
} decoded_t;

static void consume(const decoded_t *d) {
    sink += (size_t)d->ttl + (size_t)d->pktinfo.ipi_ifindex + d->pktinfo.ipi_addr.s_addr +
            d->pktinfo.ipi_spec_dst.s_addr + (size_t)d->cred.pid + d->cred.uid + d->cred.gid;
}

/* The raw side: data, length, flags, source, then every item by hand. */
static size_t decode_raw(const struct msghdr *h, const char *data, size_t len) {
    const struct cmsghdr *c;
    decoded_t d;
    memset(&d, 0, sizeof d);
    sink += (size_t)data[0] + (size_t)h->msg_flags;
    if (h->msg_namelen) sink += ((const struct sockaddr *)h->msg_name)->sa_family;
    for (c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR((struct msghdr *)h, (struct cmsghdr *)c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL)
            memcpy(&d.ttl, CMSG_DATA(c), sizeof d.ttl);
        else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
            memcpy(&d.pktinfo, CMSG_DATA(c), sizeof d.pktinfo);
        else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
            memcpy(&d.cred, CMSG_DATA(c), sizeof d.cred);
    }
    consume(&d);
    return len;
}

/* The accessor side: the same through rmsg's getters and typed decoders. */
static size_t decode_accessors(const rmsg_message *m) {
    size_t k, items = rmsg_message_item_count(m);
    const rmsg_address *from = rmsg_message_address(m);
    decoded_t d;
    memset(&d, 0, sizeof d);
    sink += (size_t)rmsg_message_data(m)[0] + (size_t)rmsg_message_flags(m);
    if (from) sink += (size_t)rmsg_address_family(from);
    for (k = 0; k < items; k++) {
        const rmsg_item *it = rmsg_message_item(m, k);
        switch (rmsg_item_kind(it)) {
        case RMSG_KIND_IP_TTL:
            rmsg_item_ip_ttl(it, &d.ttl);
            break;
        case RMSG_KIND_IP_PKTINFO: {
            rmsg_ip_pktinfo p;
            if (rmsg_item_ip_pktinfo(it, &p) == RMSG_OK) {
                d.pktinfo.ipi_ifindex = p.ifindex;
                memcpy(&d.pktinfo.ipi_addr, p.addr.addr, 4);
                memcpy(&d.pktinfo.ipi_spec_dst, p.spec_dst.addr, 4);
            }
            break;
        }
        case RMSG_KIND_CREDENTIALS: {
            rmsg_credentials c;
            if (rmsg_item_credentials(it, &c) == RMSG_OK) {
                d.cred.pid = c.pid;
                d.cred.uid = c.uid;
                d.cred.gid = c.gid;
            }
            break;
        }
        default:
            break;
        }
    }
    consume(&d);
    return rmsg_message_data_len(m);
}

/* The view methods need a header that has the view (RMSG_VIEW_IP_TTL
 * tells); without one the program still builds, without them, so that
 * the same methods can be counted against an older library. */
#ifdef RMSG_VIEW_IP_TTL
#define HAVE_VIEW 1
#else
#define HAVE_VIEW 0
#endif

#if HAVE_VIEW
/* The view side: the same from the fields of an rmsg_view. */
static size_t decode_view(const rmsg_view *v) {
    decoded_t d;
    memset(&d, 0, sizeof d);
    sink += (size_t)v->data[0] + (size_t)v->flags;
    if (v->address) sink += ((const struct sockaddr *)(const void *)v->address)->sa_family;
    if (v->present & RMSG_VIEW_IP_TTL) d.ttl = v->ip_ttl;
    if (v->present & RMSG_VIEW_IP_PKTINFO) {
        d.pktinfo.ipi_ifindex = v->ip_pktinfo.ifindex;
        memcpy(&d.pktinfo.ipi_addr, v->ip_pktinfo.addr.addr, 4);
        memcpy(&d.pktinfo.ipi_spec_dst, v->ip_pktinfo.spec_dst.addr, 4);
    }
    if (v->present & RMSG_VIEW_CREDENTIALS) {
        d.cred.pid = v->credentials.pid;
        d.cred.uid = v->credentials.uid;
        d.cred.gid = v->credentials.gid;
    }
    consume(&d);
    return v->data_len;
}
#endif

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
        struct sockaddr_storage from;
        ssize_t got;
        memset(&m, 0, sizeof m);
        m.msg_name = &from;
        m.msg_namelen = sizeof from;
        m.msg_iov = &iov;
        m.msg_iovlen = 1;
        m.msg_control = anc.buf;
        m.msg_controllen = sizeof anc.buf;
        got = recvmsg(l->rx, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (got < 0 || decode_raw(&m, data, (size_t)got) != MSG_SIZE)
            short_read("raw recvmsg", i, n);
    }
}

METHOD drain_rmsg_recvmsg(link_t *l, state_t *st, long n) {
    long i;
    (void)st;
    for (i = 0; i < n; i++) {
        rmsg_message *m = NULL;
        if (rmsg_recvmsg_with(l->rx, MSG_SIZE, ANC_SIZE, MSG_DONTWAIT, NULL, &m) != RMSG_OK ||
            decode_accessors(m) != MSG_SIZE)
            short_read("rmsg_recvmsg", i, n);
        rmsg_message_free(m);
    }
}

#if HAVE_VIEW
METHOD drain_rmsg_recvmsg_view(link_t *l, state_t *st, long n) {
    long i;
    (void)st;
    for (i = 0; i < n; i++) {
        rmsg_message *m = NULL;
        const rmsg_view *v = NULL;
        if (rmsg_recvmsg_with(l->rx, MSG_SIZE, ANC_SIZE, MSG_DONTWAIT, NULL, &m) != RMSG_OK ||
            rmsg_message_view(m, sizeof(rmsg_view), &v) != RMSG_OK || decode_view(v) != MSG_SIZE)
            short_read("rmsg_recvmsg view", i, n);
        rmsg_message_free(m);
    }
}

METHOD drain_receiver_view(link_t *l, state_t *st, long n) {
    long i;
    for (i = 0; i < n; i++) {
        const rmsg_view *v = NULL;
        if (rmsg_receiver_recv_view(st->receiver, l->rx, MSG_DONTWAIT, NULL, sizeof(rmsg_view),
                                    &v) != RMSG_OK ||
            decode_view(v) != MSG_SIZE)
            short_read("rmsg receiver view", i, n);
    }
}
#endif

METHOD drain_receiver(link_t *l, state_t *st, long n) {
    long i;
    for (i = 0; i < n; i++) {
        rmsg_message *m = NULL;
        if (rmsg_receiver_recv(st->receiver, l->rx, MSG_DONTWAIT, NULL, &m) != RMSG_OK ||
            decode_accessors(m) != MSG_SIZE)
            short_read("rmsg receiver", i, n);
    }
}

METHOD drain_raw_recvmmsg_decoded(link_t *l, mmsg_t *s, long n) {
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
        for (i = 0; i < got; i++)
            if (decode_raw(&s->hdrs[i].msg_hdr, s->data[i], s->hdrs[i].msg_len) != MSG_SIZE)
                short_read("raw recvmmsg length", done, n);
        used = got;
        done += got;
    }
}

METHOD drain_batch(link_t *l, mmsg_t *s, long n) {
    long done = 0;
    while (done < n) {
        size_t i, got = 0;
        if (rmsg_batch_recv(s->rbatch, l->rx, MSG_DONTWAIT, NULL, &got) != RMSG_OK ||
            (long)got > n - done)
            short_read("rmsg batch", done, n);
        for (i = 0; i < got; i++)
            if (decode_accessors(rmsg_batch_message(s->rbatch, i)) != MSG_SIZE)
                short_read("rmsg batch length", done, n);
        done += (long)got;
    }
}

#if HAVE_VIEW
METHOD drain_batch_view(link_t *l, state_t *st, long n) {
    long done = 0;
    while (done < n) {
        size_t i, got = 0;
        const rmsg_view *const *views = NULL;
        if (rmsg_batch_recv_views(st->mm.rbatch, l->rx, MSG_DONTWAIT, NULL, sizeof(rmsg_view),
                                  &views, &got) != RMSG_OK ||
            (long)got > n - done)
            short_read("rmsg batch views", done, n);
        for (i = 0; i < got; i++)
            if (decode_view(views[i]) != MSG_SIZE)
                short_read("rmsg batch views length", done, n);
        done += (long)got;
    }
}
#endif

/* ---- the runs --------------------------------------------------------- */

enum {
    M_RAW_RECVMSG,
    M_RMSG_RECVMSG,
    M_RECEIVER,
    M_RAW_MMSG,
    M_BATCH,
#if HAVE_VIEW
    M_RMSG_RECVMSG_VIEW,
    M_RECEIVER_VIEW,
    M_BATCH_VIEW,
#endif
    METHODS
};

static const char *const names[METHODS] = {
    "raw recvmsg",  "rmsg_recvmsg acc", "receiver acc", "raw recvmmsg 32", "batch 32 acc",
#if HAVE_VIEW
    "rmsg_recvmsg view", "receiver view", "batch 32 view",
#endif
};

typedef struct {
    state_t st[METHODS];
} run_t;

static void run_setup(run_t *r) {
    int m;
    for (m = 0; m < METHODS; m++) {
        state_t *st = &r->st[m];
        mmsg_setup(&st->mm, BATCH);
        if (rmsg_receiver_new(MSG_SIZE, ANC_SIZE, NULL, &st->receiver) != RMSG_OK)
            die("rmsg_receiver_new");
    }
}

static void run_teardown(run_t *r) {
    int m;
    for (m = 0; m < METHODS; m++) {
        rmsg_receiver_free(r->st[m].receiver);
        mmsg_free(&r->st[m].mm);
    }
}

/* One queue's worth of method m (a bench_run). */
static double run_method(link_t *l, void *rv, int m, long *k) {
    run_t *r = rv;
    state_t *st = &r->st[m];
    double t0;
    *k = fill(l, *k);
    t0 = now();
    switch (m) {
    case M_RAW_RECVMSG: drain_raw_recvmsg(l, st, *k); break;
    case M_RMSG_RECVMSG: drain_rmsg_recvmsg(l, st, *k); break;
#if HAVE_VIEW
    case M_RMSG_RECVMSG_VIEW: drain_rmsg_recvmsg_view(l, st, *k); break;
#endif
    case M_RECEIVER: drain_receiver(l, st, *k); break;
#if HAVE_VIEW
    case M_RECEIVER_VIEW: drain_receiver_view(l, st, *k); break;
#endif
    case M_RAW_MMSG: drain_raw_recvmmsg_decoded(l, &st->mm, *k); break;
#if HAVE_VIEW
    case M_BATCH_VIEW: drain_batch_view(l, st, *k); break;
#endif
    default: drain_batch(l, &st->mm, *k); break;
    }
    return now() - t0;
}

/* The comparisons printed: rmsg method over its baseline (throughput). */
static const bench_pair pairs[] = {
    {M_RMSG_RECVMSG, M_RAW_RECVMSG, "rmsg_recvmsg acc / raw recvmsg"},
    {M_RECEIVER, M_RAW_RECVMSG, "receiver acc / raw recvmsg"},
    {M_BATCH, M_RAW_MMSG, "batch 32 acc / raw recvmmsg 32"},
#if HAVE_VIEW
    {M_RMSG_RECVMSG_VIEW, M_RAW_RECVMSG, "rmsg_recvmsg view / raw recvmsg"},
    {M_RECEIVER_VIEW, M_RAW_RECVMSG, "receiver view / raw recvmsg"},
    {M_BATCH_VIEW, M_RAW_MMSG, "batch 32 view / raw recvmmsg 32"},
#endif
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
                "       %s unix|udp plain|item calls N\n",
                argv[0], argv[0]);
        return 2;
    }
    udp = strcmp(argv[1], "udp") == 0;
    /* UDP "item" carries two items: IP_PKTINFO and IP_TTL. */
    item = strcmp(argv[2], "item") == 0 ? 1 + udp : 0;
    pin_to_cpu0();
    link_open(&l, udp, item, MMSG_MAX, 8192);
    r = calloc(1, sizeof *r);
    if (!r) die("calloc");
    run_setup(r);

    if (argc > 3 && strcmp(argv[3], "calls") == 0) {
        long n = argc > 4 ? atol(argv[4]) : 20000;
        for (m = 0; m < METHODS; m++) run_chunked(&l, r, run_method, m, n);
        printf("calls: %ld datagrams per method, %s %s\n", n, argv[1], argv[2]);
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
    printf("decode_bench %s %s: %ld datagrams of %d bytes per method per round, %d rounds, "
           "queue of %ld; %s\n",
           argv[1], argv[2], per_round, MSG_SIZE, rounds, l.capacity, link_traffic(&l));
    snprintf(title, sizeof title, "%s %s", argv[1], argv[2]);
    run_rounds(&l, r, run_method, METHODS, names, pairs, PAIRS, per_round, rounds, title);
    run_teardown(r);
    free(r);
    close(l.tx);
    close(l.rx);
    return 0;
}
