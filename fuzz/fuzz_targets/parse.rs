//! Parses arbitrary bytes as a control buffer and runs every typed accessor
//! on every item, through the C API. Descriptors are never owned (flags 0),
//! so nothing is closed whatever the input claims.
#![no_main]

use std::ffi::c_int;
use std::ptr;

use libfuzzer_sys::fuzz_target;
use rmsg::ffi::*;

/// Calls every accessor on one item; checks that byte outputs stay inside
/// the item's data.
unsafe fn decode_item(item: *const rmsg_item) {
    unsafe {
        let data = rmsg_item_data(item);
        let len = rmsg_item_data_len(item);
        let inside = |p: *const u8, n: usize| {
            assert!(p >= data && (p as usize) + n <= (data as usize) + len);
        };
        let _ = std::ffi::CStr::from_ptr(rmsg_item_name(item));
        let _ = rmsg_item_fd_count(item);
        let _ = rmsg_item_kind(item);
        let _ = rmsg_item_fd(item, 0);
        let mut creds = rmsg_credentials::default();
        let _ = rmsg_item_credentials(item, &mut creds);
        let mut fd: c_int = 0;
        let _ = rmsg_item_pidfd(item, &mut fd);
        let mut p: *const u8 = ptr::null();
        let mut n = 0usize;
        if rmsg_item_security(item, &mut p, &mut n) == rmsg_status::RMSG_OK {
            inside(p, n);
        }
        if rmsg_item_ts_opt_stats(item, &mut p, &mut n) == rmsg_status::RMSG_OK {
            inside(p, n);
        }
        if rmsg_item_ip_options(item, &mut p, &mut n) == rmsg_status::RMSG_OK {
            inside(p, n);
        }
        let mut ts = rmsg_timestamp::default();
        let _ = rmsg_item_timestamp(item, &mut ts);
        let mut tss = rmsg_timestamping::default();
        let _ = rmsg_item_timestamping(item, &mut tss);
        let mut u = 0u32;
        let _ = rmsg_item_rxq_ovfl(item, &mut u);
        let _ = rmsg_item_mark(item, &mut u);
        let _ = rmsg_item_fragsize(item, &mut u);
        let _ = rmsg_item_udp_gro(item, &mut u);
        let mut tp = rmsg_ts_pktinfo::default();
        let _ = rmsg_item_ts_pktinfo(item, &mut tp);
        let mut pi = rmsg_ip_pktinfo::default();
        let _ = rmsg_item_ip_pktinfo(item, &mut pi);
        let mut i = 0i32;
        let _ = rmsg_item_ip_ttl(item, &mut i);
        let _ = rmsg_item_ipv6_hoplimit(item, &mut i);
        let mut tc = rmsg_traffic_class::default();
        let _ = rmsg_item_ip_tos(item, &mut tc);
        let _ = rmsg_item_ipv6_tclass(item, &mut tc);
        let mut ee = rmsg_extended_error::default();
        let _ = rmsg_item_recverr(item, &mut ee);
        let mut a4 = rmsg_inet_address::default();
        let _ = rmsg_item_ip_origdstaddr(item, &mut a4);
        let mut a6 = rmsg_inet6_address::default();
        let _ = rmsg_item_ipv6_origdstaddr(item, &mut a6);
        let mut pi6 = rmsg_ipv6_pktinfo::default();
        let _ = rmsg_item_ipv6_pktinfo(item, &mut pi6);
        let mut mtu = rmsg_ipv6_mtuinfo::default();
        let _ = rmsg_item_ipv6_pathmtu(item, &mut mtu);
        let mut b = 0u8;
        let _ = rmsg_item_tls_record_type(item, &mut b);
    }
}

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
