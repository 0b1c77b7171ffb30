//! The benchmark's smoke mode (issue 6): `bench/run.sh --smoke` runs every
//! workload at tiny sizes (4 MiB files, `ftpbench -n 10`, 50 idle sessions,
//! 100 small files, one round) against ftpd and the installed peers, using
//! the binaries this test run already built. It must exit 0 and print a
//! table row, with a number for ftpd/ftpc, for every workload. Speed is
//! never asserted: this only proves the benchmark still works.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::support::ports::PortBlock;
use crate::support::{require_root, require_tool, workspace_bin};

/// The smoke run takes well under a minute; this bounds a hang.
const SMOKE_TIMEOUT: Duration = Duration::from_secs(300);

/// Every row the smoke table must hold, by the start of its label.
const ROWS: &[&str] = &[
    "curl RETR 4 MiB",
    "curl STOR 4 MiB",
    "server CPU per GiB, RETR",
    "server CPU per GiB, STOR",
    "ftpbench: STOR (client -> server)",
    "ftpbench: RETR (server -> client)",
    "ftpbench: 10 concurrent clients (connect, login)",
    "ftpbench: STOR (1 file with 10 idle clients)",
    "ftpbench: RETR (1 file with 10 idle clients)",
    "ftpbench: 10 concurrent clients (RETR 1.0M file)",
    "ftpbench: 10 concurrent clients (STOR 1.0M file)",
    "ftpbench: 10 concurrent clients (QUIT)",
    "server memory, peak Pss during ftpbench",
    "memory per idle logged-in session (Pss)",
    "logins, 32 in flight: median latency",
    "logins, 32 in flight: wall time / logins",
    "get 4 MiB",
    "put 4 MiB",
    "upload tree (put -r / mirror -R)",
    "download tree (get -r / mirror)",
];

fn drain(mut r: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut s = String::new();
        let _ = r.read_to_string(&mut s);
        s
    })
}

/// Signal the whole process group: run.sh, bench.py, the servers it
/// started and any client still running (none of them leave the group).
fn signal_group(child: &Child, sig: libc::c_int) {
    let pgid = child.id() as libc::pid_t;
    // SAFETY: kill(2) on a process group we created; no memory is involved.
    unsafe {
        libc::kill(-pgid, sig);
    }
}

/// Stop the group on timeout: SIGTERM lets bench.py kill its servers and
/// remove its files, SIGKILL follows if it does not finish in time.
fn stop_group(child: &mut Child) {
    signal_group(child, libc::SIGTERM);
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    signal_group(child, libc::SIGKILL);
    let _ = child.wait();
}

/// The ftpd/ftpc cell (the first value column) of the table row starting with `label`.
fn first_value<'a>(table: &'a str, label: &str) -> Option<&'a str> {
    let line = table
        .lines()
        .find(|l| l.starts_with(&format!("| {label}")))?;
    line.split('|').nth(3).map(str::trim)
}

#[test]
fn bench_smoke_runs_every_workload() {
    for tool in ["bash", "curl", "lftp", "python3", "ftpbench", "vsftpd"] {
        require_tool(tool);
    }
    require_root("the benchmark runs vsftpd, which logs in a system user");
    // vsftpd's port and every server's passive range: a reserved block,
    // so the benchmark shares no port with the tests running beside it.
    let ports = PortBlock::reserve();
    let ftpd = workspace_bin("ftpd");
    workspace_bin("ftpc");
    let bin_dir = ftpd.parent().expect("bin dir");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));

    let started = Instant::now();
    let mut child = Command::new("bash")
        .arg(repo.join("bench/run.sh"))
        .arg("--smoke")
        .arg("--bin-dir")
        .arg(bin_dir)
        .arg("--ports")
        .arg(format!("{}-{}", ports.control(), ports.ports().end()))
        .current_dir(repo)
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn bench/run.sh");
    let out = drain(child.stdout.take().expect("stdout"));
    let err = drain(child.stderr.take().expect("stderr"));
    // Polling the exit is not waiting for readiness: std has no wait with a
    // timeout; the interval only bounds how late the end is noticed.
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break Some(status);
        }
        if started.elapsed() > SMOKE_TIMEOUT {
            stop_group(&mut child);
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stdout = out.join().expect("stdout thread");
    let stderr = err.join().expect("stderr thread");
    let report = format!(
        "bench/run.sh --smoke: {status:?} after {:.0?}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        started.elapsed()
    );
    let status = status.unwrap_or_else(|| panic!("timed out after {SMOKE_TIMEOUT:?}\n{report}"));
    assert!(status.success(), "{report}");
    for label in ROWS {
        let cell = first_value(&stdout, label)
            .unwrap_or_else(|| panic!("no table row {label:?}\n{report}"));
        let number = cell
            .split_whitespace()
            .next()
            .unwrap_or("")
            .replace(',', "");
        assert!(
            number.parse::<f64>().is_ok(),
            "row {label:?} has no number for ftpd/ftpc: {cell:?}\n{report}"
        );
    }
    println!("{report}");
}
