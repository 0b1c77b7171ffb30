//! The real `ftpd` binary as a child process, for tests of the command-line
//! contract. It is started with `--listen 127.0.0.1:0` and the test learns
//! the port from the address `ftpd` prints on startup (no sleeping, no
//! guessed ports). Dropping the handle kills the process.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use super::workspace_bin;

pub struct Ftpd {
    pub addr: SocketAddr,
    child: Child,
}

/// Find `127.0.0.1:PORT` in a line such as `ftpd listening on ftp://127.0.0.1:40123 ...`.
fn bound_addr(line: &str) -> Option<SocketAddr> {
    let start = line.find("127.0.0.1:")?;
    let tail = &line[start..];
    let end = tail
        .char_indices()
        .skip("127.0.0.1:".len())
        .find(|(_, c)| !c.is_ascii_digit())
        .map_or(tail.len(), |(i, _)| i);
    tail[..end].parse().ok()
}

impl Ftpd {
    /// Run `ftpd --listen 127.0.0.1:0 ARGS...` and wait (up to 20 s) for it to
    /// print the address it bound.
    pub fn spawn(args: &[&str]) -> Ftpd {
        Self::spawn_env(args, &[])
    }

    /// `spawn` with these environment variables set as well.
    pub fn spawn_env(args: &[&str], envs: &[(&str, String)]) -> Ftpd {
        let mut cmd = Command::new(workspace_bin("ftpd"));
        // Only the arguments count: no FTPD_* setting leaks in from the environment.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("FTPD_") {
                cmd.env_remove(key);
            }
        }
        for (key, value) in envs {
            cmd.env(key, value);
        }
        let mut child = cmd
            .arg("--listen")
            .arg("127.0.0.1:0")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn ftpd");
        let (tx, rx) = mpsc::channel::<String>();
        for stream in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let tx = tx.clone();
            // Keep draining after the address is found, so ftpd never blocks on a full pipe.
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    let _ = tx.send(line);
                }
            });
        }
        drop(tx);
        let mut seen = Vec::new();
        loop {
            match rx.recv_timeout(Duration::from_secs(20)) {
                Ok(line) => {
                    if let Some(addr) = bound_addr(&line) {
                        return Ftpd { addr, child };
                    }
                    seen.push(line);
                }
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "ftpd {args:?} printed no listening address ({e}); output:\n{}",
                        seen.join("\n")
                    );
                }
            }
        }
    }
}

impl Ftpd {
    /// The process id, for sending signals.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Wait up to `limit` for the process to exit; None if it is still running.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if std::time::Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Ftpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `ftpd ARGS` with no `FTPD_*` or `AWS_*` variable leaking in from the
/// test's environment, plus `env`; stdin is closed.
pub fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(workspace_bin("ftpd"));
    for (key, _) in std::env::vars_os() {
        let name = key.to_string_lossy();
        if name.starts_with("FTPD_") || name.starts_with("AWS_") {
            cmd.env_remove(key);
        }
    }
    cmd.args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null());
    cmd
}

/// The address of the first `ftpd listening on ftp://ADDR ...` line of
/// `stdout` (ftpd prints it once bound).
pub fn listening_addr(stdout: impl std::io::Read) -> SocketAddr {
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("ftpd's stdout");
    bound_addr(&line).unwrap_or_else(|| panic!("no address in {line:?}"))
}

/// A process's resident memory in KiB (VmRSS).
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}
