/*
 * SCM_PIDFD items whose value is negative: when the kernel cannot make a
 * pidfd for a receive it puts the error there, negated, instead of a
 * descriptor. rmsg_item_pidfd gives that value with RMSG_OK; the item
 * carries no descriptor (fd count 0, rmsg_item_fd -1, the take functions
 * move nothing) and rmsg never closes the value.
 *
 * Real kernel: a receiver with no descriptor to spare (RLIMIT_NOFILE at
 * its lowest free descriptor) gets -EMFILE. A sender that has exited and
 * been reaped gives -ESRCH on kernels that cannot make a pidfd of a reaped
 * process; newer ones (pidfs) give a real pidfd, and the test accepts
 * both. Crafted bytes cover -ESRCH beside real SCM_RIGHTS descriptors.
 */
#include "net_helpers.h"

#include <sys/resource.h>

/* Checks a message's SCM_PIDFD item holding the negative value `want`. */
static void check_negative(rmsg_message *m, int want) {
    size_t idx = find_index(m, SOL_SOCKET, SCM_PIDFD), n = 99;
    const rmsg_item *it;
    int fd = 0, out[1] = {-7};
    CHECK(idx != (size_t)-1);
    it = rmsg_message_item(m, idx);
    CHECK(rmsg_item_kind(it) == RMSG_KIND_PIDFD);
    CHECK_OK(rmsg_item_pidfd(it, &fd));
    CHECK(fd == want);
    CHECK(rmsg_item_fd_count(it) == 0);
    CHECK(rmsg_item_fd(it, 0) == -1);
    CHECK(rmsg_message_fd_count(m) == 0);
    CHECK_OK(rmsg_message_take_item_fds(m, idx, out, 1, &n));
    CHECK(n == 0 && out[0] == -7);
}

/* In a child: the receiver may open no more descriptors. */
static void emfile_child(void) {
    int sv[2], lowest, fd = 0;
    struct rlimit old, low;
    rmsg_message *m = NULL;
    unix_pair(SOCK_DGRAM, sv);
    set_int(sv[1], SOL_SOCKET, SO_PASSPIDFD, 1);
    CHECK(send(sv[0], "p", 1, 0) == 1);
    /* Every descriptor below the lowest free one is open: with the limit
     * there, the kernel has none to give. */
    lowest = dup(0);
    CHECK(lowest >= 0);
    close(lowest);
    CHECK(getrlimit(RLIMIT_NOFILE, &old) == 0);
    low = old;
    low.rlim_cur = (rlim_t)lowest;
    CHECK(setrlimit(RLIMIT_NOFILE, &low) == 0);
    CHECK_OK(rmsg_recvmsg(sv[1], 16, 64, 0, &m));
    CHECK(setrlimit(RLIMIT_NOFILE, &old) == 0);
    {
        const rmsg_item *it = find_item(m, SOL_SOCKET, SCM_PIDFD);
        CHECK(it != NULL);
        CHECK_OK(rmsg_item_pidfd(it, &fd));
    }
    printf("real: SCM_PIDFD with no descriptor to spare: %d\n", fd);
    check_negative(m, -EMFILE);
    rmsg_message_free(m);
    close_pair(sv);
}

static void test_emfile(void) {
    int status;
    pid_t child;
    if (getenv("RMSG_VALGRIND") != NULL) {
        /* Valgrind virtualises RLIMIT_NOFILE (the kernel's limit is not
         * lowered, so the kernel still installs a pidfd) and keeps
         * descriptors of its own. */
        printf("skipped under valgrind: it virtualises RLIMIT_NOFILE "
               "(the plain and sanitizer runs cover this test)\n");
        return;
    }
    fflush(stdout);
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        int before = open_fd_count();
        emfile_child();
        CHECK(open_fd_count() == before);
        fflush(stdout);
        _exit(0);
    }
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* The sender has exited and been reaped before the receive. */
static void test_reaped_sender(void) {
    int sv[2], fd = 0;
    rmsg_message *m;
    pid_t child;
    unix_pair(SOCK_DGRAM, sv);
    set_int(sv[1], SOL_SOCKET, SO_PASSPIDFD, 1);
    fflush(stdout);
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        close(sv[1]);
        _exit(send(sv[0], "p", 1, 0) == 1 ? 0 : 1);
    }
    reap(child);
    m = recv_sized(sv[1], 16, 0);
    CHECK_OK(rmsg_item_pidfd(find_item(m, SOL_SOCKET, SCM_PIDFD), &fd));
    if (fd < 0) {
        printf("real: SCM_PIDFD of a reaped sender: %d\n", fd);
        check_negative(m, -ESRCH);
    } else {
        /* This kernel makes pidfds of reaped processes: a descriptor,
         * owned and closed by the message. */
        printf("real: SCM_PIDFD of a reaped sender is a pidfd (%d)\n", fd);
        CHECK(fd_is_open(fd));
        CHECK(rmsg_item_fd_count(find_item(m, SOL_SOCKET, SCM_PIDFD)) == 1);
    }
    rmsg_message_free(m);
    if (fd >= 0) CHECK(!fd_is_open(fd));
    close_pair(sv);
}

/* Crafted: -ESRCH after an SCM_RIGHTS item with two real descriptors, in
 * a buffer parsed with RMSG_PARSE_OWN_FDS: the rights are closed with the
 * handle, the negative value is left alone. */
static void test_crafted_beside_rights(void) {
    union {
        uint8_t bytes[256];
        struct cmsghdr align;
    } b;
    int p[2], gone = -ESRCH, fd = 0, out[2];
    size_t n1, n2, n = 99;
    rmsg_control *c = NULL;
    const rmsg_item *it;
    CRAFTED("SCM_PIDFD holding -ESRCH", "the kernel gives it only in a race with the "
                                        "sender's exit, which a test cannot arrange");
    make_pipe(p);
    n1 = craft_item(b.bytes, sizeof b.bytes, SOL_SOCKET, SCM_RIGHTS, p, sizeof p);
    n2 = craft_item(b.bytes + n1, sizeof b.bytes - n1, SOL_SOCKET, SCM_PIDFD, &gone,
                    sizeof gone);
    /* craft_item clears the buffer it writes: write the first item again. */
    CHECK(craft_item(b.bytes, n1, SOL_SOCKET, SCM_RIGHTS, p, sizeof p) == n1);
    CHECK_OK(rmsg_control_parse(b.bytes, n1 + n2, RMSG_PARSE_OWN_FDS, &c));
    CHECK(rmsg_control_item_count(c) == 2);
    it = rmsg_control_item(c, 1);
    CHECK(strcmp(rmsg_item_name(it), "SOL_SOCKET/SCM_PIDFD") == 0);
    CHECK_OK(rmsg_item_pidfd(it, &fd));
    CHECK(fd == -ESRCH);
    CHECK(rmsg_item_fd_count(it) == 0);
    CHECK(rmsg_item_fd(it, 0) == -1);
    CHECK(rmsg_item_fd_count(rmsg_control_item(c, 0)) == 2);
    CHECK_OK(rmsg_control_take_item_fds(c, 1, out, 2, &n));
    CHECK(n == 0);
    rmsg_control_free(c);
    /* The handle owned and closed the two pipe ends. */
    CHECK(!fd_is_open(p[0]) && !fd_is_open(p[1]));
}

int main(void) {
    TEST_BEGIN();
    RUN(test_emfile);
    RUN(test_reaped_sender);
    RUN(test_crafted_beside_rights);
    TEST_END();
}
