//! `rmsg-inspect send`: send data with control messages built by rmsg.

use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::ffi::OsStrExt;

use crate::api::{self, Builder};
use crate::show;
use crate::sock;
use crate::{Failure, SendArgs, SocketType, parse_address};

fn usage(text: &str) -> Failure {
    Failure::Usage(text.to_string())
}

fn build_failed(what: &str) -> impl Fn(api::Error) -> Failure + '_ {
    move |e| Failure::Runtime(format!("cannot add {what}: {e}"))
}

pub fn run(args: &SendArgs) -> Result<(), Failure> {
    let address = parse_address(&args.address)?;
    let family = api::family(&address);
    let data = args.data.as_bytes();
    let inet = matches!(family, libc::AF_INET | libc::AF_INET6);
    let ip_datagram = inet && args.sock_type.value == SocketType::Dgram;
    if (args.ttl.is_some() || args.tos.is_some()) && !ip_datagram {
        return Err(usage(
            "--ttl and --tos apply to IPv4 and IPv6 datagram sockets",
        ));
    }
    if (!args.fds.is_empty() || args.creds) && family != libc::AF_UNIX {
        return Err(usage("--fd and --creds apply to AF_UNIX sockets"));
    }
    if args.sock_type.value == SocketType::Stream
        && data.is_empty()
        && (!args.fds.is_empty() || args.creds)
    {
        return Err(usage(
            "on a stream socket, control messages travel with data: DATA must not be empty",
        ));
    }

    // The files stay open until every message is sent; the builder only
    // copies their numbers, and they are closed when dropped.
    let files = args
        .fds
        .iter()
        .map(|p| {
            File::open(p).map_err(|e| Failure::Runtime(format!("cannot open {}: {e}", p.display())))
        })
        .collect::<Result<Vec<File>, Failure>>()?;
    let fds: Vec<RawFd> = files.iter().map(|f| f.as_raw_fd()).collect();

    let mut control = Builder::new().map_err(build_failed("a builder"))?;
    let mut added = Vec::new();
    if !fds.is_empty() {
        control.add_fds(&fds).map_err(build_failed("descriptors"))?;
        added.push(match fds.len() {
            1 => "SCM_RIGHTS 1 descriptor".to_string(),
            n => format!("SCM_RIGHTS {n} descriptors"),
        });
    }
    if args.creds {
        // SAFETY: these calls only read the process's ids.
        let (pid, uid, gid) = unsafe { (libc::getpid(), libc::getuid(), libc::getgid()) };
        control
            .add_credentials(pid, uid, gid)
            .map_err(build_failed("credentials"))?;
        added.push(format!("SCM_CREDENTIALS pid {pid} uid {uid} gid {gid}"));
    }
    let v6 = family == libc::AF_INET6;
    if let Some(ttl) = args.ttl {
        let ttl = libc::c_int::from(ttl);
        if v6 {
            control
                .add_ipv6_hoplimit(ttl)
                .map_err(build_failed("IPV6_HOPLIMIT"))?;
            added.push(format!("IPV6_HOPLIMIT {ttl}"));
        } else {
            control.add_ip_ttl(ttl).map_err(build_failed("IP_TTL"))?;
            added.push(format!("IP_TTL {ttl}"));
        }
    }
    if let Some(tos) = args.tos {
        let tos = libc::c_int::from(tos);
        if v6 {
            control
                .add_ipv6_tclass(tos)
                .map_err(build_failed("IPV6_TCLASS"))?;
            added.push(format!("IPV6_TCLASS {tos:#04x}"));
        } else {
            control.add_ip_tos(tos).map_err(build_failed("IP_TOS"))?;
            added.push(format!("IP_TOS {tos:#04x}"));
        }
    }

    let fd = sock::socket(family, args.sock_type.value.raw())
        .map_err(|e| Failure::Runtime(format!("cannot create the socket: {e}")))?;
    let target = show::address_text(&address);
    let to = if args.sock_type.value == SocketType::Dgram {
        Some(&*address)
    } else {
        sock::connect(&fd, &address)
            .map_err(|e| Failure::Runtime(format!("cannot connect to {target}: {e}")))?;
        None
    };
    let with = if added.is_empty() {
        String::new()
    } else {
        format!(" with {}", added.join(", "))
    };
    let mut out = std::io::stdout().lock();
    for _ in 0..args.count {
        let sent = api::send(fd.as_raw_fd(), data, &control, to)
            .map_err(|e| Failure::Runtime(format!("cannot send to {target}: {e}")))?;
        writeln!(out, "sent {sent} bytes to {target}{with}")?;
    }
    out.flush()?;
    Ok(())
}
