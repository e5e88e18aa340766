//! Linux constants that the `libc` crate (or the C headers of older
//! systems) lack, in one place. The `RMSG_` ones are part of the C header,
//! so that C programs built against older headers can use them too.

use std::ffi::c_int;

/// `SCM_PIDFD` (Linux 6.5): the control message type that carries a
/// pidfd of the sending process (level `SOL_SOCKET`), for C libraries
/// whose headers predate it.
pub const RMSG_SCM_PIDFD: c_int = 0x04;
/// `SO_PASSPIDFD` (Linux 6.5): the socket option that asks for
/// `SCM_PIDFD` items.
pub const RMSG_SO_PASSPIDFD: c_int = 76;
/// `SCM_SECURITY` (level `SOL_SOCKET`): the security label of the
/// sender, delivered when `SO_PASSSEC` is set and a security module is
/// active. Not in the C library's headers (it is kernel-internal).
pub const RMSG_SCM_SECURITY: c_int = 3;
/// `SOL_TLS`: the level of kernel TLS control messages.
pub const RMSG_SOL_TLS: c_int = 282;
/// `TLS_GET_RECORD_TYPE` (level `SOL_TLS`): the TLS record type of a
/// record received through kernel TLS (one byte).
pub const RMSG_TLS_GET_RECORD_TYPE: c_int = 2;
/// `SOL_UDP` (= `IPPROTO_UDP`): the level of UDP control messages.
pub const RMSG_SOL_UDP: c_int = 17;
/// `UDP_GRO` (level `SOL_UDP`): the socket option enabling UDP generic
/// receive offload, and the control message carrying the segment size
/// (an `int`) of a coalesced datagram.
pub const RMSG_UDP_GRO: c_int = 104;
/// `UDP_SEGMENT` (level `SOL_UDP`, Linux 4.18): the segment size for UDP
/// GSO on send (a `uint16_t`).
pub const RMSG_UDP_SEGMENT: c_int = 103;
/// `IP_RECVRETOPTS` (= `IP_RETOPTS`): the socket option asking for the
/// IP options of received packets, reversed for replying.
pub const RMSG_IP_RECVRETOPTS: c_int = 7;
/// Linux's `SCM_MAX_FD`: the most descriptors one message may carry, over
/// all of its `SCM_RIGHTS` items.
pub const RMSG_SCM_MAX_FD: usize = 253;

/// `SCM_TXTIME` (`SO_TXTIME`), whose value depends on the architecture.
#[cfg(any(target_arch = "sparc", target_arch = "sparc64"))]
pub(crate) const SCM_TXTIME: c_int = 0x3f;
/// `SCM_TXTIME` (`SO_TXTIME`), whose value depends on the architecture.
#[cfg(not(any(target_arch = "sparc", target_arch = "sparc64")))]
pub(crate) const SCM_TXTIME: c_int = 61;

/// `SO_INQ` (Linux 6.18, `AF_UNIX` stream and seqpacket sockets): the
/// socket option that asks for an `SCM_INQ` item with every receive, and
/// that item's type (`SCM_INQ` = `SO_INQ`, level `SOL_SOCKET`): the bytes
/// left in the receive queue, an `int`. This is the value of most
/// architectures; SPARC's is 0x5d (rmsg's registry uses the right one for
/// the architecture it was built for).
pub const RMSG_SO_INQ: c_int = 84;

/// `SO_INQ`/`SCM_INQ` on the architecture rmsg is built for.
#[cfg(any(target_arch = "sparc", target_arch = "sparc64"))]
pub(crate) const SO_INQ: c_int = 0x5d;
/// `SO_INQ`/`SCM_INQ` on the architecture rmsg is built for.
#[cfg(not(any(target_arch = "sparc", target_arch = "sparc64")))]
pub(crate) const SO_INQ: c_int = RMSG_SO_INQ;

/// `SOL_PACKET`: the level of `AF_PACKET` options and control messages.
pub const RMSG_SOL_PACKET: c_int = 263;
/// `PACKET_AUXDATA` (level `SOL_PACKET`): the socket option asking for a
/// `struct tpacket_auxdata` with every frame an `AF_PACKET` socket
/// receives, and that item's type.
pub const RMSG_PACKET_AUXDATA: c_int = 8;
/// `SOL_NETLINK`: the level of `AF_NETLINK` options and control messages.
pub const RMSG_SOL_NETLINK: c_int = 270;
/// `NETLINK_PKTINFO` (level `SOL_NETLINK`): the socket option asking for
/// a `struct nl_pktinfo` (the multicast group a message was sent to) with
/// every message, and that item's type.
pub const RMSG_NETLINK_PKTINFO: c_int = 3;
/// `NETLINK_LISTEN_ALL_NSID` (level `SOL_NETLINK`): the socket option that
/// makes a netlink socket hear the multicast groups it joined in every
/// network namespace that has an id in its own, with an item of this type
/// carrying that id (an `int`) on messages from another namespace.
pub const RMSG_NETLINK_LISTEN_ALL_NSID: c_int = 8;

/// `TLS_SET_RECORD_TYPE` (level `SOL_TLS`): on send through kernel TLS,
/// the TLS record type of the record the data goes into (one byte).
pub const RMSG_TLS_SET_RECORD_TYPE: c_int = 1;

/// `SCM_TS_OPT_ID` (Linux 6.13, level `SOL_SOCKET`): the key of one send's
/// transmit timestamps. Its value depends on the architecture.
#[cfg(any(target_arch = "sparc", target_arch = "sparc64"))]
pub(crate) const SCM_TS_OPT_ID: c_int = 0x005a;
/// `SCM_TS_OPT_ID` (Linux 6.13, level `SOL_SOCKET`): the key of one send's
/// transmit timestamps. Its value depends on the architecture.
#[cfg(not(any(target_arch = "sparc", target_arch = "sparc64")))]
pub(crate) const SCM_TS_OPT_ID: c_int = 81;

// The error queue (`include/uapi/linux/errqueue.h`, `icmp.h`, `icmpv6.h`):
// what `libc` lacks of it, for `errqueue`.

/// `SO_ZEROCOPY` (level `SOL_SOCKET`): the socket option that allows
/// `MSG_ZEROCOPY` sends, whose completions come on the error queue.
pub(crate) const SO_ZEROCOPY: c_int = 60;
/// `SO_EE_ORIGIN_ZEROCOPY`: a `MSG_ZEROCOPY` completion.
pub(crate) const SO_EE_ORIGIN_ZEROCOPY: u8 = 5;
/// `SO_EE_ORIGIN_TXTIME`: a packet `SO_TXTIME` dropped.
pub(crate) const SO_EE_ORIGIN_TXTIME: u8 = 6;
/// `SO_EE_CODE_ZEROCOPY_COPIED`: the kernel copied the data after all.
pub(crate) const SO_EE_CODE_ZEROCOPY_COPIED: u8 = 1;
/// `SO_EE_CODE_TXTIME_INVALID_PARAM`: the packet's txtime was refused.
pub(crate) const SO_EE_CODE_TXTIME_INVALID_PARAM: u8 = 1;
/// `SO_EE_CODE_TXTIME_MISSED`: the packet missed its txtime.
pub(crate) const SO_EE_CODE_TXTIME_MISSED: u8 = 2;
/// `SO_EE_RFC4884_FLAG_INVALID`: the ICMP extension failed validation.
pub(crate) const SO_EE_RFC4884_FLAG_INVALID: u8 = 1;
/// `SCM_TSTAMP_SND`, `_SCHED`, `_ACK`, `_COMPLETION`: the stamp types of
/// `ee_info` for `SO_EE_ORIGIN_TIMESTAMPING`.
pub(crate) const SCM_TSTAMP_SND: u32 = 0;
pub(crate) const SCM_TSTAMP_SCHED: u32 = 1;
pub(crate) const SCM_TSTAMP_ACK: u32 = 2;
pub(crate) const SCM_TSTAMP_COMPLETION: u32 = 3;
/// ICMP types and the `ICMP_DEST_UNREACH` codes rmsg names.
pub(crate) const ICMP_DEST_UNREACH: u8 = 3;
pub(crate) const ICMP_SOURCE_QUENCH: u8 = 4;
pub(crate) const ICMP_TIME_EXCEEDED: u8 = 11;
pub(crate) const ICMP_PARAMETERPROB: u8 = 12;
pub(crate) const ICMP_NET_UNREACH: u8 = 0;
pub(crate) const ICMP_HOST_UNREACH: u8 = 1;
pub(crate) const ICMP_PROT_UNREACH: u8 = 2;
pub(crate) const ICMP_PORT_UNREACH: u8 = 3;
pub(crate) const ICMP_FRAG_NEEDED: u8 = 4;
pub(crate) const ICMP_NET_ANO: u8 = 9;
pub(crate) const ICMP_HOST_ANO: u8 = 10;
pub(crate) const ICMP_PKT_FILTERED: u8 = 13;
/// ICMPv6 types and the `ICMPV6_DEST_UNREACH` codes rmsg names.
pub(crate) const ICMPV6_DEST_UNREACH: u8 = 1;
pub(crate) const ICMPV6_PKT_TOOBIG: u8 = 2;
pub(crate) const ICMPV6_TIME_EXCEED: u8 = 3;
pub(crate) const ICMPV6_PARAMPROB: u8 = 4;
pub(crate) const ICMPV6_NOROUTE: u8 = 0;
pub(crate) const ICMPV6_ADM_PROHIBITED: u8 = 1;
pub(crate) const ICMPV6_ADDR_UNREACH: u8 = 3;
pub(crate) const ICMPV6_PORT_UNREACH: u8 = 4;
pub(crate) const ICMPV6_POLICY_FAIL: u8 = 5;
pub(crate) const ICMPV6_REJECT_ROUTE: u8 = 6;
