/*
 * The thread-safety contract of rmsg.h, exercised by 8 threads at once:
 * receives and frees on many threads (the spare message is shared by all),
 * messages received on one thread and read, taken from and freed on
 * another, one message and its items read by every thread at once, one
 * builder and one address sent with by every thread at once, receivers made
 * on one thread and used on another, a batch whose messages are taken from
 * by different threads at once, and rmsg_last_errno kept per thread.
 *
 * cargo test runs it as every C test (plain, ASan, valgrind); .ci/run also
 * runs it under ThreadSanitizer against a library built with
 * -Zsanitizer=thread, where any data race fails it. `threads canary` breaks
 * the contract on purpose (two threads adding to one builder) so that CI
 * can check that ThreadSanitizer sees races inside the library; it is not
 * run otherwise.
 */
#include <pthread.h>
#include <sched.h>

#include "helpers.h"

#define THREADS 8
#define ROUNDS 200

static pthread_barrier_t start_line;

/* Starts `fn` on THREADS threads, each given its index, and waits for
 * them; they all begin together at the barrier. */
static void run_threads(void *(*fn)(void *)) {
    pthread_t t[THREADS];
    size_t i;
    CHECK(pthread_barrier_init(&start_line, NULL, THREADS) == 0);
    for (i = 0; i < THREADS; i++)
        CHECK(pthread_create(&t[i], NULL, fn, (void *)(uintptr_t)i) == 0);
    for (i = 0; i < THREADS; i++) CHECK(pthread_join(t[i], NULL) == 0);
    CHECK(pthread_barrier_destroy(&start_line) == 0);
}

static void wait_for_all(void) {
    int r = pthread_barrier_wait(&start_line);
    CHECK(r == 0 || r == PTHREAD_BARRIER_SERIAL_THREAD);
}

/* --- Each thread receives and frees its own messages. ------------------ */

static void *own_messages(void *arg) {
    int sv[2], p[2], fd = -1;
    size_t i, n, index = (size_t)(uintptr_t)arg;
    char text[32];
    unix_pair(SOCK_DGRAM, sv);
    make_pipe(p);
    wait_for_all();
    for (i = 0; i < ROUNDS; i++) {
        rmsg_message *m = NULL;
        int len = snprintf(text, sizeof text, "t%zu r%zu", index, i);
        CHECK_OK(rmsg_send_fds(sv[0], (const uint8_t *)text, (size_t)len, &p[0], 1, 0, &n));
        CHECK_OK(rmsg_recvmsg(sv[1], 64, 64, 0, &m));
        CHECK_DATA(m, text, (size_t)len);
        CHECK(rmsg_message_fd_count(m) == 1);
        /* Every other message gives its descriptor away; the rest are
         * closed by the free. */
        if (i % 2 == 0) {
            CHECK_OK(rmsg_message_take_fds(m, &fd, 1, &n));
            CHECK(n == 1 && same_file(fd, p[0]));
            close(fd);
        }
        rmsg_message_free(m);
    }
    close_pair(p);
    close_pair(sv);
    return NULL;
}

static void test_own_messages(void) { run_threads(own_messages); }

/* --- Received on one thread, used and freed on another. ---------------- */

#define QUEUE_LEN 16

static struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    rmsg_message *slot[QUEUE_LEN];
    size_t head, count, producers_left;
} queue = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, {NULL}, 0, 0, 0};

static int handoff_pair[THREADS / 2][2];
static int handoff_pipe[2];

static void put(rmsg_message *m) {
    CHECK(pthread_mutex_lock(&queue.lock) == 0);
    while (queue.count == QUEUE_LEN) CHECK(pthread_cond_wait(&queue.changed, &queue.lock) == 0);
    queue.slot[(queue.head + queue.count) % QUEUE_LEN] = m;
    queue.count++;
    CHECK(pthread_cond_broadcast(&queue.changed) == 0);
    CHECK(pthread_mutex_unlock(&queue.lock) == 0);
}

/* The next message, or NULL once every producer has finished. */
static rmsg_message *get(void) {
    rmsg_message *m = NULL;
    CHECK(pthread_mutex_lock(&queue.lock) == 0);
    while (queue.count == 0 && queue.producers_left > 0)
        CHECK(pthread_cond_wait(&queue.changed, &queue.lock) == 0);
    if (queue.count > 0) {
        m = queue.slot[queue.head];
        queue.head = (queue.head + 1) % QUEUE_LEN;
        queue.count--;
        CHECK(pthread_cond_broadcast(&queue.changed) == 0);
    }
    CHECK(pthread_mutex_unlock(&queue.lock) == 0);
    return m;
}

static void *handoff(void *arg) {
    size_t i, n, index = (size_t)(uintptr_t)arg;
    wait_for_all();
    if (index < THREADS / 2) {
        int *sv = handoff_pair[index];
        for (i = 0; i < ROUNDS; i++) {
            rmsg_message *m = NULL;
            CHECK_OK(rmsg_send_fds(sv[0], (const uint8_t *)"h", 1, &handoff_pipe[1], 1, 0, &n));
            CHECK_OK(rmsg_recvmsg(sv[1], 16, 64, 0, &m));
            put(m);
        }
        CHECK(pthread_mutex_lock(&queue.lock) == 0);
        queue.producers_left--;
        CHECK(pthread_cond_broadcast(&queue.changed) == 0);
        CHECK(pthread_mutex_unlock(&queue.lock) == 0);
    } else {
        rmsg_message *m;
        size_t got = 0;
        while ((m = get()) != NULL) {
            int fd;
            CHECK_DATA(m, "h", 1);
            CHECK(rmsg_item_fd_count(rmsg_message_item(m, 0)) == 1);
            if (got++ % 2 == 0) {
                CHECK_OK(rmsg_message_take_fds(m, &fd, 1, &n));
                CHECK(n == 1);
                close(fd);
            }
            rmsg_message_free(m);
        }
    }
    return NULL;
}

static void test_handoff(void) {
    size_t i;
    for (i = 0; i < THREADS / 2; i++) unix_pair(SOCK_DGRAM, handoff_pair[i]);
    make_pipe(handoff_pipe);
    queue.producers_left = THREADS / 2;
    run_threads(handoff);
    CHECK(queue.count == 0);
    for (i = 0; i < THREADS / 2; i++) close_pair(handoff_pair[i]);
    close_pair(handoff_pipe);
}

/* --- One message, builder and address, read by every thread at once. --- */

static const rmsg_message *shared_message;
static const rmsg_cmsg_builder *shared_builder;
static const rmsg_address *shared_address;
static const rmsg_control *shared_control;
static int reader_pair[THREADS][2];

static void read_message(const rmsg_message *m) {
    rmsg_message_info info;
    rmsg_item_view views[4];
    rmsg_credentials creds;
    int32_t ttl;
    size_t i, count;
    CHECK_DATA(m, "shared", 6);
    CHECK(rmsg_message_item_count(m) == 2 && rmsg_message_fd_count(m) == 2);
    CHECK_OK(rmsg_message_summarize(m, &info));
    CHECK(info.item_count == 2 && info.fd_count == 2 && info.data_len == 6);
    CHECK_OK(rmsg_message_items(m, views, 4, &count));
    CHECK(count == 2);
    for (i = 0; i < count; i++) {
        const rmsg_item *it = rmsg_message_item(m, i);
        CHECK(rmsg_item_level(it) == views[i].cmsg_level);
        CHECK(rmsg_item_data_len(it) == views[i].data_len);
        CHECK(strchr(rmsg_item_name(it), '/') != NULL);
        if (rmsg_item_kind(it) == RMSG_KIND_CREDENTIALS) {
            CHECK_OK(rmsg_item_credentials(it, &creds));
            CHECK(creds.pid == (int32_t)getpid());
        } else {
            CHECK(rmsg_item_kind(it) == RMSG_KIND_RIGHTS);
            CHECK(rmsg_item_fd_count(it) == 2 && rmsg_item_fd(it, 1) >= 0);
            CHECK_STATUS(rmsg_item_credentials(it, &creds), RMSG_ERR_WRONG_KIND);
        }
    }
    CHECK(rmsg_control_item_count(shared_control) == 1);
    CHECK_OK(rmsg_item_ip_ttl(rmsg_control_item(shared_control, 0), &ttl));
    CHECK(ttl == 9);
}

static void *readers(void *arg) {
    size_t i, n, index = (size_t)(uintptr_t)arg;
    int *sv = reader_pair[index];
    char text[64];
    wait_for_all();
    for (i = 0; i < ROUNDS; i++) {
        rmsg_iovec iov = iov_of("r", 1);
        rmsg_message *m = NULL;
        size_t len;
        read_message(shared_message);
        CHECK_OK(rmsg_address_format(shared_address, text, sizeof text, &len));
        CHECK(strcmp(text, "127.0.0.1:9") == 0);
        /* The shared builder holds a descriptor; sent on the thread's own
         * pair, it arrives as a copy of the descriptor. */
        CHECK_OK(rmsg_sendmsg(sv[0], &iov, 1, shared_builder, NULL, 0, NULL, &n));
        CHECK_OK(rmsg_recvmsg(sv[1], 8, 64, 0, &m));
        CHECK(rmsg_message_fd_count(m) == 1);
        rmsg_message_free(m);
    }
    return NULL;
}

static void test_shared_reads(void) {
    int sv[2], p[2], two[2];
    uint8_t raw[64];
    int32_t ttl = 9;
    rmsg_message *m = NULL;
    rmsg_cmsg_builder *b = NULL;
    rmsg_address *a = NULL;
    rmsg_control *c = NULL;
    const uint8_t *bytes;
    size_t i, len;
    passcred_pair(sv);
    make_pipe(p);
    two[0] = p[0];
    two[1] = p[1];
    send_with_fds(sv[0], "shared", 6, two, 2);
    CHECK_OK(rmsg_recvmsg(sv[1], 64, 256, 0, &m));
    CHECK_OK(rmsg_cmsg_builder_new(&b));
    CHECK_OK(rmsg_cmsg_builder_add_fds(b, &p[0], 1));
    CHECK_OK(rmsg_address_parse("127.0.0.1:9", 11, &a));
    /* A parsed buffer with one IP_TTL item, read by every thread too. */
    {
        rmsg_cmsg_builder *t = NULL;
        CHECK_OK(rmsg_cmsg_builder_new(&t));
        CHECK_OK(rmsg_cmsg_builder_add_raw(t, IPPROTO_IP, IP_TTL, (const uint8_t *)&ttl,
                                           sizeof ttl));
        CHECK_OK(rmsg_cmsg_builder_data(t, &bytes, &len));
        CHECK(len <= sizeof raw);
        memcpy(raw, bytes, len);
        rmsg_cmsg_builder_free(t);
        CHECK_OK(rmsg_control_parse(raw, len, 0, &c));
    }
    for (i = 0; i < THREADS; i++) unix_pair(SOCK_DGRAM, reader_pair[i]);
    shared_message = m;
    shared_builder = b;
    shared_address = a;
    shared_control = c;
    run_threads(readers);
    for (i = 0; i < THREADS; i++) close_pair(reader_pair[i]);
    rmsg_control_free(c);
    rmsg_address_free(a);
    rmsg_cmsg_builder_free(b);
    rmsg_message_free(m);
    close_pair(p);
    close_pair(sv);
}

/* --- Receivers made here, used on the threads, freed here. ------------- */

static rmsg_receiver *receivers[THREADS];

static void *use_receiver(void *arg) {
    size_t i, n, index = (size_t)(uintptr_t)arg;
    int sv[2];
    unix_pair(SOCK_DGRAM, sv);
    wait_for_all();
    for (i = 0; i < ROUNDS; i++) {
        rmsg_message *m = NULL;
        CHECK_OK(rmsg_send_fds(sv[0], (const uint8_t *)"rcv", 3, &sv[0], 1, 0, &n));
        CHECK_OK(rmsg_receiver_recv(receivers[index], sv[1], 0, NULL, &m));
        CHECK_DATA(m, "rcv", 3);
        CHECK(rmsg_message_fd_count(m) == 1);
    }
    close_pair(sv);
    return NULL;
}

static void test_receivers_move(void) {
    size_t i;
    for (i = 0; i < THREADS; i++) CHECK_OK(rmsg_receiver_new(16, 64, NULL, &receivers[i]));
    run_threads(use_receiver);
    /* The last message of each still owns a descriptor: freed here. */
    for (i = 0; i < THREADS; i++) rmsg_receiver_free(receivers[i]);
}

/* --- A batch's messages, taken from by different threads at once. ------ */

static rmsg_message *batch_messages[THREADS];

static void *take_from_batch(void *arg) {
    size_t n, index = (size_t)(uintptr_t)arg;
    rmsg_message *m = batch_messages[index];
    int fd = -1;
    wait_for_all();
    CHECK_DATA(m, "b", 1);
    CHECK_OK(rmsg_message_take_fds(m, &fd, 1, &n));
    CHECK(n == 1 && fd >= 0);
    CHECK(rmsg_message_fd_count(m) == 0);
    close(fd);
    return NULL;
}

static void test_batch_messages(void) {
    rmsg_batch *b = NULL;
    size_t i, count = 0;
    int sv[2], p[2];
    unix_pair(SOCK_DGRAM, sv);
    make_pipe(p);
    for (i = 0; i < THREADS; i++) send_with_fds(sv[0], "b", 1, &p[0], 1);
    CHECK_OK(rmsg_batch_new(THREADS, 8, 64, NULL, &b));
    CHECK_OK(rmsg_batch_recv(b, sv[1], 0, NULL, &count));
    CHECK(count == THREADS);
    for (i = 0; i < THREADS; i++) {
        batch_messages[i] = rmsg_batch_message(b, i);
        CHECK(batch_messages[i] != NULL);
    }
    run_threads(take_from_batch);
    rmsg_batch_free(b);
    close_pair(p);
    close_pair(sv);
}

/* --- rmsg_last_errno belongs to the calling thread. -------------------- */

static int errno_pipe[2];

static void *own_errno(void *arg) {
    size_t i, index = (size_t)(uintptr_t)arg;
    static const uint8_t buf[4];
    rmsg_message *m = NULL;
    rmsg_control *c = NULL;
    int want;
    wait_for_all();
    for (i = 0; i < ROUNDS; i++) {
        switch (index % 3) {
        case 0:
            CHECK_STATUS(rmsg_recvmsg(-1, 1, 0, 0, &m), RMSG_ERR_BAD_FD);
            want = EBADF;
            break;
        case 1:
            CHECK_STATUS(rmsg_recvmsg(errno_pipe[0], 1, 0, 0, &m), RMSG_ERR_NOT_A_SOCKET);
            want = ENOTSOCK;
            break;
        default:
            CHECK_STATUS(rmsg_control_parse(buf, sizeof buf, 0x80, &c),
                         RMSG_ERR_INVALID_ARGUMENT);
            want = EINVAL;
            break;
        }
        /* Other threads fail differently meanwhile: this thread's number
         * stays its own. */
        sched_yield();
        CHECK(rmsg_last_errno() == want);
    }
    return NULL;
}

static void test_errno_per_thread(void) {
    make_pipe(errno_pipe);
    run_threads(own_errno);
    close_pair(errno_pipe);
}

/* --- The canary: a race on purpose, for ThreadSanitizer to report. ----- */

static rmsg_cmsg_builder *raced_builder;

static void *race(void *arg) {
    size_t i;
    (void)arg;
    wait_for_all();
    for (i = 0; i < 50; i++) (void)rmsg_cmsg_builder_add_ip_ttl(raced_builder, 64);
    return NULL;
}

static int canary(void) {
    CHECK_OK(rmsg_cmsg_builder_new(&raced_builder));
    run_threads(race);
    rmsg_cmsg_builder_free(raced_builder);
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "canary") == 0) return canary();
    {
        TEST_BEGIN();
        RUN(test_own_messages);
        RUN(test_handoff);
        RUN(test_shared_reads);
        RUN(test_receivers_move);
        RUN(test_batch_messages);
        RUN(test_errno_per_thread);
        TEST_END();
    }
}
