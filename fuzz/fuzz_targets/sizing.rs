//! The sizing functions through the C API, against independent answers:
//! `rmsg_cmsg_len`/`rmsg_cmsg_space` against the C library's `CMSG_LEN`/
//! `CMSG_SPACE` (and `RMSG_ERR_TOO_LARGE` exactly when the result passes
//! `socklen_t`); `rmsg_control_space` as a sum (every kind's own space, in
//! any order, plus the descriptors' item); and
//! `rmsg_control_space_for_socket` on a real socket with receive options
//! chosen by the input, which must equal `rmsg_control_space` of the kinds
//! those options deliver.
#![no_main]

use std::ffi::c_int;

use libfuzzer_sys::fuzz_target;
use rmsg::ffi::*;

const SOCKLEN_MAX: u64 = u32::MAX as u64;

fn space_of(kinds: &[rmsg_cmsg_kind], max_fds: usize) -> Result<usize, rmsg_status> {
    let mut out = usize::MAX;
    // SAFETY: kinds is a valid slice; out a valid out-pointer.
    match unsafe { rmsg_control_space(kinds.as_ptr(), kinds.len(), max_fds, &mut out) } {
        rmsg_status::RMSG_OK => Ok(out),
        st => {
            assert_eq!(out, usize::MAX, "nothing is written on failure");
            Err(st)
        }
    }
}

const fn kind(cmsg_level: c_int, cmsg_type: c_int) -> rmsg_cmsg_kind {
    rmsg_cmsg_kind {
        cmsg_level,
        cmsg_type,
    }
}

/// Receive options a fuzz input may turn on on a UDP socket, each with the
/// kind of item it delivers: (family it applies to or 0 for any, level,
/// option, kind). (`SO_PASSCRED` is for AF_UNIX and netlink sockets only.)
const OPTIONS: &[(c_int, c_int, c_int, rmsg_cmsg_kind)] = &[
    (
        0,
        libc::SOL_SOCKET,
        libc::SO_TIMESTAMP,
        kind(libc::SOL_SOCKET, libc::SO_TIMESTAMP),
    ),
    (
        0,
        libc::SOL_SOCKET,
        libc::SO_TIMESTAMPNS,
        kind(libc::SOL_SOCKET, libc::SO_TIMESTAMPNS),
    ),
    (
        0,
        libc::SOL_SOCKET,
        libc::SO_RXQ_OVFL,
        kind(libc::SOL_SOCKET, libc::SO_RXQ_OVFL),
    ),
    (
        libc::AF_INET,
        libc::IPPROTO_IP,
        libc::IP_PKTINFO,
        kind(libc::IPPROTO_IP, libc::IP_PKTINFO),
    ),
    (
        libc::AF_INET,
        libc::IPPROTO_IP,
        libc::IP_RECVTTL,
        kind(libc::IPPROTO_IP, libc::IP_TTL),
    ),
    (
        libc::AF_INET,
        libc::IPPROTO_IP,
        libc::IP_RECVTOS,
        kind(libc::IPPROTO_IP, libc::IP_TOS),
    ),
    (
        libc::AF_INET,
        libc::IPPROTO_IP,
        libc::IP_RECVORIGDSTADDR,
        kind(libc::IPPROTO_IP, libc::IP_ORIGDSTADDR),
    ),
    (
        libc::AF_INET6,
        libc::IPPROTO_IPV6,
        libc::IPV6_RECVPKTINFO,
        kind(libc::IPPROTO_IPV6, libc::IPV6_PKTINFO),
    ),
    (
        libc::AF_INET6,
        libc::IPPROTO_IPV6,
        libc::IPV6_RECVHOPLIMIT,
        kind(libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT),
    ),
    (
        libc::AF_INET6,
        libc::IPPROTO_IPV6,
        libc::IPV6_RECVTCLASS,
        kind(libc::IPPROTO_IPV6, libc::IPV6_TCLASS),
    ),
];

/// Levels a kind is drawn from: the ones rmsg knows, and one it does not.
const LEVELS: [c_int; 6] = [
    libc::SOL_SOCKET,
    libc::IPPROTO_IP,
    libc::IPPROTO_IPV6,
    libc::SOL_UDP,
    RMSG_SOL_TLS_LEVEL,
    12345,
];
const RMSG_SOL_TLS_LEVEL: c_int = 282;

fn cmsg_sizes(n: usize) {
    let (mut len, mut space) = (usize::MAX, usize::MAX);
    // SAFETY: valid out-pointers.
    let (sl, ss) = unsafe { (rmsg_cmsg_len(n, &mut len), rmsg_cmsg_space(n, &mut space)) };
    // In 128 bits, so that the answer itself cannot overflow.
    let header = 16u128;
    let want_len = header + n as u128;
    let want_space = header + (n as u128).div_ceil(8) * 8;
    if want_len <= u128::from(SOCKLEN_MAX) {
        assert_eq!(sl, rmsg_status::RMSG_OK);
        // SAFETY: arithmetic only.
        assert_eq!(len, unsafe { libc::CMSG_LEN(n as u32) } as usize);
    } else {
        assert_eq!((sl, len), (rmsg_status::RMSG_ERR_TOO_LARGE, usize::MAX));
    }
    if want_space <= u128::from(SOCKLEN_MAX) {
        assert_eq!(ss, rmsg_status::RMSG_OK);
        // SAFETY: arithmetic only.
        assert_eq!(space, unsafe { libc::CMSG_SPACE(n as u32) } as usize);
    } else {
        assert_eq!((ss, space), (rmsg_status::RMSG_ERR_TOO_LARGE, usize::MAX));
    }
    // SAFETY: a NULL output is refused, not written.
    unsafe {
        assert_eq!(
            rmsg_cmsg_len(n, std::ptr::null_mut()),
            rmsg_status::RMSG_ERR_NULL_ARGUMENT
        );
        assert_eq!(
            rmsg_cmsg_space(n, std::ptr::null_mut()),
            rmsg_status::RMSG_ERR_NULL_ARGUMENT
        );
    }
}

fn control_space(kinds: &[rmsg_cmsg_kind], max_fds: usize) {
    let whole = space_of(kinds, max_fds);
    // The same sum from the parts: each kind alone, and the descriptors.
    let mut sum: Result<u64, rmsg_status> = space_of(&[], max_fds).map(|v| v as u64);
    for k in kinds {
        let one = space_of(std::slice::from_ref(k), 0);
        if let Ok(one) = one {
            let rights = k.cmsg_level == libc::SOL_SOCKET && k.cmsg_type == libc::SCM_RIGHTS;
            assert_eq!(
                one == 0,
                rights,
                "only SCM_RIGHTS is sized by max_fds alone"
            );
            assert_eq!(one % 8, 0);
        }
        sum = match (sum, one) {
            (Err(rmsg_status::RMSG_ERR_TOO_LARGE), Err(rmsg_status::RMSG_ERR_UNKNOWN_KIND)) => {
                Err(rmsg_status::RMSG_ERR_TOO_LARGE)
            }
            (Err(e), _) | (Ok(_), Err(e)) => Err(e),
            (Ok(a), Ok(b)) if a + b as u64 > SOCKLEN_MAX => Err(rmsg_status::RMSG_ERR_TOO_LARGE),
            (Ok(a), Ok(b)) => Ok(a + b as u64),
        };
    }
    match (whole, sum) {
        (Ok(w), Ok(s)) => assert_eq!(w as u64, s),
        (Err(a), Err(b)) => {
            // Which error is met first depends on the order of the walk;
            // both must be one of the two the documentation names.
            for e in [a, b] {
                assert!(matches!(
                    e,
                    rmsg_status::RMSG_ERR_UNKNOWN_KIND | rmsg_status::RMSG_ERR_TOO_LARGE
                ));
            }
        }
        (w, s) => panic!("whole {w:?} but parts {s:?}"),
    }
    // The order of the kinds does not matter.
    let mut reversed = kinds.to_vec();
    reversed.reverse();
    if let Ok(w) = whole {
        assert_eq!(space_of(&reversed, max_fds), Ok(w));
    }
}

fn for_socket(family_bit: bool, mask: u16, max_fds: usize) {
    let family = if family_bit {
        libc::AF_INET6
    } else {
        libc::AF_INET
    };
    // SAFETY: plain system calls on a socket this function owns.
    unsafe {
        let fd = libc::socket(family, libc::SOCK_DGRAM, 0);
        assert!(fd >= 0);
        let mut kinds = Vec::new();
        for (i, (applies, level, opt, k)) in OPTIONS.iter().enumerate() {
            if mask & (1 << i) == 0 || (*applies != 0 && *applies != family) {
                continue;
            }
            let one: c_int = 1;
            let r = libc::setsockopt(fd, *level, *opt, (&one as *const c_int).cast(), 4);
            assert_eq!(r, 0);
            // SO_TIMESTAMP and SO_TIMESTAMPNS exclude each other (the last
            // one set wins): one timestamp item either way.
            let stamp = |k: &rmsg_cmsg_kind| {
                k.cmsg_level == libc::SOL_SOCKET
                    && (k.cmsg_type == libc::SO_TIMESTAMP || k.cmsg_type == libc::SO_TIMESTAMPNS)
            };
            if stamp(k) && kinds.iter().any(stamp) {
                continue;
            }
            kinds.push(*k);
        }
        let mut got = usize::MAX;
        let st = rmsg_control_space_for_socket(fd, max_fds, &mut got);
        libc::close(fd);
        match space_of(&kinds, max_fds) {
            Ok(want) => assert_eq!((st, got), (rmsg_status::RMSG_OK, want), "{kinds:?}"),
            Err(e) => assert_eq!(st, e),
        }
        let st = rmsg_control_space_for_socket(-1, max_fds, &mut got);
        assert_eq!(st, rmsg_status::RMSG_ERR_BAD_FD);
    }
}

fuzz_target!(|data: &[u8]| {
    let word = |i: usize| {
        let mut b = [0u8; 8];
        for (k, v) in b.iter_mut().enumerate() {
            *v = data.get(i * 8 + k).copied().unwrap_or(0);
        }
        u64::from_le_bytes(b)
    };
    // A size near one of the edges that matter (0, u32::MAX, usize::MAX),
    // chosen by the first word.
    let raw = word(0);
    let n = match raw % 4 {
        0 => (raw >> 2) as usize % 4096,
        1 => (u32::MAX as usize).wrapping_sub((raw >> 2) as usize % 64),
        2 => usize::MAX - (raw >> 2) as usize % 64,
        _ => raw as usize,
    };
    cmsg_sizes(n);

    let second = word(1);
    let max_fds = match second % 3 {
        0 => (second >> 2) as usize % 300,
        1 => (second >> 2) as usize,
        _ => usize::MAX / 4 + (second >> 2) as usize % 4,
    };
    let kinds: Vec<rmsg_cmsg_kind> = data
        .get(16..)
        .unwrap_or(&[])
        .chunks(2)
        .take(64)
        .map(|c| {
            kind(
                LEVELS[usize::from(c[0]) % LEVELS.len()],
                c.get(1).map_or(0, |t| c_int::from(*t)),
            )
        })
        .collect();
    control_space(&kinds, max_fds);

    for_socket(
        second & 1 == 1,
        (second >> 8) as u16,
        (second >> 24) as usize % 300,
    );
});
