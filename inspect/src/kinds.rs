//! The receive options `listen --enable KINDS` turns on: the names, the
//! control message each one asks for on a socket of each family, and
//! setting them. Which socket option makes the kernel send a control
//! message, and that option's name, come from the library's registry of
//! kinds (`rmsg_kind_info_find`); what is the tool's own is the names,
//! which message each stands for by family, and the flags given to
//! `SO_TIMESTAMPING`.

use std::ffi::c_int;
use std::os::fd::RawFd;

use crate::{Failure, api, sock};

/// One name of `--enable`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pktinfo,
    Ttl,
    Tos,
    Timestamp,
    TimestampNs,
    Timestamping,
    Creds,
    Pidfd,
    RxqOvfl,
    Mark,
    OrigDstAddr,
    RecvErr,
    Gro,
    Inq,
}

/// Every name `--enable` accepts, with its kind (`hoplimit` and `tclass`
/// are the IPv6 names of `ttl` and `tos`); `all` stands for the kinds
/// that apply to the socket.
const NAMES: &[(&str, Kind)] = &[
    ("pktinfo", Kind::Pktinfo),
    ("ttl", Kind::Ttl),
    ("tos", Kind::Tos),
    ("hoplimit", Kind::Ttl),
    ("tclass", Kind::Tos),
    ("timestamp", Kind::Timestamp),
    ("timestampns", Kind::TimestampNs),
    ("timestamping", Kind::Timestamping),
    ("creds", Kind::Creds),
    ("pidfd", Kind::Pidfd),
    ("rxq_ovfl", Kind::RxqOvfl),
    ("mark", Kind::Mark),
    ("origdstaddr", Kind::OrigDstAddr),
    ("recverr", Kind::RecvErr),
    ("gro", Kind::Gro),
    ("inq", Kind::Inq),
];

/// The kinds `all` enables, where they apply. `timestamp` is left out:
/// the kernel delivers only one of `SO_TIMESTAMP` and `SO_TIMESTAMPNS`.
const ALL: &[Kind] = &[
    Kind::Pktinfo,
    Kind::Ttl,
    Kind::Tos,
    Kind::TimestampNs,
    Kind::Timestamping,
    Kind::Creds,
    Kind::Pidfd,
    Kind::RxqOvfl,
    Kind::Mark,
    Kind::OrigDstAddr,
    Kind::RecvErr,
    Kind::Gro,
    Kind::Inq,
];

/// What `--enable` asked for.
#[derive(Debug, Default)]
pub struct Request {
    /// The kinds named one by one, in order, without repeats.
    pub named: Vec<Kind>,
    /// `all` was among the names.
    pub all: bool,
}

/// Parses the values of `--enable` (each a comma-separated list).
pub fn parse(values: &[String]) -> Result<Request, String> {
    let mut request = Request::default();
    for name in values.iter().flat_map(|v| v.split(',')) {
        let name = name.trim();
        if name == "all" {
            request.all = true;
            continue;
        }
        let kind = NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, k)| k)
            .ok_or_else(|| {
                let known: Vec<&str> = NAMES.iter().map(|(n, _)| *n).collect();
                if name.is_empty() {
                    format!("empty name in KINDS (known: {},all)", known.join(","))
                } else {
                    format!(
                        "unknown kind {name:?} in KINDS (known: {},all)",
                        known.join(",")
                    )
                }
            })?;
        if !request.named.contains(&kind) {
            request.named.push(kind);
        }
    }
    if request.named.contains(&Kind::Timestamp) && request.named.contains(&Kind::TimestampNs) {
        return Err(
            "KINDS names both timestamp and timestampns: the kernel delivers only one of them"
                .into(),
        );
    }
    Ok(request)
}

/// One socket option to set: `setsockopt(level, name, value)`.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    pub kind: Kind,
    /// The option's name, from the registry: `"IP_RECVTTL"`.
    pub label: &'static str,
    pub level: c_int,
    pub name: c_int,
    pub value: c_int,
}

/// The kinds to enable on a socket of `family` and `sock_type` (a
/// `SOCK_*` value), as settings, from what was asked. A kind named
/// explicitly that cannot apply is a usage error; under `all` it is left
/// out.
pub fn plan(request: &Request, family: c_int, sock_type: c_int) -> Result<Vec<Setting>, Failure> {
    let mut kinds = request.named.clone();
    if request.all {
        let has_stamp = kinds.contains(&Kind::Timestamp);
        for &k in ALL {
            let skip = kinds.contains(&k)
                || (k == Kind::TimestampNs && has_stamp)
                || wanted(k, family, sock_type).is_none();
            if !skip {
                kinds.push(k);
            }
        }
    }
    kinds
        .iter()
        .map(|&k| {
            let (level, cmsg_type) = wanted(k, family, sock_type).ok_or_else(|| {
                let name = NAMES.iter().find(|(_, n)| *n == k).map_or("?", |(n, _)| n);
                Failure::Usage(format!(
                    "kind {name:?} does not apply to {} sockets",
                    socket_label(family, sock_type)
                ))
            })?;
            setting(k, level, cmsg_type)
        })
        .collect()
}

fn socket_label(family: c_int, sock_type: c_int) -> String {
    let f = match family {
        libc::AF_INET => "AF_INET",
        libc::AF_INET6 => "AF_INET6",
        libc::AF_UNIX => "AF_UNIX",
        _ => "other",
    };
    let t = match sock_type {
        libc::SOCK_DGRAM => "dgram",
        libc::SOCK_STREAM => "stream",
        libc::SOCK_SEQPACKET => "seqpacket",
        _ => "other",
    };
    format!("{f} {t}")
}

/// `SCM_PIDFD` (`<linux/socket.h>`), which `libc` lacks.
const SCM_PIDFD: c_int = 0x04;

/// `SCM_INQ` (= `SO_INQ`, Linux 6.18), which `libc` lacks (the generic
/// value, as the header's `RMSG_SO_INQ`).
const SCM_INQ: c_int = 84;

/// The control message a kind asks for, as `(cmsg_level, cmsg_type)`, on
/// a socket of this family and type; None where it does not apply.
/// `ttl` and `tos` stand for the IPv6 hop limit and traffic class on an
/// IPv6 socket. Credentials and pidfds are asked for on `AF_UNIX` sockets
/// only, `UDP_GRO` on UDP ones only.
fn wanted(kind: Kind, family: c_int, sock_type: c_int) -> Option<(c_int, c_int)> {
    use libc::{IPPROTO_IP as IP, IPPROTO_IPV6 as IP6, SOL_SOCKET as SOCK};
    let inet = family == libc::AF_INET;
    let inet6 = family == libc::AF_INET6;
    let unix = family == libc::AF_UNIX;
    let udp = (inet || inet6) && sock_type == libc::SOCK_DGRAM;
    // Per family: the IPv4 type at IPPROTO_IP, the IPv6 one at IPPROTO_IPV6.
    let ip = |v4, v6| {
        if inet {
            Some((IP, v4))
        } else if inet6 {
            Some((IP6, v6))
        } else {
            None
        }
    };
    match kind {
        Kind::Pktinfo => ip(libc::IP_PKTINFO, libc::IPV6_PKTINFO),
        Kind::Ttl => ip(libc::IP_TTL, libc::IPV6_HOPLIMIT),
        Kind::Tos => ip(libc::IP_TOS, libc::IPV6_TCLASS),
        Kind::OrigDstAddr => ip(libc::IP_ORIGDSTADDR, libc::IPV6_ORIGDSTADDR),
        Kind::RecvErr => ip(libc::IP_RECVERR, libc::IPV6_RECVERR),
        Kind::Gro => udp.then_some((libc::SOL_UDP, libc::UDP_GRO)),
        // The bytes left to read: TCP_INQ on TCP, SO_INQ on AF_UNIX
        // stream and seqpacket sockets.
        Kind::Inq if (inet || inet6) && sock_type == libc::SOCK_STREAM => {
            Some((libc::SOL_TCP, libc::TCP_CM_INQ))
        }
        Kind::Inq => (unix && sock_type != libc::SOCK_DGRAM).then_some((SOCK, SCM_INQ)),
        Kind::Creds => unix.then_some((SOCK, libc::SCM_CREDENTIALS)),
        Kind::Pidfd => unix.then_some((SOCK, SCM_PIDFD)),
        Kind::Timestamp => Some((SOCK, libc::SO_TIMESTAMP)),
        Kind::TimestampNs => Some((SOCK, libc::SO_TIMESTAMPNS)),
        Kind::Timestamping => Some((SOCK, libc::SO_TIMESTAMPING)),
        Kind::RxqOvfl => Some((SOCK, libc::SO_RXQ_OVFL)),
        // SO_RCVMARK makes the kernel send the mark as SO_MARK.
        Kind::Mark => Some((SOCK, libc::SO_MARK)),
    }
}

/// The setting that makes the kernel send `(level, cmsg_type)` for
/// `kind`: the option the registry names for it, set to 1, or for
/// `SO_TIMESTAMPING` to the flags asking for software receive stamps.
fn setting(kind: Kind, level: c_int, cmsg_type: c_int) -> Result<Setting, Failure> {
    let info = api::kind_info(level, cmsg_type)
        .filter(|i| i.option_level != -1)
        .ok_or_else(|| {
            Failure::Runtime(format!(
                "rmsg names no option that enables level {level} type {cmsg_type}"
            ))
        })?;
    let value = match kind {
        // Software receive stamps, reported.
        Kind::Timestamping => {
            (libc::SOF_TIMESTAMPING_RX_SOFTWARE | libc::SOF_TIMESTAMPING_SOFTWARE) as c_int
        }
        _ => 1,
    };
    Ok(Setting {
        kind,
        label: info.option(),
        level: info.option_level,
        name: info.option_name,
        value,
    })
}

/// Sets every option on `fd`. A failure is an error when the kind was
/// named; under `all` it is returned as a note and the rest go on.
pub fn apply(fd: RawFd, settings: &[Setting], request: &Request) -> Result<Vec<String>, String> {
    let mut notes = Vec::new();
    for s in settings {
        if let Err(e) = sock::set_int(fd, s.level, s.name, s.value) {
            let message = format!("cannot enable {}: {e}", s.label);
            if request.named.contains(&s.kind) {
                return Err(message);
            }
            notes.push(message);
        }
    }
    Ok(notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A failure's message.
    fn said(f: Failure) -> String {
        match f {
            Failure::Usage(m) | Failure::Runtime(m) => m,
            Failure::OutputClosed => "output closed".into(),
        }
    }

    fn labels(kinds: &str, family: c_int, sock_type: c_int) -> Result<Vec<&'static str>, String> {
        let request = parse(&[kinds.to_string()])?;
        Ok(plan(&request, family, sock_type)
            .map_err(said)?
            .iter()
            .map(|s| s.label)
            .collect())
    }

    #[test]
    fn names_map_to_the_option_of_the_family() {
        let udp4 = labels("ttl,tos,pktinfo", libc::AF_INET, libc::SOCK_DGRAM);
        assert_eq!(udp4.unwrap(), ["IP_RECVTTL", "IP_RECVTOS", "IP_PKTINFO"]);
        let udp6 = labels("hoplimit,tclass,ttl", libc::AF_INET6, libc::SOCK_DGRAM);
        assert_eq!(udp6.unwrap(), ["IPV6_RECVHOPLIMIT", "IPV6_RECVTCLASS"]);
        let unix = labels("creds,pidfd,timestamp", libc::AF_UNIX, libc::SOCK_STREAM);
        assert_eq!(
            unix.unwrap(),
            ["SO_PASSCRED", "SO_PASSPIDFD", "SO_TIMESTAMP"]
        );
        let stamps = labels("timestamping,mark", libc::AF_INET6, libc::SOCK_STREAM);
        assert_eq!(stamps.unwrap(), ["SO_TIMESTAMPING", "SO_RCVMARK"]);
    }

    #[test]
    fn all_takes_what_applies() {
        let unix = labels("all", libc::AF_UNIX, libc::SOCK_DGRAM).unwrap();
        assert!(unix.contains(&"SO_PASSCRED"));
        assert!(!unix.contains(&"IP_RECVTTL"));
        let tcp = labels("all", libc::AF_INET, libc::SOCK_STREAM).unwrap();
        assert!(!tcp.contains(&"UDP_GRO"));
        let udp = labels("timestamp,all", libc::AF_INET, libc::SOCK_DGRAM).unwrap();
        assert!(udp.contains(&"SO_TIMESTAMP") && !udp.contains(&"SO_TIMESTAMPNS"));
        assert!(udp.contains(&"UDP_GRO") && udp.contains(&"IP_PKTINFO"));
    }

    #[test]
    fn bad_names_are_refused() {
        assert!(
            parse(&["ttl,nope".into()])
                .unwrap_err()
                .contains("\"nope\"")
        );
        assert!(parse(&["".into()]).is_err());
        assert!(labels("creds", libc::AF_INET, libc::SOCK_DGRAM).is_err());
        assert!(labels("gro", libc::AF_INET6, libc::SOCK_STREAM).is_err());
    }

    const FAMILIES: [c_int; 3] = [libc::AF_INET, libc::AF_INET6, libc::AF_UNIX];
    const TYPES: [c_int; 3] = [libc::SOCK_DGRAM, libc::SOCK_STREAM, libc::SOCK_SEQPACKET];

    /// True when a socket of this family and type receives items at the
    /// level a registry row's name starts with.
    fn receives(family: c_int, sock_type: c_int, row: &str) -> bool {
        let inet = family == libc::AF_INET || family == libc::AF_INET6;
        match row.split_once('/').map(|(level, _)| level) {
            Some("SOL_SOCKET") => true,
            Some("IPPROTO_IP") => family == libc::AF_INET,
            Some("IPPROTO_IPV6") => family == libc::AF_INET6,
            Some("SOL_UDP") => inet && sock_type == libc::SOCK_DGRAM,
            Some("SOL_TCP") => inet && sock_type == libc::SOCK_STREAM,
            _ => false,
        }
    }

    /// Every name, on every socket it applies to, asks for a control
    /// message the registry knows and decodes, and sets the option the
    /// registry says enables it.
    #[test]
    fn every_name_sets_the_option_of_its_registry_row() {
        for &(name, kind) in NAMES {
            let mut applies = 0;
            for family in FAMILIES {
                for sock_type in TYPES {
                    let Some((level, cmsg_type)) = wanted(kind, family, sock_type) else {
                        continue;
                    };
                    applies += 1;
                    let info = api::kind_info(level, cmsg_type)
                        .unwrap_or_else(|| panic!("{name}: no row for {level}/{cmsg_type}"));
                    assert_ne!(info.kind, api::rmsg_kind::RMSG_KIND_RAW, "{name}");
                    let row = info.name();
                    assert!(
                        receives(family, sock_type, row),
                        "{name} on family {family}, type {sock_type}: {row}"
                    );
                    let s = setting(kind, level, cmsg_type).map_err(said).unwrap();
                    assert_eq!((s.level, s.name), (info.option_level, info.option_name));
                    assert_eq!(s.label, info.option(), "{name}");
                    assert!(!s.label.is_empty() && s.value != 0, "{name}");
                }
            }
            assert!(applies > 0, "{name} applies to no socket");
        }
    }

    /// The registry's rows that an option enables and whose items have a
    /// decoder, but that no name asks for: each left out for the reason
    /// given. A row added to the registry is offered by a name (in
    /// `wanted`) or added here.
    const NOT_OFFERED: &[&str] = &[
        // The 64-bit time layouts of what timestamp, timestampns and
        // timestamping ask for; shown when the kernel sends them.
        "SOL_SOCKET/SO_TIMESTAMP_NEW",
        "SOL_SOCKET/SO_TIMESTAMPNS_NEW",
        "SOL_SOCKET/SO_TIMESTAMPING_NEW",
        // What SO_RCVMARK's mark would be if sent with its own type: mark
        // asks for SOL_SOCKET/SO_MARK, the type Linux sends.
        "SOL_SOCKET/SO_RCVMARK",
        // Flags of SO_TIMESTAMPING the tool does not set (it asks for
        // software receive stamps).
        "SOL_SOCKET/SCM_TIMESTAMPING_PKTINFO",
        "SOL_SOCKET/SCM_TIMESTAMPING_OPT_STATS",
        // Kernel TLS, which the tool does not set up.
        "SOL_TLS/TLS_GET_RECORD_TYPE",
        // No name yet: shown, decoded, when they arrive.
        "SOL_SOCKET/SCM_SECURITY",
        "IPPROTO_IP/IP_RECVFRAGSIZE",
        "IPPROTO_IP/IP_RETOPTS",
        "IPPROTO_IP/IP_OPTIONS",
        "IPPROTO_IPV6/IPV6_PATHMTU",
        "IPPROTO_IPV6/IPV6_RECVFRAGSIZE",
        // Families listen does not open.
        "SOL_PACKET/PACKET_AUXDATA",
        "SOL_NETLINK/NETLINK_PKTINFO",
        "SOL_NETLINK/NETLINK_LISTEN_ALL_NSID",
    ];

    #[test]
    fn every_enabled_row_is_offered_or_said_not_to_be() {
        let mut offered = Vec::new();
        for &(_, kind) in NAMES {
            for family in FAMILIES {
                for sock_type in TYPES {
                    if let Some(pair) = wanted(kind, family, sock_type) {
                        offered.push(pair);
                    }
                }
            }
        }
        let mut left_out = Vec::new();
        for info in api::kind_infos() {
            let has_option = info.option_level != -1;
            let decoded = info.kind != api::rmsg_kind::RMSG_KIND_RAW;
            let pair = (info.cmsg_level, info.cmsg_type);
            if has_option && decoded && !offered.contains(&pair) {
                left_out.push(info.name());
            }
        }
        left_out.sort_unstable();
        let mut said = NOT_OFFERED.to_vec();
        said.sort_unstable();
        assert_eq!(left_out, said);
    }
}
