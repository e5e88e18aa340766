//! The C API: every `extern "C"` function of rmsg, one file per handle type
//! or concept, thin shims over the safe core that check pointers, convert
//! integers, run the core inside the panic boundary and write outputs only
//! on success. This module is also the crate's Rust surface: the fuzz
//! targets call these functions exactly as C does.
//!
//! | file | functions |
//! |---|---|
//! | `message.rs` | the receive calls and `rmsg_message_*` |
//! | `receiver.rs` | `rmsg_receiver_*` and `rmsg_batch_*` (reusable receive) |
//! | `item.rs` | `rmsg_item_*` (generic getters, kind, typed decoders), `rmsg_kind_name` |
//! | `control.rs` | `rmsg_control_*` (parsing a control buffer) |
//! | `address.rs` | `rmsg_address_*` (reading, building, parsing, formatting) |
//! | `builder.rs` | `rmsg_cmsg_builder_*` |
//! | `send.rs` | `rmsg_sendmsg`, `rmsg_sendmmsg`, `rmsg_send_fds` |
//! | `sizing.rs` | `rmsg_cmsg_len`, `rmsg_cmsg_space`, `rmsg_control_space*` |
//! | `status.rs` | `rmsg_status_*`, `rmsg_last_errno` |
//! | `version.rs` | `rmsg_version`, `rmsg_version_number` |
//! | `uring.rs` | messages from io_uring completions (`rmsg_message_from_multishot`, `rmsg_message_from_recvmsg`), `rmsg_message_name_len` |
//! | `kinds.rs` | `rmsg_kind_info_*` (the registry of control-message kinds) |
//! | `errqueue.rs` | `rmsg_message_errqueue` (error-queue messages by meaning) and its names |
//! | `testing.rs` | the test hook (debug builds only, not in the header) |
//! | `body.rs` | the bodies the shims share (no exported function) |
//!
//! Conventions (also in README.md): functions returning `rmsg_status` write
//! their `*_out` arguments only when they return `RMSG_OK`; handles returned
//! through `**_out` are owned by the caller and freed with the matching
//! `_free`; pointers returned by getters borrow from the handle passed in and
//! stay valid until that handle is freed.
//!
//! Safety, for every function here: each pointer argument is NULL or valid
//! as its documentation says (a live handle from rmsg, or memory readable or
//! writable for the length passed beside it). That one contract is stated in
//! the header and README rather than repeated per function.
#![allow(clippy::missing_safety_doc)]

mod address;
mod body;
mod builder;
mod control;
mod errqueue;
mod item;
mod kinds;
mod message;
mod receiver;
mod send;
mod sizing;
mod status;
#[cfg(debug_assertions)]
mod testing;
mod uring;
mod version;

use body::{get, make, make_parsed, produce, read_into};

pub use address::*;
pub use builder::*;
pub use control::*;
pub use errqueue::*;
pub use item::*;
pub use kinds::*;
pub use message::*;
pub use receiver::*;
pub use send::*;
pub use sizing::*;
pub use status::*;
#[cfg(debug_assertions)]
pub use testing::*;
pub use uring::*;
pub use version::*;

pub use crate::addr::{rmsg_addr_kind, rmsg_address, rmsg_inet_address, rmsg_inet6_address};
pub use crate::addr_text::RMSG_MAX_ADDRESS_TEXT;
/// The types C sees, for Rust callers of these functions.
pub use crate::batch::{RMSG_BATCH_MAX, rmsg_batch};
pub use crate::buffer::rmsg_iovec;
pub use crate::builder::rmsg_cmsg_builder;
pub use crate::decode::rmsg_packet_auxdata;
pub use crate::decode::{
    rmsg_credentials, rmsg_extended_error, rmsg_ip_pktinfo, rmsg_ipv6_mtuinfo, rmsg_ipv6_pktinfo,
    rmsg_kind, rmsg_timestamp, rmsg_timestamping, rmsg_traffic_class, rmsg_ts_pktinfo,
};
pub use crate::errqueue::{
    rmsg_errqueue_info, rmsg_errqueue_kind, rmsg_icmp_reason, rmsg_tstamp_type, rmsg_txtime_error,
};
pub use crate::items::{rmsg_item, rmsg_item_view};
pub use crate::kinds::rmsg_kind_info;
pub use crate::message::{rmsg_message, rmsg_message_info};
pub use crate::parse::{RMSG_PARSE_OWN_FDS, rmsg_control};
pub use crate::ptr::RMSG_MAX_BUFFER_SIZE;
pub use crate::receiver::rmsg_receiver;
pub use crate::recv::{
    RMSG_RECV_NO_ADDRESS, RMSG_RECV_NO_CLOEXEC, RMSG_RECV_RETURN_EINTR, rmsg_recv_options,
};
pub use crate::send::{
    RMSG_SEND_ALLOW_SIGPIPE, RMSG_SEND_RETURN_EINTR, rmsg_send_item, rmsg_send_options,
};
pub use crate::sizing::{RMSG_OPT_STATS_SPACE, RMSG_SECURITY_LABEL_SPACE, rmsg_cmsg_kind};
pub use crate::status::rmsg_status;
pub use crate::uring::rmsg_recvmsg_parts;
pub use crate::view::{
    RMSG_VIEW_CREDENTIALS, RMSG_VIEW_IP_ORIGDSTADDR, RMSG_VIEW_IP_PKTINFO, RMSG_VIEW_IP_TOS,
    RMSG_VIEW_IP_TTL, RMSG_VIEW_IPV6_HOPLIMIT, RMSG_VIEW_IPV6_ORIGDSTADDR, RMSG_VIEW_IPV6_PKTINFO,
    RMSG_VIEW_IPV6_TCLASS, RMSG_VIEW_MARK, RMSG_VIEW_RXQ_OVFL, RMSG_VIEW_TIMESTAMP,
    RMSG_VIEW_TIMESTAMPING, RMSG_VIEW_UDP_GRO, rmsg_view,
};
pub use crate::wait::{RMSG_WAIT_BLOCK, RMSG_WAIT_DEADLINE, RMSG_WAIT_NONBLOCK};

/// The thread-safety contract the header states, held to by the compiler:
/// every handle may move between threads (`Send`), and those whose `const`
/// functions may run on one handle from several threads at once are
/// `Sync` (no interior mutability; the one raw pointer inside, to an item's
/// data, is vouched for in `items`). Receivers and batches are used by one
/// thread at a time, so they need only `Send`.
const _: () = {
    const fn movable<T: Send>() {}
    const fn shared<T: Sync>() {}
    // A tuple is Send (Sync) exactly when each of its members is.
    movable::<(
        rmsg_message,
        rmsg_control,
        rmsg_item,
        rmsg_address,
        rmsg_cmsg_builder,
        rmsg_receiver,
        rmsg_batch,
    )>();
    shared::<(
        rmsg_message,
        rmsg_control,
        rmsg_item,
        rmsg_address,
        rmsg_cmsg_builder,
    )>();
};
