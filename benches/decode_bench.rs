//! `cargo bench --bench decode_bench`: builds `benches/decode_bench.c` with
//! -O2 against the release cdylib and runs it on the four links (AF_UNIX
//! plain and with `SCM_CREDENTIALS`, UDP plain and with `IP_PKTINFO` +
//! `IP_TTL`), where every method reads each message's data, flags and
//! source and decodes every control item to a value, rmsg's methods
//! against a hand-written loop doing the same; it prints throughput ratios
//! (medians and spread over several rounds).
//!
//! `cargo bench --bench decode_bench -- [messages-per-round] [rounds]` sets
//! the sizes. `cargo bench --bench decode_bench -- --callgrind` instead
//! counts user-space instructions per message with valgrind's callgrind:
//! each method's inclusive cost at two message counts, the difference
//! divided by the difference of the counts (the slope, so that one-time
//! costs such as the first allocation drop out), and each rmsg method's
//! count over its raw baseline.

use std::path::Path;
use std::process::Command;

#[path = "../tests/support/cbuild.rs"]
mod cbuild;

#[path = "support/links.rs"]
mod links;
use links::CONFIGS;

/// The two message counts of the callgrind runs.
const COUNTS: [usize; 2] = [10_000, 20_000];

/// Each method's function in `decode_bench.c`, its label and the raw
/// function it is compared with.
const METHODS: [(&str, &str, &str); 8] = [
    ("raw recvmsg", "drain_raw_recvmsg", "drain_raw_recvmsg"),
    (
        "rmsg_recvmsg acc",
        "drain_rmsg_recvmsg",
        "drain_raw_recvmsg",
    ),
    (
        "rmsg_recvmsg view",
        "drain_rmsg_recvmsg_view",
        "drain_raw_recvmsg",
    ),
    ("receiver acc", "drain_receiver", "drain_raw_recvmsg"),
    ("receiver view", "drain_receiver_view", "drain_raw_recvmsg"),
    (
        "raw recvmmsg 32",
        "drain_raw_recvmmsg_decoded",
        "drain_raw_recvmmsg_decoded",
    ),
    ("batch 32 acc", "drain_batch", "drain_raw_recvmmsg_decoded"),
    (
        "batch 32 view",
        "drain_batch_view",
        "drain_raw_recvmmsg_decoded",
    ),
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let exe = cbuild::build(
        "benches",
        "benches/decode_bench.c",
        cbuild::Lang::C99,
        2,
        &[],
    );
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
        cbuild::check("decode_bench", &cbuild::run(&exe, &run));
    }
}

fn instructions(exe: &Path) {
    let dir = std::env::temp_dir().join(format!("rmsg-decode-cg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    println!(
        "user-space instructions per message (callgrind, slope between {} and {} messages)",
        COUNTS[0], COUNTS[1]
    );
    for (transport, item) in CONFIGS {
        let costs: Vec<Vec<(String, u64)>> = COUNTS
            .iter()
            .map(|n| {
                let out = dir.join(format!("{transport}-{item}-{n}.out"));
                let run = Command::new("valgrind")
                    .arg("--tool=callgrind")
                    .arg(format!("--callgrind-out-file={}", out.display()))
                    .arg(exe)
                    .args([transport, item, "calls", &n.to_string()])
                    .output()
                    .expect("run valgrind");
                assert!(
                    run.status.success(),
                    "callgrind run failed:\n{}",
                    String::from_utf8_lossy(&run.stderr)
                );
                inclusive_costs(&out)
            })
            .collect();
        let per = |f: &str| {
            let at = |c: &Vec<(String, u64)>| {
                c.iter()
                    .find(|(name, _)| name == f)
                    .map(|(_, v)| *v as f64)
                    .unwrap_or_else(|| panic!("no cost for {f}"))
            };
            (at(&costs[1]) - at(&costs[0])) / (COUNTS[1] - COUNTS[0]) as f64
        };
        let mut line = format!("{transport:>4} {item:>5}:");
        for (label, f, raw) in METHODS {
            let (r, b) = (per(f), per(raw));
            if f == raw {
                line.push_str(&format!("  {label} {r:.0}"));
            } else {
                line.push_str(&format!("  {label} {r:.0} ({:+.0})", r - b));
            }
        }
        println!("{line}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Inclusive instruction counts per function from a callgrind output file.
fn inclusive_costs(file: &Path) -> Vec<(String, u64)> {
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
