//! Stock FTPS servers for the ftpc TLS tests, each on 127.0.0.1 with the
//! test PKI's certificate: vsftpd requiring TLS and session reuse (TLS 1.3,
//! or capped at 1.2 through OpenSSL's configuration) and pyftpdlib's
//! TLS_FTPHandler. Our own `ftpd` is in `ftpd.rs`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::support::require_tool;

use super::super::peers::{Remote, Vsftpd};
use super::super::{closed_port, tempdir, PyFtpd};
use super::certs::TestPki;

/// Which TLS versions vsftpd may negotiate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versions {
    /// OpenSSL's defaults: TLS 1.3 (tickets) is chosen.
    Default,
    /// MaxProtocol = TLSv1.2: resumption by session id.
    Tls12Only,
}

/// vsftpd with ssl_enable, forced TLS for logins and data, and
/// `require_ssl_reuse=YES`; user bench/benchpw. Once started it is a plain
/// `peers::Vsftpd` (same URL, root, clean-up).
pub struct VsftpdTls;

impl VsftpdTls {
    pub fn start(pki: &TestPki, versions: Versions) -> Vsftpd {
        require_tool("bash");
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts/start-vsftpd-tls.sh");
        let dir = tempdir();
        let root = dir.path().join("root");
        std::fs::create_dir(&root).expect("root");
        let port = closed_port();
        let pmin = 44_000 + (port % 500) * 20;
        let mut cmd = Command::new("bash");
        cmd.arg(&script)
            .arg(&root)
            .arg(port.to_string())
            .arg(pmin.to_string())
            .arg((pmin + 19).to_string())
            .arg(pki.cert())
            .arg(pki.key())
            .stdin(Stdio::null())
            .stderr(Stdio::inherit());
        if versions == Versions::Tls12Only {
            let conf = dir.path().join("openssl-tls12.cnf");
            std::fs::write(&conf, OPENSSL_TLS12_ONLY).expect("write openssl.cnf");
            cmd.env("OPENSSL_CONF", conf);
        }
        let out = cmd.output().expect("run start-vsftpd-tls.sh");
        assert!(out.status.success(), "start-vsftpd-tls.sh failed");
        Vsftpd::started(port, &out.stdout, dir)
    }
}

/// An OpenSSL configuration that caps every TLS context at TLS 1.2.
const OPENSSL_TLS12_ONLY: &str = "openssl_conf = default_conf
[default_conf]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
MaxProtocol = TLSv1.2
";

/// pyftpdlib's TLS_FTPHandler (TLS required on control and data); alice/secret.
pub struct PyFtpdTls {
    server: PyFtpd,
    _dir: tempfile::TempDir,
}

impl PyFtpdTls {
    pub fn start(pki: &TestPki) -> PyFtpdTls {
        let dir = tempdir();
        let server = PyFtpd::start_script(
            "tests/scripts/pyftpd_tls_serve.py",
            dir.path(),
            &[&pki.cert(), &pki.key()],
        );
        PyFtpdTls { server, _dir: dir }
    }
}

impl Remote for PyFtpdTls {
    fn url(&self, rel: &str) -> String {
        format!("ftp://alice:secret@127.0.0.1:{}/{rel}", self.server.port)
    }
    fn root(&self) -> PathBuf {
        self.server.root_dir.clone()
    }
}
