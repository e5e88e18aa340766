//! Makes messages of arbitrary bytes as multishot io_uring recvmsg buffers
//! (with arbitrary name and control sizes, aligned or not) and as
//! single-shot pieces, through the C API, then reads everything a message
//! offers: data, flags, address, every item with every typed decoder, and
//! the message's view, field by field against those.
//! Descriptors are never owned (flags 0), so nothing is closed whatever
//! the input claims.
//!
//! Input: two bytes of name size, two of control size, one of options
//! (bit 0: parse from an odd address), then the buffer.
#![no_main]

use std::ffi::c_int;
use std::ptr;

use libfuzzer_sys::fuzz_target;
use rmsg::ffi::*;

#[path = "../common/items.rs"]
mod items;
use items::decode_item;

#[path = "../common/view.rs"]
mod view;
use view::check_view;

/// The 16-byte `struct io_uring_recvmsg_out`.
const OUT: usize = 16;
/// Linux's `MSG_TRUNC`.
const MSG_TRUNC: c_int = 0x20;

/// Reads everything a message offers and checks what must hold whatever
/// the input: no more data than `data_room`, a cut shown as `MSG_TRUNC`,
/// an address no longer than `name_room`, no more items than the control
/// bytes can hold; then frees it.
unsafe fn read_all(m: *mut rmsg_message, data_room: usize, name_room: usize, control_room: usize) {
    unsafe {
        let data_len = rmsg_message_data_len(m);
        assert!(data_len <= data_room);
        if data_len > 0 {
            let d = std::slice::from_raw_parts(rmsg_message_data(m), data_len);
            std::hint::black_box(d.iter().map(|b| *b as usize).sum::<usize>());
        }
        if rmsg_message_nbytes(m) > data_len {
            assert!(rmsg_message_flags(m) & MSG_TRUNC != 0);
        }
        let a = rmsg_message_address(m);
        if !a.is_null() {
            let (mut p, mut n): (*const u8, usize) = (ptr::null(), 0);
            assert_eq!(rmsg_address_raw(a, &mut p, &mut n), rmsg_status::RMSG_OK);
            assert!(n > 0 && n <= name_room && n <= rmsg_message_name_len(m));
            let _ = rmsg_address_kind(a);
            let _ = rmsg_address_family(a);
            let _ = rmsg_address_inet(a, &mut rmsg_inet_address::default());
            let _ = rmsg_address_inet6(a, &mut rmsg_inet6_address::default());
            let mut text = [0 as std::ffi::c_char; 160];
            let mut written = 0usize;
            let _ = rmsg_address_format(a, text.as_mut_ptr(), text.len(), &mut written);
        }
        let count = rmsg_message_item_count(m);
        assert!(count <= control_room / 16 + 1);
        for i in 0..count {
            decode_item(rmsg_message_item(m, i));
        }
        assert!(rmsg_message_item(m, count).is_null());
        let mut info = std::mem::zeroed::<rmsg_message_info>();
        assert_eq!(rmsg_message_summarize(m, &mut info), rmsg_status::RMSG_OK);
        assert_eq!((info.data_len, info.item_count), (data_len, count));
        check_view(m);
        for s in 0..rmsg_message_segment_count(m) {
            let (mut p, mut n): (*const u8, usize) = (ptr::null(), 0);
            assert_eq!(
                rmsg_message_segment(m, s, &mut p, &mut n),
                rmsg_status::RMSG_OK
            );
            assert!(n <= data_len);
        }
        rmsg_message_free(m);
    }
}

fuzz_target!(|input: &[u8]| {
    if input.len() < 5 {
        return;
    }
    let name_size = u16::from_le_bytes([input[0], input[1]]) as usize % 300;
    let control_size = u16::from_le_bytes([input[2], input[3]]) as usize % 600;
    let odd = input[4] & 1 != 0;
    // An exact-size copy, at an odd address when asked: the sanitizer sees
    // any read past its end.
    let mut storage = vec![0u8; input.len() - 5 + usize::from(odd)];
    let buf = &mut storage[usize::from(odd)..];
    buf.copy_from_slice(&input[5..]);
    let buf = &*buf;

    let mut m: *mut rmsg_message = ptr::null_mut();
    // SAFETY: buf is a valid slice; m is a valid out-pointer.
    let s = unsafe {
        rmsg_message_from_multishot(buf.as_ptr(), buf.len(), name_size, control_size, 0, &mut m)
    };
    let regions = OUT + name_size + control_size;
    if buf.len() < regions {
        assert_eq!(s, rmsg_status::RMSG_ERR_INVALID_ARGUMENT);
        assert!(m.is_null());
    } else {
        assert_eq!(s, rmsg_status::RMSG_OK);
        // SAFETY: m is a live message until read_all frees it.
        unsafe { read_all(m, buf.len() - regions, name_size.min(128), control_size) };
    }

    // The same bytes as single-shot pieces: name, control, then data.
    let (name, rest) = buf.split_at(name_size.min(buf.len()));
    let (control, data) = rest.split_at(control_size.min(rest.len()));
    let word = |i: usize| input.get(i).copied().unwrap_or(0) as usize;
    let parts = rmsg_recvmsg_parts {
        data: data.as_ptr(),
        data_len: data.len(),
        nbytes: word(5) * 7,
        name: name.as_ptr(),
        name_size: name.len(),
        name_len: word(6),
        control: control.as_ptr(),
        control_len: control.len(),
        msg_flags: word(7) as c_int,
    };
    let mut m: *mut rmsg_message = ptr::null_mut();
    // SAFETY: every pointer in parts is valid for the length beside it.
    let s = unsafe { rmsg_message_from_recvmsg(&parts, 0, &mut m) };
    assert_eq!(s, rmsg_status::RMSG_OK);
    // SAFETY: m is a live message until read_all frees it.
    unsafe { read_all(m, data.len(), name.len().min(128), control.len()) };
});
