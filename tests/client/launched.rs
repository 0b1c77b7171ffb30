//! A server started by one of the repository's launchers
//! (`tests/scripts/start-{vsftpd,proftpd,pure-ftpd}.sh`): each takes ROOT
//! PORT PASV_MIN PASV_MAX (plus what the caller adds), runs the server in
//! the background with a private configuration, logs in the system user
//! bench/benchpw chrooted into ROOT, and prints the server's pid. Ports come
//! from a `PortBlock`, since none of these servers can bind port 0 and say
//! which port it got. Killed on drop.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::ports::PortBlock;
use crate::support::require_tool;

use super::peers::Remote;
use super::tempdir;

pub struct Launched {
    /// Which server, for messages.
    pub name: &'static str,
    pub port: u16,
    pid: libc::pid_t,
    dir: tempfile::TempDir,
    /// The server's log, relative to `dir`, if it keeps one there.
    log: Option<&'static str>,
    /// Held while the server runs, so no other test gets these ports.
    _ports: PortBlock,
}

impl Launched {
    /// Run `script` (relative to the repository) with ROOT PORT PASV_MIN
    /// PASV_MAX plus whatever `tune` adds (it gets the temporary directory
    /// for its files), then wait, bounded, until the server accepts
    /// connections: the launchers fork and give no readiness signal.
    pub fn start(
        name: &'static str,
        script: &str,
        log: Option<&'static str>,
        tune: impl FnOnce(&mut Command, &Path),
    ) -> Launched {
        require_tool("bash");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(script);
        let dir = tempdir();
        let root = dir.path().join("root");
        std::fs::create_dir(&root).expect("root");
        let ports = PortBlock::reserve();
        let port = ports.control();
        let (pmin, pmax) = ports.passive();
        let mut cmd = Command::new("bash");
        cmd.arg(&script)
            .arg(&root)
            .arg(port.to_string())
            .arg(pmin.to_string())
            .arg(pmax.to_string())
            .stdin(Stdio::null())
            .stderr(Stdio::inherit());
        tune(&mut cmd, dir.path());
        let out = cmd.output().expect("run the launcher");
        let shown = script.display();
        assert!(out.status.success(), "{shown} failed: {out:?}");
        let pid = String::from_utf8_lossy(&out.stdout).trim().parse();
        let pid = pid.unwrap_or_else(|_| panic!("{shown} printed no pid: {out:?}"));
        let server = Launched {
            name,
            port,
            pid,
            dir,
            log,
            _ports: ports,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "{name} did not listen on {port}; its log:\n{}",
                server.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    /// The server's log, when it keeps one in the temporary directory.
    pub fn log(&self) -> String {
        self.log
            .and_then(|name| std::fs::read_to_string(self.dir.path().join(name)).ok())
            .unwrap_or_default()
    }
}

impl Remote for Launched {
    fn url(&self, rel: &str) -> String {
        format!("ftp://bench:benchpw@127.0.0.1:{}/{rel}", self.port)
    }
    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }
    fn fixup(&self) {
        let ok = Command::new("chown")
            .arg("-R")
            .arg("bench")
            .arg(self.root())
            .status()
            .expect("chown");
        assert!(ok.success());
    }
}

impl Drop for Launched {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the pid the launcher printed; no memory involved.
        unsafe {
            libc::kill(self.pid, libc::SIGTERM);
        }
    }
}
