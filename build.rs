//! Generates `include/rmsg.h` from the Rust sources with cbindgen, sets the
//! cdylib's SONAME, and passes the target triple on to the test harness that
//! compiles the C programs in `c_tests/`.

use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    let crate_dir =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");

    // The shared object is versioned by its SONAME; the major number changes
    // only with an incompatible ABI change.
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,librmsg.so.0");
    }
    // tests/ and benches/ build C programs with the cc crate, which wants the triple.
    println!(
        "cargo:rustc-env=RMSG_BUILD_TARGET={}",
        env::var("TARGET").expect("cargo sets TARGET")
    );

    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml must parse");
    let bindings = cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen could not generate include/rmsg.h");
    let mut text = Vec::new();
    bindings.write(&mut text);

    // Write only when the text changed, so that an unchanged header keeps its
    // timestamp and `git diff --exit-code include/` stays quiet.
    let header = crate_dir.join("include").join("rmsg.h");
    if fs::read(&header).ok().as_deref() != Some(text.as_slice()) {
        fs::create_dir_all(header.parent().expect("header has a parent"))
            .expect("cannot create include/");
        fs::write(&header, &text).expect("cannot write include/rmsg.h");
    }
}
