/*
 * Helpers shared by the send-side C tests: loopback UDP sockets, finding a
 * received item by level and type, reading ints out of item bytes.
 */
#ifndef RMSG_SEND_HELPERS_H
#define RMSG_SEND_HELPERS_H

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>

#include "helpers.h"

/* A UDP socket bound to 127.0.0.1 (or ::1) on a port the kernel picks; the
 * bound address is returned as an owned rmsg_address in *addr_out. */
static inline int udp_bound(int family, rmsg_address **addr_out) {
    int s = socket(family, SOCK_DGRAM, 0);
    CHECK(s >= 0);
    if (family == AF_INET) {
        struct sockaddr_in sin;
        socklen_t len = sizeof sin;
        rmsg_inet_address ia;
        memset(&sin, 0, sizeof sin);
        sin.sin_family = AF_INET;
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        CHECK(bind(s, (struct sockaddr *)&sin, sizeof sin) == 0);
        CHECK(getsockname(s, (struct sockaddr *)&sin, &len) == 0);
        memcpy(ia.addr, &sin.sin_addr, 4);
        ia.port = ntohs(sin.sin_port);
        if (addr_out) CHECK_OK(rmsg_address_from_inet(&ia, addr_out));
    } else {
        struct sockaddr_in6 sin6;
        socklen_t len = sizeof sin6;
        rmsg_inet6_address ia;
        memset(&sin6, 0, sizeof sin6);
        sin6.sin6_family = AF_INET6;
        sin6.sin6_addr = in6addr_loopback;
        CHECK(bind(s, (struct sockaddr *)&sin6, sizeof sin6) == 0);
        CHECK(getsockname(s, (struct sockaddr *)&sin6, &len) == 0);
        memset(&ia, 0, sizeof ia);
        memcpy(ia.addr, &sin6.sin6_addr, 16);
        ia.port = ntohs(sin6.sin6_port);
        if (addr_out) CHECK_OK(rmsg_address_from_inet6(&ia, addr_out));
    }
    return s;
}

/* The item's data as an int (memcpy: the bytes are not aligned). */
static inline int item_int(const rmsg_item *it) {
    int v;
    CHECK(it != NULL);
    CHECK(rmsg_item_data_len(it) == sizeof v);
    memcpy(&v, rmsg_item_data(it), sizeof v);
    return v;
}

/* Sends `len` bytes of `data` with the builder's items to `to`. */
static inline void send_one(int s, const void *data, size_t len,
                            const rmsg_cmsg_builder *b, const rmsg_address *to) {
    rmsg_iovec iov;
    size_t n = 0;
    iov.base = (uint8_t *)data;
    iov.len = len;
    CHECK_OK(rmsg_sendmsg(s, &iov, 1, b, to, 0, NULL, &n));
    CHECK(n == len);
}

/* Receives one message, waiting at most 5 s (so a lost datagram fails the
 * test instead of hanging it). */
static inline rmsg_message *recv_one(int s, size_t bufsize, size_t ancbufsize) {
    rmsg_recv_options o;
    rmsg_message *m = NULL;
    memset(&o, 0, sizeof o);
    o.wait = RMSG_WAIT_DEADLINE;
    o.timeout_ns = 5000000000ull;
    CHECK_OK(rmsg_recvmsg_with(s, bufsize, ancbufsize, 0, &o, &m));
    return m;
}

#endif
