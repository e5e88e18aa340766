//! `cargo bench --bench recv_bench`: builds `benches/recv_bench.c` with -O2
//! against the release cdylib and runs it on AF_UNIX and UDP, without and
//! with a control item on every datagram, printing throughput ratios of
//! every rmsg path against its raw baseline (medians and spread).
//!
//! `cargo bench --bench recv_bench -- [messages-per-round] [rounds]` sets
//! the sizes. `cargo bench --bench recv_bench -- --callgrind` instead
//! counts user-space instructions per message with valgrind's callgrind
//! (deterministic, unlike the timings): each method's inclusive cost
//! divided by the datagrams it handled, and each rmsg path's count over its
//! raw equivalent.

use std::process::Command;

#[path = "../tests/support/cbuild.rs"]
mod cbuild;

#[path = "support/links.rs"]
mod links;
use links::CONFIGS;

/// Datagrams per method for the instruction counts.
const CALLS: usize = 20_000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let exe = cbuild::build("benches", "benches/recv_bench.c", cbuild::Lang::C99, 2, &[]);
    if args.iter().any(|a| a == "--callgrind") {
        instructions(&exe);
        return;
    }
    let sizes: Vec<&str> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .map(String::as_str)
        .collect();
    for (transport, item) in CONFIGS {
        let mut run = vec![transport, item];
        run.extend(sizes.iter().take(2));
        cbuild::check("recv_bench", &cbuild::run(&exe, &run));
    }
}

/// The function of `recv_bench.c` that does each method's work, and the
/// raw function it is compared with.
const PATHS: [(&str, &str, &str); 4] = [
    (
        "rmsg_recvmsg + free",
        "drain_rmsg_recvmsg",
        "drain_raw_recvmsg",
    ),
    ("receiver", "drain_rmsg_receiver", "drain_raw_recvmsg"),
    ("batch", "drain_rmsg_batch", "drain_raw_recvmmsg"),
    ("rmsg_sendmmsg", "send_rmsg_sendmmsg", "send_raw_sendmmsg"),
];

fn instructions(exe: &std::path::Path) {
    let dir = std::env::temp_dir().join(format!("rmsg-callgrind-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    println!("user-space instructions per datagram (callgrind, {CALLS} datagrams per method)");
    for (transport, item) in CONFIGS {
        for batch in ["8", "32", "64"] {
            let out = dir.join(format!("{transport}-{item}-{batch}.out"));
            let status = Command::new("valgrind")
                .arg("--tool=callgrind")
                .arg(format!("--callgrind-out-file={}", out.display()))
                .arg(exe)
                .args([transport, item, "calls", &CALLS.to_string(), batch])
                .output()
                .expect("run valgrind");
            assert!(
                status.status.success(),
                "callgrind run failed:\n{}",
                String::from_utf8_lossy(&status.stderr)
            );
            let costs = inclusive_costs(&out);
            let per = |f: &str| {
                costs
                    .iter()
                    .find(|(name, _)| name == f)
                    .map(|(_, c)| *c as f64 / CALLS as f64)
                    .unwrap_or_else(|| panic!("no cost for {f} in {}", out.display()))
            };
            let mut line = format!("{transport:>4} {item:>5} batch {batch:>2}:");
            for (label, rmsg, raw) in PATHS {
                if batch != "32" && !rmsg.contains("batch") {
                    continue;
                }
                let (r, b) = (per(rmsg), per(raw));
                line.push_str(&format!("  {label} {r:.0} vs raw {b:.0} ({:+.0})", r - b));
            }
            println!("{line}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Inclusive instruction counts per function from a callgrind output file.
fn inclusive_costs(file: &std::path::Path) -> Vec<(String, u64)> {
    let out = Command::new("callgrind_annotate")
        .args(["--inclusive=yes", "--threshold=100", "--auto=no"])
        .arg(file)
        .output()
        .expect("run callgrind_annotate");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .filter_map(|l| {
            let l = l.trim();
            let (count, rest) = l.split_once(' ')?;
            let count: u64 = count.replace(',', "").parse().ok()?;
            // "(12.3%)  path/file.c:function [object]"
            let name = rest.rsplit_once(':')?.1.split_whitespace().next()?;
            Some((name.to_string(), count))
        })
        .collect()
}
