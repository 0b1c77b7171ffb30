//! Property test against a live ftpd (issue 5, Fuzzing): bounded random
//! sessions from a seeded PRNG. Each sends random verbs (real ones, RFC 775
//! aliases and junk), junk bytes (Telnet IAC, NUL, lone CR, invalid UTF-8),
//! overlong lines, random PORT/EPRT/PASV/EPSV/REST/RNFR/RNTO/ABOR orders and
//! random paths (with `..`, the sibling directory's host path, control
//! characters), several lines pipelined in one write. Data connections are
//! opened (or not, or first from a foreign loopback address) by helper
//! threads that send or drain random bytes.
//!
//! What must hold for every session:
//! - every reply is well formed (CRLF, three-digit code, parsed by
//!   `ReplyParser`, no control characters echoed);
//! - every line the server frames (counted with the same `LineBuffer`) gets
//!   exactly one final reply, or the server closes cleanly: a 221 or 421 as
//!   its last reply, then EOF;
//! - nothing hangs: every read has a timeout and each session a deadline;
//! - afterwards a fresh session still logs in and NOOP works, and at the end
//!   nothing has changed outside the served root.
//!
//! CI runs 200 sessions of 50 commands. `FTP_ROBUST_SESSIONS` and
//! `FTP_ROBUST_COMMANDS` scale it up; `FTP_ROBUST_SEED` (and
//! `FTP_ROBUST_ONLY=<session index>`) replays a failure.

mod random;

use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ftp_proto::{address, Frame, LineBuffer, Reply, ReplyParser};

use crate::support::TestServer;
use random::Rng;

/// A fixed default seed keeps CI deterministic; override to explore.
const DEFAULT_SEED: u64 = 0x5eed_f7b0_0005_0001;
/// One read may wait this long before the server counts as hung.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// A whole session may take this long.
const SESSION_DEADLINE: Duration = Duration::from_secs(60);
/// Sessions run on this many threads at once.
const WORKERS: usize = 4;

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a number")),
        Err(_) => default,
    }
}

/// What every session needs to know about the world.
pub struct Ctx {
    addr: SocketAddr,
    max_line: usize,
    /// A listener of ours that PORT/EPRT may name (random data behaviour).
    sink_port: u16,
    /// A loopback port with nothing listening (connection refused).
    closed_port: u16,
    /// The sibling directory's host path, offered as an FTP path too.
    sibling: String,
}

#[derive(Default)]
struct Totals {
    sessions: AtomicU64,
    lines: AtomicU64,
    replies: AtomicU64,
    /// Sessions the server ended early with 221 (a random QUIT) or 421
    /// (the pre-login command cap).
    closed_221: AtomicU64,
    closed_421: AtomicU64,
    /// How often each reply code was seen (shows what the sessions reached).
    codes: Mutex<BTreeMap<u16, u64>>,
}

#[test]
fn random_command_sequences_get_answers_or_a_clean_close() {
    let seed = env_u64("FTP_ROBUST_SEED", DEFAULT_SEED);
    let sessions = env_u64("FTP_ROBUST_SESSIONS", 200) as usize;
    let commands = env_u64("FTP_ROBUST_COMMANDS", 50) as usize;
    let only = std::env::var("FTP_ROBUST_ONLY")
        .ok()
        .and_then(|v| v.parse().ok());

    let srv = TestServer::start_with(|c| {
        c.write = true;
        c.data_timeout = Duration::from_millis(500);
        c.login_failure_delay = Duration::ZERO;
        c.max_login_failures = 1_000_000;
        c.max_sessions = 512;
        c.max_sessions_per_ip = 256;
        // max_commands_before_login keeps its default: sessions that never
        // log in (or REIN) exercise the 421 close.
    });
    let sibling = srv.dir.path().join("sibling");
    std::fs::create_dir_all(sibling.join("inner")).unwrap();
    std::fs::write(sibling.join("secret.txt"), b"outside the root").unwrap();
    std::fs::write(sibling.join("inner/keep"), b"keep").unwrap();
    let before = snapshot_outside_root(srv.dir.path());

    let sink = Sink::start();
    let ctx = Ctx {
        addr: srv.addr,
        max_line: ftp_proto::DEFAULT_MAX_LINE,
        sink_port: sink.port,
        closed_port: closed_port(),
        sibling: sibling.display().to_string(),
    };
    let started = Instant::now();
    let totals = Totals::default();
    let failures = run_all(&ctx, seed, sessions, commands, only, &totals);
    drop(sink);

    eprintln!(
        "robustness: seed={seed} sessions={} lines={} final_replies={} early_close_221={} early_close_421={} failures={} duration={:.2?}",
        totals.sessions.load(Ordering::Relaxed),
        totals.lines.load(Ordering::Relaxed),
        totals.replies.load(Ordering::Relaxed),
        totals.closed_221.load(Ordering::Relaxed),
        totals.closed_421.load(Ordering::Relaxed),
        failures.len(),
        started.elapsed()
    );
    let codes = totals.codes.lock().unwrap();
    let codes: Vec<String> = codes.iter().map(|(c, n)| format!("{c}x{n}")).collect();
    eprintln!("robustness: reply codes {}", codes.join(" "));
    assert!(
        failures.is_empty(),
        "{} session(s) failed; replay one with FTP_ROBUST_SEED={seed} FTP_ROBUST_ONLY=<index>:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    fresh_login_works(&ctx).expect("a fresh session after all the random ones");
    assert_eq!(
        snapshot_outside_root(srv.dir.path()),
        before,
        "something outside the served root changed"
    );
}

/// Run the sessions on `WORKERS` threads; stop early after the first failure.
fn run_all(
    ctx: &Ctx,
    seed: u64,
    sessions: usize,
    commands: usize,
    only: Option<usize>,
    totals: &Totals,
) -> Vec<String> {
    let next = AtomicUsize::new(only.unwrap_or(0));
    let end = only.map_or(sessions, |i| i + 1);
    let failed = AtomicBool::new(false);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= end || failed.load(Ordering::Relaxed) {
                    return;
                }
                let session_seed = Rng::new(seed.wrapping_add(index as u64)).next();
                let result = run_session(ctx, session_seed, commands, totals)
                    .and_then(|()| fresh_login_works(ctx).map_err(|e| format!("fresh login: {e}")));
                if let Err(e) = result {
                    failed.store(true, Ordering::Relaxed);
                    let msg = format!("session {index} (FTP_ROBUST_SEED={seed}): {e}");
                    failures.lock().unwrap().push(msg);
                }
            });
        }
    });
    failures.into_inner().unwrap()
}

/// One random session: login (usually), random items in pipelined batches,
/// then QUIT.
fn run_session(ctx: &Ctx, seed: u64, commands: usize, totals: &Totals) -> Result<(), String> {
    let mut rng = Rng::new(seed);
    let mut items: Vec<Vec<u8>> = Vec::new();
    if rng.percent(85) {
        items.push(b"USER anonymous\r\n".to_vec());
        items.push(b"PASS robust@\r\n".to_vec());
    }
    for _ in 0..commands {
        items.push(random::item(&mut rng, ctx));
    }
    // End any unterminated line, then leave politely.
    items.push(b"\r\nQUIT\r\n".to_vec());

    let mut conn = Conn::open(ctx, rng.next())?;
    let mut i = 0;
    while i < items.len() && !conn.closed {
        let n = (1 + rng.below(6)).min(items.len() - i);
        let batch: Vec<u8> = items[i..i + n].concat();
        i += n;
        conn.send(&batch);
        conn.await_answers()?;
    }
    let result = conn.finish();
    totals.sessions.fetch_add(1, Ordering::Relaxed);
    totals.lines.fetch_add(conn.frames, Ordering::Relaxed);
    totals.replies.fetch_add(conn.finals, Ordering::Relaxed);
    let mut codes = totals.codes.lock().unwrap();
    for (code, n) in &conn.codes {
        *codes.entry(*code).or_default() += n;
    }
    drop(codes);
    match (conn.closed_early, conn.last_final) {
        (true, Some(221)) => totals.closed_221.fetch_add(1, Ordering::Relaxed),
        (true, _) => totals.closed_421.fetch_add(1, Ordering::Relaxed),
        _ => 0,
    };
    result.map_err(|e| format!("{e}\nlast exchanges:\n{}", conn.transcript()))
}

/// Log in, NOOP and QUIT on a fresh connection.
fn fresh_login_works(ctx: &Ctx) -> Result<(), String> {
    let mut conn = Conn::open(ctx, 0)?;
    for (line, code) in [
        ("USER anonymous", 331),
        ("PASS fresh@", 230),
        ("NOOP", 200),
        ("QUIT", 221),
    ] {
        conn.send(format!("{line}\r\n").as_bytes());
        conn.await_answers()?;
        if conn.last_final != Some(code) {
            return Err(format!("{line} got {:?}, expected {code}", conn.last_final));
        }
    }
    conn.finish()
}

/// A control connection that counts the lines the server will frame and the
/// final replies it has sent, checking each reply on the way.
struct Conn {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
    framer: LineBuffer,
    parser: ReplyParser,
    /// Lines (frames) the server has been sent.
    frames: u64,
    /// Final (non-1yz) replies received.
    finals: u64,
    last_final: Option<u16>,
    codes: BTreeMap<u16, u64>,
    /// The server closed the connection.
    closed: bool,
    /// ... before our own final QUIT.
    closed_early: bool,
    deadline: Instant,
    rng: Rng,
    helpers: Vec<JoinHandle<()>>,
    log: VecDeque<String>,
}

impl Conn {
    fn open(ctx: &Ctx, seed: u64) -> Result<Conn, String> {
        let s = TcpStream::connect(ctx.addr).map_err(|e| format!("connect: {e}"))?;
        s.set_read_timeout(Some(READ_TIMEOUT))
            .map_err(|e| e.to_string())?;
        s.set_write_timeout(Some(READ_TIMEOUT))
            .map_err(|e| e.to_string())?;
        let writer = s.try_clone().map_err(|e| e.to_string())?;
        let mut conn = Conn {
            writer,
            reader: BufReader::new(s),
            framer: LineBuffer::new(ctx.max_line),
            parser: ReplyParser::new(),
            // The connect itself, which the greeting answers.
            frames: 1,
            finals: 0,
            last_final: None,
            codes: BTreeMap::new(),
            closed: false,
            closed_early: false,
            deadline: Instant::now() + SESSION_DEADLINE,
            rng: Rng::new(seed),
            helpers: Vec::new(),
            log: VecDeque::new(),
        };
        match conn.read_reply()? {
            Some(r) if r.code.0 == 220 => {
                conn.frames = 0;
                conn.finals = 0;
                Ok(conn)
            }
            other => Err(format!("greeting: {other:?}")),
        }
    }

    /// Write bytes as one write. A write error means the server closed; the
    /// replies it sent before are still read by `await_answers`.
    fn send(&mut self, bytes: &[u8]) {
        self.framer.extend(bytes);
        while let Some(frame) = self.framer.next_frame() {
            self.frames += 1;
            let shown = match frame {
                Frame::Line(l) => String::from_utf8_lossy(&l[..l.len().min(80)]).into_owned(),
                Frame::TooLong => "<overlong line>".to_string(),
            };
            self.note(format!(">> {shown:?}"));
        }
        if let Err(e) = self.writer.write_all(bytes) {
            self.note(format!("write failed: {e}"));
        }
    }

    /// Read until every framed line has its final reply, or the server has
    /// closed cleanly.
    fn await_answers(&mut self) -> Result<(), String> {
        while self.finals < self.frames {
            if self.read_reply()?.is_none() {
                return self.closed_cleanly();
            }
        }
        Ok(())
    }

    /// EOF is clean only after a 221 or 421 that was the last reply.
    fn closed_cleanly(&mut self) -> Result<(), String> {
        self.closed = true;
        self.closed_early = true;
        match self.last_final {
            Some(221 | 421) => Ok(()),
            other => Err(format!(
                "server closed after {} of {} replies, last final reply {other:?} (not 221/421)",
                self.finals, self.frames
            )),
        }
    }

    /// After the final QUIT: 221 (or 421, when QUIT hit the pre-login
    /// command cap) as the last reply, then EOF.
    fn finish(&mut self) -> Result<(), String> {
        let result = if self.closed {
            Ok(())
        } else if !matches!(self.last_final, Some(221 | 421)) {
            Err(format!("QUIT got {:?}", self.last_final))
        } else {
            match self.read_reply() {
                Ok(None) => {
                    self.closed = true;
                    Ok(())
                }
                Ok(Some(r)) => Err(format!("reply after 221: {r:?}")),
                Err(e) => Err(e),
            }
        };
        let _ = self.writer.shutdown(Shutdown::Both);
        for h in self.helpers.drain(..) {
            let _ = h.join();
        }
        result
    }

    /// One whole reply, checked; `None` at EOF (or reset, which is how a
    /// close with unread pipelined input arrives).
    fn read_reply(&mut self) -> Result<Option<Reply>, String> {
        loop {
            if Instant::now() > self.deadline {
                return Err(format!("session deadline of {SESSION_DEADLINE:?} passed"));
            }
            let mut raw = Vec::new();
            match self.reader.read_until(b'\n', &mut raw) {
                Ok(0) => return self.eof(),
                Ok(_) => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return Err(format!(
                        "no reply within {READ_TIMEOUT:?} ({} of {} lines answered): server hangs",
                        self.finals, self.frames
                    ))
                }
                Err(e) if e.kind() == ErrorKind::ConnectionReset => return self.eof(),
                Err(e) => return Err(format!("read: {e}")),
            }
            let line = check_reply_line(&raw)?;
            self.note(format!("<< {line:?}"));
            let parsed = self.parser.feed_line(line).map_err(|e| e.to_string())?;
            if let Some(reply) = parsed {
                self.on_reply(&reply)?;
                return Ok(Some(reply));
            }
        }
    }

    fn eof(&mut self) -> Result<Option<Reply>, String> {
        if self.parser.in_progress() {
            return Err("connection closed inside a multi-line reply".to_string());
        }
        Ok(None)
    }

    fn on_reply(&mut self, reply: &Reply) -> Result<(), String> {
        let code = reply.code.0;
        if !(100..600).contains(&code) {
            return Err(format!("reply code {code} outside 1yz-5yz"));
        }
        *self.codes.entry(code).or_default() += 1;
        if reply.code.is_preliminary() {
            return Ok(());
        }
        self.finals += 1;
        self.last_final = Some(code);
        if self.finals > self.frames {
            return Err(format!(
                "{} final replies for {} lines: an unsolicited reply",
                self.finals, self.frames
            ));
        }
        let text = reply.text();
        let port = match code {
            227 => address::parse_pasv_reply(&text).map(|a| a.port()).ok(),
            229 => address::parse_epsv_reply(&text).ok(),
            _ => None,
        };
        if let Some(port) = port {
            let seed = self.rng.next();
            let addr = SocketAddr::new(
                self.writer.peer_addr().map_err(|e| e.to_string())?.ip(),
                port,
            );
            self.helpers
                .push(std::thread::spawn(move || passive_peer(addr, seed)));
        }
        Ok(())
    }

    fn note(&mut self, s: String) {
        if self.log.len() == 24 {
            self.log.pop_front();
        }
        self.log.push_back(s);
    }

    fn transcript(&self) -> String {
        self.log.iter().map(|l| format!("  {l}\n")).collect()
    }
}

/// A reply line must end in CRLF, be UTF-8 and hold no other control
/// characters (the server never echoes raw client bytes).
fn check_reply_line(raw: &[u8]) -> Result<&str, String> {
    let body = raw.strip_suffix(b"\r\n").ok_or_else(|| {
        format!(
            "reply line without CRLF: {:?}",
            String::from_utf8_lossy(raw)
        )
    })?;
    let text = std::str::from_utf8(body).map_err(|_| {
        format!(
            "reply line is not UTF-8: {:?}",
            String::from_utf8_lossy(raw)
        )
    })?;
    if text.chars().any(|c| c.is_control() && c != '\t') {
        return Err(format!("control character in reply line {text:?}"));
    }
    Ok(text)
}

/// The client end of a passive data connection: usually connect and then
/// send or drain random bytes; sometimes first from 127.0.0.2 (port
/// stealing: the server must drop it); sometimes never connect.
fn passive_peer(addr: SocketAddr, seed: u64) {
    let mut rng = Rng::new(seed);
    if rng.percent(5) {
        return;
    }
    let _thief = if rng.percent(10) {
        connect_from(Ipv4Addr::new(127, 0, 0, 2), addr)
    } else {
        None
    };
    if let Ok(s) = TcpStream::connect(addr) {
        data_peer(s, &mut rng);
    }
}

fn connect_from(src: Ipv4Addr, to: SocketAddr) -> Option<TcpStream> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    rt.block_on(async {
        let sock = tokio::net::TcpSocket::new_v4().ok()?;
        sock.bind(SocketAddr::new(IpAddr::V4(src), 0)).ok()?;
        let s = tokio::time::timeout(Duration::from_secs(5), sock.connect(to))
            .await
            .ok()?
            .ok()?;
        s.into_std().ok()
    })
}

/// Either end of a data connection: close at once, or send up to 16 KiB,
/// half-close and drain what the server sends (bounded in time).
fn data_peer(mut s: TcpStream, rng: &mut Rng) {
    if rng.percent(20) {
        return;
    }
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = s.set_write_timeout(Some(Duration::from_secs(5)));
    let n = rng.below(16 * 1024);
    let _ = s.write_all(&rng.bytes(n));
    let _ = s.shutdown(Shutdown::Write);
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut buf = [0u8; 16 * 1024];
    while Instant::now() < deadline {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
}

/// Our listener for PORT/EPRT: each connection the server makes gets the
/// random `data_peer` treatment on its own thread.
struct Sink {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Sink {
    fn start() -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut peers = Vec::new();
            for (i, conn) in listener.incoming().enumerate() {
                if flag.load(Ordering::Relaxed) {
                    break;
                }
                if let Ok(s) = conn {
                    let mut rng = Rng::new(i as u64);
                    peers.push(std::thread::spawn(move || data_peer(s, &mut rng)));
                }
            }
            for p in peers {
                let _ = p.join();
            }
        });
        Sink {
            port,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A loopback port that was free a moment ago: PORT to it is refused.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Every path under `dir` except the served root, with its content hash.
fn snapshot_outside_root(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(dir).unwrap().to_path_buf();
            if rel == Path::new("root") {
                continue;
            }
            if path.is_dir() {
                out.insert(rel, "dir".to_string());
                stack.push(path);
            } else {
                out.insert(rel, crate::support::sha256_file(&path));
            }
        }
    }
    out
}
