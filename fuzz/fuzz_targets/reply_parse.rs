//! Fuzz the client's input path: arbitrary server text goes line by line
//! through `ReplyParser::feed_line`, and every reply it yields through the
//! client-side readers of reply text (PASV/EPSV addresses, 257 paths).
//!
//! Properties checked besides "no panic":
//! - every reply has at least one line and a code below 1000, and a reply is
//!   only ever returned when no multi-line reply is left open;
//! - a reply built from fuzzer data with `Reply::multi` survives
//!   `encode` → `feed_line` unchanged, arriving exactly at its last line.
#![no_main]

use ftp_proto::{address, unquote_path, Reply, ReplyCode, ReplyParser};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    feed_arbitrary(&text);
    if let Some((code, rest)) = data.split_first_chunk::<2>() {
        round_trip(
            u16::from_le_bytes(*code) % 1000,
            &String::from_utf8_lossy(rest),
        );
    }
});

fn feed_arbitrary(text: &str) {
    let mut parser = ReplyParser::new();
    for line in text.split_inclusive('\n') {
        // An error (not a reply line) is fine; a panic or a bad reply is not.
        if let Ok(Some(reply)) = parser.feed_line(line) {
            assert!(
                !parser.in_progress(),
                "reply returned while another is open"
            );
            assert!(!reply.lines.is_empty(), "reply without lines");
            assert!(
                reply.code.0 < 1000,
                "code {} from a three-digit prefix",
                reply.code.0
            );
            let body = reply.text();
            let _ = address::parse_pasv_reply(&body);
            let _ = address::parse_epsv_reply(&body);
            let _ = unquote_path(&body);
        }
    }
}

/// Lines separated by `\x00` in the fuzzer's text form one reply.
fn round_trip(code: u16, text: &str) {
    let reply = Reply::multi(ReplyCode(code), text.split('\0'));
    let wire = reply.encode();
    let lines: Vec<&str> = wire.split_inclusive('\n').collect();
    let mut parser = ReplyParser::new();
    for (i, line) in lines.iter().enumerate() {
        let got = parser
            .feed_line(line)
            .expect("our own encoding is well-formed");
        if i + 1 < lines.len() {
            assert_eq!(got, None, "reply ended early at line {i} of {wire:?}");
        } else {
            assert_eq!(got.as_ref(), Some(&reply), "wire form {wire:?}");
        }
    }
}
