//! Sizes of control messages and control buffers: `CMSG_LEN`,
//! `CMSG_SPACE`, and the room a set of expected items needs.

use std::ffi::c_int;

use crate::cmsg;
use crate::panic::guard;
use crate::ptr::{check_out, try_slice, write_out};
use crate::sizing::{self, rmsg_cmsg_kind};
use crate::status::{Error, Result, rmsg_status};

/// The body of the sizing functions: `f` computes the size, written to
/// `*out` on success.
fn size_into(out: *mut usize, f: impl FnOnce() -> Result<usize>) -> rmsg_status {
    guard(|| {
        check_out(out)?;
        let v = f()?;
        // SAFETY: checked non-NULL; the caller provides a writable size_t.
        unsafe { write_out(out, v) };
        Ok(())
    })
}

fn too_large() -> Error {
    Error::new(rmsg_status::RMSG_ERR_TOO_LARGE)
}

/// `CMSG_LEN(n)`: the `cmsg_len` of a control message with `n` data bytes.
/// Writes it to `*len_out`. Returns `RMSG_ERR_TOO_LARGE` when the result
/// would not fit in `socklen_t`, `RMSG_ERR_NULL_ARGUMENT` when `len_out` is
/// NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_len(n: usize, len_out: *mut usize) -> rmsg_status {
    size_into(len_out, || cmsg::cmsg_len(n).ok_or_else(too_large))
}

/// `CMSG_SPACE(n)`: the control-buffer bytes one control message with `n`
/// data bytes occupies, padding included. Writes it to `*space_out`.
/// Returns `RMSG_ERR_TOO_LARGE` when the result would not fit in
/// `socklen_t`, `RMSG_ERR_NULL_ARGUMENT` when `space_out` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_space(n: usize, space_out: *mut usize) -> rmsg_status {
    size_into(space_out, || cmsg::cmsg_space(n).ok_or_else(too_large))
}

/// The control-buffer size (`ancbufsize`) that holds one item of each of
/// the `count` kinds in `kinds` (NULL allowed when `count` is 0) plus one
/// `SCM_RIGHTS` item of up to `max_fds` descriptors: the sum of their
/// `CMSG_SPACE`. Timestamps get room for the larger `_NEW` layout whichever
/// variant is named; `SCM_SECURITY` gets `RMSG_SECURITY_LABEL_SPACE` bytes,
/// `SCM_TIMESTAMPING_OPT_STATS` `RMSG_OPT_STATS_SPACE`; `SCM_RIGHTS` entries
/// are sized by `max_fds` only. List a kind twice to room for two items.
/// `RMSG_ERR_UNKNOWN_KIND` for a pair rmsg has no size for (add
/// `rmsg_cmsg_space` of its payload yourself), `RMSG_ERR_TOO_LARGE` when the
/// sum passes `socklen_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_control_space(
    kinds: *const rmsg_cmsg_kind,
    count: usize,
    max_fds: usize,
    space_out: *mut usize,
) -> rmsg_status {
    size_into(space_out, || {
        // SAFETY: kinds is readable for count entries.
        let k = unsafe { try_slice(kinds, count) }?;
        sizing::space_for_kinds(k, max_fds)
    })
}

/// The control-buffer size for the receive options enabled on socket `fd`,
/// read with `getsockopt(2)`: `SO_PASSCRED`, `SO_PASSPIDFD`, `SO_PASSSEC`,
/// `SO_TIMESTAMP[_NEW]`, `SO_TIMESTAMPNS[_NEW]`, `SO_TIMESTAMPING` (with
/// `OPT_PKTINFO`, `OPT_STATS`, and an extended error for transmit stamps),
/// `SO_RXQ_OVFL`, `SO_RCVMARK`; `IP_PKTINFO`, `IP_RECVTTL`, `IP_RECVTOS`,
/// `IP_RECVERR`, `IP_RECVORIGDSTADDR`, `IP_RECVFRAGSIZE`, `IP_RECVRETOPTS`,
/// `IP_RECVOPTS`; `IPV6_RECVPKTINFO`, `IPV6_RECVHOPLIMIT`,
/// `IPV6_RECVTCLASS`, `IPV6_RECVERR`, `IPV6_RECVORIGDSTADDR`,
/// `IPV6_RECVPATHMTU`, `IPV6_RECVFRAGSIZE`; `UDP_GRO`; kernel TLS;
/// `TCP_INQ`; `PACKET_AUXDATA`; `NETLINK_PKTINFO`,
/// `NETLINK_LISTEN_ALL_NSID`; `SO_INQ` (on `AF_UNIX` stream and seqpacket
/// sockets, whose kernels may not report it: room for its item is then
/// always reserved there). Plus one
/// `SCM_RIGHTS` item of up to `max_fds` descriptors. Sizes as for
/// `rmsg_control_space`. Options enabled later are not counted: size again
/// after changing them. `RMSG_ERR_BAD_FD`/`RMSG_ERR_NOT_A_SOCKET` for a bad
/// `fd`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_control_space_for_socket(
    fd: c_int,
    max_fds: usize,
    space_out: *mut usize,
) -> rmsg_status {
    size_into(space_out, || sizing::space_for_socket(fd, max_fds))
}
