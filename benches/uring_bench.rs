//! `cargo bench --bench uring_bench`: builds `benches/uring_bench.c` with
//! -O2 against the release cdylib and liburing, and runs it on AF_UNIX and
//! UDP, without and with a control item on every datagram, printing the
//! throughput ratios of multishot io_uring receive decoded by rmsg against
//! the same loop reading the raw buffers and against rmsg's batch receive
//! (medians and spread over several rounds).
//!
//! `cargo bench --bench uring_bench -- [messages-per-round] [rounds]` sets
//! the sizes.

#[path = "../tests/support/cbuild.rs"]
mod cbuild;

#[path = "support/links.rs"]
mod links;
use links::CONFIGS;

fn main() {
    let sizes: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let exe = cbuild::build_linked(
        "benches",
        "benches/uring_bench.c",
        cbuild::Lang::C99,
        2,
        &[],
        &["-luring"],
    );
    for (transport, item) in CONFIGS {
        let mut run = vec![transport, item];
        run.extend(sizes.iter().take(2).map(String::as_str));
        cbuild::check("uring_bench", &cbuild::run(&exe, &run));
    }
}
