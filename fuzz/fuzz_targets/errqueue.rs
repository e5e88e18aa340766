//! Makes messages of arbitrary control bytes, data and flags (as
//! single-shot io_uring pieces, `rmsg_message_from_recvmsg`) and
//! summarises each with `rmsg_message_errqueue`, checking the summary
//! against the message's items: the kind comes from the first extended
//! error that decodes, its raw fields are that item's, the fields of other
//! kinds stay zero, and every name is a string.
//! Descriptors are never owned (flags 0), so nothing is closed whatever
//! the input claims.
//!
//! Input: two bytes of control size, four of `msg_flags`, one of options
//! (bit 0: an odd address), then the control bytes and the data.
#![no_main]

use std::ffi::{CStr, c_char};
use std::mem::{size_of, zeroed};
use std::ptr;

use libfuzzer_sys::fuzz_target;
use rmsg::ffi::*;

fn name(p: *const c_char) {
    assert!(!p.is_null());
    // SAFETY: the name functions give static NUL-terminated strings.
    let s = unsafe { CStr::from_ptr(p) };
    assert!(!s.to_bytes().is_empty());
}

/// The first item that decodes as an extended error.
unsafe fn first_error(m: *const rmsg_message) -> Option<rmsg_extended_error> {
    unsafe {
        (0..rmsg_message_item_count(m)).find_map(|i| {
            let it = rmsg_message_item(m, i);
            if rmsg_item_kind(it) != rmsg_kind::RMSG_KIND_RECVERR {
                return None;
            }
            let mut e = rmsg_extended_error::default();
            (rmsg_item_recverr(it, &mut e) == rmsg_status::RMSG_OK).then_some(e)
        })
    }
}

unsafe fn check(m: *const rmsg_message) {
    use rmsg_errqueue_kind::*;
    unsafe {
        let mut i: rmsg_errqueue_info = zeroed();
        let size = size_of::<rmsg_errqueue_info>();
        for bad in [0, size - 1, size + 1] {
            assert_eq!(
                rmsg_message_errqueue(m, bad, &mut i),
                rmsg_status::RMSG_ERR_INVALID_ARGUMENT
            );
        }
        assert_eq!(rmsg_message_errqueue(m, size, &mut i), rmsg_status::RMSG_OK);
        assert_eq!(i.data, rmsg_message_data(m));
        assert_eq!(i.data_len, rmsg_message_data_len(m));
        name(rmsg_errqueue_kind_name(i.kind as u32));
        name(rmsg_icmp_reason_name(i.icmp_reason as u32));
        name(rmsg_tstamp_type_name(i.tstamp_type as u32));
        name(rmsg_txtime_error_name(i.txtime_error as u32));
        let Some(e) = first_error(m) else {
            assert_eq!(i.kind, RMSG_ERRQUEUE_NONE);
            assert_eq!((i.ee_errno, i.ee_origin, i.ifindex, i.mtu), (0, 0, 0, 0));
            assert!(!i.has_timestamping);
            return;
        };
        assert_ne!(i.kind, RMSG_ERRQUEUE_NONE);
        assert_eq!(
            (i.ee_errno, i.ee_origin, i.ee_type, i.ee_code, i.ee_info, i.ee_data),
            (e.ee_errno, e.ee_origin, e.ee_type, e.ee_code, e.ee_info, e.ee_data)
        );
        assert_eq!(i.offender_family, e.offender_family);
        assert_eq!(i.offender, e.offender);
        assert_eq!(i.offender6, e.offender6);
        let icmp = matches!(i.kind, RMSG_ERRQUEUE_ICMP | RMSG_ERRQUEUE_ICMP6);
        assert_eq!(icmp, i.icmp_reason != rmsg_icmp_reason::RMSG_ICMP_NONE);
        if !icmp {
            assert_eq!((i.rfc4884_len, i.rfc4884_invalid), (0, false));
        }
        if i.kind != RMSG_ERRQUEUE_TIMESTAMP {
            assert_eq!(i.tstamp_type, rmsg_tstamp_type::RMSG_TSTAMP_OTHER);
            assert_eq!(i.tstamp_key, 0);
        } else {
            assert_eq!(i.tstamp_key, e.ee_data);
        }
        if i.kind == RMSG_ERRQUEUE_ZEROCOPY {
            assert_eq!((i.zerocopy_first, i.zerocopy_last), (e.ee_info, e.ee_data));
        } else {
            assert_eq!((i.zerocopy_first, i.zerocopy_last), (0, 0));
            assert!(!i.zerocopy_copied);
        }
        if i.kind == RMSG_ERRQUEUE_TXTIME {
            assert_eq!(i.txtime, (u64::from(e.ee_data) << 32) | u64::from(e.ee_info));
            assert_ne!(i.txtime_error, rmsg_txtime_error::RMSG_TXTIME_NONE);
        } else {
            assert_eq!(i.txtime, 0);
            assert_eq!(i.txtime_error, rmsg_txtime_error::RMSG_TXTIME_NONE);
        }
        if i.mtu != 0 {
            assert_eq!(i.mtu, e.ee_info);
            assert!(
                i.kind == RMSG_ERRQUEUE_LOCAL
                    || i.icmp_reason == rmsg_icmp_reason::RMSG_ICMP_TOO_BIG
            );
        }
    }
}

fuzz_target!(|input: &[u8]| {
    if input.len() < 7 {
        return;
    }
    let control_size = u16::from_le_bytes([input[0], input[1]]) as usize % 600;
    let flags = i32::from_le_bytes([input[2], input[3], input[4], input[5]]);
    let odd = input[6] & 1 != 0;
    // An exact-size copy, at an odd address when asked.
    let mut storage = vec![0u8; input.len() - 7 + usize::from(odd)];
    let buf = &mut storage[usize::from(odd)..];
    buf.copy_from_slice(&input[7..]);
    let (control, data) = buf.split_at(control_size.min(buf.len()));
    let parts = rmsg_recvmsg_parts {
        data: data.as_ptr(),
        data_len: data.len(),
        nbytes: data.len(),
        name: ptr::null(),
        name_size: 0,
        name_len: 0,
        control: control.as_ptr(),
        control_len: control.len(),
        msg_flags: flags,
    };
    let mut m: *mut rmsg_message = ptr::null_mut();
    // SAFETY: parts points at live slices; m is a valid out-pointer.
    let s = unsafe { rmsg_message_from_recvmsg(&parts, 0, &mut m) };
    assert_eq!(s, rmsg_status::RMSG_OK);
    // SAFETY: m is live until freed.
    unsafe {
        check(m);
        rmsg_message_free(m);
    }
});
