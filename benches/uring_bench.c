/*
 * Receive rate of multishot io_uring recvmsg decoded by rmsg, against the
 * same io_uring loop reading the raw buffers with liburing's helpers, and
 * against rmsg's batch receive (recvmmsg), in the same binary on the same
 * traffic.
 *
 * A link is an AF_UNIX SOCK_DGRAM socketpair or a connected UDP socket pair
 * on 127.0.0.1. Datagrams are 64 bytes; with "item" every datagram carries
 * one control item (AF_UNIX: SCM_CREDENTIALS from SO_PASSCRED; UDP:
 * IP_PKTINFO) that every method walks. The receive queue is filled, then
 * drained; only the draining is timed. Methods take turns, fill by fill.
 * The process is pinned to one CPU.
 *
 * The ring is made with IORING_SETUP_SINGLE_ISSUER | DEFER_TASKRUN, so
 * the kernel receives only when the loop asks for completions (never
 * during the untimed fill); one multishot request, shared by both io_uring
 * methods, stays armed across fills (re-armed should a completion come
 * without IORING_CQE_F_MORE), taking buffers from a provided buffer ring
 * that each completion's buffer goes straight back to.
 *
 *   uring raw       io_uring_recvmsg_validate, cmsg_firsthdr/nexthdr
 *                   walk, payload and its length (liburing's helpers)
 *   uring rmsg      rmsg_message_from_multishot (RMSG_PARSE_OWN_FDS),
 *                   items walked, rmsg_message_free
 *   rmsg batch 32   rmsg_batch_recv into a batch of 32, items walked
 *   raw recvmmsg 32 recvmmsg of 32 into buffers set up once, the used
 *                   headers' in/out fields reset, each control walked
 *
 * Usage: uring_bench unix|udp plain|item [messages-per-round] [rounds]
 *   prints each round's ns per message, then the median and the spread
 *   (min-max) of every ratio (1.00 = as fast as the baseline; above 1 is
 *   faster).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/mman.h>

#include <liburing.h>

#include "bench_common.h"

#define NAME_SIZE ((unsigned)sizeof(struct sockaddr_storage))
#define BATCH 32
#define NBUFS 4096
#define BUF_SIZE 512
#define QUEUE_MAX 2048

typedef struct {
    struct io_uring ring;
    struct io_uring_buf_ring *br;
    uint8_t *bufs;
    struct msghdr mh;
    int bgid, armed;
} uring_t;

/* ---- io_uring ---------------------------------------------------------- */

static void buf_give(uring_t *u, unsigned bid) {
    io_uring_buf_ring_add(u->br, u->bufs + (size_t)bid * BUF_SIZE, BUF_SIZE, (unsigned short)bid,
                          io_uring_buf_ring_mask(NBUFS), 0);
    io_uring_buf_ring_advance(u->br, 1);
}

static void arm(uring_t *u, int fd) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
    if (sqe == NULL) die("io_uring_get_sqe");
    io_uring_prep_recvmsg_multishot(sqe, fd, &u->mh, MSG_CMSG_CLOEXEC);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = (unsigned short)u->bgid;
    if (io_uring_submit(&u->ring) != 1) die("io_uring_submit");
    u->armed = 1;
}

/* Returns an error text when io_uring cannot be used, else NULL. */
static const char *uring_open(uring_t *u, int bgid) {
    static char why[128];
    struct io_uring_params p;
    struct io_uring_buf_reg reg;
    unsigned i;
    int r;
    memset(&p, 0, sizeof p);
    p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
    p.cq_entries = 2 * NBUFS;
    r = io_uring_queue_init_params(64, &u->ring, &p);
    if (r < 0) {
        snprintf(why, sizeof why, "io_uring_queue_init_params: %s", strerror(-r));
        return why;
    }
    u->br = mmap(NULL, NBUFS * sizeof(struct io_uring_buf), PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    u->bufs = mmap(NULL, (size_t)NBUFS * BUF_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (u->br == MAP_FAILED || u->bufs == MAP_FAILED) die("mmap");
    memset(&reg, 0, sizeof reg);
    reg.ring_addr = (uint64_t)(uintptr_t)u->br;
    reg.ring_entries = NBUFS;
    reg.bgid = (unsigned short)bgid;
    r = io_uring_register_buf_ring(&u->ring, &reg, 0);
    if (r < 0) {
        snprintf(why, sizeof why, "io_uring_register_buf_ring: %s", strerror(-r));
        return why;
    }
    io_uring_buf_ring_init(u->br);
    for (i = 0; i < NBUFS; i++) buf_give(u, i);
    u->bgid = bgid;
    memset(&u->mh, 0, sizeof u->mh);
    u->mh.msg_namelen = NAME_SIZE;
    u->mh.msg_controllen = ANC_SIZE;
    u->armed = 0;
    return NULL;
}

static void uring_close(uring_t *u) {
    io_uring_queue_exit(&u->ring);
    munmap(u->br, NBUFS * sizeof(struct io_uring_buf));
    munmap(u->bufs, (size_t)NBUFS * BUF_SIZE);
}

/* Drains n queued datagrams through the multishot request, handing each
 * completed buffer to `each` (which returns the payload length). */
#define DRAIN_URING(u, l, n, what, each)                                         \
    do {                                                                         \
        long done_ = 0;                                                          \
        while (done_ < (n)) {                                                    \
            struct io_uring_cqe *cqe_;                                           \
            unsigned head_, seen_ = 0;                                           \
            if (!(u)->armed) arm((u), (l)->rx);                                  \
            if (io_uring_submit_and_wait(&(u)->ring, 1) < 0) die("wait");        \
            io_uring_for_each_cqe(&(u)->ring, head_, cqe_) {                     \
                seen_++;                                                         \
                if (!(cqe_->flags & IORING_CQE_F_MORE)) (u)->armed = 0;          \
                if (cqe_->res < 0) {                                             \
                    if (cqe_->res == -ENOBUFS) continue;                         \
                    short_read(what, done_, (n));                                 \
                }                                                                \
                {                                                                \
                    unsigned bid_ = cqe_->flags >> IORING_CQE_BUFFER_SHIFT;      \
                    uint8_t *buf_ = (u)->bufs + (size_t)bid_ * BUF_SIZE;         \
                    if (each(&(u)->mh, buf_, cqe_->res) != MSG_SIZE)             \
                        short_read(what, done_, (n));                             \
                    buf_give((u), bid_);                                         \
                }                                                                \
                done_++;                                                         \
            }                                                                    \
            io_uring_cq_advance(&(u)->ring, seen_);                              \
        }                                                                        \
        if (done_ != (n)) short_read(what, done_, (n));                           \
    } while (0)

static inline size_t raw_buffer(struct msghdr *mh, uint8_t *buf, int res) {
    struct io_uring_recvmsg_out *o = io_uring_recvmsg_validate(buf, res, mh);
    struct cmsghdr *c;
    if (o == NULL) return 0;
    for (c = io_uring_recvmsg_cmsg_firsthdr(o, mh); c != NULL;
         c = io_uring_recvmsg_cmsg_nexthdr(o, mh, c))
        sink += (size_t)c->cmsg_type;
    sink += (size_t)((const uint8_t *)io_uring_recvmsg_payload(o, mh))[0];
    return io_uring_recvmsg_payload_length(o, res, mh);
}

static inline size_t rmsg_buffer(struct msghdr *mh, uint8_t *buf, int res) {
    rmsg_message *m = NULL;
    size_t len;
    if (rmsg_message_from_multishot(buf, (size_t)res, mh->msg_namelen, mh->msg_controllen,
                                    RMSG_PARSE_OWN_FDS, &m) != RMSG_OK)
        return 0;
    len = walk_message(m);
    rmsg_message_free(m);
    return len;
}

METHOD drain_uring_raw(link_t *l, uring_t *u, long n) { DRAIN_URING(u, l, n, "uring raw", raw_buffer); }

METHOD drain_uring_rmsg(link_t *l, uring_t *u, long n) { DRAIN_URING(u, l, n, "uring rmsg", rmsg_buffer); }

/* ---- the runs --------------------------------------------------------- */

enum { M_URING_RAW, M_URING_RMSG, M_RMSG_BATCH, M_RAW_MMSG, METHODS };

static const char *const names[METHODS] = {"uring raw", "uring rmsg", "rmsg batch 32",
                                           "raw recvmmsg 32"};

static const bench_pair pairs[] = {
    {M_URING_RMSG, M_URING_RAW, "uring rmsg / uring raw"},
    {M_URING_RMSG, M_RMSG_BATCH, "uring rmsg / rmsg batch 32"},
    {M_URING_RAW, M_RAW_MMSG, "uring raw / raw recvmmsg 32"},
    {M_RMSG_BATCH, M_RAW_MMSG, "rmsg batch 32 / raw recvmmsg 32"},
};
#define PAIRS ((int)(sizeof pairs / sizeof pairs[0]))

typedef struct {
    uring_t u;
    mmsg_t mraw, mrmsg;
} run_t;

/* One queue's worth of method m (a bench_run). */
static double run_method(link_t *l, void *rv, int m, long *k) {
    run_t *r = rv;
    double t0;
    *k = fill(l, *k);
    t0 = now();
    switch (m) {
    case M_URING_RAW: drain_uring_raw(l, &r->u, *k); break;
    case M_URING_RMSG: drain_uring_rmsg(l, &r->u, *k); break;
    case M_RMSG_BATCH: drain_rmsg_batch(l, &r->mrmsg, *k); break;
    default: drain_raw_recvmmsg(l, &r->mraw, *k); break;
    }
    return now() - t0;
}

int main(int argc, char **argv) {
    link_t l;
    run_t *r;
    const char *why;
    int rounds = 5;
    long per_round = 200000;
    char title[64];

    if (argc < 3 || (strcmp(argv[1], "unix") && strcmp(argv[1], "udp")) ||
        (strcmp(argv[2], "plain") && strcmp(argv[2], "item"))) {
        fprintf(stderr, "usage: %s unix|udp plain|item [messages-per-round] [rounds]\n", argv[0]);
        return 2;
    }
    if (argc > 3) per_round = atol(argv[3]);
    if (argc > 4) rounds = atoi(argv[4]);
    if (per_round < 1 || rounds < 1) {
        fprintf(stderr, "messages-per-round and rounds must be positive\n");
        return 2;
    }
    pin_to_cpu0();
    r = calloc(1, sizeof *r);
    if (!r) die("calloc");
    if ((why = uring_open(&r->u, 1)) != NULL) {
        printf("uring_bench skipped: io_uring is refused here (%s)\n", why);
        free(r);
        return 0;
    }
    /* At most what the buffer ring holds, so that a drain never runs out
     * of buffers. */
    link_open(&l, strcmp(argv[1], "udp") == 0, strcmp(argv[2], "item") == 0, BATCH, QUEUE_MAX);
    mmsg_setup(&r->mraw, BATCH);
    mmsg_setup(&r->mrmsg, BATCH);
    printf("uring_bench %s %s: %ld datagrams of %d bytes per method per round, %d rounds, "
           "queue of %ld; %s\n",
           argv[1], argv[2], per_round, MSG_SIZE, rounds, l.capacity, link_traffic(&l));
    snprintf(title, sizeof title, "%s %s", argv[1], argv[2]);
    run_rounds(&l, r, run_method, METHODS, names, pairs, PAIRS, per_round, rounds, title);
    uring_close(&r->u);
    mmsg_free(&r->mraw);
    mmsg_free(&r->mrmsg);
    free(r);
    close(l.tx);
    close(l.rx);
    return 0;
}
