//! Generates the calls of the bad-input test (`c_tests/bad_input.c`) from
//! the prototypes in `include/rmsg.h`, so that a function added to the
//! header is attacked without anyone remembering to list it.
//!
//! Every parameter is classified by its C type and name into a set of
//! values: the first is the baseline (a live fixture, a real buffer with
//! an unmapped page after it, a plausible number), the others are hostile (NULL, a descriptor that is
//! -1, closed or not a socket, sizes 0/1/`SIZE_MAX`/`SIZE_MAX/2`/
//! `INT_MAX+1`, unknown flag bits, out-of-range numbers). A pointer
//! followed by a `size_t` is one region and the two vary together. Each
//! function is called once with every baseline, then once per hostile value
//! of one parameter, the others at their baseline. Values marked invalid
//! must make a function that returns `rmsg_status` return something other
//! than `RMSG_OK`; every call, whatever it returns, must not crash, hang or
//! leak a descriptor (the C side checks that, one child process per call).
//!
//! A parameter whose type and name this file does not know stops the
//! generator with a message naming it: decide what its hostile values are,
//! add them below (and a fixture to `bad_input.c` for a new handle type).
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

/// One parameter of a prototype, with `struct ` dropped from its type.
#[derive(Debug, Clone)]
pub struct Param {
    pub ty: String,
    pub name: String,
}

/// One prototype of the header.
#[derive(Debug, Clone)]
pub struct Func {
    pub ret: String,
    pub name: String,
    pub params: Vec<Param>,
}

/// What the header declares: its functions and its opaque handle types.
#[derive(Debug)]
pub struct Header {
    pub funcs: Vec<Func>,
    pub handles: BTreeSet<String>,
}

/// Removes `/* */` and `//` comments.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let block = rest.find("/*");
        let line = rest.find("//");
        match (block, line) {
            (None, None) => {
                out.push_str(rest);
                return out;
            }
            (Some(b), l) if l.is_none_or(|l| b < l) => {
                out.push_str(&rest[..b]);
                let end = rest[b + 2..].find("*/").expect("unterminated comment") + b + 4;
                out.push(' ');
                rest = &rest[end..];
            }
            (_, Some(l)) => {
                out.push_str(&rest[..l]);
                rest = rest[l..].find('\n').map_or("", |n| &rest[l + n..]);
            }
            _ => unreachable!(),
        }
    }
}

/// Parses the prototypes between `extern "C" {` and its closing brace, and
/// the `typedef struct ... rmsg_x;` lines of opaque handles.
pub fn parse_header(text: &str) -> Header {
    let text = strip_comments(text);
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect();
    let text = lines.join("\n");
    let mut handles = BTreeSet::new();
    for l in text.lines() {
        let words: Vec<&str> = l.split_whitespace().collect();
        // `typedef struct rmsg_x rmsg_x;`, or an alias of another handle
        // (`typedef struct rmsg_x rmsg_y;`).
        if let ["typedef", "struct", _, b] = words[..] {
            if let Some(name) = b.strip_suffix(';') {
                handles.insert(name.to_string());
            }
        }
    }
    let start = text.find("extern \"C\" {").expect("extern \"C\" block") + 12;
    let end = text[start..].find('}').expect("end of extern \"C\" block") + start;
    let mut funcs = Vec::new();
    for decl in text[start..end].split(';') {
        let decl = decl.split_whitespace().collect::<Vec<_>>().join(" ");
        if decl.is_empty() {
            continue;
        }
        let open = decl
            .find('(')
            .unwrap_or_else(|| panic!("not a prototype: {decl}"));
        assert!(decl.ends_with(')'), "not a prototype: {decl}");
        let (head, params) = (&decl[..open], &decl[open + 1..decl.len() - 1]);
        let (ret, name) = split_decl(head);
        let params = if params.trim() == "void" {
            Vec::new()
        } else {
            params
                .split(',')
                .map(|p| {
                    let (ty, name) = split_decl(p);
                    Param { ty, name }
                })
                .collect()
        };
        funcs.push(Func { ret, name, params });
    }
    Header { funcs, handles }
}

/// Splits `const struct rmsg_x *name` into (`const rmsg_x *`, `name`).
fn split_decl(decl: &str) -> (String, String) {
    let decl = decl.trim().replace("struct ", "");
    let at = decl
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let (ty, name) = decl.split_at(at);
    let ty = ty.split_whitespace().collect::<Vec<_>>().join(" ");
    let ty = ty
        .replace(" *", "*")
        .replace('*', " *")
        .replace("* *", "**");
    (ty.trim().to_string(), name.to_string())
}

/// One value a slot can take: a C expression per parameter of the slot.
#[derive(Debug, Clone)]
struct Choice {
    exprs: Vec<String>,
    label: String,
    invalid: bool,
}

fn choice(exprs: &[&str], label: &str, invalid: bool) -> Choice {
    Choice {
        exprs: exprs.iter().map(|s| s.to_string()).collect(),
        label: label.to_string(),
        invalid,
    }
}

/// Pointers that may be NULL: the defaults, or "none" (the rest are
/// required, so NULL must be refused by functions that return a status).
const OPTIONAL: &[(&str, &str)] = &[
    ("rmsg_sendmsg", "control"),
    ("rmsg_sendmsg", "address"),
    ("rmsg_recv_fds", "msg_flags_out"),
];

/// Names of `int` parameters that are plain numbers with a documented
/// range (values outside must be refused).
const RANGED: &[(&str, i64, i64)] = &[
    ("tos", 0, 255),
    ("ttl", 1, 255),
    ("tclass", -1, 255),
    ("hoplimit", -1, 255),
    ("dontfrag", 0, 1),
];

/// Scalar parameters any value of which is valid: (type, name, values).
const ANY: &[(&str, &str, &[&str])] = &[
    ("int", "cmsg_level", &["0", "1", "-1", "INT_MIN", "INT_MAX"]),
    ("int", "cmsg_type", &["0", "1", "-1", "INT_MIN", "INT_MAX"]),
    ("int32_t", "pid", &["0", "-1", "INT32_MIN", "INT32_MAX"]),
    ("uint32_t", "uid", &["0", "UINT32_MAX"]),
    ("uint32_t", "gid", &["0", "UINT32_MAX"]),
    ("uint16_t", "segment_size", &["0", "1", "UINT16_MAX"]),
    ("uint64_t", "time_ns", &["0", "UINT64_MAX"]),
    // Send-side items whose value the kernel judges at send time.
    ("uint32_t", "tx_flags", &["0", "1", "UINT32_MAX"]),
    ("uint32_t", "id", &["0", "UINT32_MAX"]),
    ("uint32_t", "priority", &["0", "7", "UINT32_MAX"]),
    ("uint32_t", "mark", &["0", "UINT32_MAX"]),
    ("uint8_t", "record_type", &["0", "23", "UINT8_MAX"]),
    ("uint32_t", "op", &["0", "1", "UINT32_MAX"]),
    ("uint32_t", "assoclen", &["0", "UINT32_MAX"]),
    (
        "uint32_t",
        "status",
        &["0", "1", "255", "9999", "UINT32_MAX"],
    ),
    // The enum values the errqueue name functions name.
    ("uint32_t", "kind", &["0", "1", "255", "9999", "UINT32_MAX"]),
    (
        "uint32_t",
        "reason",
        &["0", "1", "255", "9999", "UINT32_MAX"],
    ),
    (
        "uint32_t",
        "tstamp_type",
        &["0", "1", "255", "9999", "UINT32_MAX"],
    ),
    (
        "uint32_t",
        "error",
        &["0", "1", "255", "9999", "UINT32_MAX"],
    ),
];

/// The fixture constant of a handle type (`rmsg_cmsg_builder` gives
/// `BI_FX_CMSG_BUILDER`).
fn fixture(handle: &str) -> String {
    format!(
        "BI_FX_{}",
        handle.trim_start_matches("rmsg_").to_uppercase()
    )
}

/// The fixtures `bad_input.c` can make.
const FIXTURES: &[&str] = &[
    "rmsg_message",
    "rmsg_item",
    "rmsg_address",
    "rmsg_cmsg_builder",
    "rmsg_control",
    "rmsg_receiver",
    "rmsg_batch",
];

/// The handle type named by a pointer type (`const rmsg_x *`), if any.
fn pointee(ty: &str, stars: &str) -> Option<String> {
    let t = ty.strip_suffix(stars)?.trim();
    let t = t.strip_prefix("const ").unwrap_or(t);
    (!t.contains('*')).then(|| t.to_string())
}

/// A function's parameters grouped into slots (a region is two
/// parameters), with each slot's choices.
fn slots(h: &Header, f: &Func) -> Vec<(Vec<usize>, Vec<Choice>)> {
    let fail = |p: &Param, why: &str| -> ! {
        panic!(
            "bad-input test: {}: parameter `{} {}`: {why}. Give it hostile values in \
             tests/support/badinput.rs (and a fixture in c_tests/bad_input.c for a new \
             handle type).",
            f.name, p.ty, p.name
        )
    };
    let optional = |p: &Param| OPTIONAL.contains(&(f.name.as_str(), p.name.as_str()));
    let mut out = Vec::new();
    let mut i = 0;
    while i < f.params.len() {
        let p = &f.params[i];
        let buf = format!("bi_buf(e, {i})");
        let next_is_len = f.params.get(i + 1).is_some_and(|n| {
            n.ty == "size_t"
                && n.name != "view_size"
                && n.name != "info_size"
                && !p.ty.ends_with("**")
        });
        let is_handle_ptr = pointee(&p.ty, "*").is_some_and(|t| h.handles.contains(&t));
        if p.ty.ends_with('*') && !is_handle_ptr && next_is_len {
            // A region: the pointer and its length vary together.
            let len = &f.params[i + 1];
            let ok = len.name.ends_with("_len") || len.name.ends_with("count");
            if !ok {
                fail(
                    len,
                    "a size_t after a pointer must be its length (`*_len`, `*count`)",
                );
            }
            // Bytes read by the call are a run of well-formed control
            // messages up to the guard page that follows every buffer, so
            // that a walk past the real length faults; anything else
            // (structs, descriptors, outputs) is zeroed.
            let bytes = format!("bi_bytes(e, {i})");
            let b = if p.ty == "const uint8_t *" || p.ty == "const char *" {
                bytes.as_str()
            } else {
                buf.as_str()
            };
            let choices = vec![
                choice(&[b, "0"], "buffer, 0", false),
                choice(&[b, "1"], "buffer, 1", false),
                choice(&[b, "BI_SIZE_MAX"], "buffer, SIZE_MAX", true),
                choice(&[b, "BI_HALF"], "buffer, SIZE_MAX/2", true),
                choice(&["NULL", "0"], "NULL, 0", false),
                choice(&["NULL", "1"], "NULL, 1", true),
                choice(&["NULL", "BI_INT_MAX_PLUS_1"], "NULL, INT_MAX+1", true),
                choice(&["NULL", "BI_SIZE_MAX"], "NULL, SIZE_MAX", true),
            ];
            out.push((vec![i, i + 1], choices));
            i += 2;
            continue;
        }
        let choices = if let Some(t) = pointee(&p.ty, "**").filter(|t| h.handles.contains(t)) {
            // A new handle for the caller.
            let free = format!("{t}_free");
            if !h.funcs.iter().any(|g| g.name == free) {
                fail(p, &format!("a handle output needs `{free}`"));
            }
            vec![
                choice(&[&buf], "buffer", false),
                choice(&["NULL"], "NULL", !optional(p)),
            ]
        } else if let Some(t) = pointee(&p.ty, "*").filter(|t| h.handles.contains(t)) {
            if !FIXTURES.contains(&t.as_str()) {
                fail(p, "no fixture for this handle type");
            }
            let fx = format!("bi_fixture(e, {})", fixture(&t));
            vec![
                choice(&[&fx], "fixture", false),
                choice(&["NULL"], "NULL", !optional(p)),
            ]
        } else if p.name == "options"
            && (p.ty == "const rmsg_recv_options *" || p.ty == "const rmsg_send_options *")
        {
            let kind = if p.ty.contains("recv") {
                "recv"
            } else {
                "send"
            };
            let opt = |k: &str| format!("&e->{kind}_options[{k}]");
            vec![
                choice(&["NULL"], "NULL (defaults)", false),
                choice(&[&opt("BI_OPT_NONBLOCK")], "non-blocking", false),
                choice(&[&opt("BI_OPT_DEADLINE_0")], "deadline 0", false),
                choice(&[&opt("BI_OPT_BAD_WAIT")], "unknown wait", true),
                choice(&[&opt("BI_OPT_BAD_FLAGS")], "unknown flag", true),
            ]
        } else if p.ty.ends_with('*') {
            // Outputs (`*_out`, written by the function) and read-only
            // structs (`const rmsg_inet_address *`): a zeroed buffer.
            let plain = pointee(&p.ty, "*")
                .or_else(|| pointee(&p.ty, "**"))
                .filter(|t| t.starts_with("rmsg_") || is_c_scalar(t));
            // A pointer to pointers written out (`const rmsg_view *const
            // **views_out`) is an output like any other.
            let out_ptr = p.ty.ends_with("**") && p.name.ends_with("_out");
            let known = (plain.is_some() || out_ptr)
                && (p.name.ends_with("_out") || p.ty.starts_with("const "));
            if !known {
                fail(p, "unknown pointer parameter");
            }
            vec![
                choice(&[&buf], "buffer", false),
                choice(&["NULL"], "NULL", !optional(p)),
            ]
        } else {
            scalar(p).unwrap_or_else(|| fail(p, "unknown scalar parameter"))
        };
        out.push((vec![i], choices));
        i += 1;
    }
    out
}

fn is_c_scalar(t: &str) -> bool {
    matches!(
        t,
        "char" | "int" | "uint8_t" | "uint16_t" | "int32_t" | "uint32_t" | "uint64_t" | "size_t"
    )
}

/// Choices for a number or a descriptor.
fn scalar(p: &Param) -> Option<Vec<Choice>> {
    let ty = p.ty.as_str();
    let name = p.name.as_str();
    let v = match (ty, name) {
        ("int", "fd") => vec![
            choice(&["e->sock[0]"], "a socket", false),
            choice(&["-1"], "-1", true),
            choice(&["e->closed_fd"], "a closed descriptor", true),
            choice(&["e->pipe[0]"], "a pipe (not a socket)", true),
        ],
        // Flags for the kernel (recvmsg(2), sendmsg(2)): rmsg passes them
        // on, so an unknown bit is the kernel's to judge.
        ("int", "flags") => vec![
            choice(&["0"], "0", false),
            choice(&["MSG_PEEK"], "MSG_PEEK", false),
            choice(&["0x40000000"], "unknown bit", false),
        ],
        // rmsg's own flags: unknown bits are refused.
        // (The baseline sets the first flag: RMSG_PARSE_OWN_FDS.)
        ("uint32_t", "flags") => vec![
            choice(&["1"], "1", false),
            choice(&["0"], "0", false),
            choice(&["0x80000000u"], "unknown bit", true),
        ],
        // The caller's sizeof(rmsg_view): from the first version's size to
        // the library's.
        ("size_t", "view_size") => vec![
            choice(&["sizeof(rmsg_view)"], "sizeof(rmsg_view)", false),
            choice(&["0"], "0", true),
            choice(&["sizeof(rmsg_view) - 8"], "one field short", true),
            choice(&["sizeof(rmsg_view) + 8"], "a newer header's", true),
            choice(&["BI_SIZE_MAX"], "SIZE_MAX", true),
        ],
        // The caller's sizeof(rmsg_errqueue_info), checked as view_size is.
        ("size_t", "info_size") => vec![
            choice(
                &["sizeof(rmsg_errqueue_info)"],
                "sizeof(rmsg_errqueue_info)",
                false,
            ),
            choice(&["0"], "0", true),
            choice(&["sizeof(rmsg_errqueue_info) - 8"], "one field short", true),
            choice(
                &["sizeof(rmsg_errqueue_info) + 8"],
                "a newer header's",
                true,
            ),
            choice(&["BI_SIZE_MAX"], "SIZE_MAX", true),
        ],
        ("uint32_t", "ifindex") => vec![
            choice(&["0"], "0", false),
            choice(&["1"], "1", false),
            choice(&["(uint32_t)INT_MAX"], "INT_MAX", false),
            choice(&["(uint32_t)INT_MAX + 1u"], "INT_MAX+1", true),
            choice(&["UINT32_MAX"], "UINT32_MAX", true),
        ],
        ("size_t", _) => {
            let base = if name == "index" || name == "n" {
                "0"
            } else {
                "64"
            };
            let mut v = vec![choice(&[base], base, false)];
            if base != "0" {
                v.push(choice(&["0"], "0", false));
            }
            v.extend([
                choice(&["1"], "1", false),
                choice(&["BI_INT_MAX_PLUS_1"], "INT_MAX+1", false),
                choice(&["BI_HALF"], "SIZE_MAX/2", true),
                choice(&["BI_SIZE_MAX"], "SIZE_MAX", true),
            ]);
            v
        }
        ("int", _) if RANGED.iter().any(|r| r.0 == name) => {
            let &(_, lo, hi) = RANGED.iter().find(|r| r.0 == name)?;
            let mut v = vec![choice(&[&lo.to_string()], &lo.to_string(), false)];
            for x in [
                i64::from(i32::MIN),
                -2,
                -1,
                0,
                1,
                255,
                256,
                i64::from(i32::MAX),
            ] {
                if x == lo {
                    continue;
                }
                let e = match x {
                    x if x == i64::from(i32::MIN) => "INT_MIN".to_string(),
                    x if x == i64::from(i32::MAX) => "INT_MAX".to_string(),
                    x => x.to_string(),
                };
                v.push(choice(&[&e], &e, !(lo..=hi).contains(&x)));
            }
            v
        }
        _ => {
            let &(_, _, values) = ANY.iter().find(|a| a.0 == ty && a.1 == name)?;
            values.iter().map(|x| choice(&[x], x, false)).collect()
        }
    };
    Some(v)
}

/// Writes the generated cases to `out` and returns their number.
pub fn generate(header: &Path, out: &Path) -> usize {
    let text = fs::read_to_string(header).expect("read include/rmsg.h");
    let h = parse_header(&text);
    assert!(
        h.funcs.len() > 50,
        "only {} prototypes found",
        h.funcs.len()
    );
    let mut cases = String::new();
    let mut table = String::new();
    let mut n = 0usize;
    for f in &h.funcs {
        let status = f.ret == "rmsg_status";
        let slots = slots(&h, f);
        // The baseline, then one hostile value at a time.
        let mut runs: Vec<Vec<usize>> = vec![vec![0; slots.len()]];
        for (s, (_, choices)) in slots.iter().enumerate() {
            for c in 1..choices.len() {
                let mut pick = vec![0; slots.len()];
                pick[s] = c;
                runs.push(pick);
            }
        }
        for pick in runs {
            let mut args = vec![String::new(); f.params.len()];
            let mut labels = Vec::new();
            let mut invalid = false;
            for ((params, choices), &c) in slots.iter().zip(&pick) {
                let ch = &choices[c];
                for (k, &pi) in params.iter().enumerate() {
                    args[pi] = format!("({})({})", f.params[pi].ty, ch.exprs[k]);
                }
                if c != 0 {
                    let names: Vec<&str> = params
                        .iter()
                        .map(|&pi| f.params[pi].name.as_str())
                        .collect();
                    labels.push(format!("{} = {}", names.join(", "), ch.label));
                }
                invalid |= ch.invalid;
            }
            let label = if labels.is_empty() {
                "baseline".to_string()
            } else {
                labels.join("; ")
            };
            let call = format!("{}({})", f.name, args.join(", "));
            writeln!(cases, "/* {}: {label} */", f.name).unwrap();
            writeln!(cases, "static uint32_t bi_case_{n}(struct bi_env *e) {{").unwrap();
            if status {
                writeln!(cases, "    uint32_t st = (uint32_t){call};").unwrap();
            } else if f.ret == "void" {
                writeln!(cases, "    uint32_t st = BI_NO_STATUS;\n    {call};").unwrap();
            } else {
                writeln!(cases, "    uint32_t st = BI_NO_STATUS;\n    (void){call};").unwrap();
            }
            for (pi, p) in f.params.iter().enumerate() {
                let expr = &args[pi];
                // A `_free` function consumed its fixture.
                if f.name.ends_with("_free") && expr.contains("bi_fixture") {
                    let t = pointee(&p.ty, "*").expect("handle");
                    writeln!(cases, "    e->consumed[{}] = 1;", fixture(&t)).unwrap();
                }
                // A handle the call gave out is freed again.
                if let Some(t) = pointee(&p.ty, "**").filter(|t| h.handles.contains(t)) {
                    if status && expr.contains("bi_buf") {
                        writeln!(
                            cases,
                            "    if (st == RMSG_OK) {t}_free(*({t} **)bi_buf(e, {pi}));"
                        )
                        .unwrap();
                    }
                }
            }
            writeln!(cases, "    (void)e;\n    return st;\n}}\n").unwrap();
            writeln!(
                table,
                "    {{\"{}\", \"{}\", {}, bi_case_{n}}},",
                f.name,
                label.replace('"', "'"),
                u8::from(status && invalid)
            )
            .unwrap();
            n += 1;
        }
    }
    let mut text = String::new();
    writeln!(
        text,
        "/* Generated by tests/support/badinput.rs from include/rmsg.h: {} functions, {n} calls. */\n",
        h.funcs.len()
    )
    .unwrap();
    text.push_str(&cases);
    writeln!(
        text,
        "static const struct bi_case bi_cases[] = {{\n{table}}};"
    )
    .unwrap();
    writeln!(text, "#define BI_FUNCTION_COUNT {}", h.funcs.len()).unwrap();
    fs::create_dir_all(out.parent().expect("a directory")).expect("create the directory");
    fs::write(out, text).expect("write the generated cases");
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prototypes_in_either_comment_style() {
        let h = parse_header(
            "typedef struct rmsg_x rmsg_x;\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\
             /** A doc. */\nrmsg_status rmsg_x_new(const struct rmsg_x *a, // c\n size_t n);\n\
             int rmsg_y(void);\n#ifdef __cplusplus\n}\n#endif\n",
        );
        assert!(h.handles.contains("rmsg_x"));
        assert_eq!(h.funcs.len(), 2);
    }
}
