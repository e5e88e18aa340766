/*
 * Passing file descriptors: SCM_RIGHTS over AF_UNIX stream and datagram
 * sockets, taking them (all, or one item's), the message owning and closing
 * what is not taken, close-on-exec, MSG_PEEK installing a second set, and
 * passing between two processes.
 */
#include "helpers.h"

static size_t space_for_fds(size_t n) {
    size_t v;
    CHECK_OK(rmsg_cmsg_space(n * sizeof(int), &v));
    return v;
}

/* Writes `s` into `w` and checks that it comes out of `r`. */
static void check_pipe_carries(int w, int r, const char *s) {
    char buf[64];
    size_t len = strlen(s);
    CHECK(len < sizeof buf);
    CHECK(write(w, s, len) == (ssize_t)len);
    CHECK(read(r, buf, sizeof buf) == (ssize_t)len);
    CHECK(memcmp(buf, s, len) == 0);
}

/* One message with two SCM_RIGHTS control messages, built by hand: the
 * first carries `a` (na descriptors), the second `b` (nb). */
static void send_two_rights_items(int sock, const int *a, size_t na,
                                  const int *b, size_t nb) {
    union {
        char buf[CMSG_SPACE(sizeof(int) * 8) * 2];
        struct cmsghdr align;
    } u;
    struct iovec iov;
    struct msghdr m;
    struct cmsghdr *c;
    CHECK(na <= 8 && nb <= 8);
    memset(&m, 0, sizeof m);
    memset(&u, 0, sizeof u);
    iov.iov_base = (void *)"2";
    iov.iov_len = 1;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = u.buf;
    m.msg_controllen = CMSG_SPACE(sizeof(int) * na) + CMSG_SPACE(sizeof(int) * nb);
    c = CMSG_FIRSTHDR(&m);
    CHECK(c != NULL);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * na);
    memcpy(CMSG_DATA(c), a, sizeof(int) * na);
    c = CMSG_NXTHDR(&m, c);
    CHECK(c != NULL);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * nb);
    memcpy(CMSG_DATA(c), b, sizeof(int) * nb);
    CHECK(sendmsg(sock, &m, 0) == 1);
}

/* Sends both ends of a pipe over a socket pair of `type`, receives them with
 * rmsg, and checks items, counts, taking and identity. */
static void pass_pipe_over(int type) {
    int sv[2], p[2], got[4] = {-7, -7, -7, -7};
    size_t count = 99;
    rmsg_message *m = NULL;
    const rmsg_item *it;
    int before;
    unix_pair(type, sv);
    make_pipe(p);
    send_with_fds(sv[0], "fd", 2, p, 2);
    before = open_fd_count();
    CHECK_OK(rmsg_recvmsg(sv[1], 16, space_for_fds(2), 0, &m));
    CHECK(open_fd_count() == before + 2);
    CHECK_DATA(m, "fd", 2);
    CHECK((rmsg_message_flags(m) & MSG_CTRUNC) == 0);
    CHECK(rmsg_message_item_count(m) == 1);
    it = rmsg_message_item(m, 0);
    CHECK(it != NULL);
    CHECK(rmsg_item_level(it) == SOL_SOCKET);
    CHECK(rmsg_item_type(it) == SCM_RIGHTS);
    CHECK(rmsg_item_data_len(it) == 2 * sizeof(int));
    CHECK(!rmsg_item_truncated(it));
    CHECK(rmsg_item_fd_count(it) == 2);
    CHECK(rmsg_message_fd_count(m) == 2);
    /* New descriptors, not the sender's numbers, referring to the same pipe. */
    CHECK(rmsg_item_fd(it, 0) >= 0 && rmsg_item_fd(it, 1) >= 0);
    CHECK(rmsg_item_fd(it, 0) != p[0] && rmsg_item_fd(it, 1) != p[1]);
    CHECK(rmsg_item_fd(it, 2) == -1);
    CHECK(rmsg_item_fd(it, (size_t)-1) == -1);
    CHECK(same_file(rmsg_item_fd(it, 0), p[0]));
    CHECK(same_file(rmsg_item_fd(it, 1), p[1]));
    CHECK_OK(rmsg_message_take_fds(m, got, 4, &count));
    CHECK(count == 2);
    CHECK(got[0] == rmsg_item_fd(it, 0) && got[1] == rmsg_item_fd(it, 1));
    CHECK(got[2] == -7 && got[3] == -7);
    CHECK(rmsg_message_fd_count(m) == 0);
    rmsg_message_free(m);
    /* Taken descriptors survive the message. */
    CHECK(fd_is_open(got[0]) && fd_is_open(got[1]));
    CHECK(open_fd_count() == before + 2);
    /* The received write end feeds the original read end and vice versa. */
    check_pipe_carries(got[1], p[0], "received write end");
    check_pipe_carries(p[1], got[0], "received read end");
    close_pair(got);
    close_pair(p);
    close_pair(sv);
}

static void test_pass_fds_over_stream(void) { pass_pipe_over(SOCK_STREAM); }

static void test_pass_fds_over_dgram(void) { pass_pipe_over(SOCK_DGRAM); }

static void test_pass_fds_over_seqpacket(void) { pass_pipe_over(SOCK_SEQPACKET); }

/* A socket passed over a socket is the same socket: data sent into the
 * received copy arrives at the original's peer. */
static void test_passed_socket_is_the_same_socket(void) {
    int sv[2], inner[2], got = -1;
    size_t count = 0;
    char buf[8];
    rmsg_message *m = NULL;
    unix_pair(SOCK_STREAM, sv);
    unix_pair(SOCK_DGRAM, inner);
    send_with_fds(sv[0], "s", 1, &inner[0], 1);
    CHECK_OK(rmsg_recvmsg(sv[1], 4, space_for_fds(1), 0, &m));
    CHECK_OK(rmsg_message_take_fds(m, &got, 1, &count));
    CHECK(count == 1);
    rmsg_message_free(m);
    CHECK(send(got, "ping", 4, 0) == 4);
    CHECK(recv(inner[1], buf, sizeof buf, 0) == 4);
    CHECK(memcmp(buf, "ping", 4) == 0);
    close(got);
    close_pair(inner);
    close_pair(sv);
}

/* Two SCM_RIGHTS control messages in one sendmsg. Linux merges them into
 * one descriptor list (scm_fp_copy appends) and the receiver gets one
 * SCM_RIGHTS item holding the descriptors of both, in the order sent. */
static void test_two_rights_items_in_one_message(void) {
    int sv[2], p[2], q[2], got[3] = {-1, -1, -1};
    int a[1], b[2];
    size_t i, count = 0, total = 0, nitems;
    rmsg_message *m = NULL;
    int before;
    unix_pair(SOCK_DGRAM, sv);
    make_pipe(p);
    make_pipe(q);
    a[0] = p[0];
    b[0] = q[1];
    b[1] = p[1];
    send_two_rights_items(sv[0], a, 1, b, 2);
    before = open_fd_count();
    CHECK_OK(rmsg_recvmsg(sv[1], 4, 2 * space_for_fds(3), 0, &m));
    CHECK((rmsg_message_flags(m) & MSG_CTRUNC) == 0);
    CHECK(open_fd_count() == before + 3);
    nitems = rmsg_message_item_count(m);
    /* Linux delivers the merged list as one item. */
    CHECK(nitems == 1);
    for (i = 0; i < nitems; i++) {
        const rmsg_item *it = rmsg_message_item(m, i);
        CHECK(rmsg_item_level(it) == SOL_SOCKET);
        CHECK(rmsg_item_type(it) == SCM_RIGHTS);
        total += rmsg_item_fd_count(it);
    }
    CHECK(total == 3);
    CHECK(rmsg_message_fd_count(m) == 3);
    CHECK_OK(rmsg_message_take_fds(m, got, 3, &count));
    CHECK(count == 3);
    CHECK(same_file(got[0], p[0]));
    CHECK(same_file(got[1], q[1]));
    CHECK(same_file(got[2], p[1]));
    rmsg_message_free(m);
    CHECK(open_fd_count() == before + 3);
    for (i = 0; i < 3; i++) close(got[i]);
    close_pair(p);
    close_pair(q);
    close_pair(sv);
}

/* Credentials and descriptors in one message give two items (credentials
 * first, as Linux writes them); take_item_fds takes one item's
 * descriptors and refuses the other item. */
static void test_take_item_fds_by_index(void) {
    int sv[2], p[2], got[2] = {-7, -7};
    size_t count = 99, ncred;
    rmsg_message *m = NULL;
    const rmsg_item *cred, *rights;
    int before;
    passcred_pair(sv);
    make_pipe(p);
    send_with_fds(sv[0], "c", 1, p, 2);
    CHECK_OK(rmsg_cmsg_space(sizeof(struct ucred), &ncred));
    before = open_fd_count();
    CHECK_OK(rmsg_recvmsg(sv[1], 4, ncred + space_for_fds(2), 0, &m));
    CHECK(open_fd_count() == before + 2);
    CHECK(rmsg_message_item_count(m) == 2);
    cred = rmsg_message_item(m, 0);
    rights = rmsg_message_item(m, 1);
    CHECK(rmsg_item_type(cred) == SCM_CREDENTIALS);
    CHECK(rmsg_item_type(rights) == SCM_RIGHTS);
    /* Only fd-carrying items report descriptors. */
    CHECK(rmsg_item_fd_count(cred) == 0);
    CHECK(rmsg_item_fd(cred, 0) == -1);
    CHECK(rmsg_item_fd_count(rights) == 2);
    CHECK_STATUS(rmsg_message_take_item_fds(m, 0, got, 2, &count), RMSG_ERR_WRONG_KIND);
    CHECK_STATUS(rmsg_message_take_item_fds(m, 2, got, 2, &count),
                 RMSG_ERR_INVALID_ARGUMENT);
    CHECK(count == 99 && got[0] == -7);
    CHECK_OK(rmsg_message_take_item_fds(m, 1, got, 2, &count));
    CHECK(count == 2);
    CHECK(got[0] == rmsg_item_fd(rights, 0) && got[1] == rmsg_item_fd(rights, 1));
    CHECK(same_file(got[0], p[0]) && same_file(got[1], p[1]));
    CHECK(rmsg_message_fd_count(m) == 0);
    /* Taking again gives nothing more. */
    count = 99;
    CHECK_OK(rmsg_message_take_item_fds(m, 1, got, 2, &count));
    CHECK(count == 0);
    count = 99;
    CHECK_OK(rmsg_message_take_fds(m, NULL, 0, &count));
    CHECK(count == 0);
    rmsg_message_free(m);
    CHECK(open_fd_count() == before + 2);
    close_pair(got);
    close_pair(p);
    close_pair(sv);
}

/* A buffer too small takes nothing: the outputs keep their values and the
 * message still owns (and on free closes) every descriptor. */
static void test_buffer_too_small_takes_nothing(void) {
    int sv[2], p[2], q[2], sent[3], got[3] = {-7, -7, -7}, seen[3];
    size_t i, count = 99;
    rmsg_message *m = NULL;
    const rmsg_item *it;
    int before;
    unix_pair(SOCK_STREAM, sv);
    make_pipe(p);
    make_pipe(q);
    sent[0] = p[0];
    sent[1] = p[1];
    sent[2] = q[0];
    send_with_fds(sv[0], "3", 1, sent, 3);
    before = open_fd_count();
    CHECK_OK(rmsg_recvmsg(sv[1], 4, space_for_fds(3), 0, &m));
    it = rmsg_message_item(m, 0);
    for (i = 0; i < 3; i++) seen[i] = rmsg_item_fd(it, i);
    CHECK_STATUS(rmsg_message_take_fds(m, got, 2, &count), RMSG_ERR_BUFFER_TOO_SMALL);
    CHECK_STATUS(rmsg_message_take_fds(m, NULL, 0, &count), RMSG_ERR_BUFFER_TOO_SMALL);
    CHECK_STATUS(rmsg_message_take_item_fds(m, 0, got, 1, &count),
                 RMSG_ERR_BUFFER_TOO_SMALL);
    CHECK(rmsg_last_errno() == ENOBUFS);
    CHECK(count == 99);
    CHECK(got[0] == -7 && got[1] == -7 && got[2] == -7);
    CHECK(rmsg_message_fd_count(m) == 3);
    CHECK(open_fd_count() == before + 3);
    rmsg_message_free(m);
    CHECK(open_fd_count() == before);
    for (i = 0; i < 3; i++) CHECK(!fd_is_open(seen[i]));
    close_pair(p);
    close_pair(q);
    close_pair(sv);
}

/* Freeing a message closes every descriptor it still owns. */
static void test_free_without_taking_closes_everything(void) {
    int sv[2], p[2], q[2], sent[4], seen[4];
    size_t i;
    rmsg_message *m = NULL;
    const rmsg_item *it;
    int before;
    unix_pair(SOCK_DGRAM, sv);
    make_pipe(p);
    make_pipe(q);
    sent[0] = p[0];
    sent[1] = p[1];
    sent[2] = q[0];
    sent[3] = q[1];
    send_with_fds(sv[0], "f", 1, sent, 4);
    before = open_fd_count();
    CHECK_OK(rmsg_recvmsg(sv[1], 4, space_for_fds(4), 0, &m));
    CHECK(open_fd_count() == before + 4);
    it = rmsg_message_item(m, 0);
    CHECK(rmsg_item_fd_count(it) == 4);
    for (i = 0; i < 4; i++) {
        seen[i] = rmsg_item_fd(it, i);
        CHECK(fd_is_open(seen[i]));
    }
    rmsg_message_free(m);
    CHECK(open_fd_count() == before);
    for (i = 0; i < 4; i++) {
        errno = 0;
        CHECK(fcntl(seen[i], F_GETFD) == -1 && errno == EBADF);
    }
    /* The originals are untouched. */
    for (i = 0; i < 4; i++) CHECK(fd_is_open(sent[i]));
    for (i = 0; i < 4; i++) close(sent[i]);
    close_pair(sv);
}

/* Received descriptors are close-on-exec by default, whatever the sender's
 * descriptor had, and inheritable with RMSG_RECV_NO_CLOEXEC. */
static void test_cloexec_default_and_opt_out(void) {
    int sv[2], plain[2], cloexec[2], got[2] = {-1, -1};
    size_t count = 0;
    rmsg_message *m = NULL;
    rmsg_recv_options opts;
    unix_pair(SOCK_DGRAM, sv);
    make_pipe(plain);
    CHECK(pipe2(cloexec, O_CLOEXEC) == 0);
    CHECK(!fd_is_cloexec(plain[0]));
    CHECK(fd_is_cloexec(cloexec[0]));

    /* Default options (rmsg_recvmsg, and rmsg_recvmsg_with NULL options). */
    send_with_fds(sv[0], "a", 1, plain, 1);
    CHECK_OK(rmsg_recvmsg(sv[1], 4, space_for_fds(1), 0, &m));
    CHECK(fd_is_cloexec(rmsg_item_fd(rmsg_message_item(m, 0), 0)));
    /* The MSG_CMSG_CLOEXEC rmsg added does not show in the flags. */
    CHECK((rmsg_message_flags(m) & MSG_CMSG_CLOEXEC) == 0);
    rmsg_message_free(m);
    send_with_fds(sv[0], "b", 1, plain, 1);
    CHECK_OK(rmsg_recvmsg_with(sv[1], 4, space_for_fds(1), 0, NULL, &m));
    CHECK_OK(rmsg_message_take_fds(m, got, 1, &count));
    CHECK(count == 1 && fd_is_cloexec(got[0]));
    rmsg_message_free(m);
    close(got[0]);

    /* Opting out: not close-on-exec, even for a close-on-exec original. */
    opts = recv_options(RMSG_WAIT_BLOCK, RMSG_RECV_NO_CLOEXEC, 0);
    send_with_fds(sv[0], "c", 1, cloexec, 2);
    CHECK_OK(rmsg_recvmsg_with(sv[1], 4, space_for_fds(2), 0, &opts, &m));
    CHECK_OK(rmsg_message_take_fds(m, got, 2, &count));
    CHECK(count == 2);
    CHECK(!fd_is_cloexec(got[0]) && !fd_is_cloexec(got[1]));
    CHECK(same_file(got[0], cloexec[0]));
    rmsg_message_free(m);
    close_pair(got);

    /* Asking for it explicitly with MSG_CMSG_CLOEXEC and opting out of the
     * default still gives close-on-exec, and the kernel's echo shows. */
    send_with_fds(sv[0], "d", 1, plain, 1);
    CHECK_OK(rmsg_recvmsg_with(sv[1], 4, space_for_fds(1), MSG_CMSG_CLOEXEC, &opts, &m));
    CHECK(fd_is_cloexec(rmsg_item_fd(rmsg_message_item(m, 0), 0)));
    CHECK((rmsg_message_flags(m) & MSG_CMSG_CLOEXEC) != 0);
    rmsg_message_free(m);

    close_pair(plain);
    close_pair(cloexec);
    close_pair(sv);
}

/* MSG_PEEK installs the descriptors too: the peek message owns its own
 * copies, the real receive owns another set, and freeing both leaves
 * nothing open. */
static void peek_then_receive(int type) {
    int sv[2], p[2], a[2], b[2];
    size_t i;
    rmsg_message *peek = NULL, *real = NULL;
    const rmsg_item *pi, *ri;
    int before;
    unix_pair(type, sv);
    make_pipe(p);
    send_with_fds(sv[0], "peek", 4, p, 2);
    before = open_fd_count();
    CHECK_OK(rmsg_recvmsg(sv[1], 16, space_for_fds(2), MSG_PEEK, &peek));
    CHECK(rmsg_message_data_len(peek) == 4);
    CHECK(rmsg_message_fd_count(peek) == 2);
    CHECK(open_fd_count() == before + 2);
    CHECK_OK(rmsg_recvmsg(sv[1], 16, space_for_fds(2), 0, &real));
    CHECK_DATA(real, "peek", 4);
    CHECK(rmsg_message_fd_count(real) == 2);
    CHECK(open_fd_count() == before + 4);
    pi = rmsg_message_item(peek, 0);
    ri = rmsg_message_item(real, 0);
    for (i = 0; i < 2; i++) {
        a[i] = rmsg_item_fd(pi, i);
        b[i] = rmsg_item_fd(ri, i);
        CHECK(a[i] != b[i]);
        CHECK(same_file(a[i], p[i]) && same_file(b[i], p[i]));
        CHECK(fd_is_cloexec(a[i]) && fd_is_cloexec(b[i]));
    }
    rmsg_message_free(peek);
    CHECK(open_fd_count() == before + 2);
    for (i = 0; i < 2; i++) CHECK(!fd_is_open(a[i]) && fd_is_open(b[i]));
    rmsg_message_free(real);
    CHECK(open_fd_count() == before);
    for (i = 0; i < 2; i++) CHECK(!fd_is_open(b[i]));
    close_pair(p);
    close_pair(sv);
}

static void test_peek_with_fds_dgram(void) { peek_then_receive(SOCK_DGRAM); }

static void test_peek_with_fds_stream(void) { peek_then_receive(SOCK_STREAM); }

/* Child process sends a pipe read end it made; the parent receives it with
 * rmsg and reads what the child wrote. */
static void test_child_sends_parent_receives(void) {
    int sv[2], got = -1;
    size_t count = 0;
    char buf[32];
    rmsg_message *m = NULL;
    pid_t pid;
    unix_pair(SOCK_STREAM, sv);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        int p[2];
        close(sv[1]);
        if (pipe(p) != 0) _exit(2);
        if (write(p[1], "from child", 10) != 10) _exit(3);
        close(p[1]);
        send_with_fds(sv[0], "k", 1, &p[0], 1);
        close(p[0]);
        close(sv[0]);
        _exit(0);
    }
    close(sv[0]);
    CHECK_OK(rmsg_recvmsg(sv[1], 4, space_for_fds(1), 0, &m));
    CHECK(rmsg_message_data_len(m) == 1);
    CHECK_OK(rmsg_message_take_fds(m, &got, 1, &count));
    CHECK(count == 1);
    rmsg_message_free(m);
    CHECK(fd_is_cloexec(got));
    /* The child closed its write end (and may have exited): all data is
     * there, then end of file. */
    CHECK(read(got, buf, sizeof buf) == 10);
    CHECK(memcmp(buf, "from child", 10) == 0);
    reap(pid);
    CHECK(read(got, buf, sizeof buf) == 0);
    close(got);
    close(sv[1]);
}

/* The parent sends a pipe read end; the child receives it with rmsg, reads
 * and reports through its exit status. */
static void test_parent_sends_child_receives(void) {
    int sv[2], p[2];
    pid_t pid;
    unix_pair(SOCK_DGRAM, sv);
    make_pipe(p);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        rmsg_message *m = NULL;
        int got = -1;
        size_t count = 0;
        char buf[32];
        close(sv[0]);
        close_pair(p);
        if (rmsg_recvmsg(sv[1], 8, space_for_fds(1), 0, &m) != RMSG_OK) _exit(10);
        if (rmsg_message_data_len(m) != 3) _exit(11);
        if (memcmp(rmsg_message_data(m), "go!", 3) != 0) _exit(12);
        if (rmsg_message_take_fds(m, &got, 1, &count) != RMSG_OK || count != 1) _exit(13);
        rmsg_message_free(m);
        if (!fd_is_cloexec(got)) _exit(14);
        if (read(got, buf, sizeof buf) != 11) _exit(15);
        if (memcmp(buf, "from parent", 11) != 0) _exit(16);
        close(got);
        close(sv[1]);
        _exit(0);
    }
    close(sv[1]);
    CHECK(write(p[1], "from parent", 11) == 11);
    send_with_fds(sv[0], "go!", 3, &p[0], 1);
    close_pair(p);
    reap(pid);
    close(sv[0]);
}

int main(void) {
    TEST_BEGIN();
    RUN(test_pass_fds_over_stream);
    RUN(test_pass_fds_over_dgram);
    RUN(test_pass_fds_over_seqpacket);
    RUN(test_passed_socket_is_the_same_socket);
    RUN(test_two_rights_items_in_one_message);
    RUN(test_take_item_fds_by_index);
    RUN(test_buffer_too_small_takes_nothing);
    RUN(test_free_without_taking_closes_everything);
    RUN(test_cloexec_default_and_opt_out);
    RUN(test_peek_with_fds_dgram);
    RUN(test_peek_with_fds_stream);
    RUN(test_child_sends_parent_receives);
    RUN(test_parent_sends_child_receives);
    TEST_END();
}
