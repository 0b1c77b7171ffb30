//! Accounts from a users file (`ftpd --users FILE`): alice writes in her
//! home, bob is read-only, neither reaches the other's home; an unknown user
//! and a wrong password cost the same time; SIGHUP reloads the file under a
//! live session; each bad file stops `ftpd` with a one-line error naming the
//! file and line; `ftpd hash-password` prints a hash that logs in.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, OnceLock};
use std::time::{Duration, Instant};

use ftp_server::accounts::{Accounts, Check, UserDb};

use crate::support::data::RawData;
use crate::support::raw::RawSession;
use crate::support::run::{curl, run};
use crate::support::tree::digest;
use crate::support::{pseudo_random, sha256, sha256_file, workspace_bin, TestServer};

mod homes;

const ALICE_PW: &str = "alice s3cret";
const BOB_PW: &str = "bob-s3cret";
const CAROL_PW: &str = "carol-s3cret";

/// argon2id hashes of the three passwords, made once (hashing is slow).
fn hash_of(password: &str) -> &'static str {
    static HASHES: OnceLock<[(String, String); 3]> = OnceLock::new();
    let all = HASHES.get_or_init(|| {
        [ALICE_PW, BOB_PW, CAROL_PW].map(|pw| {
            let phc = ftp_server::accounts::hash_password(pw).expect("hash");
            (pw.to_string(), phc)
        })
    });
    all.iter()
        .find(|(pw, _)| pw == password)
        .map(|(_, phc)| phc.as_str())
        .expect("a known test password")
}

/// One `[[user]]` table.
fn entry(name: &str, password: &str, home: Option<&str>, write: bool) -> String {
    let mut t = format!(
        "[[user]]\nname = \"{name}\"\npassword = \"{}\"\n",
        hash_of(password)
    );
    if let Some(home) = home {
        t.push_str(&format!("home = \"{home}\"\n"));
    }
    if write {
        t.push_str("write = true\n");
    }
    t
}

/// alice (home alice/, write) and bob (home bob/, read-only).
fn alice_and_bob() -> String {
    format!(
        "# test accounts\n{}\n{}",
        entry("alice", ALICE_PW, Some("alice"), true),
        entry("bob", BOB_PW, Some("bob"), false)
    )
}

/// Make root/alice, root/bob (with bob/x), root/top.txt, and write `users`
/// next to the root. Returns the users file's path.
fn prepare(root: &Path, users: &str) -> PathBuf {
    std::fs::create_dir_all(root.join("alice")).expect("mkdir alice");
    std::fs::create_dir_all(root.join("bob")).expect("mkdir bob");
    std::fs::write(root.join("bob/x"), b"bob's file").expect("write bob/x");
    std::fs::write(root.join("top.txt"), b"top").expect("write top.txt");
    let file = root.parent().expect("root has a parent").join("users.toml");
    std::fs::write(&file, users).expect("write users.toml");
    file
}

/// An in-process server with alice and bob; `tune` adjusts the rest.
fn server(tune: impl FnOnce(&mut ftp_server::Config)) -> TestServer {
    TestServer::start_with(|c| {
        let file = prepare(&c.root, &alice_and_bob());
        let accounts = Accounts::load(&file, &c.root, c.max_password_checks).expect("users file");
        c.accounts = Some(Arc::new(accounts));
        c.anonymous = false;
        tune(c);
    })
}

fn login(addr: SocketAddr, user: &str, password: &str) -> RawSession {
    let mut r = RawSession::connect(addr);
    r.expect(&format!("USER {user}"), 331);
    r.expect(&format!("PASS {password}"), 230);
    r
}

/// The other user's home cannot be reached by any spelling of a path.
fn assert_cannot_reach(r: &mut RawSession, root: &Path, other: &str, file: &str) {
    let host = root.join(other).join(file);
    for path in [
        format!("/../{other}/{file}"),
        format!("../{other}/{file}"),
        format!("/{other}/{file}"),
        host.display().to_string(),
    ] {
        let t = r.download(&format!("RETR {path}"));
        assert!(!t.started(), "RETR {path} started: {t:?}");
        assert_eq!(t.first.code.0, 550, "RETR {path}: {t:?}");
    }
    for dir in [
        format!("../{other}"),
        format!("/../{other}"),
        format!("/{other}"),
        root.join(other).display().to_string(),
    ] {
        r.expect(&format!("CWD {dir}"), 550);
    }
    r.expect("PWD", 257);
}

#[test]
fn alice_writes_in_her_home_and_cannot_reach_bobs() {
    let s = server(|_| {});
    let mut r = login(s.addr, "alice", ALICE_PW);
    let pwd = r.expect("PWD", 257);
    assert!(pwd.text().contains("\"/\""), "{pwd:?}");
    r.expect("TYPE I", 200);
    let data = pseudo_random(100_000, 7);
    r.stor("up.bin", &data);
    assert_eq!(sha256_file(&s.path("alice/up.bin")), sha256(&data));
    r.expect("MKD sub", 257);
    assert!(s.path("alice/sub").is_dir());
    r.stor("sub/in.txt", b"nested");
    assert_eq!(
        std::fs::read(s.path("alice/sub/in.txt")).expect("read"),
        b"nested"
    );
    // Her `/` is her home: the served root's other entries are not there.
    let names = r.listing("NLST");
    assert!(names.contains("up.bin"), "{names}");
    for hidden in ["bob", "top.txt", "alice"] {
        assert!(
            !names.lines().any(|l| l.trim_end() == hidden),
            "{hidden} listed: {names}"
        );
    }
    assert_cannot_reach(&mut r, &s.root(), "bob", "x");
    // Writes aimed at bob's home land nowhere near it.
    for line in ["STOR ../bob/evil", "STOR /../bob/evil", "MKD ../bob/d"] {
        if line.starts_with("STOR") {
            r.upload(line, b"evil");
        } else {
            r.cmd(line);
        }
        assert!(!s.path("bob/evil").exists(), "{line}");
        assert!(!s.path("bob/d").exists(), "{line}");
    }
    assert_eq!(std::fs::read(s.path("bob/x")).expect("read"), b"bob's file");
}

#[test]
fn bob_is_read_only_and_cannot_reach_alices_home() {
    let s = server(|_| {});
    std::fs::write(s.path("alice/private.txt"), b"alice only").expect("write");
    let before = digest(&s.root());
    let mut r = login(s.addr, "bob", BOB_PW);
    assert_eq!(r.retr("x"), b"bob's file");
    for line in ["STOR new.txt", "STOR x", "APPE x", "STOU"] {
        let t = r.upload(line, b"overwritten");
        assert!(!t.started(), "{line} started: {t:?}");
        assert_eq!(t.first.code.0, 550, "{line}: {t:?}");
        assert!(t.first.text().contains("read-only"), "{line}: {t:?}");
    }
    for line in ["MKD d", "DELE x", "RMD .", "RNFR x", "SITE CHMOD 777 x"] {
        let reply = r.cmd(line);
        assert!(reply.code.is_permanent_failure(), "{line}: {reply:?}");
    }
    assert_cannot_reach(&mut r, &s.root(), "alice", "private.txt");
    r.expect("NOOP", 200);
    assert_eq!(digest(&s.root()), before, "read-only bob changed the tree");
}

#[test]
fn global_write_flag_still_grants_write_to_everyone() {
    let s = server(|c| c.write = true);
    let mut r = login(s.addr, "bob", BOB_PW);
    r.stor("y", b"with --write");
    assert_eq!(
        std::fs::read(s.path("bob/y")).expect("read"),
        b"with --write"
    );
}

#[test]
fn named_users_turn_anonymous_off_and_plain_users_still_work() {
    let s = server(|c| {
        c.users = vec![ftp_server::User {
            name: "dave".into(),
            password: "plain".into(),
        }];
    });
    let mut r = RawSession::connect(s.addr);
    r.expect("USER anonymous", 331);
    r.expect("PASS a@b", 530);
    let mut r = login(s.addr, "dave", "plain");
    // A --user login sees the whole root, read-only as before.
    assert_eq!(r.retr("top.txt"), b"top");
}

#[test]
fn curl_logs_in_with_an_account() {
    let s = server(|_| {});
    let dir = tempfile::tempdir().expect("tempdir");
    let local = dir.path().join("a.bin");
    let data = pseudo_random(50_000, 3);
    std::fs::write(&local, &data).expect("write");
    let alice = format!("alice:{ALICE_PW}");
    curl([
        "-u",
        &alice,
        "-T",
        local.to_str().expect("utf8"),
        &s.url(""),
    ])
    .ok();
    assert_eq!(sha256_file(&s.path("alice/a.bin")), sha256(&data));
    let bob = format!("bob:{BOB_PW}");
    let out = curl(["-u", &bob, &s.url("x")]);
    out.ok();
    assert_eq!(out.stdout, "bob's file");
    // 25 = CURLE_UPLOAD_FAILED: bob's STOR is refused.
    curl(["-u", &bob, "-T", local.to_str().expect("utf8"), &s.url("")]).expect_code(25);
    assert!(!s.path("bob/a.bin").exists());
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Time one failing PASS (from sending it to the 530), and its reply text.
fn failed_pass(addr: SocketAddr, user: &str, password: &str) -> (Duration, String) {
    let mut r = RawSession::connect(addr);
    r.expect(&format!("USER {user}"), 331);
    let start = Instant::now();
    let reply = r.expect(&format!("PASS {password}"), 530);
    (start.elapsed(), reply.text())
}

#[test]
fn unknown_user_and_wrong_password_take_the_same_time() {
    // A short failure delay, so the argon2 work dominates: without the dummy
    // check an unknown user would answer several times faster.
    let s = server(|c| {
        c.login_failure_delay = Duration::from_millis(5);
        c.max_login_failures = 1000;
        c.users = vec![ftp_server::User {
            name: "dave".into(),
            password: "plain".into(),
        }];
    });
    let (mut wrong, mut unknown, mut plain) = (Vec::new(), Vec::new(), Vec::new());
    let mut texts = std::collections::BTreeSet::new();
    for _ in 0..7 {
        for (user, times) in [
            ("alice", &mut wrong),
            ("nobody", &mut unknown),
            ("dave", &mut plain),
        ] {
            let (t, text) = failed_pass(s.addr, user, "not-the-password");
            times.push(t);
            texts.insert(text);
        }
    }
    assert_eq!(texts.len(), 1, "different failure replies: {texts:?}");
    let (w, u, p) = (median(wrong), median(unknown), median(plain));
    for (what, t) in [("unknown user", u), ("wrong --user password", p)] {
        let ratio = t.as_secs_f64() / w.as_secs_f64();
        assert!(
            (0.5..=2.0).contains(&ratio),
            "{what} median {t:?} vs wrong password median {w:?} (ratio {ratio:.2})"
        );
    }
}

/// `ftpd` as a child process whose log lines stay readable, so a test can
/// wait for "users file reloaded" instead of guessing how long a reload takes.
struct LoggingFtpd {
    addr: SocketAddr,
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl LoggingFtpd {
    fn spawn(args: &[&str]) -> LoggingFtpd {
        let mut cmd = Command::new(workspace_bin("ftpd"));
        clear_ftpd_env(&mut cmd);
        let mut child = cmd
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn ftpd");
        let (tx, lines) = mpsc::channel();
        let out: Box<dyn std::io::Read + Send> = Box::new(child.stdout.take().expect("stdout"));
        let err: Box<dyn std::io::Read + Send> = Box::new(child.stderr.take().expect("stderr"));
        for stream in [out, err] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
        }
        let mut d = LoggingFtpd {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            child,
            lines,
        };
        let line = d.wait_for("listening on ftp://");
        let tail = &line[line.find("ftp://").expect("url") + "ftp://".len()..];
        let addr = tail.split_whitespace().next().expect("address");
        d.addr = addr.parse().expect("listening address");
        d
    }

    /// The next log line containing `needle` (up to 20 s).
    fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(line) => seen.push(line),
                Err(_) => break,
            }
        }
        panic!(
            "ftpd never logged {needle:?}; it logged:\n{}",
            seen.join("\n")
        );
    }

    fn hup(&self) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("pid");
        // SAFETY: kill(2) with a valid signal number and our own child's pid.
        let rc = unsafe { libc::kill(pid, libc::SIGHUP) };
        assert_eq!(rc, 0, "kill -HUP");
    }
}

impl Drop for LoggingFtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Only the arguments count: no FTPD_* setting leaks in from the environment.
fn clear_ftpd_env(cmd: &mut Command) {
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("FTPD_") {
            cmd.env_remove(key);
        }
    }
}

#[test]
fn sighup_reloads_users_without_dropping_a_live_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("root");
    let file = prepare(&root, &alice_and_bob());
    let root_arg = root.to_str().expect("utf8");
    let ftpd = LoggingFtpd::spawn(&["--root", root_arg, "--users", file.to_str().expect("utf8")]);
    let mut live = login(ftpd.addr, "alice", ALICE_PW);
    live.expect("NOOP", 200);

    // A broken file is refused and the old accounts stay.
    std::fs::write(
        &file,
        format!("{}\n{}", alice_and_bob(), entry("bob", BOB_PW, None, false)),
    )
    .expect("write");
    ftpd.hup();
    let warning = ftpd.wait_for("not reloaded");
    assert!(warning.contains("duplicate user"), "{warning}");
    login(ftpd.addr, "bob", BOB_PW).expect("NOOP", 200);
    live.expect("NOOP", 200);

    // A good file adds carol; alice's session goes on.
    let with_carol = format!(
        "{}\n{}",
        alice_and_bob(),
        entry("carol", CAROL_PW, None, false)
    );
    std::fs::write(&file, with_carol).expect("write");
    ftpd.hup();
    ftpd.wait_for("users file reloaded");
    live.expect("NOOP", 200);
    live.stor("after-reload.txt", b"still here");
    assert_eq!(
        std::fs::read(root.join("alice/after-reload.txt")).expect("read"),
        b"still here"
    );
    let mut carol = login(ftpd.addr, "carol", CAROL_PW);
    assert_eq!(carol.retr("top.txt"), b"top");
}

/// Run `ftpd --root ROOT --users FILE` (or with FTPD_USERS set) and expect a
/// quick non-zero exit with one line on stderr; return that line.
fn startup_error(root: &Path, file: &Path, via_env: bool) -> String {
    let mut cmd = Command::new(workspace_bin("ftpd"));
    clear_ftpd_env(&mut cmd);
    cmd.arg("--root")
        .arg(root)
        .args(["--listen", "127.0.0.1:0"]);
    if via_env {
        cmd.env("FTPD_USERS", file);
    } else {
        cmd.arg("--users").arg(file);
    }
    let ran = run(&mut cmd, Duration::from_secs(20));
    assert!(!ran.status.success(), "{}", ran.describe("started anyway"));
    assert!(
        !ran.stdout.contains("listening"),
        "{}",
        ran.describe("listened")
    );
    let err = ran.stderr.trim_end();
    assert_eq!(err.lines().count(), 1, "not one line:\n{err}");
    assert!(
        err.contains(file.to_str().expect("utf8")),
        "no file name: {err}"
    );
    err.to_string()
}

#[test]
fn each_bad_users_file_stops_ftpd_with_a_one_line_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("root");
    let file = prepare(&root, "");
    std::fs::create_dir(dir.path().join("outside")).expect("mkdir");
    std::os::unix::fs::symlink(dir.path().join("outside"), root.join("escape")).expect("symlink");
    let alice = entry("alice", ALICE_PW, Some("alice"), true);
    // (file text, expected line, words the message must contain)
    let cases = [
        (format!("\n\n{alice}\n[[user]\n"), 9, ""),
        (
            format!("{alice}\n[[user]]\nname = \"bob\"\npassword = \"hunter2\"\n"),
            9,
            "bad password hash",
        ),
        (format!("{alice}\n{alice}"), 8, "duplicate user"),
        (format!("{alice}home2 = 1\n"), 6, "home2"),
        (entry("bob", BOB_PW, Some("../outside"), false), 4, ".."),
        (entry("bob", BOB_PW, Some("/etc"), false), 4, "relative"),
        (entry("bob", BOB_PW, Some("escape"), false), 4, "outside"),
        (
            entry("bob", BOB_PW, Some("missing"), false),
            4,
            "cannot be opened",
        ),
    ];
    for (i, (text, line, words)) in cases.iter().enumerate() {
        std::fs::write(&file, text).expect("write");
        let err = startup_error(&root, &file, i % 2 == 1);
        assert!(
            err.contains(&format!(" line {line}: ")),
            "want line {line}: {err}"
        );
        assert!(err.to_lowercase().contains(words), "want {words:?}: {err}");
    }
    let missing = dir.path().join("no-such-users.toml");
    let err = startup_error(&root, &missing, false);
    assert!(err.contains("cannot read"), "{err}");
}

#[test]
fn hash_password_output_logs_in() {
    let mut cmd = Command::new(workspace_bin("ftpd"));
    clear_ftpd_env(&mut cmd);
    let mut child = cmd
        .arg("hash-password")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ftpd hash-password");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"correct horse\n")
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).expect("utf8");
    let phc = stdout.trim_end();
    assert_eq!(stdout.lines().count(), 1, "{stdout:?}");
    assert!(phc.starts_with("$argon2id$v=19$"), "{phc}");

    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!("[[user]]\nname = \"u\"\npassword = \"{phc}\"\n");
    let db = UserDb::parse(Path::new("users.toml"), &text, dir.path()).expect("parses");
    assert!(matches!(db.check("u", "correct horse"), Check::Ok(_)));
    assert!(matches!(
        db.check("u", "correct horse\n"),
        Check::WrongPassword
    ));
    // And through a real login.
    let s = TestServer::start_with(|c| {
        let file = c.root.parent().expect("parent").join("users.toml");
        std::fs::write(&file, &text).expect("write");
        let accounts = Accounts::load(&file, &c.root, 2).expect("load");
        c.accounts = Some(Arc::new(accounts));
    });
    login(s.addr, "u", "correct horse").expect("NOOP", 200);
}
