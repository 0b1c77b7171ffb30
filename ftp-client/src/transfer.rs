//! Transfers over a data connection: RETR (with REST), STOR/APPE, and the
//! MLSD/LIST byte streams behind `list_dir`. One pump moves the bytes, checks
//! for Ctrl-C between chunks and reports progress; on Ctrl-C or a local error
//! the client sends ABOR and drains the replies so the session stays usable.
//! `check_size` is the verdict every transfer (get, put, cat) ends with.

use std::io::{Read, Write};
use std::time::Duration;

use ftp_proto::{Command, ReplyCode};

use crate::client::{refusal, FtpClient};
use crate::error::{ClientError, Result};
use crate::listing::{self, Entry, Timestamp};
use crate::stream::Stream;

/// Largest listing accepted from a server (a hostile one must not exhaust memory).
const MAX_LISTING: u64 = 256 * 1024 * 1024;
const CHUNK: usize = 256 * 1024;

/// A byte count that disagrees with the server's SIZE is an error.
pub fn check_size(path: &str, expected: Option<u64>, got: u64) -> Result<()> {
    match expected {
        Some(e) if e != got => Err(ClientError::SizeMismatch {
            path: path.to_string(),
            expected: e,
            got,
        }),
        _ => Ok(()),
    }
}

/// Where a copy failed.
#[derive(Debug)]
pub enum PumpError {
    Read(std::io::Error),
    Write(std::io::Error),
    Interrupted,
}

thread_local! {
    /// Each thread's copy buffer, kept between transfers: allocating (and
    /// zeroing) 256 KiB per file cost more than moving a 4 KiB file.
    static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Copy until EOF, calling `progress` with each chunk's size, at most
/// `rate` bytes per second when given (`--limit-rate`).
pub fn pump(
    src: &mut dyn Read,
    dst: &mut dyn Write,
    progress: &mut dyn FnMut(u64),
    rate: Option<u64>,
) -> std::result::Result<u64, PumpError> {
    BUF.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            if buf.len() < CHUNK {
                buf.resize(CHUNK, 0);
            }
            copy(src, dst, progress, &mut buf, rate)
        }
        Err(_) => copy(src, dst, progress, &mut vec![0u8; CHUNK], rate),
    })
}

/// `--limit-rate`: before each read, sleep until the bytes moved so far
/// are due, and read about a tenth of a second's worth at a time, so the
/// pace is smooth (curl's behaviour). A cap only slows a transfer down.
struct Limit {
    rate: u64,
    start: std::time::Instant,
}

impl Limit {
    fn step(&self, max: usize) -> usize {
        usize::try_from((self.rate / 10).max(16 * 1024)).map_or(max, |s| s.min(max))
    }

    fn wait(&self, done: u64) {
        let due = self.start + std::time::Duration::from_secs_f64(done as f64 / self.rate as f64);
        let now = std::time::Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
    }
}

fn copy(
    src: &mut dyn Read,
    dst: &mut dyn Write,
    progress: &mut dyn FnMut(u64),
    buf: &mut [u8],
    rate: Option<u64>,
) -> std::result::Result<u64, PumpError> {
    let limit = rate.map(|rate| Limit {
        rate: rate.max(1),
        start: std::time::Instant::now(),
    });
    let mut total = 0u64;
    loop {
        if crate::signal::interrupted() {
            return Err(PumpError::Interrupted);
        }
        let step = match &limit {
            Some(l) => {
                l.wait(total);
                l.step(buf.len())
            }
            None => buf.len(),
        };
        let n = match src.read(&mut buf[..step]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(PumpError::Read(e)),
        };
        dst.write_all(&buf[..n]).map_err(PumpError::Write)?;
        total += n as u64;
        progress(n as u64);
    }
    dst.flush().map_err(PumpError::Write)?;
    Ok(total)
}

impl FtpClient {
    /// Open the data connection, send REST (when `offset > 0`) and `cmd`.
    /// REST goes right before the transfer command, after EPSV/PASV: servers
    /// may forget the offset at any other command (RFC 3659 §5.5).
    /// `Ok(None)` when the server answered 2xx at once (nothing to transfer).
    fn start_transfer(&mut self, cmd: &Command, offset: u64) -> Result<Option<Box<dyn Stream>>> {
        if offset == 0
            && self.options.pipelining
            && !self.options.active
            && self.epsv_worked
            && !self.epsv_failed
        {
            return self.start_pipelined(cmd);
        }
        let pending = self.open_data()?;
        if offset > 0 {
            let rest = Command::Rest(offset);
            let reply = self.send(&rest)?;
            if reply.code != ReplyCode::PENDING {
                return Err(refusal(&rest, reply));
            }
        }
        let reply = self.send(cmd)?;
        self.transfer_started(cmd, reply, pending)
    }

    /// Act on the transfer command's reply: 1xx opens the data stream,
    /// 2xx means nothing to transfer, anything else is a refusal.
    fn transfer_started(
        &mut self,
        cmd: &Command,
        reply: ftp_proto::Reply,
        pending: super::data::Pending,
    ) -> Result<Option<Box<dyn Stream>>> {
        if reply.code.is_preliminary() {
            self.finish_data(pending).map(Some)
        } else if reply.code.is_success() {
            Ok(None)
        } else {
            Err(refusal(cmd, reply))
        }
    }

    /// EPSV and the transfer command in one write, once EPSV has worked on
    /// this connection: a round trip less per file. The server answers in
    /// order: 229 (the client connects to the port it names), then 150 once
    /// the data connection is there. A server that waits for the data
    /// connection before reading its next command is fine too: by then
    /// the client has connected.
    fn start_pipelined(&mut self, cmd: &Command) -> Result<Option<Box<dyn Stream>>> {
        let epsv = Command::Epsv(ftp_proto::EpsvArg::Any);
        self.send_all(&[epsv.clone(), cmd.clone()])?;
        let reply = self.read_reply()?;
        if reply.code != ReplyCode::EXTENDED_PASSIVE {
            // The transfer command gets its own (failure) reply: read it so
            // the connection stays in step, and report the EPSV refusal.
            let _ = self.read_reply();
            return Err(refusal(&epsv, reply));
        }
        let data = match self.connect_epsv(&reply) {
            Ok(d) => d,
            Err(e) => {
                // The server now waits for a data connection that will
                // not come: abort the command so the session stays usable.
                self.abort();
                return Err(e);
            }
        };
        let reply = self.read_reply()?;
        self.transfer_started(cmd, reply, super::data::Pending::Connected(data))
    }

    /// Read the reply that closes a transfer (226/250).
    fn end_transfer(&mut self, cmd: &Command) -> Result<()> {
        let reply = self.read_reply()?;
        if reply.code.is_success() {
            Ok(())
        } else {
            Err(self.transfer_refusal(cmd, reply))
        }
    }

    /// ABOR (RFC 959 §4.1.3) and drain its replies (426 then 226, or just 226).
    pub(crate) fn abort(&mut self) {
        if self.send_only(&Command::Abor).is_err() {
            return;
        }
        self.set_read_timeout(Duration::from_secs(5));
        for _ in 0..2 {
            match self.read_reply() {
                Ok(r) if r.code == ReplyCode::TRANSFER_ABORTED || r.code.is_preliminary() => {
                    continue
                }
                _ => break,
            }
        }
        self.set_read_timeout(self.options.timeout);
    }

    fn finish_pump(
        &mut self,
        cmd: &Command,
        mut data: Box<dyn Stream>,
        outcome: std::result::Result<u64, PumpError>,
        net_side_reads: bool,
    ) -> Result<u64> {
        if outcome.is_ok() {
            // The server's reply below is the verdict on the transfer.
            if let Err(e) = data.close() {
                tracing::debug!("closing the data connection: {e}");
            }
        }
        drop(data);
        match outcome {
            Ok(n) => self.end_transfer(cmd).map(|_| n),
            Err(PumpError::Interrupted) => {
                self.abort();
                Err(ClientError::Interrupted)
            }
            Err(PumpError::Read(e)) if net_side_reads => Err(self.data_failure(cmd, e)),
            Err(PumpError::Write(e)) if !net_side_reads => Err(self.data_failure(cmd, e)),
            Err(PumpError::Read(e) | PumpError::Write(e)) => {
                self.abort();
                Err(ClientError::local("local file", e))
            }
        }
    }

    /// RETR `path` from byte `offset` (REST) into `sink`.
    pub fn retrieve(
        &mut self,
        path: &str,
        offset: u64,
        sink: &mut dyn Write,
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64> {
        let cmd = Command::Retr(path.to_string());
        let Some(mut data) = self.start_transfer(&cmd, offset)? else {
            return Ok(0);
        };
        let outcome = pump(&mut data, sink, progress, self.options.limit_rate);
        self.finish_pump(&cmd, data, outcome, true)
    }

    /// STOR (or APPE when `append`) `path` from `source`.
    pub fn store(
        &mut self,
        path: &str,
        append: bool,
        source: &mut dyn Read,
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64> {
        let cmd = if append {
            Command::Appe(path.to_string())
        } else {
            Command::Stor(path.to_string())
        };
        let Some(mut data) = self.start_transfer(&cmd, 0)? else {
            return Ok(0);
        };
        let outcome = pump(source, &mut data, progress, self.options.limit_rate);
        self.finish_pump(&cmd, data, outcome, false)
    }

    /// The raw bytes of a listing command, bounded by `MAX_LISTING`.
    fn list_raw(&mut self, cmd: &Command) -> Result<Vec<u8>> {
        let Some(data) = self.start_transfer(cmd, 0)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let mut limited = data.take(MAX_LISTING);
        let outcome = pump(&mut limited, &mut out, &mut |_| {}, None);
        self.finish_pump(cmd, limited.into_inner(), outcome, true)?;
        Ok(out)
    }

    /// The entries of a remote directory: MLSD when FEAT offered MLST, else
    /// LIST parsed as Unix or DOS lines. `.`/`..` are not returned.
    pub fn list_dir(&mut self, path: &str) -> Result<Vec<Entry>> {
        if self.features.mlst {
            let cmd = Command::Mlsd(Some(path.to_string()).filter(|p| !p.is_empty()));
            let raw = self.list_raw(&cmd)?;
            return Ok(listing::parse_mlsd(&String::from_utf8_lossy(&raw)));
        }
        // CWD into the directory so that names with spaces, dashes or glob
        // characters are never read as LIST options or patterns.
        self.cwd(path)?;
        let listed = match self.list_raw(&Command::List(Some("-a".into()))) {
            Err(ClientError::NotFound { .. } | ClientError::Refused { .. }) => {
                self.list_raw(&Command::List(None))
            }
            other => other,
        };
        let back = self.cwd("");
        let raw = listed?;
        back?;
        Ok(listing::parse_list(
            &String::from_utf8_lossy(&raw),
            Timestamp::now(),
        ))
    }
}
