//! What a transfer keeps and checks beyond the bytes. Modification times
//! are kept by default (`--no-preserve-times` turns that off): an upload
//! sets the remote time (MFMT, else SITE UTIME), a download the local one
//! (from the listing, MLST or MDTM). With `--checksum`, the server's digest
//! of the file (HASH or an X* verb) is compared with the local one before
//! the file takes its real name; a mismatch removes what was written. A
//! server with neither gets one warning per run, and sizes are still checked.

use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use ftp_proto::{Digest, HashAlgo};

use crate::client::FtpClient;
use crate::error::{ClientError, Result};
use crate::listing::Timestamp;
use crate::output::Printer;

/// Bytes read and hashed at a time.
const CHUNK: usize = 256 * 1024;

/// The run's `--checksum` and time settings, handed to every transfer.
#[derive(Clone, Copy)]
pub struct Keep<'a> {
    pub printer: &'a Printer,
    /// Keep modification times (not `--no-preserve-times`).
    pub times: bool,
    /// `--checksum`: compare digests after each transfer.
    pub checksum: bool,
    /// Set once a warning was printed, so a tree gets one line, not one per file.
    warned: &'a AtomicBool,
}

impl<'a> Keep<'a> {
    pub fn new(printer: &'a Printer, times: bool, checksum: bool, warned: &'a AtomicBool) -> Self {
        Keep {
            printer,
            times,
            checksum,
            warned,
        }
    }

    /// A warning, printed at most once per run.
    fn warn_once(&self, msg: &str) {
        if !self.warned.swap(true, Ordering::SeqCst) {
            self.printer.error(&format!("ftpc: warning: {msg}"));
        }
    }

    /// The algorithm to check with on this server; `None` when `--checksum`
    /// is off or the server offers no digest (warned once).
    pub fn algo(&self, client: &FtpClient) -> Option<HashAlgo> {
        if !self.checksum {
            return None;
        }
        let algo = client.best_digest();
        if algo.is_none() {
            self.warn_once(
                "--checksum: the server offers no HASH or X* digest; transfers are checked by size only",
            );
        }
        algo
    }

    /// Compare the server's digest of `remote` with `local` (hex of `algo`).
    pub fn compare(
        &self,
        client: &mut FtpClient,
        remote: &str,
        algo: HashAlgo,
        local: String,
    ) -> Result<()> {
        let theirs = client.remote_digest(remote, algo)?;
        if theirs == local {
            self.printer
                .verbose(&format!("{remote}: {} {local} matches", algo.name()));
            return Ok(());
        }
        Err(ClientError::Checksum {
            path: remote.to_string(),
            algo: algo.name(),
            local,
            remote: theirs,
        })
    }

    /// After an upload: give `remote` the local file's time. A server that
    /// sets no times, or refuses this one, gets a warning; the file stays.
    pub fn set_remote_time(&self, client: &mut FtpClient, remote: &str, t: Timestamp) {
        if !self.times {
            return;
        }
        match client.set_modified(remote, t) {
            Ok(true) => {}
            Ok(false) => self.warn_once(
                "the server offers neither MFMT nor SITE UTIME: uploaded files get the time of the upload",
            ),
            Err(e) => self
                .printer
                .error(&format!("ftpc: warning: {remote}: time not kept: {e}")),
        }
    }

    /// After a download: give `local` the remote time, `known` (from an
    /// MLSD listing) or else asked for (MLST, MDTM). The file is in place
    /// already, so a time that cannot be read or set is a warning; only a
    /// dead connection is an error.
    pub fn set_local_time(
        &self,
        client: &mut FtpClient,
        remote: &str,
        local: &Path,
        known: Option<Timestamp>,
    ) -> Result<()> {
        if !self.times {
            return Ok(());
        }
        let t = match known {
            Some(t) => Some(t),
            None => match client.modified(remote) {
                Ok(t) => t,
                Err(e) if e.is_per_file() => None,
                Err(e) => return Err(e),
            },
        };
        let Some(when) = t.and_then(Timestamp::to_system_time) else {
            self.printer
                .verbose(&format!("{remote}: the server gives no time; not kept"));
            return Ok(());
        };
        let set = std::fs::File::options()
            .write(true)
            .open(local)
            .and_then(|f| f.set_modified(when));
        if let Err(e) = set {
            let e = ClientError::local(format!("set the time of {}", local.display()), e);
            self.printer.error(&format!("ftpc: warning: {e}"));
        }
        Ok(())
    }
}

/// The digest of everything `reader` yields.
pub fn read_digest(reader: &mut dyn Read, algo: HashAlgo) -> std::io::Result<String> {
    let mut digest = Digest::new(algo);
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        digest.update(&buf[..n]);
    }
    Ok(digest.finish_hex())
}

/// The digest of the local file `path`.
pub fn file_digest(path: &Path, algo: HashAlgo) -> Result<String> {
    std::fs::File::open(path)
        .and_then(|mut f| read_digest(&mut f, algo))
        .map_err(|e| ClientError::local(format!("hash {}", path.display()), e))
}

/// A local file's modification time, to the second.
pub fn local_time(meta: &std::fs::Metadata) -> Option<Timestamp> {
    meta.modified().ok().map(Timestamp::from_system_time)
}
