/*
 * Shared helpers for the C tests: checks that print where they failed (of
 * received bytes too), a count of open file descriptors, a runner that
 * fails any test that leaves more descriptors open than it found, and the
 * sockets (AF_UNIX pairs and abstract names, loopback UDP and TCP), pipes,
 * options, clocks and children the tests share.
 */
#ifndef RMSG_TEST_HELPERS_H
#define RMSG_TEST_HELPERS_H

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rmsg.h"

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s (errno %d)\n", __FILE__, \
                    __LINE__, #cond, errno);                                 \
            exit(1);                                                         \
        }                                                                    \
    } while (0)

#define CHECK_STATUS(expr, want)                                             \
    do {                                                                     \
        uint32_t got_ = (uint32_t)(expr);                                    \
        if (got_ != (uint32_t)(want)) {                                      \
            fprintf(stderr, "%s:%d: %s returned %s, wanted %s (errno %d)\n", \
                    __FILE__, __LINE__, #expr, rmsg_status_name(got_),       \
                    rmsg_status_name((uint32_t)(want)), rmsg_last_errno());  \
            exit(1);                                                         \
        }                                                                    \
    } while (0)

#define CHECK_OK(expr) CHECK_STATUS(expr, RMSG_OK)

/* A recognisable non-NULL message pointer to put in an output that a
 * failing call must leave as it was. */
#define UNTOUCHED ((rmsg_message *)(uintptr_t)0x1)

/* Writes `len` bytes as a quoted string, escaping what is not printable
 * and showing at most the first 64. */
static inline void print_bytes(FILE *f, const void *bytes, size_t len) {
    const unsigned char *b = (const unsigned char *)bytes;
    size_t i, shown = len < 64 ? len : 64;
    fputc('"', f);
    for (i = 0; i < shown; i++) {
        if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '"' && b[i] != '\\')
            fputc(b[i], f);
        else
            fprintf(f, "\\x%02x", b[i]);
    }
    fputc('"', f);
    if (shown < len) fputs("...", f);
}

/* Fails, printing both sides, unless the `got_len` bytes at `got` are
 * exactly the `want_len` bytes at `want`. Use CHECK_BYTES or CHECK_DATA,
 * which report the caller's file and line. */
static inline void check_bytes_at(const char *file, int line, const void *got,
                                  size_t got_len, const void *want, size_t want_len) {
    if (got_len == want_len && (want_len == 0 || memcmp(got, want, want_len) == 0)) return;
    fprintf(stderr, "%s:%d: got %zu bytes ", file, line, got_len);
    print_bytes(stderr, got, got_len);
    fprintf(stderr, ", wanted %zu bytes ", want_len);
    print_bytes(stderr, want, want_len);
    fputc('\n', stderr);
    exit(1);
}

#define CHECK_BYTES(got, got_len, want, want_len) \
    check_bytes_at(__FILE__, __LINE__, (got), (got_len), (want), (want_len))

/* The data of message `m` is exactly the `len` bytes at `want`. */
#define CHECK_DATA(m, want, len) \
    CHECK_BYTES(rmsg_message_data(m), rmsg_message_data_len(m), (want), (len))

/* Number of open descriptors of this process (not counting the one used to
 * list them). */
static inline int open_fd_count(void) {
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    struct dirent *e;
    CHECK(d != NULL);
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.') n++;
    }
    closedir(d);
    return n - 1;
}

static inline int fd_is_open(int fd) { return fcntl(fd, F_GETFD) >= 0; }

static inline int fd_is_cloexec(int fd) {
    int f = fcntl(fd, F_GETFD);
    CHECK(f >= 0);
    return (f & FD_CLOEXEC) != 0;
}

/* True when two descriptors refer to the same open file (same inode). */
static inline int same_file(int a, int b) {
    struct stat sa, sb;
    CHECK(fstat(a, &sa) == 0);
    CHECK(fstat(b, &sb) == 0);
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Runs one test function and fails if it left descriptors open. */
#define RUN(test)                                                              \
    do {                                                                       \
        int before_ = open_fd_count();                                         \
        test();                                                                \
        int after_ = open_fd_count();                                          \
        if (after_ > before_) {                                                \
            fprintf(stderr, "%s left %d descriptor(s) open\n", #test,          \
                    after_ - before_);                                         \
            exit(1);                                                           \
        }                                                                      \
        printf("ok %s\n", #test);                                              \
    } while (0)

/* Call at the start of main, and TEST_END at its end: the process must end
 * with no more open descriptors than it started with. */
#define TEST_BEGIN() int fds_at_start_ = open_fd_count()
#define TEST_END()                                                             \
    do {                                                                       \
        int fds_at_end_ = open_fd_count();                                     \
        if (fds_at_end_ > fds_at_start_) {                                     \
            fprintf(stderr, "process ends with %d more open descriptor(s)\n",  \
                    fds_at_end_ - fds_at_start_);                              \
            return 1;                                                          \
        }                                                                      \
        return 0;                                                              \
    } while (0)

/* A connected AF_UNIX socket pair of the given type. */
static inline void unix_pair(int type, int sv[2]) {
    CHECK(socketpair(AF_UNIX, type, 0, sv) == 0);
}

/* Closes both descriptors of a pair: a socket pair, a pipe, or the two
 * received copies of one. */
static inline void close_pair(int sv[2]) {
    close(sv[0]);
    close(sv[1]);
}

/* The length of an AF_INET or AF_INET6 socket address. */
static inline socklen_t inet_name_len(const struct sockaddr_storage *name) {
    return name->ss_family == AF_INET6 ? (socklen_t)sizeof(struct sockaddr_in6)
                                       : (socklen_t)sizeof(struct sockaddr_in);
}

/* A UDP socket bound to the loopback address of `family` (127.0.0.1 for
 * AF_INET, ::1 for AF_INET6) on a port the kernel picks. Either output may
 * be NULL: the bound name, as getsockname gives it, and its port in host
 * order. */
static inline int udp_loopback(int family, struct sockaddr_storage *name_out,
                               uint16_t *port_out) {
    union {
        struct sockaddr sa;
        struct sockaddr_in in;
        struct sockaddr_in6 in6;
        struct sockaddr_storage ss;
    } name;
    socklen_t len = sizeof name.ss;
    int s;
    CHECK(family == AF_INET || family == AF_INET6);
    s = socket(family, SOCK_DGRAM, 0);
    CHECK(s >= 0);
    memset(&name, 0, sizeof name);
    if (family == AF_INET) {
        name.in.sin_family = AF_INET;
        name.in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    } else {
        name.in6.sin6_family = AF_INET6;
        name.in6.sin6_addr = in6addr_loopback;
    }
    CHECK(bind(s, &name.sa, inet_name_len(&name.ss)) == 0);
    CHECK(getsockname(s, &name.sa, &len) == 0);
    if (name_out) *name_out = name.ss;
    if (port_out) *port_out = ntohs(family == AF_INET ? name.in.sin_port : name.in6.sin6_port);
    return s;
}

/* Sends `len` bytes from `s` to the AF_INET or AF_INET6 address `to`, all
 * in one datagram. */
static inline void send_to(int s, const struct sockaddr_storage *to, const void *data,
                           size_t len) {
    CHECK(sendto(s, data, len, 0, (const struct sockaddr *)to, inet_name_len(to)) ==
          (ssize_t)len);
}

/* A connected TCP pair over 127.0.0.1: sv[0] connected to sv[1], the
 * accepted end (the listener is closed again). */
static inline void tcp_loopback_pair(int sv[2]) {
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int l = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(l >= 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(l, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(listen(l, 1) == 0);
    CHECK(getsockname(l, (struct sockaddr *)&a, &len) == 0);
    sv[0] = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(sv[0] >= 0);
    CHECK(connect(sv[0], (struct sockaddr *)&a, sizeof a) == 0);
    sv[1] = accept(l, NULL, NULL);
    CHECK(sv[1] >= 0);
    close(l);
}

/* An AF_UNIX socket of `type` bound to the abstract name "\0<tag>-<pid>"
 * (no terminator). Either output may be NULL: the bound address and its
 * length. */
static inline int unix_abstract(int type, const char *tag, struct sockaddr_un *name_out,
                                socklen_t *len_out) {
    struct sockaddr_un a;
    socklen_t len;
    int n, s = socket(AF_UNIX, type, 0);
    CHECK(s >= 0);
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    n = snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "%s-%ld", tag, (long)getpid());
    CHECK(n > 0 && (size_t)n < sizeof a.sun_path - 1);
    len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
    CHECK(bind(s, (struct sockaddr *)&a, len) == 0);
    if (name_out) *name_out = a;
    if (len_out) *len_out = len;
    return s;
}

/* Sends `len` bytes with `nfds` descriptors in one SCM_RIGHTS item. */
static inline void send_with_fds(int sock, const void *data, size_t len,
                                 const int *fds, size_t nfds) {
    union {
        char buf[CMSG_SPACE(sizeof(int) * 253)];
        struct cmsghdr align;
    } u;
    struct iovec iov;
    struct msghdr m;
    memset(&m, 0, sizeof m);
    memset(&u, 0, sizeof u);
    iov.iov_base = (void *)data;
    iov.iov_len = len;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    if (nfds > 0) {
        struct cmsghdr *c;
        m.msg_control = u.buf;
        m.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
        c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
    }
    CHECK(sendmsg(sock, &m, 0) == (ssize_t)len);
}

/* A fresh pipe; both ends owned by the caller. */
static inline void make_pipe(int p[2]) { CHECK(pipe(p) == 0); }

/* Receive options with these fields (RMSG_WAIT_*, RMSG_RECV_* flags, the
 * deadline's timeout). */
static inline rmsg_recv_options recv_options(uint32_t wait, uint32_t flags,
                                             uint64_t timeout_ns) {
    rmsg_recv_options o;
    memset(&o, 0, sizeof o);
    o.wait = wait;
    o.flags = flags;
    o.timeout_ns = timeout_ns;
    return o;
}

/* A scatter or gather buffer of `len` bytes at `base`. */
static inline rmsg_iovec iov_of(const void *base, size_t len) {
    rmsg_iovec v;
    v.base = (uint8_t *)(uintptr_t)base;
    v.len = len;
    return v;
}

/* Turns on O_NONBLOCK for `fd`, keeping its other status flags. */
static inline void set_nonblocking(int fd) {
    int fl = fcntl(fd, F_GETFL);
    CHECK(fl >= 0);
    CHECK(fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0);
}

/* CLOCK_MONOTONIC now, in nanoseconds. */
static inline uint64_t now_ns(void) {
    struct timespec ts;
    CHECK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Sleeps `us` microseconds, resuming after signals. */
static inline void sleep_us(long us) {
    struct timespec ts;
    ts.tv_sec = us / 1000000L;
    ts.tv_nsec = (us % 1000000L) * 1000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Sleeps `ms` milliseconds, resuming after signals. */
static inline void sleep_ms(long ms) { sleep_us(ms * 1000L); }

/* Waits for a child (retrying EINTR) and fails unless it exited 0. */
static inline void reap(pid_t pid) {
    int st = 0;
    pid_t r;
    do {
        r = waitpid(pid, &st, 0);
    } while (r < 0 && errno == EINTR);
    CHECK(r == pid);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "child %d ended with status 0x%x\n", (int)pid, st);
        exit(1);
    }
}

/* setsockopt of an int option, which must succeed. */
static inline void set_int(int s, int level, int name, int value) {
    CHECK(setsockopt(s, level, name, &value, sizeof value) == 0);
}

/* A datagram pair whose receiving end (sv[1]) has SO_PASSCRED on, so every
 * message arrives with an SCM_CREDENTIALS item. */
static inline void passcred_pair(int sv[2]) {
    unix_pair(SOCK_DGRAM, sv);
    set_int(sv[1], SOL_SOCKET, SO_PASSCRED, 1);
}

/* Index of the message's first item with this level and type, or
 * (size_t)-1. */
static inline size_t find_index(const rmsg_message *m, int level, int type) {
    size_t i, n = rmsg_message_item_count(m);
    for (i = 0; i < n; i++) {
        const rmsg_item *it = rmsg_message_item(m, i);
        if (rmsg_item_level(it) == level && rmsg_item_type(it) == type) return i;
    }
    return (size_t)-1;
}

/* The message's first item with this level and type, or NULL. */
static inline const rmsg_item *find_item(const rmsg_message *m, int level, int type) {
    size_t i = find_index(m, level, type);
    return i == (size_t)-1 ? NULL : rmsg_message_item(m, i);
}

#endif
