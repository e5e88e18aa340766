//! rmsg: `recvmsg(2)` with complete, safe decoding of ancillary data, behind
//! a C ABI. See README.md for the conventions and `include/rmsg.h` for the
//! C interface.
//!
//! Layout: the safe core (parsing, ownership, the system calls) is private
//! to the crate, one module per concept; [`ffi`] holds the `extern "C"`
//! functions, one file per handle type, and is the crate's only public
//! Rust surface (the fuzz targets drive the library through it, as C does).
//! Raw-pointer and slice conversions live in `ptr`, aligned control-byte
//! storage in `buffer`, Linux constants that `libc` lacks in `linux`.
//!
//! Threads: the contract is stated on each handle type (and so in the
//! header) and in README.md: handles are `Send`; those whose `const`
//! functions may run concurrently are `Sync`, which `ffi` asserts at
//! compile time; the only per-thread state is `rmsg_last_errno`.
//!
//! Platform-specific code is behind `cfg`, but Linux is the only platform
//! rmsg is built and tested on; other Unixes need their own constants,
//! widths and tests before they can be claimed.

#[cfg(not(target_os = "linux"))]
compile_error!("rmsg is built and tested on Linux only; see the crate documentation");

mod addr;
mod addr_text;
mod batch;
mod buffer;
mod builder;
mod cmsg;
mod decode;
mod errqueue;
mod fault;
mod fds;
mod items;
mod kinds;
#[cfg(target_os = "linux")]
mod linux;
mod message;
mod panic;
mod parse;
mod ptr;
mod receiver;
mod recv;
mod send;
mod sizing;
mod status;
#[cfg(test)]
mod test_util;
mod uring;
mod view;
mod wait;

pub mod ffi;
