//! `ftpd --log-protocol`: a FileZilla-like dialogue shows up in the log,
//! every command and reply tagged with the client's address, the password
//! never appears, and raw bytes are escaped rather than written through.

use std::process::Stdio;
use std::time::Duration;

use crate::support::data::RawData;
use crate::support::ftpd::{command, listening_addr};
use crate::support::raw::RawSession;

#[test]
fn a_filezilla_like_dialogue_is_logged_without_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("docs")).unwrap();
    std::fs::write(root.join("docs/readme.txt"), b"hello").unwrap();
    let err = dir.path().join("stderr");
    let mut child = command(
        &["--root", root.to_str().unwrap(), "--listen", "127.0.0.1:0"],
        &[],
    )
    .args(["--user", "alice:Secr3t-pw-91", "--log-protocol"])
    .stdout(Stdio::piped())
    .stderr(std::fs::File::create(&err).unwrap())
    .spawn()
    .unwrap();
    let addr = listening_addr(child.stdout.take().unwrap());
    let mut s = RawSession::connect(addr);
    let local = s.local_addr();
    // What FileZilla 3 sends after connecting.
    s.expect("USER alice", 331);
    s.expect("PASS Secr3t-pw-91", 230);
    s.expect("SYST", 215);
    s.expect("FEAT", 211);
    s.expect("OPTS UTF8 ON", 200);
    s.expect("PWD", 257);
    s.expect("TYPE I", 200);
    assert!(s.listing("MLSD").contains("docs"));
    s.expect("CWD /docs", 250);
    assert_eq!(s.retr("readme.txt"), b"hello");
    s.send_raw(b"NOOP \xfe\x1b[2Jx\r\n");
    let _ = s.reply();
    s.expect("QUIT", 221);
    std::thread::sleep(Duration::from_millis(300));
    let _ = child.kill();
    let _ = child.wait();
    let log = std::fs::read_to_string(&err).unwrap();
    let tag = format!("peer={local}");
    let proto: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("ftp_server::protocol"))
        .collect();
    for expected in [
        "< 220 ",
        "> USER alice",
        "< 331 ",
        "> PASS ****",
        "< 230 ",
        "> SYST",
        "< 215 ",
        "> FEAT",
        "< 211-",
        "> OPTS UTF8 ON",
        "> PWD",
        "> TYPE I",
        "> EPSV",
        "< 229 ",
        "> MLSD",
        "< 150 ",
        "< 226 ",
        "> CWD /docs",
        "> RETR readme.txt",
        "> QUIT",
        "< 221 ",
    ] {
        assert!(
            proto
                .iter()
                .any(|l| l.contains(expected) && l.contains(&tag)),
            "{expected:?} not in the protocol log:\n{}",
            proto.join("\n")
        );
    }
    assert!(!log.contains("Secr3t-pw-91"), "the password is in the log");
    assert!(
        log.contains("> NOOP \\xfe\\x1b[2Jx"),
        "raw bytes not escaped:\n{log}"
    );
    assert!(
        !log.contains('\u{1b}'),
        "an escape character reached the log"
    );
}
