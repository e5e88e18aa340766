"""rmsg.asyncio on a real event loop (asyncio.run): each call waits on the
loop's reader or writer callback, runs no thread, and a cancelled call
leaves no descriptor open and loses no message (the message stays queued
for the next call). The autouse fixture checks for open descriptors."""

import array
import asyncio
import os
import socket
import threading

import pytest

import rmsg
import rmsg.asyncio as ra
from test_typed import fill
from test_differential import normalize


def send_fds(sock, data, fds):
    sock.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])


@pytest.fixture
def nb_pair(unix_pair):
    a, b = unix_pair
    a.setblocking(False)
    b.setblocking(False)
    return a, b


def run(coro):
    threads = threading.active_count()
    result = asyncio.run(coro)
    assert threading.active_count() == threads  # no helper thread was started
    return result


def test_recvmsg_waits_for_the_reader_callback(nb_pair, pipe):
    a, b = nb_pair

    async def main():
        loop = asyncio.get_running_loop()
        loop.call_later(0.05, send_fds, b, b"later", [pipe[0]])
        return await ra.recvmsg(a, 16, 64)

    got = normalize(run(main()))
    send_fds(b, b"later", [pipe[0]])
    assert got == normalize(a.recvmsg(16, 64))


def test_every_receive_function(nb_pair, pipe):
    a, b = nb_pair

    async def main():
        loop = asyncio.get_running_loop()
        out = {}
        loop.call_later(0.02, b.send, b"plain")
        out["recvmsg"] = await ra.recvmsg(a, 16)
        loop.call_later(0.02, send_fds, b, b"fds", [pipe[0], pipe[1]])
        out["recv_fds"] = await ra.recv_fds(a, 16, 4)
        buf = bytearray(8)
        loop.call_later(0.02, b.send, b"into")
        out["recvmsg_into"] = (await ra.recvmsg_into(a, [buf]), bytes(buf[:4]))
        loop.call_later(0.02, lambda: [b.send(b"m%d" % i) for i in range(3)])
        out["batch"] = await ra.recvmsg_batch(a, 8, 8)
        loop.call_later(0.02, rmsg.send, b, b"typed", [pipe[1]])
        out["receive"] = await ra.receive(a, 16)
        loop.call_later(0.02, b.send, b"tb")
        out["receive_batch"] = await ra.receive_batch(a, 4, 16)
        return out

    out = run(main())
    assert out["recvmsg"] == (b"plain", [], 0, None)
    data, fds, flags, addr = out["recv_fds"]
    assert data == b"fds" and len(fds) == 2
    for fd in fds:
        os.close(fd)
    assert out["recvmsg_into"] == ((4, [], 0, None), b"into")
    assert [m[0] for m in out["batch"]][:1] == [b"m0"]
    with out["receive"] as m:
        assert m.data == b"typed" and len(m.fds) == 1
    assert [m.data for m in out["receive_batch"]] == [b"tb"]
    while True:  # what the batch left
        try:
            a.recv(8)
        except BlockingIOError:
            break


def drain(sock):
    try:
        while True:
            sock.recv(2048)
    except BlockingIOError:
        pass


def test_sendmsg_waits_for_the_writer_callback(nb_pair, pipe):
    a, b = nb_pair
    fill(b)

    async def main():
        loop = asyncio.get_running_loop()
        loop.call_later(0.05, drain, a)
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [pipe[0]]))]
        n = await ra.sendmsg(b, [b"when there is room"], anc)
        m = await ra.send_fds(b, [b"and again"], [pipe[1]])
        k = await ra.send(b, b"typed")
        return n, m, k

    assert run(main()) == (18, 9, 5)
    got = [normalize(a.recvmsg(32, 64)) for _ in range(3)]
    assert [g[0] for g in got] == [b"when there is room", b"and again", b"typed"]


def test_cancelled_while_waiting_loses_nothing(nb_pair, pipe):
    a, b = nb_pair

    async def main():
        loop = asyncio.get_running_loop()
        task = asyncio.ensure_future(ra.recvmsg(a, 16, 64))
        await asyncio.sleep(0.02)  # the task waits on the reader callback
        # The message arrives and the task is cancelled in the same turn
        # of the loop: the reader callback has not run yet.
        send_fds(b, b"keep me", [pipe[0]])
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not loop.remove_reader(a.fileno())  # the callback was removed
        return await ra.recvmsg(a, 16, 64)

    got = run(main())
    send_fds(b, b"keep me", [pipe[0]])
    assert normalize(got) == normalize(a.recvmsg(16, 64))


def test_cancelled_after_readiness_loses_nothing(nb_pair, pipe):
    # However the cancellation and the data interleave, the message is
    # either returned or still queued, and no descriptor stays open.
    a, b = nb_pair

    async def one(delay):
        task = asyncio.ensure_future(ra.recvmsg(a, 16, 64))
        await asyncio.sleep(0.01)
        send_fds(b, b"m", [pipe[0]])
        for _ in range(delay):
            await asyncio.sleep(0)
        task.cancel()
        try:
            res = await task
        except asyncio.CancelledError:
            res = await ra.recvmsg(a, 16, 64)
        return normalize(res)

    async def main():
        return [await one(d) for d in range(4)]

    results = run(main())
    assert all(r[0] == b"m" and len(r[1]) == 1 for r in results)
    with pytest.raises(BlockingIOError):
        a.recv(16)


def test_blocking_socket_is_refused(unix_pair):
    a, _ = unix_pair

    async def main():
        with pytest.raises(ValueError, match="non-blocking"):
            await ra.recvmsg(a, 16)
        with pytest.raises(ValueError, match="non-blocking"):
            await ra.sendmsg(a, [b"x"])

    run(main())


def test_errors_propagate(nb_pair):
    a, b = nb_pair

    async def main():
        with pytest.raises(ValueError, match="negative buffer size"):
            await ra.recvmsg(a, -1)
        b.close()
        with pytest.raises(OSError):
            await ra.sendmsg(b, [b"x"])

    run(main())
