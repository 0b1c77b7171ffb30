//! Session-level behaviour: what is allowed before login, what an unknown or
//! malformed line gets, and that the session always goes on afterwards.

use std::time::Duration;

use super::assert_code;
use crate::support::raw::RawSession;
use crate::support::TestServer;

#[test]
fn unknown_command_gets_500_or_502_and_session_continues() {
    let s = TestServer::start();
    let mut r = RawSession::login(s.addr);
    for line in ["FOOBAR", "XYZZY some argument", "RETRX file", "LISTING"] {
        let reply = r.cmd(line);
        assert_code(line, &reply, &[500, 502]);
        r.expect("NOOP", 200);
    }
    // An empty line is a syntax error too, not a reason to hang up.
    let reply = r.cmd("");
    assert_code("empty line", &reply, &[500, 501, 502]);
    r.expect("PWD", 257);
}

#[test]
fn auth_tls_without_tls_is_refused_and_session_continues() {
    let s = TestServer::start();
    let mut r = RawSession::connect(s.addr);
    for line in ["AUTH TLS", "AUTH SSL"] {
        let reply = r.cmd(line);
        assert_code(line, &reply, &[502, 504]);
    }
    r.expect("USER anonymous", 331);
    r.expect("PASS me@example.com", 230);
    let reply = r.cmd("AUTH TLS");
    assert_code("AUTH TLS after login", &reply, &[502, 503, 504]);
    r.expect("PWD", 257);
}

#[test]
fn commands_before_login_get_530() {
    let s = TestServer::start();
    std::fs::write(s.path("f.txt"), b"x").expect("write");
    let refused = [
        "PWD",
        "XPWD",
        "CWD /",
        "CDUP",
        "LIST",
        "NLST",
        "MLSD",
        "MLST f.txt",
        "RETR f.txt",
        "STOR new.txt",
        "APPE f.txt",
        "STOU",
        "DELE f.txt",
        "MKD newdir",
        "XMKD newdir",
        "RMD newdir",
        "RNFR f.txt",
        "SIZE f.txt",
        "MDTM f.txt",
        "PASV",
        "EPSV",
        "PORT 127,0,0,1,4,1",
        "EPRT |1|127.0.0.1|1025|",
        "TYPE I",
        "MODE S",
        "STRU F",
        "REST 0",
        "ALLO 10",
        "STAT /",
        "SITE CHMOD 777 f.txt",
    ];
    // A fresh connection per ten commands: ftpd also caps how many commands
    // one connection may send before logging in (max_commands_before_login).
    for chunk in refused.chunks(10) {
        let mut r = RawSession::connect(s.addr);
        for line in chunk {
            let reply = r.cmd(line);
            assert_code(&format!("{line} before login"), &reply, &[530]);
        }
    }
    let mut r = RawSession::connect(s.addr);
    // The few commands that make sense before login.
    let syst = r.expect("SYST", 215);
    assert_eq!(syst.text(), "UNIX Type: L8");
    r.expect("NOOP", 200);
    r.expect("FEAT", 211);
    r.expect("HELP", 214);
    r.expect("OPTS UTF8 ON", 200);
    r.expect("USER anonymous", 331);
    r.expect("PASS me@example.com", 230);
    // The gate is lifted now.
    r.expect("PWD", 257);
    r.expect("SIZE f.txt", 213);
    r.expect("QUIT", 221);
    assert!(r.try_reply().is_none(), "connection stays open after QUIT");
    // Nothing the refused commands named was created or removed.
    let names: Vec<_> = std::fs::read_dir(s.root())
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, ["f.txt"]);
}

/// Every verb and alias in ftp-proto's table, sent bare before login: the
/// server knows it (never 500), and the login gate follows the table's
/// `before_login` (a gated verb gets 530, or 501 when parsing refused it first).
#[test]
fn every_table_verb_is_known_and_gated_as_declared() {
    let s = TestServer::start();
    let lines: Vec<(&str, bool)> = ftp_proto::VERBS
        .iter()
        .filter(|v| v.name != "QUIT")
        .flat_map(|v| v.names().map(move |n| (n, v.before_login)))
        .collect();
    // A fresh connection per ten: max_commands_before_login caps a connection.
    for chunk in lines.chunks(10) {
        let mut r = RawSession::connect(s.addr);
        for &(line, before_login) in chunk {
            let reply = r.cmd(line);
            assert_ne!(reply.code.0, 500, "{line} unknown: {reply:?}");
            if before_login {
                assert_ne!(reply.code.0, 530, "{line} refused before login: {reply:?}");
            } else {
                assert_code(&format!("{line} before login"), &reply, &[501, 530]);
            }
        }
        r.expect("QUIT", 221);
    }
}

#[test]
fn syst_answers_unix_type_l8() {
    let s = TestServer::start();
    let mut r = RawSession::login(s.addr);
    let reply = r.expect("SYST", 215);
    assert_eq!(reply.lines, ["UNIX Type: L8"]);
}

/// FEAT and HELP are built from ftp-proto's verb table; this pins their
/// text so that the table reproduces what they always said.
#[test]
fn feat_and_help_text_without_tls() {
    let s = TestServer::start();
    let mut r = RawSession::connect(s.addr);
    let feat = r.expect("FEAT", 211);
    assert_eq!(
        feat.encode(),
        "211-Features:\r\n EPRT\r\n EPSV\r\n HASH SHA-256*;SHA-512;SHA-1;MD5;CRC32\r\n \
         MDTM\r\n MFMT\r\n MLST type*;size*;modify*;perm*;unix.mode*;\r\n PASV\r\n \
         REST STREAM\r\n SIZE\r\n TVFS\r\n UTF8\r\n211 End\r\n"
    );
    let help = r.expect("HELP", 214);
    let want = [
        "The following commands are recognized:",
        "ABOR ACCT ALLO APPE AUTH CDUP CWD  DELE EPRT EPSV FEAT HASH HELP",
        "LIST MDTM MFMT MKD  MLSD MLST MODE NLST NOOP OPTS PASS PASV PORT",
        "PWD  QUIT REIN REST RETR RMD  RNFR RNTO SITE SIZE STAT STOR STOU",
        "STRU SYST TYPE USER XCRC XCUP XCWD XMD5 XMKD XPWD XRMD XSHA1 XSHA256 XSHA512",
        "Help OK",
    ];
    assert_eq!(help.lines, want);
    assert_eq!(r.expect("HELP RETR", 214).lines, want);
    // OPTS MLST changes the stars.
    r.expect("USER anonymous", 331);
    r.expect("PASS x@y", 230);
    r.expect("OPTS MLST type;size;", 200);
    let feat = r.expect("FEAT", 211);
    assert_eq!(feat.lines[6], "MLST type*;size*;modify;perm;unix.mode;");
}

#[test]
fn opts_utf8_on_answers_200() {
    let s = TestServer::start();
    let mut r = RawSession::connect(s.addr);
    r.expect("OPTS UTF8 ON", 200);
    r.expect("opts utf8 on", 200);
    r.expect("USER anonymous", 331);
    r.expect("PASS x@y", 230);
    r.expect("OPTS UTF8 ON", 200);
}

#[test]
fn verbs_are_case_insensitive_and_bare_lf_is_accepted() {
    let s = TestServer::start();
    let mut r = RawSession::connect(s.addr);
    r.send_raw(b"user anonymous\n");
    assert_eq!(r.reply().code.0, 331);
    r.send_raw(b"pAsS x@y\n");
    assert_eq!(r.reply().code.0, 230);
    r.expect("pwd", 257);
}

#[test]
fn nul_byte_in_path_gets_501() {
    let s = TestServer::start();
    std::fs::write(s.path("ab"), b"x").expect("write");
    let mut r = RawSession::login(s.addr);
    for line in [
        &b"RETR a\0b\r\n"[..],
        b"CWD a\0b\r\n",
        b"MKD x\0y\r\n",
        b"DELE a\0b\r\n",
        b"SIZE a\0b\r\n",
    ] {
        r.send_raw(line);
        let reply = r.reply();
        assert_code(&String::from_utf8_lossy(line), &reply, &[501]);
        r.expect("NOOP", 200);
    }
    assert!(s.path("ab").exists());
    assert_eq!(
        std::fs::read_dir(s.root()).expect("read_dir").count(),
        1,
        "nothing created"
    );
}

#[test]
fn overlong_line_gets_500_and_is_discarded() {
    let s = TestServer::start();
    let mut r = RawSession::login(s.addr);
    // A MKD that would create something if any part of it were obeyed.
    let long = format!("MKD {}", "a".repeat(5000));
    let reply = r.cmd(&long);
    assert_code("overlong line", &reply, &[500]);
    // The next reply belongs to the next command: the tail was not parsed as one.
    r.expect("NOOP", 200);
    let very_long = format!("NOOP {}", "b".repeat(70_000));
    let reply = r.cmd(&very_long);
    assert_code("70 kB line", &reply, &[500]);
    r.expect("PWD", 257);
    assert_eq!(
        std::fs::read_dir(s.root()).expect("read_dir").count(),
        0,
        "nothing created"
    );
    // A long line within the limit is still an ordinary command.
    let name = "c".repeat(200);
    r.expect(&format!("MKD {name}"), 257);
    assert!(s.path(&name).is_dir());
}

#[test]
fn abor_with_nothing_running_answers_225_or_226() {
    let s = TestServer::start();
    let mut r = RawSession::login(s.addr);
    let reply = r.cmd("ABOR");
    assert_code("ABOR", &reply, &[225, 226]);
    // lftp sends Telnet IP and Synch (IAC IP IAC DM) before ABOR.
    r.send_raw(b"\xff\xf4\xff\xf2ABOR\r\n");
    let reply = r.reply();
    assert_code("IAC IP IAC DM ABOR", &reply, &[225, 226]);
    r.expect("NOOP", 200);
}

#[test]
fn idle_session_gets_421_and_is_closed() {
    let s = TestServer::start_with(|c| {
        c.write = true;
        c.idle_timeout = Duration::from_millis(300);
    });
    let mut r = RawSession::login(s.addr);
    // Say nothing: the next thing the server sends is the 421 before it hangs up.
    let reply = r.try_reply().expect("421 before closing");
    assert_code("idle timeout", &reply, &[421]);
    assert!(r.try_reply().is_none(), "connection still open after 421");
    // The server itself is fine.
    let mut r = RawSession::login(s.addr);
    r.expect("NOOP", 200);
}
