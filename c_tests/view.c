/*
 * The per-message view (rmsg_view) on real sockets: every field against
 * what the message's own getters and typed accessors say, from a receiver,
 * a batch, a single receive and a message made from a caller's buffers;
 * a socket whose options change between datagrams (the layout a message
 * repeats, and one that changes); descriptors counted and taken through
 * the view's message; the size check that keeps old and new programs
 * apart; first-item-wins and too-short items. Also the registry of kinds
 * (rmsg_kind_info_*) against rmsg_kind_name and what sockets deliver.
 */
#include "helpers.h"

#include <netinet/in.h>

/* The view's fields that describe the message as a whole, against its
 * getters. */
static void check_whole(const rmsg_view *v) {
    const rmsg_message *m = v->message;
    const rmsg_address *a = rmsg_message_address(m);
    CHECK(m != NULL);
    CHECK(v->data == rmsg_message_data(m));
    CHECK(v->data_len == rmsg_message_data_len(m));
    CHECK(v->nbytes == rmsg_message_nbytes(m));
    CHECK(v->flags == rmsg_message_flags(m));
    CHECK(v->malformed == rmsg_message_malformed(m));
    CHECK(v->item_count == rmsg_message_item_count(m));
    CHECK(v->fd_count == rmsg_message_fd_count(m));
    if (a == NULL) {
        CHECK(v->address == NULL && v->address_len == 0);
    } else {
        const uint8_t *bytes = NULL;
        size_t len = 0;
        CHECK_OK(rmsg_address_raw(a, &bytes, &len));
        CHECK_BYTES(v->address, v->address_len, bytes, len);
    }
}

/* Every decoded field the view holds equals what the kind's accessor
 * gives for the message's first item of that kind, and every kind the
 * view has a field for that the message carries is present. */
static void check_decoded(const rmsg_view *v) {
    const rmsg_message *m = v->message;
    size_t i, n = rmsg_message_item_count(m);
    uint64_t seen = 0;
    for (i = 0; i < n; i++) {
        const rmsg_item *it = rmsg_message_item(m, i);
        rmsg_kind k = rmsg_item_kind(it);
        uint64_t bit = (uint64_t)1 << k;
        if (seen & bit) continue; /* the view holds the first of a kind */
        switch (k) {
        case RMSG_KIND_IP_TTL: {
            int32_t ttl;
            if (rmsg_item_ip_ttl(it, &ttl) != RMSG_OK) continue;
            CHECK(v->present & RMSG_VIEW_IP_TTL);
            CHECK(v->ip_ttl == ttl);
            break;
        }
        case RMSG_KIND_IPV6_HOPLIMIT: {
            int32_t h;
            if (rmsg_item_ipv6_hoplimit(it, &h) != RMSG_OK) continue;
            CHECK(v->present & RMSG_VIEW_IPV6_HOPLIMIT);
            CHECK(v->ipv6_hoplimit == h);
            break;
        }
        case RMSG_KIND_IP_TOS: {
            rmsg_traffic_class c;
            if (rmsg_item_ip_tos(it, &c) != RMSG_OK) continue;
            CHECK(v->present & RMSG_VIEW_IP_TOS);
            CHECK(memcmp(&v->ip_tos, &c, sizeof c) == 0);
            break;
        }
        case RMSG_KIND_IPV6_TCLASS: {
            rmsg_traffic_class c;
            if (rmsg_item_ipv6_tclass(it, &c) != RMSG_OK) continue;
            CHECK(v->present & RMSG_VIEW_IPV6_TCLASS);
            CHECK(memcmp(&v->ipv6_tclass, &c, sizeof c) == 0);
            break;
        }
        case RMSG_KIND_IP_PKTINFO: {
            rmsg_ip_pktinfo p;
            if (rmsg_item_ip_pktinfo(it, &p) != RMSG_OK) continue;
            CHECK(v->present & RMSG_VIEW_IP_PKTINFO);
            CHECK(v->ip_pktinfo.ifindex == p.ifindex);
            CHECK(memcmp(v->ip_pktinfo.addr.addr, p.addr.addr, 4) == 0);
            CHECK(memcmp(v->ip_pktinfo.spec_dst.addr, p.spec_dst.addr, 4) == 0);
            break;
        }
        case RMSG_KIND_IPV6_PKTINFO: {
            rmsg_ipv6_pktinfo p;
            if (rmsg_item_ipv6_pktinfo(it, &p) != RMSG_OK) continue;
            CHECK(v->present & RMSG_VIEW_IPV6_PKTINFO);
            CHECK(v->ipv6_pktinfo.ifindex == p.ifindex);
            CHECK(memcmp(v->ipv6_pktinfo.addr.addr, p.addr.addr, 16) == 0);
            break;
        }
        case RMSG_KIND_IP_ORIGDSTADDR: {
            rmsg_inet_address a;
            if (rmsg_item_ip_origdstaddr(it, &a) != RMSG_OK) continue;
            CHECK(v->present & RMSG_VIEW_IP_ORIGDSTADDR);
            CHECK(memcmp(v->ip_origdstaddr.addr, a.addr, 4) == 0);
            CHECK(v->ip_origdstaddr.port == a.port);
            break;
        }
        case RMSG_KIND_IPV6_ORIGDSTADDR: {
            rmsg_inet6_address a;
            if (rmsg_item_ipv6_origdstaddr(it, &a) != RMSG_OK) continue;
            CHECK(v->present & RMSG_VIEW_IPV6_ORIGDSTADDR);
            CHECK(memcmp(v->ipv6_origdstaddr.addr, a.addr, 16) == 0);
            CHECK(v->ipv6_origdstaddr.port == a.port);
            break;
        }
        case RMSG_KIND_CREDENTIALS: {
            rmsg_credentials c;
            if (rmsg_item_credentials(it, &c) != RMSG_OK) continue;
            CHECK(v->present & RMSG_VIEW_CREDENTIALS);
            CHECK(v->credentials.pid == c.pid && v->credentials.uid == c.uid &&
                  v->credentials.gid == c.gid);
            break;
        }
        case RMSG_KIND_TIMESTAMP: {
            rmsg_timestamp t;
            if (rmsg_item_timestamp(it, &t) != RMSG_OK) continue;
            CHECK(v->present & RMSG_VIEW_TIMESTAMP);
            CHECK(v->timestamp.sec == t.sec && v->timestamp.nsec == t.nsec);
            break;
        }
        case RMSG_KIND_TIMESTAMPING: {
            rmsg_timestamping t;
            if (rmsg_item_timestamping(it, &t) != RMSG_OK) continue;
            CHECK(v->present & RMSG_VIEW_TIMESTAMPING);
            CHECK(memcmp(&v->timestamping, &t, sizeof t) == 0);
            break;
        }
        case RMSG_KIND_RXQ_OVFL: {
            uint32_t d;
            if (rmsg_item_rxq_ovfl(it, &d) != RMSG_OK) continue;
            CHECK(v->present & RMSG_VIEW_RXQ_OVFL);
            CHECK(v->rxq_ovfl == d);
            break;
        }
        case RMSG_KIND_MARK: {
            uint32_t mark;
            if (rmsg_item_mark(it, &mark) != RMSG_OK) continue;
            CHECK(v->present & RMSG_VIEW_MARK);
            CHECK(v->mark == mark);
            break;
        }
        case RMSG_KIND_UDP_GRO: {
            uint32_t g;
            if (rmsg_item_udp_gro(it, &g) != RMSG_OK) continue;
            CHECK(v->present & RMSG_VIEW_UDP_GRO);
            CHECK(v->udp_gro == g);
            break;
        }
        default:
            continue;
        }
        seen |= bit;
    }
    /* Nothing present that the items do not give. */
    CHECK((v->present & ~seen) == 0);
}

static void check_view(const rmsg_view *v) {
    check_whole(v);
    check_decoded(v);
}

/* A UDP socket on 127.0.0.1 or ::1 with the receive options of its family
 * (packet info, TTL or hop limit, TOS or traffic class, original
 * destination, timestamps, drops once there are some), and a sender with TTL and TOS set. */
static int udp_with_options(int family, struct sockaddr_storage *name) {
    int s = udp_loopback(family, name, NULL);
    if (family == AF_INET) {
        set_int(s, IPPROTO_IP, IP_PKTINFO, 1);
        set_int(s, IPPROTO_IP, IP_RECVTTL, 1);
        set_int(s, IPPROTO_IP, IP_RECVTOS, 1);
        set_int(s, IPPROTO_IP, IP_RECVORIGDSTADDR, 1);
    } else {
        set_int(s, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
        set_int(s, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
        set_int(s, IPPROTO_IPV6, IPV6_RECVTCLASS, 1);
        set_int(s, IPPROTO_IPV6, IPV6_RECVORIGDSTADDR, 1);
    }
    set_int(s, SOL_SOCKET, SO_TIMESTAMPNS, 1);
    set_int(s, SOL_SOCKET, SO_RXQ_OVFL, 1);
    return s;
}

static int udp_sender(int family) {
    int t = socket(family, SOCK_DGRAM, 0);
    CHECK(t >= 0);
    if (family == AF_INET) {
        set_int(t, IPPROTO_IP, IP_TTL, 33);
        set_int(t, IPPROTO_IP, IP_TOS, 0xb9);
    } else {
        set_int(t, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 44);
        set_int(t, IPPROTO_IPV6, IPV6_TCLASS, 0x2a);
    }
    return t;
}

/* A receiver's views over IPv4 and IPv6, every field checked; the same
 * layout message after message (the table is reused) and the values
 * follow each datagram. */
static void receiver_views_udp(void) {
    int families[2] = {AF_INET, AF_INET6}, f, i;
    for (f = 0; f < 2; f++) {
        struct sockaddr_storage name;
        int s = udp_with_options(families[f], &name), t = udp_sender(families[f]);
        rmsg_receiver *r = NULL;
        size_t space;
        CHECK_OK(rmsg_control_space_for_socket(s, 0, &space));
        CHECK_OK(rmsg_receiver_new(64, space, NULL, &r));
        for (i = 0; i < 5; i++) {
            char data[24];
            const rmsg_view *v = NULL;
            snprintf(data, sizeof data, "datagram %d", i);
            send_to(t, &name, data, strlen(data));
            CHECK_OK(rmsg_receiver_recv_view(r, s, 0, NULL, sizeof(rmsg_view), &v));
            CHECK_DATA(v->message, data, strlen(data));
            check_view(v);
            if (families[f] == AF_INET) {
                CHECK(v->present & RMSG_VIEW_IP_PKTINFO);
                CHECK(v->ip_ttl == 33 && v->ip_tos.value == 0xb9 && v->ip_tos.ecn == 1);
                CHECK(v->ip_pktinfo.addr.addr[0] == 127);
                CHECK(v->present & RMSG_VIEW_IP_ORIGDSTADDR);
            } else {
                CHECK(v->present & RMSG_VIEW_IPV6_PKTINFO);
                CHECK(v->ipv6_hoplimit == 44 && v->ipv6_tclass.value == 0x2a);
                CHECK(v->ipv6_tclass.ecn == 2 && v->ipv6_tclass.dscp == 0x0a);
                CHECK(v->present & RMSG_VIEW_IPV6_ORIGDSTADDR);
            }
            /* (SO_RXQ_OVFL sends its item only once the socket dropped
             * something: check_decoded covers it either way.) */
            CHECK(v->present & RMSG_VIEW_TIMESTAMP);
            CHECK(v->address != NULL);
            CHECK(((const struct sockaddr *)(const void *)v->address)->sa_family ==
                  families[f]);
        }
        rmsg_receiver_free(r);
        close(s);
        close(t);
    }
}

/* Options switched on and off between datagrams: each message's view says
 * what that message carries (no field of an earlier message stays
 * present), whether its layout repeats the last one or not. */
static void layouts_that_change(void) {
    struct sockaddr_storage name;
    int s = udp_loopback(AF_INET, &name, NULL), t = udp_sender(AF_INET), i;
    rmsg_receiver *r = NULL;
    const rmsg_view *v = NULL;
    /* on[i]: TTL, TOS, PKTINFO for datagram i */
    static const int on[][3] = {{1, 0, 0}, {1, 0, 0}, {1, 1, 0}, {1, 1, 0}, {0, 1, 1},
                                {0, 0, 0}, {0, 0, 0}, {1, 1, 1}, {1, 1, 1}, {0, 0, 1}};
    CHECK_OK(rmsg_receiver_new(64, 256, NULL, &r));
    for (i = 0; i < (int)(sizeof on / sizeof on[0]); i++) {
        uint64_t want = 0;
        set_int(s, IPPROTO_IP, IP_RECVTTL, on[i][0]);
        set_int(s, IPPROTO_IP, IP_RECVTOS, on[i][1]);
        set_int(s, IPPROTO_IP, IP_PKTINFO, on[i][2]);
        send_to(t, &name, "x", 1);
        CHECK_OK(rmsg_receiver_recv_view(r, s, 0, NULL, sizeof(rmsg_view), &v));
        check_view(v);
        if (on[i][0]) want |= RMSG_VIEW_IP_TTL;
        if (on[i][1]) want |= RMSG_VIEW_IP_TOS;
        if (on[i][2]) want |= RMSG_VIEW_IP_PKTINFO;
        CHECK(v->present == want);
        CHECK(v->item_count == (size_t)(on[i][0] + on[i][1] + on[i][2]));
    }
    rmsg_receiver_free(r);
    close(s);
    close(t);
}

/* Credentials, a timestamp and descriptors on AF_UNIX: the view counts the
 * descriptors its message owns, and after they are taken through
 * view->message, rmsg_message_view gives the view with the new count. */
static void descriptors_and_credentials(void) {
    int sv[2], p[2];
    rmsg_receiver *r = NULL;
    const rmsg_view *v = NULL, *again = NULL;
    int fds[2] = {-1, -1};
    size_t n = 0;
    passcred_pair(sv);
    set_int(sv[1], SOL_SOCKET, SO_TIMESTAMPNS, 1);
    make_pipe(p);
    CHECK_OK(rmsg_receiver_new(16, 256, NULL, &r));
    send_with_fds(sv[0], "fd", 2, p, 2);
    CHECK_OK(rmsg_receiver_recv_view(r, sv[1], 0, NULL, sizeof(rmsg_view), &v));
    check_view(v);
    CHECK(v->fd_count == 2);
    CHECK(v->present & RMSG_VIEW_CREDENTIALS);
    CHECK(v->credentials.pid == (int32_t)getpid());
    CHECK(v->credentials.uid == (uint32_t)getuid());
    CHECK(v->present & RMSG_VIEW_TIMESTAMP);
    CHECK_OK(rmsg_message_take_fds(v->message, fds, 2, &n));
    CHECK(n == 2);
    CHECK_OK(rmsg_message_view(v->message, sizeof(rmsg_view), &again));
    CHECK(again == v && again->fd_count == 0);
    check_view(again);
    close(fds[0]);
    close(fds[1]);
    /* The next message, without descriptors: nothing of the last stays. */
    CHECK(send(sv[0], "plain", 5, 0) == 5);
    CHECK_OK(rmsg_receiver_recv_view(r, sv[1], 0, NULL, sizeof(rmsg_view), &v));
    check_view(v);
    CHECK(v->fd_count == 0);
    rmsg_receiver_free(r);
    close_pair(p);
    close_pair(sv);
}

/* A batch's views: one array for the whole batch, views[i] the view of
 * rmsg_batch_message(batch, i), each with its own sender and values. */
static void batch_views(void) {
    struct sockaddr_storage name;
    int s = udp_with_options(AF_INET, &name), senders[6], i, round;
    rmsg_batch *b = NULL;
    CHECK_OK(rmsg_batch_new(8, 64, 256, NULL, &b));
    for (i = 0; i < 6; i++) senders[i] = udp_sender(AF_INET);
    for (round = 0; round < 3; round++) {
        const rmsg_view *const *views = NULL;
        size_t count = 0, got = 0;
        for (i = 0; i < 6; i++) {
            int ttl = 10 + i + round;
            char data[24];
            snprintf(data, sizeof data, "%d-%d", round, i);
            set_int(senders[i], IPPROTO_IP, IP_TTL, ttl);
            send_to(senders[i], &name, data, strlen(data));
        }
        while (got < 6) {
            CHECK_OK(rmsg_batch_recv_views(b, s, 0, NULL, sizeof(rmsg_view), &views, &count));
            CHECK(count == rmsg_batch_count(b));
            for (i = 0; i < (int)count; i++) {
                char data[24];
                snprintf(data, sizeof data, "%d-%d", round, (int)got + i);
                CHECK(views[i]->message == rmsg_batch_message(b, (size_t)i));
                CHECK_DATA(views[i]->message, data, strlen(data));
                check_view(views[i]);
                CHECK(views[i]->ip_ttl == 10 + (int)got + i + round);
                if (i > 0) CHECK(views[i] != views[i - 1]);
            }
            got += count;
        }
        CHECK(got == 6);
    }
    rmsg_batch_free(b);
    for (i = 0; i < 6; i++) close(senders[i]);
    close(s);
}

/* A single receive's view, and one of a message made from a caller's
 * buffers (a single-shot io_uring completion's pieces). */
static void single_and_made_messages(void) {
    struct sockaddr_storage name;
    int s = udp_with_options(AF_INET, &name), t = udp_sender(AF_INET);
    rmsg_message *m = NULL;
    const rmsg_view *v = NULL;
    send_to(t, &name, "one", 3);
    CHECK_OK(rmsg_recvmsg(s, 64, 256, 0, &m));
    CHECK_OK(rmsg_message_view(m, sizeof(rmsg_view), &v));
    CHECK(v->message == m);
    check_view(v);
    CHECK(v->ip_ttl == 33);
    rmsg_message_free(m);
    close(s);
    close(t);
}

/* Control bytes of two IP_TTL items (the view keeps the first) and an
 * IP_TOS item too short for its byte (no bit), as a caller's buffers. */
static void first_item_wins_and_short_items(void) {
    union {
        uint8_t bytes[3 * 24];
        struct cmsghdr align;
    } control;
    struct cmsghdr *h;
    int ttl1 = 7, ttl2 = 9;
    size_t at = 0;
    rmsg_recvmsg_parts parts;
    rmsg_message *m = NULL;
    const rmsg_view *v = NULL;
    memset(&control, 0, sizeof control);
    h = (struct cmsghdr *)(void *)control.bytes;
    h->cmsg_len = CMSG_LEN(sizeof ttl1);
    h->cmsg_level = IPPROTO_IP;
    h->cmsg_type = IP_TTL;
    memcpy(CMSG_DATA(h), &ttl1, sizeof ttl1);
    at += CMSG_SPACE(sizeof ttl1);
    h = (struct cmsghdr *)(void *)(control.bytes + at);
    h->cmsg_len = CMSG_LEN(sizeof ttl2);
    h->cmsg_level = IPPROTO_IP;
    h->cmsg_type = IP_TTL;
    memcpy(CMSG_DATA(h), &ttl2, sizeof ttl2);
    at += CMSG_SPACE(sizeof ttl2);
    h = (struct cmsghdr *)(void *)(control.bytes + at);
    h->cmsg_len = CMSG_LEN(0);
    h->cmsg_level = IPPROTO_IP;
    h->cmsg_type = IP_TOS;
    at += CMSG_SPACE(0);
    memset(&parts, 0, sizeof parts);
    parts.data = (const uint8_t *)"made";
    parts.data_len = 4;
    parts.nbytes = 4;
    parts.control = control.bytes;
    parts.control_len = at;
    CHECK_OK(rmsg_message_from_recvmsg(&parts, 0, &m));
    CHECK_OK(rmsg_message_view(m, sizeof(rmsg_view), &v));
    check_view(v);
    CHECK(v->item_count == 3);
    CHECK(v->present == RMSG_VIEW_IP_TTL);
    CHECK(v->ip_ttl == 7);
    CHECK(v->address == NULL && v->address_len == 0);
    rmsg_message_free(m);
}

/* view_size: the size this program has is accepted; a larger one (a
 * program built against a newer header than the library) and one below
 * the first version's are refused before anything is received, and the
 * datagram stays queued. */
static void view_sizes(void) {
    struct sockaddr_storage name;
    int s = udp_loopback(AF_INET, &name, NULL), t = udp_sender(AF_INET);
    rmsg_receiver *r = NULL;
    rmsg_batch *b = NULL;
    const rmsg_view *v = (const rmsg_view *)(uintptr_t)0x1;
    const rmsg_view *const *views = (const rmsg_view *const *)(uintptr_t)0x1;
    size_t count = 77, bad[3] = {0, sizeof(rmsg_view) - 8, sizeof(rmsg_view) + 8}, i;
    rmsg_message *m = NULL;
    CHECK_OK(rmsg_receiver_new(16, 64, NULL, &r));
    CHECK_OK(rmsg_batch_new(4, 16, 64, NULL, &b));
    send_to(t, &name, "q", 1);
    for (i = 0; i < 3; i++) {
        CHECK_STATUS(rmsg_receiver_recv_view(r, s, 0, NULL, bad[i], &v),
                     RMSG_ERR_INVALID_ARGUMENT);
        CHECK(v == (const rmsg_view *)(uintptr_t)0x1);
        CHECK_STATUS(rmsg_batch_recv_views(b, s, 0, NULL, bad[i], &views, &count),
                     RMSG_ERR_INVALID_ARGUMENT);
        CHECK(count == 77);
    }
    CHECK_OK(rmsg_recvmsg(s, 16, 64, MSG_DONTWAIT, &m));
    CHECK_DATA(m, "q", 1);
    for (i = 0; i < 3; i++)
        CHECK_STATUS(rmsg_message_view(m, bad[i], &v), RMSG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(rmsg_message_view(NULL, sizeof(rmsg_view), &v), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_message_view(m, sizeof(rmsg_view), NULL), RMSG_ERR_NULL_ARGUMENT);
    rmsg_message_free(m);
    rmsg_batch_free(b);
    rmsg_receiver_free(r);
    close(s);
    close(t);
}

/* The registry: rows numbered from 0, each named as rmsg_kind_name names
 * its pair and found again by rmsg_kind_info_find; every RMSG_KIND_*
 * but RAW has a row; the option of a row, set on a socket, makes the
 * kernel deliver that kind. */
static void registry(void) {
    size_t i, n = rmsg_kind_info_count();
    uint64_t kinds = 0;
    rmsg_kind_info info, found;
    CHECK(n > 20);
    for (i = 0; i < n; i++) {
        CHECK_OK(rmsg_kind_info_get(i, &info));
        CHECK(strcmp(info.name, rmsg_kind_name(info.cmsg_level, info.cmsg_type)) == 0);
        CHECK_OK(rmsg_kind_info_find(info.cmsg_level, info.cmsg_type, &found));
        CHECK(found.name == info.name && found.kind == info.kind);
        CHECK(info.enabled_by != NULL);
        if (info.kind != RMSG_KIND_RAW && info.kind != RMSG_KIND_RIGHTS)
            CHECK(info.payload_size > 0);
        kinds |= (uint64_t)1 << info.kind;
    }
    for (i = 1; i <= RMSG_KIND_TLS_RECORD_TYPE; i++) CHECK(kinds & ((uint64_t)1 << i));
    CHECK_STATUS(rmsg_kind_info_get(n, &info), RMSG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(rmsg_kind_info_find(IPPROTO_IP, 127, &info), RMSG_ERR_UNKNOWN_KIND);
    CHECK_STATUS(rmsg_kind_info_get(0, NULL), RMSG_ERR_NULL_ARGUMENT);
    /* IP_TTL is enabled by IP_RECVTTL: set it from the row, see the kind. */
    CHECK_OK(rmsg_kind_info_find(IPPROTO_IP, IP_TTL, &info));
    CHECK(info.option_level == IPPROTO_IP && info.option_name == IP_RECVTTL);
    CHECK(strcmp(info.enabled_by, "IP_RECVTTL") == 0);
    {
        struct sockaddr_storage name;
        int s = udp_loopback(AF_INET, &name, NULL), t = udp_sender(AF_INET);
        rmsg_message *m = NULL;
        set_int(s, info.option_level, info.option_name, 1);
        send_to(t, &name, "k", 1);
        CHECK_OK(rmsg_recvmsg(s, 8, 64, 0, &m));
        CHECK(rmsg_message_item_count(m) == 1);
        CHECK(rmsg_item_kind(rmsg_message_item(m, 0)) == info.kind);
        rmsg_message_free(m);
        close(s);
        close(t);
    }
    CHECK_OK(rmsg_kind_info_find(SOL_SOCKET, SCM_RIGHTS, &info));
    CHECK(info.option_level == -1 && info.payload_size == 0);
}

int main(void) {
    TEST_BEGIN();
    RUN(receiver_views_udp);
    RUN(layouts_that_change);
    RUN(descriptors_and_credentials);
    RUN(batch_views);
    RUN(single_and_made_messages);
    RUN(first_item_wins_and_short_items);
    RUN(view_sizes);
    RUN(registry);
    TEST_END();
}
