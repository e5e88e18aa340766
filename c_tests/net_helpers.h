/*
 * Helpers for the control-message decoding tests: receiving with a buffer
 * sized from the socket's options, crafting control buffers for kinds this
 * kernel cannot produce, clocks. (The loopback UDP socket and finding an
 * item by kind are in helpers.h.)
 */
#ifndef RMSG_TEST_NET_HELPERS_H
#define RMSG_TEST_NET_HELPERS_H

#include "helpers.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <time.h>

#ifndef SO_RCVMARK
#define SO_RCVMARK 75
#endif
#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD RMSG_SO_PASSPIDFD
#endif
#ifndef SCM_PIDFD
#define SCM_PIDFD RMSG_SCM_PIDFD
#endif
#ifndef SOL_UDP
#define SOL_UDP RMSG_SOL_UDP
#endif
#ifndef UDP_GRO
#define UDP_GRO RMSG_UDP_GRO
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT RMSG_UDP_SEGMENT
#endif

/* Receives one message with a control buffer sized from the socket's
 * enabled options (rmsg_control_space_for_socket), and checks that it was
 * big enough (no MSG_CTRUNC). */
static inline rmsg_message *recv_sized(int s, size_t bufsize, int flags) {
    size_t space = 0;
    rmsg_message *m = NULL;
    CHECK_OK(rmsg_control_space_for_socket(s, 0, &space));
    CHECK(space > 0);
    CHECK_OK(rmsg_recvmsg(s, bufsize, space, flags, &m));
    CHECK((rmsg_message_flags(m) & MSG_CTRUNC) == 0);
    return m;
}

/* Waits (up to 5 s) for something on the error queue. */
static inline void wait_errqueue(int s) {
    struct pollfd p;
    p.fd = s;
    p.events = 0;
    p.revents = 0;
    CHECK(poll(&p, 1, 5000) == 1);
    CHECK((p.revents & POLLERR) != 0);
}

static inline int64_t realtime_ns(void) {
    struct timespec t;
    CHECK(clock_gettime(CLOCK_REALTIME, &t) == 0);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static inline int64_t stamp_ns(rmsg_timestamp t) {
    return t.sec * 1000000000 + t.nsec;
}

/* The stamp lies between two clock readings; `slack_ns` allows for the
 * truncation of microsecond stamps. */
static inline void check_between(rmsg_timestamp t, int64_t before,
                                 int64_t after, int64_t slack_ns) {
    int64_t v = stamp_ns(t);
    CHECK(t.nsec >= 0 && t.nsec < 1000000000);
    CHECK(v >= before - slack_ns);
    CHECK(v <= after);
}

/* A control buffer holding one item, laid out with the system's CMSG
 * macros: what a kernel would have written. Returns its length. */
static inline size_t craft_item(uint8_t *buf, size_t cap, int level, int type,
                                const void *data, size_t len) {
    struct msghdr mh;
    struct cmsghdr *c;
    CHECK(CMSG_SPACE(len) <= cap);
    memset(buf, 0, cap);
    memset(&mh, 0, sizeof mh);
    mh.msg_control = buf;
    mh.msg_controllen = CMSG_SPACE(len);
    c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = level;
    c->cmsg_type = type;
    c->cmsg_len = CMSG_LEN(len);
    if (len) memcpy(CMSG_DATA(c), data, len);
    return CMSG_SPACE(len);
}

/* Aligned storage for crafted buffers. */
typedef union {
    uint8_t bytes[512];
    struct cmsghdr align;
} craft_buf;

/* Parses a crafted one-item buffer; the caller frees the handle. */
static inline rmsg_control *parse_one(craft_buf *b, int level, int type,
                                      const void *data, size_t len) {
    rmsg_control *c = NULL;
    size_t n = craft_item(b->bytes, sizeof b->bytes, level, type, data, len);
    CHECK_OK(rmsg_control_parse(b->bytes, n, 0, &c));
    CHECK(rmsg_control_item_count(c) == 1);
    return c;
}

#define CRAFTED(kind, reason) printf("crafted: %s: %s\n", kind, reason)

#endif
