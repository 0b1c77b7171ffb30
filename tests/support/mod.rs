//! Test helpers: an in-process `ftpd` on port 0 with a temporary root, a raw
//! control-connection client, hashing, and runners for external programs.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

pub mod data;
pub mod ftpd;
pub mod ports;
pub mod raw;
pub mod relay;
pub mod run;
pub mod s3;
pub mod s3proxy;
pub mod tree;
pub mod xvfb;

/// A real `ftpd` serving a temporary directory, on 127.0.0.1 port 0, in its
/// own runtime thread. Dropping it shuts the server down.
/// Makes the served storage from the root directory (see `start_with_storage`).
pub type MakeStorage =
    Box<dyn FnOnce(&Path) -> std::sync::Arc<dyn ftp_server::storage::Storage> + Send>;

pub struct TestServer {
    pub addr: SocketAddr,
    /// The implicit-FTPS listener, present when the config has TLS.
    pub implicit: Option<SocketAddr>,
    pub dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    /// Anonymous login with write access.
    pub fn start() -> TestServer {
        Self::start_with(|c| c.write = true)
    }

    /// Start with a config adjusted by `tune` (root and listen are preset).
    pub fn start_with(tune: impl FnOnce(&mut ftp_server::Config)) -> TestServer {
        Self::start_on("127.0.0.1:0", tune)
    }

    /// Like `start_with`, listening on `bind` instead of `127.0.0.1:0`, e.g.
    /// `[::ffff:127.0.0.1]:0`: an IPv6 socket that IPv4 clients reach, where
    /// the server sees v4-mapped addresses as on a dual-stack host.
    pub fn start_on(bind: &str, tune: impl FnOnce(&mut ftp_server::Config)) -> TestServer {
        Self::start_full(bind, tune, None)
    }

    /// Like `start`, serving the storage `backend` makes from the root
    /// directory (a wrapper around the local backend, say).
    pub fn start_with_storage(backend: MakeStorage) -> TestServer {
        Self::start_full("127.0.0.1:0", |c| c.write = true, Some(backend))
    }

    pub fn start_full(
        bind: &str,
        tune: impl FnOnce(&mut ftp_server::Config),
        backend: Option<MakeStorage>,
    ) -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("root");
        std::fs::create_dir(&root).expect("mkdir root");
        let mut config = ftp_server::Config::new(root);
        config.data_timeout = Duration::from_secs(10);
        tune(&mut config);
        let std_listener = std::net::TcpListener::bind(bind).expect("bind");
        std_listener.set_nonblocking(true).expect("nonblocking");
        let addr = std_listener.local_addr().expect("addr");
        let implicit_listener = config.tls.as_ref().map(|_| {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind implicit");
            l.set_nonblocking(true).expect("nonblocking");
            l
        });
        let implicit = implicit_listener
            .as_ref()
            .map(|l| l.local_addr().expect("addr"));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(std_listener).expect("listener");
                let implicit = implicit_listener
                    .map(|l| tokio::net::TcpListener::from_std(l).expect("implicit listener"));
                let shutdown = async {
                    let _ = rx.await;
                };
                let served = match backend {
                    Some(make) => {
                        let storage = make(&config.root);
                        ftp_server::run_with_storage(listener, implicit, config, storage, shutdown)
                            .await
                    }
                    None => ftp_server::run_listeners(listener, implicit, config, shutdown).await,
                };
                if let Err(e) = served {
                    eprintln!("server error: {e}");
                }
            });
        });
        TestServer {
            addr,
            implicit,
            dir,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// The served root on disk.
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    /// A path inside the served root.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `ftp://127.0.0.1:PORT/rel`.
    pub fn url(&self, rel: &str) -> String {
        format!(
            "ftp://127.0.0.1:{}/{}",
            self.port(),
            rel.trim_start_matches('/')
        )
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Hex SHA-256 of bytes.
pub fn sha256(bytes: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(bytes);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Hex SHA-256 of a file's content.
pub fn sha256_file(path: &Path) -> String {
    sha256(&std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display())))
}

/// Deterministic pseudo-random bytes (xorshift), so failures reproduce.
pub fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Path of a workspace binary (`ftpd`, `ftpc`) built next to this test binary.
/// `.ci/run` builds them with `cargo build --workspace --bins` first.
pub fn workspace_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    // target/debug/deps/e2e-xxxx -> target/debug/NAME
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is not built; run `cargo build --workspace --bins` first",
        path.display()
    );
    path
}

/// Fail loudly (never skip) when a required external tool is missing: a
/// silently skipped test would count as a pass. `scripts/test.sh` (the
/// README's test command, which CI runs) installs every one of them.
pub fn require_tool(name: &str) {
    // /usr/sbin too: vsftpd lives there, and a user's PATH may lack it.
    let ok = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("PATH=\"$PATH:/usr/sbin:/sbin\" command -v {name}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(ok, "{}", needs(name));
}

/// The one-line failure for a missing tool or module.
pub fn needs(what: &str) -> String {
    format!("test needs {what}: run ./scripts/test.sh to install it")
}

/// Fail (never skip) unless running as root, saying why the test needs it.
pub fn require_root(why: &str) {
    // SAFETY: geteuid has no preconditions and touches no memory.
    let euid = unsafe { libc::geteuid() };
    assert!(
        euid == 0,
        "test needs root ({why}): run ./scripts/test.sh as root"
    );
}
