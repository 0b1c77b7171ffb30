//! ftpc against proftpd 1.3.8 and pure-ftpd 1.0.50, the two Debian FTP
//! servers that cannot be installed beside vsftpd: scripts/test.sh fetches
//! their packages with `apt-get download` and unpacks them with `dpkg -x`
//! into `target/peer-servers/root` (or `$FTP_PEER_SERVERS`), and
//! `tests/scripts/start-proftpd.sh` / `start-pure-ftpd.sh` run them from
//! there with a private configuration on loopback ports from a `PortBlock`.
//! Each runs the shared `peers` scenarios, over MLSD and over LIST (proftpd's
//! own `FactsAdvertise off`, and ftpc's `--no-mlsd` for both), checked by
//! hash. The FTPS runs are in `tls/others.rs`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{require_root, require_tool};

use super::launched::Launched;
use super::peers::{self, Remote};
use super::{ftpc, write};

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

/// proftpd or pure-ftpd, started by its launcher (see `Launched`) from
/// the unpacked package; user bench/benchpw, chrooted into `root()`.
pub struct Peer;

impl Peer {
    /// Plain FTP.
    pub fn start(kind: Kind) -> Launched {
        Self::launch(kind, |_| {})
    }

    /// With whatever `tune` adds to the launcher's arguments (certificate
    /// and key, environment).
    pub fn launch(kind: Kind, tune: impl FnOnce(&mut Command)) -> Launched {
        require_tool("openssl");
        require_root("the launcher adds the system user bench, whose uid the server runs as");
        let binary = packages_dir().join(kind.binary());
        assert!(
            binary.exists(),
            "needs {} unpacked from its Debian package: run ./scripts/test.sh, which \
             fetches it with `apt-get download` and `dpkg -x` into target/peer-servers/root",
            binary.display()
        );
        let (name, log) = match kind {
            Kind::Proftpd => ("proftpd", "root.proftpd/log"),
            Kind::PureFtpd => ("pure-ftpd", "root.pure-ftpd/log"),
        };
        Launched::start(name, kind.script(), Some(log), |cmd, _| {
            cmd.env("FTP_PEER_SERVERS", packages_dir());
            tune(cmd);
        })
    }
}

/// Every scenario the other servers run: trees both ways (parallel and
/// active), resume both ways, streaming, atomic put, listing and file ops.
fn all_scenarios(s: &Launched, extra: &[&str]) {
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
