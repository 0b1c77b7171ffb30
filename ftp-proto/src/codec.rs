//! Control-line framing, sans-IO. Bytes go in with `LineBuffer::extend`, whole
//! lines come out of `next_frame`. Lines end at LF (CRLF or bare LF, RFC 959
//! §4.1 plus what real clients send). Telnet IAC sequences (RFC 854) are
//! removed, so `IAC IP IAC DM ABOR` reads as `ABOR`. A line longer than the
//! limit is reported once as `Frame::TooLong` and its bytes are dropped as they
//! arrive, so memory stays bounded even if no newline ever comes.

/// The default maximum control line length in bytes, not counting CRLF.
pub const DEFAULT_MAX_LINE: usize = 4096;

const IAC: u8 = 255;
const WILL: u8 = 251;
const DONT: u8 = 254;

/// One framed item from the control stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A complete line without its CR/LF and without Telnet sequences.
    Line(Vec<u8>),
    /// A line exceeded the limit; it has been (or is being) discarded.
    TooLong,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Telnet {
    Data,
    /// Saw IAC.
    Iac,
    /// Saw IAC WILL/WONT/DO/DONT; the next byte is the option and is dropped.
    Option,
}

/// Accumulates control bytes into lines with a bounded buffer.
#[derive(Debug)]
pub struct LineBuffer {
    max: usize,
    line: Vec<u8>,
    ready: std::collections::VecDeque<Frame>,
    /// True while dropping the rest of an overlong line.
    discarding: bool,
    telnet: Telnet,
}

impl Default for LineBuffer {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_LINE)
    }
}

impl LineBuffer {
    pub fn new(max: usize) -> Self {
        Self {
            max,
            line: Vec::new(),
            ready: Default::default(),
            discarding: false,
            telnet: Telnet::Data,
        }
    }

    /// Bytes of an unfinished line held right now (never more than the limit + 1).
    pub fn buffered(&self) -> usize {
        self.line.len()
    }

    /// True if a complete frame is waiting.
    pub fn has_frame(&self) -> bool {
        !self.ready.is_empty()
    }

    /// Take the next complete frame, if any.
    pub fn next_frame(&mut self) -> Option<Frame> {
        self.ready.pop_front()
    }

    /// Release the line buffer's memory while idle (it is re-grown on demand).
    pub fn shrink(&mut self) {
        if self.line.is_empty() {
            self.line = Vec::new();
        }
    }

    /// Feed bytes read from the socket.
    pub fn extend(&mut self, bytes: &[u8]) {
        for &b in bytes {
            match self.telnet {
                Telnet::Iac => {
                    self.telnet = Telnet::Data;
                    match b {
                        IAC => self.push(IAC),
                        WILL..=DONT => self.telnet = Telnet::Option,
                        // IP, DM, AYT, ... are commands without data: drop them.
                        240..=250 => {}
                        // IAC followed by ordinary data: the DM went out of band
                        // (TCP urgent), so keep the byte.
                        _ => self.push(b),
                    }
                }
                Telnet::Option => self.telnet = Telnet::Data,
                Telnet::Data if b == IAC => self.telnet = Telnet::Iac,
                Telnet::Data => self.push(b),
            }
        }
    }

    fn push(&mut self, b: u8) {
        if b == b'\n' {
            if self.discarding {
                self.discarding = false;
            } else {
                let mut line = std::mem::take(&mut self.line);
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                self.ready.push_back(Frame::Line(line));
            }
            self.line.clear();
            return;
        }
        if self.discarding {
            return;
        }
        // Allow one extra byte for a CR that may precede the LF.
        if self.line.len() > self.max || (self.line.len() == self.max && b != b'\r') {
            self.line = Vec::new();
            self.discarding = true;
            self.ready.push_back(Frame::TooLong);
            return;
        }
        self.line.push(b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(max: usize, input: &[u8]) -> Vec<Frame> {
        let mut b = LineBuffer::new(max);
        b.extend(input);
        std::iter::from_fn(|| b.next_frame()).collect()
    }

    fn line(s: &str) -> Frame {
        Frame::Line(s.as_bytes().to_vec())
    }

    #[test]
    fn crlf_terminates_a_line() {
        assert_eq!(frames(100, b"NOOP\r\n"), vec![line("NOOP")]);
    }

    #[test]
    fn bare_lf_terminates_a_line() {
        assert_eq!(frames(100, b"NOOP\nPWD\n"), vec![line("NOOP"), line("PWD")]);
    }

    #[test]
    fn partial_line_waits_for_more() {
        let mut b = LineBuffer::new(100);
        b.extend(b"NO");
        assert!(b.next_frame().is_none());
        b.extend(b"OP\r");
        assert!(b.next_frame().is_none());
        b.extend(b"\n");
        assert_eq!(b.next_frame(), Some(line("NOOP")));
    }

    #[test]
    fn pipelined_lines_come_out_in_order() {
        assert_eq!(
            frames(100, b"USER a\r\nPASS b\r\nPWD\r\n"),
            vec![line("USER a"), line("PASS b"), line("PWD")]
        );
    }

    #[test]
    fn line_at_limit_is_accepted_with_crlf() {
        assert_eq!(frames(4, b"ABCD\r\n"), vec![line("ABCD")]);
    }

    #[test]
    fn overlong_line_is_reported_once_and_discarded() {
        assert_eq!(
            frames(4, b"ABCDEFGHIJ\r\nNOOP\r\n"),
            vec![Frame::TooLong, line("NOOP")]
        );
    }

    #[test]
    fn overlong_line_without_newline_keeps_memory_bounded() {
        let mut b = LineBuffer::new(16);
        for _ in 0..1000 {
            b.extend(&[b'x'; 1024]);
            assert!(b.buffered() <= 17);
        }
        assert_eq!(b.next_frame(), Some(Frame::TooLong));
        assert_eq!(b.next_frame(), None);
    }

    #[test]
    fn telnet_ip_and_dm_before_abor_are_removed() {
        assert_eq!(frames(100, b"\xff\xf4\xff\xf2ABOR\r\n"), vec![line("ABOR")]);
    }

    #[test]
    fn telnet_synch_with_out_of_band_dm_is_removed() {
        // The DM byte travelled as TCP urgent data and is missing from the stream.
        assert_eq!(frames(100, b"\xff\xf4\xffABOR\r\n"), vec![line("ABOR")]);
    }

    #[test]
    fn telnet_option_negotiation_is_dropped() {
        assert_eq!(frames(100, b"\xff\xfb\x01NOOP\r\n"), vec![line("NOOP")]);
    }

    #[test]
    fn escaped_iac_is_a_data_byte() {
        assert_eq!(
            frames(100, b"a\xff\xffb\n"),
            vec![Frame::Line(vec![b'a', 0xff, b'b'])]
        );
    }

    #[test]
    fn empty_line_is_a_frame() {
        assert_eq!(frames(100, b"\r\n"), vec![line("")]);
    }
}
