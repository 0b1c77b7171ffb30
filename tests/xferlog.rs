//! `--xferlog FILE`: one xferlog(5) line per file transfer, with the
//! direction, access mode, completion and the bytes really moved; none
//! for listings; and a log that cannot be written (a full disk) loses
//! lines, never transfers.

use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use ftp_server::xferlog::XferLog;

use crate::support::data::RawData;
use crate::support::raw::RawSession;
use crate::support::{pseudo_random, TestServer};

/// The log's lines, once it has `n` (the writer is a thread).
fn lines(path: &Path, n: usize) -> Vec<Vec<String>> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let rows: Vec<Vec<String>> = text
            .lines()
            .map(|l| l.split_whitespace().map(String::from).collect())
            .collect();
        if rows.len() >= n || Instant::now() > deadline {
            return rows;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn file_transfers_are_logged_in_the_xferlog_format() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("xferlog");
    let opened = XferLog::open(&log).unwrap();
    let server = TestServer::start_with(move |c| {
        c.write = true;
        c.xferlog = Some(opened);
        c.users = vec![ftp_server::config::User {
            name: "alice".into(),
            password: "pw".into(),
        }];
        c.anonymous = true;
    });
    let big = pseudo_random(64 << 20, 3);
    std::fs::write(server.path("big.bin"), &big).unwrap();
    std::fs::write(server.path("small file.txt"), b"12345").unwrap();
    let mut r = RawSession::login(server.addr);
    r.expect("TYPE I", 200);
    assert_eq!(r.retr("small file.txt"), b"12345");
    assert!(r.listing("LIST").contains("big.bin"));
    r.expect("TYPE A", 200);
    r.stor("up.txt", b"ascii upload\r\n");
    r.expect("TYPE I", 200);
    // An aborted download: some bytes moved, not all.
    let mut d = r.pasv_data();
    r.expect("RETR big.bin", 150);
    let mut first = vec![0u8; 1 << 20];
    d.read_exact(&mut first).unwrap();
    // ABOR with the data connection still open (64 MiB outruns the
    // socket buffers): 426 for the transfer, then 226 for ABOR.
    r.send("ABOR");
    assert_eq!(r.reply().code.0, 426);
    r.expect_reply(226);
    drop(d);
    let mut a = RawSession::connect(server.addr);
    a.expect("USER alice", 331);
    a.expect("PASS pw", 230);
    a.expect("TYPE I", 200);
    a.stor("alice.bin", &[7u8; 1000]);
    let rows = lines(&log, 4);
    assert_eq!(rows.len(), 4, "{rows:?}");
    for row in &rows {
        assert_eq!(row.len(), 18, "{row:?}");
        assert!(row[5].parse::<u64>().is_ok(), "whole seconds: {row:?}");
        assert_eq!(row[6], "127.0.0.1");
        assert_eq!((row[10].as_str(), row[14].as_str()), ("_", "ftp"));
        assert_eq!((row[15].as_str(), row[16].as_str()), ("0", "*"));
    }
    // size, name, type, direction, access, user, completion
    let pick = |r: &Vec<String>| {
        (
            r[7].clone(),
            r[8].clone(),
            r[9].clone(),
            r[11].clone(),
            r[12].clone(),
            r[13].clone(),
            r[17].clone(),
        )
    };
    let s = |x: &str| x.to_string();
    assert_eq!(
        pick(&rows[0]),
        (
            s("5"),
            s("/small_file.txt"),
            s("b"),
            s("o"),
            s("a"),
            s("anonymous"),
            s("c")
        )
    );
    assert_eq!(
        pick(&rows[1]),
        (
            s("14"),
            s("/up.txt"),
            s("a"),
            s("i"),
            s("a"),
            s("anonymous"),
            s("c")
        )
    );
    let aborted = pick(&rows[2]);
    assert_eq!(
        (aborted.1.as_str(), aborted.3.as_str(), aborted.6.as_str()),
        ("/big.bin", "o", "i")
    );
    let moved: u64 = aborted.0.parse().unwrap();
    assert!(moved >= 1 << 20 && moved < big.len() as u64, "{moved}");
    assert_eq!(
        pick(&rows[3]),
        (
            s("1000"),
            s("/alice.bin"),
            s("b"),
            s("i"),
            s("r"),
            s("alice"),
            s("c")
        )
    );
}

#[test]
fn a_log_that_cannot_be_written_loses_lines_not_transfers() {
    // Every write to /dev/full fails with ENOSPC, as on a full disk.
    let opened = XferLog::open(Path::new("/dev/full")).unwrap();
    let server = TestServer::start_with(move |c| {
        c.write = true;
        c.xferlog = Some(opened);
    });
    let mut r = RawSession::login(server.addr);
    r.expect("TYPE I", 200);
    for i in 0..50 {
        let name = format!("f{i}.bin");
        r.stor(&name, &[i as u8; 4096]);
        assert_eq!(r.retr(&name), vec![i as u8; 4096]);
    }
    let mut d = std::fs::File::open(server.path("f49.bin")).unwrap();
    let mut body = Vec::new();
    d.read_to_end(&mut body).unwrap();
    assert_eq!(body, vec![49u8; 4096]);
    let _ = std::io::stdout().flush();
}
