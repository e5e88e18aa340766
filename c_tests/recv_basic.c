/*
 * The seed's statements about the 4-tuple: data, ancillary items, flags,
 * address; ancbufsize 0 asks for no ancillary data; CMSG_LEN/CMSG_SPACE.
 */
#include "helpers.h"

#include <arpa/inet.h>
#include <netinet/in.h>

static void test_four_tuple_on_dgram_pair(void) {
    int sv[2];
    rmsg_message *m = NULL;
    unix_pair(SOCK_DGRAM, sv);
    CHECK(send(sv[0], "hello", 5, 0) == 5);
    CHECK_OK(rmsg_recvmsg(sv[1], 64, 0, 0, &m));
    CHECK(m != NULL);
    CHECK_DATA(m, "hello", 5);
    CHECK(rmsg_message_nbytes(m) == 5);
    CHECK(rmsg_message_item_count(m) == 0);
    CHECK(rmsg_message_item(m, 0) == NULL);
    CHECK(rmsg_message_flags(m) == 0);
    /* A socketpair peer has no name: Linux returns msg_namelen 0, so there
     * is no address (Python gives None). */
    CHECK(rmsg_message_address(m) == NULL);
    rmsg_message_free(m);
    close_pair(sv);
}

static void test_stream_has_no_address(void) {
    int sv[2];
    rmsg_message *m = NULL;
    unix_pair(SOCK_STREAM, sv);
    CHECK(send(sv[0], "abc", 3, 0) == 3);
    CHECK_OK(rmsg_recvmsg(sv[1], 64, 0, 0, &m));
    CHECK(rmsg_message_data_len(m) == 3);
    CHECK(rmsg_message_address(m) == NULL);
    rmsg_message_free(m);
    close_pair(sv);
}

static void test_datagram_longer_than_bufsize_sets_msg_trunc(void) {
    int sv[2];
    rmsg_message *m = NULL;
    unix_pair(SOCK_DGRAM, sv);
    CHECK(send(sv[0], "0123456789", 10, 0) == 10);
    CHECK_OK(rmsg_recvmsg(sv[1], 4, 0, 0, &m));
    CHECK_DATA(m, "0123", 4);
    CHECK((rmsg_message_flags(m) & MSG_TRUNC) != 0);
    rmsg_message_free(m);
    /* With MSG_TRUNC in the flags argument the kernel reports the full length. */
    CHECK(send(sv[0], "0123456789", 10, 0) == 10);
    CHECK_OK(rmsg_recvmsg(sv[1], 4, 0, MSG_TRUNC, &m));
    CHECK(rmsg_message_data_len(m) == 4);
    CHECK(rmsg_message_nbytes(m) == 10);
    rmsg_message_free(m);
    close_pair(sv);
}

static void test_zero_bufsize(void) {
    int sv[2];
    rmsg_message *m = NULL;
    unix_pair(SOCK_DGRAM, sv);
    CHECK(send(sv[0], "xy", 2, 0) == 2);
    CHECK_OK(rmsg_recvmsg(sv[1], 0, 0, 0, &m));
    CHECK(rmsg_message_data_len(m) == 0);
    CHECK((rmsg_message_flags(m) & MSG_TRUNC) != 0);
    rmsg_message_free(m);
    close_pair(sv);
}

/* ancbufsize 0: no ancillary data is received, and the fds the sender
 * passed are not installed (the kernel reports MSG_CTRUNC). */
static void test_ancbufsize_zero_means_no_items(void) {
    int sv[2], p[2];
    rmsg_message *m = NULL;
    int before;
    unix_pair(SOCK_DGRAM, sv);
    make_pipe(p);
    send_with_fds(sv[0], "x", 1, p, 2);
    close_pair(p);
    before = open_fd_count();
    CHECK_OK(rmsg_recvmsg(sv[1], 16, 0, 0, &m));
    CHECK(rmsg_message_item_count(m) == 0);
    CHECK(rmsg_message_fd_count(m) == 0);
    CHECK((rmsg_message_flags(m) & MSG_CTRUNC) != 0);
    CHECK(open_fd_count() == before);
    rmsg_message_free(m);
    close_pair(sv);
}

static void test_cmsg_len_and_space_match_the_macros(void) {
    size_t n, v;
    for (n = 0; n < 300; n++) {
        CHECK_OK(rmsg_cmsg_len(n, &v));
        CHECK(v == CMSG_LEN(n));
        CHECK_OK(rmsg_cmsg_space(n, &v));
        CHECK(v == CMSG_SPACE(n));
    }
    /* Results that would not fit in socklen_t are errors, not wrapped. */
    v = 12345;
    CHECK_STATUS(rmsg_cmsg_len((size_t)-1, &v), RMSG_ERR_TOO_LARGE);
    CHECK_STATUS(rmsg_cmsg_space((size_t)-1, &v), RMSG_ERR_TOO_LARGE);
    CHECK_STATUS(rmsg_cmsg_len((size_t)UINT32_MAX, &v), RMSG_ERR_TOO_LARGE);
    CHECK_STATUS(rmsg_cmsg_space((size_t)UINT32_MAX - 8, &v), RMSG_ERR_TOO_LARGE);
    CHECK(v == 12345);
    CHECK_OK(rmsg_cmsg_len((size_t)UINT32_MAX - CMSG_LEN(0), &v));
    CHECK(v == (size_t)UINT32_MAX);
    CHECK_STATUS(rmsg_cmsg_len(4, NULL), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_cmsg_space(4, NULL), RMSG_ERR_NULL_ARGUMENT);
}

/* The one-call forms give what the getters give. */
static void test_summary_and_item_views(void) {
    int sv[2], p[2];
    rmsg_message *m = NULL;
    rmsg_message_info info;
    rmsg_item_view views[4];
    size_t count = 0, i;
    passcred_pair(sv);
    make_pipe(p);
    send_with_fds(sv[0], "abc", 3, p, 2);
    CHECK_OK(rmsg_recvmsg(sv[1], 16, 256, 0, &m));
    CHECK_OK(rmsg_message_summarize(m, &info));
    CHECK(info.data == rmsg_message_data(m) && info.data_len == 3 && info.nbytes == 3);
    CHECK(info.flags == rmsg_message_flags(m) && !info.malformed);
    CHECK(info.item_count == 2 && info.item_count == rmsg_message_item_count(m));
    CHECK(info.fd_count == 2);
    /* An unbound socketpair peer: no address, as rmsg_message_address says. */
    CHECK(info.address == NULL && info.address_len == 0 && rmsg_message_address(m) == NULL);
    /* Too little room: only the count needed is written. */
    CHECK_STATUS(rmsg_message_items(m, views, 1, &count), RMSG_ERR_BUFFER_TOO_SMALL);
    CHECK(count == 2);
    CHECK_OK(rmsg_message_items(m, views, 4, &count));
    CHECK(count == 2);
    for (i = 0; i < count; i++) {
        const rmsg_item *item = rmsg_message_item(m, i);
        CHECK(views[i].cmsg_level == rmsg_item_level(item) && views[i].cmsg_type == rmsg_item_type(item));
        CHECK(views[i].data == rmsg_item_data(item) && views[i].data_len == rmsg_item_data_len(item));
        CHECK(views[i].truncated == rmsg_item_truncated(item));
        CHECK(views[i].fd_count == rmsg_item_fd_count(item));
    }
    CHECK(views[0].cmsg_type == SCM_CREDENTIALS && views[1].cmsg_type == SCM_RIGHTS && views[1].fd_count == 2);
    CHECK_STATUS(rmsg_message_summarize(NULL, &info), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_message_summarize(m, NULL), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_message_items(m, NULL, 4, &count), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_message_items(m, views, 4, NULL), RMSG_ERR_NULL_ARGUMENT);
    rmsg_message_free(m);
    close_pair(p);
    close_pair(sv);
}

/* RMSG_RECV_NO_ADDRESS: the kernel is not asked for the source address. */
static void test_no_address_option(void) {
    struct sockaddr_storage a;
    int rx = udp_loopback(AF_INET, &a, NULL), tx = socket(AF_INET, SOCK_DGRAM, 0);
    rmsg_recv_options opts;
    rmsg_message *m = NULL;
    CHECK(tx >= 0);
    send_to(tx, &a, "one", 3);
    send_to(tx, &a, "two", 3);
    opts = recv_options(RMSG_WAIT_BLOCK, RMSG_RECV_NO_ADDRESS, 0);
    CHECK_OK(rmsg_recvmsg_with(rx, 16, 0, 0, &opts, &m));
    CHECK_DATA(m, "one", 3);
    CHECK(rmsg_message_address(m) == NULL);
    rmsg_message_free(m);
    /* The default asks for it (and a reused message does not keep "none"). */
    CHECK_OK(rmsg_recvmsg(rx, 16, 0, 0, &m));
    CHECK(rmsg_message_address(m) != NULL);
    CHECK(rmsg_address_family(rmsg_message_address(m)) == AF_INET);
    rmsg_message_free(m);
    close(rx);
    close(tx);
}

static void test_status_names(void) {
    CHECK(strcmp(rmsg_status_name(RMSG_OK), "RMSG_OK") == 0);
    CHECK(strcmp(rmsg_status_name(RMSG_ERR_TIMED_OUT), "RMSG_ERR_TIMED_OUT") == 0);
    CHECK(strcmp(rmsg_status_name(123456), "RMSG_UNKNOWN_STATUS") == 0);
    CHECK(strcmp(rmsg_status_describe(RMSG_ERR_WOULD_BLOCK), "operation would block") == 0);
    CHECK(strcmp(rmsg_status_describe(123456), "unknown status") == 0);
}

int main(void) {
    TEST_BEGIN();
    RUN(test_four_tuple_on_dgram_pair);
    RUN(test_stream_has_no_address);
    RUN(test_datagram_longer_than_bufsize_sets_msg_trunc);
    RUN(test_zero_bufsize);
    RUN(test_ancbufsize_zero_means_no_items);
    RUN(test_cmsg_len_and_space_match_the_macros);
    RUN(test_summary_and_item_views);
    RUN(test_no_address_option);
    RUN(test_status_names);
    TEST_END();
}
