//! Error-queue messages by meaning: `rmsg_message_errqueue` and the names
//! of its enums.

use std::ffi::c_char;

use super::read_into;
use crate::errqueue::{self, rmsg_errqueue_info};
use crate::message::rmsg_message;
use crate::panic::guard_or;
use crate::status::rmsg_status;

/// Summarises a message read from the error queue (`MSG_ERRQUEUE`, with
/// `rmsg_recvmsg`, a receiver or a batch, or made from io_uring parts)
/// into `*info_out` (see `rmsg_errqueue_info`): a transmit timestamp with
/// its stamp type, key and `SCM_TIMESTAMPING` stamps; a `MSG_ZEROCOPY`
/// completion range; an `SO_TXTIME` drop; an ICMP or ICMPv6 error with
/// its reason, MTU, offender and original datagram; a local error.
///
/// The kind comes from the message's first extended-error item
/// (`IP_RECVERR`/`IPV6_RECVERR`), not from `MSG_ERRQUEUE` in its flags. A
/// message without one is not an error: `RMSG_OK` with
/// `RMSG_ERRQUEUE_NONE`, so a loop over any messages can call this on each.
/// The raw fields stay available with `rmsg_item_recverr`.
///
/// `info_size` is `sizeof(rmsg_errqueue_info)` as the program was
/// compiled (`RMSG_ERR_INVALID_ARGUMENT` when this library's struct is
/// smaller, or it is smaller than the first version's). The caller owns
/// `*info_out`; its `data` pointer borrows from the message and is valid
/// as long as the message is (for a receiver's or batch's message, until
/// the next receive). `RMSG_ERR_NULL_ARGUMENT` for a NULL pointer; nothing
/// is written on error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_errqueue(
    message: *const rmsg_message,
    info_size: usize,
    info_out: *mut rmsg_errqueue_info,
) -> rmsg_status {
    // SAFETY: message is NULL or live; info_out is NULL or writable for
    // info_size bytes, which check_size bounds by our struct's size.
    unsafe {
        read_into(message, info_out, |m| {
            errqueue::check_size(info_size)?;
            Ok(errqueue::summarise(
                m.items().list().iter().map(|i| i.raw()),
                m.data(),
            ))
        })
    }
}

/// The name of an `rmsg_errqueue_kind` value: `"timestamp"`,
/// `"zerocopy"`, `"txtime"`, `"icmp"`, `"icmp6"`, `"local"`, `"other"`,
/// `"none"`; `"unknown"` for a value this library does not know. The
/// string is static: never free it.
#[unsafe(no_mangle)]
pub extern "C" fn rmsg_errqueue_kind_name(kind: u32) -> *const c_char {
    guard_or(c"unknown".as_ptr(), || errqueue::kind_name(kind).as_ptr())
}

/// The name of an `rmsg_icmp_reason` value: `"port unreachable"`, `"too
/// big"`, `"time exceeded"` ...; `"unknown"` for a value this library does
/// not know. The string is static: never free it.
#[unsafe(no_mangle)]
pub extern "C" fn rmsg_icmp_reason_name(reason: u32) -> *const c_char {
    guard_or(c"unknown".as_ptr(), || {
        errqueue::icmp_reason_name(reason).as_ptr()
    })
}

/// The name of an `rmsg_tstamp_type` value: `"snd"`, `"sched"`, `"ack"`,
/// `"completion"`, `"other"`; `"unknown"` for a value this library does
/// not know. The string is static: never free it.
#[unsafe(no_mangle)]
pub extern "C" fn rmsg_tstamp_type_name(tstamp_type: u32) -> *const c_char {
    guard_or(c"unknown".as_ptr(), || {
        errqueue::tstamp_type_name(tstamp_type).as_ptr()
    })
}

/// The name of an `rmsg_txtime_error` value: `"invalid parameter"`,
/// `"missed deadline"`, `"other"`, `"none"`; `"unknown"` for a value this
/// library does not know. The string is static: never free it.
#[unsafe(no_mangle)]
pub extern "C" fn rmsg_txtime_error_name(error: u32) -> *const c_char {
    guard_or(c"unknown".as_ptr(), || {
        errqueue::txtime_error_name(error).as_ptr()
    })
}
