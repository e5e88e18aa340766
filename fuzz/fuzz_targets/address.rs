//! Address text through the C API: `rmsg_address_parse` on arbitrary bytes
//! and, for every address it accepts, `rmsg_address_format` and a second
//! parse, which must give the same text and an equal address (the round
//! trip the format promises). The same bytes also make addresses from parts
//! (`rmsg_address_from_*`), whose text must parse back too: to an equal
//! address, except that a relative path gains `./` (the same file) and
//! IPv6 flow information is not shown; and so do packet, netlink and vsock
//! addresses from parts (without their hardware and packet types and
//! flags, which the text does not show), whose accessors must give the
//! parts back.
#![no_main]

use std::ptr;

use libfuzzer_sys::fuzz_target;
use rmsg::ffi::*;

/// Length of `sun_path`, and the room `./` takes in it.
const SUN_PATH: usize = 108;

struct Addr(*mut rmsg_address);

impl Drop for Addr {
    fn drop(&mut self) {
        // SAFETY: an owned address from rmsg, freed once.
        unsafe { rmsg_address_free(self.0) };
    }
}

fn parse(text: &[u8]) -> Option<Addr> {
    let mut a = ptr::null_mut();
    // SAFETY: text is a valid slice; a is a valid out-pointer.
    let st = unsafe { rmsg_address_parse(text.as_ptr().cast(), text.len(), &mut a) };
    if st == rmsg_status::RMSG_OK {
        assert!(!a.is_null());
        Some(Addr(a))
    } else {
        assert!(a.is_null(), "nothing is written on failure");
        assert!(
            st == rmsg_status::RMSG_ERR_INVALID_ADDRESS
                || (st == rmsg_status::RMSG_ERR_TOO_LARGE && text.len() > RMSG_MAX_ADDRESS_TEXT),
            "{st:?} for {text:?}"
        );
        None
    }
}

/// Takes an address made from parts, checking the status.
fn made(st: rmsg_status, a: *mut rmsg_address) -> Option<Addr> {
    match st {
        rmsg_status::RMSG_OK => Some(Addr(a)),
        rmsg_status::RMSG_ERR_INVALID_ADDRESS => None,
        other => panic!("unexpected {other:?}"),
    }
}

fn raw(a: &Addr) -> Vec<u8> {
    let (mut p, mut n) = (ptr::null(), 0usize);
    // SAFETY: a live address; valid out-pointers.
    let st = unsafe { rmsg_address_raw(a.0, &mut p, &mut n) };
    assert_eq!(st, rmsg_status::RMSG_OK);
    // SAFETY: p points at n bytes borrowed from the address.
    unsafe { std::slice::from_raw_parts(p, n) }.to_vec()
}

/// The address's text, through the two-call protocol (ask for the length,
/// then format), checking the length, the NUL and the too-small case.
fn format(a: &Addr) -> Vec<u8> {
    let mut len = usize::MAX;
    // SAFETY: a live address; a NULL buffer with length 0 asks for the length.
    let st = unsafe { rmsg_address_format(a.0, ptr::null_mut(), 0, &mut len) };
    assert_eq!(st, rmsg_status::RMSG_ERR_BUFFER_TOO_SMALL);
    let mut buf = vec![0x55u8; len + 1];
    let mut again = 0usize;
    // SAFETY: buf has len bytes, one too few for the NUL.
    let st = unsafe { rmsg_address_format(a.0, buf.as_mut_ptr().cast(), len, &mut again) };
    assert_eq!(st, rmsg_status::RMSG_ERR_BUFFER_TOO_SMALL);
    assert_eq!(again, len);
    assert!(
        buf.iter().all(|b| *b == 0x55),
        "nothing written when too small"
    );
    // SAFETY: buf has len + 1 bytes.
    let st = unsafe { rmsg_address_format(a.0, buf.as_mut_ptr().cast(), len + 1, &mut again) };
    assert_eq!(st, rmsg_status::RMSG_OK);
    assert_eq!((again, buf[len]), (len, 0));
    buf.truncate(len);
    buf
}

fn kind(a: &Addr) -> rmsg_addr_kind {
    // SAFETY: a live address.
    unsafe { rmsg_address_kind(a.0) }
}

/// Formats `a`, parses the text back and checks what the format promises;
/// `same_bytes`: the second address must equal the first byte for byte.
fn round_trip(a: &Addr, same_bytes: bool) {
    let text = format(a);
    assert!(
        text.len() <= RMSG_MAX_ADDRESS_TEXT,
        "text past the documented bound"
    );
    let b = parse(&text).unwrap_or_else(|| panic!("{text:?} does not parse back"));
    assert_eq!(format(&b), text);
    assert_eq!(kind(&b), kind(a));
    if same_bytes {
        assert_eq!(raw(&b), raw(a), "{text:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    if let Some(a) = parse(data) {
        round_trip(&a, true);
    }

    let mut a = ptr::null_mut();
    // SAFETY: data is a valid slice; a is a valid out-pointer.
    let st = unsafe { rmsg_address_from_unix_path(data.as_ptr(), data.len(), &mut a) };
    if let Some(a) = made(st, a) {
        let relative = !(data.starts_with(b"/") || data.starts_with(b"./"));
        if !relative {
            round_trip(&a, true);
        } else if data.len() + 2 < SUN_PATH {
            // The text is "./" and the path: the same file, written so that
            // it parses as a path.
            let text = format(&a);
            assert_eq!(&text[..2], b"./");
            assert_eq!(&text[2..], data);
            round_trip(&a, false);
        } else {
            // Documented: with its ./ it no longer fits sun_path.
            assert!(parse(&format(&a)).is_none());
        }
    }

    let mut a = ptr::null_mut();
    // SAFETY: as above.
    let st = unsafe { rmsg_address_from_unix_abstract(data.as_ptr(), data.len(), &mut a) };
    if let Some(a) = made(st, a) {
        assert_eq!(kind(&a), rmsg_addr_kind::RMSG_ADDRESS_UNIX_ABSTRACT);
        round_trip(&a, true);
    }

    if data.len() >= 6 {
        let inet = rmsg_inet_address {
            addr: [data[0], data[1], data[2], data[3]],
            port: u16::from_le_bytes([data[4], data[5]]),
        };
        let mut a = ptr::null_mut();
        // SAFETY: inet is a valid struct; a is a valid out-pointer.
        let st = unsafe { rmsg_address_from_inet(&inet, &mut a) };
        let a = made(st, a).expect("any IPv4 address and port");
        round_trip(&a, true);
    }

    if data.len() >= 18 {
        let mut hw = [0u8; 8];
        hw.copy_from_slice(&data[10..18]);
        let halen = data[9] % 10;
        let packet = rmsg_packet_address {
            ifindex: i32::from_le_bytes([data[0], data[1], data[2], data[3]]),
            protocol: u16::from_le_bytes([data[4], data[5]]),
            hatype: 0,
            pkttype: 0,
            halen,
            addr: if halen <= 8 {
                let mut a = [0u8; 8];
                a[..usize::from(halen)].copy_from_slice(&hw[..usize::from(halen)]);
                a
            } else {
                hw
            },
        };
        let mut a = ptr::null_mut();
        // SAFETY: packet is a valid struct; a is a valid out-pointer.
        let st = unsafe { rmsg_address_from_packet(&packet, &mut a) };
        if let Some(a) = made(st, a) {
            assert!(halen <= 8);
            assert_eq!(kind(&a), rmsg_addr_kind::RMSG_ADDRESS_PACKET);
            let mut got = rmsg_packet_address::default();
            // SAFETY: a live address; a valid out-pointer.
            assert_eq!(
                unsafe { rmsg_address_packet(a.0, &mut got) },
                rmsg_status::RMSG_OK
            );
            assert_eq!(got, packet);
            // A negative index has no text the parser reads back (it
            // takes an interface number or name): only the positive ones.
            if packet.ifindex >= 0 {
                round_trip(&a, true);
            }
        } else {
            assert!(halen > 8);
        }

        let netlink = rmsg_netlink_address {
            pid: u32::from_le_bytes([data[0], data[1], data[2], data[3]]),
            groups: u32::from_le_bytes([data[4], data[5], data[6], data[7]]),
        };
        let vsock = rmsg_vsock_address {
            cid: u32::from_le_bytes([data[8], data[9], data[10], data[11]]),
            port: u32::from_le_bytes([data[12], data[13], data[14], data[15]]),
            flags: data[16],
        };
        let (mut n, mut v) = (ptr::null_mut(), ptr::null_mut());
        // SAFETY: valid structs and out-pointers.
        let (sn, sv) = unsafe {
            (
                rmsg_address_from_netlink(&netlink, &mut n),
                rmsg_address_from_vsock(&vsock, &mut v),
            )
        };
        let (n, v) = (
            made(sn, n).expect("any netlink"),
            made(sv, v).expect("any vsock"),
        );
        let (mut gn, mut gv) = (
            rmsg_netlink_address::default(),
            rmsg_vsock_address::default(),
        );
        // SAFETY: live addresses; valid out-pointers.
        unsafe {
            assert_eq!(rmsg_address_netlink(n.0, &mut gn), rmsg_status::RMSG_OK);
            assert_eq!(rmsg_address_vsock(v.0, &mut gv), rmsg_status::RMSG_OK);
        }
        assert_eq!((gn, gv), (netlink, vsock));
        round_trip(&n, true);
        round_trip(&v, vsock.flags == 0);
    }

    if data.len() >= 26 {
        let mut addr = [0u8; 16];
        addr.copy_from_slice(&data[..16]);
        let inet6 = rmsg_inet6_address {
            addr,
            port: u16::from_le_bytes([data[16], data[17]]),
            flowinfo: u32::from_le_bytes([data[18], data[19], data[20], data[21]]),
            scope_id: u32::from_le_bytes([data[22], data[23], data[24], data[25]]),
        };
        let mut a = ptr::null_mut();
        // SAFETY: as above.
        let st = unsafe { rmsg_address_from_inet6(&inet6, &mut a) };
        let a = made(st, a).expect("any IPv6 address");
        // Flow information is not in the text: the rest must come back.
        round_trip(&a, inet6.flowinfo == 0);
        let text = format(&a);
        let b = parse(&text).expect("parses back");
        let mut got = rmsg_inet6_address::default();
        // SAFETY: a live address; a valid out-pointer.
        assert_eq!(
            unsafe { rmsg_address_inet6(b.0, &mut got) },
            rmsg_status::RMSG_OK
        );
        assert_eq!(
            (got.addr, got.port, got.scope_id),
            (addr, inet6.port, inet6.scope_id)
        );
        assert_eq!(got.flowinfo, 0);
    }
});
