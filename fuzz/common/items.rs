//! What the fuzz targets that see control items share: one item read
//! through every accessor of the C API. Included by each with `#[path]`.

use std::ffi::c_int;
use std::ptr;

use rmsg::ffi::*;

/// Calls every accessor and typed decoder on one item (fds one past the
/// count included); checks that byte outputs stay inside the item's data.
pub unsafe fn decode_item(item: *const rmsg_item) {
    unsafe {
        let data = rmsg_item_data(item);
        let len = rmsg_item_data_len(item);
        let inside = |p: *const u8, n: usize| {
            assert!(p >= data && (p as usize) + n <= (data as usize) + len);
        };
        let _ = std::ffi::CStr::from_ptr(rmsg_item_name(item));
        let _ = (rmsg_item_kind(item), rmsg_item_truncated(item));
        for i in 0..rmsg_item_fd_count(item) + 1 {
            let _ = rmsg_item_fd(item, i);
        }
        let (mut p, mut n): (*const u8, usize) = (ptr::null(), 0);
        if rmsg_item_security(item, &mut p, &mut n) == rmsg_status::RMSG_OK {
            inside(p, n);
        }
        if rmsg_item_ts_opt_stats(item, &mut p, &mut n) == rmsg_status::RMSG_OK {
            inside(p, n);
        }
        if rmsg_item_ip_options(item, &mut p, &mut n) == rmsg_status::RMSG_OK {
            inside(p, n);
        }
        let _ = rmsg_item_credentials(item, &mut rmsg_credentials::default());
        let mut fd: c_int = 0;
        let _ = rmsg_item_pidfd(item, &mut fd);
        let _ = rmsg_item_timestamp(item, &mut rmsg_timestamp::default());
        let _ = rmsg_item_timestamping(item, &mut rmsg_timestamping::default());
        let mut u = 0u32;
        let _ = rmsg_item_rxq_ovfl(item, &mut u);
        let _ = rmsg_item_mark(item, &mut u);
        let _ = rmsg_item_fragsize(item, &mut u);
        let _ = rmsg_item_udp_gro(item, &mut u);
        let _ = rmsg_item_ts_pktinfo(item, &mut rmsg_ts_pktinfo::default());
        let _ = rmsg_item_ip_pktinfo(item, &mut rmsg_ip_pktinfo::default());
        let mut i = 0i32;
        let _ = rmsg_item_ip_ttl(item, &mut i);
        let _ = rmsg_item_ipv6_hoplimit(item, &mut i);
        let mut tc = rmsg_traffic_class::default();
        let _ = rmsg_item_ip_tos(item, &mut tc);
        let _ = rmsg_item_ipv6_tclass(item, &mut tc);
        let _ = rmsg_item_recverr(item, &mut rmsg_extended_error::default());
        let _ = rmsg_item_ip_origdstaddr(item, &mut rmsg_inet_address::default());
        let _ = rmsg_item_ipv6_origdstaddr(item, &mut rmsg_inet6_address::default());
        let _ = rmsg_item_ipv6_pktinfo(item, &mut rmsg_ipv6_pktinfo::default());
        let _ = rmsg_item_ipv6_pathmtu(item, &mut rmsg_ipv6_mtuinfo::default());
        let mut b = 0u8;
        let _ = rmsg_item_tls_record_type(item, &mut b);
        let _ = rmsg_item_inq(item, &mut u);
        let _ = rmsg_item_packet_auxdata(item, &mut rmsg_packet_auxdata::default());
        let _ = rmsg_item_netlink_pktinfo(item, &mut u);
        let _ = rmsg_item_netlink_nsid(item, &mut i);
        // A negative SCM_PIDFD value is no descriptor: every one counted
        // is a descriptor number.
        if rmsg_item_kind(item) == rmsg_kind::RMSG_KIND_PIDFD {
            for i in 0..rmsg_item_fd_count(item) {
                assert!(rmsg_item_fd(item, i) >= 0);
            }
        }
    }
}
