//! Builds C (and C++) programs against `include/rmsg.h` and the cdylib that
//! cargo just built, and runs them. Shared by `tests/c_tests.rs`, the
//! benchmark in `benches/` and the demo launcher in `examples/`.
//!
//! Environment switches (used by `.ci/run`):
//! - `RMSG_SANITIZE=1`: compile with `-fsanitize=address,undefined`.
//! - `RMSG_VALGRIND=1`: run under valgrind (leak check, fd tracking).
#![allow(dead_code)]

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sanitize() -> bool {
    env::var("RMSG_SANITIZE").is_ok_and(|v| v == "1")
}

fn valgrind() -> bool {
    env::var("RMSG_VALGRIND").is_ok_and(|v| v == "1")
}

/// Finds `librmsg.so` built for the running test, bench or example: cargo
/// puts it in `target/<profile>/deps/` (tests, benches) and
/// `target/<profile>/` (examples), beside or above the running binary.
fn built_cdylib() -> PathBuf {
    let exe = env::current_exe().expect("current_exe");
    let dir = exe.parent().expect("exe has a directory");
    let candidates = [dir.to_path_buf(), dir.join(".."), dir.join("../deps")];
    candidates
        .iter()
        .map(|d| d.join("librmsg.so"))
        .filter(|p| p.exists())
        .max_by_key(|p| fs::metadata(p).and_then(|m| m.modified()).ok())
        .unwrap_or_else(|| panic!("librmsg.so not found near {}", dir.display()))
}

/// Output directory for one kind of build, under `target/`.
fn out_dir(kind: &str) -> PathBuf {
    let exe = env::current_exe().expect("current_exe");
    // target/<profile>/{deps,examples}/binary -> target/<profile>/c-build/<kind>
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let flavour = if sanitize() { "sanitize" } else { "plain" };
    let d = profile_dir.join("c-build").join(kind).join(flavour);
    fs::create_dir_all(&d).expect("create build directory");
    d
}

/// Copies the cdylib next to the programs under its SONAME, so that they
/// load exactly the library this build produced.
fn stage_library(dir: &Path) -> PathBuf {
    static LOCK: Mutex<()> = Mutex::new(());
    let _serial = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let lib_dir = dir.join("lib");
    fs::create_dir_all(&lib_dir).expect("create lib directory");
    let so0 = lib_dir.join("librmsg.so.0");
    let tmp = lib_dir.join(format!("librmsg.so.0.tmp{}", std::process::id()));
    fs::copy(built_cdylib(), &tmp).expect("copy librmsg.so");
    fs::rename(&tmp, &so0).expect("install librmsg.so.0");
    let link = lib_dir.join("librmsg.so");
    if fs::symlink_metadata(&link).is_err() {
        std::os::unix::fs::symlink("librmsg.so.0", &link).expect("link librmsg.so");
    }
    lib_dir
}

/// Which language and standard to compile as.
#[derive(Clone, Copy)]
pub enum Lang {
    /// C99 with `_DEFAULT_SOURCE` and `_GNU_SOURCE` (the C tests).
    C99,
    /// C at the given standard with no feature-test macros: the program
    /// defines what it needs, as one a user copies must (README programs).
    C(&'static str),
    Cxx(&'static str),
}

/// The library this build produced, staged under its SONAME for programs
/// of one kind (as `build` links them), for loaders other than the C
/// programs' own (Python's ctypes through `RMSG_LIBRARY`).
pub fn staged_library(kind: &str) -> PathBuf {
    stage_library(&out_dir(kind)).join("librmsg.so.0")
}

/// The build directory of one kind of program, for files made on the way.
pub fn build_dir(kind: &str) -> PathBuf {
    out_dir(kind)
}

/// Compiles `src` (relative to the repository root, or absolute) into an
/// executable and returns its path.
pub fn build(kind: &str, src: &str, lang: Lang, opt: u32, extra: &[&str]) -> PathBuf {
    build_linked(kind, src, lang, opt, extra, &[])
}

/// [`build`], also linking the libraries in `libs` (linker arguments such
/// as `-luring`, placed after the source and librmsg).
pub fn build_linked(
    kind: &str,
    src: &str,
    lang: Lang,
    opt: u32,
    extra: &[&str],
    libs: &[&str],
) -> PathBuf {
    let dir = out_dir(kind);
    let lib_dir = stage_library(&dir);
    let stem = Path::new(src)
        .file_stem()
        .expect("source has a name")
        .to_string_lossy()
        .into_owned();
    let exe = dir.join(&stem);
    let target = env!("RMSG_BUILD_TARGET");
    let mut build = cc::Build::new();
    build
        .cargo_metadata(false)
        .cargo_warnings(false)
        .target(target)
        .host(target)
        .opt_level(opt)
        .debug(true)
        // Not `warnings(false)`: cc passes `-w` for that, which silences
        // every warning, `-Werror` or not. The strict flags follow below.
        .warnings(true);
    if let Lang::Cxx(_) = lang {
        build.cpp(true);
    }
    let mut cmd = build.get_compiler().to_command();
    match lang {
        Lang::C99 => cmd
            .arg("-std=c99")
            .arg("-D_DEFAULT_SOURCE")
            .arg("-D_GNU_SOURCE"),
        Lang::C(std) | Lang::Cxx(std) => cmd.arg(format!("-std={std}")),
    };
    cmd.args(["-Wall", "-Wextra", "-Wpedantic", "-Werror"]);
    if sanitize() {
        cmd.args([
            "-fsanitize=address,undefined",
            "-fno-omit-frame-pointer",
            "-fno-sanitize-recover=all",
        ]);
    }
    cmd.arg("-I").arg(root().join("include"));
    cmd.arg("-I").arg(root().join("c_tests"));
    cmd.args(extra);
    cmd.arg(root().join(src)).arg("-o").arg(&exe);
    cmd.arg("-L").arg(&lib_dir).arg("-lrmsg");
    cmd.arg(format!("-Wl,-rpath,{}", lib_dir.display()));
    cmd.args(libs);
    cmd.arg("-lpthread");
    let out = cmd.output().expect("run the C compiler");
    assert!(
        out.status.success(),
        "compiling {src} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

/// Runs a built program (under valgrind when asked) and returns its output.
pub fn run(exe: &Path, args: &[&str]) -> Output {
    let mut cmd = if valgrind() {
        let mut c = Command::new("valgrind");
        c.args([
            "--quiet",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect",
            "--track-fds=yes",
            "--error-exitcode=1",
            "--child-silent-after-fork=yes",
        ]);
        c.arg(exe);
        c
    } else {
        Command::new(exe)
    };
    cmd.args(args);
    if sanitize() {
        cmd.env(
            "ASAN_OPTIONS",
            "detect_leaks=1:abort_on_error=0:halt_on_error=1",
        );
        cmd.env("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1");
    }
    cmd.output().expect("run the program")
}

/// Builds and runs a C test program from `c_tests/`, failing with its output
/// when it exits non-zero.
pub fn run_c_test(name: &str) {
    let exe = build("c_tests", &format!("c_tests/{name}.c"), Lang::C99, 0, &[]);
    check(name, &run(&exe, &[]));
}

/// [`run_c_test`] for a program that also links the libraries in `libs`.
pub fn run_c_test_linked(name: &str, libs: &[&str]) {
    let src = format!("c_tests/{name}.c");
    let exe = build_linked("c_tests", &src, Lang::C99, 0, &[], libs);
    check(name, &run(&exe, &[]));
}

/// Fails the test with the program's output unless it exited 0.
pub fn check(name: &str, out: &Output) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    print!("{stdout}");
    eprint!("{stderr}");
    assert!(
        out.status.success(),
        "{name} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    if valgrind() {
        // valgrind reports descriptors left open at exit on stderr; the
        // three standard streams are inherited and expected.
        assert!(
            !stderr.contains("Open file descriptor") || only_std_fds(&stderr),
            "{name}: valgrind saw file descriptors left open:\n{stderr}"
        );
    }
}

fn only_std_fds(report: &str) -> bool {
    // Each entry is "Open file descriptor N: ..." followed by where it was
    // opened; descriptors the harness passed in say "<inherited from parent>".
    let lines: Vec<&str> = report.lines().collect();
    lines.iter().enumerate().all(|(i, l)| {
        if !(l.contains("Open file descriptor") || l.contains("Open AF_")) {
            return true;
        }
        let std_fd = ["descriptor 0:", "descriptor 1:", "descriptor 2:"]
            .iter()
            .any(|s| l.contains(s));
        let inherited = lines
            .get(i + 1)
            .is_some_and(|n| n.contains("inherited from parent"));
        std_fd || inherited
    })
}
