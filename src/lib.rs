//! rmsg: `recvmsg(2)` with complete, safe decoding of ancillary data, behind
//! a C ABI. See README.md for the conventions and `include/rmsg.h` for the
//! C interface.
//!
//! Platform-specific code is behind `cfg`, but Linux is the only platform
//! rmsg is built and tested on; other Unixes need their own constants,
//! widths and tests before they can be claimed.

#[cfg(not(target_os = "linux"))]
compile_error!("rmsg is built and tested on Linux only; see the crate documentation");

pub mod addr;
pub mod addr_text;
pub mod builder;
pub mod capi;
pub mod capi_decode;
pub mod capi_send;
pub mod cmsg;
pub mod decode;
pub mod fault;
pub mod fds;
pub mod panic;
pub mod parse;
pub mod ptr;
pub mod recv;
pub mod send;
pub mod sizing;
pub mod status;
pub mod wait;
