//! The per-message view checked against the message it describes: every
//! field as the getters give it, and every decoded field as the accessor of
//! the first item of its kind that decodes. Included with `#[path]`.

use std::mem::{size_of, zeroed};
use std::ptr;

use rmsg::ffi::*;

/// Checks `rmsg_message_view` of `m` against `m`'s getters and items.
pub unsafe fn check_view(m: *const rmsg_message) {
    unsafe {
        let mut v: *const rmsg_view = ptr::null();
        let size = size_of::<rmsg_view>();
        assert_eq!(rmsg_message_view(m, size, &mut v), rmsg_status::RMSG_OK);
        // One byte more than the library's view is refused.
        let mut none: *const rmsg_view = ptr::null();
        assert_eq!(
            rmsg_message_view(m, size + 1, &mut none),
            rmsg_status::RMSG_ERR_INVALID_ARGUMENT
        );
        assert!(none.is_null());
        let v = &*v;
        assert_eq!(v.message.cast_const(), m);
        assert_eq!(v.data, rmsg_message_data(m));
        assert_eq!(v.data_len, rmsg_message_data_len(m));
        assert_eq!(v.nbytes, rmsg_message_nbytes(m));
        assert_eq!(v.flags, rmsg_message_flags(m));
        let count = rmsg_message_item_count(m);
        assert_eq!(v.item_count, count);
        let mut info = zeroed::<rmsg_message_info>();
        assert_eq!(rmsg_message_summarize(m, &mut info), rmsg_status::RMSG_OK);
        assert_eq!(v.malformed, info.malformed);
        assert_eq!(v.fd_count, info.fd_count);
        assert_eq!((v.address, v.address_len), (info.address, info.address_len));

        // The bits the items give: the first item of a kind that decodes
        // sets its bit, and the field holds that item's value.
        let mut seen = 0u64;
        for i in 0..count {
            let it = rmsg_message_item(m, i);
            let kind = rmsg_item_kind(it);
            let bit = 1u64 << (kind as u32);
            if seen & bit != 0 {
                continue;
            }
            macro_rules! field {
                ($($kind:ident: $accessor:ident => $field:ident,)*) => {
                    match kind {
                        $(rmsg_kind::$kind => {
                            let mut x = zeroed();
                            if $accessor(it, &mut x) == rmsg_status::RMSG_OK {
                                seen |= bit;
                                assert_eq!(x, v.$field, "{}", stringify!($kind));
                            }
                        })*
                        _ => {}
                    }
                };
            }
            field! {
                RMSG_KIND_IP_TTL: rmsg_item_ip_ttl => ip_ttl,
                RMSG_KIND_IPV6_HOPLIMIT: rmsg_item_ipv6_hoplimit => ipv6_hoplimit,
                RMSG_KIND_UDP_GRO: rmsg_item_udp_gro => udp_gro,
                RMSG_KIND_RXQ_OVFL: rmsg_item_rxq_ovfl => rxq_ovfl,
                RMSG_KIND_MARK: rmsg_item_mark => mark,
                RMSG_KIND_IP_TOS: rmsg_item_ip_tos => ip_tos,
                RMSG_KIND_IPV6_TCLASS: rmsg_item_ipv6_tclass => ipv6_tclass,
                RMSG_KIND_CREDENTIALS: rmsg_item_credentials => credentials,
                RMSG_KIND_IP_PKTINFO: rmsg_item_ip_pktinfo => ip_pktinfo,
                RMSG_KIND_IPV6_PKTINFO: rmsg_item_ipv6_pktinfo => ipv6_pktinfo,
                RMSG_KIND_IP_ORIGDSTADDR: rmsg_item_ip_origdstaddr => ip_origdstaddr,
                RMSG_KIND_IPV6_ORIGDSTADDR: rmsg_item_ipv6_origdstaddr => ipv6_origdstaddr,
                RMSG_KIND_TIMESTAMP: rmsg_item_timestamp => timestamp,
                RMSG_KIND_TIMESTAMPING: rmsg_item_timestamping => timestamping,
            }
        }
        assert_eq!(v.present, seen);
    }
}
