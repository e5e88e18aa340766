/*
 * rmsg._rmsg: the compiled fast path of the Python binding.
 *
 * A CPython extension module that calls librmsg through its exported C ABI
 * (the declarations come from include/rmsg.h) and builds the result objects
 * in C: recvmsg, recvmsg_into, recv_fds and recvmsg_batch return exactly
 * what the ctypes path in rmsg/_dropin.py returns. No receive logic is here:
 * the receive, the control-buffer walk, descriptor ownership and address
 * capture are librmsg's; this file only converts arguments, waits as the
 * socket's timeout says, runs signal handlers, and makes Python objects.
 *
 * The library is not linked: bind() receives the address of every function
 * from the library that rmsg/_native.py loaded (RMSG_LIBRARY, the checkout's
 * target/, the bundled copy, the system's), so both paths always use one
 * and the same librmsg, and the module has no DT_NEEDED entry to resolve.
 *
 * Built against the limited API of CPython 3.11 (abi3) where the
 * interpreter building it is 3.11 or newer (the buffer protocol entered the
 * limited API in 3.11), against the full API otherwise; the same source
 * serves both.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rmsg.h"

/* Filling a new tuple or list: the macros where the API has them (a
 * function call with checks in the limited API). */
#ifdef Py_LIMITED_API
#define TUPLE_SET(t, i, o) PyTuple_SetItem((t), (i), (o))
#define LIST_SET(l, i, o) PyList_SetItem((l), (i), (o))
#else
#define TUPLE_SET(t, i, o) PyTuple_SET_ITEM((t), (i), (o))
#define LIST_SET(l, i, o) PyList_SET_ITEM((l), (i), (o))
#endif

/* CPython's SOCKLEN_T_LIMIT: the largest control buffer it accepts. */
#define SOCKLEN_T_LIMIT 0x7fffffff

static const char WARNING_TEXT[] =
    "received malformed or improperly-truncated ancillary data";

/* --- the library's functions, bound at import -------------------------- */

#define RMSG_FUNCTIONS(X)                                                      \
    X(recvmsg_with)                                                            \
    X(recvmsg_into)                                                            \
    X(message_free)                                                            \
    X(message_view)                                                            \
    X(message_items)                                                           \
    X(message_take_fds)                                                        \
    X(message_take_item_fds)                                                   \
    X(batch_new)                                                               \
    X(batch_recv_views)                                                        \
    X(batch_free)                                                              \
    X(receiver_new)                                                            \
    X(receiver_recv_view)                                                      \
    X(receiver_free)                                                           \
    X(status_name)                                                             \
    X(last_errno)

/* Each pointer has the type of the header's declaration, so a signature
 * that changes in rmsg.h fails to compile here. */
static struct {
#define FIELD(name) __typeof__(&rmsg_##name) name;
    RMSG_FUNCTIONS(FIELD)
#undef FIELD
} L;

static int bound = 0;

/* Objects from Python, set by bind(). */
static PyObject *make_address_fn; /* _recv._make_address(raw, family) */
static PyObject *family_of_fn;    /* the raw int family of a socket */
static PyObject *signatures;      /* name -> Python function with the signature */
static PyObject *str_fileno, *str_gettimeout, *str_timeout;

/* Tests set this to take the path CPython takes for a malformed item. */
static int force_warning = 0;

static int
require_bound(void)
{
    if (!bound) {
        PyErr_SetString(PyExc_RuntimeError, "rmsg._rmsg: bind() was not called");
        return -1;
    }
    return 0;
}

/* --- errors ---------------------------------------------------------------- */

/* Raises what CPython raises for a failed call that returned `status`. */
static void
raise_status(rmsg_status status)
{
    int err = L.last_errno();
    if (status == RMSG_ERR_TIMED_OUT) {
        PyErr_SetString(PyExc_TimeoutError, "timed out");
    } else if (status == RMSG_ERR_OUT_OF_MEMORY || status == RMSG_ERR_TOO_LARGE) {
        PyErr_NoMemory();
    } else if (err) {
        errno = err;
        PyErr_SetFromErrno(PyExc_OSError);
    } else {
        PyErr_Format(PyExc_OSError, "rmsg: %s", L.status_name(status));
    }
}

/* sock.name(): vectorcall where the API has it (the full API, or the
 * limited API of 3.12), which skips the va_list of the older call. */
static PyObject *
call_method(PyObject *obj, PyObject *name)
{
#if !defined(Py_LIMITED_API) || Py_LIMITED_API + 0 >= 0x030C0000
    PyObject *args[1] = {obj};
    return PyObject_VectorcallMethod(name, args, 1 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
#else
    return PyObject_CallMethodObjArgs(obj, name, NULL);
#endif
}

/* --- arguments, as CPython's PyArg_Parse converts them ---------------------- */

/* "n": a Py_ssize_t from an int or any object with __index__. */
static int
ssize_arg(PyObject *o, Py_ssize_t *out)
{
    Py_ssize_t v;
    if (PyLong_Check(o)) {
        v = PyLong_AsSsize_t(o);
    } else {
        PyObject *i = PyNumber_Index(o);
        if (i == NULL)
            return -1;
        v = PyLong_AsSsize_t(i);
        Py_DECREF(i);
    }
    if (v == -1 && PyErr_Occurred())
        return -1;
    *out = v;
    return 0;
}

/* "i": a C int (PyLong_AsLong, then getargs' own range messages). */
static int
int_arg(PyObject *o, int *out)
{
    long v = PyLong_AsLong(o);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (v > INT_MAX) {
        PyErr_SetString(PyExc_OverflowError, "signed integer is greater than maximum");
        return -1;
    }
    if (v < INT_MIN) {
        PyErr_SetString(PyExc_OverflowError, "signed integer is less than minimum");
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* The socket's descriptor: sock.fileno(), which must be an int that fits a
 * C int (as PyObject_AsFileDescriptor requires; -1, a closed socket's, is
 * passed on so that the call fails with EBADF as CPython's does). */
/* socket.socket, whose fileno and timeout are those of _socket.socket: for
 * an object of exactly this type they are called through their descriptors
 * (found once, in bind()), which skips the attribute lookup. */
static PyTypeObject *socket_type;
static PyObject *fileno_descr, *timeout_descr;
static descrgetfunc timeout_get;

static int
sock_fd(PyObject *sock, int *out)
{
    PyObject *r;
    long v;
    if (Py_TYPE(sock) == socket_type) {
#if !defined(Py_LIMITED_API) || Py_LIMITED_API + 0 >= 0x030C0000
        r = PyObject_Vectorcall(fileno_descr, &sock, 1, NULL);
#else
        r = PyObject_CallFunctionObjArgs(fileno_descr, sock, NULL);
#endif
    } else {
        r = call_method(sock, str_fileno);
    }
    if (r == NULL)
        return -1;
    if (!PyLong_Check(r)) {
        Py_DECREF(r);
        PyErr_SetString(PyExc_TypeError, "fileno() returned a non-integer");
        return -1;
    }
    v = PyLong_AsLong(r);
    Py_DECREF(r);
    if (v == -1 && PyErr_Occurred()) {
        if (PyErr_ExceptionMatches(PyExc_OverflowError)) {
            PyErr_Clear();
            v = (long)INT_MAX + 1;
        } else {
            return -1;
        }
    }
    if (v > INT_MAX || v < INT_MIN) {
        PyErr_SetString(PyExc_OverflowError, "Python int too large to convert to C int");
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* The socket's timeout: 0 for None (block) and for 0.0 (the socket's
 * O_NONBLOCK decides), the seconds otherwise. Read from the `timeout`
 * attribute, which a socket object's getter answers from the same field
 * CPython's own methods read (cheaper than calling gettimeout()); objects
 * without one are asked gettimeout(). */
static int
sock_timeout(PyObject *sock, double *out)
{
    PyObject *r = Py_TYPE(sock) == socket_type
                      ? timeout_get(timeout_descr, sock, (PyObject *)socket_type)
                      : PyObject_GetAttr(sock, str_timeout);
    double t = 0.0;
    if (r == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError))
            return -1;
        PyErr_Clear();
        r = call_method(sock, str_gettimeout);
        if (r == NULL)
            return -1;
    }
    if (r != Py_None) {
        t = PyFloat_AsDouble(r);
        if (t == -1.0 && PyErr_Occurred()) {
            Py_DECREF(r);
            return -1;
        }
    }
    Py_DECREF(r);
    *out = t > 0 ? t : 0.0;
    return 0;
}

/* Calls the Python function that has the public signature `name` with the
 * arguments as given: it raises Python's own TypeError for a wrong count or
 * keyword (the wording the ctypes path gives), or returns the arguments as a
 * tuple in positional order, defaults filled in. */
static PyObject *
normalize_args(const char *name, PyObject *const *args, Py_ssize_t nargs,
               PyObject *kwnames)
{
    PyObject *fn, *tuple, *kw = NULL, *r;
    Py_ssize_t i, nkw = kwnames ? PyTuple_Size(kwnames) : 0;
    if (require_bound() < 0)
        return NULL;
    fn = PyDict_GetItemString(signatures, name);
    if (fn == NULL) {
        PyErr_Format(PyExc_RuntimeError, "rmsg._rmsg: no signature for %s", name);
        return NULL;
    }
    tuple = PyTuple_New(nargs);
    if (tuple == NULL)
        return NULL;
    for (i = 0; i < nargs; i++) {
        Py_INCREF(args[i]);
        TUPLE_SET(tuple, i, args[i]);
    }
    if (nkw) {
        kw = PyDict_New();
        if (kw == NULL)
            goto fail;
        for (i = 0; i < nkw; i++) {
            if (PyDict_SetItem(kw, PyTuple_GetItem(kwnames, i), args[nargs + i]) < 0)
                goto fail;
        }
    }
    r = PyObject_Call(fn, tuple, kw);
    Py_DECREF(tuple);
    Py_XDECREF(kw);
    return r;
fail:
    Py_DECREF(tuple);
    Py_XDECREF(kw);
    return NULL;
}

/* --- waiting: the socket's timeout and Python's signal handlers -------------- */

static double
monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One receive call: librmsg with descriptor `fd` and options `o`. */
typedef rmsg_status (*recv_fn)(void *ctx, int fd, const rmsg_recv_options *o);

/* Runs `fn` until it succeeds, as CPython's sock_call does: the socket's
 * timeout bounds the whole call (RMSG_WAIT_DEADLINE), an interrupting
 * signal runs the Python handlers (whose exception propagates) and the call
 * is tried again with the time left. The GIL is released during each try.
 * Returns 0, or -1 with an exception set. */
static int
recv_loop(PyObject *sock, int cloexec, recv_fn fn, void *ctx)
{
    rmsg_recv_options o;
    rmsg_status st;
    double timeout, deadline = 0.0;
    int fd, first = 1;

    if (sock_fd(sock, &fd) < 0 || sock_timeout(sock, &timeout) < 0)
        return -1;
    memset(&o, 0, sizeof o);
    o.flags = RMSG_RECV_RETURN_EINTR | (cloexec ? 0 : RMSG_RECV_NO_CLOEXEC);
    if (timeout > 0) {
        o.wait = RMSG_WAIT_DEADLINE;
        deadline = monotonic() + timeout;
    }
    for (;;) {
        if (deadline > 0) {
            double left = deadline - monotonic();
            if (left < 0 && !first) {
                PyErr_SetString(PyExc_TimeoutError, "timed out");
                return -1;
            }
            o.timeout_ns = left > 0 ? (uint64_t)(left * 1e9) : 0;
        }
        first = 0;
        Py_BEGIN_ALLOW_THREADS
        st = fn(ctx, fd, &o);
        Py_END_ALLOW_THREADS
        if (st == RMSG_OK)
            return 0;
        if (st != RMSG_ERR_INTERRUPTED) {
            raise_status(st);
            return -1;
        }
        if (PyErr_CheckSignals() < 0)
            return -1;
        /* A handler may have closed or replaced the socket. */
        if (sock_fd(sock, &fd) < 0)
            return -1;
    }
}

/* --- descriptors taken during one call ----------------------------------------- */

/* Every descriptor number taken out of the messages of one call: they are
 * the caller's once the call returns, and closed if it fails. */
typedef struct {
    int *v;
    size_t n, cap;
    int local[64];
} fdvec;

static void
fdvec_init(fdvec *f)
{
    f->v = f->local;
    f->n = 0;
    f->cap = sizeof f->local / sizeof f->local[0];
}

/* Room for `more` descriptors after the n held; -1 (MemoryError) if none. */
static int
fdvec_reserve(fdvec *f, size_t more)
{
    size_t need = f->n + more, cap = f->cap;
    int *v;
    if (need <= cap)
        return 0;
    while (cap < need)
        cap *= 2;
    v = PyMem_Malloc(cap * sizeof *v);
    if (v == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(v, f->v, f->n * sizeof *v);
    if (f->v != f->local)
        PyMem_Free(f->v);
    f->v = v;
    f->cap = cap;
    return 0;
}

/* Closes every descriptor held (a failed call) and frees the array. */
static void
fdvec_close_all(fdvec *f)
{
    size_t i;
    PyObject *exc_type, *exc_value, *exc_tb;
    if (f->n) {
        PyErr_Fetch(&exc_type, &exc_value, &exc_tb);
        Py_BEGIN_ALLOW_THREADS
        for (i = 0; i < f->n; i++)
            close(f->v[i]);
        Py_END_ALLOW_THREADS
        PyErr_Restore(exc_type, exc_value, exc_tb);
    }
    f->n = 0;
}

static void
fdvec_free(fdvec *f)
{
    if (f->v != f->local)
        PyMem_Free(f->v);
    f->v = f->local;
    f->n = 0;
    f->cap = sizeof f->local / sizeof f->local[0];
}

/* --- source addresses ------------------------------------------------------------ */

/* Formatted addresses by their raw bytes, direct-mapped: a server hears
 * from the same peers again and again, and the values are immutable. A
 * socket's received addresses are of its own family, so the bytes (which
 * begin with the family) are the whole key. */
#define ADDR_CACHE_SLOTS 128
#define ADDR_CACHE_MAX_LEN 112

static struct addr_slot {
    size_t len;
    unsigned char raw[ADDR_CACHE_MAX_LEN];
    PyObject *value;
} addr_cache[ADDR_CACHE_SLOTS];

static void
addr_cache_clear(void)
{
    size_t i;
    for (i = 0; i < ADDR_CACHE_SLOTS; i++) {
        Py_CLEAR(addr_cache[i].value);
        addr_cache[i].len = 0;
    }
}

static size_t
addr_hash(const unsigned char *p, size_t n)
{
    uint32_t h = 2166136261u;
    size_t i;
    for (i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h % ADDR_CACHE_SLOTS;
}

/* The address `raw` (n bytes, n > 0) formatted as socket.recvmsg does, by
 * rmsg._recv._make_address (looked up at each miss, so that tests can
 * replace it). New reference, or NULL with an exception. */
static PyObject *
address_of(const unsigned char *raw, size_t n, PyObject *sock)
{
    struct addr_slot *slot = NULL;
    PyObject *bytes, *family, *value;
    if (n <= ADDR_CACHE_MAX_LEN) {
        slot = &addr_cache[addr_hash(raw, n)];
        if (slot->value != NULL && slot->len == n && memcmp(slot->raw, raw, n) == 0) {
            Py_INCREF(slot->value);
            return slot->value;
        }
    }
    family = PyObject_CallFunctionObjArgs(family_of_fn, sock, NULL);
    if (family == NULL)
        return NULL;
    bytes = PyBytes_FromStringAndSize((const char *)raw, (Py_ssize_t)n);
    if (bytes == NULL) {
        Py_DECREF(family);
        return NULL;
    }
    value = PyObject_CallFunctionObjArgs(make_address_fn, bytes, family, NULL);
    Py_DECREF(bytes);
    Py_DECREF(family);
    if (value != NULL && slot != NULL) {
        Py_XDECREF(slot->value);
        Py_INCREF(value);
        slot->value = value;
        slot->len = n;
        memcpy(slot->raw, raw, n);
    }
    return value;
}

/* --- one message as Python objects ------------------------------------------------- */

enum shape {
    SHAPE_ANCDATA, /* (first, [(level, type, data) ...], flags, address) */
    SHAPE_FDS,     /* (first, [fd ...], flags, address): SCM_RIGHTS only */
};

static int
is_rights(int level, int type)
{
    return level == SOL_SOCKET && type == SCM_RIGHTS;
}

/* The 4-tuple of message `m` (seen through its view `info`) with `first` (stolen)
 * as its first member: builds the ancillary list, formats the address,
 * warns exactly when CPython would, then takes the descriptors out of the
 * message into `taken` (every SCM_RIGHTS one; for SHAPE_ANCDATA also those
 * of other items, SCM_PIDFD, as CPython hands those over too). Until they
 * are taken the message owns them, so a failure before closes them when
 * it is freed. New reference, or NULL with an exception. */
static PyObject *
message_tuple(PyObject *first, rmsg_message *m, const rmsg_view *info,
              PyObject *sock, enum shape shape, fdvec *taken, int *leftover)
{
    rmsg_item_view local[8], *views = local;
    size_t count = info->item_count, n_listed = 0, i, got;
    PyObject *anc = NULL, *flags = NULL, *addr = NULL, *result;
    int warn = info->malformed || force_warning, other = 0;
    size_t first_fd = taken->n, owed = 0;

    if (first == NULL)
        return NULL;
    if (count) {
        if (count > sizeof local / sizeof local[0]) {
            views = PyMem_Malloc(count * sizeof *views);
            if (views == NULL) {
                PyErr_NoMemory();
                goto fail;
            }
        }
        if (L.message_items(m, views, count, &got) != RMSG_OK || got != count) {
            PyErr_SetString(PyExc_RuntimeError, "rmsg: the message's items changed");
            goto fail;
        }
        for (i = 0; i < count; i++)
            owed += views[i].fd_count;
        /* CPython stops at the first item that runs past the buffer. */
        for (i = 0; i < count; i++) {
            n_listed++;
            if (views[i].fd_count && !is_rights(views[i].cmsg_level, views[i].cmsg_type))
                other = 1;
            if (views[i].truncated) {
                warn = 1;
                break;
            }
        }
    }
    if (shape == SHAPE_ANCDATA) {
        anc = PyList_New((Py_ssize_t)n_listed);
        if (anc == NULL)
            goto fail;
        for (i = 0; i < n_listed; i++) {
            const rmsg_item_view *v = &views[i];
            PyObject *t = PyTuple_New(3), *o;
            if (t == NULL)
                goto fail;
            LIST_SET(anc, (Py_ssize_t)i, t);
            if ((o = PyLong_FromLong(v->cmsg_level)) == NULL)
                goto fail;
            TUPLE_SET(t, 0, o);
            if ((o = PyLong_FromLong(v->cmsg_type)) == NULL)
                goto fail;
            TUPLE_SET(t, 1, o);
            o = PyBytes_FromStringAndSize(v->data_len ? (const char *)v->data : "",
                                          (Py_ssize_t)v->data_len);
            if (o == NULL)
                goto fail;
            TUPLE_SET(t, 2, o);
        }
    }
    if ((flags = PyLong_FromLong(info->flags)) == NULL)
        goto fail;
    if (info->address_len) {
        addr = address_of(info->address, info->address_len, sock);
        if (addr == NULL)
            goto fail;
    } else {
        Py_INCREF(Py_None);
        addr = Py_None;
    }
    /* May raise (warnings as errors): the message, freed by the caller,
     * then closes every descriptor, as CPython's err_closefds does. */
    if (warn && PyErr_WarnEx(PyExc_RuntimeWarning, WARNING_TEXT, 1) < 0)
        goto fail;
    if (info->fd_count) {
        if (fdvec_reserve(taken, info->fd_count) < 0)
            goto fail;
        if (L.message_take_fds(m, taken->v + taken->n, info->fd_count, &got) == RMSG_OK)
            taken->n += got;
    }
    if (other && shape == SHAPE_ANCDATA) {
        for (i = 0; i < n_listed; i++) {
            const rmsg_item_view *v = &views[i];
            if (!v->fd_count || is_rights(v->cmsg_level, v->cmsg_type))
                continue;
            if (fdvec_reserve(taken, v->fd_count) < 0)
                goto fail;
            if (L.message_take_item_fds(m, i, taken->v + taken->n, v->fd_count, &got) ==
                RMSG_OK)
                taken->n += got;
        }
    }
    if (shape == SHAPE_FDS) {
        anc = PyList_New((Py_ssize_t)(taken->n - first_fd));
        if (anc == NULL)
            goto fail;
        for (i = first_fd; i < taken->n; i++) {
            PyObject *o = PyLong_FromLong(taken->v[i]);
            if (o == NULL)
                goto fail;
            LIST_SET(anc, (Py_ssize_t)(i - first_fd), o);
        }
    }
    if (views != local)
        PyMem_Free(views);
    views = local;
    /* Descriptors the message still owns: a message that is not freed
     * now (a receiver's, a batch's) must not keep them open. */
    *leftover = taken->n - first_fd < owed;
    result = PyTuple_New(4);
    if (result == NULL)
        goto fail;
    TUPLE_SET(result, 0, first);
    TUPLE_SET(result, 1, anc);
    TUPLE_SET(result, 2, flags);
    TUPLE_SET(result, 3, addr);
    return result;
fail:
    if (views != local)
        PyMem_Free(views);
    Py_DECREF(first);
    Py_XDECREF(anc);
    Py_XDECREF(flags);
    Py_XDECREF(addr);
    return NULL;
}

/* Frees a message; with the GIL released when it may still own
 * descriptors (closing one can block on a lingering socket). */
static void
free_message(rmsg_message *m, int may_own_fds)
{
    if (m == NULL)
        return;
    if (may_own_fds) {
        Py_BEGIN_ALLOW_THREADS
        L.message_free(m);
        Py_END_ALLOW_THREADS
    } else {
        L.message_free(m);
    }
}

static PyObject *
data_bytes(const rmsg_view *info)
{
    return PyBytes_FromStringAndSize(info->data_len ? (const char *)info->data : "",
                                     (Py_ssize_t)info->data_len);
}

/* --- recvmsg and recv_fds ----------------------------------------------------------- */

typedef struct {
    size_t bufsize, ancbufsize;
    int flags;
    rmsg_receiver *receiver;
    const rmsg_view *view; /* the received message at a glance */
} recvmsg_ctx;

/* One receive into the receiver, its view handed out with it: what a
 * message holds is read from the view's fields, with no call per field. */
static rmsg_status
call_recvmsg(void *p, int fd, const rmsg_recv_options *o)
{
    recvmsg_ctx *c = p;
    return L.receiver_recv_view(c->receiver, fd, c->flags, o, sizeof(rmsg_view), &c->view);
}

/* One receiver kept between calls, for the sizes last asked for: its
 * message is received into again and again (no allocation, memory that
 * stays in cache). Taken out during a call, as the spare batch is. */
static struct {
    rmsg_receiver *receiver;
    size_t bufsize, ancbufsize;
} spare_receiver;

static int
take_receiver(recvmsg_ctx *c)
{
    rmsg_status st;
    if (spare_receiver.receiver != NULL && spare_receiver.bufsize == c->bufsize &&
        spare_receiver.ancbufsize == c->ancbufsize) {
        c->receiver = spare_receiver.receiver;
        spare_receiver.receiver = NULL;
        return 0;
    }
    st = L.receiver_new(c->bufsize, c->ancbufsize, NULL, &c->receiver);
    if (st != RMSG_OK) {
        raise_status(st);
        return -1;
    }
    return 0;
}

/* Returns the receiver for the next call, or frees it (closing every
 * descriptor its message still owns) when `discard`. */
static void
put_back_receiver(recvmsg_ctx *c, int discard)
{
    rmsg_receiver *old = NULL;
    if (discard) {
        old = c->receiver;
    } else {
        old = spare_receiver.receiver;
        spare_receiver.receiver = c->receiver;
        spare_receiver.bufsize = c->bufsize;
        spare_receiver.ancbufsize = c->ancbufsize;
    }
    c->receiver = NULL;
    if (old != NULL) {
        Py_BEGIN_ALLOW_THREADS
        L.receiver_free(old);
        Py_END_ALLOW_THREADS
    }
}

/* The arguments of recvmsg as CPython checks them ("n|ni" and its own two
 * range checks), from the positional values. */
static int
recvmsg_args(PyObject *bufsize_o, PyObject *ancbufsize_o, PyObject *flags_o,
             recvmsg_ctx *c)
{
    Py_ssize_t bufsize, ancbufsize = 0;
    int flags = 0;
    if (ssize_arg(bufsize_o, &bufsize) < 0)
        return -1;
    if (ancbufsize_o != NULL && ssize_arg(ancbufsize_o, &ancbufsize) < 0)
        return -1;
    if (flags_o != NULL && int_arg(flags_o, &flags) < 0)
        return -1;
    if (bufsize < 0) {
        PyErr_SetString(PyExc_ValueError, "negative buffer size in recvmsg()");
        return -1;
    }
    if (ancbufsize < 0 || ancbufsize > SOCKLEN_T_LIMIT) {
        PyErr_SetString(PyExc_ValueError, "invalid ancillary data buffer length");
        return -1;
    }
    c->bufsize = (size_t)bufsize;
    c->ancbufsize = (size_t)ancbufsize;
    c->flags = flags;
    c->receiver = NULL;
    c->view = NULL;
    return 0;
}

/* The receive of recvmsg and recv_fds once the arguments are known. */
static PyObject *
recvmsg_core(PyObject *sock, recvmsg_ctx *c, int cloexec, enum shape shape)
{
    const rmsg_view *info;
    fdvec taken;
    PyObject *result;
    int leftover = 0;

    if (take_receiver(c) < 0)
        return NULL;
    if (recv_loop(sock, cloexec, call_recvmsg, c) < 0) {
        put_back_receiver(c, 0); /* a failed receive leaves nothing open */
        return NULL;
    }
    info = c->view;
    if (!(info->item_count || info->address_len || info->malformed || force_warning)) {
        /* No items, so no descriptors: the common case, built directly. */
        PyObject *data = data_bytes(info), *anc = NULL, *flags = NULL;
        result = NULL;
        if (data && (anc = PyList_New(0)) && (flags = PyLong_FromLong(info->flags)) &&
            (result = PyTuple_New(4))) {
            TUPLE_SET(result, 0, data);
            TUPLE_SET(result, 1, anc);
            TUPLE_SET(result, 2, flags);
            Py_INCREF(Py_None);
            TUPLE_SET(result, 3, Py_None);
        } else {
            Py_XDECREF(data);
            Py_XDECREF(anc);
            Py_XDECREF(flags);
        }
        put_back_receiver(c, 0);
        return result;
    }
    fdvec_init(&taken);
    result = message_tuple(data_bytes(info), info->message, info, sock, shape, &taken,
                           &leftover);
    if (result == NULL)
        fdvec_close_all(&taken);
    fdvec_free(&taken);
    /* A failure, or descriptors left in the message (recv_fds leaves
     * those of other items): free the receiver, which closes them now. */
    put_back_receiver(c, result == NULL || leftover);
    return result;
}

/* Parses `cloexec` (keyword-only, default True) from a normalized tuple's
 * last member. */
static int
truth(PyObject *o, int *out)
{
    int v = PyObject_IsTrue(o);
    if (v < 0)
        return -1;
    *out = v;
    return 0;
}

PyDoc_STRVAR(recvmsg_doc,
"recvmsg(sock, bufsize, ancbufsize=0, flags=0, /, *, cloexec=True)\n--\n\n"
"sock.recvmsg(bufsize[, ancbufsize[, flags]]) through librmsg (compiled).");

static PyObject *
c_recvmsg(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    recvmsg_ctx c;
    PyObject *norm, *r;
    int cloexec;
    (void)self;
    if (kwnames == NULL && nargs >= 2 && nargs <= 4) {
        if (require_bound() < 0)
            return NULL;
        if (recvmsg_args(args[1], nargs > 2 ? args[2] : NULL, nargs > 3 ? args[3] : NULL,
                         &c) < 0)
            return NULL;
        return recvmsg_core(args[0], &c, 1, SHAPE_ANCDATA);
    }
    norm = normalize_args("recvmsg", args, nargs, kwnames);
    if (norm == NULL)
        return NULL;
    r = NULL;
    if (truth(PyTuple_GetItem(norm, 4), &cloexec) == 0 &&
        recvmsg_args(PyTuple_GetItem(norm, 1), PyTuple_GetItem(norm, 2),
                     PyTuple_GetItem(norm, 3), &c) == 0)
        r = recvmsg_core(PyTuple_GetItem(norm, 0), &c, cloexec, SHAPE_ANCDATA);
    Py_DECREF(norm);
    return r;
}

/* CMSG_LEN(n * sizeof(int)) for recv_fds, with CMSG_LEN's own errors. */
static PyObject *cmsg_len_fn; /* rmsg._dropin.CMSG_LEN */

PyDoc_STRVAR(recv_fds_doc,
"recv_fds(sock, bufsize, maxfds, flags=0, /, *, cloexec=True)\n--\n\n"
"socket.recv_fds(sock, bufsize, maxfds[, flags]) through librmsg (compiled).");

static PyObject *
recv_fds_core(PyObject *sock, PyObject *bufsize_o, PyObject *maxfds_o,
              PyObject *flags_o, int cloexec)
{
    Py_ssize_t maxfds, anc;
    PyObject *space, *bytes_o, *r;
    recvmsg_ctx c;
    if (ssize_arg(maxfds_o, &maxfds) < 0)
        return NULL;
    if (maxfds > PY_SSIZE_T_MAX / (Py_ssize_t)sizeof(int) ||
        maxfds < PY_SSIZE_T_MIN / (Py_ssize_t)sizeof(int)) {
        PyErr_SetString(PyExc_OverflowError, "CMSG_LEN() argument out of range");
        return NULL;
    }
    bytes_o = PyLong_FromSsize_t(maxfds * (Py_ssize_t)sizeof(int));
    if (bytes_o == NULL)
        return NULL;
    space = PyObject_CallFunctionObjArgs(cmsg_len_fn, bytes_o, NULL);
    Py_DECREF(bytes_o);
    if (space == NULL)
        return NULL;
    anc = PyLong_AsSsize_t(space);
    if (anc == -1 && PyErr_Occurred()) {
        Py_DECREF(space);
        return NULL;
    }
    r = NULL;
    if (recvmsg_args(bufsize_o, space, flags_o, &c) == 0)
        r = recvmsg_core(sock, &c, cloexec, SHAPE_FDS);
    Py_DECREF(space);
    return r;
}

static PyObject *
c_recv_fds(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *norm, *r = NULL;
    int cloexec;
    (void)self;
    if (kwnames == NULL && nargs >= 3 && nargs <= 4) {
        if (require_bound() < 0)
            return NULL;
        return recv_fds_core(args[0], args[1], args[2], nargs > 3 ? args[3] : NULL, 1);
    }
    norm = normalize_args("recv_fds", args, nargs, kwnames);
    if (norm == NULL)
        return NULL;
    if (truth(PyTuple_GetItem(norm, 4), &cloexec) == 0)
        r = recv_fds_core(PyTuple_GetItem(norm, 0), PyTuple_GetItem(norm, 1),
                          PyTuple_GetItem(norm, 2), PyTuple_GetItem(norm, 3), cloexec);
    Py_DECREF(norm);
    return r;
}

/* --- recvmsg_into --------------------------------------------------------------------- */

static const char INTO_BUFFERS_MSG[] =
    "w*;recvmsg_into() argument 1 must be an iterable of single-segment "
    "read-write buffers";

typedef struct {
    rmsg_iovec *iov;
    size_t count;
    size_t ancbufsize;
    int flags;
    size_t nbytes;
    rmsg_message *msg;
} into_ctx;

static rmsg_status
call_into(void *p, int fd, const rmsg_recv_options *o)
{
    into_ctx *c = p;
    return L.recvmsg_into(fd, c->iov, c->count, c->ancbufsize, c->flags, o, &c->nbytes,
                          &c->msg);
}

static PyObject *
into_core(PyObject *sock, PyObject *buffers, PyObject *ancbufsize_o, PyObject *flags_o,
          int cloexec)
{
    Py_ssize_t ancbufsize = 0, nitems, nbufs = 0, i;
    int flags = 0;
    PyObject *fast, *result = NULL;
    Py_buffer local_bufs[4], *bufs = local_bufs;
    rmsg_iovec local_iov[4], *iov = local_iov;
    into_ctx c;

    /* CPython's order: the numbers ("O|ni"), the buffers, then the
     * control-buffer length. */
    if (ancbufsize_o != NULL && ssize_arg(ancbufsize_o, &ancbufsize) < 0)
        return NULL;
    if (flags_o != NULL && int_arg(flags_o, &flags) < 0)
        return NULL;
    fast = PySequence_Fast(buffers, "recvmsg_into() argument 1 must be an iterable");
    if (fast == NULL)
        return NULL;
    nitems = PySequence_Size(fast);
    if (nitems > INT_MAX) {
        PyErr_SetString(PyExc_OSError, "recvmsg_into() argument 1 is too long");
        goto done;
    }
    if (nitems > 4) {
        bufs = PyMem_Malloc((size_t)nitems * sizeof *bufs);
        iov = PyMem_Malloc((size_t)nitems * sizeof *iov);
        if (bufs == NULL || iov == NULL) {
            PyErr_NoMemory();
            goto done;
        }
    }
    for (; nbufs < nitems; nbufs++) {
        PyObject *item = PyList_Check(fast) ? PyList_GetItem(fast, nbufs)
                                            : PyTuple_GetItem(fast, nbufs);
        /* What "w*" asks for; on failure PyArg_Parse itself says why, in
         * CPython's words. */
        if (PyObject_GetBuffer(item, &bufs[nbufs], PyBUF_WRITABLE) < 0 ||
            (!PyBuffer_IsContiguous(&bufs[nbufs], 'C') &&
             (PyBuffer_Release(&bufs[nbufs]), 1))) {
            PyErr_Clear();
            if (PyArg_Parse(item, INTO_BUFFERS_MSG, &bufs[nbufs]))
                PyBuffer_Release(&bufs[nbufs]);
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, INTO_BUFFERS_MSG + 3);
            goto done;
        }
        iov[nbufs].base = bufs[nbufs].buf;
        iov[nbufs].len = (size_t)bufs[nbufs].len;
    }
    if (ancbufsize < 0 || ancbufsize > SOCKLEN_T_LIMIT) {
        PyErr_SetString(PyExc_ValueError, "invalid ancillary data buffer length");
        goto done;
    }
    c.iov = iov;
    c.count = (size_t)nitems;
    c.ancbufsize = (size_t)ancbufsize;
    c.flags = flags;
    c.nbytes = 0;
    c.msg = NULL;
    if (recv_loop(sock, cloexec, call_into, &c) == 0) {
        const rmsg_view *info = NULL;
        fdvec taken;
        int leftover = 0;
        size_t item_count;
        fdvec_init(&taken);
        if (L.message_view(c.msg, sizeof(rmsg_view), &info) != RMSG_OK) {
            PyErr_SetString(PyExc_RuntimeError, "rmsg: no view of the message");
            result = NULL;
            item_count = 1;
        } else {
            item_count = info->item_count;
            result = message_tuple(PyLong_FromSize_t(c.nbytes), c.msg, info, sock,
                                   SHAPE_ANCDATA, &taken, &leftover);
        }
        if (result == NULL)
            fdvec_close_all(&taken);
        fdvec_free(&taken);
        free_message(c.msg, result == NULL && item_count);
    }
done:
    for (i = 0; i < nbufs; i++)
        PyBuffer_Release(&bufs[i]);
    if (bufs != local_bufs)
        PyMem_Free(bufs);
    if (iov != local_iov)
        PyMem_Free(iov);
    Py_DECREF(fast);
    return result;
}

PyDoc_STRVAR(recvmsg_into_doc,
"recvmsg_into(sock, buffers, ancbufsize=0, flags=0, /, *, cloexec=True)\n--\n\n"
"sock.recvmsg_into(buffers[, ancbufsize[, flags]]) through librmsg (compiled).");

static PyObject *
c_recvmsg_into(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
               PyObject *kwnames)
{
    PyObject *norm, *r = NULL;
    int cloexec;
    (void)self;
    if (kwnames == NULL && nargs >= 2 && nargs <= 4) {
        if (require_bound() < 0)
            return NULL;
        return into_core(args[0], args[1], nargs > 2 ? args[2] : NULL,
                         nargs > 3 ? args[3] : NULL, 1);
    }
    norm = normalize_args("recvmsg_into", args, nargs, kwnames);
    if (norm == NULL)
        return NULL;
    if (truth(PyTuple_GetItem(norm, 4), &cloexec) == 0)
        r = into_core(PyTuple_GetItem(norm, 0), PyTuple_GetItem(norm, 1),
                      PyTuple_GetItem(norm, 2), PyTuple_GetItem(norm, 3), cloexec);
    Py_DECREF(norm);
    return r;
}

/* --- recvmsg_batch ---------------------------------------------------------------------- */

/* One batch kept between calls (allocating one costs as much as a
 * receive). A call takes it out, so two threads never share one: a
 * second thread that finds none makes its own, and the one that comes
 * back last is freed. */
static struct {
    rmsg_batch *batch;
    size_t count, bufsize, ancbufsize;
} spare_batch;

typedef struct {
    rmsg_batch *batch;
    int flags;
    size_t received;
    const rmsg_view *const *views; /* one per message received */
} batch_ctx;

/* One receive into the batch, the views of all its messages handed out
 * with it: no call per message or per field. */
static rmsg_status
call_batch(void *p, int fd, const rmsg_recv_options *o)
{
    batch_ctx *c = p;
    return L.batch_recv_views(c->batch, fd, c->flags, o, sizeof(rmsg_view), &c->views,
                              &c->received);
}

static void
put_back_batch(rmsg_batch *b, size_t count, size_t bufsize, size_t ancbufsize)
{
    if (spare_batch.batch == NULL) {
        spare_batch.batch = b;
        spare_batch.count = count;
        spare_batch.bufsize = bufsize;
        spare_batch.ancbufsize = ancbufsize;
    } else {
        L.batch_free(b);
    }
}

static PyObject *
batch_core(PyObject *sock, PyObject *count_o, PyObject *bufsize_o, PyObject *anc_o,
           PyObject *flags_o, int cloexec)
{
    Py_ssize_t count, bufsize, ancbufsize = 0;
    int flags = 0;
    rmsg_batch *b = NULL;
    rmsg_status st;
    batch_ctx c;
    fdvec taken;
    PyObject *list = NULL;
    size_t i;
    int leftover = 0, any_leftover = 0;

    if (ssize_arg(count_o, &count) < 0 || ssize_arg(bufsize_o, &bufsize) < 0)
        return NULL;
    if (anc_o != NULL && ssize_arg(anc_o, &ancbufsize) < 0)
        return NULL;
    if (flags_o != NULL && int_arg(flags_o, &flags) < 0)
        return NULL;
    if (count < 1 || count > RMSG_BATCH_MAX) {
        PyErr_Format(PyExc_ValueError, "recvmsg_batch() count must be 1 to %d",
                     RMSG_BATCH_MAX);
        return NULL;
    }
    if (bufsize < 0) {
        PyErr_SetString(PyExc_ValueError, "negative buffer size in recvmsg_batch()");
        return NULL;
    }
    if (ancbufsize < 0 || ancbufsize > SOCKLEN_T_LIMIT) {
        PyErr_SetString(PyExc_ValueError, "invalid ancillary data buffer length");
        return NULL;
    }
    if (spare_batch.batch != NULL && spare_batch.count == (size_t)count &&
        spare_batch.bufsize == (size_t)bufsize &&
        spare_batch.ancbufsize == (size_t)ancbufsize) {
        b = spare_batch.batch;
        spare_batch.batch = NULL;
    } else {
        st = L.batch_new((size_t)count, (size_t)bufsize, (size_t)ancbufsize, NULL, &b);
        if (st != RMSG_OK) {
            raise_status(st);
            return NULL;
        }
    }
    c.batch = b;
    c.flags = flags;
    c.received = 0;
    c.views = NULL;
    if (recv_loop(sock, cloexec, call_batch, &c) < 0) {
        /* Nothing of the batch stays open after a failed receive. */
        put_back_batch(b, (size_t)count, (size_t)bufsize, (size_t)ancbufsize);
        return NULL;
    }
    fdvec_init(&taken);
    list = PyList_New((Py_ssize_t)c.received);
    if (list == NULL)
        goto fail;
    for (i = 0; i < c.received; i++) {
        const rmsg_view *info = c.views[i];
        PyObject *t = message_tuple(data_bytes(info), info->message, info, sock,
                                    SHAPE_ANCDATA, &taken, &leftover);
        if (t == NULL)
            goto fail;
        any_leftover |= leftover;
        LIST_SET(list, (Py_ssize_t)i, t);
    }
    fdvec_free(&taken);
    if (any_leftover) {
        /* Close what the batch still owns now, not at its next receive. */
        Py_BEGIN_ALLOW_THREADS
        L.batch_free(b);
        Py_END_ALLOW_THREADS
    } else {
        put_back_batch(b, (size_t)count, (size_t)bufsize, (size_t)ancbufsize);
    }
    return list;
fail:
    /* A failure after the syscall closes every descriptor of the batch:
     * those already taken here, and (freeing the batch) all the others. */
    Py_XDECREF(list);
    fdvec_close_all(&taken);
    fdvec_free(&taken);
    Py_BEGIN_ALLOW_THREADS
    L.batch_free(b);
    Py_END_ALLOW_THREADS
    return NULL;
}

PyDoc_STRVAR(recvmsg_batch_doc,
"recvmsg_batch(sock, count, bufsize, ancbufsize=0, flags=0, /, *, cloexec=True)\n--\n\n"
"Up to count messages with one recvmmsg(2) call, as recvmsg 4-tuples (compiled).");

static PyObject *
c_recvmsg_batch(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                PyObject *kwnames)
{
    PyObject *norm, *r = NULL;
    int cloexec;
    (void)self;
    if (kwnames == NULL && nargs >= 3 && nargs <= 5) {
        if (require_bound() < 0)
            return NULL;
        return batch_core(args[0], args[1], args[2], nargs > 3 ? args[3] : NULL,
                          nargs > 4 ? args[4] : NULL, 1);
    }
    norm = normalize_args("recvmsg_batch", args, nargs, kwnames);
    if (norm == NULL)
        return NULL;
    if (truth(PyTuple_GetItem(norm, 5), &cloexec) == 0)
        r = batch_core(PyTuple_GetItem(norm, 0), PyTuple_GetItem(norm, 1),
                       PyTuple_GetItem(norm, 2), PyTuple_GetItem(norm, 3),
                       PyTuple_GetItem(norm, 4), cloexec);
    Py_DECREF(norm);
    return r;
}

/* --- binding and testing -------------------------------------------------------------- */

PyDoc_STRVAR(bind_doc,
"bind(functions, make_address, family_of, signatures, cmsg_len, socket_type,\n"
"     fileno, timeout)\n--\n\n"
"Binds the module to the library rmsg._native loaded: functions maps each\n"
"C name (rmsg_recvmsg_with ...) to its address in that library. For objects\n"
"of exactly socket_type, fileno (a method descriptor) and timeout (a data\n"
"descriptor) are called directly.");

/* Replaces the reference in *slot with a new one to `value`. */
static void
set_ref(PyObject **slot, PyObject *value)
{
    PyObject *old = *slot;
    Py_INCREF(value);
    *slot = value;
    Py_XDECREF(old);
}

static PyObject *
c_bind(PyObject *self, PyObject *args)
{
    PyObject *functions, *make_address, *family_of, *sigs, *cmsg_len;
    (void)self;
    PyObject *sock_type, *fileno, *timeout;
    descrgetfunc get;
    if (!PyArg_ParseTuple(args, "O!OOO!OO!OO:bind", &PyDict_Type, &functions,
                          &make_address, &family_of, &PyDict_Type, &sigs, &cmsg_len,
                          &PyType_Type, &sock_type, &fileno, &timeout))
        return NULL;
    get = (descrgetfunc)PyType_GetSlot(Py_TYPE(timeout), Py_tp_descr_get);
    if (get == NULL) {
        PyErr_SetString(PyExc_TypeError, "bind(): the timeout attribute is no descriptor");
        return NULL;
    }
#define BIND(name)                                                                     \
    {                                                                                  \
        PyObject *a = PyDict_GetItemString(functions, "rmsg_" #name);                  \
        void *p;                                                                       \
        if (a == NULL) {                                                               \
            PyErr_SetString(PyExc_KeyError, "rmsg_" #name);                            \
            return NULL;                                                               \
        }                                                                              \
        p = PyLong_AsVoidPtr(a);                                                       \
        if (p == NULL) {                                                               \
            if (!PyErr_Occurred())                                                     \
                PyErr_SetString(PyExc_ValueError, "rmsg_" #name " is NULL");           \
            return NULL;                                                               \
        }                                                                              \
        memcpy(&L.name, &p, sizeof p);                                                 \
    }
    RMSG_FUNCTIONS(BIND)
#undef BIND
    set_ref(&make_address_fn, make_address);
    set_ref(&family_of_fn, family_of);
    set_ref(&signatures, sigs);
    set_ref(&cmsg_len_fn, cmsg_len);
    set_ref(&fileno_descr, fileno);
    set_ref(&timeout_descr, timeout);
    set_ref((PyObject **)&socket_type, sock_type);
    timeout_get = get;
    addr_cache_clear();
    bound = 1;
    Py_RETURN_NONE;
}

static PyObject *
c_clear_address_cache(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    addr_cache_clear();
    Py_RETURN_NONE;
}

static PyObject *
c_set_force_warning(PyObject *self, PyObject *arg)
{
    int v = PyObject_IsTrue(arg);
    (void)self;
    if (v < 0)
        return NULL;
    force_warning = v;
    Py_RETURN_NONE;
}

#define FASTCALL_KW(f) (PyCFunction)(void (*)(void))(f), METH_FASTCALL | METH_KEYWORDS

static PyMethodDef methods[] = {
    {"recvmsg", FASTCALL_KW(c_recvmsg), recvmsg_doc},
    {"recvmsg_into", FASTCALL_KW(c_recvmsg_into), recvmsg_into_doc},
    {"recv_fds", FASTCALL_KW(c_recv_fds), recv_fds_doc},
    {"recvmsg_batch", FASTCALL_KW(c_recvmsg_batch), recvmsg_batch_doc},
    {"bind", c_bind, METH_VARARGS, bind_doc},
    {"_clear_address_cache", c_clear_address_cache, METH_NOARGS,
     "Forgets every formatted address (for tests)."},
    {"_set_force_warning", c_set_force_warning, METH_O,
     "Makes every message take the RuntimeWarning path (for tests)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    "rmsg._rmsg",
    "The compiled fast path of rmsg: librmsg's receive calls with the result\n"
    "objects built in C. Imported and bound by rmsg._native; use the functions\n"
    "through the rmsg package.",
    -1,
    methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit__rmsg(void)
{
    PyObject *m, *names;
    str_fileno = PyUnicode_InternFromString("fileno");
    str_gettimeout = PyUnicode_InternFromString("gettimeout");
    str_timeout = PyUnicode_InternFromString("timeout");
    if (str_fileno == NULL || str_gettimeout == NULL || str_timeout == NULL)
        return NULL;
    m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
#ifdef Py_LIMITED_API
    if (PyModule_AddStringConstant(m, "api", "abi3") < 0) {
#else
    if (PyModule_AddStringConstant(m, "api", "full") < 0) {
#endif
        Py_DECREF(m);
        return NULL;
    }
    /* The C names bind() needs, for rmsg._native to look up. */
    {
        static const char *const all[] = {
#define NAME(name) "rmsg_" #name,
            RMSG_FUNCTIONS(NAME)
#undef NAME
        };
        Py_ssize_t i, n = (Py_ssize_t)(sizeof all / sizeof all[0]);
        names = PyTuple_New(n);
        for (i = 0; names != NULL && i < n; i++) {
            PyObject *s = PyUnicode_FromString(all[i]);
            if (s == NULL)
                Py_CLEAR(names);
            else
                TUPLE_SET(names, i, s);
        }
    }
    if (names == NULL || PyModule_AddObject(m, "FUNCTIONS", names) < 0) {
        Py_XDECREF(names);
        Py_DECREF(m);
        return NULL;
    }
    if (PyModule_AddIntConstant(m, "BATCH_MAX", RMSG_BATCH_MAX) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
