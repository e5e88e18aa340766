//! Parses arbitrary bytes as a control buffer and runs every typed accessor
//! on every item, through the C API. Descriptors are never owned (flags 0),
//! so nothing is closed whatever the input claims.
#![no_main]

use std::ptr;

use libfuzzer_sys::fuzz_target;
use rmsg::ffi::*;

#[path = "../common/items.rs"]
mod items;
use items::decode_item;

fuzz_target!(|data: &[u8]| {
    // Also parse from an odd offset, so the input is unaligned.
    for start in [0usize, 1] {
        let bytes = data.get(start..).unwrap_or(&[]);
        let mut c: *mut rmsg_control = ptr::null_mut();
        // SAFETY: bytes is a valid slice; c is a valid out-pointer.
        let s = unsafe { rmsg_control_parse(bytes.as_ptr(), bytes.len(), 0, &mut c) };
        assert_eq!(s, rmsg_status::RMSG_OK);
        // SAFETY: c is a live handle until rmsg_control_free.
        unsafe {
            let count = rmsg_control_item_count(c);
            assert!(count <= bytes.len() / 16 + 1);
            for i in 0..count {
                decode_item(rmsg_control_item(c, i));
            }
            assert!(rmsg_control_item(c, count).is_null());
            let _ = rmsg_control_malformed(c);
            rmsg_control_free(c);
        }
    }
});
