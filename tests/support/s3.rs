//! An S3 store for the tests: one moto server per test process
//! (`moto_server`, from PyPI, on a fixed loopback port from `PortBlock`),
//! a fresh bucket per test (removed with everything in it on drop), and
//! direct looks into the bucket with boto3 (`tests/scripts/s3tool.py`),
//! so tests check what is really stored, by content hash.

use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use ftp_server::storage::{S3Config, S3Storage, Storage, MIN_PART_SIZE};

use super::ports::PortBlock;
use super::run::python;
use super::{require_tool, TestServer};

/// The fixed test credentials moto accepts.
pub const KEY_ID: &str = "test";
pub const SECRET: &str = "test";

pub struct Moto {
    pub endpoint: String,
    pub addr: SocketAddr,
    _child: Child,
    _ports: PortBlock,
}

/// The process's moto server, started on first use. It is killed when
/// the test process exits (PR_SET_PDEATHSIG), so nothing is left behind.
/// Tests check what the bucket holds through `RawSession`s set to
/// binary (`login`), so ASCII conversion cannot hide a difference.
pub fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(|| {
        require_tool("moto_server");
        let ports = PortBlock::reserve();
        let port = *ports.ports().start();
        let mut cmd = Command::new("moto_server");
        cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: prctl is async-signal-safe; it only sets a flag on the child.
        unsafe {
            use std::os::unix::process::CommandExt;
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        // PDEATHSIG follows the thread that forked, not the process: fork
        // from a thread that lives as long as the test process does.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(cmd.spawn());
            loop {
                std::thread::park();
            }
        });
        let child = rx.recv().unwrap().expect("spawn moto_server");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(Instant::now() < deadline, "moto_server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Moto {
            endpoint: format!("http://{addr}"),
            addr,
            _child: child,
            _ports: ports,
        }
    })
}

/// `s3tool.py ENDPOINT ARGS...`, which must succeed; its stdout.
pub fn s3tool(endpoint: &str, args: &[&str]) -> String {
    let mut all = vec![endpoint];
    all.extend_from_slice(args);
    let ran = python("s3tool.py", all);
    ran.ok();
    ran.stdout.clone()
}

/// One object as boto3 sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub key: String,
    pub size: u64,
    pub sha256: String,
    pub etag: String,
}

/// A bucket of its own for one test; dropped with everything in it.
pub struct Bucket {
    pub name: String,
    pub endpoint: String,
}

impl Bucket {
    pub fn new() -> Bucket {
        static N: AtomicUsize = AtomicUsize::new(0);
        let endpoint = moto().endpoint.clone();
        let name = format!(
            "ftpd-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        s3tool(&endpoint, &["mkbucket", &name]);
        Bucket { name, endpoint }
    }

    /// The backend's settings for `prefix` in this bucket, through
    /// `endpoint` (moto, or a proxy in front of it).
    pub fn config_via(&self, endpoint: &str, prefix: &str) -> S3Config {
        S3Config {
            bucket: self.name.clone(),
            prefix: prefix.to_string(),
            endpoint: Some(endpoint.to_string()),
            region: "us-east-1".to_string(),
            access_key_id: KEY_ID.to_string(),
            secret_access_key: SECRET.to_string(),
            session_token: None,
            timeout: Duration::from_secs(5),
            part_size: MIN_PART_SIZE,
        }
    }

    pub fn config(&self, prefix: &str) -> S3Config {
        self.config_via(&self.endpoint, prefix)
    }

    /// An in-process ftpd (anonymous, write) serving `prefix` of this bucket.
    pub fn server(&self, prefix: &str) -> TestServer {
        self.server_with(self.config(prefix), |c| c.write = true)
    }

    /// An in-process ftpd on `config`, tuned by `tune`.
    pub fn server_with(
        &self,
        config: S3Config,
        tune: impl FnOnce(&mut ftp_server::Config),
    ) -> TestServer {
        TestServer::start_full(
            "127.0.0.1:0",
            tune,
            Some(Box::new(move |_| {
                Arc::new(S3Storage::new(&config).expect("S3 backend")) as Arc<dyn Storage>
            })),
        )
    }

    /// Every object in the bucket, sorted by key.
    pub fn objects(&self) -> Vec<Object> {
        let out = s3tool(&self.endpoint, &["keys", &self.name]);
        parse_objects(&out)
    }

    /// The object `key`, if it exists.
    pub fn object(&self, key: &str) -> Option<Object> {
        self.objects().into_iter().find(|o| o.key == key)
    }

    pub fn keys(&self) -> Vec<String> {
        self.objects().into_iter().map(|o| o.key).collect()
    }

    /// Put `body` at `key` directly (not through ftpd).
    pub fn put(&self, key: &str, body: &[u8]) {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), body).unwrap();
        s3tool(
            &self.endpoint,
            &["put", &self.name, key, file.path().to_str().unwrap()],
        );
    }

    /// Incomplete multipart uploads in the bucket.
    pub fn uploads(&self) -> usize {
        s3tool(&self.endpoint, &["uploads", &self.name])
            .trim()
            .parse()
            .expect("a count")
    }

    /// Environment for an `ftpd` child process serving a test bucket.
    pub fn credentials_env() -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", KEY_ID.to_string()),
            ("AWS_SECRET_ACCESS_KEY", SECRET.to_string()),
            ("AWS_REGION", "us-east-1".to_string()),
        ]
    }
}

impl Drop for Bucket {
    fn drop(&mut self) {
        let _ = python(
            "s3tool.py",
            [self.endpoint.as_str(), "rmbucket", self.name.as_str()],
        );
    }
}

/// The lines `s3tool.py keys` prints: size, sha256, etag, key, by tabs
/// (a key holds no control characters, so no tab and no newline).
fn parse_objects(text: &str) -> Vec<Object> {
    let mut out: Vec<Object> = text
        .lines()
        .map(|line| {
            let mut f = line.splitn(4, '\t');
            let mut next = || f.next().unwrap_or_else(|| panic!("bad line {line:?}"));
            Object {
                size: next().parse().unwrap(),
                sha256: next().to_string(),
                etag: next().to_string(),
                key: next().to_string(),
            }
        })
        .collect();
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}
