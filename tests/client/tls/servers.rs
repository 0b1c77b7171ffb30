//! Stock FTPS servers for the ftpc TLS tests, each on 127.0.0.1 with the
//! test PKI's certificate: vsftpd requiring TLS and session reuse (TLS 1.3,
//! or capped at 1.2 through OpenSSL's configuration) and pyftpdlib's
//! TLS_FTPHandler. Our own `ftpd` is in `ftpd.rs`.

use std::path::PathBuf;

use super::super::launched::Launched;
use super::super::peers::{Remote, Vsftpd};
use super::super::{tempdir, PyFtpd};
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
/// `Launched` vsftpd (same URL, root, clean-up).
pub struct VsftpdTls;

impl VsftpdTls {
    pub fn start(pki: &TestPki, versions: Versions) -> Launched {
        Vsftpd::launch(|cmd, dir| {
            cmd.arg(pki.cert()).arg(pki.key());
            if versions == Versions::Tls12Only {
                let conf = dir.join("openssl-tls12.cnf");
                std::fs::write(&conf, OPENSSL_TLS12_ONLY).expect("write openssl.cnf");
                cmd.env("OPENSSL_CONF", conf);
            }
        })
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
