//! `--retries N` against a real `ftpd` behind a relay that resets data
//! connections mid-transfer (`support::relay`): a retry continues the
//! partial file with REST and ends with the right hash, `--retries 0`
//! fails with exit 5 and leaves nothing under the real name, a 550 is
//! tried once, and the backoff waits the documented 1 s, 2 s, ... before
//! giving up on a closed port. The relay's log of control lines is the
//! protocol log the counts are taken from.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::ports::PortBlock;
use crate::support::relay::{Cut, Relay};
use crate::support::{pseudo_random, sha256, sha256_file, TestServer};

use super::{closed_port, ftpc, tempdir, write, Out};

/// 3 MiB, cut after 1 MiB.
const SIZE: usize = 3 << 20;
const CUT_AFTER: usize = 1 << 20;

/// `ftpd` on 127.0.0.2 with four passive ports, and the relay in front.
struct Flaky {
    server: TestServer,
    relay: Relay,
    _ports: PortBlock,
}

impl Flaky {
    fn start(times: usize) -> Flaky {
        let ports = PortBlock::reserve();
        let (lo, _) = ports.passive();
        let hi = lo + 3;
        let server = TestServer::start_on("127.0.0.2:0", |c| {
            c.write = true;
            c.passive_ports = Some((lo, hi));
        });
        let cut = Cut {
            after: CUT_AFTER,
            times,
        };
        let relay = Relay::start(server.addr, lo..=hi, cut);
        Flaky {
            server,
            relay,
            _ports: ports,
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
    let f = Flaky::start(1);
    let content = pseudo_random(SIZE, 71);
    write(&f.server.root(), "big.bin", &content);
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
    let f = Flaky::start(1);
    write(&f.server.root(), "big.bin", &pseudo_random(SIZE, 72));
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
    let f = Flaky::start(1);
    let big = pseudo_random(SIZE, 73);
    let small = pseudo_random(10_000, 74);
    write(&f.server.root(), "t/big.bin", &big);
    write(&f.server.root(), "t/sub/small.bin", &small);
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
    let f = Flaky::start(0);
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
