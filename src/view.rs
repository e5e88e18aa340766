//! The per-message view: what a server reads for every datagram (data,
//! flags, source, counts) and the decoded values of the common kinds, in
//! one C struct filled by the same walk of the control bytes that builds
//! the message's items, so a hot loop reads fields instead of calling an
//! accessor per item. The C shims are in `ffi::view` and `ffi::receiver`.

use std::ffi::c_int;
use std::mem::size_of;

use crate::addr::{rmsg_inet_address, rmsg_inet6_address};
use crate::decode::{
    self, Raw, rmsg_credentials, rmsg_ip_pktinfo, rmsg_ipv6_pktinfo, rmsg_timestamp,
    rmsg_timestamping, rmsg_traffic_class,
};
use crate::items::Items;
use crate::kinds::rmsg_kind::{self, *};
use crate::message::rmsg_message;
use crate::ptr;
use crate::status::Result;

/// One message at a glance, for receive loops that read the same few
/// things from every datagram: its data, flags, source and counts, and the
/// decoded values of the common kinds. Every message has one, filled when
/// it is received (or made from io_uring buffers or a parsed control
/// buffer) in the same walk of the control bytes that makes its items:
/// reading it costs no call per field or per item.
/// `rmsg_receiver_recv_view`, `rmsg_batch_recv_views` and
/// `rmsg_message_view` hand out pointers to it. It belongs to its message:
/// read it, never write or free it; it and the pointers in it are valid as
/// long as the message is (for a receiver's or batch's message, until the
/// next receive or until the receiver or batch is freed).
///
/// Versioning: the calls that hand out a view take `view_size`, the
/// `sizeof(rmsg_view)` the program was built with. Later versions of rmsg
/// only append fields, so a program reads a prefix of the library's view;
/// a program built against a newer header than the library it runs with
/// (a `view_size` larger than the library's) gets
/// `RMSG_ERR_INVALID_ARGUMENT` instead of reading fields that do not exist.
///
/// The decoded fields: `present` has the bit `RMSG_VIEW_<KIND>` (which is
/// `1 << RMSG_KIND_<KIND>`) of every field that holds a value for this
/// message; a field whose bit is clear holds nothing meaningful (it may
/// keep an earlier message's value). A field holds the first item of its
/// kind; later ones, and items of kinds the view has no field for
/// (descriptors, errors, IP options ...), are read from `message` with
/// `rmsg_message_item` as usual. An item too short for its struct sets no
/// bit (its accessor would answer `RMSG_ERR_SHORT_ITEM`). Every value is
/// what the kind's typed accessor gives.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rmsg_view {
    /// The message this view describes; read its items, take its
    /// descriptors and get its address handle with the `rmsg_message_*`
    /// functions. A receiver's or batch's message belongs to it, as
    /// always.
    pub message: *mut rmsg_message,
    /// The data bytes (as `rmsg_message_data`); never NULL, not to be read
    /// past `data_len`.
    pub data: *const u8,
    /// Number of data bytes (as `rmsg_message_data_len`).
    pub data_len: usize,
    /// The byte count `recvmsg(2)` returned (as `rmsg_message_nbytes`).
    pub nbytes: usize,
    /// The raw source `sockaddr` bytes (aligned for `struct
    /// sockaddr_storage`), or NULL when the message has no address.
    pub address: *const u8,
    /// Length of `address` (0 when there is none).
    pub address_len: usize,
    /// Number of control items (as `rmsg_message_item_count`).
    pub item_count: usize,
    /// `SCM_RIGHTS` descriptors the message owns (as
    /// `rmsg_message_fd_count`): take them with `rmsg_message_take_fds`.
    pub fd_count: usize,
    /// The `RMSG_VIEW_*` bits of the fields below that hold a value.
    pub present: u64,
    /// `msg_flags` as the kernel returned them (as `rmsg_message_flags`).
    pub flags: c_int,
    /// The walk over the control bytes stopped at a malformed header.
    pub malformed: bool,
    /// `IP_TTL` (`RMSG_VIEW_IP_TTL`).
    pub ip_ttl: i32,
    /// `IPV6_HOPLIMIT` (`RMSG_VIEW_IPV6_HOPLIMIT`).
    pub ipv6_hoplimit: i32,
    /// `UDP_GRO`: the segment size of a coalesced datagram
    /// (`RMSG_VIEW_UDP_GRO`).
    pub udp_gro: u32,
    /// `SO_RXQ_OVFL`: packets the socket dropped before this one
    /// (`RMSG_VIEW_RXQ_OVFL`).
    pub rxq_ovfl: u32,
    /// The packet's mark (`SO_RCVMARK`; `RMSG_VIEW_MARK`).
    pub mark: u32,
    /// `IP_TOS` with its DSCP and ECN parts (`RMSG_VIEW_IP_TOS`).
    pub ip_tos: rmsg_traffic_class,
    /// `IPV6_TCLASS` with its DSCP and ECN parts (`RMSG_VIEW_IPV6_TCLASS`).
    pub ipv6_tclass: rmsg_traffic_class,
    /// `SCM_CREDENTIALS` (`RMSG_VIEW_CREDENTIALS`).
    pub credentials: rmsg_credentials,
    /// `IP_PKTINFO` (`RMSG_VIEW_IP_PKTINFO`).
    pub ip_pktinfo: rmsg_ip_pktinfo,
    /// `IPV6_PKTINFO` (`RMSG_VIEW_IPV6_PKTINFO`).
    pub ipv6_pktinfo: rmsg_ipv6_pktinfo,
    /// `IP_ORIGDSTADDR` (`RMSG_VIEW_IP_ORIGDSTADDR`).
    pub ip_origdstaddr: rmsg_inet_address,
    /// `IPV6_ORIGDSTADDR` (`RMSG_VIEW_IPV6_ORIGDSTADDR`).
    pub ipv6_origdstaddr: rmsg_inet6_address,
    /// `SO_TIMESTAMP`, `SO_TIMESTAMPNS` or a `_NEW` form, in nanoseconds
    /// (`RMSG_VIEW_TIMESTAMP`).
    pub timestamp: rmsg_timestamp,
    /// `SO_TIMESTAMPING` (`RMSG_VIEW_TIMESTAMPING`).
    pub timestamping: rmsg_timestamping,
}

/// `present` bit of `rmsg_view.credentials`.
pub const RMSG_VIEW_CREDENTIALS: u64 = 1 << 2;
/// `present` bit of `rmsg_view.timestamp`.
pub const RMSG_VIEW_TIMESTAMP: u64 = 1 << 5;
/// `present` bit of `rmsg_view.timestamping`.
pub const RMSG_VIEW_TIMESTAMPING: u64 = 1 << 6;
/// `present` bit of `rmsg_view.rxq_ovfl`.
pub const RMSG_VIEW_RXQ_OVFL: u64 = 1 << 7;
/// `present` bit of `rmsg_view.mark`.
pub const RMSG_VIEW_MARK: u64 = 1 << 8;
/// `present` bit of `rmsg_view.ip_pktinfo`.
pub const RMSG_VIEW_IP_PKTINFO: u64 = 1 << 11;
/// `present` bit of `rmsg_view.ip_ttl`.
pub const RMSG_VIEW_IP_TTL: u64 = 1 << 12;
/// `present` bit of `rmsg_view.ip_tos`.
pub const RMSG_VIEW_IP_TOS: u64 = 1 << 13;
/// `present` bit of `rmsg_view.ip_origdstaddr`.
pub const RMSG_VIEW_IP_ORIGDSTADDR: u64 = 1 << 15;
/// `present` bit of `rmsg_view.ipv6_pktinfo`.
pub const RMSG_VIEW_IPV6_PKTINFO: u64 = 1 << 18;
/// `present` bit of `rmsg_view.ipv6_hoplimit`.
pub const RMSG_VIEW_IPV6_HOPLIMIT: u64 = 1 << 19;
/// `present` bit of `rmsg_view.ipv6_tclass`.
pub const RMSG_VIEW_IPV6_TCLASS: u64 = 1 << 20;
/// `present` bit of `rmsg_view.ipv6_origdstaddr`.
pub const RMSG_VIEW_IPV6_ORIGDSTADDR: u64 = 1 << 21;
/// `present` bit of `rmsg_view.udp_gro`.
pub const RMSG_VIEW_UDP_GRO: u64 = 1 << 23;

/// The kinds the view has a field for.
const VIEW_KINDS: u64 = RMSG_VIEW_CREDENTIALS
    | RMSG_VIEW_TIMESTAMP
    | RMSG_VIEW_TIMESTAMPING
    | RMSG_VIEW_RXQ_OVFL
    | RMSG_VIEW_MARK
    | RMSG_VIEW_IP_PKTINFO
    | RMSG_VIEW_IP_TTL
    | RMSG_VIEW_IP_TOS
    | RMSG_VIEW_IP_ORIGDSTADDR
    | RMSG_VIEW_IPV6_PKTINFO
    | RMSG_VIEW_IPV6_HOPLIMIT
    | RMSG_VIEW_IPV6_TCLASS
    | RMSG_VIEW_IPV6_ORIGDSTADDR
    | RMSG_VIEW_UDP_GRO;

/// The size of the first version of the struct: the least a caller may
/// say it has.
const V1_SIZE: usize = size_of::<rmsg_view>();

/// The check of a caller's `view_size`: from the first version's size up
/// to this library's, else `RMSG_ERR_INVALID_ARGUMENT`.
#[inline(always)]
pub(crate) fn check_size(view_size: usize) -> Result<()> {
    ptr::check_struct_size::<rmsg_view>(view_size, V1_SIZE)
}

/// A view of nothing (no data, no address, no items), pointing nowhere
/// until its message is pinned.
pub(crate) fn empty() -> rmsg_view {
    rmsg_view {
        message: std::ptr::null_mut(),
        data: std::ptr::NonNull::<u8>::dangling().as_ptr(),
        data_len: 0,
        nbytes: 0,
        address: std::ptr::null(),
        address_len: 0,
        item_count: 0,
        fd_count: 0,
        present: 0,
        flags: 0,
        malformed: false,
        ip_ttl: 0,
        ipv6_hoplimit: 0,
        udp_gro: 0,
        rxq_ovfl: 0,
        mark: 0,
        ip_tos: rmsg_traffic_class::default(),
        ipv6_tclass: rmsg_traffic_class::default(),
        credentials: rmsg_credentials::default(),
        ip_pktinfo: rmsg_ip_pktinfo::default(),
        ipv6_pktinfo: rmsg_ipv6_pktinfo::default(),
        ip_origdstaddr: rmsg_inet_address::default(),
        ipv6_origdstaddr: rmsg_inet6_address::default(),
        timestamp: rmsg_timestamp::default(),
        timestamping: rmsg_timestamping::default(),
    }
}

/// Says in a view that its message has no items (its table was cleared):
/// no decoded field, no item, no descriptor.
pub(crate) fn clear_items(v: &mut rmsg_view) {
    v.present = 0;
    v.item_count = 0;
    v.fd_count = 0;
    v.malformed = false;
}

/// Fills a view's decoded fields, item by item, as the walk of the control
/// bytes meets them.
pub(crate) struct ViewSink<'v> {
    view: &'v mut rmsg_view,
    present: u64,
}

impl<'v> ViewSink<'v> {
    #[inline(always)]
    pub(crate) fn new(view: &'v mut rmsg_view) -> ViewSink<'v> {
        ViewSink { view, present: 0 }
    }

    /// Ends a replay of the last message's table (see `Items::replay`),
    /// whose counts the view already has: only `present` is new.
    #[inline(always)]
    pub(crate) fn finish_replay(self) {
        self.view.present = self.present;
    }

    /// Ends the walk: `present` and the counts of the item table it
    /// filled.
    #[inline(always)]
    pub(crate) fn finish(self, items: &Items) {
        let v = self.view;
        v.present = self.present;
        v.item_count = items.list().len();
        v.fd_count = items.rights_fd_count();
        v.malformed = items.malformed();
    }
}

impl ViewSink<'_> {
    /// Sets a field from `value`, unless an earlier item of its kind did
    /// (or the item is too short to decode).
    #[inline(always)]
    fn put<T>(&mut self, bit: u64, field: fn(&mut rmsg_view) -> &mut T, value: Result<T>) {
        if self.present & bit == 0 {
            if let Ok(x) = value {
                *field(self.view) = x;
                self.present |= bit;
            }
        }
    }
}

impl ViewSink<'_> {
    /// One item, in buffer order, once it is in the table.
    #[inline(always)]
    pub(crate) fn item(&mut self, raw: Raw<'_>) {
        match raw.kind {
            RMSG_KIND_IP_TTL => self.put(RMSG_VIEW_IP_TTL, |v| &mut v.ip_ttl, decode::ip_ttl(raw)),
            RMSG_KIND_IP_PKTINFO => self.put(
                RMSG_VIEW_IP_PKTINFO,
                |v| &mut v.ip_pktinfo,
                decode::ip_pktinfo(raw),
            ),
            RMSG_KIND_IPV6_HOPLIMIT => self.put(
                RMSG_VIEW_IPV6_HOPLIMIT,
                |v| &mut v.ipv6_hoplimit,
                decode::ipv6_hoplimit(raw),
            ),
            RMSG_KIND_IPV6_PKTINFO => self.put(
                RMSG_VIEW_IPV6_PKTINFO,
                |v| &mut v.ipv6_pktinfo,
                decode::ipv6_pktinfo(raw),
            ),
            RMSG_KIND_IP_TOS => self.put(RMSG_VIEW_IP_TOS, |v| &mut v.ip_tos, decode::ip_tos(raw)),
            RMSG_KIND_IPV6_TCLASS => self.put(
                RMSG_VIEW_IPV6_TCLASS,
                |v| &mut v.ipv6_tclass,
                decode::ipv6_tclass(raw),
            ),
            RMSG_KIND_CREDENTIALS => self.put(
                RMSG_VIEW_CREDENTIALS,
                |v| &mut v.credentials,
                decode::credentials(raw),
            ),
            RMSG_KIND_UDP_GRO => {
                self.put(RMSG_VIEW_UDP_GRO, |v| &mut v.udp_gro, decode::udp_gro(raw))
            }
            RMSG_KIND_TIMESTAMP => self.put(
                RMSG_VIEW_TIMESTAMP,
                |v| &mut v.timestamp,
                decode::timestamp(raw),
            ),
            RMSG_KIND_TIMESTAMPING => self.put(
                RMSG_VIEW_TIMESTAMPING,
                |v| &mut v.timestamping,
                decode::timestamping(raw),
            ),
            RMSG_KIND_RXQ_OVFL => self.put(
                RMSG_VIEW_RXQ_OVFL,
                |v| &mut v.rxq_ovfl,
                decode::rxq_ovfl(raw),
            ),
            RMSG_KIND_MARK => self.put(RMSG_VIEW_MARK, |v| &mut v.mark, decode::mark(raw)),
            RMSG_KIND_IP_ORIGDSTADDR => self.put(
                RMSG_VIEW_IP_ORIGDSTADDR,
                |v| &mut v.ip_origdstaddr,
                decode::ip_origdstaddr(raw),
            ),
            RMSG_KIND_IPV6_ORIGDSTADDR => self.put(
                RMSG_VIEW_IPV6_ORIGDSTADDR,
                |v| &mut v.ipv6_origdstaddr,
                decode::ipv6_origdstaddr(raw),
            ),
            _ => {}
        }
    }
}

const _: () = {
    // Every bit is its kind's (1 << RMSG_KIND_x), and below 64.
    assert!(RMSG_VIEW_CREDENTIALS == 1 << RMSG_KIND_CREDENTIALS as u64);
    assert!(RMSG_VIEW_TIMESTAMP == 1 << RMSG_KIND_TIMESTAMP as u64);
    assert!(RMSG_VIEW_TIMESTAMPING == 1 << RMSG_KIND_TIMESTAMPING as u64);
    assert!(RMSG_VIEW_RXQ_OVFL == 1 << RMSG_KIND_RXQ_OVFL as u64);
    assert!(RMSG_VIEW_MARK == 1 << RMSG_KIND_MARK as u64);
    assert!(RMSG_VIEW_IP_PKTINFO == 1 << RMSG_KIND_IP_PKTINFO as u64);
    assert!(RMSG_VIEW_IP_TTL == 1 << RMSG_KIND_IP_TTL as u64);
    assert!(RMSG_VIEW_IP_TOS == 1 << RMSG_KIND_IP_TOS as u64);
    assert!(RMSG_VIEW_IP_ORIGDSTADDR == 1 << RMSG_KIND_IP_ORIGDSTADDR as u64);
    assert!(RMSG_VIEW_IPV6_PKTINFO == 1 << RMSG_KIND_IPV6_PKTINFO as u64);
    assert!(RMSG_VIEW_IPV6_HOPLIMIT == 1 << RMSG_KIND_IPV6_HOPLIMIT as u64);
    assert!(RMSG_VIEW_IPV6_TCLASS == 1 << RMSG_KIND_IPV6_TCLASS as u64);
    assert!(RMSG_VIEW_IPV6_ORIGDSTADDR == 1 << RMSG_KIND_IPV6_ORIGDSTADDR as u64);
    assert!(RMSG_VIEW_UDP_GRO == 1 << RMSG_KIND_UDP_GRO as u64);

    assert!(RMSG_KIND_TLS_RECORD_TYPE as u32 <= 63);
    assert!(VIEW_KINDS & (1 << rmsg_kind::RMSG_KIND_RAW as u64) == 0);
};
