//! The control-message builder through the C API: a random sequence of
//! `rmsg_cmsg_builder_add_*` (and resets) read from the input, the
//! per-send items (timestamping flags, `SCM_TS_OPT_ID`, priority, mark,
//! `IPV6_DONTFRAG`, the TLS record type, AF_ALG's op, IV and assoclen)
//! among them, each status
//! checked against the documented rules, then `rmsg_control_parse` of the
//! bytes built, which must give back exactly the items added: levels,
//! types and data, none truncated, nothing malformed, laid out with
//! `CMSG_SPACE`. Descriptors are numbers only here (the builder never owns
//! them, and the parse is made without `RMSG_PARSE_OWN_FDS`).
#![no_main]

use std::ffi::c_int;
use std::ptr;

use libfuzzer_sys::fuzz_target;
use rmsg::ffi::*;

/// Reads the input front to back; past its end every read gives zeros.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let n = N.min(self.0.len());
        out[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        out
    }
    fn u8(&mut self) -> u8 {
        self.bytes::<1>()[0]
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.bytes())
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.bytes())
    }
    fn i32(&mut self) -> i32 {
        i32::from_le_bytes(self.bytes())
    }
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.bytes())
    }
    /// A number that is often near a range's edges: a small one around
    /// 0..256, or any 32-bit value.
    fn int(&mut self) -> c_int {
        match self.u8() % 4 {
            0 => self.i32(),
            _ => c_int::from(self.u8()) - 2,
        }
    }
    fn take(&mut self, n: usize) -> &[u8] {
        let n = n.min(self.0.len());
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What an add should do: be refused with this status, or add one item.
enum Want {
    Refused(rmsg_status),
    Nothing,
    Item(c_int, c_int, Vec<u8>),
}

fn int_item(level: c_int, kind: c_int, v: c_int, lo: c_int, hi: c_int) -> Want {
    if (lo..=hi).contains(&v) {
        Want::Item(level, kind, v.to_ne_bytes().to_vec())
    } else {
        Want::Refused(rmsg_status::RMSG_ERR_INVALID_ARGUMENT)
    }
}

/// An address length choice: 0 (none), the right length, or a wrong one.
fn addr_len(sel: u8, right: usize) -> usize {
    match sel % 4 {
        0 => 0,
        3 => (usize::from(sel) / 4) % 40,
        _ => right,
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let mut b = ptr::null_mut();
    // SAFETY: a valid out-pointer.
    assert_eq!(
        unsafe { rmsg_cmsg_builder_new(&mut b) },
        rmsg_status::RMSG_OK
    );
    let mut items: Vec<(c_int, c_int, Vec<u8>)> = Vec::new();
    let mut fds = 0usize;
    let mut steps = 0;
    while !input.is_empty() && steps < 64 {
        steps += 1;
        let op = input.u8() % 13;
        // SAFETY (for every call below): b is a live builder; every pointer
        // passed is a valid slice of the length passed with it.
        let (st, want) = unsafe {
            match op {
                0 => {
                    let n = usize::from(input.u8() % 8);
                    let list: Vec<c_int> = (0..n).map(|_| input.int()).collect();
                    let st = rmsg_cmsg_builder_add_fds(b, list.as_ptr(), list.len());
                    let want = if list.is_empty() {
                        Want::Nothing
                    } else if list.iter().any(|fd| *fd < 0) {
                        Want::Refused(rmsg_status::RMSG_ERR_BAD_FD)
                    } else if fds + list.len() > 253 {
                        Want::Refused(rmsg_status::RMSG_ERR_TOO_MANY_FDS)
                    } else {
                        let bytes = list.iter().flat_map(|fd| fd.to_ne_bytes()).collect();
                        Want::Item(libc::SOL_SOCKET, libc::SCM_RIGHTS, bytes)
                    };
                    (st, want)
                }
                1 => {
                    let (pid, uid, gid) = (input.i32(), input.u32(), input.u32());
                    let st = rmsg_cmsg_builder_add_credentials(b, pid, uid, gid);
                    let mut bytes = pid.to_ne_bytes().to_vec();
                    bytes.extend(uid.to_ne_bytes());
                    bytes.extend(gid.to_ne_bytes());
                    (
                        st,
                        Want::Item(libc::SOL_SOCKET, libc::SCM_CREDENTIALS, bytes),
                    )
                }
                2 => {
                    let ifindex = if input.u8() % 2 == 0 {
                        input.u32()
                    } else {
                        u32::from(input.u8())
                    };
                    let spec_dst: [u8; 4] = input.bytes();
                    let len = addr_len(input.u8(), 4);
                    let st = rmsg_cmsg_builder_add_ip_pktinfo(b, ifindex, spec_dst.as_ptr(), len);
                    let want = if (len != 0 && len != 4) || ifindex > c_int::MAX as u32 {
                        Want::Refused(rmsg_status::RMSG_ERR_INVALID_ARGUMENT)
                    } else {
                        let mut bytes = ifindex.to_ne_bytes().to_vec();
                        bytes.extend(if len == 4 { spec_dst } else { [0; 4] });
                        bytes.extend([0; 4]);
                        Want::Item(libc::IPPROTO_IP, libc::IP_PKTINFO, bytes)
                    };
                    (st, want)
                }
                3 => {
                    let ifindex = if input.u8() % 2 == 0 {
                        input.u32()
                    } else {
                        u32::from(input.u8())
                    };
                    let addr: [u8; 16] = input.bytes();
                    let len = addr_len(input.u8(), 16);
                    let st = rmsg_cmsg_builder_add_ipv6_pktinfo(b, ifindex, addr.as_ptr(), len);
                    let want = if (len != 0 && len != 16) || ifindex > c_int::MAX as u32 {
                        Want::Refused(rmsg_status::RMSG_ERR_INVALID_ARGUMENT)
                    } else {
                        let mut bytes = if len == 16 {
                            addr.to_vec()
                        } else {
                            vec![0; 16]
                        };
                        bytes.extend(ifindex.to_ne_bytes());
                        Want::Item(libc::IPPROTO_IPV6, libc::IPV6_PKTINFO, bytes)
                    };
                    (st, want)
                }
                4 => {
                    let v = input.int();
                    (
                        rmsg_cmsg_builder_add_ip_tos(b, v),
                        int_item(libc::IPPROTO_IP, libc::IP_TOS, v, 0, 255),
                    )
                }
                5 => {
                    let v = input.int();
                    (
                        rmsg_cmsg_builder_add_ip_ttl(b, v),
                        int_item(libc::IPPROTO_IP, libc::IP_TTL, v, 1, 255),
                    )
                }
                6 => {
                    let v = input.int();
                    let want = int_item(libc::IPPROTO_IPV6, libc::IPV6_TCLASS, v, -1, 255);
                    (rmsg_cmsg_builder_add_ipv6_tclass(b, v), want)
                }
                7 => {
                    let v = input.int();
                    let want = int_item(libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT, v, -1, 255);
                    (rmsg_cmsg_builder_add_ipv6_hoplimit(b, v), want)
                }
                8 => {
                    let v = input.u16();
                    let want =
                        Want::Item(libc::SOL_UDP, libc::UDP_SEGMENT, v.to_ne_bytes().to_vec());
                    (rmsg_cmsg_builder_add_udp_segment(b, v), want)
                }
                9 => {
                    let v = input.u64();
                    let want =
                        Want::Item(libc::SOL_SOCKET, libc::SCM_TXTIME, v.to_ne_bytes().to_vec());
                    (rmsg_cmsg_builder_add_txtime(b, v), want)
                }
                10 => {
                    let level = match input.u8() % 4 {
                        0 => libc::SOL_SOCKET,
                        1 => libc::IPPROTO_IP,
                        2 => libc::IPPROTO_IPV6,
                        _ => input.i32(),
                    };
                    let kind = if input.u8() % 2 == 0 {
                        c_int::from(input.u8())
                    } else {
                        input.i32()
                    };
                    let n = usize::from(input.u8());
                    let bytes = input.take(n).to_vec();
                    let st = rmsg_cmsg_builder_add_raw(b, level, kind, bytes.as_ptr(), bytes.len());
                    let rights = level == libc::SOL_SOCKET && kind == libc::SCM_RIGHTS;
                    let add_fds = if rights { bytes.len() / 4 } else { 0 };
                    let want = if fds + add_fds > 253 {
                        Want::Refused(rmsg_status::RMSG_ERR_TOO_MANY_FDS)
                    } else {
                        Want::Item(level, kind, bytes)
                    };
                    (st, want)
                }
                11 => {
                    // The per-send items: u32 values (any), DONTFRAG (0 or
                    // 1), the TLS record type (a byte), the AF_ALG IV.
                    let v = input.u32();
                    let u32_item = |level, kind| Want::Item(level, kind, v.to_ne_bytes().to_vec());
                    match input.u8() % 9 {
                        0 => (
                            rmsg_cmsg_builder_add_timestamping(b, v),
                            u32_item(libc::SOL_SOCKET, libc::SO_TIMESTAMPING),
                        ),
                        1 => (
                            rmsg_cmsg_builder_add_ts_opt_id(b, v),
                            u32_item(libc::SOL_SOCKET, 81),
                        ),
                        2 => (
                            rmsg_cmsg_builder_add_priority(b, v),
                            u32_item(libc::SOL_SOCKET, libc::SO_PRIORITY),
                        ),
                        3 => (
                            rmsg_cmsg_builder_add_mark(b, v),
                            u32_item(libc::SOL_SOCKET, libc::SO_MARK),
                        ),
                        4 => {
                            let d = input.int();
                            let want = int_item(libc::IPPROTO_IPV6, libc::IPV6_DONTFRAG, d, 0, 1);
                            (rmsg_cmsg_builder_add_ipv6_dontfrag(b, d), want)
                        }
                        5 => (
                            rmsg_cmsg_builder_add_tls_record_type(b, v as u8),
                            Want::Item(282, 1, vec![v as u8]),
                        ),
                        6 => (
                            rmsg_cmsg_builder_add_alg_op(b, v),
                            u32_item(libc::SOL_ALG, libc::ALG_SET_OP),
                        ),
                        7 => {
                            let n = usize::from(input.u8());
                            let iv = input.take(n).to_vec();
                            let mut bytes = (iv.len() as u32).to_ne_bytes().to_vec();
                            bytes.extend(&iv);
                            (
                                rmsg_cmsg_builder_add_alg_iv(b, iv.as_ptr(), iv.len()),
                                Want::Item(libc::SOL_ALG, libc::ALG_SET_IV, bytes),
                            )
                        }
                        _ => (
                            rmsg_cmsg_builder_add_alg_aead_assoclen(b, v),
                            u32_item(libc::SOL_ALG, libc::ALG_SET_AEAD_ASSOCLEN),
                        ),
                    }
                }
                _ => {
                    rmsg_cmsg_builder_reset(b);
                    items.clear();
                    fds = 0;
                    (rmsg_status::RMSG_OK, Want::Nothing)
                }
            }
        };
        match want {
            Want::Refused(s) => assert_eq!(st, s, "op {op}"),
            Want::Nothing => assert_eq!(st, rmsg_status::RMSG_OK, "op {op}"),
            Want::Item(level, kind, bytes) => {
                assert_eq!(st, rmsg_status::RMSG_OK, "op {op}");
                if level == libc::SOL_SOCKET && kind == libc::SCM_RIGHTS {
                    fds += bytes.len() / 4;
                }
                items.push((level, kind, bytes));
            }
        }
        // SAFETY: a live builder.
        assert_eq!(unsafe { rmsg_cmsg_builder_fd_count(b) }, fds);
    }

    // The bytes built: 8-byte aligned, CMSG_SPACE per item.
    let (mut p, mut len) = (ptr::null(), usize::MAX);
    // SAFETY: a live builder; valid out-pointers.
    assert_eq!(
        unsafe { rmsg_cmsg_builder_data(b, &mut p, &mut len) },
        rmsg_status::RMSG_OK
    );
    let spaces: usize = items
        .iter()
        // SAFETY: arithmetic only.
        .map(|(_, _, d)| unsafe { libc::CMSG_SPACE(d.len() as u32) } as usize)
        .sum();
    assert_eq!(len, spaces);
    assert!(len == 0 || p as usize % 8 == 0);

    // Parsed back: exactly what was added.
    let mut c = ptr::null_mut();
    // SAFETY: p points at len bytes borrowed from the live builder.
    assert_eq!(
        unsafe { rmsg_control_parse(p, len, 0, &mut c) },
        rmsg_status::RMSG_OK
    );
    // SAFETY: c is a live parsed buffer until freed below; its items too.
    unsafe {
        assert!(!rmsg_control_malformed(c));
        assert_eq!(rmsg_control_item_count(c), items.len());
        for (i, (level, kind, bytes)) in items.iter().enumerate() {
            let it = rmsg_control_item(c, i);
            assert_eq!((rmsg_item_level(it), rmsg_item_type(it)), (*level, *kind));
            assert!(!rmsg_item_truncated(it));
            let got = std::slice::from_raw_parts(rmsg_item_data(it), rmsg_item_data_len(it));
            assert_eq!(got, &bytes[..]);
            if (*level, *kind) == (libc::IPPROTO_IP, libc::IP_TTL) && bytes.len() == 4 {
                let mut ttl = 0;
                assert_eq!(rmsg_item_ip_ttl(it, &mut ttl), rmsg_status::RMSG_OK);
                assert_eq!(ttl.to_ne_bytes(), bytes[..]);
            }
            if (*level, *kind) == (libc::SOL_SOCKET, libc::SCM_RIGHTS) {
                assert_eq!(rmsg_item_fd_count(it), bytes.len() / 4);
            }
        }
        rmsg_control_free(c);
        rmsg_cmsg_builder_free(b);
    }
});
