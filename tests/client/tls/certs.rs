//! A throwaway PKI made by each test (rcgen): a CA, and a server certificate
//! for 127.0.0.1 and localhost signed by it, written as PEM files that
//! vsftpd, pyftpdlib and ftpd load and that `ftpc --ca-file` trusts.

use std::path::PathBuf;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

pub struct TestPki {
    dir: tempfile::TempDir,
}

impl TestPki {
    pub fn new() -> TestPki {
        let dir = tempfile::tempdir().expect("tempdir");
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "ftpc test CA");
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca.self_signed(&ca_key).expect("self-sign CA");
        let issuer = Issuer::new(ca, ca_key);

        let key = KeyPair::generate().expect("server key");
        let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".into()])
            .expect("server params");
        leaf.distinguished_name
            .push(DnType::CommonName, "127.0.0.1");
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let cert = leaf.signed_by(&key, &issuer).expect("sign server cert");

        let pki = TestPki { dir };
        std::fs::write(pki.ca(), ca_cert.pem()).expect("write CA");
        std::fs::write(pki.cert(), cert.pem()).expect("write cert");
        std::fs::write(pki.key(), key.serialize_pem()).expect("write key");
        pki
    }

    /// The CA certificate, for `--ca-file`.
    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// The server certificate.
    pub fn cert(&self) -> PathBuf {
        self.dir.path().join("server.pem")
    }

    /// The server's private key (PKCS#8 PEM).
    pub fn key(&self) -> PathBuf {
        self.dir.path().join("server.key")
    }

    /// `--ca-file` as a string argument.
    pub fn ca_arg(&self) -> String {
        self.ca().to_str().expect("utf8").to_string()
    }
}
