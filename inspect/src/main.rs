//! rmsg-inspect: shows what a socket receives, control messages decoded by
//! rmsg, and sends messages with control data to test the other side.
//!
//! `listen` binds a socket (and for stream or seqpacket accepts), enables
//! the receive options asked for, and prints every message: source
//! address, length, flags, and each control item by name with its decoded
//! value. `send` sends data with a TTL, TOS, descriptors or credentials.
//!
//! Exit status: 0 when done, 2 for a usage error (a bad ADDRESS or KINDS
//! among them), 1 for any other failure; each error is one line on stderr.

mod api;
mod kinds;
mod listen;
mod send;
mod show;
mod sock;

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Shows what a socket receives, control messages decoded by rmsg.
#[derive(Parser)]
#[command(name = "rmsg-inspect", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Bind ADDRESS and print each message received, decoded.
    Listen(ListenArgs),
    /// Send DATA to ADDRESS with control messages.
    Send(SendArgs),
}

/// The socket type.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SocketType {
    Dgram,
    Stream,
    Seqpacket,
}

impl SocketType {
    fn raw(self) -> libc::c_int {
        match self {
            SocketType::Dgram => libc::SOCK_DGRAM,
            SocketType::Stream => libc::SOCK_STREAM,
            SocketType::Seqpacket => libc::SOCK_SEQPACKET,
        }
    }

    fn name(self) -> &'static str {
        match self {
            SocketType::Dgram => "dgram",
            SocketType::Stream => "stream",
            SocketType::Seqpacket => "seqpacket",
        }
    }
}

/// `--type`, shared by both commands.
#[derive(Args)]
struct TypeArg {
    /// Socket type (stream and seqpacket: listen accepts connections, send
    /// connects first)
    #[arg(
        long = "type",
        value_name = "TYPE",
        value_enum,
        default_value = "dgram"
    )]
    value: SocketType,
}

#[derive(Args)]
struct ListenArgs {
    /// Where to listen: 127.0.0.1:PORT, [::1]:PORT, /path or @abstract
    /// (port 0 picks a free port; the first line says which)
    address: String,
    #[command(flatten)]
    sock_type: TypeArg,
    /// Receive options to enable, comma-separated: pktinfo, ttl, tos,
    /// hoplimit, tclass, timestamp, timestampns, timestamping, creds,
    /// pidfd, rxq_ovfl, mark, origdstaddr, recverr, gro, inq, or all
    #[arg(long, value_name = "KINDS")]
    enable: Vec<String>,
    /// Stop after N messages (default: run until the timeout or a signal)
    #[arg(long, value_name = "N", value_parser = parse_count)]
    count: Option<u64>,
    /// Give up (exit status 1) when nothing arrives for SECS seconds
    #[arg(long, value_name = "SECS", value_parser = parse_seconds, allow_negative_numbers = true)]
    timeout: Option<f64>,
    /// Print one JSON object per line
    #[arg(long)]
    json: bool,
    /// Say what each message from the error queue means (ICMP errors with
    /// --enable recverr, transmit stamps, zero-copy completions):
    /// rmsg_message_errqueue's summary after its items
    #[arg(long)]
    errqueue: bool,
}

#[derive(Args)]
struct SendArgs {
    /// Where to send: 127.0.0.1:PORT, [::1]:PORT, /path or @abstract
    address: String,
    /// The data to send (its bytes, as given)
    data: std::ffi::OsString,
    #[command(flatten)]
    sock_type: TypeArg,
    /// IP_TTL (IPv4) or IPV6_HOPLIMIT (IPv6) for each message
    #[arg(long, value_name = "N", value_parser = parse_byte)]
    ttl: Option<u8>,
    /// IP_TOS (IPv4) or IPV6_TCLASS (IPv6) for each message, decimal or 0x hex
    #[arg(long, value_name = "N", value_parser = parse_byte)]
    tos: Option<u8>,
    /// Pass a descriptor of PATH (opened read-only) with each message;
    /// repeat for more (AF_UNIX)
    #[arg(long = "fd", value_name = "PATH")]
    fds: Vec<std::path::PathBuf>,
    /// Send this process's credentials (SCM_CREDENTIALS, AF_UNIX)
    #[arg(long)]
    creds: bool,
    /// Send the message N times
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = parse_count)]
    count: u64,
}

fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s < 1e9 => Ok(s),
        _ => Err("expected a positive number of seconds".into()),
    }
}

fn parse_count(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("expected a whole number, at least 1".into()),
    }
}

fn parse_byte(text: &str) -> Result<u8, String> {
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u8::from_str_radix(hex, 16),
        None => text.parse::<u8>(),
    };
    parsed.map_err(|_| "expected 0 to 255 (decimal, or hexadecimal with 0x)".into())
}

/// Why the tool stopped early.
pub enum Failure {
    /// A bad command line: exit status 2.
    Usage(String),
    /// Anything else: exit status 1.
    Runtime(String),
    /// The output went away (a closed pipe): stop quietly.
    OutputClosed,
}

impl From<std::io::Error> for Failure {
    /// An error writing the output.
    fn from(e: std::io::Error) -> Failure {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Failure::OutputClosed
        } else {
            Failure::Runtime(format!("cannot write the output: {e}"))
        }
    }
}

/// Parses ADDRESS, or says in one line what is wrong with it.
pub fn parse_address(text: &str) -> Result<api::Address, Failure> {
    api::Address::parse(text).map_err(|_| {
        Failure::Usage(format!(
            "invalid ADDRESS {text:?}: expected IPV4:PORT, [IPV6]:PORT, /path or @abstract-name"
        ))
    })
}

/// Prints one error line, prefixed with the tool's name.
fn report(message: &str) {
    // One line, whatever the message holds.
    let line = message.replace('\n', " ");
    eprintln!("rmsg-inspect: {line}");
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version print to stdout and succeed.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            report("missing command: listen or send (try --help)");
            return ExitCode::from(2);
        }
        Err(e) => {
            // clap's first paragraph says what is wrong, on one line here;
            // "try --help" stands for the usage block that follows it.
            let text = e.to_string();
            let what: Vec<&str> = text
                .lines()
                .take_while(|l| !l.trim().is_empty())
                .map(str::trim)
                .collect();
            let what = what.join(" ");
            let what = what.strip_prefix("error: ").unwrap_or(&what);
            report(&format!("{what} (try --help)"));
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::Listen(args) => listen::run(&args),
        Command::Send(args) => send::run(&args),
    };
    match result {
        Ok(()) | Err(Failure::OutputClosed) => ExitCode::SUCCESS,
        Err(Failure::Usage(m)) => {
            report(&m);
            ExitCode::from(2)
        }
        Err(Failure::Runtime(m)) => {
            report(&m);
            ExitCode::from(1)
        }
    }
}
