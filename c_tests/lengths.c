/*
 * Lengths no real buffer can have, and the documented bounds: every one is
 * refused with a status before anything is read, written or allocated (run
 * under ASan and valgrind by CI, which would see a stray access). The first
 * test holds the two crashes the hardening issue reported.
 */
#include <limits.h>

#include "helpers.h"
#include "testing.h"

#define HALF ((size_t)-1 / 2)

/* Sends one byte with one descriptor (a pipe end) to sv[1]. */
static void queue_fd(int sv[2], int fd) { send_with_fds(sv[0], "F", 1, &fd, 1); }

static void test_reported_crashes(void) {
    static const char text[] = "127.0.0.1:53";
    static uint8_t buf[64];
    rmsg_address *a = NULL;
    rmsg_control *c = NULL;
    CHECK_STATUS(rmsg_address_parse(text, HALF, &a), RMSG_ERR_TOO_LARGE);
    CHECK_STATUS(rmsg_address_parse(text, (size_t)-1, &a), RMSG_ERR_TOO_LARGE);
    CHECK(a == NULL);
    CHECK_STATUS(rmsg_control_parse(buf, HALF, RMSG_PARSE_OWN_FDS, &c), RMSG_ERR_TOO_LARGE);
    CHECK_STATUS(rmsg_control_parse(buf, HALF, 0, &c), RMSG_ERR_TOO_LARGE);
    CHECK(c == NULL);
}

static void test_address_text_bound(void) {
    char text[RMSG_MAX_ADDRESS_TEXT + 2];
    rmsg_address *a = NULL;
    /* The longest valid text: '@' and a 107-byte abstract name. */
    memset(text, 'x', sizeof text);
    text[0] = '@';
    CHECK_OK(rmsg_address_parse(text, 108, &a));
    rmsg_address_free(a);
    a = NULL;
    CHECK_STATUS(rmsg_address_parse(text, 109, &a), RMSG_ERR_INVALID_ADDRESS);
    CHECK_STATUS(rmsg_address_parse(text, RMSG_MAX_ADDRESS_TEXT, &a),
                 RMSG_ERR_INVALID_ADDRESS);
    CHECK_STATUS(rmsg_address_parse(text, RMSG_MAX_ADDRESS_TEXT + 1, &a), RMSG_ERR_TOO_LARGE);
    CHECK_STATUS(rmsg_address_parse(NULL, RMSG_MAX_ADDRESS_TEXT + 1, &a), RMSG_ERR_TOO_LARGE);
    CHECK(a == NULL);
}

/* A control buffer longer than socklen_t holds is refused before the
 * pointer is looked at, NULL or not. */
static void test_control_socklen_bound(void) {
#if SIZE_MAX > UINT32_MAX
    rmsg_control *c = NULL;
    const size_t over = (size_t)UINT32_MAX + 1;
    CHECK_STATUS(rmsg_control_parse(NULL, over, 0, &c), RMSG_ERR_TOO_LARGE);
    CHECK_STATUS(rmsg_control_parse(NULL, over, RMSG_PARSE_OWN_FDS, &c), RMSG_ERR_TOO_LARGE);
    CHECK(c == NULL);
#endif
}

/* Output arrays follow the same rule as inputs, whatever the message
 * holds: views_len, fds_len, a format buffer, a receive buffer. */
static void test_output_arrays(void) {
    int sv[2], p[2], fds[4];
    uint8_t data[8];
    char text[64];
    rmsg_item_view views[4];
    rmsg_message *m = NULL;
    rmsg_address *a = NULL;
    size_t count = 7, nbytes, nfds;
    unix_pair(SOCK_DGRAM, sv);
    make_pipe(p);
    queue_fd(sv, p[0]);
    /* Refused before the receive: the message stays queued. */
    CHECK_STATUS(rmsg_recv_fds(sv[1], data, HALF, fds, 4, 0, &nbytes, &nfds, NULL),
                 RMSG_ERR_TOO_LARGE);
    CHECK_STATUS(rmsg_recv_fds(sv[1], data, sizeof data, fds, HALF, 0, &nbytes, &nfds, NULL),
                 RMSG_ERR_TOO_LARGE);
    CHECK_OK(rmsg_recvmsg(sv[1], sizeof data, 64, 0, &m));
    CHECK(rmsg_message_fd_count(m) == 1);
    CHECK_STATUS(rmsg_message_items(m, views, (size_t)-1, &count), RMSG_ERR_TOO_LARGE);
    CHECK_STATUS(rmsg_message_items(m, views, HALF, &count), RMSG_ERR_TOO_LARGE);
    CHECK_STATUS(rmsg_message_items(m, NULL, 4, &count), RMSG_ERR_NULL_ARGUMENT);
    CHECK(count == 7);
    CHECK_OK(rmsg_message_items(m, views, 4, &count));
    CHECK(count == 1);
    CHECK_STATUS(rmsg_message_take_fds(m, fds, (size_t)-1, &count), RMSG_ERR_TOO_LARGE);
    CHECK_STATUS(rmsg_message_take_fds(m, fds, HALF, &count), RMSG_ERR_TOO_LARGE);
    CHECK_STATUS(rmsg_message_take_item_fds(m, 0, fds, HALF, &count), RMSG_ERR_TOO_LARGE);
    CHECK(rmsg_message_fd_count(m) == 1);
    rmsg_message_free(m);
    CHECK_OK(rmsg_address_parse("127.0.0.1:9", 11, &a));
    CHECK_STATUS(rmsg_address_format(a, text, HALF, &count), RMSG_ERR_TOO_LARGE);
    CHECK_STATUS(rmsg_address_format(a, text, (size_t)-1, &count), RMSG_ERR_TOO_LARGE);
    CHECK_OK(rmsg_address_format(a, text, sizeof text, &count));
    CHECK(count == 11 && strcmp(text, "127.0.0.1:9") == 0);
    rmsg_address_free(a);
    close_pair(p);
    close_pair(sv);
}

/* Every rmsg_iovec is a pointer and a length too. */
static void test_iovecs(void) {
    int sv[2];
    uint8_t data[8] = {0};
    rmsg_iovec bad[2], good = iov_of(data, sizeof data);
    rmsg_message *m = NULL;
    rmsg_send_item item;
    size_t n;
    memset(data, 'd', sizeof data);
    unix_pair(SOCK_DGRAM, sv);
    bad[0] = good;
    bad[1] = iov_of(data, HALF);
    CHECK_STATUS(rmsg_sendmsg(sv[0], bad, 2, NULL, NULL, 0, NULL, &n), RMSG_ERR_TOO_LARGE);
    memset(&item, 0, sizeof item);
    item.buffers = bad;
    item.buffer_count = 2;
    CHECK_STATUS(rmsg_sendmmsg(sv[0], &item, 1, 0, NULL, &n), RMSG_ERR_TOO_LARGE);
    CHECK_OK(rmsg_sendmsg(sv[0], &good, 1, NULL, NULL, 0, NULL, &n));
    /* Refused before the receive: the datagram stays queued. */
    CHECK_STATUS(rmsg_recvmsg_into(sv[1], bad, 2, 0, 0, NULL, &n, &m), RMSG_ERR_TOO_LARGE);
    bad[1] = iov_of(NULL, 4);
    CHECK_STATUS(rmsg_recvmsg_into(sv[1], bad, 2, 0, 0, NULL, &n, &m), RMSG_ERR_NULL_ARGUMENT);
    CHECK(m == NULL);
    CHECK_OK(rmsg_recvmsg_into(sv[1], &good, 1, 0, 0, NULL, &n, &m));
    CHECK(n == sizeof data);
    rmsg_message_free(m);
    close_pair(sv);
}

/* Sizes rmsg is asked to allocate: past the limit is too large, never an
 * allocation attempt. */
static void test_allocation_sizes(void) {
    const size_t past = (size_t)RMSG_MAX_BUFFER_SIZE + 1;
    const size_t sizes[] = {(size_t)-1, HALF, past};
    rmsg_receiver *r = NULL;
    rmsg_batch *b = NULL;
    rmsg_message *m = NULL;
    size_t i;
    int sv[2];
    unix_pair(SOCK_DGRAM, sv);
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        CHECK_STATUS(rmsg_recvmsg(sv[1], sizes[i], 0, 0, &m), RMSG_ERR_TOO_LARGE);
        CHECK_STATUS(rmsg_receiver_new(sizes[i], 0, NULL, &r), RMSG_ERR_TOO_LARGE);
        CHECK_STATUS(rmsg_batch_new(1, sizes[i], 0, NULL, &b), RMSG_ERR_TOO_LARGE);
        CHECK_STATUS(rmsg_recvmsg(sv[1], 1, sizes[i], 0, &m), RMSG_ERR_TOO_LARGE);
    }
    CHECK(m == NULL && r == NULL && b == NULL);
    close_pair(sv);
}

static void test_ifindex_above_int_max(void) {
    const uint32_t bad[] = {(uint32_t)INT_MAX + 1u, UINT32_MAX};
    rmsg_cmsg_builder *b = NULL;
    size_t i, len;
    const uint8_t *bytes;
    CHECK_OK(rmsg_cmsg_builder_new(&b));
    for (i = 0; i < 2; i++) {
        CHECK_STATUS(rmsg_cmsg_builder_add_ip_pktinfo(b, bad[i], NULL, 0),
                     RMSG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(rmsg_cmsg_builder_add_ipv6_pktinfo(b, bad[i], NULL, 0),
                     RMSG_ERR_INVALID_ARGUMENT);
    }
    CHECK_OK(rmsg_cmsg_builder_data(b, &bytes, &len));
    CHECK(len == 0);
    CHECK_OK(rmsg_cmsg_builder_add_ip_pktinfo(b, INT_MAX, NULL, 0));
    CHECK_OK(rmsg_cmsg_builder_add_ipv6_pktinfo(b, INT_MAX, NULL, 0));
    rmsg_cmsg_builder_free(b);
}

/* A parse that fails hands nothing over: with RMSG_PARSE_OWN_FDS the
 * descriptors stay the caller's (the failure here is an injected
 * allocation failure of the item list). */
static void test_failed_parse_closes_nothing(void) {
    union {
        uint8_t bytes[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } raw;
    struct cmsghdr *h = &raw.align;
    rmsg_control *c = NULL;
    int p[2];
    if (!have_testing_hook()) {
        printf("skip: the library has no test hook (release build)\n");
        return;
    }
    make_pipe(p);
    memset(&raw, 0, sizeof raw);
    h->cmsg_len = CMSG_LEN(sizeof(int));
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    memcpy(CMSG_DATA(h), &p[0], sizeof(int));
    rmsg_testing_fail_after_syscall(1);
    CHECK_STATUS(rmsg_control_parse(raw.bytes, sizeof raw.bytes, RMSG_PARSE_OWN_FDS, &c),
                 RMSG_ERR_OUT_OF_MEMORY);
    CHECK(c == NULL);
    CHECK(fd_is_open(p[0]));
    CHECK_OK(rmsg_control_parse(raw.bytes, sizeof raw.bytes, RMSG_PARSE_OWN_FDS, &c));
    rmsg_control_free(c);
    CHECK(!fd_is_open(p[0]));
    close(p[1]);
}

int main(void) {
    TEST_BEGIN();
    RUN(test_reported_crashes);
    RUN(test_address_text_bound);
    RUN(test_control_socklen_bound);
    RUN(test_output_arrays);
    RUN(test_iovecs);
    RUN(test_allocation_sizes);
    RUN(test_ifindex_above_int_max);
    RUN(test_failed_parse_closes_nothing);
    TEST_END();
}
