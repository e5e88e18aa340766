// The C++ wrapper (include/rmsg.hpp), compiled as C++17 with -Wall -Wextra
// -Wpedantic -Werror: receive with descriptors, moves, taking descriptors,
// errors and timeouts as exceptions, and no descriptor left open.
#include "helpers.h"
#include "rmsg.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <chrono>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

static std::string as_string(rmsg::bytes b) {
    return std::string(reinterpret_cast<const char *>(b.data()), b.size());
}

static void receive_with_fds() {
    int sv[2], p[2];
    unix_pair(SOCK_DGRAM, sv);
    make_pipe(p);
    send_with_fds(sv[1], "hello", 5, p, 2);
    {
        rmsg::message m = rmsg::recvmsg(sv[0], 16, rmsg::cmsg_space(2 * sizeof(int)));
        CHECK(as_string(m.data()) == "hello");
        CHECK(m.nbytes() == 5);
        CHECK(m.flags() == 0);
        CHECK(!m.malformed());
        CHECK(!m.source());
        CHECK(m.item_count() == 1);
        rmsg::item it = m.item_at(0);
        CHECK(it.level() == SOL_SOCKET && it.type() == SCM_RIGHTS);
        CHECK(it.fd_count() == 2 && !it.truncated());
        CHECK(it.data().size() == 2 * sizeof(int));
        CHECK(m.items().size() == 1);
        CHECK(m.fd_count() == 2);
        std::vector<rmsg::fd> fds = m.take_fds();
        CHECK(fds.size() == 2 && m.fd_count() == 0);
        CHECK(fd_is_cloexec(fds[0].get()) && fd_is_cloexec(fds[1].get()));
        // The received write end reaches the original read end.
        CHECK(write(fds[1].get(), "x", 1) == 1);
        char c = 0;
        CHECK(read(p[0], &c, 1) == 1 && c == 'x');
        // fds close the received copies when they go out of scope.
    }
    close_pair(p);
    close_pair(sv);
}

static void moves_and_drops() {
    int sv[2], p[2];
    unix_pair(SOCK_DGRAM, sv);
    make_pipe(p);
    int base = open_fd_count();
    send_with_fds(sv[1], "a", 1, p, 2);
    send_with_fds(sv[1], "b", 1, p, 1);
    {
        rmsg::message m = rmsg::recvmsg(sv[0], 4, 64);
        CHECK(open_fd_count() == base + 2);
        rmsg::bytes view = m.data();
        rmsg::message moved(std::move(m));
        CHECK(!m && m.get() == nullptr);
        CHECK(moved && moved.data().data() == view.data());
        CHECK(as_string(view) == "a");
        rmsg::message other = rmsg::recvmsg(sv[0], 4, 64);
        CHECK(open_fd_count() == base + 3);
        // Move-assigning over a message frees it and closes its descriptors.
        other = std::move(moved);
        CHECK(open_fd_count() == base + 2);
        CHECK(as_string(other.data()) == "a");
        other = std::move(other);  // self-move leaves it intact
        CHECK(other.fd_count() == 2);
        // An empty message is fine to use and to destroy.
        rmsg::message empty;
        CHECK(!empty && empty.item_count() == 0 && empty.data().empty());
    }
    CHECK(open_fd_count() == base);
    close_pair(p);
    close_pair(sv);
}

static void owned_fd_type() {
    int p[2];
    make_pipe(p);
    int base = open_fd_count();
    {
        rmsg::fd a(p[0]);
        rmsg::fd b(std::move(a));
        CHECK(!a && a.get() == -1 && b.get() == p[0]);
        rmsg::fd c;
        c = std::move(b);
        CHECK(c.get() == p[0]);
        int raw = c.release();
        CHECK(raw == p[0] && !c);
        c.reset(raw);  // owns it again: closed at scope end
    }
    CHECK(!fd_is_open(p[0]));
    CHECK(open_fd_count() == base - 1);
    close(p[1]);
}

static void take_item_fds_and_release_message() {
    int sv[2], p[2];
    unix_pair(SOCK_DGRAM, sv);
    make_pipe(p);
    send_with_fds(sv[1], "i", 1, p, 2);
    rmsg::message m = rmsg::recvmsg(sv[0], 4, 64);
    std::vector<rmsg::fd> fds = m.take_item_fds(0);
    CHECK(fds.size() == 2 && m.fd_count() == 0);
    CHECK(m.item_at(0).fd_at(0) == fds[0].get());  // looking still shows the number
    int kept = fds[0].release();
    CHECK(fd_is_open(kept));
    close(kept);
    // Handing the handle back to C.
    rmsg_message *raw = m.release();
    CHECK(!m && raw != nullptr);
    rmsg_message_free(raw);
    try {
        m.take_item_fds(0);  // empty message: no item 0
        CHECK(false);
    } catch (const rmsg::error &e) {
        CHECK(e.status() != RMSG_OK);
    }
    close_pair(p);
    close_pair(sv);
}

static void timeouts_and_errors_throw() {
    int sv[2];
    unix_pair(SOCK_DGRAM, sv);
    auto t0 = std::chrono::steady_clock::now();
    try {
        rmsg::recvmsg(sv[0], 4, 0, 0, rmsg::options::deadline(std::chrono::milliseconds(50)));
        CHECK(false);
    } catch (const rmsg::error &e) {
        CHECK(e.status() == RMSG_ERR_TIMED_OUT);
        CHECK(e.errno_value() == ETIMEDOUT);
        CHECK(e.code() == std::errc::timed_out);
        CHECK(std::string(e.what()).find("RMSG_ERR_TIMED_OUT") != std::string::npos);
    }
    CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(45));
    try {
        rmsg::recvmsg(sv[0], 4, 0, 0, rmsg::options::nonblocking());
        CHECK(false);
    } catch (const rmsg::error &e) {
        CHECK(e.status() == RMSG_ERR_WOULD_BLOCK && e.errno_value() == EAGAIN);
    }
    try {
        rmsg::recvmsg(-1, 4);
        CHECK(false);
    } catch (const std::system_error &e) {  // catchable as the base class
        CHECK(e.code().value() == EBADF);
    }
    try {
        rmsg::cmsg_len(static_cast<size_t>(-1));
        CHECK(false);
    } catch (const rmsg::error &e) {
        CHECK(e.status() == RMSG_ERR_TOO_LARGE);
    }
    CHECK(rmsg::cmsg_len(4) == CMSG_LEN(4) && rmsg::cmsg_space(4) == CMSG_SPACE(4));
    close_pair(sv);
}

static void scatter_and_inet_address() {
    sockaddr_storage a{};
    uint16_t from_port = 0;
    int rx = udp_loopback(AF_INET, &a, nullptr), tx = udp_loopback(AF_INET, nullptr, &from_port);
    send_to(tx, &a, "abcdef", 6);
    char b1[2], b2[8];
    std::vector<rmsg_iovec> bufs{{reinterpret_cast<uint8_t *>(b1), sizeof b1},
                                 {reinterpret_cast<uint8_t *>(b2), sizeof b2}};
    rmsg::into_result r = rmsg::recvmsg_into(rx, bufs);
    CHECK(r.nbytes == 6 && std::memcmp(b1, "ab", 2) == 0 && std::memcmp(b2, "cdef", 4) == 0);
    CHECK(r.msg.data().empty());
    std::optional<rmsg::address> src = r.msg.source();
    CHECK(src && src->family() == AF_INET && src->kind() == RMSG_ADDRESS_INET);
    rmsg_inet_address in = src->inet();
    CHECK(in.port == from_port);
    CHECK(in.addr[0] == 127 && in.addr[3] == 1);
    CHECK(src->raw().size() == sizeof(sockaddr_in));
    try {
        src->inet6();
        CHECK(false);
    } catch (const rmsg::error &e) {
        CHECK(e.status() == RMSG_ERR_WRONG_FAMILY);
    }
    close(rx);
    close(tx);
}

int main() {
    TEST_BEGIN();
    RUN(receive_with_fds);
    RUN(moves_and_drops);
    RUN(owned_fd_type);
    RUN(take_item_fds_and_release_message);
    RUN(timeouts_and_errors_throw);
    RUN(scatter_and_inet_address);
    TEST_END();
}
