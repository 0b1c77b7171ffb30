//! `FtpClient`'s commands on remote paths that need no data connection and
//! answer in one reply: SIZE, MDTM, MLST, MKD, RMD, DELE and renames
//! (RFC 959 §4.1.3, RFC 3659). The connection itself, sending and reading
//! replies live in `client.rs`; transfers in `transfer.rs`.

use ftp_proto::{Command, Reply, ReplyCode};

use crate::client::{refusal, FtpClient};
use crate::error::Result;
use crate::listing::{self, Entry, Timestamp};

/// The byte count of a SIZE reply; `None` when the server cannot say.
fn size_in(reply: &Reply) -> Option<u64> {
    if reply.code != ReplyCode::FILE_STATUS {
        return None;
    }
    reply.text().trim().parse().ok()
}

impl FtpClient {
    /// SIZE, or `None` when the server cannot say (no such file, or no SIZE).
    pub fn size(&mut self, path: &str) -> Result<Option<u64>> {
        let reply = self.send(&Command::Size(path.to_string()))?;
        Ok(size_in(&reply))
    }

    /// MDTM as a UTC timestamp, if the server has it.
    pub fn mdtm(&mut self, path: &str) -> Result<Option<Timestamp>> {
        let reply = self.send(&Command::Mdtm(path.to_string()))?;
        if reply.code != ReplyCode::FILE_STATUS {
            return Ok(None);
        }
        Ok(Timestamp::parse_mdtm(reply.text().trim()))
    }

    /// MLST one path; `Ok(None)` if the server lacks MLST.
    pub fn mlst(&mut self, path: &str) -> Result<Option<Entry>> {
        if !self.features.mlst {
            return Ok(None);
        }
        let cmd = Command::Mlst(Some(path.to_string()).filter(|p| !p.is_empty()));
        let reply = self.expect(&cmd)?;
        // 250-Listing path / " facts name" / 250 End
        Ok(reply
            .lines
            .iter()
            .skip(1)
            .find_map(|l| listing::parse_mlsd_line(l)))
    }

    pub fn mkd(&mut self, path: &str) -> Result<()> {
        self.expect(&Command::Mkd(path.to_string())).map(|_| ())
    }

    pub fn rmd(&mut self, path: &str) -> Result<()> {
        self.expect(&Command::Rmd(path.to_string())).map(|_| ())
    }

    pub fn dele(&mut self, path: &str) -> Result<()> {
        self.expect(&Command::Dele(path.to_string())).map(|_| ())
    }

    /// Two commands and their replies, in one write unless `--no-pipelining`
    /// (the server answers in order), else one round trip each.
    fn send_pair(&mut self, first: Command, second: Command) -> Result<(Reply, Reply)> {
        if self.options.pipelining {
            self.send_all(&[first, second])?;
            Ok((self.read_reply()?, self.read_reply()?))
        } else {
            let reply = self.send(&first)?;
            Ok((reply, self.send(&second)?))
        }
    }

    /// SIZE of two paths together (see `send_pair`), as a resumed upload
    /// asks for its partial file and its target.
    pub fn size_pair(&mut self, a: &str, b: &str) -> Result<(Option<u64>, Option<u64>)> {
        let (a, b) = self.send_pair(Command::Size(a.to_string()), Command::Size(b.to_string()))?;
        Ok((size_in(&a), size_in(&b)))
    }

    /// SIZE and RNFR of one path together (see `send_pair`), for an atomic
    /// upload's check-then-rename: SIZE's answer, and RNFR's reply (350
    /// when the server waits for RNTO). If the size turns out wrong, the
    /// caller simply does not send RNTO; the next command clears the
    /// pending rename.
    pub fn size_and_rnfr(&mut self, path: &str) -> Result<(Option<u64>, Reply)> {
        let (size, rnfr) = self.send_pair(
            Command::Size(path.to_string()),
            Command::Rnfr(path.to_string()),
        )?;
        Ok((size_in(&size), rnfr))
    }

    /// RNTO, after an accepted RNFR.
    pub fn rnto(&mut self, to: &str) -> Result<()> {
        self.expect(&Command::Rnto(to.to_string())).map(|_| ())
    }

    /// RNFR then RNTO (RFC 959 §4.1.3).
    pub fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        let rnfr = Command::Rnfr(from.to_string());
        let reply = self.send(&rnfr)?;
        if reply.code != ReplyCode::PENDING {
            return Err(refusal(&rnfr, reply));
        }
        self.expect(&Command::Rnto(to.to_string())).map(|_| ())
    }
}
