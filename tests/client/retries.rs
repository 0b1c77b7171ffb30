//! `--retries N` against a real `ftpd` behind a relay that resets data
//! connections mid-transfer (`support::relay`): a retry continues the
//! partial file with REST and ends with the right hash, `--retries 0`
//! fails with exit 5 and leaves nothing under the real name, a 550 is
//! tried once, and the backoff waits the documented 1 s, 2 s, ... before
//! giving up on a closed port. The relay's log of control lines is the
//! protocol log the counts are taken from.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::support::ports::PortBlock;
use crate::support::raw::RawSession;
use crate::support::relay::{Cut, Relay};
use crate::support::{pseudo_random, sha256, sha256_file, TestServer};

use super::{closed_port, ftpc, tempdir, write, Out, PyFtpd};

/// 3 MiB, cut after 1 MiB.
const SIZE: usize = 3 << 20;
const CUT_AFTER: usize = 1 << 20;

/// The server behind the relay, kept alive with it.
enum Server {
    Ftpd(TestServer),
    Py {
        server: PyFtpd,
        /// Its root; removed after the server stops.
        _dir: tempfile::TempDir,
    },
}

/// A server on 127.0.0.2 with four passive ports, and the relay in front.
struct Flaky {
    server: Server,
    relay: Relay,
    _ports: PortBlock,
}

/// Cut the first `times` downloads after `CUT_AFTER` bytes.
fn downloads(times: usize) -> Cut {
    Cut {
        after: CUT_AFTER,
        times,
        upload: false,
    }
}

impl Flaky {
    /// `ftpd` behind the relay.
    fn start(cut: Cut) -> Flaky {
        let ports = PortBlock::reserve();
        let (lo, _) = ports.passive();
        let hi = lo + 3;
        let server = TestServer::start_on("127.0.0.2:0", |c| {
            c.write = true;
            c.passive_ports = Some((lo, hi));
        });
        let relay = Relay::start(server.addr, lo..=hi, cut);
        Flaky {
            server: Server::Ftpd(server),
            relay,
            _ports: ports,
        }
    }

    /// pyftpdlib behind the relay: unlike ftpd it keeps what a cut upload
    /// wrote, so a retry has something to append to.
    fn start_pyftpdlib(cut: Cut) -> Flaky {
        let ports = PortBlock::reserve();
        let (lo, _) = ports.passive();
        let hi = lo + 3;
        let dir = tempdir();
        let range = format!("{lo}-{hi}");
        let env = [
            ("PYFTPD_HOST", "127.0.0.2"),
            ("PYFTPD_PASSIVE", range.as_str()),
        ];
        let py = PyFtpd::start_env("tests/client/pyftpd_serve.py", dir.path(), &[], &env);
        let addr = SocketAddr::from(([127, 0, 0, 2], py.port));
        let relay = Relay::start(addr, lo..=hi, cut);
        Flaky {
            server: Server::Py {
                server: py,
                _dir: dir,
            },
            relay,
            _ports: ports,
        }
    }

    fn root(&self) -> PathBuf {
        match &self.server {
            Server::Ftpd(s) => s.root(),
            Server::Py { server, .. } => server.root_dir.clone(),
        }
    }

    /// Control lines starting with `verb `.
    fn sent(&self, verb: &str) -> Vec<String> {
        let prefix = format!("{verb} ");
        self.relay
            .lines()
            .into_iter()
            .filter(|l| l.starts_with(&prefix))
            .collect()
    }
}

/// The offsets of every REST the client sent.
fn rest_offsets(f: &Flaky) -> Vec<usize> {
    f.sent("REST")
        .iter()
        .filter_map(|l| l["REST ".len()..].trim().parse().ok())
        .collect()
}

fn get(extra: &[&str], url: &str, dest: &Path) -> Out {
    let mut args = vec!["--no-progress"];
    args.extend_from_slice(extra);
    args.extend(["get", url, dest.to_str().expect("utf8")]);
    ftpc(&args)
}

fn lines_with<'a>(out: &'a Out, needle: &str) -> Vec<&'a str> {
    out.stderr.lines().filter(|l| l.contains(needle)).collect()
}

#[test]
fn a_download_cut_midway_resumes_with_rest_under_retries_3() {
    let f = Flaky::start(downloads(1));
    let content = pseudo_random(SIZE, 71);
    write(&f.root(), "big.bin", &content);
    let local = tempdir();
    let dest = local.path().join("big.bin");
    let out = get(&["-v", "--retries", "3"], &f.relay.url("big.bin"), &dest);
    out.ok();
    assert_eq!(
        f.relay.cuts_left(),
        0,
        "the relay never cut: {}",
        out.describe()
    );
    assert_eq!(sha256_file(&dest), sha256(&content));
    assert!(!local.path().join(".big.bin.ftpc-part").exists());
    // One retry, shown under -v, continuing from what had arrived.
    let retries = lines_with(&out, "ftpc: retry ");
    assert_eq!(retries.len(), 1, "{}", out.describe());
    assert!(
        retries[0].contains("retry 1/3 in 1s:"),
        "{}",
        out.describe()
    );
    let rests = rest_offsets(&f);
    assert_eq!(rests.len(), 1, "{:?}", f.relay.lines());
    assert!(rests[0] > 0 && rests[0] <= CUT_AFTER, "{rests:?}");
    assert_eq!(f.sent("RETR").len(), 2);
}

#[test]
fn a_download_cut_midway_fails_with_exit_5_under_retries_0() {
    let f = Flaky::start(downloads(1));
    write(&f.root(), "big.bin", &pseudo_random(SIZE, 72));
    let local = tempdir();
    let dest = local.path().join("big.bin");
    let out = get(&["--retries", "0"], &f.relay.url("big.bin"), &dest);
    out.expect_code(5);
    assert!(!dest.exists(), "half a file under the real name");
    let part = local.path().join(".big.bin.ftpc-part");
    let kept = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
    assert!(
        kept > 0 && kept <= CUT_AFTER as u64,
        "part holds {kept} bytes"
    );
    assert!(
        out.stderr.contains("partial download kept"),
        "{}",
        out.describe()
    );
    assert!(lines_with(&out, "retry").is_empty(), "{}", out.describe());
    assert_eq!(f.sent("RETR").len(), 1);
    assert!(f.sent("REST").is_empty());
}

#[test]
fn a_cut_file_of_a_tree_is_retried_and_resumed_by_the_pool() {
    let f = Flaky::start(downloads(1));
    let big = pseudo_random(SIZE, 73);
    let small = pseudo_random(10_000, 74);
    write(&f.root(), "t/big.bin", &big);
    write(&f.root(), "t/sub/small.bin", &small);
    let local = tempdir();
    let dest = local.path().join("t");
    let mut args = vec!["--no-progress", "-v", "-j", "2", "--retries", "2"];
    let url = f.relay.url("t");
    args.extend(["get", "-r", &url, dest.to_str().expect("utf8")]);
    let out = ftpc(&args);
    out.ok();
    assert_eq!(f.relay.cuts_left(), 0);
    assert_eq!(sha256_file(&dest.join("big.bin")), sha256(&big));
    assert_eq!(sha256_file(&dest.join("sub/small.bin")), sha256(&small));
    let retries = lines_with(&out, "t/big.bin: retry 1/2 in 1s:");
    assert_eq!(retries.len(), 1, "{}", out.describe());
    // Every retry of the file continued it: a REST inside the file each time.
    let rests = rest_offsets(&f);
    let log = || format!("{:?}\n{}", f.relay.lines(), out.describe());
    assert!(!rests.is_empty(), "no REST: {}", log());
    assert!(
        rests.iter().all(|&n| n > 0 && n < SIZE),
        "{rests:?}: {}",
        log()
    );
}

#[test]
fn a_550_is_tried_once() {
    let f = Flaky::start(downloads(0));
    let local = tempdir();
    let dest = local.path().join("missing.bin");
    let out = get(
        &["-v", "--retries", "3"],
        &f.relay.url("missing.bin"),
        &dest,
    );
    out.expect_code(3);
    assert_eq!(f.sent("RETR").len(), 1, "{:?}", f.relay.lines());
    assert_eq!(f.sent("USER").len(), 1, "one connection only");
    assert!(lines_with(&out, "retry").is_empty(), "{}", out.describe());
    assert!(!dest.exists());
}

#[test]
fn refused_connections_back_off_1_then_2_seconds_then_exit_5() {
    let url = format!("ftp://127.0.0.1:{}/f", closed_port());
    let started = Instant::now();
    let out = ftpc(&["-v", "--retries", "2", "stat", &url]);
    let elapsed = started.elapsed();
    out.expect_code(5);
    assert!(elapsed >= Duration::from_secs(3), "waited only {elapsed:?}");
    assert!(elapsed < Duration::from_secs(30), "took {elapsed:?}");
    let retries = lines_with(&out, "ftpc: retry ");
    assert_eq!(retries.len(), 2, "{}", out.describe());
    assert!(retries[0].contains("retry 1/2 in 1s: connect to 127.0.0.1"));
    assert!(retries[1].contains("retry 2/2 in 2s: connect to 127.0.0.1"));
    assert!(out.stderr.contains("giving up after 3 attempts"));
}

#[test]
fn without_v_a_retry_is_silent_until_ftpc_gives_up() {
    let url = format!("ftp://127.0.0.1:{}/", closed_port());
    let started = Instant::now();
    let out = ftpc(&["--retries", "1", "ls", &url]);
    out.expect_code(5);
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert!(lines_with(&out, "retry").is_empty(), "{}", out.describe());
    assert_eq!(lines_with(&out, "giving up after 2 attempts").len(), 1);
}

/// Upload `content` as `up/f.bin` through a relay that cuts the first
/// upload after `CUT_AFTER` bytes; the file must arrive whole.
fn put_through_cut(f: &Flaky, seed: u64) -> Out {
    let content = pseudo_random(SIZE, seed);
    std::fs::create_dir_all(f.root().join("up")).expect("mkdir up");
    let local = tempdir();
    let src = write(local.path(), "f.bin", &content);
    let url = f.relay.url("up/f.bin");
    let out = ftpc(&[
        "--no-progress",
        "-v",
        "--retries",
        "2",
        "put",
        src.to_str().expect("utf8"),
        &url,
    ]);
    out.ok();
    assert_eq!(f.relay.cuts_left(), 0, "never cut: {}", out.describe());
    assert_eq!(sha256_file(&f.root().join("up/f.bin")), sha256(&content));
    assert!(!f.root().join("up/.f.bin.ftpc-part").exists());
    assert_eq!(lines_with(&out, "ftpc: retry 1/2 in 1s:").len(), 1);
    // The retry asked how much of its partial upload the server has.
    assert!(f
        .sent("SIZE")
        .iter()
        .any(|l| l == "SIZE up/.f.bin.ftpc-part"));
    out
}

fn uploads(times: usize) -> Cut {
    Cut {
        after: CUT_AFTER,
        times,
        upload: true,
    }
}

#[test]
fn a_cut_upload_continues_with_appe_where_the_server_kept_it() {
    let f = Flaky::start_pyftpdlib(uploads(1));
    let out = put_through_cut(&f, 75);
    let appe = f.sent("APPE");
    assert_eq!(appe, ["APPE up/.f.bin.ftpc-part"], "{}", out.describe());
    assert_eq!(f.sent("STOR").len(), 1, "only the first attempt stores");
}

#[test]
fn a_cut_upload_to_ftpd_which_discards_it_starts_over() {
    let f = Flaky::start(uploads(1));
    let out = put_through_cut(&f, 76);
    assert!(f.sent("APPE").is_empty(), "{}", out.describe());
    assert_eq!(f.sent("STOR").len(), 2);
}

#[test]
fn a_retry_never_continues_an_older_partial_file() {
    // The first RETR is cut before a byte arrives, so this run wrote
    // nothing: the retry must replace the stale part, not REST from it.
    let f = Flaky::start(Cut {
        after: 0,
        times: 1,
        upload: false,
    });
    let content = pseudo_random(SIZE, 77);
    write(&f.root(), "big.bin", &content);
    let local = tempdir();
    write(
        local.path(),
        ".big.bin.ftpc-part",
        &pseudo_random(500_000, 78),
    );
    let dest = local.path().join("big.bin");
    let out = get(&["-v", "--retries", "2"], &f.relay.url("big.bin"), &dest);
    out.ok();
    assert_eq!(f.relay.cuts_left(), 0, "never cut: {}", out.describe());
    assert_eq!(sha256_file(&dest), sha256(&content));
    assert!(f.sent("REST").is_empty(), "{:?}", f.relay.lines());
}

#[test]
fn a_421_greeting_is_retried_then_exit_5() {
    let s = TestServer::start_with(|c| c.max_sessions_per_ip = 1);
    // Holds the one session 127.0.0.1 may have: ftpd greets ftpc with 421.
    let _held = RawSession::connect(s.addr);
    let started = Instant::now();
    let out = ftpc(&["-v", "--retries", "1", "ls", &s.url("")]);
    out.expect_code(5);
    assert!(started.elapsed() >= Duration::from_secs(1));
    let retries = lines_with(&out, "ftpc: retry ");
    assert_eq!(retries.len(), 1, "{}", out.describe());
    assert!(
        retries[0].contains("retry 1/1 in 1s: server refused the connection: 421"),
        "{}",
        out.describe()
    );
}

#[test]
fn retries_is_global_and_at_most_100() {
    let url = format!("ftp://127.0.0.1:{}/f", closed_port());
    ftpc(&["stat", &url, "--retries", "101"]).expect_code(2);
    // After the subcommand as before it; 0 fails at once, with no wait.
    let out = ftpc(&["stat", &url, "--retries", "0", "-v"]);
    out.expect_code(5);
    assert!(lines_with(&out, "retry").is_empty(), "{}", out.describe());
    assert!(
        lines_with(&out, "giving up").is_empty(),
        "{}",
        out.describe()
    );
}
