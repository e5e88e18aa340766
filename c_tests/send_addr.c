/*
 * Destination addresses: parsing good and bad text, building from parts,
 * formatting (round trips), and sending to what was built.
 */
#include <sys/un.h>

#include "send_helpers.h"

static rmsg_address *parse_ok(const char *text) {
    rmsg_address *a = NULL;
    CHECK_OK(rmsg_address_parse(text, strlen(text), &a));
    CHECK(a != NULL);
    return a;
}

/* The two addresses have the same raw bytes. */
static void check_same_raw(const rmsg_address *a, const rmsg_address *b) {
    const uint8_t *ra, *rb;
    size_t la, lb;
    CHECK_OK(rmsg_address_raw(a, &ra, &la));
    CHECK_OK(rmsg_address_raw(b, &rb, &lb));
    CHECK_BYTES(ra, la, rb, lb);
}

/* Formats into a fresh buffer of exactly the needed size. */
static char *format(const rmsg_address *a, size_t *len_out) {
    size_t len = 0;
    char *buf;
    CHECK_STATUS(rmsg_address_format(a, NULL, 0, &len), RMSG_ERR_BUFFER_TOO_SMALL);
    buf = malloc(len + 1);
    CHECK(buf != NULL);
    CHECK_OK(rmsg_address_format(a, buf, len + 1, len_out));
    CHECK(*len_out == len);
    CHECK(buf[len] == '\0');
    return buf;
}

static void test_good_text_round_trips(void) {
    const char *good[] = {
        "127.0.0.1:53",      "0.0.0.0:0",     "255.255.255.255:65535",
        "[::1]:53",          "[fe80::1%1]:8080", "[::ffff:10.0.0.1]:7",
        "[2001:db8::42]:443", "/tmp/rmsg.sock", "./relative.sock",
        "@abstract-name",    "@",
    };
    size_t i, len;
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        rmsg_address *a = parse_ok(good[i]), *b;
        char *text = format(a, &len);
        if (strcmp(text, good[i]) != 0) {
            fprintf(stderr, "%s formatted as %s\n", good[i], text);
            exit(1);
        }
        b = parse_ok(text);
        check_same_raw(a, b);
        free(text);
        rmsg_address_free(a);
        rmsg_address_free(b);
    }
}

static void test_decoded_parts(void) {
    rmsg_address *a;
    rmsg_inet_address in4;
    rmsg_inet6_address in6;
    const uint8_t *name;
    size_t len;
    unsigned lo = if_nametoindex("lo");

    a = parse_ok("10.1.2.3:8053");
    CHECK(rmsg_address_kind(a) == RMSG_ADDRESS_INET);
    CHECK(rmsg_address_family(a) == AF_INET);
    CHECK_OK(rmsg_address_inet(a, &in4));
    CHECK(in4.addr[0] == 10 && in4.addr[1] == 1 && in4.addr[2] == 2 && in4.addr[3] == 3);
    CHECK(in4.port == 8053);
    rmsg_address_free(a);

    /* The scope as an interface name or number. */
    CHECK(lo > 0);
    a = parse_ok("[fe80::1%lo]:53");
    CHECK_OK(rmsg_address_inet6(a, &in6));
    CHECK(in6.scope_id == lo && in6.port == 53 && in6.addr[0] == 0xfe && in6.addr[15] == 1);
    rmsg_address_free(a);
    a = parse_ok("[fe80::1%7]:53");
    CHECK_OK(rmsg_address_inet6(a, &in6));
    CHECK(in6.scope_id == 7);
    rmsg_address_free(a);

    a = parse_ok("/run/x.sock");
    CHECK(rmsg_address_kind(a) == RMSG_ADDRESS_UNIX_PATH);
    CHECK_OK(rmsg_address_unix(a, &name, &len));
    CHECK_BYTES(name, len, "/run/x.sock", 11);
    rmsg_address_free(a);

    a = parse_ok("@abc");
    CHECK(rmsg_address_kind(a) == RMSG_ADDRESS_UNIX_ABSTRACT);
    CHECK_OK(rmsg_address_unix(a, &name, &len));
    CHECK_BYTES(name, len, "\0abc", 4);
    rmsg_address_free(a);
}

static void test_bad_text(void) {
    const char *bad[] = {
        "", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
        "127.0.0.1:5x", "1.2.3:4", "1.2.3.4.5:6", "256.0.0.1:1", "localhost:53",
        "::1:53", "[::1]", "[::1]53", "[::1:53", "[1.2.3.4]:5", "[fe80::1%]:5",
        "[fe80::1%no-such-if]:5", "[gggg::1]:5", "relative/path", "../up",
        " 127.0.0.1:53",
    };
    char long_path[200];
    size_t i;
    rmsg_address *a = (rmsg_address *)&a; /* a sentinel that must not change */
    rmsg_address *sentinel = a;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint32_t st = rmsg_address_parse(bad[i], strlen(bad[i]), &a);
        if (st != RMSG_ERR_INVALID_ADDRESS) {
            fprintf(stderr, "\"%s\" gave %s\n", bad[i], rmsg_status_name(st));
            exit(1);
        }
        CHECK(a == sentinel);
    }
    /* sun_path holds 107 bytes and the terminator. */
    long_path[0] = '/';
    memset(long_path + 1, 'p', sizeof long_path - 1);
    CHECK_STATUS(rmsg_address_parse(long_path, 108, &a), RMSG_ERR_INVALID_ADDRESS);
    CHECK_OK(rmsg_address_parse(long_path, 107, &a));
    rmsg_address_free(a);
    CHECK_STATUS(rmsg_address_parse("@x", 2, NULL), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_address_parse(NULL, 3, &a), RMSG_ERR_NULL_ARGUMENT);
    CHECK(strcmp(rmsg_status_name(RMSG_ERR_INVALID_ADDRESS), "RMSG_ERR_INVALID_ADDRESS") == 0);
}

static void test_from_parts(void) {
    rmsg_inet_address in4 = {{192, 0, 2, 1}, 9};
    rmsg_inet6_address in6;
    rmsg_address *a = NULL;
    char buf[64];
    size_t len;
    memset(&in6, 0, sizeof in6);
    in6.addr[15] = 1;
    in6.port = 80;
    in6.scope_id = 3;

    CHECK_OK(rmsg_address_from_inet(&in4, &a));
    CHECK_OK(rmsg_address_format(a, buf, sizeof buf, &len));
    CHECK(strcmp(buf, "192.0.2.1:9") == 0 && len == 11);
    rmsg_address_free(a);

    CHECK_OK(rmsg_address_from_inet6(&in6, &a));
    CHECK_OK(rmsg_address_format(a, buf, sizeof buf, &len));
    CHECK(strcmp(buf, "[::1%3]:80") == 0);
    rmsg_address_free(a);

    CHECK_OK(rmsg_address_from_unix_path((const uint8_t *)"rel", 3, &a));
    CHECK(rmsg_address_kind(a) == RMSG_ADDRESS_UNIX_PATH);
    CHECK_OK(rmsg_address_format(a, buf, sizeof buf, &len));
    CHECK(strcmp(buf, "./rel") == 0);
    rmsg_address_free(a);
    CHECK_STATUS(rmsg_address_from_unix_path((const uint8_t *)"a\0b", 3, &a), RMSG_ERR_INVALID_ADDRESS);
    CHECK_STATUS(rmsg_address_from_unix_path((const uint8_t *)"", 0, &a), RMSG_ERR_INVALID_ADDRESS);

    /* Abstract names are bytes: NULs inside survive, and the format keeps
     * them (len_out tells the real length). */
    CHECK_OK(rmsg_address_from_unix_abstract((const uint8_t *)"a\0b", 3, &a));
    CHECK(rmsg_address_kind(a) == RMSG_ADDRESS_UNIX_ABSTRACT);
    CHECK_OK(rmsg_address_format(a, buf, sizeof buf, &len));
    CHECK(len == 4 && memcmp(buf, "@a\0b", 5) == 0);
    {
        rmsg_address *b = NULL;
        CHECK_OK(rmsg_address_parse(buf, len, &b));
        check_same_raw(a, b);
        rmsg_address_free(b);
    }
    rmsg_address_free(a);

    CHECK_STATUS(rmsg_address_from_inet(NULL, &a), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_address_from_inet(&in4, NULL), RMSG_ERR_NULL_ARGUMENT);
    rmsg_address_free(NULL);
}

static void test_format_buffer_too_small(void) {
    rmsg_address *a = parse_ok("127.0.0.1:53");
    char buf[16];
    size_t len = 0;
    memset(buf, 'X', sizeof buf);
    /* 12 characters need 13 bytes. */
    CHECK_STATUS(rmsg_address_format(a, buf, 12, &len), RMSG_ERR_BUFFER_TOO_SMALL);
    CHECK(len == 12);
    CHECK(buf[0] == 'X');
    CHECK_OK(rmsg_address_format(a, buf, 13, &len));
    CHECK(len == 12 && strcmp(buf, "127.0.0.1:53") == 0);
    CHECK_STATUS(rmsg_address_format(a, buf, 13, NULL), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_address_format(NULL, buf, 13, &len), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_address_format(a, NULL, 13, &len), RMSG_ERR_NULL_ARGUMENT);
    rmsg_address_free(a);
}

/* A received address formats as text, and its copy is owned. */
static void test_format_received_and_copy(void) {
    rmsg_address *to = NULL, *copy = NULL;
    uint16_t sport;
    int r = udp_loopback_address(AF_INET, &to);
    int s = udp_loopback(AF_INET, NULL, &sport);
    rmsg_message *m;
    char want[32], got[32];
    size_t len;
    snprintf(want, sizeof want, "127.0.0.1:%u", (unsigned)sport);
    send_one(s, "hi", 2, NULL, to);
    m = recv_one(r, 16, 0);
    CHECK_OK(rmsg_address_format(rmsg_message_address(m), got, sizeof got, &len));
    CHECK(strcmp(got, want) == 0);
    CHECK_OK(rmsg_address_copy(rmsg_message_address(m), &copy));
    rmsg_message_free(m);
    CHECK_OK(rmsg_address_format(copy, got, sizeof got, &len));
    CHECK(strcmp(got, want) == 0);
    rmsg_address_free(copy);
    rmsg_address_free(to);
    close(s);
    close(r);
}

/* Datagrams reach AF_UNIX path and abstract addresses built from text, and
 * IPv6 ones from "[::1]:port". */
static void test_send_to_parsed_addresses(void) {
    char text[128];
    struct sockaddr_un sun;
    rmsg_address *a;
    rmsg_message *m;
    int r, s;
    socklen_t len;
    size_t n;

    /* Filesystem path. */
    snprintf(text, sizeof text, "/tmp/rmsg-send-%ld.sock", (long)getpid());
    unlink(text);
    r = socket(AF_UNIX, SOCK_DGRAM, 0);
    s = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(r >= 0 && s >= 0);
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    strcpy(sun.sun_path, text);
    CHECK(bind(r, (struct sockaddr *)&sun, sizeof sun) == 0);
    a = parse_ok(text);
    send_one(s, "path", 4, NULL, a);
    m = recv_one(r, 16, 0);
    CHECK(rmsg_message_data_len(m) == 4);
    rmsg_message_free(m);
    rmsg_address_free(a);
    close(r);
    unlink(text);

    /* Abstract name. */
    snprintf(text, sizeof text, "@rmsg-send-%ld", (long)getpid());
    r = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(r >= 0);
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    memcpy(sun.sun_path + 1, text + 1, strlen(text) - 1);
    len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(text));
    CHECK(bind(r, (struct sockaddr *)&sun, len) == 0);
    a = parse_ok(text);
    send_one(s, "abs", 3, NULL, a);
    m = recv_one(r, 16, 0);
    CHECK(rmsg_message_data_len(m) == 3);
    rmsg_message_free(m);
    rmsg_address_free(a);
    close(r);
    close(s);

    /* IPv6 loopback from text. */
    {
        uint16_t port;
        rmsg_iovec iov;
        r = udp_loopback(AF_INET6, NULL, &port);
        snprintf(text, sizeof text, "[::1]:%u", (unsigned)port);
        s = socket(AF_INET6, SOCK_DGRAM, 0);
        CHECK(s >= 0);
        a = parse_ok(text);
        iov = iov_of("v6", 2);
        CHECK_OK(rmsg_sendmsg(s, &iov, 1, NULL, a, 0, NULL, &n));
        CHECK(n == 2);
        m = recv_one(r, 16, 0);
        CHECK(rmsg_message_data_len(m) == 2);
        rmsg_message_free(m);
        rmsg_address_free(a);
        close(s);
        close(r);
    }
}

int main(void) {
    TEST_BEGIN();
    RUN(test_good_text_round_trips);
    RUN(test_decoded_parts);
    RUN(test_bad_text);
    RUN(test_from_parts);
    RUN(test_format_buffer_too_small);
    RUN(test_format_received_and_copy);
    RUN(test_send_to_parsed_addresses);
    TEST_END();
}
