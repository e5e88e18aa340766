/*
 * rmsg.hpp: a header-only C++17 wrapper over the rmsg C API (rmsg.h).
 *
 * Written by hand (build.rs generates only rmsg.h). Everything here is
 * inline and calls the exported C functions; link with -lrmsg as for C.
 *
 * Choices:
 * - Ownership is RAII. `rmsg::message` owns an `rmsg_message *` and is
 *   move-only; its destructor frees it, which closes every descriptor the
 *   message still owns. `rmsg::fd` owns one descriptor and closes it unless
 *   `release()`d; it is move-only too. Taking descriptors out of a message
 *   gives `std::vector<rmsg::fd>`.
 * - Failures are exceptions: every C call that returns a status other than
 *   `RMSG_OK` throws `rmsg::error`, a `std::system_error` whose `code()` is
 *   the errno rmsg reported (`std::generic_category()`) and whose
 *   `status()` is the `rmsg_status`. A timeout (`RMSG_ERR_TIMED_OUT`) and an
 *   empty non-blocking socket (`RMSG_ERR_WOULD_BLOCK`) throw as well, so a
 *   returned message is always a received one. Getters never throw.
 *   `std::bad_alloc` may also escape (vectors); it is thrown before any
 *   descriptor changes hands.
 * - Views (`rmsg::view<T>`: pointer and length, as C++17 has no std::span)
 *   borrow from the message they came from and are valid until the C
 *   handle is freed. A move hands the same C handle to the new owner, so
 *   views stay valid across moves.
 * - `item` and `address` are small borrowed handles with the same lifetime
 *   rule as views.
 */
#ifndef RMSG_HPP
#define RMSG_HPP

/* Stop at once, with one clear message, rather than with the errors that
 * <optional> and the code below would give an older compiler mode. */
#if !defined(__cplusplus) || __cplusplus < 201703L
#error "rmsg.hpp needs C++17 or later (-std=c++17); from C or older C++, include rmsg.h"
#else

#include "rmsg.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <unistd.h>
#include <utility>
#include <vector>

namespace rmsg {

/// A failed rmsg call: the status and the errno that went with it.
class error : public std::system_error {
public:
    error(rmsg_status status, int errno_value)
        : std::system_error(errno_value, std::generic_category(),
                            std::string(rmsg_status_name(status)) + ": " +
                                rmsg_status_describe(status)),
          status_(status) {}

    /// The `rmsg_status` the C call returned.
    rmsg_status status() const noexcept { return status_; }
    /// The errno rmsg reported (`code().value()`).
    int errno_value() const noexcept { return code().value(); }

private:
    rmsg_status status_;
};

/// Throws `rmsg::error` unless `s` is `RMSG_OK`.
inline void check(rmsg_status s) {
    if (s != RMSG_OK) throw error(s, rmsg_last_errno());
}

/// A borrowed run of `T` (pointer and length), for C++17.
template <class T>
class view {
public:
    constexpr view() noexcept = default;
    constexpr view(const T *data, std::size_t size) noexcept : data_(data), size_(size) {}
    constexpr const T *data() const noexcept { return data_; }
    constexpr std::size_t size() const noexcept { return size_; }
    constexpr bool empty() const noexcept { return size_ == 0; }
    constexpr const T *begin() const noexcept { return data_; }
    constexpr const T *end() const noexcept { return data_ + size_; }
    /// Unchecked, as `std::span`.
    constexpr const T &operator[](std::size_t i) const noexcept { return data_[i]; }

private:
    const T *data_ = nullptr;
    std::size_t size_ = 0;
};

using bytes = view<std::uint8_t>;

/// An owned file descriptor: closed by the destructor unless released.
class fd {
public:
    fd() noexcept = default;
    explicit fd(int value) noexcept : fd_(value) {}
    ~fd() { reset(); }
    fd(fd &&other) noexcept : fd_(other.release()) {}
    fd &operator=(fd &&other) noexcept {
        if (this != &other) reset(other.release());
        return *this;
    }
    fd(const fd &) = delete;
    fd &operator=(const fd &) = delete;

    /// The descriptor, still owned (-1 when empty).
    int get() const noexcept { return fd_; }
    /// Gives up ownership: the caller must close the returned descriptor.
    int release() noexcept {
        int v = fd_;
        fd_ = -1;
        return v;
    }
    /// Closes the owned descriptor (if any) and owns `value` instead.
    void reset(int value = -1) noexcept {
        if (fd_ >= 0) ::close(fd_);
        fd_ = value;
    }
    explicit operator bool() const noexcept { return fd_ >= 0; }

private:
    int fd_ = -1;
};

/// One control item, borrowed from its message.
class item {
public:
    explicit item(const rmsg_item *p) noexcept : p_(p) {}
    int level() const noexcept { return rmsg_item_level(p_); }
    int type() const noexcept { return rmsg_item_type(p_); }
    /// The data bytes, unaligned: copy them out before reading as other types.
    bytes data() const noexcept { return bytes(rmsg_item_data(p_), rmsg_item_data_len(p_)); }
    /// The item claimed more data than the control buffer held.
    bool truncated() const noexcept { return rmsg_item_truncated(p_); }
    /// Descriptors in an SCM_RIGHTS or SCM_PIDFD item (0 for others).
    std::size_t fd_count() const noexcept { return rmsg_item_fd_count(p_); }
    /// Descriptor `n`, only looked at (still owned by the message); -1 if
    /// out of range.
    int fd_at(std::size_t n) const noexcept { return rmsg_item_fd(p_, n); }
    const rmsg_item *get() const noexcept { return p_; }

private:
    const rmsg_item *p_;
};

/// A source address, borrowed from its message.
class address {
public:
    explicit address(const rmsg_address *p) noexcept : p_(p) {}
    int family() const noexcept { return rmsg_address_family(p_); }
    rmsg_addr_kind kind() const noexcept { return rmsg_address_kind(p_); }
    /// The raw `sockaddr` bytes.
    bytes raw() const {
        const std::uint8_t *b = nullptr;
        std::size_t n = 0;
        check(rmsg_address_raw(p_, &b, &n));
        return bytes(b, n);
    }
    /// AF_UNIX name bytes (path, or abstract name with its leading NUL).
    bytes unix_name() const {
        const std::uint8_t *b = nullptr;
        std::size_t n = 0;
        check(rmsg_address_unix(p_, &b, &n));
        return bytes(b, n);
    }
    rmsg_inet_address inet() const {
        rmsg_inet_address a{};
        check(rmsg_address_inet(p_, &a));
        return a;
    }
    rmsg_inet6_address inet6() const {
        rmsg_inet6_address a{};
        check(rmsg_address_inet6(p_, &a));
        return a;
    }
    const rmsg_address *get() const noexcept { return p_; }

private:
    const rmsg_address *p_;
};

/// Receive options: how to wait and what to do on EINTR.
struct options {
    rmsg_recv_options raw{};

    /// Block (the default).
    static options blocking() noexcept { return options{}; }
    /// Never block: an empty socket throws with RMSG_ERR_WOULD_BLOCK.
    static options nonblocking() noexcept {
        options o;
        o.raw.wait = RMSG_WAIT_NONBLOCK;
        return o;
    }
    /// Wait at most `timeout` in all; then throws with RMSG_ERR_TIMED_OUT.
    static options deadline(std::chrono::nanoseconds timeout) noexcept {
        options o;
        o.raw.wait = RMSG_WAIT_DEADLINE;
        o.raw.timeout_ns =
            timeout.count() < 0 ? 0 : static_cast<std::uint64_t>(timeout.count());
        return o;
    }
    /// Adds `RMSG_RECV_*` flags.
    options &with_flags(std::uint32_t flags) noexcept {
        raw.flags |= flags;
        return *this;
    }
};

/// A received message. Move-only; the destructor frees it and closes every
/// descriptor it still owns.
class message {
public:
    message() noexcept = default;
    /// Adopts a message from the C API.
    explicit message(rmsg_message *p) noexcept : p_(p) {}
    ~message() { rmsg_message_free(p_); }
    message(message &&other) noexcept : p_(other.release()) {}
    message &operator=(message &&other) noexcept {
        if (this != &other) {
            rmsg_message_free(p_);
            p_ = other.release();
        }
        return *this;
    }
    message(const message &) = delete;
    message &operator=(const message &) = delete;

    explicit operator bool() const noexcept { return p_ != nullptr; }
    rmsg_message *get() const noexcept { return p_; }
    /// Gives up the C handle: the caller frees it with rmsg_message_free.
    rmsg_message *release() noexcept {
        rmsg_message *p = p_;
        p_ = nullptr;
        return p;
    }

    bytes data() const noexcept {
        return bytes(rmsg_message_data(p_), rmsg_message_data_len(p_));
    }
    std::size_t nbytes() const noexcept { return rmsg_message_nbytes(p_); }
    int flags() const noexcept { return rmsg_message_flags(p_); }
    bool malformed() const noexcept { return rmsg_message_malformed(p_); }
    std::size_t item_count() const noexcept { return rmsg_message_item_count(p_); }
    /// Item `i` (i < item_count()).
    item item_at(std::size_t i) const noexcept { return item(rmsg_message_item(p_, i)); }
    /// All items, in kernel order.
    std::vector<item> items() const {
        std::vector<item> v;
        std::size_t n = item_count();
        v.reserve(n);
        for (std::size_t i = 0; i < n; i++) v.push_back(item_at(i));
        return v;
    }
    /// The source address, if the kernel returned one.
    std::optional<address> source() const noexcept {
        const rmsg_address *a = rmsg_message_address(p_);
        if (a == nullptr) return std::nullopt;
        return address(a);
    }
    /// SCM_RIGHTS descriptors the message still owns.
    std::size_t fd_count() const noexcept { return rmsg_message_fd_count(p_); }

    /// Takes every SCM_RIGHTS descriptor still owned, in kernel order.
    std::vector<fd> take_fds() {
        std::size_t n = fd_count();
        std::vector<int> raw(n);
        std::vector<fd> out;
        out.reserve(n);  // nothing below allocates once descriptors move
        std::size_t got = 0;
        check(rmsg_message_take_fds(p_, raw.data(), raw.size(), &got));
        for (std::size_t i = 0; i < got; i++) out.emplace_back(raw[i]);
        return out;
    }

    /// Takes the descriptors of item `index` (SCM_RIGHTS or SCM_PIDFD).
    std::vector<fd> take_item_fds(std::size_t index) {
        const rmsg_item *it = rmsg_message_item(p_, index);
        std::size_t n = rmsg_item_fd_count(it);
        std::vector<int> raw(n);
        std::vector<fd> out;
        out.reserve(n);
        std::size_t got = 0;
        check(rmsg_message_take_item_fds(p_, index, raw.data(), raw.size(), &got));
        for (std::size_t i = 0; i < got; i++) out.emplace_back(raw[i]);
        return out;
    }

private:
    rmsg_message *p_ = nullptr;
};

/// `CMSG_LEN(n)`; throws on overflow.
inline std::size_t cmsg_len(std::size_t n) {
    std::size_t v = 0;
    check(rmsg_cmsg_len(n, &v));
    return v;
}

/// `CMSG_SPACE(n)`; throws on overflow.
inline std::size_t cmsg_space(std::size_t n) {
    std::size_t v = 0;
    check(rmsg_cmsg_space(n, &v));
    return v;
}

/// Receives one message (see rmsg_recvmsg_with).
inline message recvmsg(int sockfd, std::size_t bufsize, std::size_t ancbufsize = 0,
                       int flags = 0, const options &opts = options{}) {
    rmsg_message *m = nullptr;
    check(rmsg_recvmsg_with(sockfd, bufsize, ancbufsize, flags, &opts.raw, &m));
    return message(m);
}

/// The result of recvmsg_into: the byte count and the message (items,
/// flags, address; no data).
struct into_result {
    std::size_t nbytes;
    message msg;
};

/// Receives one message with its data scattered into `buffers` (see
/// rmsg_recvmsg_into).
inline into_result recvmsg_into(int sockfd, const std::vector<rmsg_iovec> &buffers,
                                std::size_t ancbufsize = 0, int flags = 0,
                                const options &opts = options{}) {
    rmsg_message *m = nullptr;
    std::size_t n = 0;
    check(rmsg_recvmsg_into(sockfd, buffers.empty() ? nullptr : buffers.data(),
                            buffers.size(), ancbufsize, flags, &opts.raw, &n, &m));
    return into_result{n, message(m)};
}

}  // namespace rmsg

#endif /* C++17 or later */

#endif /* RMSG_HPP */
