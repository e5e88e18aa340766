//! Compiles each C program in `c_tests/` against `include/rmsg.h` (C99,
//! `-Wall -Wextra -Wpedantic -Werror`), links it to the cdylib this build
//! produced, runs it and fails with its output if it fails. Each program
//! checks itself that it ends with no more open descriptors than it began
//! with. `.ci/run` runs this again with `RMSG_SANITIZE=1` and `RMSG_VALGRIND=1`.

mod support;

use support::badinput;
use support::cbuild::{self, Lang};

#[test]
fn recv_basic() {
    cbuild::run_c_test("recv_basic");
}

#[test]
fn fd_passing() {
    cbuild::run_c_test("fd_passing");
}

#[test]
fn truncation() {
    cbuild::run_c_test("truncation");
}

#[test]
fn recv_fds() {
    cbuild::run_c_test("recv_fds");
}

#[test]
fn errors() {
    cbuild::run_c_test("errors");
}

#[test]
fn view() {
    cbuild::run_c_test("view");
}

#[test]
fn errqueue() {
    cbuild::run_c_test("errqueue");
}

#[test]
fn decode_socket() {
    cbuild::run_c_test("decode_socket");
}

#[test]
fn decode_ip() {
    cbuild::run_c_test("decode_ip");
}

#[test]
fn decode_ipv6() {
    cbuild::run_c_test("decode_ipv6");
}

#[test]
fn decode_misc() {
    cbuild::run_c_test("decode_misc");
}

#[test]
fn parse() {
    cbuild::run_c_test("parse");
}

#[test]
fn sizing() {
    cbuild::run_c_test("sizing");
}

#[test]
fn interrupts() {
    cbuild::run_c_test("interrupts");
}

#[test]
fn timeouts() {
    cbuild::run_c_test("timeouts");
}

#[test]
fn addresses() {
    cbuild::run_c_test("addresses");
}

#[test]
fn scatter() {
    cbuild::run_c_test("scatter");
}

#[test]
fn version() {
    cbuild::run_c_test("version");
}

/// The header also compiles, links and runs as C++11.
#[test]
fn header_as_cxx() {
    let exe = cbuild::build(
        "c_tests",
        "c_tests/header_cxx.cpp",
        Lang::Cxx("c++11"),
        0,
        &[],
    );
    cbuild::check("header_cxx", &cbuild::run(&exe, &[]));
}

#[test]
fn batch() {
    cbuild::run_c_test("batch");
}

/// The example program of the README's high-rate section.
#[test]
fn example_batch() {
    let exe = cbuild::build("c_tests", "examples/batch.c", Lang::C99, 0, &[]);
    cbuild::check("example_batch", &cbuild::run(&exe, &[]));
}

/// The io_uring example program of the README.
#[test]
fn example_uring() {
    let exe = cbuild::build_linked(
        "c_tests",
        "examples/uring.c",
        Lang::C99,
        0,
        &[],
        &["-luring"],
    );
    cbuild::check("example_uring", &cbuild::run(&exe, &[]));
}

#[test]
fn send_batch() {
    cbuild::run_c_test("send_batch");
}

#[test]
fn send_cmsg() {
    cbuild::run_c_test("send_cmsg");
}

#[test]
fn send_basic() {
    cbuild::run_c_test("send_basic");
}

#[test]
fn send_addr() {
    cbuild::run_c_test("send_addr");
}

#[test]
fn send_kinds() {
    cbuild::run_c_test("send_kinds");
}

#[test]
fn addr_families() {
    cbuild::run_c_test("addr_families");
}

/// The header-only C++ wrapper `include/rmsg.hpp`, as C++17.
#[test]
fn cxx_wrapper() {
    let exe = cbuild::build(
        "c_tests",
        "c_tests/cxx_wrapper.cpp",
        Lang::Cxx("c++17"),
        0,
        &[],
    );
    cbuild::check("cxx_wrapper", &cbuild::run(&exe, &[]));
}

/// Multishot and single-shot io_uring recvmsg completions made into
/// messages, on the real kernel (linked with liburing).
#[test]
fn uring() {
    cbuild::run_c_test_linked("uring", &["-luring"]);
}

/// Hostile lengths and the documented bounds (the hardening issue's crashes).
#[test]
fn lengths() {
    cbuild::run_c_test("lengths");
}

/// Every function of the header with hostile arguments, one call per child
/// process; the calls are generated from `include/rmsg.h`.
#[test]
fn bad_input() {
    let generated = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("bad_input");
    let header = cbuild::root().join("include").join("rmsg.h");
    let calls = badinput::generate(&header, &generated.join("bad_input_cases.h"));
    assert!(calls > 0);
    let include = format!("-I{}", generated.display());
    let exe = cbuild::build("c_tests", "c_tests/bad_input.c", Lang::C99, 0, &[&include]);
    cbuild::check("bad_input", &cbuild::run(&exe, &[]));
}

/// The thread-safety contract, 8 threads at once (and under ThreadSanitizer
/// in `.ci/run`).
#[test]
fn threads() {
    cbuild::run_c_test("threads");
}

#[test]
fn pidfd_gone() {
    cbuild::run_c_test("pidfd_gone");
}

#[test]
fn decode_families() {
    cbuild::run_c_test("decode_families");
}
