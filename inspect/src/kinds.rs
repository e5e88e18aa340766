//! The receive options `listen --enable KINDS` turns on: the names, which
//! socket option each one sets for the socket's family, and setting them.

use std::ffi::c_int;
use std::os::fd::RawFd;

use crate::sock;

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
    pub label: &'static str,
    pub level: c_int,
    pub name: c_int,
    pub value: c_int,
}

/// The kinds to enable on a socket of `family` and `sock_type` (a
/// `SOCK_*` value), as settings, from what was asked. A kind named
/// explicitly that cannot apply is an error; under `all` it is left out.
pub fn plan(request: &Request, family: c_int, sock_type: c_int) -> Result<Vec<Setting>, String> {
    let mut kinds = request.named.clone();
    if request.all {
        let has_stamp = kinds.contains(&Kind::Timestamp);
        for &k in ALL {
            let skip = kinds.contains(&k)
                || (k == Kind::TimestampNs && has_stamp)
                || setting(k, family, sock_type).is_none();
            if !skip {
                kinds.push(k);
            }
        }
    }
    kinds
        .iter()
        .map(|&k| {
            setting(k, family, sock_type).ok_or_else(|| {
                let name = NAMES.iter().find(|(_, n)| *n == k).map_or("?", |(n, _)| n);
                format!(
                    "kind {name:?} does not apply to {} sockets",
                    socket_label(family, sock_type)
                )
            })
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

/// The socket option that enables `kind` on a socket of this family and
/// type, or None where it does not apply.
fn setting(kind: Kind, family: c_int, sock_type: c_int) -> Option<Setting> {
    let inet = family == libc::AF_INET;
    let inet6 = family == libc::AF_INET6;
    let unix = family == libc::AF_UNIX;
    let udp = (inet || inet6) && sock_type == libc::SOCK_DGRAM;
    let on = |label, level, name| {
        Some(Setting {
            kind,
            label,
            level,
            name,
            value: 1,
        })
    };
    use libc::{IPPROTO_IP as IP, IPPROTO_IPV6 as IP6, SOL_SOCKET as SOCK};
    match kind {
        Kind::Pktinfo if inet => on("IP_PKTINFO", IP, libc::IP_PKTINFO),
        Kind::Pktinfo if inet6 => on("IPV6_RECVPKTINFO", IP6, libc::IPV6_RECVPKTINFO),
        Kind::Ttl if inet => on("IP_RECVTTL", IP, libc::IP_RECVTTL),
        Kind::Ttl if inet6 => on("IPV6_RECVHOPLIMIT", IP6, libc::IPV6_RECVHOPLIMIT),
        Kind::Tos if inet => on("IP_RECVTOS", IP, libc::IP_RECVTOS),
        Kind::Tos if inet6 => on("IPV6_RECVTCLASS", IP6, libc::IPV6_RECVTCLASS),
        Kind::OrigDstAddr if inet => on("IP_RECVORIGDSTADDR", IP, libc::IP_RECVORIGDSTADDR),
        Kind::OrigDstAddr if inet6 => on("IPV6_RECVORIGDSTADDR", IP6, libc::IPV6_RECVORIGDSTADDR),
        Kind::RecvErr if inet => on("IP_RECVERR", IP, libc::IP_RECVERR),
        Kind::RecvErr if inet6 => on("IPV6_RECVERR", IP6, libc::IPV6_RECVERR),
        Kind::Gro if udp => on("UDP_GRO", libc::SOL_UDP, libc::UDP_GRO),
        Kind::Creds if unix => on("SO_PASSCRED", SOCK, libc::SO_PASSCRED),
        Kind::Pidfd if unix => on("SO_PASSPIDFD", SOCK, libc::SO_PASSPIDFD),
        Kind::Timestamp => on("SO_TIMESTAMP", SOCK, libc::SO_TIMESTAMP),
        Kind::TimestampNs => on("SO_TIMESTAMPNS", SOCK, libc::SO_TIMESTAMPNS),
        Kind::Timestamping => Some(Setting {
            kind,
            label: "SO_TIMESTAMPING",
            level: SOCK,
            name: libc::SO_TIMESTAMPING,
            // Software receive stamps, reported.
            value: (libc::SOF_TIMESTAMPING_RX_SOFTWARE | libc::SOF_TIMESTAMPING_SOFTWARE) as c_int,
        }),
        Kind::RxqOvfl => on("SO_RXQ_OVFL", SOCK, libc::SO_RXQ_OVFL),
        Kind::Mark => on("SO_RCVMARK", SOCK, libc::SO_RCVMARK),
        _ => None,
    }
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

    fn labels(kinds: &str, family: c_int, sock_type: c_int) -> Result<Vec<&'static str>, String> {
        let request = parse(&[kinds.to_string()])?;
        Ok(plan(&request, family, sock_type)?
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
}
