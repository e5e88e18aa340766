/*
 * Every function of rmsg.h, called with hostile arguments: NULLs,
 * descriptors that are -1, closed or not sockets, sizes 0, 1, SIZE_MAX,
 * SIZE_MAX/2 and INT_MAX+1, unknown flag bits and out-of-range numbers,
 * one parameter at a time. The calls are generated from the header's
 * prototypes by tests/support/badinput.rs (into bad_input_cases.h), so a
 * new function is covered without being listed here; this file holds the
 * fixtures the calls use and the harness that runs them.
 *
 * Buffers are pages with an inaccessible page after them (bytes to read
 * hold well-formed control messages up to the end), so that an access
 * past a buffer faults even without a sanitizer.
 *
 * Each call runs in a child process of its own, with fresh fixtures. It
 * passes when the child ends normally, within the hang guard, with no
 * descriptor left open that it did not have before (except those the call
 * handed to the caller in an output), with no RMSG_ERR_PANIC, and, where
 * an input is invalid and the function returns a status, with a status
 * other than RMSG_OK.
 */
#include <limits.h>
#include <signal.h>
#include <sys/mman.h>

#include "helpers.h"

#define BI_SIZE_MAX ((size_t)-1)
#define BI_HALF ((size_t)-1 / 2)
#define BI_INT_MAX_PLUS_1 ((size_t)INT_MAX + 1)
/* What a function that returns no status "returns". */
#define BI_NO_STATUS 0xffffffffu
/* Bytes of each per-parameter buffer (a page): room for any struct or
 * array the calls pass with a length of 1. */
#define BI_BUF_SIZE 4096
#define BI_MAX_PARAMS 16
/* A call still running after this long is taken as hung (a guard against
 * a test that never ends, not a measure of speed). */
#define BI_HANG_SECONDS 300

enum {
    BI_FX_MESSAGE,
    BI_FX_ITEM,
    BI_FX_ADDRESS,
    BI_FX_CMSG_BUILDER,
    BI_FX_CONTROL,
    BI_FX_RECEIVER,
    BI_FX_BATCH,
    BI_FX_COUNT
};

enum { BI_OPT_NONBLOCK, BI_OPT_DEADLINE_0, BI_OPT_BAD_WAIT, BI_OPT_BAD_FLAGS, BI_OPT_COUNT };

struct bi_env {
    void *fixture[BI_FX_COUNT];
    int consumed[BI_FX_COUNT];
    /* An empty non-blocking datagram pair: calls get sock[0]. */
    int sock[2];
    /* A pipe: pipe[0] is the descriptor that is not a socket. */
    int pipe[2];
    int closed_fd;
    rmsg_recv_options recv_options[BI_OPT_COUNT];
    rmsg_send_options send_options[BI_OPT_COUNT];
    /* One zeroed page per parameter, and one page of control messages
     * for parameters that are bytes to read; each is followed by a page
     * that is not accessible, so that an access past the end faults. */
    unsigned char *buf[BI_MAX_PARAMS];
    unsigned char *bytes[BI_MAX_PARAMS];
};

struct bi_case {
    const char *function;
    const char *values;
    int must_fail;
    uint32_t (*call)(struct bi_env *e);
};

static void *bi_buf(struct bi_env *e, int i) { return e->buf[i]; }

static void *bi_bytes(struct bi_env *e, int i) { return e->bytes[i]; }

static void *bi_fixture(struct bi_env *e, int which) { return e->fixture[which]; }


#include "bad_input_cases.h"

static struct bi_env env;

/* Control bytes holding an SCM_RIGHTS item with `fd` and an IP_TTL item. */
static size_t control_bytes(uint8_t *out, size_t cap, int fd) {
    struct cmsghdr *h = (struct cmsghdr *)(void *)out;
    int ttl = 64;
    size_t len = CMSG_SPACE(sizeof fd) + CMSG_SPACE(sizeof ttl);
    CHECK(cap >= len);
    memset(out, 0, len);
    h->cmsg_len = CMSG_LEN(sizeof fd);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    memcpy(CMSG_DATA(h), &fd, sizeof fd);
    h = (struct cmsghdr *)(void *)(out + CMSG_SPACE(sizeof fd));
    h->cmsg_len = CMSG_LEN(sizeof ttl);
    h->cmsg_level = IPPROTO_IP;
    h->cmsg_type = IP_TTL;
    memcpy(CMSG_DATA(h), &ttl, sizeof ttl);
    return len;
}

/* A page followed by an inaccessible one. */
static unsigned char *guarded_page(void) {
    unsigned char *p = (unsigned char *)mmap(NULL, 2 * BI_BUF_SIZE, PROT_READ | PROT_WRITE,
                                             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != (unsigned char *)MAP_FAILED);
    CHECK(mprotect(p + BI_BUF_SIZE, BI_BUF_SIZE, PROT_NONE) == 0);
    return p;
}

/* Fills a page with IP_TTL items, the last one's data running into the
 * guard page, as a walk that trusts a length past the page would read. */
static void fill_with_items(unsigned char *page) {
    struct cmsghdr h;
    size_t at;
    int ttl = 64;
    memset(&h, 0, sizeof h);
    h.cmsg_len = CMSG_LEN(sizeof ttl);
    h.cmsg_level = IPPROTO_IP;
    h.cmsg_type = IP_TTL;
    for (at = 0; at + sizeof h <= BI_BUF_SIZE; at += CMSG_SPACE(sizeof ttl)) {
        memcpy(page + at, &h, sizeof h);
        if (at + CMSG_LEN(sizeof ttl) <= BI_BUF_SIZE)
            memcpy(page + at + CMSG_LEN(0), &ttl, sizeof ttl);
    }
}

static void map_buffers(struct bi_env *e) {
    int i;
    for (i = 0; i < BI_MAX_PARAMS; i++) {
        e->buf[i] = guarded_page();
        e->bytes[i] = guarded_page();
        fill_with_items(e->bytes[i]);
    }
}

static void unmap_buffers(struct bi_env *e) {
    int i;
    for (i = 0; i < BI_MAX_PARAMS; i++) {
        CHECK(munmap(e->buf[i], 2 * BI_BUF_SIZE) == 0);
        CHECK(munmap(e->bytes[i], 2 * BI_BUF_SIZE) == 0);
    }
}

static void set_options(struct bi_env *e) {
    const uint32_t wait[BI_OPT_COUNT] = {RMSG_WAIT_NONBLOCK, RMSG_WAIT_DEADLINE, 77, 0};
    const uint32_t flags[BI_OPT_COUNT] = {0, 0, 0, 0x80000000u};
    int i;
    for (i = 0; i < BI_OPT_COUNT; i++) {
        e->recv_options[i].wait = wait[i];
        e->recv_options[i].flags = flags[i];
        e->recv_options[i].timeout_ns = 0;
        e->send_options[i].wait = wait[i];
        e->send_options[i].flags = flags[i];
        e->send_options[i].timeout_ns = 0;
    }
}

/* Makes every fixture: each handle type once, holding descriptors where
 * it can (a message and a parsed buffer own one each). */
static void bi_setup(struct bi_env *e) {
    union {
        uint8_t bytes[256];
        struct cmsghdr align;
    } raw;
    rmsg_message *m = NULL;
    rmsg_control *c = NULL;
    rmsg_address *a = NULL;
    rmsg_cmsg_builder *b = NULL;
    rmsg_receiver *r = NULL;
    rmsg_batch *batch = NULL;
    int sv[2];
    size_t len;
    memset(e, 0, sizeof *e);
    map_buffers(e);
    unix_pair(SOCK_DGRAM, e->sock);
    set_nonblocking(e->sock[0]);
    set_nonblocking(e->sock[1]);
    make_pipe(e->pipe);
    e->closed_fd = fcntl(e->pipe[0], F_DUPFD, 512);
    CHECK(e->closed_fd >= 0);
    close(e->closed_fd);
    set_options(e);
    passcred_pair(sv);
    send_with_fds(sv[0], "hello", 5, &e->pipe[1], 1);
    CHECK_OK(rmsg_recvmsg(sv[1], 64, 256, 0, &m));
    close_pair(sv);
    CHECK(rmsg_message_item_count(m) == 2 && rmsg_message_fd_count(m) == 1);
    e->fixture[BI_FX_MESSAGE] = m;
    e->fixture[BI_FX_ITEM] = (void *)(uintptr_t)rmsg_message_item(m, 0);
    len = control_bytes(raw.bytes, sizeof raw.bytes, dup(e->pipe[1]));
    CHECK_OK(rmsg_control_parse(raw.bytes, len, RMSG_PARSE_OWN_FDS, &c));
    e->fixture[BI_FX_CONTROL] = c;
    CHECK_OK(rmsg_address_parse("127.0.0.1:9", 11, &a));
    e->fixture[BI_FX_ADDRESS] = a;
    CHECK_OK(rmsg_cmsg_builder_new(&b));
    CHECK_OK(rmsg_cmsg_builder_add_ip_ttl(b, 64));
    CHECK_OK(rmsg_cmsg_builder_add_fds(b, &e->pipe[1], 1));
    e->fixture[BI_FX_CMSG_BUILDER] = b;
    CHECK_OK(rmsg_receiver_new(64, 256, NULL, &r));
    e->fixture[BI_FX_RECEIVER] = r;
    CHECK_OK(rmsg_batch_new(2, 64, 256, NULL, &batch));
    e->fixture[BI_FX_BATCH] = batch;
}

/* Frees every fixture the call did not free itself. */
static void bi_teardown(struct bi_env *e) {
    if (!e->consumed[BI_FX_MESSAGE]) rmsg_message_free((rmsg_message *)e->fixture[BI_FX_MESSAGE]);
    if (!e->consumed[BI_FX_CONTROL]) rmsg_control_free((rmsg_control *)e->fixture[BI_FX_CONTROL]);
    if (!e->consumed[BI_FX_ADDRESS]) rmsg_address_free((rmsg_address *)e->fixture[BI_FX_ADDRESS]);
    if (!e->consumed[BI_FX_CMSG_BUILDER])
        rmsg_cmsg_builder_free((rmsg_cmsg_builder *)e->fixture[BI_FX_CMSG_BUILDER]);
    if (!e->consumed[BI_FX_RECEIVER])
        rmsg_receiver_free((rmsg_receiver *)e->fixture[BI_FX_RECEIVER]);
    if (!e->consumed[BI_FX_BATCH]) rmsg_batch_free((rmsg_batch *)e->fixture[BI_FX_BATCH]);
    close_pair(e->sock);
    close_pair(e->pipe);
}

/* The open descriptors of this process, in `fds` (at most `cap`). */
static size_t open_fds(int *fds, size_t cap) {
    DIR *d = opendir("/proc/self/fd");
    struct dirent *ent;
    size_t n = 0;
    CHECK(d != NULL);
    while ((ent = readdir(d)) != NULL) {
        int fd;
        if (ent->d_name[0] == '.') continue;
        fd = atoi(ent->d_name);
        if (fd == dirfd(d)) continue;
        CHECK(n < cap);
        fds[n++] = fd;
    }
    closedir(d);
    return n;
}

static int contains(const int *fds, size_t n, int fd) {
    size_t i;
    for (i = 0; i < n; i++)
        if (fds[i] == fd) return 1;
    return 0;
}

/* True when the call wrote `fd` into one of its output buffers: the
 * caller owns it now (a take function), so it is not a leak. */
static int handed_out(const struct bi_env *e, int fd) {
    size_t i, k;
    for (i = 0; i < BI_MAX_PARAMS; i++) {
        for (k = 0; k + sizeof(int) <= BI_BUF_SIZE; k += sizeof(int)) {
            int v;
            memcpy(&v, e->buf[i] + k, sizeof v);
            if (v == fd) return 1;
        }
    }
    return 0;
}

enum { BI_PASS = 0, BI_SETUP_FAILED = 1, BI_ACCEPTED = 2, BI_LEAK = 3, BI_PANIC = 4 };

/* The child: fixtures, the one call, cleanup, and the checks. */
static int run_child(const struct bi_case *c) {
    int before[512], after[512];
    size_t nb, na, i;
    int rc = BI_PASS;
    uint32_t st;
    alarm(BI_HANG_SECONDS);
    nb = open_fds(before, 512);
    bi_setup(&env);
    st = c->call(&env);
    bi_teardown(&env);
    na = open_fds(after, 512);
    for (i = 0; i < na; i++) {
        if (contains(before, nb, after[i])) continue;
        if (handed_out(&env, after[i])) {
            close(after[i]);
            continue;
        }
        fprintf(stderr, "  descriptor %d left open\n", after[i]);
        rc = BI_LEAK;
    }
    if (st == RMSG_ERR_PANIC) {
        fprintf(stderr, "  RMSG_ERR_PANIC\n");
        rc = BI_PANIC;
    }
    if (c->must_fail && st == RMSG_OK) {
        fprintf(stderr, "  returned RMSG_OK for an invalid input\n");
        rc = BI_ACCEPTED;
    }
    unmap_buffers(&env);
    return rc;
}

/* Runs one call in a child; returns 1 when it failed (and says how). */
static int run_case(const struct bi_case *c) {
    int st = 0;
    pid_t pid, r;
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) exit(run_child(c));
    do {
        r = waitpid(pid, &st, 0);
    } while (r < 0 && errno == EINTR);
    CHECK(r == pid);
    if (WIFEXITED(st) && WEXITSTATUS(st) == BI_PASS) return 0;
    fprintf(stderr, "FAIL %s(%s): ", c->function, c->values);
    if (WIFSIGNALED(st))
        fprintf(stderr, "killed by signal %d%s\n", WTERMSIG(st),
                WTERMSIG(st) == SIGALRM ? " (hung)" : "");
    else
        fprintf(stderr, "child exited with %d\n", WEXITSTATUS(st));
    return 1;
}

int main(void) {
    size_t i, failed = 0, refused = 0, n = sizeof bi_cases / sizeof bi_cases[0];
    TEST_BEGIN();
    for (i = 0; i < n; i++) {
        failed += (size_t)run_case(&bi_cases[i]);
        refused += (size_t)bi_cases[i].must_fail;
    }
    printf("bad_input: %zu calls to %d functions of rmsg.h, each in its own process; "
           "%zu of them with an input that must be refused; %zu failed\n",
           n, BI_FUNCTION_COUNT, refused, failed);
    if (failed > 0) return 1;
    TEST_END();
}
