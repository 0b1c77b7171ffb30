//! End-to-end tests of the `ftpc` binary against real servers: our `ftpd`
//! (in-process `TestServer`), pyftpdlib and vsftpd (servers no one here
//! wrote), and a scripted fake server for hostile or broken behaviour.
//! Every file is checked by content hash; every exit code is exercised.

mod checksum;
mod exit_codes;
mod fake;
mod ftpd;
mod globs;
mod hostile;
mod launched;
mod leftovers;
mod others;
mod peers;
mod progress;
mod resume_put;
mod retries;
mod sync;
mod times;
mod tls;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::support::{needs, require_tool, workspace_bin};

/// One `#[test]` per real server for a scenario `fn(&impl peers::Remote)`: our
/// `ftpd`, pyftpdlib (MLSD) and vsftpd (LIST only), with the three test
/// names given in that order, so a scenario cannot quietly skip a server
/// and each test stays findable (and filterable) by its full name.
macro_rules! on_every_server {
    ($scenario:ident: $ftpd:ident, $pyftpdlib:ident, $vsftpd:ident $(,)?) => {
        #[test]
        fn $ftpd() {
            $scenario(&$crate::support::TestServer::start());
        }

        #[test]
        fn $pyftpdlib() {
            let (_dir, server) = $crate::client::peers::pyftpd();
            $scenario(&server);
        }

        #[test]
        fn $vsftpd() {
            $scenario(&$crate::client::peers::Vsftpd::start());
        }
    };
}
pub(crate) use on_every_server;

/// The longest one `ftpc` run may take in these tests.
const FTPC_TIMEOUT: Duration = Duration::from_secs(60);

/// What one `ftpc` run did; stdout kept as bytes for content checks.
pub struct Out {
    pub cmdline: String,
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Out {
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    pub fn describe(&self) -> String {
        format!(
            "`{}` exited with {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.cmdline,
            self.status,
            String::from_utf8_lossy(&self.stdout),
            self.stderr
        )
    }

    pub fn ok(&self) -> &Self {
        self.expect_code(0)
    }

    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(self.code(), Some(code), "{}", self.describe());
        self
    }

    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// A `Command` for `ftpc` with a clean environment (no netrc, no password).
pub fn ftpc_cmd(args: &[&str]) -> Command {
    let mut cmd = Command::new(workspace_bin("ftpc"));
    cmd.args(args)
        .env_remove("FTPC_PASSWORD")
        .env("NETRC", "/nonexistent/netrc")
        .env_remove("RUST_LOG");
    cmd
}

/// Run `ftpc ARGS` with no stdin.
pub fn ftpc(args: &[&str]) -> Out {
    run_with(ftpc_cmd(args), None)
}

/// Run `ftpc ARGS` in `dir` with no stdin.
pub fn ftpc_in(dir: &Path, args: &[&str]) -> Out {
    let mut cmd = ftpc_cmd(args);
    cmd.current_dir(dir);
    run_with(cmd, None)
}

/// Run a prepared command, feeding `stdin` if given, with a hard timeout.
pub fn run_with(mut cmd: Command, stdin: Option<Vec<u8>>) -> Out {
    let cmdline = format!("{cmd:?}");
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {cmdline}: {e}"));
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin pipe");
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    let (stdout, stderr) = drain_both(&mut child);
    let status = wait_bounded(&mut child, &cmdline);
    let stdout = stdout.join().unwrap_or_default();
    let stderr = String::from_utf8_lossy(&stderr.join().unwrap_or_default()).into_owned();
    Out {
        cmdline,
        status,
        stdout,
        stderr,
    }
}

type Drain = std::thread::JoinHandle<Vec<u8>>;

fn drain_both(child: &mut Child) -> (Drain, Drain) {
    fn drain(mut r: impl Read + Send + 'static) -> Drain {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    }
    (
        drain(child.stdout.take().expect("stdout")),
        drain(child.stderr.take().expect("stderr")),
    )
}

/// Wait for a child, killing it (and failing) after `FTPC_TIMEOUT`.
pub fn wait_bounded(child: &mut Child, what: &str) -> ExitStatus {
    let deadline = Instant::now() + FTPC_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {FTPC_TIMEOUT:?}");
        }
        // Polls the exit status only; std has no wait-with-timeout.
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// pyftpdlib serving `root` on a port it picks and prints; its passive
/// ports are the OS's too (port 0), so parallel tests never share one.
/// Killed on drop.
pub struct PyFtpd {
    pub port: u16,
    pub root_dir: PathBuf,
    child: Child,
}

impl PyFtpd {
    pub fn start(root: &Path) -> PyFtpd {
        Self::start_script("tests/client/pyftpd_serve.py", root, &[])
    }

    /// Run the launcher `script` (relative to the repository) with `root`
    /// and `args`; it prints its port once it listens.
    pub fn start_script(script: &str, root: &Path, args: &[&Path]) -> PyFtpd {
        Self::start_env(script, root, args, &[])
    }

    /// `start_script` with environment variables for the launcher.
    pub fn start_env(script: &str, root: &Path, args: &[&Path], env: &[(&str, &str)]) -> PyFtpd {
        require_tool("python3");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(script);
        let mut child = Command::new("python3")
            .arg(&script)
            .arg(root)
            .args(args)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn python3 pyftpd_serve.py");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read port");
        let port = line.trim().parse().unwrap_or_else(|_| {
            let _ = child.kill();
            let _ = child.wait();
            let installed = Command::new("python3")
                .args(["-c", "import pyftpdlib, OpenSSL"])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            assert!(installed, "{}", needs("pyftpdlib and pyOpenSSL"));
            panic!("{} printed no port: {line:?}", script.display())
        });
        PyFtpd {
            port,
            root_dir: root.to_path_buf(),
            child,
        }
    }

    pub fn url(&self, rel: &str) -> String {
        format!("ftp://127.0.0.1:{}/{}", self.port, rel)
    }
}

impl Drop for PyFtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh temporary directory.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// Write `bytes` to `dir/rel`, creating parents.
pub fn write(dir: &Path, rel: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir -p");
    std::fs::write(&p, bytes).expect("write");
    p
}

/// Set `path`'s modification time to `secs` after 1970.
pub fn set_time(path: &Path, secs: u64) {
    let f = std::fs::File::options()
        .write(true)
        .open(path)
        .expect("open");
    f.set_modified(std::time::UNIX_EPOCH + Duration::from_secs(secs))
        .expect("set mtime");
}

/// A port on 127.0.0.1 that nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}
