//! A TCP relay that plays a flaky network between `ftpc` and a real
//! server: it forwards the control connection and the server's passive
//! ports unchanged, and cuts (with a reset) the first data connections that
//! carry more than a given number of bytes towards the client (a download)
//! or towards the server (an upload).
//!
//! The server listens on 127.0.0.2 and the relay on 127.0.0.1, on the same
//! port numbers for the passive range: an EPSV reply names only a port, and
//! the client connects to it on the control connection's address, so data
//! goes through the relay without rewriting a reply. Both of the relay's
//! outgoing connections come from 127.0.0.1, so the server sees data and
//! control from one address, as its port-stealing check wants.
//!
//! It also records the lines the client sends on the control connection,
//! the protocol log a test asserts on (`REST`, how many `RETR`), and every
//! byte it forwards, either way on every connection (up to `WIRE_LIMIT`):
//! what a wiretap would see, for tests that nothing went in the clear.
//! Every accept loop is bounded in count; every connection ends when either
//! side closes it.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::ops::RangeInclusive;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Connections one listener of the relay accepts at most.
const MAX_ACCEPTS: usize = 32;

/// Bytes of traffic the relay keeps for `wire()`; later ones are not kept.
const WIRE_LIMIT: usize = 64 << 20;

/// How the relay damages data connections.
#[derive(Debug, Clone, Copy)]
pub struct Cut {
    /// Forward this many bytes, then reset.
    pub after: usize,
    /// How many data connections to cut (the first ones long enough).
    pub times: usize,
    /// Count the bytes towards the server (uploads), not the client.
    pub upload: bool,
}

pub struct Relay {
    /// The control port on 127.0.0.1.
    pub port: u16,
    log: Arc<Mutex<Vec<String>>>,
    wire: Arc<Mutex<Vec<u8>>>,
    cuts: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    ports: Vec<u16>,
}

/// What the relay threads share.
#[derive(Clone)]
struct State {
    log: Arc<Mutex<Vec<String>>>,
    wire: Arc<Mutex<Vec<u8>>>,
    cuts: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    after: usize,
    upload: bool,
}

impl Relay {
    /// Relay 127.0.0.1:(any) to `control` (a server on 127.0.0.2), and
    /// 127.0.0.1:P to 127.0.0.2:P for every P in `passive`.
    pub fn start(control: SocketAddr, passive: RangeInclusive<u16>, cut: Cut) -> Relay {
        let state = State {
            log: Arc::new(Mutex::new(Vec::new())),
            wire: Arc::new(Mutex::new(Vec::new())),
            cuts: Arc::new(AtomicUsize::new(cut.times)),
            stop: Arc::new(AtomicBool::new(false)),
            after: cut.after,
            upload: cut.upload,
        };
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind relay");
        let port = listener.local_addr().expect("relay addr").port();
        spawn_accept(listener, control, state.clone(), true);
        let mut ports = vec![port];
        for p in passive {
            let l = TcpListener::bind(("127.0.0.1", p)).expect("bind relay passive port");
            let upstream = SocketAddr::new(control.ip(), p);
            spawn_accept(l, upstream, state.clone(), false);
            ports.push(p);
        }
        Relay {
            port,
            log: state.log,
            wire: state.wire,
            cuts: state.cuts,
            stop: state.stop,
            ports,
        }
    }

    pub fn url(&self, rel: &str) -> String {
        format!("ftp://127.0.0.1:{}/{}", self.port, rel)
    }

    /// The control lines the client sent, in order.
    pub fn lines(&self) -> Vec<String> {
        self.log.lock().expect("relay log").clone()
    }

    /// Every byte forwarded so far, both ways, all connections, in the
    /// order the relay's threads took them (interleaved by chunk).
    pub fn wire(&self) -> Vec<u8> {
        self.wire.lock().expect("relay wire").clone()
    }

    /// How many cuts are still to come.
    pub fn cuts_left(&self) -> usize {
        self.cuts.load(Ordering::SeqCst)
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for p in &self.ports {
            // Wake each accept loop so it sees `stop`.
            let _ = TcpStream::connect(("127.0.0.1", *p));
        }
    }
}

fn spawn_accept(listener: TcpListener, upstream: SocketAddr, state: State, control: bool) {
    std::thread::spawn(move || {
        for conn in listener.incoming().take(MAX_ACCEPTS) {
            if state.stop.load(Ordering::SeqCst) {
                break;
            }
            let Ok(client) = conn else { break };
            let Ok(server) = TcpStream::connect(upstream) else {
                continue;
            };
            connect_pair(client, server, state.clone(), control);
        }
    });
}

/// Pump both directions of one relayed connection in two threads.
fn connect_pair(client: TcpStream, server: TcpStream, state: State, control: bool) {
    let (Ok(client2), Ok(server2)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let up_state = state.clone();
    std::thread::spawn(move || {
        let log = control.then_some(&up_state.log);
        let cut = (!control && up_state.upload).then_some((up_state.after, &up_state.cuts));
        let _ = pump(client2, server2, log, cut, &up_state.wire);
    });
    std::thread::spawn(move || {
        let cut = (!control && !state.upload).then_some((state.after, &state.cuts));
        let _ = pump(server, client, None, cut, &state.wire);
    });
}

/// Copy `from` to `to` until EOF. With `log`, record each line; with `cut`,
/// reset both sockets once `after` bytes went through, if a cut is left.
/// Everything forwarded is also appended to `wire`.
fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    log: Option<&Arc<Mutex<Vec<String>>>>,
    cut: Option<(usize, &Arc<AtomicUsize>)>,
    wire: &Mutex<Vec<u8>>,
) -> std::io::Result<()> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut line = Vec::new();
    let mut total = 0usize;
    let mut cutting = false;
    loop {
        let n = from.read(&mut buf)?;
        if n == 0 {
            break;
        }
        let mut chunk = &buf[..n];
        if let Some((after, cuts)) = cut {
            if !cutting && total + n > after && take_cut(cuts) {
                cutting = true;
            }
            if cutting {
                chunk = &chunk[..after.saturating_sub(total)];
            }
        }
        // Recorded before it is forwarded: once the receiver has it, a
        // test reading `wire()` sees it too.
        tap(wire, chunk);
        to.write_all(chunk)?;
        total += chunk.len();
        if cutting {
            reset(&to);
            reset(&from);
            return Ok(());
        }
        if let Some(log) = log {
            record(log, &mut line, chunk);
        }
    }
    let _ = to.shutdown(Shutdown::Write);
    Ok(())
}

fn tap(wire: &Mutex<Vec<u8>>, chunk: &[u8]) {
    let mut w = wire.lock().expect("relay wire");
    let room = WIRE_LIMIT.saturating_sub(w.len());
    w.extend_from_slice(&chunk[..chunk.len().min(room)]);
}

fn take_cut(cuts: &AtomicUsize) -> bool {
    cuts.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |c| c.checked_sub(1))
        .is_ok()
}

fn record(log: &Mutex<Vec<String>>, line: &mut Vec<u8>, chunk: &[u8]) {
    for &b in chunk {
        if b == b'\n' {
            let text = String::from_utf8_lossy(line).trim_end().to_string();
            log.lock().expect("relay log").push(text);
            line.clear();
        } else if line.len() < 4096 {
            line.push(b);
        }
    }
}

/// Make the last close of `s` a TCP reset, as a middlebox that drops a
/// connection does: SO_LINGER with a zero timeout. Shutting down only the
/// read side sends nothing to the peer but wakes the sibling thread
/// reading a clone of `s`, so it lets go and the close (the reset) happens
/// once both have dropped their handles.
fn reset(s: &TcpStream) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket descriptor, and a pointer to a live `linger`
    // of the size passed.
    unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            std::ptr::addr_of!(linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
    let _ = s.shutdown(Shutdown::Read);
}
