/*
 * The send-only items of the builder: per-call SO_TIMESTAMPING flags,
 * SCM_TS_OPT_ID, SO_PRIORITY, SO_MARK, IPV6_DONTFRAG, kernel TLS's
 * TLS_SET_RECORD_TYPE and AF_ALG's ALG_SET_OP, ALG_SET_IV and
 * ALG_SET_AEAD_ASSOCLEN. Each is sent through the real kernel and its effect
 * observed where the kernel shows it; where this machine refuses the socket
 * (no kernel TLS module, no AF_ALG), the built bytes are checked exactly
 * through rmsg_control_parse instead, and the test says so.
 */
#include "net_helpers.h"
#include "send_helpers.h"

#include <linux/bpf.h>
#include <linux/errqueue.h>
#include <linux/if_alg.h>
#include <linux/net_tstamp.h>
#include <netinet/tcp.h>
#include <sys/syscall.h>

#ifndef SCM_TS_OPT_ID
#define SCM_TS_OPT_ID 81
#endif
#ifndef SOL_TLS
#define SOL_TLS RMSG_SOL_TLS
#endif
#ifndef TLS_SET_RECORD_TYPE
#define TLS_SET_RECORD_TYPE RMSG_TLS_SET_RECORD_TYPE
#endif
#ifndef SOL_ALG
#define SOL_ALG 279
#endif
#ifndef TCP_ULP
#define TCP_ULP 31
#endif
#ifndef IPV6_DONTFRAG
#define IPV6_DONTFRAG 62
#endif

/* One item of `len` bytes laid out with the CMSG macros at *c, for
 * comparing with the builder. Returns the next header. */
static struct cmsghdr *put(struct msghdr *m, struct cmsghdr *c, int level,
                           int type, const void *data, size_t len) {
    c->cmsg_level = level;
    c->cmsg_type = type;
    c->cmsg_len = CMSG_LEN(len);
    memcpy(CMSG_DATA(c), data, len);
    return CMSG_NXTHDR(m, c);
}

/* Every new item, laid out as the CMSG macros lay it out, and named by the
 * registry when the bytes are parsed back. */
static void test_layout_and_names(void) {
    rmsg_cmsg_builder *b = NULL;
    rmsg_control *c = NULL;
    const uint8_t *data;
    size_t len, i;
    uint32_t flags = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_TX_SCHED;
    uint32_t key = 0xdeadbeef, prio = 6, mark = 0x55, op = ALG_OP_ENCRYPT;
    uint32_t assoclen = 8;
    int one = 1;
    uint8_t rt = 21;
    uint8_t iv_bytes[16];
    uint8_t iv_item[4 + 16];
    uint32_t ivlen = 16;
    union {
        char buf[1024];
        struct cmsghdr align;
    } u;
    struct msghdr m;
    struct cmsghdr *h;
    size_t total = 6 * CMSG_SPACE(4) + CMSG_SPACE(sizeof one) + CMSG_SPACE(1) +
                   CMSG_SPACE(sizeof iv_item);
    static const char *const names[] = {
        "SOL_SOCKET/SO_TIMESTAMPING", "SOL_SOCKET/SCM_TS_OPT_ID",
        "SOL_SOCKET/SO_PRIORITY",     "SOL_SOCKET/SO_MARK",
        "IPPROTO_IPV6/IPV6_DONTFRAG", "SOL_TLS/TLS_SET_RECORD_TYPE",
        "SOL_ALG/ALG_SET_OP",         "SOL_ALG/ALG_SET_IV",
        "SOL_ALG/ALG_SET_AEAD_ASSOCLEN",
    };
    for (i = 0; i < sizeof iv_bytes; i++) iv_bytes[i] = (uint8_t)i;
    memcpy(iv_item, &ivlen, 4);
    memcpy(iv_item + 4, iv_bytes, 16);

    CHECK_OK(rmsg_cmsg_builder_new(&b));
    CHECK_OK(rmsg_cmsg_builder_add_timestamping(b, flags));
    CHECK_OK(rmsg_cmsg_builder_add_ts_opt_id(b, key));
    CHECK_OK(rmsg_cmsg_builder_add_priority(b, prio));
    CHECK_OK(rmsg_cmsg_builder_add_mark(b, mark));
    CHECK_OK(rmsg_cmsg_builder_add_ipv6_dontfrag(b, one));
    CHECK_OK(rmsg_cmsg_builder_add_tls_record_type(b, rt));
    CHECK_OK(rmsg_cmsg_builder_add_alg_op(b, op));
    CHECK_OK(rmsg_cmsg_builder_add_alg_iv(b, iv_bytes, sizeof iv_bytes));
    CHECK_OK(rmsg_cmsg_builder_add_alg_aead_assoclen(b, assoclen));

    memset(&u, 0, sizeof u);
    memset(&m, 0, sizeof m);
    m.msg_control = u.buf;
    m.msg_controllen = total;
    h = CMSG_FIRSTHDR(&m);
    h = put(&m, h, SOL_SOCKET, SO_TIMESTAMPING, &flags, 4);
    h = put(&m, h, SOL_SOCKET, SCM_TS_OPT_ID, &key, 4);
    h = put(&m, h, SOL_SOCKET, SO_PRIORITY, &prio, 4);
    h = put(&m, h, SOL_SOCKET, SO_MARK, &mark, 4);
    h = put(&m, h, IPPROTO_IPV6, IPV6_DONTFRAG, &one, sizeof one);
    h = put(&m, h, SOL_TLS, TLS_SET_RECORD_TYPE, &rt, 1);
    h = put(&m, h, SOL_ALG, ALG_SET_OP, &op, 4);
    h = put(&m, h, SOL_ALG, ALG_SET_IV, iv_item, sizeof iv_item);
    put(&m, h, SOL_ALG, ALG_SET_AEAD_ASSOCLEN, &assoclen, 4);

    CHECK_OK(rmsg_cmsg_builder_data(b, &data, &len));
    CHECK_BYTES(data, len, u.buf, total);

    CHECK_OK(rmsg_control_parse(data, len, 0, &c));
    CHECK(rmsg_control_item_count(c) == 9);
    for (i = 0; i < 9; i++) {
        const rmsg_item *it = rmsg_control_item(c, i);
        CHECK(strcmp(rmsg_item_name(it), names[i]) == 0);
        /* Send-only types have no typed accessor. */
        CHECK(rmsg_item_kind(it) == RMSG_KIND_RAW || i == 0 || i == 3);
    }
    rmsg_control_free(c);
    rmsg_cmsg_builder_free(b);
}

/* Bad input: NULL builder, NULL IV with a length, out-of-range DONTFRAG;
 * a refused add leaves the builder unchanged. An empty IV is allowed (the
 * kernel checks the IV size against the cipher). */
static void test_bad_input(void) {
    rmsg_cmsg_builder *b = NULL;
    const uint8_t *data;
    size_t len;
    uint8_t iv = 1;
    CHECK_STATUS(rmsg_cmsg_builder_add_timestamping(NULL, 1), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_cmsg_builder_add_ts_opt_id(NULL, 1), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_cmsg_builder_add_priority(NULL, 1), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_cmsg_builder_add_mark(NULL, 1), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_cmsg_builder_add_ipv6_dontfrag(NULL, 1), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_cmsg_builder_add_tls_record_type(NULL, 1), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_cmsg_builder_add_alg_op(NULL, 1), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_cmsg_builder_add_alg_iv(NULL, &iv, 1), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_cmsg_builder_add_alg_aead_assoclen(NULL, 1), RMSG_ERR_NULL_ARGUMENT);
    CHECK_OK(rmsg_cmsg_builder_new(&b));
    CHECK_STATUS(rmsg_cmsg_builder_add_alg_iv(b, NULL, 16), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_cmsg_builder_add_ipv6_dontfrag(b, 2), RMSG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(rmsg_cmsg_builder_add_ipv6_dontfrag(b, -1), RMSG_ERR_INVALID_ARGUMENT);
    CHECK_OK(rmsg_cmsg_builder_data(b, &data, &len));
    CHECK(len == 0);
    CHECK_OK(rmsg_cmsg_builder_add_alg_iv(b, NULL, 0));
    CHECK_OK(rmsg_cmsg_builder_data(b, &data, &len));
    CHECK(len == CMSG_SPACE(4));
    rmsg_cmsg_builder_free(b);
}

/* SO_MARK per call: a receiver with SO_RCVMARK sees each datagram's own
 * mark (needs CAP_NET_RAW or CAP_NET_ADMIN: root here). */
static void test_mark_per_call(void) {
    rmsg_address *to = NULL;
    int r = udp_loopback_address(AF_INET, &to);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    rmsg_cmsg_builder *b = NULL;
    rmsg_message *m;
    const rmsg_item *it;
    uint32_t mark = 1;
    CHECK(s >= 0);
    set_int(r, SOL_SOCKET, SO_RCVMARK, 1);
    CHECK_OK(rmsg_cmsg_builder_new(&b));
    CHECK_OK(rmsg_cmsg_builder_add_mark(b, 0x1234));
    send_one(s, "m1", 2, b, to);
    m = recv_one(r, 16, 64);
    it = find_item(m, SOL_SOCKET, SO_MARK);
    CHECK(it != NULL);
    CHECK_OK(rmsg_item_mark(it, &mark));
    CHECK(mark == 0x1234);
    rmsg_message_free(m);
    /* Another mark on the next call; 0 without the item. */
    rmsg_cmsg_builder_reset(b);
    CHECK_OK(rmsg_cmsg_builder_add_mark(b, 7));
    send_one(s, "m2", 2, b, to);
    m = recv_one(r, 16, 64);
    CHECK_OK(rmsg_item_mark(find_item(m, SOL_SOCKET, SO_MARK), &mark));
    CHECK(mark == 7);
    rmsg_message_free(m);
    rmsg_cmsg_builder_reset(b);
    send_one(s, "m0", 2, b, to);
    m = recv_one(r, 16, 64);
    /* The socket's own mark (0) is back. */
    CHECK_OK(rmsg_item_mark(find_item(m, SOL_SOCKET, SO_MARK), &mark));
    CHECK(mark == 0);
    rmsg_message_free(m);
    rmsg_cmsg_builder_free(b);
    rmsg_address_free(to);
    close(s);
    close(r);
}

/* Loads a socket filter that keeps only packets whose skb->priority is
 * `prio` (struct __sk_buff's priority field; no classic BPF extension or
 * control message shows a packet's priority, so an eBPF filter on the
 * receiving socket is how it is observed). Returns the program fd, or -1
 * when the kernel refuses eBPF here. */
static int load_priority_filter(uint32_t prio) {
    struct bpf_insn insns[5];
    union bpf_attr attr;
    memset(insns, 0, sizeof insns);
    /* r2 = *(u32 *)(r1 + offsetof(struct __sk_buff, priority)) */
    insns[0].code = BPF_LDX | BPF_MEM | BPF_W;
    insns[0].dst_reg = BPF_REG_2;
    insns[0].src_reg = BPF_REG_1;
    insns[0].off = (int16_t)offsetof(struct __sk_buff, priority);
    /* r0 = 0 (drop) */
    insns[1].code = BPF_ALU64 | BPF_MOV | BPF_K;
    insns[1].dst_reg = BPF_REG_0;
    /* if r2 != prio skip the next */
    insns[2].code = BPF_JMP | BPF_JNE | BPF_K;
    insns[2].dst_reg = BPF_REG_2;
    insns[2].off = 1;
    insns[2].imm = (int32_t)prio;
    /* r0 = 0xffff (keep) */
    insns[3].code = BPF_ALU64 | BPF_MOV | BPF_K;
    insns[3].dst_reg = BPF_REG_0;
    insns[3].imm = 0xffff;
    insns[4].code = BPF_JMP | BPF_EXIT;
    memset(&attr, 0, sizeof attr);
    attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
    attr.insn_cnt = 5;
    attr.insns = (uint64_t)(uintptr_t)insns;
    attr.license = (uint64_t)(uintptr_t) "GPL";
    return (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
}

/* SO_PRIORITY per call (Linux 6.13): with a filter that keeps only
 * priority 5, the datagram sent with the item arrives and the one without
 * it (priority 0) does not. */
static void test_priority_per_call(void) {
    rmsg_address *to = NULL;
    int r = udp_loopback_address(AF_INET, &to);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    int prog = load_priority_filter(5);
    rmsg_cmsg_builder *b = NULL;
    rmsg_message *m = NULL;
    rmsg_iovec iov;
    size_t n = 0;
    CHECK(s >= 0);
    CHECK_OK(rmsg_cmsg_builder_new(&b));
    CHECK_OK(rmsg_cmsg_builder_add_priority(b, 5));
    if (prog < 0) {
        /* Without eBPF only acceptance can be seen. */
        printf("priority: eBPF refused (%s); checking the send is accepted\n",
               strerror(errno));
        send_one(s, "p5", 2, b, to);
        m = recv_one(r, 16, 0);
        CHECK_DATA(m, "p5", 2);
        rmsg_message_free(m);
    } else {
        CHECK(setsockopt(r, SOL_SOCKET, SO_ATTACH_BPF, &prog, sizeof prog) == 0);
        iov = iov_of("p0", 2);
        CHECK_OK(rmsg_sendmsg(s, &iov, 1, NULL, to, 0, NULL, &n));
        send_one(s, "p5", 2, b, to);
        m = recv_one(r, 16, 0);
        /* The first datagram (priority 0) was dropped by the filter. */
        CHECK_DATA(m, "p5", 2);
        rmsg_message_free(m);
        CHECK_STATUS(rmsg_recvmsg(r, 16, 0, MSG_DONTWAIT, &m), RMSG_ERR_WOULD_BLOCK);
        close(prog);
    }
    rmsg_cmsg_builder_free(b);
    rmsg_address_free(to);
    close(s);
    close(r);
}

/* IPV6_DONTFRAG: with the socket's IPV6_MTU at 1280, a 2000-byte datagram
 * to ::1 is fragmented (and reassembled) without the item, and refused
 * with EMSGSIZE with it. */
static void test_ipv6_dontfrag(void) {
    rmsg_address *to = NULL;
    int r = udp_loopback_address(AF_INET6, &to);
    int s = socket(AF_INET6, SOCK_DGRAM, 0);
    rmsg_cmsg_builder *b = NULL;
    rmsg_message *m;
    static char big[2000];
    rmsg_iovec iov = iov_of(big, sizeof big);
    size_t n = 0;
    CHECK(s >= 0);
    memset(big, 'd', sizeof big);
    set_int(s, IPPROTO_IPV6, IPV6_MTU, 1280);
    CHECK_OK(rmsg_cmsg_builder_new(&b));
    CHECK_OK(rmsg_cmsg_builder_add_ipv6_dontfrag(b, 0));
    send_one(s, big, sizeof big, b, to);
    m = recv_one(r, 4096, 0);
    CHECK(rmsg_message_data_len(m) == sizeof big);
    rmsg_message_free(m);
    rmsg_cmsg_builder_reset(b);
    CHECK_OK(rmsg_cmsg_builder_add_ipv6_dontfrag(b, 1));
    CHECK_STATUS(rmsg_sendmsg(s, &iov, 1, b, to, 0, NULL, &n), RMSG_ERR_OS);
    CHECK(rmsg_last_errno() == EMSGSIZE);
    /* A datagram that fits goes through with the item. */
    send_one(s, big, 1000, b, to);
    m = recv_one(r, 4096, 0);
    CHECK(rmsg_message_data_len(m) == 1000);
    rmsg_message_free(m);
    rmsg_cmsg_builder_free(b);
    rmsg_address_free(to);
    close(s);
    close(r);
}

/* Reads every message now on the error queue; returns how many carried a
 * transmit stamp, storing their (ee_info, ee_data) pairs. */
static int drain_stamps(int s, uint32_t *info, uint32_t *keys, int max) {
    int count = 0;
    for (;;) {
        rmsg_message *m = NULL;
        const rmsg_item *it;
        rmsg_extended_error e;
        rmsg_timestamping t;
        rmsg_status st = rmsg_recvmsg(s, 64, 512, MSG_ERRQUEUE | MSG_DONTWAIT, &m);
        if (st == RMSG_ERR_WOULD_BLOCK) break;
        CHECK_OK(st);
        it = find_item(m, SOL_SOCKET, SO_TIMESTAMPING);
        CHECK(it != NULL);
        CHECK_OK(rmsg_item_timestamping(it, &t));
        CHECK(t.software.sec > 0);
        it = find_item(m, IPPROTO_IP, IP_RECVERR);
        CHECK(it != NULL);
        CHECK_OK(rmsg_item_recverr(it, &e));
        CHECK(e.ee_errno == ENOMSG);
        CHECK(e.ee_origin == SO_EE_ORIGIN_TIMESTAMPING);
        CHECK(count < max);
        info[count] = e.ee_info;
        keys[count] = e.ee_data;
        count++;
        rmsg_message_free(m);
    }
    return count;
}

/* SO_TIMESTAMPING per call: the socket reports software stamps with
 * OPT_ID but records none itself; a send without the item gives no stamp,
 * one with TX_SOFTWARE gives SND, one with TX_SCHED | TX_SOFTWARE gives
 * SCHED and SND. */
static void test_timestamping_per_call(void) {
    rmsg_address *to = NULL;
    int r = udp_loopback_address(AF_INET, &to);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    rmsg_cmsg_builder *b = NULL;
    rmsg_message *m;
    uint32_t info[8], keys[8];
    int n;
    CHECK(s >= 0);
    set_int(s, SOL_SOCKET, SO_TIMESTAMPING,
            SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_ID |
                SOF_TIMESTAMPING_OPT_TSONLY);
    CHECK_OK(rmsg_cmsg_builder_new(&b));
    send_one(s, "t0", 2, b, to);
    rmsg_message_free(recv_one(r, 16, 0));
    CHECK(drain_stamps(s, info, keys, 8) == 0);

    CHECK_OK(rmsg_cmsg_builder_add_timestamping(b, SOF_TIMESTAMPING_TX_SOFTWARE));
    send_one(s, "t1", 2, b, to);
    wait_errqueue(s);
    n = drain_stamps(s, info, keys, 8);
    CHECK(n == 1);
    CHECK(info[0] == SCM_TSTAMP_SND);
    CHECK(keys[0] == 0); /* the first stamped send: key 0 */

    rmsg_cmsg_builder_reset(b);
    CHECK_OK(rmsg_cmsg_builder_add_timestamping(
        b, SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_TX_SCHED));
    send_one(s, "t2", 2, b, to);
    wait_errqueue(s);
    n = drain_stamps(s, info, keys, 8);
    CHECK(n == 2);
    CHECK(info[0] == SCM_TSTAMP_SCHED && info[1] == SCM_TSTAMP_SND);
    CHECK(keys[0] == 1 && keys[1] == 1);
    m = recv_one(r, 16, 0);
    CHECK_DATA(m, "t1", 2);
    rmsg_message_free(m);
    m = recv_one(r, 16, 0);
    CHECK_DATA(m, "t2", 2);
    rmsg_message_free(m);

    /* A flag that is not a transmit-record one is refused by the kernel. */
    rmsg_cmsg_builder_reset(b);
    CHECK_OK(rmsg_cmsg_builder_add_timestamping(b, SOF_TIMESTAMPING_RX_SOFTWARE));
    {
        rmsg_iovec iov = iov_of("bad", 3);
        size_t sent = 0;
        CHECK_STATUS(rmsg_sendmsg(s, &iov, 1, b, to, 0, NULL, &sent),
                     RMSG_ERR_INVALID_ARGUMENT);
    }
    rmsg_cmsg_builder_free(b);
    rmsg_address_free(to);
    close(s);
    close(r);
}

/* SCM_TS_OPT_ID (Linux 6.13): the stamp's key is the one given, not the
 * socket's counter; without SOF_TIMESTAMPING_OPT_ID on the socket the
 * kernel refuses the item. */
static void test_ts_opt_id(void) {
    rmsg_address *to = NULL;
    int r = udp_loopback_address(AF_INET, &to);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    rmsg_cmsg_builder *b = NULL;
    rmsg_iovec iov = iov_of("id", 2);
    size_t sent = 0;
    uint32_t info[8], keys[8];
    rmsg_status st;
    CHECK(s >= 0);
    CHECK_OK(rmsg_cmsg_builder_new(&b));
    CHECK_OK(rmsg_cmsg_builder_add_timestamping(b, SOF_TIMESTAMPING_TX_SOFTWARE));
    CHECK_OK(rmsg_cmsg_builder_add_ts_opt_id(b, 0x12345678));
    set_int(s, SOL_SOCKET, SO_TIMESTAMPING, SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_TSONLY);
    CHECK_STATUS(rmsg_sendmsg(s, &iov, 1, b, to, 0, NULL, &sent),
                 RMSG_ERR_INVALID_ARGUMENT);
    set_int(s, SOL_SOCKET, SO_TIMESTAMPING,
            SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_TSONLY |
                SOF_TIMESTAMPING_OPT_ID);
    st = rmsg_sendmsg(s, &iov, 1, b, to, 0, NULL, &sent);
    if (st == RMSG_ERR_INVALID_ARGUMENT) {
        /* A kernel before 6.13 does not know the type; the bytes were
         * checked in test_layout_and_names. */
        CRAFTED("SCM_TS_OPT_ID", "this kernel refuses it (before Linux 6.13)");
    } else {
        CHECK_OK(st);
        wait_errqueue(s);
        CHECK(drain_stamps(s, info, keys, 8) == 1);
        CHECK(info[0] == SCM_TSTAMP_SND);
        CHECK(keys[0] == 0x12345678);
        rmsg_message_free(recv_one(r, 16, 0));
        /* The next send without the id uses the socket's counter again,
         * which SCM_TS_OPT_ID did not advance. */
        rmsg_cmsg_builder_reset(b);
        CHECK_OK(rmsg_cmsg_builder_add_timestamping(b, SOF_TIMESTAMPING_TX_SOFTWARE));
        send_one(s, "id", 2, b, to);
        wait_errqueue(s);
        CHECK(drain_stamps(s, info, keys, 8) == 1);
        CHECK(keys[0] == 0);
        rmsg_message_free(recv_one(r, 16, 0));
    }
    rmsg_cmsg_builder_free(b);
    rmsg_address_free(to);
    close(s);
    close(r);
}

/* One built item parsed back: level, type, exact data. */
static void check_one_item(rmsg_cmsg_builder *b, int level, int type,
                           const void *want, size_t want_len) {
    const uint8_t *data;
    size_t len;
    rmsg_control *c = NULL;
    const rmsg_item *it;
    CHECK_OK(rmsg_cmsg_builder_data(b, &data, &len));
    CHECK(len == CMSG_SPACE(want_len));
    CHECK_OK(rmsg_control_parse(data, len, 0, &c));
    CHECK(rmsg_control_item_count(c) == 1);
    it = rmsg_control_item(c, 0);
    CHECK(rmsg_item_level(it) == level && rmsg_item_type(it) == type);
    CHECK_BYTES(rmsg_item_data(it), rmsg_item_data_len(it), want, want_len);
    rmsg_control_free(c);
}

/* Kernel TLS: TCP_ULP "tls" on a loopback TCP socket. When the kernel
 * refuses it (no tls module here: ENOENT), the item's bytes are checked. */
static void test_tls_record_type(void) {
    int sv[2];
    rmsg_cmsg_builder *b = NULL;
    uint8_t alert = 21;
    tcp_loopback_pair(sv);
    CHECK_OK(rmsg_cmsg_builder_new(&b));
    CHECK_OK(rmsg_cmsg_builder_add_tls_record_type(b, alert));
    if (setsockopt(sv[0], IPPROTO_TCP, TCP_ULP, "tls", 3) != 0) {
        printf("kernel TLS refused: %s\n", strerror(errno));
        CRAFTED("TLS_SET_RECORD_TYPE", "no kernel TLS on this machine (TCP_ULP \"tls\" refused)");
    } else {
        /* With the ULP but no TLS_TX keys the TLS layer is not sending yet:
         * a plain TCP send ignores SOL_TLS items; only the bytes are
         * checked. */
        CRAFTED("TLS_SET_RECORD_TYPE", "kernel TLS present but no keys are set up by this test");
    }
    check_one_item(b, SOL_TLS, TLS_SET_RECORD_TYPE, &alert, 1);
    rmsg_cmsg_builder_free(b);
    close_pair(sv);
}

/* AF_ALG: AES-128-CBC encryption of one block (the NIST SP 800-38A F.2.1
 * vector) with ALG_SET_OP and ALG_SET_IV, and an AEAD request with
 * ALG_SET_AEAD_ASSOCLEN. This kernel has no AF_ALG (socket() fails with
 * EAFNOSUPPORT): then the items' bytes are checked. */
static void test_alg(void) {
    static const uint8_t key[16] = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
                                    0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c};
    static const uint8_t plain[16] = {0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96,
                                      0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a};
    static const uint8_t cipher[16] = {0x76, 0x49, 0xab, 0xac, 0x81, 0x19, 0xb2, 0x46,
                                       0xce, 0xe9, 0x8e, 0x9b, 0x12, 0xe9, 0x19, 0x7d};
    uint8_t iv[16], iv_item[20];
    uint32_t ivlen = 16, op = ALG_OP_ENCRYPT, assoclen = 8;
    rmsg_cmsg_builder *b = NULL;
    int tfm;
    size_t i;
    for (i = 0; i < 16; i++) iv[i] = (uint8_t)i;
    memcpy(iv_item, &ivlen, 4);
    memcpy(iv_item + 4, iv, 16);
    CHECK_OK(rmsg_cmsg_builder_new(&b));
    tfm = socket(AF_ALG, SOCK_SEQPACKET, 0);
    if (tfm >= 0) {
        struct sockaddr_alg sa;
        int opfd;
        uint8_t out[16];
        rmsg_iovec iov = iov_of(plain, sizeof plain);
        size_t sent = 0;
        memset(&sa, 0, sizeof sa);
        sa.salg_family = AF_ALG;
        strcpy((char *)sa.salg_type, "skcipher");
        strcpy((char *)sa.salg_name, "cbc(aes)");
        CHECK(bind(tfm, (struct sockaddr *)&sa, sizeof sa) == 0);
        CHECK(setsockopt(tfm, SOL_ALG, ALG_SET_KEY, key, sizeof key) == 0);
        opfd = accept(tfm, NULL, 0);
        CHECK(opfd >= 0);
        CHECK_OK(rmsg_cmsg_builder_add_alg_op(b, ALG_OP_ENCRYPT));
        CHECK_OK(rmsg_cmsg_builder_add_alg_iv(b, iv, sizeof iv));
        CHECK_OK(rmsg_sendmsg(opfd, &iov, 1, b, NULL, 0, NULL, &sent));
        CHECK(sent == 16);
        CHECK(read(opfd, out, sizeof out) == 16);
        CHECK_BYTES(out, 16, cipher, 16);
        close(opfd);
        close(tfm);
    } else {
        printf("AF_ALG refused: %s\n", strerror(errno));
        CRAFTED("ALG_SET_OP, ALG_SET_IV, ALG_SET_AEAD_ASSOCLEN",
                "no AF_ALG in this kernel (socket(AF_ALG) refused)");
    }
    rmsg_cmsg_builder_reset(b);
    CHECK_OK(rmsg_cmsg_builder_add_alg_op(b, op));
    check_one_item(b, SOL_ALG, ALG_SET_OP, &op, 4);
    rmsg_cmsg_builder_reset(b);
    CHECK_OK(rmsg_cmsg_builder_add_alg_iv(b, iv, sizeof iv));
    check_one_item(b, SOL_ALG, ALG_SET_IV, iv_item, sizeof iv_item);
    rmsg_cmsg_builder_reset(b);
    CHECK_OK(rmsg_cmsg_builder_add_alg_aead_assoclen(b, assoclen));
    check_one_item(b, SOL_ALG, ALG_SET_AEAD_ASSOCLEN, &assoclen, 4);
    rmsg_cmsg_builder_free(b);
}

int main(void) {
    TEST_BEGIN();
    RUN(test_layout_and_names);
    RUN(test_bad_input);
    RUN(test_mark_per_call);
    RUN(test_priority_per_call);
    RUN(test_ipv6_dontfrag);
    RUN(test_timestamping_per_call);
    RUN(test_ts_opt_id);
    RUN(test_tls_record_type);
    RUN(test_alg);
    TEST_END();
}
