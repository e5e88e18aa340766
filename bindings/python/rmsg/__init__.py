"""rmsg: ``socket.recvmsg`` through librmsg, as a drop-in.

``recvmsg(sock, bufsize, ancbufsize=0, flags=0)``,
``recvmsg_into(sock, buffers, ancbufsize=0, flags=0)``,
``recv_fds(sock, bufsize, maxfds, flags=0)``, ``CMSG_LEN(n)`` and
``CMSG_SPACE(n)`` return what CPython's socket methods and functions return
for the same traffic, raise the same exceptions with the same messages for
bad arguments, honour the socket's timeout, run Python signal handlers
during a blocking call (their exceptions propagate), release the GIL while
blocked, and warn with ``RuntimeWarning`` exactly when CPython does.

Deliberate differences from CPython, all on the safe side:

- Received descriptors are close-on-exec (``MSG_CMSG_CLOEXEC`` is passed).
  CPython's come inheritable. Pass ``cloexec=False`` to get CPython's
  behaviour.
- ``recv_fds`` passes ``flags`` to the receive call (CPython 3.9-3.13's
  ``socket.recv_fds`` accepts ``flags`` and ignores it), and closes
  descriptors of other fd-carrying items (``SCM_PIDFD``) instead of leaking
  them.
- Argument-count and keyword errors are Python's own ``TypeError`` wording
  (the socket methods take no keywords; these functions do).

``sendmsg(sock, buffers, ancdata=(), flags=0, address=None)`` and
``send_fds(sock, buffers, fds, flags=0, address=None)`` are the send side's
drop-ins (``rmsg._sendmsg``; ``MSG_NOSIGNAL`` is added, and ``send_fds``
honours ``flags`` and ``address``).

Beyond CPython: ``recvmsg_batch(sock, count, bufsize, ancbufsize=0,
flags=0)`` receives up to ``count`` messages with one ``recvmmsg(2)`` call,
as a list of what ``recvmsg`` would return for each; ``receive(sock,
bufsize, ancbufsize=None, flags=0)`` (and ``receive_batch``) returns a
``Message`` with decoded control items and owned descriptors (``Fd``), and
``send(sock, data, fds=(), *, address=None, ttl=None, tos=None, ...)`` sends
with control messages built by librmsg: see ``rmsg._typed``.
``rmsg.asyncio`` has the awaitable forms of all of them for non-blocking
sockets.

Two paths implement the receive functions with identical behaviour: the
compiled module ``rmsg._rmsg`` (built by ``pip install``) and, where it is
missing, ctypes. ``implementation`` says which is in use, ``library_path``
which librmsg.

The package itself only re-exports: the drop-ins live in ``rmsg._dropin``
and ``rmsg._sendmsg``, the typed API in ``rmsg._typed``, the machinery they
share in ``rmsg._recv``, and the ctypes declarations and the choice of path
in ``rmsg._native`` (which also says where the library is loaded from).
"""

from ._native import implementation, library_path
from . import _dropin, _sendmsg, _typed
from . import asyncio  # rmsg.asyncio: the awaitable forms
from ._dropin import *  # noqa: F401,F403  (the names in _dropin.__all__)
from ._sendmsg import *  # noqa: F401,F403  (the names in _sendmsg.__all__)
from ._typed import *  # noqa: F401,F403  (the names in _typed.__all__)

__all__ = _dropin.__all__ + _sendmsg.__all__ + _typed.__all__
__version__ = "0.1.0"
