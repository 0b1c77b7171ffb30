//! A TCP proxy between ftpd and the S3 server, for fault injection and
//! for counting requests: it forwards, refuses (accepts, then closes) or
//! black-holes (accepts and never answers) new connections, as set at
//! any time; `cut` also drops the connections already open. Everything
//! the client sent is kept, so a test can see which HTTP requests ftpd
//! made (the S3 API is plain HTTP here).

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    Forward = 0,
    Refuse = 1,
    Hang = 2,
}

struct Shared {
    mode: AtomicU8,
    /// While set, open connections pass nothing on (a store that stops
    /// answering mid-response).
    frozen: std::sync::atomic::AtomicBool,
    /// Hold each CompleteMultipartUpload request this many ms before
    /// passing it on (a store slow to assemble a large object).
    complete_delay_ms: std::sync::atomic::AtomicU64,
    /// Every byte clients sent, in order per connection.
    sent: Mutex<Vec<u8>>,
    /// The open connections (both ends), to cut them.
    open: Mutex<Vec<TcpStream>>,
}

pub struct S3Proxy {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
}

impl S3Proxy {
    pub fn start(upstream: SocketAddr) -> S3Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            mode: AtomicU8::new(Mode::Forward as u8),
            frozen: std::sync::atomic::AtomicBool::new(false),
            complete_delay_ms: std::sync::atomic::AtomicU64::new(0),
            sent: Mutex::new(Vec::new()),
            open: Mutex::new(Vec::new()),
        });
        let s = shared.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let mode = s.mode.load(Ordering::SeqCst);
                if mode == Mode::Refuse as u8 {
                    let _ = conn.shutdown(Shutdown::Both);
                    continue;
                }
                s.open.lock().unwrap().push(conn.try_clone().unwrap());
                if mode == Mode::Hang as u8 {
                    // Held open, never read or answered, until cut.
                    continue;
                }
                let Ok(up) = TcpStream::connect(upstream) else {
                    continue;
                };
                s.open.lock().unwrap().push(up.try_clone().unwrap());
                let (c2, u2) = (conn.try_clone().unwrap(), up.try_clone().unwrap());
                let (s2, s3) = (s.clone(), s.clone());
                std::thread::spawn(move || pump(conn, up, &s2, true));
                std::thread::spawn(move || pump(u2, c2, &s3, false));
            }
        });
        S3Proxy { addr, shared }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How new connections are treated from now on.
    pub fn set(&self, mode: Mode) {
        self.shared.mode.store(mode as u8, Ordering::SeqCst);
    }

    /// Hold every CompleteMultipartUpload (`POST ...?uploadId=`) for `d`.
    pub fn delay_completes(&self, d: Duration) {
        self.shared
            .complete_delay_ms
            .store(d.as_millis() as u64, Ordering::SeqCst);
    }

    /// Stop (true) or resume (false) passing bytes on open connections.
    pub fn freeze(&self, on: bool) {
        self.shared.frozen.store(on, Ordering::SeqCst);
    }

    /// Drop every open connection (ftpd's pooled ones too).
    pub fn cut(&self) {
        for c in self.shared.open.lock().unwrap().drain(..) {
            let _ = c.shutdown(Shutdown::Both);
        }
    }

    /// The request lines (`GET /bucket/key?... HTTP/1.1`) and their
    /// headers, lowercased, since the last `clear`.
    pub fn requests(&self) -> Vec<String> {
        let sent = self.shared.sent.lock().unwrap();
        let text = String::from_utf8_lossy(&sent).to_lowercase();
        let mut out = Vec::new();
        for (i, _) in text.match_indices(" http/1.1\r\n") {
            let start = text[..i].rfind("\r\n").map_or(0, |p| p + 2);
            let end = text[i..].find("\r\n\r\n").map_or(text.len(), |p| i + p);
            out.push(text[start..end].to_string());
        }
        out
    }

    pub fn clear(&self) {
        self.shared.sent.lock().unwrap().clear();
    }
}

fn pump(mut from: TcpStream, mut to: TcpStream, shared: &Shared, record: bool) {
    let _ = from.set_read_timeout(Some(Duration::from_secs(120)));
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if record {
            shared.sent.lock().unwrap().extend_from_slice(&buf[..n]);
            let chunk = &buf[..n];
            let complete =
                chunk.starts_with(b"POST ") && chunk.windows(9).any(|w| w == b"uploadId=");
            let delay = shared.complete_delay_ms.load(Ordering::SeqCst);
            if complete && delay > 0 {
                std::thread::sleep(Duration::from_millis(delay));
            }
        }
        for _ in 0..1200 {
            if !shared.frozen.load(Ordering::SeqCst) {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}
