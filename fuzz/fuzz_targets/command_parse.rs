//! Fuzz the server's input path: arbitrary control-connection bytes go
//! through `LineBuffer` framing and every framed line through
//! `Command::parse_bytes`, exactly as the session loop does.
//!
//! Properties checked besides "no panic":
//! - the buffer never holds more than `max + 1` bytes of an unfinished line,
//!   and a framed line is never longer than `max` and holds no LF;
//! - framing does not depend on how the bytes were split into reads (the
//!   whole input at once and in fuzzer-chosen chunks give the same frames);
//! - a parsed command whose wire form (`Display`) has no CR/LF parses back to
//!   the same command, so what the client sends is what the server reads.
#![no_main]

use ftp_proto::{Command, Frame, LineBuffer};
use libfuzzer_sys::fuzz_target;

/// Line limits to try: tiny ones reach the overlong path with short inputs.
const LIMITS: [usize; 4] = [1, 8, 64, ftp_proto::DEFAULT_MAX_LINE];

fuzz_target!(|data: &[u8]| {
    let Some((&head, input)) = data.split_first() else {
        return;
    };
    let max = LIMITS[usize::from(head & 3)];
    // Chunk sizes 1..=32 for the split feed, from the header's other bits.
    let chunk = usize::from(head >> 3) + 1;

    let whole = frames(max, input, input.len().max(1));
    let split = frames(max, input, chunk);
    assert_eq!(whole, split, "framing depends on read boundaries");

    for frame in &whole {
        if let Frame::Line(line) = frame {
            assert!(
                line.len() <= max,
                "line of {} bytes over max {max}",
                line.len()
            );
            assert!(!line.contains(&b'\n'), "LF inside a framed line");
            check_command(line);
        }
    }
    // The raw input as one "line" too: parse must cope with LF, CR, NUL, IAC.
    check_command(input);
});

/// Feed `input` in `chunk`-sized reads, checking the memory bound after each,
/// and drain every frame.
fn frames(max: usize, input: &[u8], chunk: usize) -> Vec<Frame> {
    let mut buf = LineBuffer::new(max);
    let mut out = Vec::new();
    for piece in input.chunks(chunk) {
        buf.extend(piece);
        assert!(
            buf.buffered() <= max + 1,
            "buffer holds {} bytes, max {max}",
            buf.buffered()
        );
        while let Some(f) = buf.next_frame() {
            out.push(f);
        }
        buf.shrink();
    }
    out
}

/// Parse one line; if it is a command whose wire form is a single line,
/// that wire form must parse back to the same command.
fn check_command(line: &[u8]) {
    let Ok(cmd) = Command::parse_bytes(line) else {
        return;
    };
    let wire = cmd.to_string();
    assert!(
        wire.starts_with(cmd.verb()),
        "{wire:?} does not start with its verb"
    );
    assert_eq!(cmd.has_line_break(), wire.contains(['\r', '\n']));
    if !cmd.has_line_break() {
        assert_eq!(
            Command::parse(&wire),
            Ok(cmd.clone()),
            "Display of {cmd:?} is {wire:?}, which parses differently"
        );
    }
}
