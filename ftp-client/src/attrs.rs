//! `FtpClient`'s commands on what a file is beyond its bytes: its
//! modification time (MFMT, draft-somers-ftp-mfxx, else `SITE UTIME` as
//! proftpd and pure-ftpd take it; read back with MLST or MDTM, RFC 3659)
//! and a digest computed by the server (HASH, draft-bryan-ftp-hash, with
//! `OPTS HASH` to pick the algorithm, else proftpd's XSHA256/XMD5/XCRC...).

use ftp_proto::{Command, HashAlgo, Reply, ReplyCode, SetTime};

use crate::client::{refusal, FtpClient};
use crate::error::{ClientError, Result};
use crate::listing::Timestamp;
use crate::output::escape;

/// How many `--timeout`s a digest reply may take: the server hashes the
/// whole file first (a few GiB at the default 30 s).
const DIGEST_WAIT: u32 = 10;

/// Replies that say a command is not implemented (RFC 959 §4.2): the
/// server lacks the feature, which is no failure of the file.
fn unsupported(reply: &Reply) -> bool {
    matches!(reply.code.0, 500 | 501 | 502 | 504)
}

/// The X* verb that computes `algo` for `path`.
fn x_command(algo: HashAlgo, path: String) -> Command {
    match algo {
        HashAlgo::Sha256 => Command::Xsha256(path),
        HashAlgo::Sha512 => Command::Xsha512(path),
        HashAlgo::Sha1 => Command::Xsha1(path),
        HashAlgo::Md5 => Command::Xmd5(path),
        HashAlgo::Crc32 => Command::Xcrc(path),
    }
}

/// The hex digest in a HASH reply (`213 SHA-256 0-42 HEX path`) or an X*
/// reply (`250 HEX`, proftpd's `250 HEX path`).
fn hex_in(reply: &Reply, hash_reply: bool) -> Option<String> {
    let text = reply.text();
    let mut words = text.split_whitespace();
    let hex = if hash_reply {
        words.nth(2)?
    } else {
        words.next()?
    };
    hex.bytes()
        .all(|b| b.is_ascii_hexdigit())
        .then(|| hex.to_ascii_lowercase())
}

impl FtpClient {
    /// Whether a time set now would hold: MFMT is listed, or SITE UTIME
    /// has worked on this connection.
    pub fn sets_times(&self) -> bool {
        self.features.mfmt || self.utime == Some(true)
    }

    /// Set `path`'s modification time (UTC, to the second). MFMT when FEAT
    /// lists it, else `SITE UTIME path T T T UTC`, tried once per
    /// connection. `Ok(false)`: the server sets no times.
    pub fn set_modified(&mut self, path: &str, t: Timestamp) -> Result<bool> {
        let stamp = t.mdtm();
        if self.features.mfmt {
            let time = ftp_proto::CivilTime::parse(&stamp)
                .ok_or_else(|| ClientError::Protocol(format!("bad time {stamp}")))?;
            let cmd = Command::Mfmt(SetTime {
                time,
                path: path.to_string(),
            });
            self.expect(&cmd)?;
            return Ok(true);
        }
        if self.utime == Some(false) {
            return Ok(false);
        }
        let cmd = Command::Site(format!("UTIME {path} {stamp} {stamp} {stamp} UTC"));
        let reply = self.send(&cmd)?;
        if reply.code.is_success() {
            self.utime = Some(true);
            return Ok(true);
        }
        if self.utime.is_none() && unsupported(&reply) {
            self.utime = Some(false);
            return Ok(false);
        }
        Err(refusal(&cmd, reply))
    }

    /// `path`'s modification time: MLST's `modify` fact, else MDTM (also
    /// when MLST is refused); `None` when the server gives neither.
    pub fn modified(&mut self, path: &str) -> Result<Option<Timestamp>> {
        match self.mlst(path) {
            Ok(Some(entry)) if entry.modified.is_some() => return Ok(entry.modified),
            Ok(_) => {}
            Err(e) if e.is_per_file() => {}
            Err(e) => return Err(e),
        }
        self.mdtm(path)
    }

    /// The algorithm `--checksum` asks for: SHA-256 when offered, else the
    /// first the HASH line lists, else the strongest X* verb listed.
    pub fn best_digest(&self) -> Option<HashAlgo> {
        let f = &self.features;
        if f.hash.contains(&HashAlgo::Sha256) {
            return Some(HashAlgo::Sha256);
        }
        if let Some(first) = f.hash.first() {
            return Some(*first);
        }
        HashAlgo::ALL.into_iter().find(|a| f.x_digests.contains(a))
    }

    /// Whether the server can compute `algo` (HASH or an X* verb).
    pub fn offers_digest(&self, algo: HashAlgo) -> bool {
        self.features.hash.contains(&algo) || self.features.x_digests.contains(&algo)
    }

    /// The server's digest of the whole of `path`, in lowercase hex: HASH
    /// (after `OPTS HASH` when another algorithm is selected), else the
    /// X* verb. The caller checks `offers_digest` first.
    pub fn remote_digest(&mut self, path: &str, algo: HashAlgo) -> Result<String> {
        let (cmd, hash_reply) = if self.features.hash.contains(&algo) {
            if self.hash_algo != Some(algo) {
                self.expect(&Command::Opts(format!("HASH {}", algo.name())))?;
                self.hash_algo = Some(algo);
            }
            (Command::Hash(path.to_string()), true)
        } else {
            (x_command(algo, path.to_string()), false)
        };
        // The server reads the whole file before it answers: allow it
        // DIGEST_WAIT times the usual wait (300 s by default).
        self.set_read_timeout(self.options.timeout * DIGEST_WAIT);
        let reply = self.send(&cmd);
        self.set_read_timeout(self.options.timeout);
        let reply = reply?;
        if reply.code != ReplyCode::FILE_STATUS && reply.code != ReplyCode::FILE_ACTION_OK {
            return Err(refusal(&cmd, reply));
        }
        hex_in(&reply, hash_reply).ok_or_else(|| {
            ClientError::Protocol(format!(
                "cannot read the digest in {:?}",
                escape(&reply.text())
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_read_from_hash_and_x_replies() {
        let hash = Reply::new(ReplyCode::FILE_STATUS, "SHA-256 0-3 BA7816BF a b.txt");
        assert_eq!(hex_in(&hash, true).as_deref(), Some("ba7816bf"));
        let x = Reply::new(ReplyCode::FILE_ACTION_OK, "352441c2 a.txt");
        assert_eq!(hex_in(&x, false).as_deref(), Some("352441c2"));
        let junk = Reply::new(ReplyCode::FILE_STATUS, "SHA-256 0-3 not-hex a");
        assert_eq!(hex_in(&junk, true), None);
    }
}
