"""Messages per second of rmsg.recvmsg against socket.recvmsg, on the same
traffic in the same run.

Each round queues batches of identical datagrams on an AF_UNIX socket pair
and drains them with one receiver, then the same for the other (the order
alternates between rounds); only the receive calls are timed. Every round
prints both rates and their ratio (rmsg / CPython; 1.0 would be parity),
and each scenario ends with the median ratio over its rounds.

    python3 bindings/python/bench.py

The library is found as the package finds it (rmsg/_native.py): RMSG_LIBRARY
if set, else this checkout's target/release/librmsg.so (build it with
`cargo build --release`), else target/debug. Environment: RMSG_BENCH_ROUNDS
(default 15), RMSG_BENCH_BATCHES (batches of 200 per receiver per round,
default 10).
"""

import array
import os
import socket
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rmsg  # noqa: E402

BATCH = 200  # datagrams queued at once (well under the socket's buffer)
ROUNDS = int(os.environ.get("RMSG_BENCH_ROUNDS", "15"))
BATCHES = int(os.environ.get("RMSG_BENCH_BATCHES", "10"))


def drain(a, b, send, recv, cleanup):
    """Seconds spent in ``recv`` for BATCHES * BATCH messages."""
    spent = 0.0
    for _ in range(BATCHES):
        for _ in range(BATCH):
            send(b)
        t0 = time.perf_counter()
        for _ in range(BATCH):
            res = recv(a)
            cleanup(res)
        spent += time.perf_counter() - t0
    return spent


def scenario(name, send, recv_cpython, recv_rmsg, cleanup):
    print("\n%s" % name)
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    n = BATCH * BATCHES
    ratios = []
    try:
        # Warm up both paths (first calls build caches and pools).
        drain(a, b, send, recv_cpython, cleanup)
        drain(a, b, send, recv_rmsg, cleanup)
        for r in range(ROUNDS):
            if r % 2 == 0:
                c = drain(a, b, send, recv_cpython, cleanup)
                m = drain(a, b, send, recv_rmsg, cleanup)
            else:
                m = drain(a, b, send, recv_rmsg, cleanup)
                c = drain(a, b, send, recv_cpython, cleanup)
            ratio = c / m
            ratios.append(ratio)
            print(
                "  round %2d  socket.recvmsg %8.0f msg/s  rmsg.recvmsg %8.0f msg/s"
                "  ratio %.2f" % (r + 1, n / c, n / m, ratio)
            )
    finally:
        a.close()
        b.close()
    med = statistics.median(ratios)
    print("  median ratio %.2f" % med)
    return med


def close_fds(res):
    for level, kind, data in res[1]:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
            for fd in fds:
                os.close(fd)


def main():
    print("library:", rmsg.library_path)
    if "release" not in rmsg.library_path:
        print("warning: not a release build (cargo build --release)")
    payload = b"x" * 64
    results = {}
    results["64 B, no ancillary data"] = scenario(
        "64 B, no ancillary data",
        lambda s: s.send(payload),
        lambda s: s.recvmsg(256),
        lambda s: rmsg.recvmsg(s, 256),
        lambda res: None,
    )
    r, w = os.pipe()
    try:
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [r]))]
        space = socket.CMSG_SPACE(4)
        results["64 B + one SCM_RIGHTS fd"] = scenario(
            "64 B + one SCM_RIGHTS fd",
            lambda s: s.sendmsg([payload], anc),
            lambda s: s.recvmsg(256, space),
            lambda s: rmsg.recvmsg(s, 256, space),
            close_fds,
        )
    finally:
        os.close(r)
        os.close(w)
    print("\nmedian ratios (rmsg.recvmsg / socket.recvmsg):")
    for k, v in results.items():
        print("  %-28s %.2f" % (k, v))


if __name__ == "__main__":
    main()
