//! `RawSession`: a plain control connection for protocol-level tests. Sends
//! exact lines and reads whole (multi-line) replies with `ftp_proto::ReplyParser`.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use ftp_proto::{Reply, ReplyParser};

pub struct RawSession {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl RawSession {
    /// Connect and read the 220 greeting.
    pub fn connect(addr: SocketAddr) -> RawSession {
        Self::over(TcpStream::connect(addr).expect("connect"))
    }

    /// Take over a connected stream (after a PROXY header, say) and read
    /// the 220 greeting.
    pub fn over(s: TcpStream) -> RawSession {
        s.set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        let writer = s.try_clone().expect("clone");
        let mut r = RawSession {
            reader: BufReader::new(s),
            writer,
        };
        let greeting = r.reply();
        assert_eq!(greeting.code.0, 220, "greeting: {greeting:?}");
        r
    }

    /// Connect and log in anonymously.
    pub fn login(addr: SocketAddr) -> RawSession {
        let mut r = Self::connect(addr);
        r.expect("USER anonymous", 331);
        r.expect("PASS test@", 230);
        r
    }

    /// This end's address (what the server logs as the peer).
    pub fn local_addr(&self) -> SocketAddr {
        self.writer.local_addr().expect("local addr")
    }

    /// Send raw bytes as they are (for pipelining and malformed input).
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write");
    }

    /// Send one line with CRLF.
    pub fn send(&mut self, line: &str) {
        self.send_raw(format!("{line}\r\n").as_bytes());
    }

    /// Read one whole reply. Panics on EOF or timeout.
    pub fn reply(&mut self) -> Reply {
        self.try_reply().expect("connection closed before a reply")
    }

    /// Read one whole reply, or None at EOF.
    pub fn try_reply(&mut self) -> Option<Reply> {
        let mut parser = ReplyParser::new();
        loop {
            let mut line = String::new();
            let n = self.reader.read_line(&mut line).ok()?;
            if n == 0 {
                return None;
            }
            if let Some(r) = parser.feed_line(&line).expect("well-formed reply") {
                return Some(r);
            }
        }
    }

    /// Send a command and return its reply.
    pub fn cmd(&mut self, line: &str) -> Reply {
        self.send(line);
        self.reply()
    }

    /// Send a command and assert the reply code.
    pub fn expect(&mut self, line: &str, code: u16) -> Reply {
        let r = self.cmd(line);
        assert_eq!(r.code.0, code, "{line} -> {r:?}");
        r
    }

    /// Open a passive data connection (EPSV on the control peer).
    pub fn pasv_data(&mut self) -> TcpStream {
        let r = self.expect("EPSV", 229);
        let port = ftp_proto::address::parse_epsv_reply(&r.text()).expect("229 port");
        let ip = self.writer.peer_addr().expect("peer").ip();
        let d = TcpStream::connect((ip, port)).expect("data connect");
        d.set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        d
    }
}
