//! Compiles each C program in `c_tests/` against `include/rmsg.h` (C99,
//! `-Wall -Wextra -Wpedantic -Werror`), links it to the cdylib this build
//! produced, runs it and fails with its output if it fails. Each program
//! checks itself that it ends with no more open descriptors than it began
//! with. `.ci/run` runs this again with `RMSG_SANITIZE=1` and `RMSG_VALGRIND=1`.

mod support;

use support::cbuild::{self, Lang};

#[test]
fn recv_basic() {
    cbuild::run_c_test("recv_basic");
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
