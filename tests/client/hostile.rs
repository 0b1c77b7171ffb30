//! A hostile server: listing names with `..`, `/` and escape sequences, a
//! PASV reply naming a private address, a transfer that stalls until Ctrl-C.

use std::path::Path;
use std::time::{Duration, Instant};

use super::fake::{Fake, FakeConfig};
use super::{ftpc, ftpc_cmd, ftpc_in, tempdir, wait_bounded};

const HOSTILE_MLSD: &str = "type=file;size=5; ../escape.txt\r\n\
type=file;size=5; ..\r\n\
type=file;size=5; /tmp/ftpc-abs-escape.txt\r\n\
type=file;size=5; sub/slash.txt\r\n\
type=file;size=5; ..\\back.txt\r\n\
type=dir; ../up\r\n\
type=dir; /\r\n\
type=file;size=5; ok.txt\r\n";

const HOSTILE_LIST: &str = "-rw-r--r-- 1 u g 5 Jan  1  2024 ../escape.txt\r\n\
-rw-r--r-- 1 u g 5 Jan  1  2024 /tmp/ftpc-abs-escape.txt\r\n\
-rw-r--r-- 1 u g 5 Jan  1  2024 sub/slash.txt\r\n\
drwxr-xr-x 1 u g 0 Jan  1  2024 ../up\r\n\
drwxr-xr-x 1 u g 0 Jan  1  2024 ..\r\n\
-rw-r--r-- 1 u g 5 Jan  1  2024 ok.txt\r\n";

fn files_under(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).expect("read_dir") {
            let p = e.expect("entry").path();
            out.push(p.strip_prefix(base).expect("prefix").display().to_string());
            if p.is_dir() {
                walk(base, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn hostile_get(config: FakeConfig) {
    let fake = Fake::start(FakeConfig {
        files: vec![("tree/ok.txt".into(), b"hello".to_vec())],
        ..config
    });
    let base = tempdir();
    let out = ftpc_in(base.path(), &["get", "-r", &fake.url("tree"), "dest"]);
    out.expect_code(7);
    assert!(
        out.stderr.contains("unsafe remote name"),
        "{}",
        out.describe()
    );
    // Only the one honest file exists, inside the destination.
    assert_eq!(
        files_under(base.path()),
        ["dest", "dest/ok.txt"],
        "{}",
        out.describe()
    );
    assert_eq!(
        std::fs::read(base.path().join("dest/ok.txt")).expect("ok.txt"),
        b"hello"
    );
    assert!(!Path::new("/tmp/ftpc-abs-escape.txt").exists());
    // The client never asked for the hostile names.
    assert!(
        fake.lines()
            .iter()
            .all(|l| !l.starts_with("RETR") || l == "RETR tree/ok.txt"),
        "{:?}",
        fake.lines()
    );
}

#[test]
fn hostile_mlsd_names_never_escape_the_destination() {
    hostile_get(FakeConfig {
        listing: HOSTILE_MLSD.into(),
        ..Default::default()
    });
}

#[test]
fn hostile_list_names_never_escape_the_destination() {
    hostile_get(FakeConfig {
        mlst: false,
        listing: HOSTILE_LIST.into(),
        ..Default::default()
    });
}

#[test]
fn escape_sequences_in_names_never_reach_the_terminal() {
    let fake = Fake::start(FakeConfig {
        listing: "type=file;size=1;modify=20240101000000; evil\x1b]0;title\x07\x1b[2Jname\r\n"
            .into(),
        ..Default::default()
    });
    for flags in [&["ls"][..], &["ls", "-l"], &["ls", "--json"]] {
        let mut args = flags.to_vec();
        let url = fake.url("");
        args.push(&url);
        let out = ftpc(&args);
        out.ok();
        assert!(
            !out.stdout.contains(&0x1b) && !out.stdout.contains(&0x07),
            "{}",
            out.describe()
        );
        assert!(out.stdout_str().contains("evil"), "{}", out.describe());
    }
}

#[test]
fn private_pasv_address_is_replaced_by_the_control_peer() {
    // EPSV refused, PASV names 10.1.2.3: the client must connect to 127.0.0.1
    // (the control peer) and never to the private address.
    let fake = Fake::start(FakeConfig {
        epsv: false,
        pasv_host: [10, 1, 2, 3],
        files: vec![("f.txt".into(), b"via pasv".to_vec())],
        ..Default::default()
    });
    let out = ftpc(&["get", "-o", "-", &fake.url("f.txt")]);
    out.ok();
    assert_eq!(out.stdout, b"via pasv");
    let lines = fake.lines();
    let epsv = lines
        .iter()
        .position(|l| l == "EPSV")
        .expect("EPSV tried first");
    let pasv = lines.iter().position(|l| l == "PASV").expect("then PASV");
    assert!(epsv < pasv, "{lines:?}");
}

#[test]
fn ctrl_c_sends_abor_keeps_the_partial_file_aside_and_exits_130() {
    let content = vec![b'x'; 10_000];
    let fake = Fake::start(FakeConfig {
        files: vec![("big.bin".into(), content)],
        stall_after: Some(1000),
        ..Default::default()
    });
    let dir = tempdir();
    let local = dir.path().join("big.bin");
    let part = dir.path().join(".big.bin.ftpc-part");
    let mut cmd = ftpc_cmd(&["get", &fake.url("big.bin"), local.to_str().expect("utf8")]);
    cmd.stdin(std::process::Stdio::null());
    cmd.stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("spawn ftpc");
    // Wait (bounded) until the first 1000 bytes are on disk.
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0) < 1000 {
        assert!(
            Instant::now() < deadline,
            "partial file never reached 1000 bytes"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(!local.exists(), "half a file under the real name");
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(kill.success());
    let status = wait_bounded(&mut child, "ftpc after SIGINT");
    assert_eq!(status.code(), Some(130), "{status}");
    assert!(!local.exists(), "half a file under the real name");
    assert_eq!(std::fs::metadata(&part).expect("partial kept").len(), 1000);
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
        .expect("read stderr");
    assert!(stderr.contains(".big.bin.ftpc-part"), "{stderr}");
    assert!(
        fake.lines().iter().any(|l| l == "ABOR"),
        "{:?}",
        fake.lines()
    );
}
