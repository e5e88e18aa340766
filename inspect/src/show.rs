//! A received message as text and as JSON: its address, length, flags,
//! and every control item decoded by the library's typed accessors.

use std::ffi::c_int;
use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use rmsg::ffi;
use serde_json::{Value, json};

use crate::api::{self, Address, Message, rmsg_item, rmsg_kind};
use crate::sock;

/// Bytes as text: printable ASCII as is, `\"` and `\\` escaped, anything
/// else as `\n`, `\t`, `\r` or `\xNN`.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'\r' => out.push_str("\\r"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// An address as the library formats it, escaped where it is not text.
pub fn address_text(address: &api::rmsg_address) -> String {
    escape(&api::format(address))
}

/// The `msg_flags` bits a receive can report, by name.
const FLAGS: &[(c_int, &str)] = &[
    (libc::MSG_OOB, "MSG_OOB"),
    (libc::MSG_PEEK, "MSG_PEEK"),
    (libc::MSG_DONTROUTE, "MSG_DONTROUTE"),
    (libc::MSG_CTRUNC, "MSG_CTRUNC"),
    (libc::MSG_TRUNC, "MSG_TRUNC"),
    (libc::MSG_DONTWAIT, "MSG_DONTWAIT"),
    (libc::MSG_EOR, "MSG_EOR"),
    (libc::MSG_WAITALL, "MSG_WAITALL"),
    (libc::MSG_CONFIRM, "MSG_CONFIRM"),
    (libc::MSG_ERRQUEUE, "MSG_ERRQUEUE"),
    (libc::MSG_NOSIGNAL, "MSG_NOSIGNAL"),
    (libc::MSG_MORE, "MSG_MORE"),
    (libc::MSG_CMSG_CLOEXEC, "MSG_CMSG_CLOEXEC"),
];

/// The names of the bits set in `flags`; a bit without a name shows as
/// its hexadecimal value.
pub fn flag_names(flags: c_int) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = flags;
    for &(bit, name) in FLAGS {
        if flags & bit != 0 {
            names.push(name.to_string());
            rest &= !bit;
        }
    }
    if rest != 0 {
        names.push(format!("{rest:#x}"));
    }
    names
}

/// One control item, decoded for both outputs.
struct Shown {
    /// One line of text for the item (after its name).
    text: String,
    /// Further lines (one per descriptor).
    details: Vec<String>,
    /// The decoded value for JSON.
    value: Value,
}

impl Shown {
    fn new(text: impl Into<String>, value: Value) -> Shown {
        Shown {
            text: text.into(),
            details: Vec::new(),
            value,
        }
    }
}

fn ecn_name(ecn: u8) -> &'static str {
    match ecn {
        0 => "Not-ECT",
        1 => "ECT(1)",
        2 => "ECT(0)",
        _ => "CE",
    }
}

fn traffic_class(tc: &ffi::rmsg_traffic_class) -> Shown {
    Shown::new(
        format!(
            "{:#04x} (DSCP {}, ECN {})",
            tc.value,
            tc.dscp,
            ecn_name(tc.ecn)
        ),
        json!({"value": tc.value, "dscp": tc.dscp, "ecn": tc.ecn, "ecn_name": ecn_name(tc.ecn)}),
    )
}

fn interface(ifindex: i64) -> (String, Value) {
    let name = u32::try_from(ifindex).ok().and_then(sock::interface_name);
    let text = match &name {
        Some(n) => format!("ifindex {ifindex} ({n})"),
        None => format!("ifindex {ifindex}"),
    };
    (text, json!(name))
}

/// Days since 1970-01-01 to a (year, month, day) of the proleptic
/// Gregorian calendar, counted in 400-year eras of 146097 days.
fn civil_date(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468; // days since 0000-03-01
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A timestamp as `SEC.NSEC`, with the UTC date and time when it looks like
/// one (a stamp of the system clock rather than of a device's).
fn stamp_text(ts: &ffi::rmsg_timestamp) -> String {
    let mut s = format!("{}.{:09}", ts.sec, ts.nsec);
    if ts.sec > 0 {
        let (days, secs) = (ts.sec.div_euclid(86_400), ts.sec.rem_euclid(86_400));
        let (y, m, d) = civil_date(days);
        let _ = write!(
            s,
            " ({y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{:09} UTC)",
            secs / 3600,
            secs / 60 % 60,
            secs % 60,
            ts.nsec
        );
    }
    s
}

fn stamp_value(ts: &ffi::rmsg_timestamp) -> Value {
    json!({"sec": ts.sec, "nsec": ts.nsec})
}

fn inet6_text(address: &ffi::rmsg_inet6_address) -> String {
    Ipv6Addr::from(address.addr).to_string()
}

fn origin_name(origin: u8) -> &'static str {
    match origin {
        0 => "none",
        1 => "local",
        2 => "icmp",
        3 => "icmp6",
        4 => "txstatus/timestamping",
        5 => "zerocopy",
        6 => "txtime",
        _ => "unknown",
    }
}

fn extended_error(e: &ffi::rmsg_extended_error) -> Shown {
    let errno = c_int::try_from(e.ee_errno).unwrap_or(c_int::MAX);
    let error = std::io::Error::from_raw_os_error(errno).to_string();
    let offender = match e.offender_family {
        libc::AF_INET => Some(Ipv4Addr::from(e.offender.addr).to_string()),
        libc::AF_INET6 => Some(inet6_text(&e.offender6)),
        _ => None,
    };
    let mut text = format!(
        "errno {} ({error}), origin {}, type {}, code {}, info {}, data {}",
        e.ee_errno,
        origin_name(e.ee_origin),
        e.ee_type,
        e.ee_code,
        e.ee_info,
        e.ee_data
    );
    if let Some(o) = &offender {
        let _ = write!(text, ", offender {o}");
    }
    Shown::new(
        text,
        json!({
            "errno": e.ee_errno, "error": error,
            "origin": e.ee_origin, "origin_name": origin_name(e.ee_origin),
            "type": e.ee_type, "code": e.ee_code, "info": e.ee_info, "data": e.ee_data,
            "offender": offender,
        }),
    )
}

fn fds_shown(fds: &[c_int]) -> Shown {
    let infos: Vec<sock::FdInfo> = fds.iter().map(|&fd| sock::describe_fd(fd)).collect();
    let mut shown = Shown::new(
        match fds.len() {
            1 => "1 descriptor".to_string(),
            n => format!("{n} descriptors"),
        },
        Value::Array(
            infos
                .iter()
                .map(|i| json!({"fd": i.fd, "type": i.kind, "target": i.target}))
                .collect(),
        ),
    );
    shown.details = infos
        .iter()
        .map(|i| match &i.target {
            Some(t) => format!("fd {}: {}, {}", i.fd, i.kind, escape(t.as_bytes())),
            None => format!("fd {}: {}", i.fd, i.kind),
        })
        .collect();
    shown
}

/// A socket address decoded from an item, printed by the library.
fn socket_address(built: api::Result<Address>) -> Shown {
    match built {
        Ok(a) => {
            let text = address_text(&a);
            Shown::new(text.clone(), json!(text))
        }
        Err(e) => Shown::new(format!("(cannot format: {e})"), Value::Null),
    }
}

fn payload_shown(label: &str, bytes: &[u8]) -> Shown {
    Shown::new(
        format!("{} bytes of {label}: {}", bytes.len(), hex(bytes)),
        json!({"hex": hex(bytes)}),
    )
}

/// Decodes one item with the accessor its kind names.
fn decode(item: &rmsg_item) -> api::Result<Shown> {
    use api::decode as d;
    use rmsg_kind::*;
    let shown = match api::item_kind(item) {
        RMSG_KIND_RAW => {
            let data = api::item_data(item);
            Shown::new(
                format!(
                    "level {} type {}, {} bytes: {}",
                    api::item_level(item),
                    api::item_type(item),
                    data.len(),
                    hex(data)
                ),
                json!({"hex": hex(data)}),
            )
        }
        RMSG_KIND_RIGHTS => fds_shown(&api::item_fds(item)),
        RMSG_KIND_CREDENTIALS => {
            let c = d(item, ffi::rmsg_item_credentials)?;
            Shown::new(
                format!("pid {}, uid {}, gid {}", c.pid, c.uid, c.gid),
                json!({"pid": c.pid, "uid": c.uid, "gid": c.gid}),
            )
        }
        RMSG_KIND_PIDFD => {
            let fd = d(item, ffi::rmsg_item_pidfd)?;
            // A negative value is the kernel's error in place of a pidfd.
            let pid = if fd >= 0 { sock::pidfd_pid(fd) } else { None };
            let text = match pid {
                None if fd < 0 => format!("no pidfd (error {})", -fd),
                // The kernel's answer once the process has exited.
                Some(-1) => format!("fd {fd} (the process has exited)"),
                Some(p) => format!("fd {fd} (pid {p})"),
                None => format!("fd {fd}"),
            };
            Shown::new(text, json!({"fd": fd, "pid": pid}))
        }
        RMSG_KIND_SECURITY => {
            let label = api::payload(item, ffi::rmsg_item_security)?;
            let label = label.strip_suffix(&[0]).unwrap_or(label);
            let text = escape(label);
            Shown::new(text.clone(), json!({"label": text}))
        }
        RMSG_KIND_TIMESTAMP => {
            let ts = d(item, ffi::rmsg_item_timestamp)?;
            Shown::new(stamp_text(&ts), stamp_value(&ts))
        }
        RMSG_KIND_TIMESTAMPING => {
            let t = d(item, ffi::rmsg_item_timestamping)?;
            let parts: Vec<String> = [("software", &t.software), ("legacy", &t.legacy)]
                .into_iter()
                .chain([("hardware", &t.hardware)])
                .filter(|(_, ts)| ts.sec != 0 || ts.nsec != 0)
                .map(|(n, ts)| format!("{n} {}", stamp_text(ts)))
                .collect();
            let text = if parts.is_empty() {
                "no stamps".to_string()
            } else {
                parts.join(", ")
            };
            Shown::new(
                text,
                json!({
                    "software": stamp_value(&t.software),
                    "legacy": stamp_value(&t.legacy),
                    "hardware": stamp_value(&t.hardware),
                }),
            )
        }
        RMSG_KIND_RXQ_OVFL => {
            let n = d(item, ffi::rmsg_item_rxq_ovfl)?;
            Shown::new(format!("{n} dropped"), json!(n))
        }
        RMSG_KIND_MARK => {
            let m = d(item, ffi::rmsg_item_mark)?;
            Shown::new(format!("{m:#x}"), json!(m))
        }
        RMSG_KIND_TS_PKTINFO => {
            let p = d(item, ffi::rmsg_item_ts_pktinfo)?;
            let (text, name) = interface(i64::from(p.ifindex));
            Shown::new(
                format!("{text}, packet length {}", p.pkt_length),
                json!({"ifindex": p.ifindex, "interface": name, "pkt_length": p.pkt_length}),
            )
        }
        RMSG_KIND_TS_OPT_STATS => payload_shown(
            "netlink attributes",
            api::payload(item, ffi::rmsg_item_ts_opt_stats)?,
        ),
        RMSG_KIND_IP_PKTINFO => {
            let p = d(item, ffi::rmsg_item_ip_pktinfo)?;
            let (text, name) = interface(i64::from(p.ifindex));
            let spec_dst = Ipv4Addr::from(p.spec_dst.addr).to_string();
            let addr = Ipv4Addr::from(p.addr.addr).to_string();
            Shown::new(
                format!("{text}, spec_dst {spec_dst}, addr {addr}"),
                json!({"ifindex": p.ifindex, "interface": name, "spec_dst": spec_dst, "addr": addr}),
            )
        }
        RMSG_KIND_IP_TTL => {
            let ttl = d(item, ffi::rmsg_item_ip_ttl)?;
            Shown::new(ttl.to_string(), json!(ttl))
        }
        RMSG_KIND_IP_TOS => traffic_class(&d(item, ffi::rmsg_item_ip_tos)?),
        RMSG_KIND_RECVERR => extended_error(&d(item, ffi::rmsg_item_recverr)?),
        RMSG_KIND_IP_ORIGDSTADDR => {
            socket_address(Address::from_inet(&d(item, ffi::rmsg_item_ip_origdstaddr)?))
        }
        RMSG_KIND_FRAGSIZE => {
            let n = d(item, ffi::rmsg_item_fragsize)?;
            Shown::new(format!("{n} bytes"), json!(n))
        }
        RMSG_KIND_IP_OPTIONS => {
            payload_shown("IP options", api::payload(item, ffi::rmsg_item_ip_options)?)
        }
        RMSG_KIND_IPV6_PKTINFO => {
            let p = d(item, ffi::rmsg_item_ipv6_pktinfo)?;
            let (text, name) = interface(i64::from(p.ifindex));
            let addr = inet6_text(&p.addr);
            Shown::new(
                format!("{text}, addr {addr}"),
                json!({"ifindex": p.ifindex, "interface": name, "addr": addr}),
            )
        }
        RMSG_KIND_IPV6_HOPLIMIT => {
            let h = d(item, ffi::rmsg_item_ipv6_hoplimit)?;
            Shown::new(h.to_string(), json!(h))
        }
        RMSG_KIND_IPV6_TCLASS => traffic_class(&d(item, ffi::rmsg_item_ipv6_tclass)?),
        RMSG_KIND_IPV6_ORIGDSTADDR => socket_address(Address::from_inet6(&d(
            item,
            ffi::rmsg_item_ipv6_origdstaddr,
        )?)),
        RMSG_KIND_IPV6_PATHMTU => {
            let m = d(item, ffi::rmsg_item_ipv6_pathmtu)?;
            let addr = inet6_text(&m.addr);
            Shown::new(
                format!("{addr}, MTU {}", m.mtu),
                json!({"addr": addr, "mtu": m.mtu}),
            )
        }
        RMSG_KIND_UDP_GRO => {
            let n = d(item, ffi::rmsg_item_udp_gro)?;
            Shown::new(format!("segment size {n}"), json!(n))
        }
        RMSG_KIND_TLS_RECORD_TYPE => {
            let t = d(item, ffi::rmsg_item_tls_record_type)?;
            let name = match t {
                20 => "change_cipher_spec",
                21 => "alert",
                22 => "handshake",
                23 => "application_data",
                _ => "unknown",
            };
            Shown::new(format!("{t} ({name})"), json!({"type": t, "name": name}))
        }
        RMSG_KIND_INQ => {
            let n = d(item, ffi::rmsg_item_inq)?;
            Shown::new(format!("{n} bytes left"), json!(n))
        }
        RMSG_KIND_PACKET_AUXDATA => {
            let a = d(item, ffi::rmsg_item_packet_auxdata)?;
            let mut text = format!(
                "status {:#x}, len {}, snaplen {}, mac {}, net {}",
                a.status, a.len, a.snaplen, a.mac, a.net
            );
            // TP_STATUS_VLAN_VALID
            if a.status & (1 << 4) != 0 {
                text += &format!(", vlan tci {:#x} tpid {:#x}", a.vlan_tci, a.vlan_tpid);
            }
            Shown::new(
                text,
                json!({"status": a.status, "len": a.len, "snaplen": a.snaplen, "mac": a.mac,
                       "net": a.net, "vlan_tci": a.vlan_tci, "vlan_tpid": a.vlan_tpid}),
            )
        }
        RMSG_KIND_NETLINK_PKTINFO => {
            let g = d(item, ffi::rmsg_item_netlink_pktinfo)?;
            Shown::new(format!("group {g}"), json!({"group": g}))
        }
        RMSG_KIND_NETLINK_NSID => {
            let n = d(item, ffi::rmsg_item_netlink_nsid)?;
            Shown::new(format!("nsid {n}"), json!({"nsid": n}))
        }
    };
    Ok(shown)
}

/// An item that its accessor refused (too short): its bytes and the reason.
fn undecodable(item: &rmsg_item, error: api::Error) -> Shown {
    let data = api::item_data(item);
    Shown {
        text: format!(
            "cannot decode ({error}): {} bytes: {}",
            data.len(),
            hex(data)
        ),
        details: Vec::new(),
        value: json!({"error": error.to_string(), "hex": hex(data)}),
    }
}

/// How to print messages.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// The source address of a message: its text, "" for an unnamed
/// `AF_UNIX` sender, None when the kernel returned none.
fn source(message: &Message) -> Option<String> {
    message.address().map(address_text)
}

/// The text lines for one message, `number` counting from 1.
fn text_lines(message: &Message, number: u64) -> Vec<String> {
    let from = match source(message) {
        Some(a) if a.is_empty() => " from an unnamed socket".to_string(),
        Some(a) => format!(" from {a}"),
        None => String::new(),
    };
    let data = message.data();
    let length = if message.nbytes() > data.len() {
        format!("{} bytes ({} received)", message.nbytes(), data.len())
    } else {
        format!("{} bytes", data.len())
    };
    let flags = flag_names(message.flags());
    let flags = if flags.is_empty() {
        "none".to_string()
    } else {
        flags.join("|")
    };
    let mut lines = vec![format!("message {number}{from}: {length}, flags {flags}")];
    if !data.is_empty() {
        const PREVIEW: usize = 64;
        let more = if data.len() > PREVIEW { "..." } else { "" };
        lines.push(format!(
            "  data \"{}\"{more}",
            escape(&data[..data.len().min(PREVIEW)])
        ));
    }
    for item in message.items() {
        let shown = decode(item).unwrap_or_else(|e| undecodable(item, e));
        let cut = if api::item_truncated(item) {
            " (truncated)"
        } else {
            ""
        };
        lines.push(format!("  {}{cut}: {}", api::item_name(item), shown.text));
        lines.extend(shown.details.iter().map(|d| format!("    {d}")));
    }
    if message.malformed() {
        lines.push("  (the control data ended in a malformed header)".to_string());
    }
    lines
}

/// The JSON object for one message.
fn json_value(message: &Message) -> Value {
    let items: Vec<Value> = message
        .items()
        .map(|item| {
            let shown = decode(item).unwrap_or_else(|e| undecodable(item, e));
            json!({
                "name": api::item_name(item),
                "level": api::item_level(item),
                "type": api::item_type(item),
                "truncated": api::item_truncated(item),
                "value": shown.value,
            })
        })
        .collect();
    json!({
        "address": source(message),
        "data_len": message.data().len(),
        "nbytes": message.nbytes(),
        "data": escape(message.data()),
        "flags": flag_names(message.flags()),
        "flags_value": message.flags(),
        "malformed": message.malformed(),
        "items": items,
    })
}

/// What an error-queue message means (`rmsg_message_errqueue`), as one
/// line of text and a JSON object: the kind and, for each kind, what it
/// says, every enum by the library's name.
fn errqueue(e: &api::rmsg_errqueue_info) -> (String, Value) {
    use api::rmsg_errqueue_kind::*;
    let kind = api::errqueue_kind_name(e.kind as u32);
    let errno = c_int::try_from(e.ee_errno).unwrap_or(c_int::MAX);
    let error = std::io::Error::from_raw_os_error(errno).to_string();
    let offender = match e.offender_family {
        libc::AF_INET => Some(Ipv4Addr::from(e.offender.addr).to_string()),
        libc::AF_INET6 => Some(inet6_text(&e.offender6)),
        _ => None,
    };
    let mut value = json!({"kind": kind, "errno": e.ee_errno, "offender": offender});
    let mut text = format!("errqueue: {kind}");
    match e.kind {
        RMSG_ERRQUEUE_TIMESTAMP => {
            let t = api::tstamp_type_name(e.tstamp_type as u32);
            let _ = write!(text, " {t}, key {}", e.tstamp_key);
            value["tstamp_type"] = json!(t);
            value["tstamp_key"] = json!(e.tstamp_key);
            if e.has_timestamping {
                let _ = write!(text, ", software {}", stamp_text(&e.timestamping.software));
                value["software"] = stamp_value(&e.timestamping.software);
                value["hardware"] = stamp_value(&e.timestamping.hardware);
            }
        }
        RMSG_ERRQUEUE_ZEROCOPY => {
            let _ = write!(text, " sends {}..={}", e.zerocopy_first, e.zerocopy_last);
            if e.zerocopy_copied {
                text.push_str(", copied");
            }
            value["first"] = json!(e.zerocopy_first);
            value["last"] = json!(e.zerocopy_last);
            value["copied"] = json!(e.zerocopy_copied);
        }
        RMSG_ERRQUEUE_TXTIME => {
            let why = api::txtime_error_name(e.txtime_error as u32);
            let _ = write!(text, " {why}, txtime {}", e.txtime);
            value["txtime_error"] = json!(why);
            value["txtime"] = json!(e.txtime);
        }
        RMSG_ERRQUEUE_ICMP | RMSG_ERRQUEUE_ICMP6 => {
            let why = api::icmp_reason_name(e.icmp_reason as u32);
            let _ = write!(
                text,
                " {why} (type {}, code {}), errno {} ({error})",
                e.ee_type, e.ee_code, e.ee_errno
            );
            value["icmp_reason"] = json!(why);
            value["type"] = json!(e.ee_type);
            value["code"] = json!(e.ee_code);
            value["rfc4884_len"] = json!(e.rfc4884_len);
        }
        _ => {
            let _ = write!(text, ", errno {} ({error})", e.ee_errno);
        }
    }
    if e.mtu != 0 {
        let _ = write!(text, ", mtu {}", e.mtu);
        value["mtu"] = json!(e.mtu);
    }
    if e.ifindex != 0 {
        let _ = write!(text, ", interface {}", e.ifindex);
        value["ifindex"] = json!(e.ifindex);
    }
    if let Some(o) = &offender {
        let _ = write!(text, ", offender {o}");
    }
    (text, value)
}

/// The output for one message: lines of text, or one line of JSON. With
/// `errqueue`, a message from the error queue also says what it means
/// (a line `  errqueue: ...`, or the object's `"errqueue"`).
pub fn message(message: &Message, number: u64, format: Format, errqueue: bool) -> Vec<String> {
    let summary = if errqueue {
        message.errqueue().map(|e| self::errqueue(&e))
    } else {
        None
    };
    match format {
        Format::Text => {
            let mut lines = text_lines(message, number);
            if let Some((text, _)) = summary {
                lines.push(format!("  {text}"));
            }
            lines
        }
        Format::Json => {
            let mut v = json_value(message);
            if let Some((_, value)) = summary {
                v["errqueue"] = value;
            }
            vec![v.to_string()]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::size_of;

    #[test]
    fn dates_of_known_days() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(59), (1970, 3, 1));
        assert_eq!(civil_date(11_016), (2000, 2, 29));
        assert_eq!(civil_date(19_358), (2023, 1, 1));
        assert_eq!(civil_date(-1), (1969, 12, 31));
    }

    #[test]
    fn escapes_what_is_not_printable() {
        assert_eq!(escape(b"a\"b\\c\n\0\xff"), "a\\\"b\\\\c\\n\\x00\\xff");
    }

    /// A control buffer of `(level, type, data)` items laid out as the
    /// kernel lays them out (`CMSG_SPACE` apart), in 8-byte words, and its
    /// length.
    fn control(items: &[(c_int, c_int, &[u8])]) -> (Vec<u64>, usize) {
        let mut bytes = Vec::new();
        for &(level, cmsg_type, data) in items {
            let len = size_of::<libc::cmsghdr>() + data.len();
            bytes.extend_from_slice(&len.to_ne_bytes());
            bytes.extend_from_slice(&level.to_ne_bytes());
            bytes.extend_from_slice(&cmsg_type.to_ne_bytes());
            bytes.extend_from_slice(data);
            bytes.resize(bytes.len().next_multiple_of(8), 0);
        }
        let words = bytes
            .chunks(8)
            .map(|c| u64::from_ne_bytes(c.try_into().expect("whole words")))
            .collect();
        (words, bytes.len())
    }

    /// The text lines for a message of `data` with these items.
    fn shown(data: &[u8], items: &[(c_int, c_int, &[u8])]) -> Vec<String> {
        let (words, len) = control(items);
        let mut made = api::Made::new(data, &words, len, 0).expect("a message");
        text_lines(&made.message(), 1)
    }

    /// Items the kernel would not send: a kind repeated, items too short
    /// for their accessor. Each shows its own value, or why it has none
    /// and its bytes.
    #[test]
    fn repeated_and_short_items_show_their_own_values() {
        let ip = libc::IPPROTO_IP;
        let int = |v: i32| v.to_ne_bytes();
        let lines = shown(
            b"m",
            &[
                (ip, libc::IP_TTL, &[1, 2]),
                (ip, libc::IP_TTL, &int(7)),
                (ip, libc::IP_TTL, &int(9)),
                (ip, libc::IP_TOS, &[]),
            ],
        );
        assert_eq!(
            lines[..2],
            ["message 1: 1 bytes, flags none", "  data \"m\""]
        );
        let short = "  IPPROTO_IP/IP_TTL: cannot decode (";
        assert!(lines[2].starts_with(short), "{lines:?}");
        assert!(lines[2].ends_with("): 2 bytes: 0102"), "{lines:?}");
        assert_eq!(
            lines[3..5],
            ["  IPPROTO_IP/IP_TTL: 7", "  IPPROTO_IP/IP_TTL: 9"]
        );
        let empty = "  IPPROTO_IP/IP_TOS: cannot decode (";
        assert!(lines[5].starts_with(empty), "{lines:?}");
        assert!(lines[5].ends_with("): 0 bytes: "), "{lines:?}");
        assert_eq!(lines.len(), 6, "{lines:?}");
    }

    #[test]
    fn names_flags_and_keeps_unknown_bits() {
        assert!(flag_names(0).is_empty());
        assert_eq!(
            flag_names(libc::MSG_TRUNC | libc::MSG_CTRUNC),
            ["MSG_CTRUNC", "MSG_TRUNC"]
        );
        assert_eq!(flag_names(1 << 28), ["0x10000000"]);
    }
}
