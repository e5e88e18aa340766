/*
 * The Node-API addon of the rmsg npm package: librmsg's C API for
 * lib/index.js, which builds the JavaScript API on it.
 *
 * - The addon does not link librmsg. lib/index.js finds the library (the
 *   same order as the Python binding) and calls load(path), which dlopens
 *   it and looks up every function used here into one table, R.
 * - Nothing here blocks: every receive and send passes RMSG_WAIT_NONBLOCK
 *   and reports "would block" as null, and lib/index.js waits for
 *   readiness with one libuv poll handle per socket (pollStart), on the
 *   loop of the environment (napi_get_uv_event_loop). No thread is made.
 * - A received batch reaches JavaScript as three values: a Float64Array of
 *   numbers (the layout is in lib/index.js, decode()), a Buffer holding
 *   every message's data and raw item bytes, and an array of the address
 *   strings. Making the message objects in JavaScript costs less than
 *   setting their properties through Node-API one call at a time. The
 *   arrays are the socket's, reused by every receive (decode() reads them
 *   at once); the data go into a pooled Buffer that messages view, and
 *   address strings are kept for the next receives.
 * - Received descriptors change hands last, once nothing can fail; any
 *   failure before that closes every descriptor of the batch.
 * - Argument checks here are a last line: lib/index.js throws the
 *   TypeErrors and RangeErrors users see, but a bad call straight into the
 *   addon gets one too, never a crash.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#include "rmsg.h"

/* ---- the library ------------------------------------------------------ */

#define RMSG_FUNCTIONS(X)                                                                    \
    X(rmsg_version) X(rmsg_status_name) X(rmsg_status_describe) X(rmsg_last_errno)          \
    X(rmsg_kind_name) X(rmsg_receiver_new) X(rmsg_receiver_recv) X(rmsg_receiver_free)       \
    X(rmsg_batch_new) X(rmsg_batch_recv) X(rmsg_batch_message) X(rmsg_batch_free)           \
    X(rmsg_message_summarize) X(rmsg_message_item) X(rmsg_message_address)                  \
    X(rmsg_message_take_item_fds) X(rmsg_item_kind) X(rmsg_item_level) X(rmsg_item_type)    \
    X(rmsg_item_truncated) X(rmsg_item_data) X(rmsg_item_data_len) X(rmsg_item_fd_count)    \
    X(rmsg_item_credentials) X(rmsg_item_timestamp) X(rmsg_item_timestamping)               \
    X(rmsg_item_rxq_ovfl) X(rmsg_item_mark) X(rmsg_item_ts_pktinfo) X(rmsg_item_ip_pktinfo) \
    X(rmsg_item_ip_ttl) X(rmsg_item_ip_tos) X(rmsg_item_recverr)                            \
    X(rmsg_item_ip_origdstaddr) X(rmsg_item_fragsize) X(rmsg_item_ipv6_pktinfo)             \
    X(rmsg_item_ipv6_hoplimit) X(rmsg_item_ipv6_tclass) X(rmsg_item_ipv6_origdstaddr)       \
    X(rmsg_item_ipv6_pathmtu) X(rmsg_item_udp_gro) X(rmsg_item_tls_record_type)             \
    X(rmsg_item_security) X(rmsg_item_ts_opt_stats) X(rmsg_item_ip_options)                 \
    X(rmsg_address_parse) X(rmsg_address_free) X(rmsg_address_format) X(rmsg_address_raw)   \
    X(rmsg_address_from_inet) X(rmsg_address_from_inet6) X(rmsg_address_from_unix_path)     \
    X(rmsg_address_from_unix_abstract) X(rmsg_cmsg_builder_new) X(rmsg_cmsg_builder_free)   \
    X(rmsg_cmsg_builder_reset) X(rmsg_cmsg_builder_add_fds)                                 \
    X(rmsg_cmsg_builder_add_credentials) X(rmsg_cmsg_builder_add_ip_pktinfo)                \
    X(rmsg_cmsg_builder_add_ipv6_pktinfo) X(rmsg_cmsg_builder_add_ip_tos)                   \
    X(rmsg_cmsg_builder_add_ip_ttl) X(rmsg_cmsg_builder_add_ipv6_tclass)                    \
    X(rmsg_cmsg_builder_add_ipv6_hoplimit) X(rmsg_cmsg_builder_add_udp_segment)             \
    X(rmsg_cmsg_builder_add_txtime) X(rmsg_cmsg_builder_add_raw) X(rmsg_sendmsg)            \
    X(rmsg_control_space_for_socket)

#define DECLARE(name) __typeof__(name) *name;
static struct {
    RMSG_FUNCTIONS(DECLARE)
} R;
#undef DECLARE

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static void *library;         /* dlopen handle, kept for the process */
static char library_path[4096];

/* ---- errors ------------------------------------------------------------ */

/* The Node `code` of a status: the errno name for statuses that stand for
 * one, rmsg's status name for the others. */
static const char *status_code(rmsg_status s, int err) {
    switch (s) {
    case RMSG_ERR_OS:
    case RMSG_ERR_WOULD_BLOCK:
    case RMSG_ERR_TIMED_OUT:
    case RMSG_ERR_INTERRUPTED:
    case RMSG_ERR_BAD_FD:
    case RMSG_ERR_NOT_A_SOCKET:
    case RMSG_ERR_BROKEN_PIPE:
    case RMSG_ERR_OUT_OF_MEMORY: {
        const char *name = err > 0 ? strerrorname_np(err) : NULL;
        if (name) return name;
        break;
    }
    default:
        break;
    }
    return R.rmsg_status_name(s);
}

static void set_str(napi_env env, napi_value obj, const char *key, const char *value) {
    napi_value v;
    if (napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v) == napi_ok)
        napi_set_named_property(env, obj, key, v);
}

static void set_int(napi_env env, napi_value obj, const char *key, int64_t value) {
    napi_value v;
    if (napi_create_int64(env, value, &v) == napi_ok) napi_set_named_property(env, obj, key, v);
}

/* Throws an Error for an errno: code (EAGAIN ...), errno (negative, as
 * Node's system errors have it) and syscall. */
static napi_value throw_errno(napi_env env, const char *syscall, int err) {
    char msg[256];
    const char *name = strerrorname_np(err);
    char fallback[32];
    if (!name) {
        snprintf(fallback, sizeof fallback, "E%d", err);
        name = fallback;
    }
    snprintf(msg, sizeof msg, "%s: %s (%s)", syscall, strerror(err), name);
    napi_value text, code, error;
    if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text) != napi_ok ||
        napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code) != napi_ok ||
        napi_create_error(env, code, text, &error) != napi_ok)
        return NULL;
    set_int(env, error, "errno", -(int64_t)err);
    set_str(env, error, "syscall", syscall);
    napi_throw(env, error);
    return NULL;
}

/* Throws an Error for an rmsg status: code as status_code() says, status
 * (the status's name), errno (negative) and syscall. */
static napi_value throw_status(napi_env env, const char *syscall, rmsg_status s) {
    int err = R.rmsg_last_errno();
    char msg[256];
    const char *code = status_code(s, err);
    if (s == RMSG_ERR_OS && err > 0)
        snprintf(msg, sizeof msg, "%s: %s (%s)", syscall, strerror(err), code);
    else
        snprintf(msg, sizeof msg, "%s: %s (%s)", syscall, R.rmsg_status_describe(s), code);
    napi_value text, codev, error;
    if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text) != napi_ok ||
        napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &codev) != napi_ok ||
        napi_create_error(env, codev, text, &error) != napi_ok)
        return NULL;
    if (err > 0) set_int(env, error, "errno", -(int64_t)err);
    set_str(env, error, "status", R.rmsg_status_name(s));
    set_str(env, error, "syscall", syscall);
    napi_throw(env, error);
    return NULL;
}

static napi_value throw_type(napi_env env, const char *msg) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
    return NULL;
}

static napi_value throw_range(napi_env env, const char *msg) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
    return NULL;
}

/* ---- argument readers -------------------------------------------------- */

#define MAX_ARGS 8
#define ARGS(n)                                                                  \
    size_t argc = (n);                                                           \
    napi_value argv[MAX_ARGS];                                                   \
    if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL; \
    for (size_t a_ = argc; a_ < (size_t)(n); a_++) napi_get_undefined(env, &argv[a_])

static bool is_type(napi_env env, napi_value v, napi_valuetype want) {
    napi_valuetype t;
    return napi_typeof(env, v, &t) == napi_ok && t == want;
}

static bool is_nullish(napi_env env, napi_value v) {
    napi_valuetype t;
    return napi_typeof(env, v, &t) != napi_ok || t == napi_null || t == napi_undefined;
}

/* An integer in [lo, hi]; false after throwing TypeError or RangeError. */
static bool get_int(napi_env env, napi_value v, const char *what, int64_t lo, int64_t hi,
                    int64_t *out) {
    char msg[160];
    double d;
    if (!is_type(env, v, napi_number)) {
        snprintf(msg, sizeof msg, "%s must be a number", what);
        throw_type(env, msg);
        return false;
    }
    napi_get_value_double(env, v, &d);
    if (!(d >= (double)lo && d <= (double)hi) || d != (double)(int64_t)d) {
        snprintf(msg, sizeof msg, "%s must be an integer from %lld to %lld", what, (long long)lo,
                 (long long)hi);
        throw_range(env, msg);
        return false;
    }
    *out = (int64_t)d;
    return true;
}

static bool get_fd(napi_env env, napi_value v, int *fd) {
    int64_t x;
    if (!get_int(env, v, "fd", 0, INT_MAX, &x)) return false;
    *fd = (int)x;
    return true;
}

/* Text argument into buf (NUL-terminated); false after throwing. */
static bool get_text(napi_env env, napi_value v, const char *what, char *buf, size_t cap,
                     size_t *len) {
    char msg[160];
    if (!is_type(env, v, napi_string)) {
        snprintf(msg, sizeof msg, "%s must be a string", what);
        throw_type(env, msg);
        return false;
    }
    size_t need;
    napi_get_value_string_utf8(env, v, NULL, 0, &need);
    if (need >= cap) {
        snprintf(msg, sizeof msg, "%s is too long (%zu bytes, at most %zu)", what, need, cap - 1);
        throw_range(env, msg);
        return false;
    }
    napi_get_value_string_utf8(env, v, buf, cap, len);
    return true;
}

/* Bytes of a Buffer or other TypedArray (a view of its memory). */
static bool get_bytes(napi_env env, napi_value v, const char *what, uint8_t **data, size_t *len) {
    bool ok = false;
    char msg[160];
    if (napi_is_buffer(env, v, &ok) == napi_ok && ok) {
        void *p;
        if (napi_get_buffer_info(env, v, &p, len) != napi_ok) return false;
        *data = p;
        return true;
    }
    if (napi_is_typedarray(env, v, &ok) == napi_ok && ok) {
        napi_typedarray_type type;
        size_t length, offset;
        void *p;
        napi_value ab;
        if (napi_get_typedarray_info(env, v, &type, &length, &p, &ab, &offset) != napi_ok)
            return false;
        size_t width = 1;
        switch (type) {
        case napi_int16_array: case napi_uint16_array: width = 2; break;
        case napi_int32_array: case napi_uint32_array: case napi_float32_array: width = 4; break;
        case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: width = 8; break;
        default: break;
        }
        *data = p;
        *len = length * width;
        return true;
    }
    snprintf(msg, sizeof msg, "%s must be a Buffer or Uint8Array", what);
    throw_type(env, msg);
    return false;
}

/* ---- load ---------------------------------------------------------------- */

/* load(path): dlopen the library and look up every function. Returns the
 * path of the library in use (the first one loaded in this process: a
 * second call with another path keeps it). */
static napi_value js_load(napi_env env, napi_callback_info info) {
    ARGS(1);
    char path[sizeof library_path];
    size_t len;
    if (!get_text(env, argv[0], "path", path, sizeof path, &len)) return NULL;
    pthread_mutex_lock(&load_lock);
    if (!library) {
        void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            const char *e = dlerror();
            char msg[4096 + 128];
            snprintf(msg, sizeof msg, "cannot load %s: %s", path, e ? e : "unknown error");
            pthread_mutex_unlock(&load_lock);
            napi_throw_error(env, "ERR_RMSG_LOAD", msg);
            return NULL;
        }
#define LOOKUP(name)                                                                       \
    if (!(*(void **)&R.name = dlsym(h, #name))) {                                          \
        char msg[4096 + 128];                                                              \
        snprintf(msg, sizeof msg, "%s has no %s: it is older than this package", path, #name); \
        memset(&R, 0, sizeof R);                                                           \
        dlclose(h);                                                                        \
        pthread_mutex_unlock(&load_lock);                                                  \
        napi_throw_error(env, "ERR_RMSG_LOAD", msg);                                       \
        return NULL;                                                                       \
    }
        RMSG_FUNCTIONS(LOOKUP)
#undef LOOKUP
        library = h;
        memcpy(library_path, path, len + 1);
    }
    pthread_mutex_unlock(&load_lock);
    napi_value out;
    napi_create_string_utf8(env, library_path, NAPI_AUTO_LENGTH, &out);
    return out;
}

static bool loaded(napi_env env) {
    if (library) return true;
    napi_throw_error(env, "ERR_RMSG_LOAD", "librmsg is not loaded (call load(path) first)");
    return false;
}

#define REQUIRE_LIBRARY() \
    if (!loaded(env)) return NULL

static napi_value js_version(napi_env env, napi_callback_info info) {
    (void)info;
    REQUIRE_LIBRARY();
    napi_value out;
    napi_create_string_utf8(env, R.rmsg_version(), NAPI_AUTO_LENGTH, &out);
    return out;
}

static napi_value js_kind_name(napi_env env, napi_callback_info info) {
    ARGS(2);
    REQUIRE_LIBRARY();
    int64_t level, type;
    if (!get_int(env, argv[0], "level", INT_MIN, INT_MAX, &level) ||
        !get_int(env, argv[1], "type", INT_MIN, INT_MAX, &type))
        return NULL;
    napi_value out;
    napi_create_string_utf8(env, R.rmsg_kind_name((int)level, (int)type), NAPI_AUTO_LENGTH, &out);
    return out;
}

/* ---- the socket handle --------------------------------------------------- */

/* One per rmsg Socket: the descriptor it owns, the poll handle that waits
 * for it, and the receiver, batch and builder reused by its calls. */
/* A string made by an earlier receive (an address), kept for the next
 * ones: keyed by a tag and the bytes it was made from. The strings
 * themselves are in the socket's cache array, at the entry's index (Node-API
 * 9 has no references to strings). */
#define STRING_CACHE 8
typedef struct {
    uint8_t tag;
    uint8_t len;            /* 0: empty slot */
    uint8_t bytes[32];
    uint32_t call;          /* the receive that last put it in the strings array */
    uint32_t index;         /* its index there */
} cached_string;

/* The data pool: small messages' data are copied into one Buffer, each
 * message's data a view of it (as Node's own sockets pool their reads). */
#define POOL_SIZE 65536

typedef struct sock {
    napi_env env;
    int fd;                 /* -1 once closed */
    uv_poll_t poll;
    bool poll_init;         /* uv_poll_init done: uv_close needed */
    bool unref;             /* do not keep the loop alive */
    bool finalized;         /* the JavaScript handle is gone */
    int events;             /* UV_READABLE | UV_WRITABLE being waited for */
    napi_ref callback;      /* called (status, events) when ready; strong while polling */
    napi_ref self;          /* the handle itself; strong while polling */
    napi_async_context actx;
    rmsg_receiver *receiver;
    size_t receiver_buf, receiver_anc;
    rmsg_batch *batch;
    size_t batch_count, batch_buf, batch_anc;
    rmsg_cmsg_builder *builder;
    rmsg_address *to;       /* the last destination parsed, for the next send */
    char to_text[RMSG_MAX_ADDRESS_TEXT + 1];
    /* Kept between receives (see convert): the result array, the
     * numbers array, the strings array, the data pool, the strings. */
    napi_ref out, nums_ref, strs, cached;
    double *nums;
    size_t nums_cap;
    napi_ref pool_ref;
    uint8_t *pool;
    size_t pool_used;
    cached_string cache[STRING_CACHE];
    unsigned cache_next;
    uint32_t call;
} sock;

static void free_handles(sock *s) {
    R.rmsg_receiver_free(s->receiver);
    R.rmsg_batch_free(s->batch);
    R.rmsg_cmsg_builder_free(s->builder);
    R.rmsg_address_free(s->to);
    s->receiver = NULL;
    s->batch = NULL;
    s->builder = NULL;
    s->to = NULL;
}

static void on_poll_closed(uv_handle_t *h) {
    sock *s = h->data;
    s->poll_init = false;
    if (s->finalized) free(s);
}

/* Closes the descriptor and everything that waits on it. */
static void sock_close(sock *s) {
    if (s->fd < 0) return;
    if (s->poll_init) uv_close((uv_handle_t *)&s->poll, on_poll_closed);
    /* uv_close stopped the poll (the descriptor left epoll) synchronously. */
    close(s->fd);
    s->fd = -1;
    s->events = 0;
    free_handles(s);
}

static void delete_ref(napi_env env, napi_ref *r) {
    if (*r) napi_delete_reference(env, *r);
    *r = NULL;
}

static void sock_finalize(napi_env env, void *data, void *hint) {
    (void)hint;
    sock *s = data;
    s->finalized = true;
    sock_close(s);
    delete_ref(env, &s->callback);
    delete_ref(env, &s->self);
    delete_ref(env, &s->out);
    delete_ref(env, &s->nums_ref);
    delete_ref(env, &s->strs);
    delete_ref(env, &s->pool_ref);
    delete_ref(env, &s->cached);
    if (s->actx) napi_async_destroy(env, s->actx);
    if (!s->poll_init) free(s);
}

static bool get_sock(napi_env env, napi_value v, sock **out) {
    void *p = NULL;
    if (!is_type(env, v, napi_external) || napi_get_value_external(env, v, &p) != napi_ok || !p) {
        throw_type(env, "handle must be an rmsg socket handle");
        return false;
    }
    *out = p;
    if ((*out)->fd < 0) {
        napi_throw_error(env, "ERR_SOCKET_CLOSED", "the socket is closed");
        return false;
    }
    return true;
}

/* open(fd, callback): a handle that owns fd (closed by close() or when the
 * handle is collected). callback(status, events) runs on the loop when a
 * poll started by pollStart fires. */
static napi_value js_open(napi_env env, napi_callback_info info) {
    ARGS(2);
    REQUIRE_LIBRARY();
    int fd;
    if (!get_fd(env, argv[0], &fd)) return NULL;
    if (!is_type(env, argv[1], napi_function)) return throw_type(env, "callback must be a function");
    sock *s = calloc(1, sizeof *s);
    if (!s) return throw_errno(env, "open", ENOMEM);
    s->env = env;
    s->fd = fd;
    napi_value external, name;
    if (napi_create_external(env, s, sock_finalize, NULL, &external) != napi_ok) {
        free(s);
        return NULL;
    }
    /* From here the finalizer frees s. fd is the caller's again on
     * failure (it closes it), the handle's on success. */
    if (napi_create_reference(env, argv[1], 0, &s->callback) != napi_ok ||
        napi_create_reference(env, external, 0, &s->self) != napi_ok ||
        napi_create_string_utf8(env, "rmsg.Socket", NAPI_AUTO_LENGTH, &name) != napi_ok ||
        napi_async_init(env, NULL, name, &s->actx) != napi_ok) {
        s->fd = -1;
        return NULL;
    }
    return external;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
    ARGS(1);
    void *p = NULL;
    if (!is_type(env, argv[0], napi_external) || napi_get_value_external(env, argv[0], &p) != napi_ok ||
        !p)
        return throw_type(env, "handle must be an rmsg socket handle");
    sock *s = p;
    if (s->events) {
        napi_reference_unref(env, s->callback, NULL);
        napi_reference_unref(env, s->self, NULL);
    }
    sock_close(s);
    return NULL;
}

static void on_poll(uv_poll_t *h, int status, int events) {
    sock *s = h->data;
    napi_env env = s->env;
    napi_handle_scope scope;
    if (s->fd < 0 || napi_open_handle_scope(env, &scope) != napi_ok) return;
    napi_value cb, recv, argv[2];
    if (napi_get_reference_value(env, s->callback, &cb) == napi_ok && cb &&
        napi_get_global(env, &recv) == napi_ok &&
        napi_create_int32(env, status < 0 ? -status : 0, &argv[0]) == napi_ok &&
        napi_create_int32(env, events, &argv[1]) == napi_ok) {
        if (napi_make_callback(env, s->actx, recv, cb, 2, argv, NULL) == napi_pending_exception) {
            napi_value e;
            if (napi_get_and_clear_last_exception(env, &e) == napi_ok) napi_fatal_exception(env, e);
        }
    }
    napi_close_handle_scope(env, scope);
}

/* pollStart(handle, events): wait for UV_READABLE (1) and/or UV_WRITABLE
 * (2); 0 stops. While waiting, the handle and its callback are held. */
static napi_value js_poll(napi_env env, napi_callback_info info) {
    ARGS(2);
    sock *s;
    int64_t events;
    if (!get_sock(env, argv[0], &s) ||
        !get_int(env, argv[1], "events", 0, UV_READABLE | UV_WRITABLE, &events))
        return NULL;
    if ((int)events == s->events) return NULL;
    if (!s->poll_init) {
        uv_loop_t *loop;
        if (napi_get_uv_event_loop(env, &loop) != napi_ok) return NULL;
        int r = uv_poll_init(loop, &s->poll, s->fd);
        if (r < 0) return throw_errno(env, "uv_poll_init", -r);
        s->poll.data = s;
        s->poll_init = true;
        if (s->unref) uv_unref((uv_handle_t *)&s->poll);
    }
    if (events) {
        int r = uv_poll_start(&s->poll, (int)events, on_poll);
        if (r < 0) return throw_errno(env, "uv_poll_start", -r);
    } else {
        uv_poll_stop(&s->poll);
    }
    if (!s->events && events) {
        napi_reference_ref(env, s->callback, NULL);
        napi_reference_ref(env, s->self, NULL);
    } else if (s->events && !events) {
        napi_reference_unref(env, s->callback, NULL);
        napi_reference_unref(env, s->self, NULL);
    }
    s->events = (int)events;
    return NULL;
}

/* ref(handle, bool): whether a waiting poll keeps the loop alive. */
static napi_value js_ref(napi_env env, napi_callback_info info) {
    ARGS(2);
    sock *s;
    bool on;
    if (!get_sock(env, argv[0], &s)) return NULL;
    if (napi_get_value_bool(env, argv[1], &on) != napi_ok) return throw_type(env, "ref must be a boolean");
    s->unref = !on;
    if (s->poll_init) {
        if (on)
            uv_ref((uv_handle_t *)&s->poll);
        else
            uv_unref((uv_handle_t *)&s->poll);
    }
    return NULL;
}

static napi_value js_fileno(napi_env env, napi_callback_info info) {
    ARGS(1);
    sock *s;
    if (!get_sock(env, argv[0], &s)) return NULL;
    napi_value out;
    napi_create_int32(env, s->fd, &out);
    return out;
}

/* ---- receive ------------------------------------------------------------- */

/* Slots of the numbers array (lib/index.js decode() reads the same). */
enum { MSG_SLOTS = 7, ITEM_SLOTS = 5, MAX_VALUES = 8 };

/* The strings of one receive: an array of the address texts its messages
 * use, each made once and kept in the socket's cache for later receives
 * (a server hears the same peers again and again). */
typedef struct {
    napi_env env;
    sock *s;
    napi_value array;
    napi_value cached; /* the socket's cache array */
    uint32_t count;
} strings;

/* The index of text (made by make() unless cached) in the strings array,
 * or -1 after a failure (an exception is pending). */
static double intern(strings *st, uint8_t tag, const void *key, size_t key_len,
                     bool (*make)(const void *ctx, char *buf, size_t cap), const void *ctx) {
    sock *s = st->s;
    napi_value v;
    cached_string *c = NULL;
    if (key_len <= sizeof s->cache[0].bytes) {
        for (unsigned i = 0; i < STRING_CACHE; i++) {
            cached_string *e = &s->cache[i];
            if (e->len == key_len && e->tag == tag && memcmp(e->bytes, key, key_len) == 0) {
                if (e->call == s->call) return e->index;
                if (napi_get_element(st->env, st->cached, i, &v) != napi_ok) return -1;
                c = e;
                break;
            }
        }
    }
    if (!c) {
        char buf[RMSG_MAX_ADDRESS_TEXT + 1];
        if (!make(ctx, buf, sizeof buf)) buf[0] = 0;
        if (napi_create_string_utf8(st->env, buf, NAPI_AUTO_LENGTH, &v) != napi_ok) return -1;
        if (key_len <= sizeof s->cache[0].bytes) {
            unsigned slot = s->cache_next++ % STRING_CACHE;
            c = &s->cache[slot];
            c->len = 0;
            if (napi_set_element(st->env, st->cached, slot, v) != napi_ok) return -1;
            c->tag = tag;
            c->len = (uint8_t)key_len;
            memcpy(c->bytes, key, key_len);
        }
    }
    if (napi_set_element(st->env, st->array, st->count, v) != napi_ok) return -1;
    if (c) {
        c->call = s->call;
        c->index = st->count;
    }
    return st->count++;
}

static bool make_address(const void *ctx, char *buf, size_t cap) {
    size_t len;
    return R.rmsg_address_format(ctx, buf, cap, &len) == RMSG_OK;
}

static bool make_inet(const void *ctx, char *buf, size_t cap) {
    return inet_ntop(AF_INET, ctx, buf, (socklen_t)cap) != NULL;
}

static bool make_inet6(const void *ctx, char *buf, size_t cap) {
    return inet_ntop(AF_INET6, ctx, buf, (socklen_t)cap) != NULL;
}

/* rmsg_inet6_address as text, with its port when it has one. */
static bool make_inet6_full(const void *ctx, char *buf, size_t cap) {
    const rmsg_inet6_address *a = ctx;
    rmsg_address *addr = NULL;
    bool ok = R.rmsg_address_from_inet6(a, &addr) == RMSG_OK && make_address(addr, buf, cap);
    R.rmsg_address_free(addr);
    return ok;
}

static bool make_inet_full(const void *ctx, char *buf, size_t cap) {
    const rmsg_inet_address *a = ctx;
    rmsg_address *addr = NULL;
    bool ok = R.rmsg_address_from_inet(a, &addr) == RMSG_OK && make_address(addr, buf, cap);
    R.rmsg_address_free(addr);
    return ok;
}

enum { TAG_SOURCE = 1, TAG_V4, TAG_V6, TAG_V4_FULL, TAG_V6_FULL };

/* Closes every descriptor the messages still own (a failure path). */
static void discard_fds(rmsg_message **msgs, size_t n) {
    for (size_t m = 0; m < n; m++) {
        rmsg_message_info mi;
        if (R.rmsg_message_summarize(msgs[m], &mi) != RMSG_OK) continue;
        for (size_t i = 0; i < mi.item_count; i++) {
            const rmsg_item *it = R.rmsg_message_item(msgs[m], i);
            size_t k = R.rmsg_item_fd_count(it), got = 0;
            if (!k) continue;
            int *fds = malloc(k * sizeof *fds);
            if (fds && R.rmsg_message_take_item_fds(msgs[m], i, fds, k, &got) == RMSG_OK)
                for (size_t j = 0; j < got; j++) close(fds[j]);
            free(fds);
        }
    }
}

/* Bytes of raw data an item contributes to the data buffer. */
static size_t raw_bytes(const rmsg_item *it, const uint8_t **p) {
    size_t len = 0;
    const uint8_t *d = NULL;
    switch (R.rmsg_item_kind(it)) {
    case RMSG_KIND_SECURITY:
        if (R.rmsg_item_security(it, &d, &len) == RMSG_OK) break;
        goto raw;
    case RMSG_KIND_TS_OPT_STATS:
        if (R.rmsg_item_ts_opt_stats(it, &d, &len) == RMSG_OK) break;
        goto raw;
    case RMSG_KIND_IP_OPTIONS:
        if (R.rmsg_item_ip_options(it, &d, &len) == RMSG_OK) break;
        goto raw;
    case RMSG_KIND_RIGHTS:
    case RMSG_KIND_PIDFD:
        return 0;
    default:
    raw:
        d = R.rmsg_item_data(it);
        len = R.rmsg_item_data_len(it);
    }
    if (p) *p = d;
    return len;
}

/* Writes one item's decoded values; returns how many, or -1 after a
 * failure (exception pending). *kind_out may become RMSG_KIND_RAW when the
 * typed accessor refuses the item (a short, truncated one). fd slots are
 * written later (take_fds). */
static int item_values(strings *st, const rmsg_item *it, uint32_t *kind_out, double *v,
                       uint8_t *data, size_t *data_off) {
    uint32_t kind = R.rmsg_item_kind(it);
    int n = 0;
    double idx;
    switch (kind) {
    case RMSG_KIND_RIGHTS:
    case RMSG_KIND_PIDFD: {
        size_t k = R.rmsg_item_fd_count(it);
        if (k > RMSG_SCM_MAX_FD) k = RMSG_SCM_MAX_FD;
        /* Placeholders: take_fds fills them. */
        v[0] = (double)k;
        *kind_out = kind;
        return -2; /* the caller reserves 1 + k slots */
    }
    case RMSG_KIND_CREDENTIALS: {
        rmsg_credentials c;
        if (R.rmsg_item_credentials(it, &c) != RMSG_OK) break;
        v[0] = c.pid, v[1] = c.uid, v[2] = c.gid, n = 3;
        goto done;
    }
    case RMSG_KIND_TIMESTAMP: {
        rmsg_timestamp t;
        if (R.rmsg_item_timestamp(it, &t) != RMSG_OK) break;
        v[0] = (double)t.sec, v[1] = (double)t.nsec, n = 2;
        goto done;
    }
    case RMSG_KIND_TIMESTAMPING: {
        rmsg_timestamping t;
        if (R.rmsg_item_timestamping(it, &t) != RMSG_OK) break;
        v[0] = (double)t.software.sec, v[1] = (double)t.software.nsec;
        v[2] = (double)t.legacy.sec, v[3] = (double)t.legacy.nsec;
        v[4] = (double)t.hardware.sec, v[5] = (double)t.hardware.nsec, n = 6;
        goto done;
    }
    case RMSG_KIND_RXQ_OVFL:
    case RMSG_KIND_MARK:
    case RMSG_KIND_FRAGSIZE:
    case RMSG_KIND_UDP_GRO: {
        uint32_t x;
        rmsg_status s = kind == RMSG_KIND_RXQ_OVFL ? R.rmsg_item_rxq_ovfl(it, &x)
                        : kind == RMSG_KIND_MARK   ? R.rmsg_item_mark(it, &x)
                        : kind == RMSG_KIND_FRAGSIZE ? R.rmsg_item_fragsize(it, &x)
                                                     : R.rmsg_item_udp_gro(it, &x);
        if (s != RMSG_OK) break;
        v[0] = x, n = 1;
        goto done;
    }
    case RMSG_KIND_TLS_RECORD_TYPE: {
        uint8_t x;
        if (R.rmsg_item_tls_record_type(it, &x) != RMSG_OK) break;
        v[0] = x, n = 1;
        goto done;
    }
    case RMSG_KIND_IP_TTL:
    case RMSG_KIND_IPV6_HOPLIMIT: {
        int32_t x;
        rmsg_status s = kind == RMSG_KIND_IP_TTL ? R.rmsg_item_ip_ttl(it, &x)
                                                 : R.rmsg_item_ipv6_hoplimit(it, &x);
        if (s != RMSG_OK) break;
        v[0] = x, n = 1;
        goto done;
    }
    case RMSG_KIND_TS_PKTINFO: {
        rmsg_ts_pktinfo p;
        if (R.rmsg_item_ts_pktinfo(it, &p) != RMSG_OK) break;
        v[0] = p.ifindex, v[1] = p.pkt_length, n = 2;
        goto done;
    }
    case RMSG_KIND_IP_PKTINFO: {
        rmsg_ip_pktinfo p;
        if (R.rmsg_item_ip_pktinfo(it, &p) != RMSG_OK) break;
        v[0] = p.ifindex;
        if ((idx = intern(st, TAG_V4, p.spec_dst.addr, 4, make_inet, p.spec_dst.addr)) < 0) return -1;
        v[1] = idx;
        if ((idx = intern(st, TAG_V4, p.addr.addr, 4, make_inet, p.addr.addr)) < 0) return -1;
        v[2] = idx, n = 3;
        goto done;
    }
    case RMSG_KIND_IP_TOS:
    case RMSG_KIND_IPV6_TCLASS: {
        rmsg_traffic_class t;
        rmsg_status s = kind == RMSG_KIND_IP_TOS ? R.rmsg_item_ip_tos(it, &t)
                                                 : R.rmsg_item_ipv6_tclass(it, &t);
        if (s != RMSG_OK) break;
        v[0] = t.value, v[1] = t.dscp, v[2] = t.ecn, n = 3;
        goto done;
    }
    case RMSG_KIND_RECVERR: {
        rmsg_extended_error e;
        if (R.rmsg_item_recverr(it, &e) != RMSG_OK) break;
        v[0] = e.ee_errno, v[1] = e.ee_origin, v[2] = e.ee_type, v[3] = e.ee_code;
        v[4] = e.ee_info, v[5] = e.ee_data, v[6] = -1;
        if (e.offender_family == AF_INET)
            v[6] = intern(st, TAG_V4, e.offender.addr, 4, make_inet, e.offender.addr);
        else if (e.offender_family == AF_INET6)
            v[6] = intern(st, TAG_V6, e.offender6.addr, 16, make_inet6, e.offender6.addr);
        if (e.offender_family == AF_INET || e.offender_family == AF_INET6)
            if (v[6] < 0) return -1;
        n = 7;
        goto done;
    }
    case RMSG_KIND_IP_ORIGDSTADDR: {
        rmsg_inet_address a;
        if (R.rmsg_item_ip_origdstaddr(it, &a) != RMSG_OK) break;
        if ((idx = intern(st, TAG_V4_FULL, &a, sizeof a, make_inet_full, &a)) < 0) return -1;
        v[0] = idx, n = 1;
        goto done;
    }
    case RMSG_KIND_IPV6_PKTINFO: {
        rmsg_ipv6_pktinfo p;
        if (R.rmsg_item_ipv6_pktinfo(it, &p) != RMSG_OK) break;
        v[0] = p.ifindex;
        if ((idx = intern(st, TAG_V6, p.addr.addr, 16, make_inet6, p.addr.addr)) < 0) return -1;
        v[1] = idx, n = 2;
        goto done;
    }
    case RMSG_KIND_IPV6_ORIGDSTADDR: {
        rmsg_inet6_address a;
        if (R.rmsg_item_ipv6_origdstaddr(it, &a) != RMSG_OK) break;
        if ((idx = intern(st, TAG_V6_FULL, &a, sizeof a, make_inet6_full, &a)) < 0) return -1;
        v[0] = idx, n = 1;
        goto done;
    }
    case RMSG_KIND_IPV6_PATHMTU: {
        rmsg_ipv6_mtuinfo m;
        if (R.rmsg_item_ipv6_pathmtu(it, &m) != RMSG_OK) break;
        if ((idx = intern(st, TAG_V6_FULL, &m.addr, sizeof m.addr, make_inet6_full, &m.addr)) < 0)
            return -1;
        v[0] = idx, v[1] = m.mtu, n = 2;
        goto done;
    }
    default:
        break;
    }
    /* Raw bytes: the item's data (or the typed accessor's bytes for the
     * kinds whose value is bytes), copied into the data buffer. */
    {
        const uint8_t *p = NULL;
        size_t len = raw_bytes(it, &p);
        switch (kind) {
        case RMSG_KIND_SECURITY:
        case RMSG_KIND_TS_OPT_STATS:
        case RMSG_KIND_IP_OPTIONS:
            break;
        default:
            kind = RMSG_KIND_RAW;
        }
        if (len) memcpy(data + *data_off, p, len);
        v[0] = (double)*data_off, v[1] = (double)len, n = 2;
        *data_off += len;
    }
done:
    *kind_out = kind;
    return n;
}

/* Counts what the messages need: numbers, data bytes. */
static void measure(rmsg_message **msgs, size_t n, size_t *slots, size_t *bytes) {
    size_t s = 1, b = 0;
    for (size_t m = 0; m < n; m++) {
        rmsg_message_info mi;
        if (R.rmsg_message_summarize(msgs[m], &mi) != RMSG_OK) continue;
        s += MSG_SLOTS;
        b += mi.data_len;
        for (size_t i = 0; i < mi.item_count; i++) {
            const rmsg_item *it = R.rmsg_message_item(msgs[m], i);
            size_t k = R.rmsg_item_fd_count(it);
            s += ITEM_SLOTS + (k ? 1 + k : MAX_VALUES);
            b += raw_bytes(it, NULL);
        }
    }
    *slots = s;
    *bytes = b;
}

/* Turns n received messages into [numbers, data, strings] (see the top of
 * the file), handing their descriptors over last. On failure closes every
 * descriptor and returns NULL (an exception pending). */
/* A value kept in *ref, made by make() when there is none yet. */
static bool kept(napi_env env, napi_ref *ref, napi_value *out) {
    if (*ref) return napi_get_reference_value(env, *ref, out) == napi_ok && *out;
    return false;
}

static bool keep(napi_env env, napi_ref *ref, napi_value v) {
    delete_ref(env, ref);
    return napi_create_reference(env, v, 1, ref) == napi_ok;
}

/* The numbers array (kept, grown when too small) and the data Buffer:
 * the pool when the bytes fit in it (a new pool when the old one is
 * full), a Buffer of their own when they are large. *base is where the
 * bytes start in it. */
static bool arrays(napi_env env, sock *s, size_t slots, size_t bytes, napi_value *numbers,
                   napi_value *databuf, uint8_t **data, size_t *base) {
    if (slots > s->nums_cap || !kept(env, &s->nums_ref, numbers)) {
        size_t cap = slots > 1024 ? slots : 1024;
        napi_value ab;
        void *p;
        if (napi_create_arraybuffer(env, cap * sizeof(double), &p, &ab) != napi_ok ||
            napi_create_typedarray(env, napi_float64_array, cap, ab, 0, numbers) != napi_ok ||
            !keep(env, &s->nums_ref, *numbers))
            return false;
        s->nums = p;
        s->nums_cap = cap;
    }
    void *p;
    if (bytes > POOL_SIZE / 4) {
        *base = 0;
        if (napi_create_buffer(env, bytes, &p, databuf) != napi_ok) return false;
        *data = p;
        return true;
    }
    if (!s->pool || s->pool_used + bytes > POOL_SIZE || !kept(env, &s->pool_ref, databuf)) {
        if (napi_create_buffer(env, POOL_SIZE, &p, databuf) != napi_ok ||
            !keep(env, &s->pool_ref, *databuf))
            return false;
        s->pool = p;
        s->pool_used = 0;
    }
    *data = s->pool;
    *base = s->pool_used;
    s->pool_used += (bytes + 7) & ~(size_t)7;
    return true;
}

static napi_value convert(napi_env env, sock *s, rmsg_message **msgs, size_t n) {
    size_t slots, bytes, data_off;
    measure(msgs, n, &slots, &bytes);
    napi_value numbers, databuf, out;
    uint8_t *data;
    strings st;
    memset(&st, 0, sizeof st);
    st.env = env;
    st.s = s;
    s->call++;
    if (!arrays(env, s, slots, bytes, &numbers, &databuf, &data, &data_off)) goto fail;
    if (!kept(env, &s->strs, &st.array) &&
        (napi_create_array(env, &st.array) != napi_ok || !keep(env, &s->strs, st.array)))
        goto fail;
    if (!kept(env, &s->out, &out) &&
        (napi_create_array_with_length(env, 3, &out) != napi_ok || !keep(env, &s->out, out)))
        goto fail;
    if (!kept(env, &s->cached, &st.cached) &&
        (napi_create_array_with_length(env, STRING_CACHE, &st.cached) != napi_ok ||
         !keep(env, &s->cached, st.cached)))
        goto fail;
    double *num = s->nums;
    size_t at = 1;
    num[0] = (double)n;
    /* Where each fd-carrying item's slots are, to fill after the rest. */
    for (size_t m = 0; m < n; m++) {
        rmsg_message_info mi;
        if (R.rmsg_message_summarize(msgs[m], &mi) != RMSG_OK) goto fail;
        double *h = num + at;
        at += MSG_SLOTS;
        h[0] = (double)mi.item_count;
        h[1] = mi.flags;
        h[2] = (double)mi.nbytes;
        h[3] = (double)data_off;
        h[4] = (double)mi.data_len;
        h[5] = -1;
        h[6] = mi.malformed;
        if (mi.data_len) memcpy(data + data_off, mi.data, mi.data_len);
        data_off += mi.data_len;
        if (mi.address) {
            const rmsg_address *a = R.rmsg_message_address(msgs[m]);
            if ((h[5] = intern(&st, TAG_SOURCE, mi.address, mi.address_len, make_address, a)) < 0)
                goto fail;
        }
        for (size_t i = 0; i < mi.item_count; i++) {
            const rmsg_item *it = R.rmsg_message_item(msgs[m], i);
            double *ih = num + at;
            uint32_t kind = 0;
            int k = item_values(&st, it, &kind, ih + ITEM_SLOTS, data, &data_off);
            if (k == -1) goto fail;
            ih[0] = kind;
            ih[1] = R.rmsg_item_level(it);
            ih[2] = R.rmsg_item_type(it);
            ih[3] = R.rmsg_item_truncated(it);
            if (k == -2) {
                size_t nfd = (size_t)ih[ITEM_SLOTS];
                ih[4] = (double)nfd;
                for (size_t j = 0; j < nfd; j++) ih[ITEM_SLOTS + j] = -1;
                at += ITEM_SLOTS + nfd;
            } else {
                ih[4] = k;
                at += ITEM_SLOTS + (size_t)k;
            }
        }
    }
    if (napi_set_element(env, out, 0, numbers) != napi_ok ||
        napi_set_element(env, out, 1, databuf) != napi_ok ||
        napi_set_element(env, out, 2, st.array) != napi_ok)
        goto fail;
    /* Nothing can fail from here: the descriptors change hands. */
    at = 1;
    for (size_t m = 0; m < n; m++) {
        size_t items = (size_t)num[at];
        at += MSG_SLOTS;
        for (size_t i = 0; i < items; i++) {
            double *ih = num + at;
            if (ih[0] == RMSG_KIND_RIGHTS || ih[0] == RMSG_KIND_PIDFD) {
                int fds[RMSG_SCM_MAX_FD];
                size_t want = (size_t)ih[4], got = 0;
                if (R.rmsg_message_take_item_fds(msgs[m], i, fds, RMSG_SCM_MAX_FD, &got) != RMSG_OK)
                    got = 0;
                for (size_t j = 0; j < got && j < want; j++) ih[ITEM_SLOTS + j] = fds[j];
                for (size_t j = want; j < got; j++) close(fds[j]);
            }
            at += ITEM_SLOTS + (size_t)ih[4];
        }
    }
    /* The numbers array may be longer than used: its end is where at is. */
    return out;
fail:
    discard_fds(msgs, n);
    bool pending = false;
    if (napi_is_exception_pending(env, &pending) == napi_ok && !pending)
        napi_throw_error(env, "ERR_RMSG_CONVERT", "rmsg: the message could not be made into JavaScript values");
    return NULL;
}

static bool get_recv_args(napi_env env, napi_value *argv, size_t *bufsize, size_t *ancbufsize,
                          int *flags, rmsg_recv_options *opts) {
    int64_t b, a, f;
    bool cloexec = true;
    if (!get_int(env, argv[0], "bufsize", 0, (int64_t)1 << 30, &b) ||
        !get_int(env, argv[1], "ancbufsize", 0, INT_MAX, &a) ||
        !get_int(env, argv[2], "flags", INT_MIN, INT_MAX, &f))
        return false;
    if (!is_nullish(env, argv[3]) && napi_get_value_bool(env, argv[3], &cloexec) != napi_ok) {
        throw_type(env, "cloexec must be a boolean");
        return false;
    }
    *bufsize = (size_t)b;
    *ancbufsize = (size_t)a;
    *flags = (int)f;
    memset(opts, 0, sizeof *opts);
    opts->wait = RMSG_WAIT_NONBLOCK;
    opts->flags = cloexec ? 0 : RMSG_RECV_NO_CLOEXEC;
    return true;
}

/* recv(handle, bufsize, ancbufsize, flags, cloexec): one message as
 * [numbers, data, strings], or null when nothing is queued. */
static napi_value js_recv(napi_env env, napi_callback_info info) {
    ARGS(5);
    sock *s;
    size_t bufsize, anc;
    int flags;
    rmsg_recv_options opts;
    if (!get_sock(env, argv[0], &s) || !get_recv_args(env, argv + 1, &bufsize, &anc, &flags, &opts))
        return NULL;
    if (!s->receiver || s->receiver_buf != bufsize || s->receiver_anc != anc) {
        R.rmsg_receiver_free(s->receiver);
        s->receiver = NULL;
        rmsg_status st = R.rmsg_receiver_new(bufsize, anc, NULL, &s->receiver);
        if (st != RMSG_OK) return throw_status(env, "recvmsg", st);
        s->receiver_buf = bufsize;
        s->receiver_anc = anc;
    }
    rmsg_message *m = NULL;
    rmsg_status st = R.rmsg_receiver_recv(s->receiver, s->fd, flags, &opts, &m);
    if (st == RMSG_ERR_WOULD_BLOCK) {
        napi_value null;
        napi_get_null(env, &null);
        return null;
    }
    if (st != RMSG_OK) return throw_status(env, "recvmsg", st);
    return convert(env, s, &m, 1);
}

/* recvBatch(handle, count, bufsize, ancbufsize, flags, cloexec): up to count
 * messages with one recvmmsg(2), or null when nothing is queued. */
static napi_value js_recv_batch(napi_env env, napi_callback_info info) {
    ARGS(6);
    sock *s;
    size_t bufsize, anc;
    int flags;
    int64_t count;
    rmsg_recv_options opts;
    if (!get_sock(env, argv[0], &s) ||
        !get_int(env, argv[1], "count", 1, RMSG_BATCH_MAX, &count) ||
        !get_recv_args(env, argv + 2, &bufsize, &anc, &flags, &opts))
        return NULL;
    if (!s->batch || s->batch_count != (size_t)count || s->batch_buf != bufsize ||
        s->batch_anc != anc) {
        R.rmsg_batch_free(s->batch);
        s->batch = NULL;
        rmsg_status st = R.rmsg_batch_new((size_t)count, bufsize, anc, NULL, &s->batch);
        if (st != RMSG_OK) return throw_status(env, "recvmmsg", st);
        s->batch_count = (size_t)count;
        s->batch_buf = bufsize;
        s->batch_anc = anc;
    }
    size_t got = 0;
    rmsg_status st = R.rmsg_batch_recv(s->batch, s->fd, flags, &opts, &got);
    if (st == RMSG_ERR_WOULD_BLOCK) {
        napi_value null;
        napi_get_null(env, &null);
        return null;
    }
    if (st != RMSG_OK) return throw_status(env, "recvmmsg", st);
    rmsg_message *msgs[RMSG_BATCH_MAX];
    for (size_t i = 0; i < got; i++) msgs[i] = R.rmsg_batch_message(s->batch, i);
    return convert(env, s, msgs, got);
}

/* ---- send ---------------------------------------------------------------- */

enum {
    CTL_FDS = 1,
    CTL_CREDENTIALS,
    CTL_IP_PKTINFO,
    CTL_IPV6_PKTINFO,
    CTL_IP_TOS,
    CTL_IP_TTL,
    CTL_IPV6_TCLASS,
    CTL_IPV6_HOPLIMIT,
    CTL_UDP_SEGMENT,
    CTL_TXTIME,
    CTL_RAW
};

static bool element(napi_env env, napi_value arr, uint32_t i, napi_value *out) {
    return napi_get_element(env, arr, i, out) == napi_ok;
}

static bool element_int(napi_env env, napi_value arr, uint32_t i, const char *what, int64_t lo,
                        int64_t hi, int64_t *out) {
    napi_value v;
    return element(env, arr, i, &v) && get_int(env, v, what, lo, hi, out);
}

/* Adds the control items described by ctl, a flat array of an op code
 * (CTL_*) followed by its arguments, to the builder. */
static bool build_control(napi_env env, rmsg_cmsg_builder *b, napi_value ctl) {
    bool is_array;
    uint32_t len;
    if (napi_is_array(env, ctl, &is_array) != napi_ok || !is_array) {
        throw_type(env, "control must be an array");
        return false;
    }
    napi_get_array_length(env, ctl, &len);
    uint32_t i = 0;
    while (i < len) {
        int64_t op, x, y, z;
        rmsg_status st = RMSG_OK;
        napi_value v;
        if (!element_int(env, ctl, i++, "control op", CTL_FDS, CTL_RAW, &op)) return false;
        switch (op) {
        case CTL_FDS: {
            bool arr;
            uint32_t n;
            if (!element(env, ctl, i++, &v) || napi_is_array(env, v, &arr) != napi_ok || !arr) {
                throw_type(env, "fds must be an array of descriptors");
                return false;
            }
            napi_get_array_length(env, v, &n);
            if (n > RMSG_SCM_MAX_FD) {
                throw_range(env, "one message carries at most 253 descriptors");
                return false;
            }
            int fds[RMSG_SCM_MAX_FD];
            for (uint32_t k = 0; k < n; k++) {
                if (!element_int(env, v, k, "each descriptor", 0, INT_MAX, &x)) return false;
                fds[k] = (int)x;
            }
            st = R.rmsg_cmsg_builder_add_fds(b, fds, n);
            break;
        }
        case CTL_CREDENTIALS:
            if (!element_int(env, ctl, i++, "credentials.pid", INT32_MIN, INT32_MAX, &x) ||
                !element_int(env, ctl, i++, "credentials.uid", 0, UINT32_MAX, &y) ||
                !element_int(env, ctl, i++, "credentials.gid", 0, UINT32_MAX, &z))
                return false;
            st = R.rmsg_cmsg_builder_add_credentials(b, (int32_t)x, (uint32_t)y, (uint32_t)z);
            break;
        case CTL_IP_PKTINFO:
        case CTL_IPV6_PKTINFO: {
            bool v6 = op == CTL_IPV6_PKTINFO;
            uint8_t addr[16];
            char text[INET6_ADDRSTRLEN + 1];
            size_t tl;
            if (!element_int(env, ctl, i++, "pktinfo.ifindex", 0, INT_MAX, &x) ||
                !element(env, ctl, i++, &v))
                return false;
            size_t alen = 0;
            if (!is_nullish(env, v)) {
                if (!get_text(env, v, "pktinfo.address", text, sizeof text, &tl)) return false;
                if (inet_pton(v6 ? AF_INET6 : AF_INET, text, addr) != 1) {
                    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE",
                                          v6 ? "pktinfo.address must be an IPv6 address"
                                             : "pktinfo.address must be an IPv4 address");
                    return false;
                }
                alen = v6 ? 16 : 4;
            }
            st = v6 ? R.rmsg_cmsg_builder_add_ipv6_pktinfo(b, (uint32_t)x, alen ? addr : NULL, alen)
                    : R.rmsg_cmsg_builder_add_ip_pktinfo(b, (uint32_t)x, alen ? addr : NULL, alen);
            break;
        }
        case CTL_IP_TOS:
            if (!element_int(env, ctl, i++, "tos", 0, 255, &x)) return false;
            st = R.rmsg_cmsg_builder_add_ip_tos(b, (int)x);
            break;
        case CTL_IP_TTL:
            if (!element_int(env, ctl, i++, "ttl", 1, 255, &x)) return false;
            st = R.rmsg_cmsg_builder_add_ip_ttl(b, (int)x);
            break;
        case CTL_IPV6_TCLASS:
            if (!element_int(env, ctl, i++, "tclass", -1, 255, &x)) return false;
            st = R.rmsg_cmsg_builder_add_ipv6_tclass(b, (int)x);
            break;
        case CTL_IPV6_HOPLIMIT:
            if (!element_int(env, ctl, i++, "hopLimit", -1, 255, &x)) return false;
            st = R.rmsg_cmsg_builder_add_ipv6_hoplimit(b, (int)x);
            break;
        case CTL_UDP_SEGMENT:
            if (!element_int(env, ctl, i++, "segmentSize", 1, UINT16_MAX, &x)) return false;
            st = R.rmsg_cmsg_builder_add_udp_segment(b, (uint16_t)x);
            break;
        case CTL_TXTIME: {
            uint64_t t;
            bool lossless;
            if (!element(env, ctl, i++, &v) ||
                napi_get_value_bigint_uint64(env, v, &t, &lossless) != napi_ok || !lossless) {
                throw_type(env, "txtime must be a non-negative 64-bit BigInt");
                return false;
            }
            st = R.rmsg_cmsg_builder_add_txtime(b, t);
            break;
        }
        case CTL_RAW: {
            uint8_t *p;
            size_t plen;
            if (!element_int(env, ctl, i++, "level", INT_MIN, INT_MAX, &x) ||
                !element_int(env, ctl, i++, "type", INT_MIN, INT_MAX, &y) ||
                !element(env, ctl, i++, &v) || !get_bytes(env, v, "data", &p, &plen))
                return false;
            st = R.rmsg_cmsg_builder_add_raw(b, (int)x, (int)y, p, plen);
            break;
        }
        default:
            break;
        }
        if (st != RMSG_OK) {
            throw_status(env, "sendmsg", st);
            return false;
        }
    }
    return true;
}

#define MAX_IOV 64

/* send(handle, buffers, address, flags, control): bytes sent, or null when
 * the socket has no room (nothing was sent). */
static napi_value js_send(napi_env env, napi_callback_info info) {
    ARGS(5);
    sock *s;
    int64_t flags;
    bool is_array;
    uint32_t nbuf = 0;
    rmsg_iovec iov[MAX_IOV];
    if (!get_sock(env, argv[0], &s) || !get_int(env, argv[3], "flags", INT_MIN, INT_MAX, &flags))
        return NULL;
    if (napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array)
        return throw_type(env, "buffers must be an array");
    napi_get_array_length(env, argv[1], &nbuf);
    if (nbuf > MAX_IOV) return throw_range(env, "at most 64 buffers may be sent at once");
    for (uint32_t i = 0; i < nbuf; i++) {
        napi_value v;
        uint8_t *p;
        size_t len;
        if (!element(env, argv[1], i, &v) || !get_bytes(env, v, "each buffer", &p, &len))
            return NULL;
        iov[i].base = p;
        iov[i].len = len;
    }
    const rmsg_address *to = NULL;
    if (!is_nullish(env, argv[2])) {
        char text[RMSG_MAX_ADDRESS_TEXT + 1];
        size_t len;
        if (!get_text(env, argv[2], "address", text, sizeof text, &len)) return NULL;
        if (!s->to || strcmp(text, s->to_text) != 0) {
            rmsg_address *a = NULL;
            rmsg_status st = R.rmsg_address_parse(text, len, &a);
            if (st != RMSG_OK) return throw_status(env, "sendmsg", st);
            R.rmsg_address_free(s->to);
            s->to = a;
            memcpy(s->to_text, text, len + 1);
        }
        to = s->to;
    }
    const rmsg_cmsg_builder *control = NULL;
    if (!is_nullish(env, argv[4])) {
        if (!s->builder) {
            rmsg_status st = R.rmsg_cmsg_builder_new(&s->builder);
            if (st != RMSG_OK) return throw_status(env, "sendmsg", st);
        }
        R.rmsg_cmsg_builder_reset(s->builder);
        if (!build_control(env, s->builder, argv[4])) return NULL;
        control = s->builder;
    }
    rmsg_send_options opts;
    memset(&opts, 0, sizeof opts);
    opts.wait = RMSG_WAIT_NONBLOCK;
    size_t sent = 0;
    rmsg_status st = R.rmsg_sendmsg(s->fd, iov, nbuf, control, to, (int)flags, &opts, &sent);
    napi_value out;
    if (st == RMSG_ERR_WOULD_BLOCK) {
        napi_get_null(env, &out);
        return out;
    }
    if (st != RMSG_OK) return throw_status(env, "sendmsg", st);
    napi_create_double(env, (double)sent, &out);
    return out;
}

/* ---- sockets ------------------------------------------------------------- */

static napi_value int_value(napi_env env, int64_t x) {
    napi_value out;
    napi_create_int64(env, x, &out);
    return out;
}

/* socket(domain, type, protocol): a new non-blocking, close-on-exec socket. */
static napi_value js_socket(napi_env env, napi_callback_info info) {
    ARGS(3);
    int64_t d, t, p;
    if (!get_int(env, argv[0], "domain", 0, INT_MAX, &d) ||
        !get_int(env, argv[1], "type", 0, INT_MAX, &t) ||
        !get_int(env, argv[2], "protocol", 0, INT_MAX, &p))
        return NULL;
    int fd = socket((int)d, (int)t | SOCK_NONBLOCK | SOCK_CLOEXEC, (int)p);
    if (fd < 0) return throw_errno(env, "socket", errno);
    return int_value(env, fd);
}

static napi_value js_socketpair(napi_env env, napi_callback_info info) {
    ARGS(1);
    int64_t t;
    int sv[2];
    if (!get_int(env, argv[0], "type", 0, INT_MAX, &t)) return NULL;
    if (socketpair(AF_UNIX, (int)t | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
        return throw_errno(env, "socketpair", errno);
    napi_value out;
    if (napi_create_array_with_length(env, 2, &out) != napi_ok ||
        napi_set_element(env, out, 0, int_value(env, sv[0])) != napi_ok ||
        napi_set_element(env, out, 1, int_value(env, sv[1])) != napi_ok) {
        close(sv[0]);
        close(sv[1]);
        return NULL;
    }
    return out;
}

/* The sockaddr of address text; *a is the caller's to free. */
static bool parse_address(napi_env env, napi_value v, const char *syscall, rmsg_address **a,
                          const uint8_t **raw, size_t *raw_len) {
    char text[RMSG_MAX_ADDRESS_TEXT + 1];
    size_t len;
    if (!get_text(env, v, "address", text, sizeof text, &len)) return false;
    rmsg_status st = R.rmsg_address_parse(text, len, a);
    if (st == RMSG_OK) st = R.rmsg_address_raw(*a, raw, raw_len);
    if (st != RMSG_OK) {
        R.rmsg_address_free(*a);
        *a = NULL;
        throw_status(env, syscall, st);
        return false;
    }
    return true;
}

/* bind(fd, address) and connect(fd, address) (connect returns false when
 * it goes on in the background, EINPROGRESS). */
static napi_value bind_or_connect(napi_env env, napi_callback_info info, bool is_connect) {
    ARGS(2);
    REQUIRE_LIBRARY();
    int fd;
    rmsg_address *a = NULL;
    const uint8_t *raw;
    size_t len;
    const char *call = is_connect ? "connect" : "bind";
    if (!get_fd(env, argv[0], &fd) || !parse_address(env, argv[1], call, &a, &raw, &len))
        return NULL;
    int r;
    do
        r = is_connect ? connect(fd, (const struct sockaddr *)raw, (socklen_t)len)
                       : bind(fd, (const struct sockaddr *)raw, (socklen_t)len);
    while (r != 0 && errno == EINTR);
    int err = errno;
    R.rmsg_address_free(a);
    napi_value out;
    if (r != 0 && is_connect && (err == EINPROGRESS || err == EAGAIN)) {
        napi_get_boolean(env, false, &out);
        return out;
    }
    if (r != 0) return throw_errno(env, call, err);
    napi_get_boolean(env, true, &out);
    return out;
}

static napi_value js_bind(napi_env env, napi_callback_info info) {
    return bind_or_connect(env, info, false);
}

static napi_value js_connect(napi_env env, napi_callback_info info) {
    return bind_or_connect(env, info, true);
}

static napi_value js_listen(napi_env env, napi_callback_info info) {
    ARGS(2);
    int fd;
    int64_t backlog;
    if (!get_fd(env, argv[0], &fd) || !get_int(env, argv[1], "backlog", 0, INT_MAX, &backlog))
        return NULL;
    if (listen(fd, (int)backlog) != 0) return throw_errno(env, "listen", errno);
    return NULL;
}

/* accept(fd): a new non-blocking, close-on-exec descriptor, or null. */
static napi_value js_accept(napi_env env, napi_callback_info info) {
    ARGS(1);
    int fd, c;
    if (!get_fd(env, argv[0], &fd)) return NULL;
    do
        c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    while (c < 0 && errno == EINTR);
    if (c < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        napi_value null;
        napi_get_null(env, &null);
        return null;
    }
    if (c < 0) return throw_errno(env, "accept", errno);
    return int_value(env, c);
}

/* sockname(fd, peer): the local (or peer) address as rmsg's text. */
static napi_value js_sockname(napi_env env, napi_callback_info info) {
    ARGS(2);
    REQUIRE_LIBRARY();
    int fd;
    bool peer = false;
    if (!get_fd(env, argv[0], &fd)) return NULL;
    napi_get_value_bool(env, argv[1], &peer);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    memset(&ss, 0, sizeof ss);
    if ((peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
              : getsockname(fd, (struct sockaddr *)&ss, &len)) != 0)
        return throw_errno(env, peer ? "getpeername" : "getsockname", errno);
    rmsg_address *a = NULL;
    rmsg_status st = RMSG_ERR_WRONG_FAMILY;
    if (ss.ss_family == AF_INET) {
        const struct sockaddr_in *in = (const void *)&ss;
        rmsg_inet_address x;
        memcpy(x.addr, &in->sin_addr, 4);
        x.port = ntohs(in->sin_port);
        st = R.rmsg_address_from_inet(&x, &a);
    } else if (ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const void *)&ss;
        rmsg_inet6_address x;
        memcpy(x.addr, &in6->sin6_addr, 16);
        x.port = ntohs(in6->sin6_port);
        x.flowinfo = ntohl(in6->sin6_flowinfo);
        x.scope_id = in6->sin6_scope_id;
        st = R.rmsg_address_from_inet6(&x, &a);
    } else if (ss.ss_family == AF_UNIX) {
        const struct sockaddr_un *un = (const void *)&ss;
        size_t n = len > offsetof(struct sockaddr_un, sun_path) ? len - offsetof(struct sockaddr_un, sun_path) : 0;
        napi_value out;
        if (n == 0) {
            napi_create_string_utf8(env, "", 0, &out);
            return out;
        }
        if (un->sun_path[0] == 0)
            st = R.rmsg_address_from_unix_abstract((const uint8_t *)un->sun_path + 1, n - 1, &a);
        else
            st = R.rmsg_address_from_unix_path((const uint8_t *)un->sun_path, strnlen(un->sun_path, n), &a);
    }
    char buf[RMSG_MAX_ADDRESS_TEXT + 1];
    size_t tl;
    if (st == RMSG_OK) st = R.rmsg_address_format(a, buf, sizeof buf, &tl);
    R.rmsg_address_free(a);
    if (st != RMSG_OK) return throw_status(env, peer ? "getpeername" : "getsockname", st);
    napi_value out;
    napi_create_string_utf8(env, buf, tl, &out);
    return out;
}

/* setsockopt(fd, level, name, value) with an int value. */
static napi_value js_setsockopt(napi_env env, napi_callback_info info) {
    ARGS(4);
    int fd;
    int64_t level, name, value;
    if (!get_fd(env, argv[0], &fd) || !get_int(env, argv[1], "level", 0, INT_MAX, &level) ||
        !get_int(env, argv[2], "name", 0, INT_MAX, &name) ||
        !get_int(env, argv[3], "value", INT_MIN, INT_MAX, &value))
        return NULL;
    int v = (int)value;
    if (setsockopt(fd, (int)level, (int)name, &v, sizeof v) != 0)
        return throw_errno(env, "setsockopt", errno);
    return NULL;
}

static napi_value js_getsockopt(napi_env env, napi_callback_info info) {
    ARGS(3);
    int fd;
    int64_t level, name;
    if (!get_fd(env, argv[0], &fd) || !get_int(env, argv[1], "level", 0, INT_MAX, &level) ||
        !get_int(env, argv[2], "name", 0, INT_MAX, &name))
        return NULL;
    int v = 0;
    socklen_t len = sizeof v;
    if (getsockopt(fd, (int)level, (int)name, &v, &len) != 0)
        return throw_errno(env, "getsockopt", errno);
    return int_value(env, v);
}

static napi_value js_shutdown(napi_env env, napi_callback_info info) {
    ARGS(2);
    int fd;
    int64_t how;
    if (!get_fd(env, argv[0], &fd) || !get_int(env, argv[1], "how", 0, 2, &how)) return NULL;
    if (shutdown(fd, (int)how) != 0) return throw_errno(env, "shutdown", errno);
    return NULL;
}

/* dup(fd): a close-on-exec duplicate the caller owns. */
static napi_value js_dup(napi_env env, napi_callback_info info) {
    ARGS(1);
    int fd;
    if (!get_fd(env, argv[0], &fd)) return NULL;
    int d = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (d < 0) return throw_errno(env, "dup", errno);
    return int_value(env, d);
}

/* controlSpace(fd, maxFds): ancbufsize for the options enabled on fd. */
static napi_value js_control_space(napi_env env, napi_callback_info info) {
    ARGS(2);
    REQUIRE_LIBRARY();
    int fd;
    int64_t max_fds;
    size_t space;
    if (!get_fd(env, argv[0], &fd) || !get_int(env, argv[1], "maxFds", 0, RMSG_SCM_MAX_FD, &max_fds))
        return NULL;
    rmsg_status st = R.rmsg_control_space_for_socket(fd, (size_t)max_fds, &space);
    if (st != RMSG_OK) return throw_status(env, "getsockopt", st);
    return int_value(env, (int64_t)space);
}

/* ---- constants and module ------------------------------------------------ */

static void constant(napi_env env, napi_value obj, const char *name, int64_t v) {
    set_int(env, obj, name, v);
}

static napi_value constants(napi_env env) {
    napi_value c;
    napi_create_object(env, &c);
#define C(name) constant(env, c, #name, name)
    C(AF_UNIX); C(AF_INET); C(AF_INET6);
    C(SOCK_STREAM); C(SOCK_DGRAM); C(SOCK_SEQPACKET);
    C(SOL_SOCKET); C(IPPROTO_IP); C(IPPROTO_IPV6); C(IPPROTO_UDP); C(IPPROTO_TCP);
    C(MSG_PEEK); C(MSG_TRUNC); C(MSG_CTRUNC); C(MSG_EOR); C(MSG_OOB); C(MSG_ERRQUEUE);
    C(MSG_WAITALL); C(MSG_DONTWAIT); C(MSG_MORE); C(MSG_CONFIRM);
    C(SO_PASSCRED); C(SO_TIMESTAMP); C(SO_TIMESTAMPNS); C(SO_TIMESTAMPING); C(SO_RXQ_OVFL);
    C(SO_MARK); C(SO_RCVBUF); C(SO_SNDBUF); C(SO_RCVBUFFORCE); C(SO_REUSEADDR); C(SO_DOMAIN);
    C(SO_TYPE); C(SO_ERROR); C(SO_PASSSEC); C(SO_TXTIME);
    C(SCM_RIGHTS); C(SCM_CREDENTIALS);
    C(IP_PKTINFO); C(IP_RECVTTL); C(IP_TTL); C(IP_RECVTOS); C(IP_TOS); C(IP_RECVERR);
    C(IP_RECVORIGDSTADDR); C(IP_ORIGDSTADDR); C(IP_RECVFRAGSIZE); C(IP_RECVOPTS); C(IP_OPTIONS);
    C(IP_MTU_DISCOVER); C(IP_PMTUDISC_DO);
    C(IPV6_RECVPKTINFO); C(IPV6_PKTINFO); C(IPV6_RECVHOPLIMIT); C(IPV6_HOPLIMIT);
    C(IPV6_RECVTCLASS); C(IPV6_TCLASS); C(IPV6_RECVERR); C(IPV6_RECVORIGDSTADDR);
    C(IPV6_ORIGDSTADDR); C(IPV6_RECVPATHMTU); C(IPV6_PATHMTU); C(IPV6_RECVFRAGSIZE); C(IPV6_V6ONLY);
    C(IPV6_UNICAST_HOPS); C(IP_MULTICAST_TTL);
    C(SHUT_RD); C(SHUT_WR); C(SHUT_RDWR);
#undef C
#define CR(js, name) constant(env, c, js, name)
    CR("SO_PASSPIDFD", RMSG_SO_PASSPIDFD); CR("SCM_PIDFD", RMSG_SCM_PIDFD);
    CR("SCM_SECURITY", RMSG_SCM_SECURITY); CR("SOL_UDP", RMSG_SOL_UDP);
    CR("UDP_GRO", RMSG_UDP_GRO); CR("UDP_SEGMENT", RMSG_UDP_SEGMENT);
    CR("SOL_TLS", RMSG_SOL_TLS); CR("TLS_GET_RECORD_TYPE", RMSG_TLS_GET_RECORD_TYPE);
    CR("IP_RECVRETOPTS", RMSG_IP_RECVRETOPTS); CR("SCM_MAX_FD", RMSG_SCM_MAX_FD);
    CR("BATCH_MAX", RMSG_BATCH_MAX); CR("MAX_ADDRESS_TEXT", RMSG_MAX_ADDRESS_TEXT);
    CR("UV_READABLE", UV_READABLE); CR("UV_WRITABLE", UV_WRITABLE);
#undef CR
    return c;
}

static napi_value init(napi_env env, napi_value exports) {
    napi_property_descriptor props[] = {
#define FN(js, c) {js, NULL, c, NULL, NULL, NULL, napi_enumerable, NULL}
        FN("load", js_load), FN("version", js_version), FN("kindName", js_kind_name),
        FN("open", js_open), FN("close", js_close), FN("poll", js_poll), FN("ref", js_ref),
        FN("fileno", js_fileno), FN("recv", js_recv), FN("recvBatch", js_recv_batch),
        FN("send", js_send), FN("socket", js_socket), FN("socketpair", js_socketpair),
        FN("bind", js_bind), FN("connect", js_connect), FN("listen", js_listen),
        FN("accept", js_accept), FN("sockname", js_sockname), FN("setsockopt", js_setsockopt),
        FN("getsockopt", js_getsockopt), FN("shutdown", js_shutdown), FN("dup", js_dup),
        FN("controlSpace", js_control_space),
#undef FN
    };
    if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok)
        return NULL;
    napi_set_named_property(env, exports, "constants", constants(env));
    return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
