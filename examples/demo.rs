//! Builds `examples/demo.c` against the rmsg cdylib of this build and runs
//! it: `cargo run --release --example demo`.

#[path = "../tests/support/cbuild.rs"]
mod cbuild;

fn main() {
    let exe = cbuild::build("examples", "examples/demo.c", cbuild::Lang::C99, 2, &[]);
    let out = cbuild::run(&exe, &[]);
    cbuild::check("demo", &out);
}
