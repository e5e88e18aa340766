"""rmsg for asyncio: ``await rmsg.asyncio.recvmsg(sock, ...)`` and the
other receive and send functions, for non-blocking sockets, on the running
event loop.

Each function tries its call at once; when the socket is not ready it
waits for the loop's reader (or writer) callback on the socket's
descriptor (``loop.add_reader``: no thread, no polling) and tries again.
The receive itself runs in the awaiting task after the wait, never in the
callback, so there is no ``await`` between receiving a message and
returning it: a cancellation can only land while nothing has been received,
and then leaves the message in the socket for the next call and no
descriptor open.

One task at a time may wait on a given socket in a given direction (as
with the loop's ``sock_recv``: the loop keeps one reader per descriptor).
The socket must be non-blocking (``sock.setblocking(False)``), else
``ValueError``, as asyncio's ``sock_*`` methods require.

- ``recvmsg``, ``recvmsg_into``, ``recv_fds``, ``recvmsg_batch``: as the
  drop-ins of the same names (``rmsg.recvmsg`` ...).
- ``receive``, ``receive_batch``: the typed forms (``Message`` objects).
- ``sendmsg``, ``send_fds``, ``send``: as ``rmsg.sendmsg``,
  ``rmsg.send_fds`` and ``rmsg.send``.
"""

import asyncio as _aio
import functools

from . import _dropin, _sendmsg, _typed
from ._recv import _fd_of, _timeout_of

__all__ = [
    "recvmsg", "recvmsg_into", "recv_fds", "recvmsg_batch", "receive",
    "receive_batch", "sendmsg", "send_fds", "send",
]


async def _ready(loop, fd, readable):
    """Returns once the loop reports ``fd`` readable (or writable)."""
    waiter = loop.create_future()

    def wake():
        if not waiter.done():
            waiter.set_result(None)

    if readable:
        loop.add_reader(fd, wake)
    else:
        loop.add_writer(fd, wake)
    try:
        await waiter
    finally:
        if readable:
            loop.remove_reader(fd)
        else:
            loop.remove_writer(fd)


async def _run(sock, readable, call):
    if _timeout_of(sock) != 0:
        raise ValueError("the socket must be non-blocking")
    loop = _aio.get_running_loop()
    while True:
        try:
            return call()
        except (BlockingIOError, InterruptedError):
            pass
        await _ready(loop, _fd_of(sock), readable)


def _receiving(fn):
    @functools.wraps(fn)
    async def wrapper(sock, *args, **kwargs):
        return await _run(sock, True, lambda: fn(sock, *args, **kwargs))

    return wrapper


def _sending(fn):
    @functools.wraps(fn)
    async def wrapper(sock, *args, **kwargs):
        return await _run(sock, False, lambda: fn(sock, *args, **kwargs))

    return wrapper


# The functions themselves (the compiled path's where it is active: the
# drop-in names are bound when rmsg._dropin is imported), made awaitable.
recvmsg = _receiving(_dropin.recvmsg)
recvmsg_into = _receiving(_dropin.recvmsg_into)
recv_fds = _receiving(_dropin.recv_fds)
recvmsg_batch = _receiving(_dropin.recvmsg_batch)
receive = _receiving(_typed.receive)
receive_batch = _receiving(_typed.receive_batch)
sendmsg = _sending(_sendmsg.sendmsg)
send_fds = _sending(_sendmsg.send_fds)
send = _sending(_typed.send)
