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

Beyond CPython, ``receive(sock, bufsize, ancbufsize=None, flags=0)`` returns
a ``Message`` with decoded control items and owned descriptors (``Fd``), and
``send(sock, data, fds=(), *, address=None, ttl=None, tos=None, ...)`` sends
with control messages built by librmsg: see ``rmsg._typed``.

The package itself only re-exports: the drop-ins live in ``rmsg._dropin``,
the typed API in ``rmsg._typed``, the receive machinery both share in
``rmsg._recv``, and the ctypes declarations in ``rmsg._native`` (which also
says where the library is loaded from).
"""

from ._native import implementation, library_path
from . import _dropin, _sendmsg, _typed
from ._dropin import *  # noqa: F401,F403  (the names in _dropin.__all__)
from ._sendmsg import *  # noqa: F401,F403  (the names in _sendmsg.__all__)
from ._typed import *  # noqa: F401,F403  (the names in _typed.__all__)

__all__ = _dropin.__all__ + _sendmsg.__all__ + _typed.__all__
__version__ = "0.1.0"
