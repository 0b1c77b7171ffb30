//! Load test (issue 5): N concurrent tokio clients against one in-process
//! ftpd. Every client logs in, waits until all N are logged in (so N
//! sessions really are open at once), then lists (EPSV + LIST), uploads a
//! seeded random file of 4 KiB to 256 KiB (STOR), downloads it back (RETR),
//! checks the SHA-256 of the download and of the file on disk, and quits.
//! The result must be zero errors and zero corrupt files.
//!
//! CI runs 200 clients. `FTP_LOAD_CLIENTS=2000` runs the big one (raise
//! `ulimit -n` first: each client holds up to four sockets across both ends);
//! `FTP_LOAD_SEED` changes the file sizes and contents.
//!
//! The client is written by hand from `ftp_proto`'s `Command` (Display) and
//! `ReplyParser`, so the test does not depend on `ftp-client`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ftp_proto::{address, Command, EpsvArg, Reply, ReplyParser, TransferType};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::{Barrier, Semaphore};

use crate::support::{pseudo_random, sha256, TestServer};

const DEFAULT_CLIENTS: usize = 200;
const DEFAULT_SEED: u64 = 0x10ad_0005;
const MIN_FILE: usize = 4 * 1024;
const MAX_FILE: usize = 256 * 1024;
/// Connection attempts in flight at once: the test server's listen backlog
/// is the std default (128), and SYNs dropped over it would cost seconds of
/// retransmission. Sessions stay open after connecting, so all N still run
/// at once.
const CONNECTING_AT_ONCE: usize = 64;
/// Any single reply or data read may take this long.
const STEP_TIMEOUT: Duration = Duration::from_secs(60);

/// Counters shared by all clients.
#[derive(Default)]
struct Stats {
    operations: AtomicU64,
    bytes_up: AtomicU64,
    bytes_down: AtomicU64,
    corrupt: AtomicU64,
    open: AtomicUsize,
    peak_open: AtomicUsize,
}

struct Shared {
    addr: SocketAddr,
    root: PathBuf,
    seed: u64,
    stats: Stats,
    connecting: Semaphore,
    all_logged_in: Barrier,
}

#[test]
fn concurrent_clients_round_trip_files_without_errors_or_corruption() {
    let clients: usize = env_or("FTP_LOAD_CLIENTS", DEFAULT_CLIENTS as u64) as usize;
    let seed = env_or("FTP_LOAD_SEED", DEFAULT_SEED);
    check_fd_limit(clients);
    let srv = TestServer::start_with(|c| {
        c.write = true;
        c.max_sessions = clients + 64;
        c.max_sessions_per_ip = clients + 64;
        c.data_timeout = Duration::from_secs(60);
    });
    let shared = Arc::new(Shared {
        addr: srv.addr,
        root: srv.root(),
        seed,
        stats: Stats::default(),
        connecting: Semaphore::new(CONNECTING_AT_ONCE),
        all_logged_in: Barrier::new(clients),
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let errors: Vec<String> = rt.block_on(async {
        let tasks: Vec<_> = (0..clients)
            .map(|i| tokio::spawn(run_client(shared.clone(), i)))
            .collect();
        let mut errors = Vec::new();
        for (i, t) in tasks.into_iter().enumerate() {
            match t.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => errors.push(format!("client {i}: {e}")),
                Err(e) => errors.push(format!("client {i}: task failed: {e}")),
            }
        }
        errors
    });
    let elapsed = started.elapsed();
    let s = &shared.stats;
    let corrupt = s.corrupt.load(Ordering::Relaxed);
    eprintln!(
        "load: sessions={clients} peak_concurrent={} operations={} bytes_up={} bytes_down={} errors={} corrupt={corrupt} duration={elapsed:.2?} seed={seed:#x}",
        s.peak_open.load(Ordering::Relaxed),
        s.operations.load(Ordering::Relaxed),
        s.bytes_up.load(Ordering::Relaxed),
        s.bytes_down.load(Ordering::Relaxed),
        errors.len(),
    );
    let shown: Vec<&String> = errors.iter().take(20).collect();
    assert!(
        errors.is_empty(),
        "{} client(s) failed: {shown:#?}",
        errors.len()
    );
    assert_eq!(corrupt, 0, "corrupt files");
    assert_eq!(
        s.peak_open.load(Ordering::Relaxed),
        clients,
        "not all sessions ran at once"
    );
}

/// Each client holds at most five descriptors across both ends (two control
/// sockets, two data sockets, one passive listener). Fail up front with the
/// fix rather than with hundreds of EMFILE errors.
fn check_fd_limit(clients: usize) {
    let Ok(limits) = std::fs::read_to_string("/proc/self/limits") else {
        return;
    };
    let soft = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|n| n.parse::<usize>().ok());
    let need = clients * 5 + 256;
    if let Some(soft) = soft {
        assert!(
            soft >= need,
            "{clients} clients need about {need} open files, the limit is {soft}: run `ulimit -n {need}` first"
        );
    }
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| v.parse().unwrap_or_else(|_| panic!("{name}={v:?}")))
        .unwrap_or(default)
}

/// One client from connect to QUIT. Every client reaches the barrier exactly
/// once, even when its login failed, so no one waits forever.
async fn run_client(shared: Arc<Shared>, i: usize) -> Result<(), String> {
    let login = tokio::time::timeout(STEP_TIMEOUT * 2, connect_and_login(&shared)).await;
    shared.all_logged_in.wait().await;
    let mut ctl = login.map_err(|_| "login timed out".to_string())??;
    let result = work(&shared, &mut ctl, i).await;
    shared.stats.open.fetch_sub(1, Ordering::Relaxed);
    result
}

async fn connect_and_login(shared: &Shared) -> Result<Control, String> {
    let permit = shared
        .connecting
        .acquire()
        .await
        .map_err(|e| e.to_string())?;
    let mut ctl = Control::connect(shared.addr).await?;
    drop(permit);
    let stats = &shared.stats;
    let open = stats.open.fetch_add(1, Ordering::Relaxed) + 1;
    stats.peak_open.fetch_max(open, Ordering::Relaxed);
    ctl.expect(stats, Command::User("anonymous".into()), 331)
        .await?;
    ctl.expect(stats, Command::Pass("load@".into()), 230)
        .await?;
    ctl.expect(stats, Command::Type(TransferType::Image), 200)
        .await?;
    Ok(ctl)
}

/// List, upload, download, verify, quit.
async fn work(shared: &Shared, ctl: &mut Control, i: usize) -> Result<(), String> {
    let stats = &shared.stats;
    let file_seed = shared.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ i as u64;
    let len = MIN_FILE
        + (pseudo_random(8, file_seed)
            .iter()
            .fold(0usize, |a, &b| a << 8 | b as usize)
            % (MAX_FILE - MIN_FILE + 1));
    let body = pseudo_random(len, file_seed);
    let want = sha256(&body);
    let name = format!("load-{i:05}.bin");

    ctl.transfer(stats, Command::List(None), Upload::None)
        .await?;
    ctl.transfer(stats, Command::Stor(name.clone()), Upload::Bytes(&body))
        .await?;
    stats.bytes_up.fetch_add(len as u64, Ordering::Relaxed);
    let got = ctl
        .transfer(stats, Command::Retr(name.clone()), Upload::None)
        .await?;
    stats
        .bytes_down
        .fetch_add(got.len() as u64, Ordering::Relaxed);
    if sha256(&got) != want {
        stats.corrupt.fetch_add(1, Ordering::Relaxed);
        return Err(format!(
            "{name}: download of {} bytes differs from the {len} uploaded",
            got.len()
        ));
    }
    let on_disk = tokio::fs::read(shared.root.join(&name))
        .await
        .map_err(|e| format!("{name} on disk: {e}"))?;
    if sha256(&on_disk) != want {
        stats.corrupt.fetch_add(1, Ordering::Relaxed);
        return Err(format!(
            "{name}: file on disk ({} bytes) differs",
            on_disk.len()
        ));
    }
    stats.operations.fetch_add(1, Ordering::Relaxed);
    ctl.expect(stats, Command::Quit, 221).await?;
    Ok(())
}

/// What a transfer sends on the data connection.
enum Upload<'a> {
    None,
    Bytes(&'a [u8]),
}

/// The control connection of one client.
struct Control {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    peer: SocketAddr,
}

impl Control {
    async fn connect(addr: SocketAddr) -> Result<Control, String> {
        let s = tokio::time::timeout(STEP_TIMEOUT, TcpStream::connect(addr))
            .await
            .map_err(|_| "connect timed out".to_string())?
            .map_err(|e| format!("connect: {e}"))?;
        let peer = s.peer_addr().map_err(|e| e.to_string())?;
        let (r, w) = s.into_split();
        let mut ctl = Control {
            reader: BufReader::new(r),
            writer: w,
            peer,
        };
        let greeting = ctl.reply().await?;
        if greeting.code.0 != 220 {
            return Err(format!("greeting {greeting:?}"));
        }
        Ok(ctl)
    }

    /// Read one whole reply.
    async fn reply(&mut self) -> Result<Reply, String> {
        let mut parser = ReplyParser::new();
        loop {
            let mut line = Vec::new();
            let n = tokio::time::timeout(STEP_TIMEOUT, self.reader.read_until(b'\n', &mut line))
                .await
                .map_err(|_| "reply timed out".to_string())?
                .map_err(|e| format!("read reply: {e}"))?;
            if n == 0 {
                return Err("control connection closed".to_string());
            }
            let text = String::from_utf8_lossy(&line);
            if let Some(r) = parser.feed_line(&text).map_err(|e| e.to_string())? {
                return Ok(r);
            }
        }
    }

    async fn send(&mut self, cmd: &Command) -> Result<(), String> {
        self.writer
            .write_all(format!("{cmd}\r\n").as_bytes())
            .await
            .map_err(|e| format!("send {}: {e}", cmd.verb()))
    }

    async fn expect(&mut self, stats: &Stats, cmd: Command, code: u16) -> Result<Reply, String> {
        self.send(&cmd).await?;
        let r = self.reply().await?;
        if r.code.0 != code {
            return Err(format!("{} -> {r:?}, expected {code}", cmd.verb()));
        }
        stats.operations.fetch_add(1, Ordering::Relaxed);
        Ok(r)
    }

    /// EPSV, connect, send the command, move the data, then 150 and 226.
    /// Returns what the server sent on the data connection.
    async fn transfer(
        &mut self,
        stats: &Stats,
        cmd: Command,
        up: Upload<'_>,
    ) -> Result<Vec<u8>, String> {
        let r = self.expect(stats, Command::Epsv(EpsvArg::Any), 229).await?;
        let port = address::parse_epsv_reply(&r.text()).map_err(|e| format!("229: {e}"))?;
        let mut data =
            tokio::time::timeout(STEP_TIMEOUT, TcpStream::connect((self.peer.ip(), port)))
                .await
                .map_err(|_| "data connect timed out".to_string())?
                .map_err(|e| format!("data connect: {e}"))?;
        self.send(&cmd).await?;
        let verb = cmd.verb();
        let first = self.reply().await?;
        if !first.code.is_preliminary() {
            return Err(format!("{verb} -> {first:?}, expected 150"));
        }
        let mut received = Vec::new();
        let moved = async {
            if let Upload::Bytes(b) = up {
                data.write_all(b).await?;
                data.shutdown().await?;
            }
            data.read_to_end(&mut received).await
        };
        tokio::time::timeout(STEP_TIMEOUT, moved)
            .await
            .map_err(|_| format!("{verb}: data connection timed out"))?
            .map_err(|e| format!("{verb} data: {e}"))?;
        let done = self.reply().await?;
        if done.code.0 != 226 {
            return Err(format!("{verb} -> {done:?}, expected 226"));
        }
        stats.operations.fetch_add(1, Ordering::Relaxed);
        Ok(received)
    }
}
