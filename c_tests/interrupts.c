/*
 * EINTR handling: a signal handler installed without SA_RESTART makes a
 * blocking recvmsg(2) (or the poll behind a deadline) fail with EINTR.
 * rmsg retries by default (PEP 475), returns RMSG_ERR_INTERRUPTED when asked
 * with RMSG_RECV_RETURN_EINTR, and with RMSG_WAIT_DEADLINE the timeout
 * bounds the whole call however many signals arrive.
 *
 * Signals come from a forked child with kill(2); no alarm()/SIGALRM. Every
 * child is reaped and must exit 0.
 */
#include "helpers.h"

#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>

static volatile sig_atomic_t sigusr1_count;

static void on_sigusr1(int sig) {
    (void)sig;
    sigusr1_count++;
}

/* SIGUSR1 counts; no SA_RESTART, so blocking system calls fail with EINTR. */
static void install_handler(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigusr1;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
}

/* Child: `count` SIGUSR1 to `parent`, `gap_us` apart (after a short start
 * delay, so that the parent is usually blocked by then), then one datagram
 * on `sock` if `data` is not NULL. */
static pid_t spawn_storm_then_send(pid_t parent, int count, long gap_us, int sock,
                                   const char *data) {
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        int i;
        sleep_us(20000);
        for (i = 0; i < count; i++) {
            if (kill(parent, SIGUSR1) != 0) _exit(2);
            sleep_us(gap_us);
        }
        if (data != NULL && send(sock, data, strlen(data), 0) != (ssize_t)strlen(data))
            _exit(3);
        _exit(0);
    }
    return pid;
}

/* Child: SIGUSR1 to `parent` every `gap_ms` (the first after one gap) until
 * the parent closes the write end of `ctl` (at most ~5 s). */
static pid_t spawn_signaller_until_told(pid_t parent, int ctl[2], int gap_ms) {
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        struct pollfd p;
        int i, r, limit = 5000 / gap_ms;
        close(ctl[1]);
        p.fd = ctl[0];
        p.events = POLLIN;
        for (i = 0; i < limit; i++) {
            p.revents = 0;
            r = poll(&p, 1, gap_ms);
            if (r > 0) _exit(0); /* EOF: the parent is done */
            if (r < 0 && errno != EINTR) _exit(2);
            if (kill(parent, SIGUSR1) != 0) _exit(3);
        }
        _exit(4); /* the parent never said it was done */
    }
    close(ctl[0]);
    return pid;
}

/* Waits (up to ~5 s) until at least one SIGUSR1 has been handled. */
static void wait_first_signal(void) {
    int i;
    for (i = 0; i < 5000 && sigusr1_count == 0; i++) sleep_us(1000);
    CHECK(sigusr1_count > 0);
}

/* Default options: a blocking receive rides out a storm of signals and
 * returns the datagram sent after it. */
static void test_blocking_receive_retries_through_signal_storm(void) {
    int sv[2];
    rmsg_message *m = NULL;
    pid_t child;
    unix_pair(SOCK_DGRAM, sv);
    sigusr1_count = 0;
    child = spawn_storm_then_send(getpid(), 200, 500, sv[0], "after the storm");
    CHECK_OK(rmsg_recvmsg(sv[1], 64, 0, 0, &m));
    /* The child signalled before it sent, so every signal has been handled
     * by the time the receive returned. */
    CHECK(sigusr1_count > 0);
    CHECK_DATA(m, "after the storm", 15);
    CHECK(rmsg_message_flags(m) == 0);
    rmsg_message_free(m);
    reap(child);
    close_pair(sv);
}

/* The same through rmsg_recvmsg_into on a stream socket. */
static void test_scatter_receive_retries_through_signal_storm(void) {
    int sv[2];
    rmsg_message *m = NULL;
    char a[5], b[16];
    rmsg_iovec iov[2];
    size_t n = 0;
    pid_t child;
    unix_pair(SOCK_STREAM, sv);
    iov[0] = iov_of(a, sizeof a);
    iov[1] = iov_of(b, sizeof b);
    sigusr1_count = 0;
    child = spawn_storm_then_send(getpid(), 100, 500, sv[0], "stream data");
    CHECK_OK(rmsg_recvmsg_into(sv[1], iov, 2, 0, 0, NULL, &n, &m));
    CHECK(sigusr1_count > 0);
    CHECK(n == 11);
    CHECK(memcmp(a, "strea", 5) == 0);
    CHECK(memcmp(b, "m data", 6) == 0);
    rmsg_message_free(m);
    reap(child);
    close_pair(sv);
}

/* A deadline receive retries EINTR from its wait too, and gets the data
 * that arrives after the storm, well before its (long) deadline. */
static void test_deadline_receive_retries_through_signal_storm(void) {
    int sv[2];
    rmsg_message *m = NULL;
    rmsg_recv_options opts = recv_options(RMSG_WAIT_DEADLINE, 0, 30ull * 1000000000u);
    pid_t child;
    unix_pair(SOCK_DGRAM, sv);
    sigusr1_count = 0;
    child = spawn_storm_then_send(getpid(), 200, 500, sv[0], "late");
    CHECK_OK(rmsg_recvmsg_with(sv[1], 64, 0, 0, &opts, &m));
    CHECK(sigusr1_count > 0);
    CHECK_DATA(m, "late", 4);
    rmsg_message_free(m);
    reap(child);
    close_pair(sv);
}

/* RMSG_RECV_RETURN_EINTR: the first signal that interrupts the blocking
 * receive ends it with RMSG_ERR_INTERRUPTED / EINTR and writes nothing.
 * The child repeats its signal until told to stop, so a signal that lands
 * before the parent blocks cannot hang the test. */
static void test_return_eintr_reports_interrupted(void) {
    int sv[2], ctl[2];
    rmsg_message *m = UNTOUCHED;
    rmsg_recv_options opts;
    uint32_t st;
    int saved_errno, last;
    pid_t child;
    opts = recv_options(RMSG_WAIT_BLOCK, RMSG_RECV_RETURN_EINTR, 0);
    unix_pair(SOCK_DGRAM, sv);
    make_pipe(ctl);
    sigusr1_count = 0;
    child = spawn_signaller_until_told(getpid(), ctl, 50);
    st = rmsg_recvmsg_with(sv[1], 64, 0, 0, &opts, &m);
    saved_errno = errno;
    last = rmsg_last_errno();
    close(ctl[1]);
    reap(child);
    CHECK_STATUS(st, RMSG_ERR_INTERRUPTED);
    CHECK(saved_errno == EINTR);
    CHECK(last == EINTR);
    CHECK(m == UNTOUCHED);
    CHECK(sigusr1_count > 0);
    close_pair(sv);
}

/* RMSG_RECV_RETURN_EINTR also applies while a deadline receive waits. */
static void test_return_eintr_with_deadline_reports_interrupted(void) {
    int sv[2], ctl[2];
    rmsg_message *m = UNTOUCHED;
    rmsg_recv_options opts;
    uint32_t st;
    int last;
    pid_t child;
    opts = recv_options(RMSG_WAIT_DEADLINE, RMSG_RECV_RETURN_EINTR, 30ull * 1000000000u);
    unix_pair(SOCK_DGRAM, sv);
    make_pipe(ctl);
    sigusr1_count = 0;
    child = spawn_signaller_until_told(getpid(), ctl, 50);
    st = rmsg_recvmsg_with(sv[1], 64, 0, 0, &opts, &m);
    last = rmsg_last_errno();
    close(ctl[1]);
    reap(child);
    CHECK_STATUS(st, RMSG_ERR_INTERRUPTED);
    CHECK(last == EINTR);
    CHECK(m == UNTOUCHED);
    close_pair(sv);
}

/* Signals during a deadline receive are retried, but the deadline bounds
 * the whole call: it still ends with RMSG_ERR_TIMED_OUT, after at least the
 * timeout. The storm is already running when the call starts and goes on
 * until after it returns. */
static void test_deadline_bounds_call_during_signal_storm(void) {
    int sv[2], ctl[2];
    rmsg_message *m = UNTOUCHED;
    rmsg_recv_options opts;
    const uint64_t timeout = 300ull * 1000000u;
    uint64_t t0, t1;
    uint32_t st;
    int last;
    sig_atomic_t before, after;
    pid_t child;
    opts = recv_options(RMSG_WAIT_DEADLINE, 0, timeout);
    unix_pair(SOCK_DGRAM, sv);
    make_pipe(ctl);
    sigusr1_count = 0;
    child = spawn_signaller_until_told(getpid(), ctl, 1);
    wait_first_signal();
    before = sigusr1_count;
    t0 = now_ns();
    st = rmsg_recvmsg_with(sv[1], 64, 0, 0, &opts, &m);
    t1 = now_ns();
    last = rmsg_last_errno();
    after = sigusr1_count;
    close(ctl[1]);
    reap(child);
    CHECK_STATUS(st, RMSG_ERR_TIMED_OUT);
    CHECK(last == ETIMEDOUT);
    CHECK(m == UNTOUCHED);
    CHECK(t1 - t0 >= timeout);
    /* Signals were handled while the call ran, and it did not give up on
     * the first one. */
    CHECK(after > before);
    close_pair(sv);
}

int main(void) {
    TEST_BEGIN();
    install_handler();
    RUN(test_blocking_receive_retries_through_signal_storm);
    RUN(test_scatter_receive_retries_through_signal_storm);
    RUN(test_deadline_receive_retries_through_signal_storm);
    RUN(test_return_eintr_reports_interrupted);
    RUN(test_return_eintr_with_deadline_reports_interrupted);
    RUN(test_deadline_bounds_call_during_signal_storm);
    TEST_END();
}
