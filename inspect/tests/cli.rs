//! Runs the built rmsg-inspect on real sockets: a listener as a child
//! process (its first line says the bound address, so port 0 works), and
//! traffic from `rmsg-inspect send` or from the test itself. Every
//! listener has a --timeout, so a failing test ends instead of hanging.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Lines, Read};
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_rmsg-inspect");

/// The longest any listener here waits for a message, in seconds.
const TIMEOUT: &str = "20";

/// A listener process and its output, killed if a test fails first.
struct Listener {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    /// The first line: the bound address.
    first: String,
}

impl Listener {
    fn start(args: &[&str]) -> Listener {
        let mut child = Command::new(BIN)
            .arg("listen")
            .args(args)
            .args(["--timeout", TIMEOUT])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("rmsg-inspect starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut listener = Listener {
            child,
            lines: BufReader::new(stdout).lines(),
            first: String::new(),
        };
        listener.first = listener.next_line();
        listener
    }

    /// Starts a `--json` listener and returns it with its bound address.
    fn start_json(args: &[&str]) -> (Listener, String) {
        let mut all = args.to_vec();
        all.push("--json");
        let l = Listener::start(&all);
        let first = json(&l.first);
        let address = first["listening"]
            .as_str()
            .expect("a bound address")
            .to_string();
        (l, address)
    }

    /// The next line of output; on end of output, fails with the stderr.
    fn next_line(&mut self) -> String {
        match self.lines.next() {
            Some(line) => line.expect("output is text"),
            None => {
                let mut err = String::new();
                let _ = self
                    .child
                    .stderr
                    .take()
                    .map(|mut e| e.read_to_string(&mut err));
                panic!("the listener's output ended early; stderr: {err}");
            }
        }
    }

    /// The next line, parsed as JSON.
    fn next_json(&mut self) -> Value {
        json(&self.next_line())
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the listener to end; returns its status, the rest of its
    /// output and its stderr.
    fn finish(mut self) -> (ExitStatus, Vec<String>, String) {
        let rest: Vec<String> = self.lines.by_ref().map(|l| l.expect("text")).collect();
        let status = self.child.wait().expect("wait for the listener");
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            e.read_to_string(&mut err).expect("stderr is text");
        }
        (status, rest, err)
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        // Ends a listener that a failed assertion left running.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn json(line: &str) -> Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("rmsg-inspect runs")
}

/// Runs `rmsg-inspect send ARGS`, checks that it succeeded, and returns
/// its process id.
fn send(args: &[&str]) -> u32 {
    let child = Command::new(BIN)
        .arg("send")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rmsg-inspect send starts");
    let pid = child.id();
    let out = child.wait_with_output().expect("wait for send");
    assert!(
        out.status.success(),
        "send {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    pid
}

/// The item of a JSON message with this name.
fn item<'a>(message: &'a Value, name: &str) -> &'a Value {
    message["items"]
        .as_array()
        .expect("items is an array")
        .iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("no {name} item in {message}"))
}

fn item_names(message: &Value) -> Vec<&str> {
    message["items"]
        .as_array()
        .expect("items is an array")
        .iter()
        .map(|i| i["name"].as_str().expect("a name"))
        .collect()
}

/// A directory of its own for one test, removed at the end.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("rmsg-inspect-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create a temporary directory");
        TempDir(dir.canonicalize().expect("the directory exists"))
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn text(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

/// The descriptors a process has open, from /proc.
fn open_fds(pid: u32) -> BTreeSet<i64> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("read the listener's descriptors")
        .map(|e| {
            let name = e.expect("an entry").file_name();
            name.to_str().expect("a number").parse().expect("a number")
        })
        .collect()
}

/// Checks a usage error: status 2, nothing on stdout, one line on stderr
/// that contains `expected`.
fn assert_usage_error(args: &[&str], expected: &str) {
    let out = run(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    assert_eq!(err.lines().count(), 1, "{args:?}: not one line: {err:?}");
    assert!(err.ends_with('\n'), "{args:?}: {err:?}");
    assert!(err.starts_with("rmsg-inspect: "), "{args:?}: {err:?}");
    assert!(
        err.contains(expected),
        "{args:?}: {err:?} lacks {expected:?}"
    );
}

#[test]
fn udp_ttl_tos_and_pktinfo_from_send_as_json() {
    let (mut l, address) =
        Listener::start_json(&["127.0.0.1:0", "--enable", "ttl,tos,pktinfo", "--count", "1"]);
    assert!(address.starts_with("127.0.0.1:"), "{address}");
    assert_ne!(
        address, "127.0.0.1:0",
        "the first line gives the port bound"
    );
    send(&[&address, "hello", "--ttl", "9", "--tos", "0x29"]);

    let m = l.next_json();
    assert!(
        m["address"].as_str().unwrap().starts_with("127.0.0.1:"),
        "{m}"
    );
    assert_eq!(m["data_len"], 5);
    assert_eq!(m["data"], "hello");
    assert_eq!(m["flags"], serde_json::json!([]));
    assert_eq!(
        item_names(&m),
        [
            "IPPROTO_IP/IP_PKTINFO",
            "IPPROTO_IP/IP_TTL",
            "IPPROTO_IP/IP_TOS"
        ]
    );
    assert_eq!(item(&m, "IPPROTO_IP/IP_TTL")["value"], 9);
    let tos = &item(&m, "IPPROTO_IP/IP_TOS")["value"];
    assert_eq!(tos["value"], 0x29);
    assert_eq!(tos["dscp"], 10);
    assert_eq!(tos["ecn"], 1);
    assert_eq!(tos["ecn_name"], "ECT(1)");
    let pktinfo = &item(&m, "IPPROTO_IP/IP_PKTINFO")["value"];
    assert_eq!(pktinfo["addr"], "127.0.0.1");
    assert_eq!(pktinfo["spec_dst"], "127.0.0.1");
    assert_eq!(pktinfo["interface"], "lo");

    let (status, rest, err) = l.finish();
    assert!(status.success(), "{err}");
    assert!(rest.is_empty(), "{rest:?}");
}

#[test]
fn udp_text_output_of_a_datagram_sent_by_the_test() {
    let mut l = Listener::start(&["127.0.0.1:0", "--enable", "ttl,pktinfo", "--count", "1"]);
    let address = l
        .first
        .strip_prefix("listening on ")
        .and_then(|r| r.strip_suffix(" (dgram)"))
        .unwrap_or_else(|| panic!("first line: {}", l.first))
        .to_string();
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_ttl(33).unwrap();
    sock.send_to(b"ping\n", &address).unwrap();
    let from = sock.local_addr().unwrap();

    assert_eq!(
        l.next_line(),
        format!("message 1 from {from}: 5 bytes, flags none")
    );
    assert_eq!(l.next_line(), "  data \"ping\\n\"");
    assert_eq!(
        l.next_line(),
        "  IPPROTO_IP/IP_PKTINFO: ifindex 1 (lo), spec_dst 127.0.0.1, addr 127.0.0.1"
    );
    assert_eq!(l.next_line(), "  IPPROTO_IP/IP_TTL: 33");
    let (status, rest, err) = l.finish();
    assert!(status.success(), "{err}");
    assert!(rest.is_empty(), "{rest:?}");
}

#[test]
fn enable_all_shows_ttl_and_pktinfo() {
    let (mut l, address) =
        Listener::start_json(&["127.0.0.1:0", "--enable", "all", "--count", "1"]);
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_ttl(50).unwrap();
    sock.send_to(b"x", &address).unwrap();

    let m = l.next_json();
    assert_eq!(item(&m, "IPPROTO_IP/IP_TTL")["value"], 50);
    let pktinfo = &item(&m, "IPPROTO_IP/IP_PKTINFO")["value"];
    assert_eq!(pktinfo["addr"], "127.0.0.1");
    assert_eq!(pktinfo["ifindex"], 1);
    // The other options of `all` that apply to UDP over IPv4 show too.
    assert_eq!(item(&m, "IPPROTO_IP/IP_TOS")["value"]["value"], 0);
    assert_eq!(item(&m, "IPPROTO_IP/IP_ORIGDSTADDR")["value"], address);
    assert!(
        item(&m, "SOL_SOCKET/SO_TIMESTAMPNS")["value"]["sec"]
            .as_i64()
            .unwrap()
            > 0
    );
    let (status, _, err) = l.finish();
    assert!(status.success(), "{err}");
}

#[test]
fn unix_datagram_with_descriptors_and_credentials() {
    let dir = TempDir::new();
    let socket = dir.path("sock");
    let file = dir.path("file");
    std::fs::write(&file, "content").unwrap();
    let (mut l, address) =
        Listener::start_json(&[text(&socket), "--enable", "creds", "--count", "1"]);
    assert_eq!(address, text(&socket));
    let sender = send(&[
        &address,
        "hi",
        "--fd",
        text(&file),
        "--fd",
        text(&dir.0),
        "--creds",
    ]);

    let m = l.next_json();
    // An unbound sender: the kernel gives no address.
    assert_eq!(m["address"], Value::Null);
    assert_eq!(m["data"], "hi");
    assert_eq!(
        item_names(&m),
        ["SOL_SOCKET/SCM_CREDENTIALS", "SOL_SOCKET/SCM_RIGHTS"]
    );
    let creds = &item(&m, "SOL_SOCKET/SCM_CREDENTIALS")["value"];
    assert_eq!(creds["pid"], sender);
    // SAFETY: these calls only read the process's ids.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    assert_eq!(creds["uid"], uid);
    assert_eq!(creds["gid"], gid);
    let fds = item(&m, "SOL_SOCKET/SCM_RIGHTS")["value"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(fds.len(), 2, "{m}");
    assert_eq!(fds[0]["type"], "regular file");
    assert_eq!(fds[0]["target"], text(&file));
    assert_eq!(fds[1]["type"], "directory");
    assert_eq!(fds[1]["target"], text(&dir.0));
    assert!(fds[0]["fd"].as_i64().unwrap() >= 0);

    let (status, _, err) = l.finish();
    assert!(status.success(), "{err}");
    assert!(
        !socket.exists(),
        "the listener removes the socket file it made"
    );
}

#[test]
fn unix_stream_and_seqpacket_on_abstract_names_pass_descriptors() {
    for sock_type in ["stream", "seqpacket"] {
        let name = format!("@rmsg-inspect-test-{}-{sock_type}", std::process::id());
        let (mut l, address) = Listener::start_json(&[&name, "--type", sock_type, "--count", "2"]);
        assert_eq!(address, name);
        send(&[
            &name,
            "abc",
            "--type",
            sock_type,
            "--fd",
            "/dev/null",
            "--count",
            "2",
        ]);

        for _ in 0..2 {
            let m = l.next_json();
            assert_eq!(m["data"], "abc", "{sock_type}: {m}");
            let fds = &item(&m, "SOL_SOCKET/SCM_RIGHTS")["value"];
            assert_eq!(fds[0]["type"], "character device");
            assert_eq!(fds[0]["target"], "/dev/null");
        }
        let (status, _, err) = l.finish();
        assert!(status.success(), "{sock_type}: {err}");
    }
}

#[test]
fn received_descriptors_are_closed_after_printing() {
    let dir = TempDir::new();
    let socket = dir.path("sock");
    let file = dir.path("file");
    std::fs::write(&file, "x").unwrap();
    let (mut l, address) = Listener::start_json(&[text(&socket), "--count", "3"]);
    let before = open_fds(l.pid());

    // Three descriptors in one message, then a message without any: once
    // the second is printed, the first message has been freed.
    let f = text(&file);
    send(&[&address, "one", "--fd", f, "--fd", f, "--fd", f]);
    let first = l.next_json();
    let fds: Vec<i64> = item(&first, "SOL_SOCKET/SCM_RIGHTS")["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["fd"].as_i64().unwrap())
        .collect();
    assert_eq!(fds.len(), 3);

    send(&[&address, "two"]);
    assert_eq!(l.next_json()["data"], "two");
    let after = open_fds(l.pid());
    assert_eq!(after, before, "the listener holds the same descriptors");
    for fd in &fds {
        assert!(!after.contains(fd), "fd {fd} still open: {after:?}");
    }

    send(&[&address, "three"]);
    assert_eq!(l.next_json()["data"], "three");
    let (status, _, err) = l.finish();
    assert!(status.success(), "{err}");
}

/// The descriptors `pid` has open once they are `expected`, polling for up
/// to 10 s, less than the listeners' timeout (what the process does
/// between two outputs takes a moment).
fn open_fds_settled(pid: u32, expected: &BTreeSet<i64>) -> BTreeSet<i64> {
    for _ in 0..1000 {
        let now = open_fds(pid);
        if &now == expected {
            return now;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    open_fds(pid)
}

#[test]
fn descriptors_and_pidfds_are_closed_without_waiting_for_the_next_message() {
    let dir = TempDir::new();
    let socket = dir.path("sock");
    let (mut l, address) =
        Listener::start_json(&[text(&socket), "--enable", "pidfd", "--count", "3"]);
    let before = open_fds(l.pid());

    // Each message carries a pidfd of its sender, the first also two
    // descriptors: once a message is printed its descriptors are closed,
    // though no other message has come.
    let sender = send(&[&address, "one", "--fd", "/dev/null", "--fd", "/dev/null"]);
    let first = l.next_json();
    // The sender's pid, or -1 once it has exited.
    let pid = &item(&first, "SOL_SOCKET/SCM_PIDFD")["value"]["pid"];
    assert!(*pid == sender || *pid == -1, "{first}");
    assert_eq!(
        item(&first, "SOL_SOCKET/SCM_RIGHTS")["value"][1]["type"],
        "character device"
    );
    assert_eq!(open_fds_settled(l.pid(), &before), before);

    send(&[&address, "two"]);
    let second = l.next_json();
    assert!(item(&second, "SOL_SOCKET/SCM_PIDFD")["value"]["fd"].is_i64());
    assert_eq!(open_fds_settled(l.pid(), &before), before);
    send(&[&address, "three"]);
    assert_eq!(l.next_json()["data"], "three");
    let (status, _, err) = l.finish();
    assert!(status.success(), "{err}");
}

#[test]
fn ipv6_hop_limit_traffic_class_and_pktinfo() {
    let (mut l, address) = Listener::start_json(&[
        "[::1]:0",
        "--enable",
        "hoplimit,tclass,pktinfo",
        "--count",
        "1",
    ]);
    assert!(address.starts_with("[::1]:"), "{address}");
    send(&[&address, "six", "--ttl", "7", "--tos", "0xb8"]);

    let m = l.next_json();
    assert!(m["address"].as_str().unwrap().starts_with("[::1]:"), "{m}");
    assert_eq!(m["data_len"], 3);
    assert_eq!(item(&m, "IPPROTO_IPV6/IPV6_HOPLIMIT")["value"], 7);
    let tclass = &item(&m, "IPPROTO_IPV6/IPV6_TCLASS")["value"];
    assert_eq!(tclass["value"], 0xb8);
    assert_eq!(tclass["dscp"], 46);
    assert_eq!(tclass["ecn"], 0);
    let pktinfo = &item(&m, "IPPROTO_IPV6/IPV6_PKTINFO")["value"];
    assert_eq!(pktinfo["addr"], "::1");
    assert_eq!(pktinfo["interface"], "lo");
    let (status, _, err) = l.finish();
    assert!(status.success(), "{err}");
}

#[test]
fn ttl_and_tos_name_the_ipv6_options_on_an_ipv6_socket() {
    let (mut l, address) =
        Listener::start_json(&["[::1]:0", "--enable", "ttl,tos", "--count", "1"]);
    let sock = UdpSocket::bind("[::1]:0").unwrap();
    sock.send_to(b"v6", &address).unwrap();
    let m = l.next_json();
    assert_eq!(
        item_names(&m),
        ["IPPROTO_IPV6/IPV6_HOPLIMIT", "IPPROTO_IPV6/IPV6_TCLASS"]
    );
    let (status, _, err) = l.finish();
    assert!(status.success(), "{err}");
}

#[test]
fn bad_address_is_a_one_line_usage_error() {
    for args in [
        &["listen", "nonsense"][..],
        &["listen", "127.0.0.1:99999"],
        &["listen", "[::1]"],
        &["listen", "localhost:53"],
        &["send", "1.2.3:4", "data"],
    ] {
        assert_usage_error(args, "invalid ADDRESS");
    }
}

#[test]
fn bad_kinds_are_a_one_line_usage_error() {
    assert_usage_error(
        &["listen", "127.0.0.1:0", "--enable", "ttl,bogus"],
        "unknown kind \"bogus\"",
    );
    assert_usage_error(&["listen", "127.0.0.1:0", "--enable", "ttl,"], "empty name");
    assert_usage_error(
        &["listen", "127.0.0.1:0", "--enable", "creds"],
        "does not apply to AF_INET dgram",
    );
    let dir = TempDir::new();
    let socket = dir.path("never");
    assert_usage_error(
        &["listen", text(&socket), "--enable", "ttl"],
        "does not apply to AF_UNIX",
    );
    assert!(!socket.exists(), "a usage error binds nothing");
    assert_usage_error(
        &["listen", "127.0.0.1:0", "--enable", "timestamp,timestampns"],
        "only one",
    );
}

#[test]
fn other_usage_errors_are_one_line_too() {
    assert_usage_error(&["listen", "127.0.0.1:0", "--bogus"], "'--bogus'");
    assert_usage_error(&["listen", "127.0.0.1:0", "--count", "0"], "--count");
    assert_usage_error(&["listen", "127.0.0.1:0", "--timeout", "-1"], "--timeout");
    assert_usage_error(&["listen", "127.0.0.1:0", "--type", "raw"], "dgram");
    assert_usage_error(&["listen"], "<ADDRESS>");
    assert_usage_error(&[], "missing command");
    assert_usage_error(&["send", "127.0.0.1:9", "x", "--ttl", "256"], "--ttl");
    assert_usage_error(
        &["send", "127.0.0.1:9", "x", "--fd", "/dev/null"],
        "AF_UNIX",
    );
    assert_usage_error(&["send", "/x/y", "x", "--tos", "1"], "datagram");
}

#[test]
fn a_timeout_ends_the_listener_with_status_1() {
    let out = Command::new(BIN)
        .args(["listen", "127.0.0.1:0", "--timeout", "0.2"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(stdout.starts_with("listening on 127.0.0.1:"), "{stdout}");
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(err.contains("timed out"), "{err}");
}

#[test]
fn a_send_that_fails_is_status_1() {
    let dir = TempDir::new();
    let missing = dir.path("nobody-listens");
    let out = run(&["send", text(&missing), "x"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(err.contains("cannot send"), "{err}");
}

/// `--errqueue`: an ICMP port unreachable about a datagram "from" the
/// listener's own port, by meaning. A raw UDP socket (root, or
/// CAP_NET_RAW) sends a datagram whose source port is the listener's to a
/// closed port of 127.0.0.1; the kernel's ICMP error is matched to the
/// listener's socket and, with `--enable recverr`, queued on its error
/// queue. Skipped, saying so, where raw sockets are refused.
#[test]
fn errqueue_says_what_an_icmp_error_means() {
    // SAFETY: plain socket(2); the descriptor is closed below.
    let raw = unsafe { libc::socket(libc::AF_INET, libc::SOCK_RAW, libc::IPPROTO_UDP) };
    if raw < 0 {
        eprintln!(
            "skipped: no raw socket ({})",
            std::io::Error::last_os_error()
        );
        return;
    }
    let (mut l, address) = Listener::start_json(&[
        "127.0.0.1:0",
        "--enable",
        "recverr",
        "--errqueue",
        "--count",
        "1",
    ]);
    let port: u16 = address.rsplit(':').next().unwrap().parse().unwrap();
    let closed = UdpSocket::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    // The UDP header (source, destination, length, no checksum) and data.
    let mut packet = Vec::new();
    packet.extend_from_slice(&port.to_be_bytes());
    packet.extend_from_slice(&closed_port.to_be_bytes());
    packet.extend_from_slice(&12u16.to_be_bytes());
    packet.extend_from_slice(&[0, 0]);
    packet.extend_from_slice(b"ping");
    // SAFETY: an all-zero sockaddr_in is valid; filled below.
    let mut to: libc::sockaddr_in = unsafe { std::mem::zeroed() };
    to.sin_family = libc::AF_INET as libc::sa_family_t;
    to.sin_addr.s_addr = u32::from_be_bytes([127, 0, 0, 1]).to_be();
    // SAFETY: packet and to are valid for the lengths given.
    let sent = unsafe {
        libc::sendto(
            raw,
            packet.as_ptr().cast(),
            packet.len(),
            0,
            (&to as *const libc::sockaddr_in).cast(),
            std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        )
    };
    // SAFETY: raw is ours and closed once.
    unsafe { libc::close(raw) };
    assert_eq!(sent, packet.len() as isize);

    let m = l.next_json();
    assert!(
        m["flags"]
            .as_array()
            .unwrap()
            .contains(&Value::from("MSG_ERRQUEUE")),
        "{m}"
    );
    let e = &m["errqueue"];
    assert_eq!(e["kind"], "icmp", "{m}");
    assert_eq!(e["icmp_reason"], "port unreachable", "{m}");
    assert_eq!((e["type"].as_u64(), e["code"].as_u64()), (Some(3), Some(3)));
    assert_eq!(e["errno"], libc::ECONNREFUSED, "{m}");
    assert_eq!(e["offender"], "127.0.0.1", "{m}");
    // The original datagram is the message's data.
    assert_eq!(m["data"], "ping", "{m}");
    let (status, _, err) = l.finish();
    assert!(status.success(), "{err}");
}

#[test]
fn unix_stream_inq_shows_the_bytes_left() {
    let name = format!("@rmsg-inspect-test-{}-inq", std::process::id());
    let (mut l, _) =
        Listener::start_json(&[&name, "--type", "stream", "--enable", "inq", "--count", "1"]);
    send(&[&name, "abc", "--type", "stream"]);
    let m = l.next_json();
    assert_eq!(m["data"], "abc", "{m}");
    // The listener read everything queued: nothing is left.
    assert_eq!(item(&m, "SOL_SOCKET/SCM_INQ")["value"], 0, "{m}");
    let (status, _, err) = l.finish();
    assert!(status.success(), "{err}");
}

/// AF_PACKET (root needed): a listener bound to a packet address on lo and
/// a send to one, both written in rmsg's text form; the source prints as a
/// packet address.
#[test]
fn packet_addresses_listen_and_send() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: AF_PACKET needs root");
        return;
    }
    let mut l = Listener::start(&["packet:lo:0x88b9", "--count", "1"]);
    assert_eq!(l.first, "listening on packet:lo:0x88b9 (dgram)");
    send(&["packet:lo:0x88b9:00:00:00:00:00:00", "frame"]);
    assert_eq!(
        l.next_line(),
        "message 1 from packet:1:0x88b9:00:00:00:00:00:00: 5 bytes, flags none"
    );
    assert_eq!(l.next_line(), "  data \"frame\"");
    let (status, rest, err) = l.finish();
    assert!(status.success(), "{err}");
    assert!(rest.is_empty(), "{rest:?}");
}
