"""Messages per second of rmsg's receive functions against CPython's own
socket methods, on the same traffic in the same run.

Each round queues a batch of identical datagrams and drains it with one
receiver, then the same for the other (the order alternates between
rounds); only the receive calls are timed. Every round prints both rates
and their ratio (rmsg / CPython; 1.0 is parity), and each scenario ends
with the median ratio over its rounds; the last lines list every median.

    python3 bindings/python/bench.py

Scenarios: 64-byte AF_UNIX datagrams without ancillary data, with one
SCM_RIGHTS descriptor, and 64-byte UDP datagrams over 127.0.0.1 with
IP_PKTINFO and IP_RECVTTL, each for ``rmsg.recvmsg`` against
``socket.recvmsg`` and ``rmsg.recvmsg_into`` against
``socket.recvmsg_into``; then ``rmsg.recvmsg_batch`` at 32 messages per
call (and the typed ``rmsg.receive_batch``) against ``socket.recvmsg`` on
AF_UNIX datagrams.

The package is imported as the tests import it, and uses the path it
chooses (RMSG_IMPL=compiled or ctypes to force one; printed first). The
library is found as rmsg/_native.py says: RMSG_LIBRARY if set, else this
checkout's target/release/librmsg.so (build it with `cargo build
--release`), else target/debug. Environment: RMSG_BENCH_ROUNDS (default
15), RMSG_BENCH_BATCHES (batches per receiver per round, default 10),
RMSG_BENCH_ONLY (run only the scenarios whose name contains it).
"""

import array
import os
import socket
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rmsg  # noqa: E402

# Datagrams queued at once: well under what an AF_UNIX socket pair's send
# buffer holds (about 230 such datagrams), so that sending never blocks.
BATCH = 192
ROUNDS = int(os.environ.get("RMSG_BENCH_ROUNDS", "15"))
BATCHES = int(os.environ.get("RMSG_BENCH_BATCHES", "10"))
ONLY = os.environ.get("RMSG_BENCH_ONLY", "")
PAYLOAD = b"x" * 64
IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)
IP_RECVTTL = getattr(socket, "IP_RECVTTL", 12)


def drain(rx, tx, send, recv, cleanup):
    """Seconds spent in ``recv`` (which returns how many messages it took)
    for BATCHES * BATCH messages."""
    spent = 0.0
    for _ in range(BATCHES):
        for _ in range(BATCH):
            send(tx)
        got = 0
        t0 = time.perf_counter()
        while got < BATCH:
            got += recv(rx, cleanup)
        spent += time.perf_counter() - t0
    return spent


def scenario(name, pair, send, recv_cpython, recv_rmsg, cleanup):
    print("\n%s" % name)
    rx, tx = pair()
    n = BATCH * BATCHES
    ratios = []
    try:
        # Warm up both (first calls build caches and pools).
        drain(rx, tx, send, recv_cpython, cleanup)
        drain(rx, tx, send, recv_rmsg, cleanup)
        for r in range(ROUNDS):
            if r % 2 == 0:
                c = drain(rx, tx, send, recv_cpython, cleanup)
                m = drain(rx, tx, send, recv_rmsg, cleanup)
            else:
                m = drain(rx, tx, send, recv_rmsg, cleanup)
                c = drain(rx, tx, send, recv_cpython, cleanup)
            ratios.append(c / m)
            print(
                "  round %2d  CPython %8.0f msg/s (%5.0f ns)  rmsg %8.0f msg/s (%5.0f ns)"
                "  ratio %.2f" % (r + 1, n / c, c / n * 1e9, n / m, m / n * 1e9, c / m)
            )
    finally:
        rx.close()
        tx.close()
    med = statistics.median(ratios)
    print("  median ratio %.2f" % med)
    return med


# --- traffic ------------------------------------------------------------------------


def unix_pair():
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)


def udp_pair():
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    rx.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
    rx.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
    tx.bind(("127.0.0.1", 0))
    tx.connect(rx.getsockname())
    return rx, tx


def plain_send(s):
    s.send(PAYLOAD)


def close_fds(anc):
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
            for fd in fds:
                os.close(fd)


def one(fn):
    """A receiver of one message per call (results go to ``cleanup``)."""
    def recv(s, cleanup):
        cleanup(fn(s)[1])
        return 1
    return recv


def nothing(anc):
    pass


def main():
    print("rmsg path: %s; library: %s" % (rmsg.implementation, rmsg.library_path))
    if "release" not in rmsg.library_path:
        print("warning: not a release build (cargo build --release)")
    results = {}
    r_fd, w_fd = os.pipe()
    rights = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [r_fd]))]
    fd_space = socket.CMSG_SPACE(4)
    ip_space = socket.CMSG_SPACE(12) + socket.CMSG_SPACE(4)
    buf = bytearray(256)
    bufs = [buf]
    kinds = [
        ("64 B AF_UNIX, no ancillary data", unix_pair, plain_send, 0, nothing),
        ("64 B AF_UNIX + one SCM_RIGHTS fd", unix_pair,
         lambda s: s.sendmsg([PAYLOAD], rights), fd_space, close_fds),
        ("64 B UDP + IP_PKTINFO + IP_RECVTTL", udp_pair, plain_send, ip_space, nothing),
    ]
    try:
        for kind, pair, send, space, cleanup in kinds:
            for what, c_fn, r_fn in (
                ("recvmsg",
                 lambda s, space=space: s.recvmsg(256, space),
                 lambda s, space=space: rmsg.recvmsg(s, 256, space)),
                ("recvmsg_into",
                 lambda s, space=space: s.recvmsg_into(bufs, space),
                 lambda s, space=space: rmsg.recvmsg_into(s, bufs, space)),
            ):
                name = "%s: %s" % (what, kind)
                if ONLY in name:
                    results[name] = scenario(name, pair, send, one(c_fn), one(r_fn), cleanup)

        def batch(s, cleanup):
            return len(rmsg.recvmsg_batch(s, 32, 256))

        def typed_batch(s, cleanup):
            return len(rmsg.receive_batch(s, 32, 256, 0))

        for name, fn in (
            ("recvmsg_batch(32) vs socket.recvmsg: 64 B AF_UNIX", batch),
            ("receive_batch(32, typed) vs socket.recvmsg: 64 B AF_UNIX", typed_batch),
        ):
            if ONLY in name:
                results[name] = scenario(
                    name, unix_pair, plain_send, one(lambda s: s.recvmsg(256)), fn, nothing
                )
    finally:
        os.close(r_fd)
        os.close(w_fd)
    print("\nmedian ratios (rmsg / CPython, messages per second; %s path):"
          % rmsg.implementation)
    for k, v in results.items():
        print("  %-62s %.2f" % (k, v))


if __name__ == "__main__":
    main()
