//! `rmsg-inspect listen`: bind, enable receive options, print each message.

use std::ffi::c_int;
use std::io::Write;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::api::{self, Wait};
use crate::kinds::{self, Request, Setting};
use crate::show::{self, Format};
use crate::sock::{self, Side};
use crate::{Failure, ListenArgs, SocketType, parse_address};

/// Data bytes asked for per receive: the largest UDP datagram, or a
/// coalesced GRO one, fits.
const BUFSIZE: usize = 65_536;

/// Descriptors an `AF_UNIX` receive has room for: Linux's limit per message.
const MAX_FDS: usize = 253;

fn runtime(what: &str) -> impl Fn(std::io::Error) -> Failure + '_ {
    move |e| Failure::Runtime(format!("{what}: {e}"))
}

/// Removes the socket file the listener created, when it stops.
struct Unlink(Option<std::path::PathBuf>);

impl Drop for Unlink {
    fn drop(&mut self) {
        if let Some(p) = &self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// A receiving socket and what a receive on it needs: the memory its
/// messages are received into (allocated once) and the flags.
struct Receiver {
    fd: OwnedFd,
    rx: api::Receiver,
    flags: c_int,
}

impl Receiver {
    /// Enables the options on `fd` and sizes its control buffer for them.
    fn new(
        fd: OwnedFd,
        family: c_int,
        sock_type: SocketType,
        settings: &[Setting],
        request: &Request,
        notes: bool,
    ) -> Result<Receiver, Failure> {
        let warnings = kinds::apply(fd.as_raw_fd(), settings, request).map_err(Failure::Runtime)?;
        if notes {
            for w in warnings {
                eprintln!("rmsg-inspect: note: {w}");
            }
        }
        let max_fds = if family == libc::AF_UNIX { MAX_FDS } else { 0 };
        let ancbufsize = api::control_space_for_socket(fd.as_raw_fd(), max_fds)
            .map_err(|e| Failure::Runtime(format!("cannot size the control buffer: {e}")))?;
        let rx = api::Receiver::new(BUFSIZE, ancbufsize)
            .map_err(|e| Failure::Runtime(format!("cannot make a receiver: {e}")))?;
        // MSG_TRUNC makes a datagram's full length known even when it is
        // longer than the buffer; on a stream it would discard data.
        let flags = match sock_type {
            SocketType::Stream => 0,
            SocketType::Dgram | SocketType::Seqpacket => libc::MSG_TRUNC,
        };
        Ok(Receiver { fd, rx, flags })
    }

    fn raw(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// The deadline of the next wait: the timeout counted from now.
fn deadline(timeout: Option<f64>) -> Option<Instant> {
    timeout.map(|s| Instant::now() + Duration::from_secs_f64(s))
}

fn timed_out(timeout: Option<f64>, what: &str) -> Failure {
    Failure::Runtime(format!(
        "timed out: no {what} within {} s",
        timeout.unwrap_or_default()
    ))
}

/// What one wait on a socket produced.
enum Received<'r> {
    Message(api::Message<'r>),
    /// Nothing to show (an error without a queued message, a spurious wake).
    Nothing,
}

/// Waits for the next message on `r` until `deadline`, from the error
/// queue when the kernel queued one there, from the socket otherwise.
fn receive(r: &mut Receiver, deadline: Option<Instant>) -> Result<Option<Received<'_>>, Failure> {
    let fd = r.raw();
    let events = sock::wait(fd, deadline).map_err(runtime("cannot wait for the socket"))?;
    if events == 0 {
        return Ok(None);
    }
    let (flags, wait) = if events & libc::POLLERR != 0 {
        (r.flags | libc::MSG_ERRQUEUE, Wait::NonBlocking)
    } else {
        // Ready: a short bound in case another reader took the message.
        (r.flags, Wait::Deadline(100_000_000))
    };
    match r.rx.receive(fd, flags, wait) {
        Ok(m) => Ok(Some(Received::Message(m))),
        Err(e)
            if matches!(
                e.status,
                api::rmsg_status::RMSG_ERR_WOULD_BLOCK | api::rmsg_status::RMSG_ERR_TIMED_OUT
            ) =>
        {
            if flags & libc::MSG_ERRQUEUE != 0 {
                // An error with no queued message (say, an ICMP error on a
                // socket without IP_RECVERR): read it so that poll stops
                // reporting it, and say what it was.
                let err = sock::get_int(fd, libc::SOL_SOCKET, libc::SO_ERROR)
                    .map_err(runtime("cannot read the socket error"))?;
                if err != 0 {
                    let e = std::io::Error::from_raw_os_error(err);
                    eprintln!("rmsg-inspect: note: socket error: {e}");
                }
            }
            Ok(Some(Received::Nothing))
        }
        Err(e) => Err(Failure::Runtime(format!("cannot receive: {e}"))),
    }
}

/// Writes lines to stdout (line-buffered, so a reader sees each at once).
fn print(lines: &[String]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    for l in lines {
        writeln!(out, "{l}")?;
    }
    out.flush()?;
    Ok(())
}

pub fn run(args: &ListenArgs) -> Result<(), Failure> {
    let address = parse_address(&args.address)?;
    let family = api::family(&address);
    let request = kinds::parse(&args.enable).map_err(Failure::Usage)?;
    let settings = kinds::plan(&request, family, args.sock_type.value.raw())?;
    let format = if args.json {
        Format::Json
    } else {
        Format::Text
    };

    let fd = sock::socket(family, args.sock_type.value.raw())
        .map_err(runtime("cannot create the socket"))?;
    sock::bind(&fd, &address)
        .map_err(|e| Failure::Runtime(format!("cannot bind {}: {e}", args.address)))?;
    // A path the listener bound is its own: remove it when done.
    let _unlink = Unlink(
        (family == libc::AF_UNIX && !args.address.starts_with('@'))
            .then(|| args.address.clone().into()),
    );
    let bound = sock::name_of(fd.as_raw_fd(), Side::Local)
        .map_err(runtime("cannot read the bound address"))?
        .map_or_else(|| args.address.clone(), |a| show::address_text(&a));

    let connected = args.sock_type.value != SocketType::Dgram;
    if connected {
        sock::listen(&fd).map_err(runtime("cannot listen"))?;
    }
    // On a listening socket the options are set for the connections it
    // accepts (Linux copies some of them, not all: they are set again).
    let mut listener = Receiver::new(fd, family, args.sock_type.value, &settings, &request, true)?;

    print(&[match format {
        Format::Text => format!("listening on {bound} ({})", args.sock_type.value.name()),
        Format::Json => {
            json!({"listening": bound, "type": args.sock_type.value.name()}).to_string()
        }
    }])?;

    let mut shown = 0u64;
    let mut connection: Option<Receiver> = None;
    while args.count.is_none_or(|n| shown < n) {
        let deadline = deadline(args.timeout);
        if connected && connection.is_none() {
            let events = sock::wait(listener.raw(), deadline)
                .map_err(runtime("cannot wait for a connection"))?;
            if events == 0 {
                return Err(timed_out(args.timeout, "connection"));
            }
            let fd = sock::accept(&listener.fd).map_err(runtime("cannot accept"))?;
            let peer = sock::name_of(fd.as_raw_fd(), Side::Peer)
                .ok()
                .flatten()
                .map(|a| show::address_text(&a));
            if format == Format::Text {
                let peer = match peer.as_deref() {
                    None | Some("") => "an unnamed socket",
                    Some(p) => p,
                };
                print(&[format!("connection from {peer}")])?;
            }
            connection = Some(Receiver::new(
                fd,
                family,
                args.sock_type.value,
                &settings,
                &request,
                false,
            )?);
            continue;
        }
        let r = connection.as_mut().unwrap_or(&mut listener);
        let message = match receive(r, deadline)? {
            None => return Err(timed_out(args.timeout, "message")),
            Some(Received::Nothing) => continue,
            Some(Received::Message(m)) => m,
        };
        if connected && message.nbytes() == 0 && message.item_count() == 0 {
            // End of stream: wait for the next connection.
            drop(message);
            if format == Format::Text {
                print(&["connection closed".to_string()])?;
            }
            connection = None;
            continue;
        }
        shown += 1;
        print(&show::message(&message, shown, format, args.errqueue))?;
        // Dropping the message closes the descriptors it carried: they
        // have been shown.
        drop(message);
    }
    Ok(())
}
