"""Messages per second of rmsg.recvmsg against socket.recvmsg, on the same
traffic in the same run: batches of datagrams are queued on an AF_UNIX
socket pair and drained alternately by each receiver; only the receive
calls are timed.

    RMSG_LIBRARY=target/release/librmsg.so python3 bindings/python/bench.py
"""

import array
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rmsg  # noqa: E402

BATCH = 200
ROUNDS = int(os.environ.get("RMSG_BENCH_ROUNDS", "50"))


def scenario(name, send, recv_cpython, recv_rmsg, cleanup):
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    totals = {"socket.recvmsg": 0.0, "rmsg.recvmsg": 0.0}
    receivers = [("socket.recvmsg", recv_cpython), ("rmsg.recvmsg", recv_rmsg)]
    try:
        for r in range(ROUNDS):
            # Alternate which receiver goes first to even out cache effects.
            order = receivers if r % 2 == 0 else receivers[::-1]
            for label, recv in order:
                for _ in range(BATCH):
                    send(b)
                t0 = time.perf_counter()
                for _ in range(BATCH):
                    res = recv(a)
                    cleanup(res)
                totals[label] += time.perf_counter() - t0
    finally:
        a.close()
        b.close()
    n = BATCH * ROUNDS
    c = n / totals["socket.recvmsg"]
    m = n / totals["rmsg.recvmsg"]
    print(
        "%-28s socket.recvmsg %9.0f msg/s   rmsg.recvmsg %9.0f msg/s   ratio %.2f"
        % (name, c, m, m / c)
    )


def close_fds(res):
    for level, kind, data in res[1]:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(data)
            for fd in fds:
                os.close(fd)


def main():
    print("library:", rmsg.library_path)
    payload = b"x" * 64
    scenario(
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
        scenario(
            "64 B + one SCM_RIGHTS fd",
            lambda s: s.sendmsg([payload], anc),
            lambda s: s.recvmsg(256, space),
            lambda s: rmsg.recvmsg(s, 256, space),
            close_fds,
        )
    finally:
        os.close(r)
        os.close(w)


if __name__ == "__main__":
    main()
