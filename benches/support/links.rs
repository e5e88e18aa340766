//! The links every benchmark runs on: the transport, and whether each
//! datagram carries a control item. The C programs take these two words as
//! their first arguments.

pub const CONFIGS: [(&str, &str); 4] = [
    ("unix", "plain"),
    ("unix", "item"),
    ("udp", "plain"),
    ("udp", "item"),
];
