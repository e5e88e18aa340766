//! The registry of control-message kinds, for bindings and tools that
//! list what rmsg knows (names, accessors, sizes, enabling options).

use std::ffi::c_int;

use super::produce;
use crate::kinds::{self, rmsg_kind_info};
use crate::panic::guard_or;
use crate::status::{Error, rmsg_status};

/// Number of rows in rmsg's registry of control-message kinds: every
/// `(cmsg_level, cmsg_type)` pair it decodes or names. Rows are numbered
/// from 0; a later version may add rows, never remove one.
#[unsafe(no_mangle)]
pub extern "C" fn rmsg_kind_info_count() -> usize {
    guard_or(0, || kinds::ROWS.len())
}

/// Row `index` of the registry (0 to `rmsg_kind_info_count() - 1`) into
/// `*info_out`: level, type, name, the `rmsg_kind` of its accessor, the
/// bytes `rmsg_control_space` reserves for it and the option that enables
/// it. The strings in it are static. `RMSG_ERR_INVALID_ARGUMENT` past the
/// last row; `RMSG_ERR_NULL_ARGUMENT` for a NULL `info_out`. Nothing is
/// written on error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_kind_info_get(
    index: usize,
    info_out: *mut rmsg_kind_info,
) -> rmsg_status {
    let row = || {
        let r = kinds::ROWS.get(index);
        r.map(kinds::Row::info)
            .ok_or(Error::new(rmsg_status::RMSG_ERR_INVALID_ARGUMENT))
    };
    // SAFETY: forwarded contract.
    unsafe { produce(info_out, row) }
}

/// The registry's row of `(cmsg_level, cmsg_type)` into `*info_out`, as
/// `rmsg_kind_info_get` gives it. `RMSG_ERR_UNKNOWN_KIND` for a pair rmsg
/// neither decodes nor names (its items are `RMSG_KIND_RAW`, named
/// `"<LEVEL>/unknown"`); nothing is written then.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_kind_info_find(
    cmsg_level: c_int,
    cmsg_type: c_int,
    info_out: *mut rmsg_kind_info,
) -> rmsg_status {
    let row = || {
        let r = kinds::row_of(cmsg_level, cmsg_type);
        r.map(kinds::Row::info)
            .ok_or(Error::new(rmsg_status::RMSG_ERR_UNKNOWN_KIND))
    };
    // SAFETY: forwarded contract.
    unsafe { produce(info_out, row) }
}
