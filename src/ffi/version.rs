//! The version of the library a program runs with, to compare with the
//! `RMSG_VERSION_*` macros of the header it was compiled with (build.rs
//! writes both from the version in Cargo.toml).

use std::ffi::{CStr, c_char};

const VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(v) => v,
        Err(_) => panic!("the crate version contains a NUL byte"),
    };

/// A decimal number from the crate version, at compile time.
const fn number(digits: &str) -> u32 {
    let bytes = digits.as_bytes();
    let mut n = 0u32;
    let mut i = 0;
    while i < bytes.len() {
        assert!(bytes[i].is_ascii_digit(), "a version part is not a number");
        n = n * 10 + (bytes[i] - b'0') as u32;
        i += 1;
    }
    n
}

const VERSION_NUMBER: u32 = (number(env!("CARGO_PKG_VERSION_MAJOR")) << 16)
    | (number(env!("CARGO_PKG_VERSION_MINOR")) << 8)
    | number(env!("CARGO_PKG_VERSION_PATCH"));

/// The version of the rmsg library this program runs with, as text
/// (`"0.1.0"`, spelled as `RMSG_VERSION_STRING`). It can be newer than the
/// header the program was compiled with. The string is static: never free
/// it.
#[unsafe(no_mangle)]
pub extern "C" fn rmsg_version() -> *const c_char {
    VERSION.as_ptr()
}

/// The version of the rmsg library this program runs with as one number,
/// `(major << 16) | (minor << 8) | patch`, encoded as `RMSG_VERSION_NUMBER`
/// is: `rmsg_version_number() >= RMSG_VERSION_NUMBER` holds when the library
/// is at least as new as the header.
#[unsafe(no_mangle)]
pub extern "C" fn rmsg_version_number() -> u32 {
    VERSION_NUMBER
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_number_agree() {
        // SAFETY: rmsg_version returns a static NUL-terminated string.
        let text = unsafe { CStr::from_ptr(rmsg_version()) }.to_str().unwrap();
        let parts: Vec<u32> = text.split('.').map(|p| p.parse().unwrap()).collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(
            rmsg_version_number(),
            (parts[0] << 16) | (parts[1] << 8) | parts[2]
        );
    }
}
