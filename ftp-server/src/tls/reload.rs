//! Certificate reload: certificates from an ACME client are renewed every
//! 60 to 90 days, and restarting the server for that would drop every
//! session. The server's TLS configuration asks this resolver for its
//! certificate at each handshake; SIGHUP reads the files again and swaps
//! the certificate in. Sessions already running keep theirs (their data
//! connections resume the control session's TLS session), and a new
//! certificate that cannot be loaded leaves the old one in place.

use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::TlsError;

/// The certificate and key files, and what was last loaded from them.
pub struct CertReloader {
    cert: PathBuf,
    key: PathBuf,
    current: RwLock<Arc<CertifiedKey>>,
}

impl std::fmt::Debug for CertReloader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertReloader")
            .field("cert", &self.cert)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl CertReloader {
    /// Load the files now; an error here stops the server from starting.
    pub fn new(cert: &Path, key: &Path) -> Result<CertReloader, TlsError> {
        Ok(CertReloader {
            current: RwLock::new(Arc::new(load(cert, key)?)),
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
        })
    }

    /// Read the files again and use them for new handshakes; on error the
    /// current certificate stays. Returns the new certificate's SHA-256.
    pub fn reload(&self) -> Result<String, TlsError> {
        let fresh = load(&self.cert, &self.key)?;
        let fingerprint = super::fingerprint(fresh.end_entity_cert().map_or(&[][..], |c| c));
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(fresh);
        Ok(fingerprint)
    }

    /// The certificate file, for the log.
    pub fn cert_path(&self) -> &Path {
        &self.cert
    }
}

impl ResolvesServerCert for CertReloader {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        )
    }
}

/// A PEM chain and key, checked to belong together.
fn load(cert: &Path, key: &Path) -> Result<CertifiedKey, TlsError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|source| TlsError::Cert {
            path: cert.display().to_string(),
            source,
        })?;
    if certs.is_empty() {
        return Err(TlsError::NoCert(cert.display().to_string()));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|source| TlsError::Key {
        path: key.display().to_string(),
        source,
    })?;
    let signing = rustls::crypto::ring::sign::any_supported_type(&key)?;
    let certified = CertifiedKey::new(certs, signing);
    certified.keys_match()?;
    Ok(certified)
}
