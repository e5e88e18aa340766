//! Generates `include/rmsg.h` from the Rust sources with cbindgen (with the
//! version macros of this crate's version, in C89-clean form), sets the
//! cdylib's SONAME and its symbol versions (`abi/rmsg.map`), makes that
//! SONAME resolve in `target/<profile>/` for programs linked against a
//! checkout, and passes the target triple on to the test harness that
//! compiles the C programs in `c_tests/`.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let crate_dir =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");

    // The shared object is versioned by its SONAME; the major number changes
    // only with an incompatible ABI change. cargo-c passes the same SONAME
    // (`version_suffix_components = 1` in Cargo.toml).
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,librmsg.so.0");
        symbol_versions(&crate_dir);
        link_soname_in_profile_dir();
    }
    // tests/ and benches/ build C programs with the cc crate, which wants the triple.
    println!(
        "cargo:rustc-env=RMSG_BUILD_TARGET={}",
        env::var("TARGET").expect("cargo sets TARGET")
    );

    let mut config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml must parse");
    config.after_includes = Some(format!("{C89_BOOL}{}", version_macros()));
    let bindings = cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen could not generate include/rmsg.h");
    let mut raw = Vec::new();
    bindings.write(&mut raw);
    let text = c89_clean(&String::from_utf8(raw).expect("cbindgen writes UTF-8"));

    // Write only when the text changed, so that an unchanged header keeps its
    // timestamp and `git diff --exit-code include/` stays quiet.
    let header = crate_dir.join("include").join("rmsg.h");
    if fs::read(&header).ok().as_deref() != Some(text.as_bytes()) {
        fs::create_dir_all(header.parent().expect("header has a parent"))
            .expect("cannot create include/");
        fs::write(&header, &text).expect("cannot write include/rmsg.h");
    }
}

/// C89 has no `bool`, and clang's `-Wpedantic` rejects the `_Bool` that
/// `<stdbool.h>` names there, so C89 code sees the same type under a name
/// marked as the extension it is (gcc and clang accept `_Bool` in C89).
const C89_BOOL: &str = "
/**
 * C89 has no bool. There the header's bool is the compiler's _Bool (one byte
 * holding 0 or 1, as in C99 and as Rust's bool), which gcc and clang accept
 * in C89 as an extension.
 */
#if !defined(__cplusplus) && defined(__GNUC__) && \\
    (!defined(__STDC_VERSION__) || __STDC_VERSION__ < 199901L)
__extension__ typedef _Bool rmsg_c89_bool;
#undef bool
#define bool rmsg_c89_bool
#endif
";

/// The `RMSG_VERSION_*` macros, from the version in Cargo.toml, placed by
/// cbindgen right after the header's includes.
fn version_macros() -> String {
    let part = |name: &str| -> u32 {
        let v = env::var(name).expect("cargo sets the version parts");
        let n: u32 = v.parse().expect("version parts are numbers");
        assert!(
            n < 256,
            "{name} = {n}: RMSG_VERSION_NUMBER has 8 bits per part"
        );
        n
    };
    let (major, minor, patch) = (
        part("CARGO_PKG_VERSION_MAJOR"),
        part("CARGO_PKG_VERSION_MINOR"),
        part("CARGO_PKG_VERSION_PATCH"),
    );
    let text = env::var("CARGO_PKG_VERSION").expect("cargo sets CARGO_PKG_VERSION");
    let number = (major << 16) | (minor << 8) | patch;
    format!(
        "
/**
 * The version of rmsg this header belongs to. `rmsg_version()` and
 * `rmsg_version_number()` give the version of the library a program runs
 * with, which may be a newer one with the same SONAME (`librmsg.so.{major}`).
 */
#define RMSG_VERSION_MAJOR {major}
/** The minor version of this header. */
#define RMSG_VERSION_MINOR {minor}
/** The patch version of this header. */
#define RMSG_VERSION_PATCH {patch}
/** The version of this header as text, as `rmsg_version()` spells it. */
#define RMSG_VERSION_STRING \"{text}\"
/**
 * The version of this header as one number, `(major << 16) | (minor << 8) |
 * patch`, for `#if RMSG_VERSION_NUMBER >= 0x000100` and for comparing with
 * `rmsg_version_number()`.
 */
#define RMSG_VERSION_NUMBER 0x{number:06x}"
    )
}

/// cbindgen's output made valid C89 (checked by `.ci/header-matrix.sh`):
/// the comments it writes after `#endif` become block comments, and the
/// comma it writes after the last enumerator of each enum is dropped.
fn c89_clean(text: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        let mut line = line.to_string();
        if line.trim_start().starts_with('#') {
            if let Some(at) = line.find("//") {
                let note = line[at + 2..].trim().to_string();
                assert!(
                    !note.contains("*/"),
                    "cannot turn {line:?} into a C89 comment"
                );
                line = format!("{} /* {note} */", line[..at].trim_end());
            }
        }
        if line.starts_with('}') {
            if let Some(last) = lines.iter_mut().rev().find(|l| !l.trim().is_empty()) {
                if last.ends_with(',') {
                    last.pop();
                }
            }
        }
        lines.push(line);
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// Gives every exported function the version node `abi/rmsg.map` names for
/// it. rustc's own version script for a cdylib cannot be combined with one
/// that has named nodes, so `abi/linker.sh` (the linker `.cargo/config.toml`
/// sets) swaps it for the copy of `abi/rmsg.map` written here (the file
/// name is how the wrapper recognises it). Under another linker the script
/// would be ignored by lld or refused by GNU ld, so it is not passed, and
/// the library is built without versions (said as a warning).
fn symbol_versions(crate_dir: &Path) {
    let map = crate_dir.join("abi").join("rmsg.map");
    println!("cargo:rerun-if-changed={}", map.display());
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    let linker = env::var("RUSTC_LINKER").unwrap_or_default();
    if !Path::new(&linker).ends_with("abi/linker.sh") {
        println!(
            "cargo:warning=librmsg.so is linked without symbol versions: the linker is \
             {linker:?}, not abi/linker.sh (see .cargo/config.toml)"
        );
        return;
    }
    let out =
        PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("rmsg-versions.map");
    fs::copy(&map, &out).expect("cannot copy abi/rmsg.map to OUT_DIR");
    println!(
        "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}",
        out.display()
    );
}

/// A program linked against a checkout (`-Ltarget/release -lrmsg`) records
/// the SONAME, `librmsg.so.0`, but cargo names its output `librmsg.so`, and
/// leaves it in `deps/` when the library is only built for an example (as
/// by `cargo run --release --example demo`). So `target/<profile>/` gets
/// `librmsg.so.0` and, when cargo has not put one there, `librmsg.so`, both
/// symbolic links to `deps/librmsg.so`, which every build of the cdylib
/// replaces. The links are made before the library is linked and resolve
/// once it is.
fn link_soname_in_profile_dir() {
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    // OUT_DIR is target/<profile>/build/rmsg-<hash>/out (or the same under
    // target/<triple>/).
    let Some(profile_dir) = out_dir.ancestors().nth(3) else {
        return;
    };
    if !profile_dir.join("deps").is_dir() {
        return;
    }
    let target = Path::new("deps").join("librmsg.so");
    for name in ["librmsg.so.0", "librmsg.so"] {
        let link = profile_dir.join(name);
        // Whatever is there already (cargo's own librmsg.so, or a link made
        // earlier) stays. Failing to link only costs the convenience.
        if fs::symlink_metadata(&link).is_err() {
            let _ = std::os::unix::fs::symlink(&target, &link);
        }
    }
}
