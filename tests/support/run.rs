//! Runners for the stock clients the end-to-end tests drive (curl, lftp,
//! ncftp, python3, tnftp, wget). Every external process gets a hard timeout and its output is
//! captured, so a stuck client fails its test with a readable message instead
//! of hanging the whole suite.

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Longest any one external client may run. Each test keeps its transfers
/// small, so hitting this means a hang, not a slow machine.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(60);

/// What an external process did.
#[derive(Debug)]
pub struct Ran {
    pub cmdline: String,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    /// The exit code (None when killed by a signal).
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// Assert a zero exit, showing everything the process printed otherwise.
    pub fn ok(&self) -> &Self {
        assert!(self.status.success(), "{}", self.describe("failed"));
        self
    }

    /// Assert a specific exit code.
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code(),
            Some(code),
            "{}",
            self.describe("wrong exit code")
        );
        self
    }

    /// A multi-line report of the run, for assertion messages.
    pub fn describe(&self, what: &str) -> String {
        format!(
            "{what}: `{}` exited with {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.cmdline, self.status, self.stdout, self.stderr
        )
    }
}

fn drain(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        buf
    })
}

/// Run `cmd` with no stdin, capturing stdout and stderr; kill it and panic
/// with what it printed if it outlives `timeout`.
pub fn run(cmd: &mut Command, timeout: Duration) -> Ran {
    run_with_input(cmd, None, timeout)
}

/// `run`, feeding `input` (then end of file) to the process's stdin, for
/// clients driven by a script on stdin (tnftp).
pub fn run_with_input(cmd: &mut Command, input: Option<&str>, timeout: Duration) -> Ran {
    let cmdline = format!("{cmd:?}");
    let mut child = cmd
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {cmdline}: {e}"));
    if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
        let text = text.to_string();
        // A thread, so a client that stops reading cannot block the test.
        std::thread::spawn(move || {
            use std::io::Write;
            let _ = stdin.write_all(text.as_bytes());
        });
    }
    let out = drain(child.stdout.take().expect("stdout pipe"));
    let err = drain(child.stderr.take().expect("stderr pipe"));
    let deadline = Instant::now() + timeout;
    // Polling the child's exit is not waiting for readiness: std has no
    // wait-with-timeout, and the poll interval only bounds how late we notice.
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            let stdout = String::from_utf8_lossy(&out.join().unwrap_or_default()).into_owned();
            let stderr = String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned();
            panic!(
                "`{cmdline}` did not finish within {timeout:?} and was killed\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stdout = String::from_utf8_lossy(&out.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned();
    Ran {
        cmdline,
        status,
        stdout,
        stderr,
    }
}

/// Run curl with its own time limits and `-v`, so tests can also check which
/// FTP commands it sent (the `> EPSV` lines on stderr). `-sS`: no progress
/// meter, but errors are still printed.
pub fn curl<I, S>(args: I) -> Ran
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    super::require_tool("curl");
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "-v", "--max-time", "30", "--connect-timeout", "5"]);
    cmd.args(args);
    run(&mut cmd, CLIENT_TIMEOUT)
}

/// Run an lftp script against `127.0.0.1:port`, logged in as `user`
/// (`None`: anonymous). Failures exit non-zero instead of retrying forever,
/// and `-d` puts the protocol dialogue on stderr for assertions and
/// diagnosis. `cwd` is lftp's local directory.
pub fn lftp(port: u16, user: Option<(&str, &str)>, cwd: &Path, script: &str) -> Ran {
    super::require_tool("lftp");
    let login = match user {
        Some((name, pass)) => format!("open -u '{name}','{pass}' -p {port} 127.0.0.1"),
        None => format!("open -u anonymous,lftp@example.com -p {port} 127.0.0.1"),
    };
    let full = format!(
        "set cmd:fail-exit yes; set cmd:interactive no; set net:max-retries 1; \
         set net:timeout 10; set net:reconnect-interval-base 1; \
         set file:charset UTF-8; set ftp:charset UTF-8; \
         {login}; {script}"
    );
    // A private, throwaway HOME: a developer's ~/.lftprc or bookmarks cannot
    // change what the tests see, and lftp's history is not left behind.
    let home = tempfile::tempdir().expect("lftp home");
    let mut cmd = Command::new("lftp");
    cmd.arg("-d")
        .arg("-c")
        .arg(&full)
        .current_dir(cwd)
        .env("HOME", home.path())
        .env("LFTP_HOME", home.path())
        .env("LC_ALL", "C.UTF-8");
    run(&mut cmd, CLIENT_TIMEOUT)
}

/// Run tnftp non-interactively in `cwd`, connected and logged in to
/// `127.0.0.1:port` (anonymous), with `script` (one command a line) on
/// stdin. `-n`: no auto-login (the script logs in); `-d`: the commands it
/// sends go to stdout (`---> NLST *.txt`), for assertions and diagnosis.
pub fn tnftp(port: u16, cwd: &Path, script: &str) -> Ran {
    super::require_tool("tnftp");
    let full = format!("open 127.0.0.1 {port}\nuser anonymous tnftp@example.com\n{script}\nbye\n");
    // A throwaway HOME: a developer's ~/.netrc cannot log in for it.
    let home = tempfile::tempdir().expect("tnftp home");
    let mut cmd = Command::new("tnftp");
    cmd.args(["-n", "-d"])
        .current_dir(cwd)
        .env("HOME", home.path())
        .env("LC_ALL", "C.UTF-8");
    run_with_input(&mut cmd, Some(&full), CLIENT_TIMEOUT)
}

/// Run wget in `cwd` with one try and its own time limits, so a refusal
/// fails at once instead of retrying; `--no-verbose` still prints one
/// line per file. A throwaway HOME keeps a developer's ~/.wgetrc out.
pub fn wget<I, S>(cwd: &Path, args: I) -> Ran
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    super::require_tool("wget");
    let home = tempfile::tempdir().expect("wget home");
    let mut cmd = Command::new("wget");
    cmd.args(["--no-verbose", "--tries=1", "--timeout=10"])
        .args(args)
        .current_dir(cwd)
        .env("HOME", home.path())
        .env("LC_ALL", "C.UTF-8");
    run(&mut cmd, CLIENT_TIMEOUT)
}

/// Run one of ncftp's command-line tools (`ncftpget`, `ncftpput`,
/// `ncftpls`) logged in as `u`/`p` to `127.0.0.1:port`, with `args` after
/// the login flags. `-t 10`: its own timeout; `-r 0`: no redials, so a
/// refusal fails at once (ncftp otherwise sleeps 20 s between tries);
/// `-d FILE`: the whole dialogue (`Cmd: ...` and the replies) is logged and
/// returned on stderr after the tool's own messages. A throwaway HOME keeps
/// a developer's ~/.ncftp (bookmarks, preferences) out.
pub fn ncftp<I, S>(tool: &str, cwd: &Path, port: u16, args: I) -> Ran
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    super::require_tool(tool);
    let home = tempfile::tempdir().expect("ncftp home");
    let log = home.path().join("dialogue.log");
    let port = port.to_string();
    let mut cmd = Command::new(tool);
    cmd.args(["-u", "u", "-p", "p", "-P", &port, "-t", "10", "-r", "0"])
        .arg("-d")
        .arg(&log)
        .args(args)
        .current_dir(cwd)
        .env("HOME", home.path())
        .env("LC_ALL", "C.UTF-8");
    let mut ran = run(&mut cmd, CLIENT_TIMEOUT);
    if let Ok(dialogue) = std::fs::read_to_string(&log) {
        ran.stderr.push_str("\n--- ncftp -d log ---\n");
        ran.stderr.push_str(&dialogue);
    }
    ran
}

/// `tests/scripts/NAME`.
pub fn script_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scripts")
        .join(name)
}

/// Run `python3 tests/scripts/NAME ARGS...`.
pub fn python<I, S>(script: &str, args: I) -> Ran
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    super::require_tool("python3");
    let mut cmd = Command::new("python3");
    cmd.arg(script_path(script))
        .args(args)
        .env("PYTHONIOENCODING", "utf-8")
        .env("PYTHONDONTWRITEBYTECODE", "1");
    run(&mut cmd, CLIENT_TIMEOUT)
}

/// A client really killed mid-upload: `stor_then_die.py` starts `STOR
/// name` on `127.0.0.1:port`, sends `nbytes` and waits until the server has
/// taken them all; then it is sent SIGKILL, so the kernel closes its
/// sockets (data first) the way it does for any client that dies. A test
/// thread dropping two sockets could be preempted between the two closes,
/// which a dying process practically never is.
pub fn kill_mid_upload(port: u16, name: &str, nbytes: usize) {
    super::require_tool("python3");
    let mut child = Command::new("python3")
        .arg(script_path("stor_then_die.py"))
        .args(["127.0.0.1", &port.to_string(), name, &nbytes.to_string()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start stor_then_die.py");
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line);
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(line.trim(), "ready", "the uploader did not get going");
}
