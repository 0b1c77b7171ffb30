//! ftpc against proftpd 1.3.8 and pure-ftpd 1.0.50, the two Debian FTP
//! servers that cannot be installed beside vsftpd: scripts/test.sh fetches
//! their packages with `apt-get download` and unpacks them with `dpkg -x`
//! into `target/peer-servers/root` (or `$FTP_PEER_SERVERS`), and
//! `tests/scripts/start-proftpd.sh` / `start-pure-ftpd.sh` run them from
//! there with a private configuration on loopback ports from a `PortBlock`.
//! Each runs the shared `peers` scenarios, over MLSD and over LIST (proftpd's
//! own `FactsAdvertise off`, and ftpc's `--no-mlsd` for both), checked by
//! hash. The FTPS runs are in `tls/others.rs`.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::ports::PortBlock;
use crate::support::{require_root, require_tool};

use super::peers::{self, Remote};
use super::{ftpc, tempdir, write};

/// The directory the unpacked packages are in.
pub fn packages_dir() -> PathBuf {
    std::env::var_os("FTP_PEER_SERVERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/peer-servers/root"))
}

/// Which unpacked server a launcher starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Proftpd,
    PureFtpd,
}

impl Kind {
    fn script(self) -> &'static str {
        match self {
            Kind::Proftpd => "tests/scripts/start-proftpd.sh",
            Kind::PureFtpd => "tests/scripts/start-pure-ftpd.sh",
        }
    }

    fn binary(self) -> &'static str {
        match self {
            Kind::Proftpd => "usr/sbin/proftpd",
            Kind::PureFtpd => "usr/sbin/pure-ftpd",
        }
    }
}

/// A proftpd or pure-ftpd started by its launcher; user bench/benchpw,
/// chrooted into `root()`. Killed on drop.
pub struct Peer {
    pub kind: Kind,
    pub port: u16,
    pid: libc::pid_t,
    dir: tempfile::TempDir,
    /// Held while the server runs, so no other test gets these ports.
    _ports: PortBlock,
}

impl Peer {
    /// Plain FTP.
    pub fn start(kind: Kind) -> Peer {
        Self::launch(kind, |_| {})
    }

    /// Run the launcher with ROOT PORT PASV_MIN PASV_MAX plus whatever
    /// `tune` adds (certificate and key, environment), then wait, bounded,
    /// until the server accepts connections.
    pub fn launch(kind: Kind, tune: impl FnOnce(&mut Command)) -> Peer {
        require_tool("bash");
        require_tool("openssl");
        require_root("the launcher adds the system user bench, whose uid the server runs as");
        let binary = packages_dir().join(kind.binary());
        assert!(
            binary.exists(),
            "needs {} unpacked from its Debian package: run ./scripts/test.sh, which \
             fetches it with `apt-get download` and `dpkg -x` into target/peer-servers/root",
            binary.display()
        );
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(kind.script());
        let dir = tempdir();
        let root = dir.path().join("root");
        std::fs::create_dir(&root).expect("root");
        let ports = PortBlock::reserve();
        let port = ports.control();
        let (pmin, pmax) = ports.passive();
        let mut cmd = Command::new("bash");
        cmd.arg(&script)
            .arg(&root)
            .arg(port.to_string())
            .arg(pmin.to_string())
            .arg(pmax.to_string())
            .env("FTP_PEER_SERVERS", packages_dir())
            .stdin(Stdio::null())
            .stderr(Stdio::inherit());
        tune(&mut cmd);
        let out = cmd.output().expect("run the launcher");
        assert!(out.status.success(), "{} failed: {out:?}", kind.script());
        let pid = String::from_utf8_lossy(&out.stdout).trim().parse();
        let pid = pid.unwrap_or_else(|_| panic!("{} printed no pid: {out:?}", kind.script()));
        let server = Peer {
            kind,
            port,
            pid,
            dir,
            _ports: ports,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "{kind:?} did not listen on {port}; its log:\n{}",
                server.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    /// The server's log (proftpd's SystemLog and TLSLog, pure-ftpd's stderr).
    pub fn log(&self) -> String {
        let name = match self.kind {
            Kind::Proftpd => "root.proftpd/log",
            Kind::PureFtpd => "root.pure-ftpd/log",
        };
        std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }
}

impl Remote for Peer {
    fn url(&self, rel: &str) -> String {
        format!("ftp://bench:benchpw@127.0.0.1:{}/{rel}", self.port)
    }
    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }
    fn fixup(&self) {
        let ok = Command::new("chown")
            .arg("-R")
            .arg("bench")
            .arg(self.root())
            .status()
            .expect("chown");
        assert!(ok.success());
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the pid the launcher printed; no memory involved.
        unsafe {
            libc::kill(self.pid, libc::SIGTERM);
        }
    }
}

/// Every scenario the other servers run: trees both ways (parallel and
/// active), resume both ways, streaming, atomic put, listing and file ops.
fn all_scenarios(s: &Peer, extra: &[&str]) {
    peers::tree_roundtrip(s, &[extra, &["-j", "3"]].concat());
    peers::tree_roundtrip(s, &[extra, &["--active", "-j", "1"]].concat());
    peers::resume_get(s);
    peers::resume_get_from_part(s);
    peers::resume_put(s);
    peers::stdio_streaming(s);
    peers::atomic_put(s);
    peers::listing_and_file_ops(s);
}

/// `ls -l -R` of a tree lists every file with its size, over whichever
/// listing `extra` selects.
fn long_recursive_listing(s: &impl Remote, extra: &[&str]) {
    write(&s.root(), "lr/a b.txt", b"12345");
    write(&s.root(), "lr/d/é 2.bin", &[7; 1234]);
    s.fixup();
    let url = s.url("lr");
    let out = ftpc(&[extra, &["ls", "-l", "-R", &url]].concat());
    let text = out.ok().stdout_str();
    assert!(
        text.lines()
            .any(|l| l.starts_with("- ") && l.contains(" 5 ") && l.ends_with(" a b.txt")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("- ") && l.contains(" 1234 ") && l.ends_with(" d/é 2.bin")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("d ") && l.ends_with(" d")),
        "{text}"
    );
}

#[test]
fn proftpd_mlsd_every_scenario() {
    let s = Peer::start(Kind::Proftpd);
    long_recursive_listing(&s, &[]);
    all_scenarios(&s, &[]);
}

/// `FactsAdvertise off`: FEAT has no MLST, so ftpc parses proftpd's LIST.
#[test]
fn proftpd_list_only_every_scenario() {
    let s = Peer::launch(Kind::Proftpd, |cmd| {
        cmd.env("PROFTPD_NO_MLSD", "1");
    });
    let out = ftpc(&["-v", "ls", &s.url("")]);
    assert!(out.ok().stderr.contains("> LIST"), "{}", out.describe());
    long_recursive_listing(&s, &[]);
    all_scenarios(&s, &[]);
}

#[test]
fn pure_ftpd_mlsd_every_scenario() {
    let s = Peer::start(Kind::PureFtpd);
    long_recursive_listing(&s, &[]);
    all_scenarios(&s, &[]);
}

/// pure-ftpd has no switch to hide MLSD: ftpc's `--no-mlsd` forces LIST.
#[test]
fn pure_ftpd_list_forced_trees_and_listing() {
    let s = Peer::start(Kind::PureFtpd);
    let out = ftpc(&["-v", "--no-mlsd", "ls", &s.url("")]);
    let err = &out.ok().stderr;
    assert!(err.contains("> LIST") && !err.contains("> MLSD"), "{err}");
    long_recursive_listing(&s, &["--no-mlsd"]);
    peers::tree_roundtrip(&s, &["--no-mlsd", "-j", "2"]);
}

#[test]
fn proftpd_list_forced_by_the_client() {
    let s = Peer::start(Kind::Proftpd);
    long_recursive_listing(&s, &["--no-mlsd"]);
    peers::tree_roundtrip(&s, &["--no-mlsd", "-j", "2"]);
}
