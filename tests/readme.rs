//! The README's code blocks are tests. Every fenced block whose language is
//! `c`, `cpp`, `python`, `js` or `java` is a complete program, or an
//! excerpt of one that is a file in the repository:
//!
//! - A complete program is extracted as it stands and built and run here:
//!   C as `-std=c99 -Wall -Wextra -Wpedantic -Werror` with no feature-test
//!   macros (a program that needs `_DEFAULT_SOURCE` defines it, as a copy a
//!   reader makes must), C++ as `-std=c++17` with the same warnings, both
//!   linked to the library this build produced; Python with `python3`,
//!   the package from `bindings/python` and that library, and a timeout;
//!   JavaScript with `node`, `require('rmsg')` finding the package in
//!   `bindings/node` (its addon built first with `bindings/node/build.js`)
//!   and that library; Java with the source launcher of a JDK 22 or newer
//!   that `bindings/java/jdk.sh` finds by path, the module `rmsg` that
//!   `bindings/java/build.sh` builds, and that library (the file is named
//!   after the block's first class). Each must exit 0 within the timeout.
//!   Where no JDK 22 or newer is installed, Java blocks are skipped and the
//!   reason is printed; any other failure to build or run one fails.
//! - An excerpt says so on the line just before its opening fence:
//!
//!   ```text
//!   <!-- excerpt of examples/pass_fds.c -->
//!   ```
//!
//!   The named file (a path from the repository root) must contain the
//!   block's lines, consecutively and in order, each with the same extra
//!   indentation (or none); that file is then built and run as a complete
//!   program is (`.c`, `.cpp`, `.py`, `.js`, `.java`). A block of any other language may
//!   be marked too (a CMake or shell excerpt), and is then checked for
//!   being in its file, which CI uses.
//!
//! Blocks of other languages without a marker (`sh`, `text`) are not run.
//! A new README section follows the same rule: a complete program, or an
//! excerpt of a file that is one.

mod support;

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use support::cbuild::{self, Lang};

/// How long one README program may run.
const TIMEOUT: Duration = Duration::from_secs(60);
const MARKER_START: &str = "<!-- excerpt of ";
const MARKER_END: &str = " -->";

/// A fenced code block of the README.
struct Block {
    /// 1-based line of the opening fence.
    line: usize,
    lang: String,
    text: String,
    /// The file named by an excerpt marker just before the fence.
    excerpt_of: Option<String>,
}

/// How a program is built and run, from a block's language or a file's
/// extension.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    C,
    Cxx,
    Python,
    JavaScript,
    Java,
}

fn kind_of_lang(lang: &str) -> Option<Kind> {
    match lang {
        "c" => Some(Kind::C),
        "cpp" | "c++" | "cxx" => Some(Kind::Cxx),
        "python" | "py" | "python3" => Some(Kind::Python),
        "js" | "javascript" | "node" => Some(Kind::JavaScript),
        "java" => Some(Kind::Java),
        _ => None,
    }
}

fn kind_of_file(path: &str) -> Option<Kind> {
    match Path::new(path).extension()?.to_str()? {
        "c" => Some(Kind::C),
        "cpp" | "cc" | "cxx" => Some(Kind::Cxx),
        "py" => Some(Kind::Python),
        "js" | "cjs" => Some(Kind::JavaScript),
        "java" => Some(Kind::Java),
        _ => None,
    }
}

/// Builds the Node addon (once) and links the package as
/// `node_modules/rmsg` in the README build directory, so that a program
/// there, or one run with `NODE_PATH` at it, finds it by name. Returns
/// that `node_modules` directory, or why it could not be made.
fn node_package() -> Result<PathBuf, String> {
    static DONE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    DONE.get_or_init(|| {
        let package = cbuild::root().join("bindings/node");
        let out = Command::new("node")
            .arg(package.join("build.js"))
            .output()
            .map_err(|e| format!("cannot run node to build the Node addon: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "bindings/node/build.js failed:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let modules = cbuild::build_dir("readme").join("node_modules");
        fs::create_dir_all(&modules).map_err(|e| e.to_string())?;
        let link = modules.join("rmsg");
        if fs::symlink_metadata(&link).is_err() {
            std::os::unix::fs::symlink(&package, &link).map_err(|e| e.to_string())?;
        }
        Ok(modules)
    })
    .clone()
}

fn blocks(readme: &str) -> Vec<Block> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(info) = lines[i].strip_prefix("```") else {
            i += 1;
            continue;
        };
        let lang = info.split_whitespace().next().unwrap_or("").to_lowercase();
        let marker = i
            .checked_sub(1)
            .map(|p| lines[p].trim())
            .filter(|l| l.starts_with("<!--"));
        let excerpt_of = marker.map(|m| {
            m.strip_prefix(MARKER_START)
                .and_then(|r| r.strip_suffix(MARKER_END))
                .unwrap_or_else(|| {
                    panic!(
                        "README.md:{}: the comment before this block must read \
                         `{MARKER_START}PATH{MARKER_END}`, not `{m}`",
                        i + 1
                    )
                })
                .trim()
                .to_string()
        });
        let start = i + 1;
        let mut end = start;
        while end < lines.len() && lines[end].trim_end() != "```" {
            end += 1;
        }
        assert!(end < lines.len(), "README.md:{}: block never closed", i + 1);
        let mut text = lines[start..end].join("\n");
        text.push('\n');
        out.push(Block {
            line: i + 1,
            lang,
            text,
            excerpt_of,
        });
        i = end + 1;
    }
    out
}

/// Whether `file` holds `excerpt`'s lines consecutively, every one of them
/// (blank lines aside) indented by the same extra prefix.
fn contains_excerpt(file: &str, excerpt: &str) -> bool {
    let want: Vec<&str> = excerpt.lines().map(str::trim_end).collect();
    let have: Vec<&str> = file.lines().map(str::trim_end).collect();
    if want.is_empty() || want.len() > have.len() {
        return false;
    }
    (0..=have.len() - want.len()).any(|at| {
        let window = &have[at..at + want.len()];
        let Some((first_have, first_want)) = window.iter().zip(&want).find(|(_, w)| !w.is_empty())
        else {
            return false;
        };
        let Some(indent) = first_have.strip_suffix(first_want) else {
            return false;
        };
        if !indent.chars().all(char::is_whitespace) {
            return false;
        }
        window.iter().zip(&want).all(|(h, w)| {
            if w.is_empty() {
                h.is_empty()
            } else {
                h.strip_prefix(indent) == Some(w)
            }
        })
    })
}

/// Runs a program with a timeout, its output into files beside it, and
/// returns an error (with the output) unless it exits 0.
fn run_bounded(mut cmd: Command, what: &str, log_stem: &Path) -> Result<(), String> {
    let out_path = log_stem.with_extension("stdout");
    let err_path = log_stem.with_extension("stderr");
    let stdout = fs::File::create(&out_path).expect("create stdout log");
    let stderr = fs::File::create(&err_path).expect("create stderr log");
    cmd.stdin(Stdio::null()).stdout(stdout).stderr(stderr);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("{what}: cannot start: {e}"))?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the program") {
            break Some(status);
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = format!(
        "{}{}",
        fs::read_to_string(&out_path).unwrap_or_default(),
        fs::read_to_string(&err_path).unwrap_or_default()
    );
    match status {
        Some(s) if s.success() => {
            print!("{output}");
            Ok(())
        }
        Some(s) => Err(format!("{what}: exited with {s}:\n{output}")),
        None => Err(format!(
            "{what}: still running after {}s, killed:\n{output}",
            TIMEOUT.as_secs()
        )),
    }
}

/// The command that runs a Java program against the module `rmsg` (the
/// JDK's `java` with the module path and native access), built once per
/// run by `bindings/java/build.sh`; `Err` with the reason when there is no
/// JDK 22 or newer (the blocks are then skipped), a panic when the build
/// fails.
fn java_command() -> &'static Result<Vec<String>, String> {
    static JAVA: OnceLock<Result<Vec<String>, String>> = OnceLock::new();
    JAVA.get_or_init(|| {
        let java = cbuild::root().join("bindings/java");
        let jdk = Command::new("bash")
            .arg(java.join("jdk.sh"))
            .output()
            .expect("run bindings/java/jdk.sh");
        if !jdk.status.success() {
            return Err(String::from_utf8_lossy(&jdk.stderr).trim().to_string());
        }
        let out = Command::new("bash")
            .arg(java.join("build.sh"))
            .arg("java-cmd")
            .env("RMSG_JAVA_OUT", cbuild::build_dir("readme").join("java"))
            .output()
            .expect("run bindings/java/build.sh");
        assert!(
            out.status.success(),
            "bindings/java/build.sh failed to build the module:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect())
    })
}

/// Builds and runs one program (a source file), as its kind says.
fn build_and_run(kind: Kind, src: &Path, what: &str) -> Result<(), String> {
    let src_arg = src.to_str().expect("UTF-8 path");
    let stem = src.file_stem().expect("a file name").to_string_lossy();
    let log_stem = cbuild::build_dir("readme").join(format!("{stem}.log"));
    let cmd = match kind {
        Kind::C | Kind::Cxx => {
            let lang = if kind == Kind::C {
                Lang::C("c99")
            } else {
                Lang::Cxx("c++17")
            };
            // A program that uses liburing links it too.
            let source = fs::read_to_string(src).unwrap_or_default();
            let libs: &[&str] = if source.contains("#include <liburing.h>") {
                &["-luring"]
            } else {
                &[]
            };
            let exe = std::panic::catch_unwind(|| {
                cbuild::build_linked("readme", src_arg, lang, 0, &[], libs)
            })
            .map_err(|e| {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .unwrap_or_else(|| "the compiler failed".to_string());
                format!("{what}: {msg}")
            })?;
            Command::new(exe)
        }
        Kind::Python => {
            let mut c = Command::new("python3");
            c.arg(src);
            c.env("PYTHONPATH", cbuild::root().join("bindings/python"));
            c.env("RMSG_LIBRARY", cbuild::staged_library("readme"));
            c
        }
        Kind::JavaScript => {
            let modules = node_package().map_err(|e| format!("{what}: {e}"))?;
            let mut c = Command::new("node");
            c.arg(src);
            c.env("NODE_PATH", modules);
            c.env("RMSG_LIBRARY", cbuild::staged_library("readme"));
            c
        }
        Kind::Java => match java_command() {
            Err(reason) => {
                println!("{what}: skipped: {reason}");
                return Ok(());
            }
            Ok(java) => {
                let mut c = Command::new(&java[0]);
                c.args(&java[1..]).arg(src);
                c.env("RMSG_LIBRARY", cbuild::staged_library("readme"));
                c
            }
        },
    };
    let mut cmd = cmd;
    cmd.current_dir(cbuild::build_dir("readme"));
    run_bounded(cmd, what, &log_stem)
}

fn extension(kind: Kind) -> &'static str {
    match kind {
        Kind::C => "c",
        Kind::Cxx => "cpp",
        Kind::Python => "py",
        Kind::JavaScript => "js",
        Kind::Java => "java",
    }
}

/// Checks one block: an excerpt is found in its file, which is run (once,
/// however many blocks come from it); a complete program is written out
/// and run.
fn check_block(b: &Block, files_run: &mut HashSet<String>) -> Result<(), String> {
    let what = format!("README.md:{} ({} block)", b.line, b.lang);
    let kind = kind_of_lang(&b.lang);
    if let Some(file) = &b.excerpt_of {
        let path = cbuild::root().join(file);
        let text = fs::read_to_string(&path)
            .map_err(|e| format!("{what}: excerpt of {file}, which cannot be read: {e}"))?;
        if !contains_excerpt(&text, &b.text) {
            return Err(format!(
                "{what}: marked as an excerpt of {file}, but {file} does not contain \
                 these lines (consecutively, with one common indentation):\n{}",
                b.text
            ));
        }
        return match (kind, kind_of_file(file)) {
            (None, _) => Ok(()),
            (Some(k), Some(fk)) if k == fk => {
                if !files_run.insert(file.clone()) {
                    return Ok(());
                }
                build_and_run(fk, &path, &format!("{what}, {file}"))
            }
            (Some(k), _) => Err(format!(
                "{what}: a {k:?} excerpt must name a {k:?} program (.{}), not {file}",
                extension(k)
            )),
        };
    }
    let Some(kind) = kind else {
        return Ok(());
    };
    let src: PathBuf = if kind == Kind::Java {
        // The source launcher wants the file named after its class.
        let class = java_class(&b.text)
            .ok_or_else(|| format!("{what}: a Java block must declare a class"))?;
        let dir = cbuild::build_dir("readme").join(format!("readme_line{}", b.line));
        fs::create_dir_all(&dir).expect("create the Java block's directory");
        dir.join(format!("{class}.java"))
    } else {
        cbuild::build_dir("readme").join(format!("readme_line{}.{}", b.line, extension(kind)))
    };
    fs::write(&src, &b.text).expect("write the extracted program");
    build_and_run(kind, &src, &what)
}

/// The name of the first top-level class a Java program declares.
fn java_class(text: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let words: Vec<&str> = l.split_whitespace().collect();
        let at = words.iter().position(|w| *w == "class")?;
        let leading = &words[..at];
        if !l.starts_with(char::is_alphabetic)
            || !leading
                .iter()
                .all(|w| ["public", "final", "abstract"].contains(w))
        {
            return None;
        }
        let name: String = words
            .get(at + 1)?
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        (!name.is_empty()).then_some(name)
    })
}

#[test]
fn readme_code_blocks_are_programs_that_run() {
    let readme = fs::read_to_string(cbuild::root().join("README.md")).expect("read README.md");
    let all = blocks(&readme);
    let tested: Vec<&Block> = all
        .iter()
        .filter(|b| b.excerpt_of.is_some() || kind_of_lang(&b.lang).is_some())
        .collect();
    assert!(
        tested.iter().any(|b| b.lang == "c") && tested.iter().any(|b| b.lang == "python"),
        "found no C or Python blocks in README.md: is the parser right?"
    );
    let mut files_run = HashSet::new();
    let failures: Vec<String> = tested
        .iter()
        .filter_map(|b| check_block(b, &mut files_run).err())
        .collect();
    println!(
        "{} README blocks checked, {} failed",
        tested.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn excerpt_matching() {
    let file = "int main(void) {\n    int a = 1;\n\n    return a;\n}\n";
    assert!(contains_excerpt(file, "int a = 1;\n\nreturn a;\n"));
    assert!(contains_excerpt(file, "    int a = 1;\n"));
    assert!(contains_excerpt(file, file));
    // Out of order, not consecutive, or unevenly indented: not an excerpt.
    assert!(!contains_excerpt(file, "return a;\nint a = 1;\n"));
    assert!(!contains_excerpt(file, "int main(void) {\nreturn a;\n"));
    assert!(!contains_excerpt(file, "int main(void) {\nint a = 1;\n"));
    assert!(!contains_excerpt(file, "int b = 2;\n"));
    assert!(!contains_excerpt(file, ""));
}

#[test]
fn java_class_names() {
    assert_eq!(
        java_class("import a.B;\n\npublic class Example {\n    class Inner {}\n}\n").as_deref(),
        Some("Example")
    );
    assert_eq!(java_class("final class A{}\n").as_deref(), Some("A"));
    assert_eq!(java_class("    class Nested {}\n// class X\n"), None);
}

#[test]
fn blocks_and_markers_are_found() {
    let text = "x\n```c\nint x;\n```\n<!-- excerpt of a/b.c -->\n```sh\nls\n```\n";
    let b = blocks(text);
    assert_eq!(b.len(), 2);
    assert_eq!(
        (b[0].line, b[0].lang.as_str(), b[0].text.as_str()),
        (2, "c", "int x;\n")
    );
    assert_eq!(b[0].excerpt_of, None);
    assert_eq!(b[1].excerpt_of.as_deref(), Some("a/b.c"));
}
