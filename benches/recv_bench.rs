//! `cargo bench --bench recv_bench`: builds `benches/recv_bench.c` with -O2
//! against the release cdylib and runs it, once without control items and
//! once with an SCM_CREDENTIALS item on every datagram. Extra arguments
//! after `--` are passed to the C program (messages per round, rounds).

#[path = "../tests/support/cbuild.rs"]
mod cbuild;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let per_round = args.first().map_or("1000000", String::as_str);
    let rounds = args.get(1).map_or("5", String::as_str);
    let exe = cbuild::build("benches", "benches/recv_bench.c", cbuild::Lang::C99, 2, &[]);
    for mode in ["plain", "credentials"] {
        let out = cbuild::run(&exe, &[per_round, rounds, mode]);
        cbuild::check("recv_bench", &out);
    }
}
