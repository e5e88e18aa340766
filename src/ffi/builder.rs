//! The control-message builder: items to send, encoded as the kernel
//! expects them on the send side.

use std::ffi::c_int;

use super::{get, make, read_into};
use crate::builder::rmsg_cmsg_builder;
use crate::panic::{guard, guard_or};
use crate::ptr::{free_box, try_mut, try_slice};
use crate::status::{Error, Result, rmsg_status};

/// Creates an empty control-message builder. On `RMSG_OK` the caller owns
/// `*builder_out` and must free it with `rmsg_cmsg_builder_free`. One
/// builder can serve any number of messages: `rmsg_cmsg_builder_reset`
/// empties it, keeping its memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_new(
    builder_out: *mut *mut rmsg_cmsg_builder,
) -> rmsg_status {
    // SAFETY: builder_out is NULL or writable.
    unsafe { make(builder_out, || Ok(Box::default())) }
}

/// Frees a builder. It never owned the descriptors added with
/// `rmsg_cmsg_builder_add_fds`, so none is closed. NULL is accepted and
/// does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_free(builder: *mut rmsg_cmsg_builder) {
    // SAFETY: builder is NULL or a live builder from rmsg, freed once.
    guard_or((), || unsafe { free_box(builder) })
}

/// Removes every item from the builder so that it can build the next
/// message. NULL is accepted and does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_reset(builder: *mut rmsg_cmsg_builder) {
    guard_or((), || {
        // SAFETY: builder is NULL or a live builder not used elsewhere now.
        if let Ok(b) = unsafe { try_mut(builder) } {
            b.reset();
        }
    })
}

/// Runs one `add` on a builder given by pointer.
unsafe fn with_builder(
    builder: *mut rmsg_cmsg_builder,
    f: impl FnOnce(&mut rmsg_cmsg_builder) -> Result<()>,
) -> rmsg_status {
    guard(|| {
        // SAFETY: builder is NULL or a live builder not used elsewhere now.
        let b = unsafe { try_mut(builder) }?;
        f(b)
    })
}

/// Adds an `SCM_RIGHTS` item carrying the `fds_len` descriptors of `fds`
/// (NULL allowed when `fds_len` is 0, which adds nothing).
///
/// The builder copies the descriptor *numbers*: it does not take ownership,
/// does not `dup` and never closes them. They must stay open until the
/// message has been sent; the caller closes them when it wishes (the
/// receiver gets its own copies).
///
/// One message carries at most 253 descriptors (Linux's `SCM_MAX_FD`) over
/// all its `SCM_RIGHTS` items: going past that returns
/// `RMSG_ERR_TOO_MANY_FDS` and adds nothing. A negative descriptor is
/// `RMSG_ERR_BAD_FD`. On any error the builder is unchanged.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_fds(
    builder: *mut rmsg_cmsg_builder,
    fds: *const c_int,
    fds_len: usize,
) -> rmsg_status {
    // SAFETY: fds is readable for fds_len ints per the contract.
    unsafe { with_builder(builder, |b| b.add_fds(try_slice(fds, fds_len)?)) }
}

/// Adds `SCM_CREDENTIALS` (a `struct ucred`: `pid`, `uid`, `gid`), for
/// `AF_UNIX` sockets. The kernel checks them when the message is sent: a
/// process may send its own ids, and with `CAP_SYS_ADMIN` / `CAP_SETUID` /
/// `CAP_SETGID` other existing ones. The receiver needs `SO_PASSCRED`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_credentials(
    builder: *mut rmsg_cmsg_builder,
    pid: i32,
    uid: u32,
    gid: u32,
) -> rmsg_status {
    // SAFETY: builder per the contract.
    unsafe { with_builder(builder, |b| b.add_credentials(pid, uid, gid)) }
}

/// The body of the adds that take a source address: `addr_len` bytes at
/// `addr`, exactly `N` of them, or none (`addr_len` 0, NULL allowed: all
/// zero, the routing default).
///
/// # Safety
/// `builder` as for `with_builder`; `addr` is readable for `addr_len` bytes.
unsafe fn add_with_address<const N: usize>(
    builder: *mut rmsg_cmsg_builder,
    addr: *const u8,
    addr_len: usize,
    add: impl FnOnce(&mut rmsg_cmsg_builder, [u8; N]) -> Result<()>,
) -> rmsg_status {
    let read = || -> Result<[u8; N]> {
        match addr_len {
            0 => Ok([0; N]),
            // SAFETY: addr is readable for addr_len bytes per the contract.
            n if n == N => Ok(unsafe { try_slice(addr, n) }?
                .try_into()
                .expect("length checked")),
            _ => Err(Error::new(rmsg_status::RMSG_ERR_INVALID_ARGUMENT)),
        }
    };
    // SAFETY: forwarded contract.
    unsafe { with_builder(builder, |b| add(b, read()?)) }
}

/// Adds `IP_PKTINFO` (a `struct in_pktinfo`) for an IPv4 datagram socket:
/// send from interface `ifindex` (0: any) with source address `addr`
/// (`ipi_spec_dst`: 4 bytes in network order, `addr_len` 4; or NULL with
/// `addr_len` 0 for the routing default). Any other `addr_len` is
/// `RMSG_ERR_INVALID_ARGUMENT`, as is an `ifindex` above `INT_MAX`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_ip_pktinfo(
    builder: *mut rmsg_cmsg_builder,
    ifindex: u32,
    addr: *const u8,
    addr_len: usize,
) -> rmsg_status {
    // SAFETY: builder and addr per the contract.
    unsafe { add_with_address(builder, addr, addr_len, |b, a| b.add_ip_pktinfo(ifindex, a)) }
}

/// Adds `IPV6_PKTINFO` (a `struct in6_pktinfo`) for an IPv6 datagram
/// socket: send from interface `ifindex` (0: any) with source address
/// `addr` (16 bytes, `addr_len` 16; or NULL with `addr_len` 0 for the
/// routing default). Any other `addr_len` is `RMSG_ERR_INVALID_ARGUMENT`,
/// as is an `ifindex` above `INT_MAX` (the kernel's field is an `int`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_ipv6_pktinfo(
    builder: *mut rmsg_cmsg_builder,
    ifindex: u32,
    addr: *const u8,
    addr_len: usize,
) -> rmsg_status {
    // SAFETY: builder and addr per the contract.
    unsafe {
        add_with_address(builder, addr, addr_len, |b, a| {
            b.add_ipv6_pktinfo(ifindex, a)
        })
    }
}

/// Adds `IP_TOS`, encoded as an `int` (0 to 255; otherwise
/// `RMSG_ERR_INVALID_ARGUMENT`). The receiver sees it with `IP_RECVTOS` as
/// one byte.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_ip_tos(
    builder: *mut rmsg_cmsg_builder,
    tos: c_int,
) -> rmsg_status {
    // SAFETY: builder per the contract.
    unsafe { with_builder(builder, |b| b.add_ip_tos(tos)) }
}

/// Adds `IP_TTL`, encoded as an `int` (1 to 255; otherwise
/// `RMSG_ERR_INVALID_ARGUMENT`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_ip_ttl(
    builder: *mut rmsg_cmsg_builder,
    ttl: c_int,
) -> rmsg_status {
    // SAFETY: builder per the contract.
    unsafe { with_builder(builder, |b| b.add_ip_ttl(ttl)) }
}

/// Adds `IPV6_TCLASS`, encoded as an `int` (-1 for the default, or 0 to
/// 255; otherwise `RMSG_ERR_INVALID_ARGUMENT`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_ipv6_tclass(
    builder: *mut rmsg_cmsg_builder,
    tclass: c_int,
) -> rmsg_status {
    // SAFETY: builder per the contract.
    unsafe { with_builder(builder, |b| b.add_ipv6_tclass(tclass)) }
}

/// Adds `IPV6_HOPLIMIT`, encoded as an `int` (-1 for the default, or 0 to
/// 255; otherwise `RMSG_ERR_INVALID_ARGUMENT`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_ipv6_hoplimit(
    builder: *mut rmsg_cmsg_builder,
    hoplimit: c_int,
) -> rmsg_status {
    // SAFETY: builder per the contract.
    unsafe { with_builder(builder, |b| b.add_ipv6_hoplimit(hoplimit)) }
}

/// Adds `UDP_SEGMENT` (level `SOL_UDP`, Linux 4.18): UDP GSO, the kernel
/// splits the data into datagrams of `segment_size` bytes (the last may be
/// shorter). Encoded as a `uint16_t`, the only width the kernel accepts on
/// send (the receive side's `UDP_GRO` is an `int`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_udp_segment(
    builder: *mut rmsg_cmsg_builder,
    segment_size: u16,
) -> rmsg_status {
    // SAFETY: builder per the contract.
    unsafe { with_builder(builder, |b| b.add_udp_segment(segment_size)) }
}

/// Adds `SCM_TXTIME` (level `SOL_SOCKET`): the transmit time in nanoseconds
/// on the clock chosen with the `SO_TXTIME` socket option, as a `uint64_t`.
/// The socket must have `SO_TXTIME` set or the send fails.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_txtime(
    builder: *mut rmsg_cmsg_builder,
    time_ns: u64,
) -> rmsg_status {
    // SAFETY: builder per the contract.
    unsafe { with_builder(builder, |b| b.add_txtime(time_ns)) }
}

/// Adds `SO_TIMESTAMPING` (level `SOL_SOCKET`, Linux 5.0) as a `uint32_t`
/// of `SOF_TIMESTAMPING_TX_*` flags (`TX_SOFTWARE`, `TX_SCHED`, `TX_ACK`,
/// `TX_HARDWARE`): the transmit timestamps to record for this send only,
/// whatever the socket's own `SO_TIMESTAMPING` flags say. The stamps are
/// read from the error queue, with the reporting and option flags
/// (`SOF_TIMESTAMPING_SOFTWARE`, `OPT_ID`, `OPT_TSONLY` ...) set on the
/// socket. Any other flag makes the send fail with `EINVAL`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_timestamping(
    builder: *mut rmsg_cmsg_builder,
    tx_flags: u32,
) -> rmsg_status {
    // SAFETY: builder per the contract.
    unsafe { with_builder(builder, |b| b.add_timestamping(tx_flags)) }
}

/// Adds `SCM_TS_OPT_ID` (level `SOL_SOCKET`, Linux 6.13; 81 on most
/// architectures) as a `uint32_t`: the key (`ee_data`) the transmit
/// timestamps of this send carry, instead of the socket's counter. The
/// socket needs `SOF_TIMESTAMPING_OPT_ID`; older kernels refuse the send
/// with `EINVAL`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_ts_opt_id(
    builder: *mut rmsg_cmsg_builder,
    id: u32,
) -> rmsg_status {
    // SAFETY: builder per the contract.
    unsafe { with_builder(builder, |b| b.add_ts_opt_id(id)) }
}

/// Adds `SO_PRIORITY` (level `SOL_SOCKET`, Linux 6.13) as a `uint32_t`:
/// the packet priority (`skb->priority`) of this send. Values above 6 need
/// `CAP_NET_ADMIN` or `CAP_NET_RAW` (else the send fails with `EPERM`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_priority(
    builder: *mut rmsg_cmsg_builder,
    priority: u32,
) -> rmsg_status {
    // SAFETY: builder per the contract.
    unsafe { with_builder(builder, |b| b.add_priority(priority)) }
}

/// Adds `SO_MARK` (level `SOL_SOCKET`) as a `uint32_t`: the packet mark
/// (`skb->mark`, for routing and filtering) of this send. It needs
/// `CAP_NET_RAW` or `CAP_NET_ADMIN` (else the send fails with `EPERM`). A
/// receiver with `SO_RCVMARK` sees it as an `RMSG_KIND_MARK` item.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_mark(
    builder: *mut rmsg_cmsg_builder,
    mark: u32,
) -> rmsg_status {
    // SAFETY: builder per the contract.
    unsafe { with_builder(builder, |b| b.add_mark(mark)) }
}

/// Adds `IPV6_DONTFRAG` (level `IPPROTO_IPV6`) as an `int`, 0 or 1
/// (otherwise `RMSG_ERR_INVALID_ARGUMENT`): with 1, a datagram larger than
/// the path MTU is not fragmented and the send fails with `EMSGSIZE`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_ipv6_dontfrag(
    builder: *mut rmsg_cmsg_builder,
    dontfrag: c_int,
) -> rmsg_status {
    // SAFETY: builder per the contract.
    unsafe { with_builder(builder, |b| b.add_ipv6_dontfrag(dontfrag)) }
}

/// Adds `TLS_SET_RECORD_TYPE` (level `SOL_TLS`, 282) as one byte: on a
/// socket with kernel TLS (`TCP_ULP` "tls" and `TLS_TX` set), the TLS
/// record type of the data of this send (23 is application data, 21 an
/// alert, 22 a handshake message).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_tls_record_type(
    builder: *mut rmsg_cmsg_builder,
    record_type: u8,
) -> rmsg_status {
    // SAFETY: builder per the contract.
    unsafe { with_builder(builder, |b| b.add_tls_record_type(record_type)) }
}

/// Adds `ALG_SET_OP` (level `SOL_ALG`, 279) as a `uint32_t`: on an
/// `AF_ALG` operation socket (from `accept` on a bound one), the operation
/// of this request (`ALG_OP_DECRYPT` 0, `ALG_OP_ENCRYPT` 1).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_alg_op(
    builder: *mut rmsg_cmsg_builder,
    op: u32,
) -> rmsg_status {
    // SAFETY: builder per the contract.
    unsafe { with_builder(builder, |b| b.add_alg_op(op)) }
}

/// Adds `ALG_SET_IV` (level `SOL_ALG`): a `struct af_alg_iv`, the
/// `uint32_t` length `iv_len` followed by the `iv_len` bytes of `iv`
/// (copied; NULL allowed when `iv_len` is 0), for an `AF_ALG` operation
/// socket. The kernel checks the length against the cipher's IV size.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_alg_iv(
    builder: *mut rmsg_cmsg_builder,
    iv: *const u8,
    iv_len: usize,
) -> rmsg_status {
    // SAFETY: iv is readable for iv_len bytes per the contract.
    unsafe { with_builder(builder, |b| b.add_alg_iv(try_slice(iv, iv_len)?)) }
}

/// Adds `ALG_SET_AEAD_ASSOCLEN` (level `SOL_ALG`) as a `uint32_t`: on an
/// `AF_ALG` AEAD operation socket, how many leading bytes of the data are
/// associated data (authenticated, not encrypted).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_alg_aead_assoclen(
    builder: *mut rmsg_cmsg_builder,
    assoclen: u32,
) -> rmsg_status {
    // SAFETY: builder per the contract.
    unsafe { with_builder(builder, |b| b.add_alg_aead_assoclen(assoclen)) }
}

/// Adds any control message: `cmsg_level`, `cmsg_type` and `data_len` data
/// bytes copied from `data` (NULL allowed when `data_len` is 0), laid out
/// with `CMSG_LEN` and padded with zeros to `CMSG_SPACE`. An `SOL_SOCKET`/`SCM_RIGHTS` item
/// added this way counts towards the 253-descriptor limit.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_raw(
    builder: *mut rmsg_cmsg_builder,
    cmsg_level: c_int,
    cmsg_type: c_int,
    data: *const u8,
    data_len: usize,
) -> rmsg_status {
    // SAFETY: data is readable for data_len bytes per the contract.
    unsafe {
        with_builder(builder, |b| {
            b.push(cmsg_level, cmsg_type, try_slice(data, data_len)?)
        })
    }
}

/// The control buffer built so far, for callers that call `sendmsg(2)`
/// themselves: on `RMSG_OK` `*data_out` points at `*len_out` bytes (8-byte
/// aligned; a length of 0 when empty) that borrow from the builder and stay
/// valid until it is next changed, reset or freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_data(
    builder: *const rmsg_cmsg_builder,
    data_out: *mut *const u8,
    len_out: *mut usize,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { read_into(builder, (data_out, len_out), |b| Ok(b.bytes())) }
}

/// Number of descriptors added to the builder since it was created or
/// reset, over all its `SCM_RIGHTS` items. 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_fd_count(builder: *const rmsg_cmsg_builder) -> usize {
    // SAFETY: builder is NULL or a live builder.
    unsafe { get(builder, 0, rmsg_cmsg_builder::fd_count) }
}
