//! What `put` reads from: a file, which can seek (for resume) and be read
//! again for `--checksum`, or stdin, which can do neither and is hashed as
//! it is sent.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use ftp_proto::{Digest, HashAlgo};

use super::keep::read_digest;

/// A file that can seek (for resume) or a stream that cannot.
pub trait Upload: Read {
    fn seek_to(&mut self, offset: u64) -> std::io::Result<()>;
    /// The digest of the whole source, for `--checksum`, once it was sent.
    fn digest(&mut self, algo: HashAlgo) -> std::io::Result<String>;
}

impl Upload for File {
    fn seek_to(&mut self, offset: u64) -> std::io::Result<()> {
        self.seek(SeekFrom::Start(offset)).map(|_| ())
    }
    /// Read again from the start: the file may have been sent in parts.
    fn digest(&mut self, algo: HashAlgo) -> std::io::Result<String> {
        self.seek_to(0)?;
        read_digest(self, algo)
    }
}

/// Stdin, hashed as it is read, since it cannot be read twice.
pub(super) struct Hashing<R> {
    pub inner: R,
    pub digest: Option<(HashAlgo, Digest)>,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some((_, d)) = &mut self.digest {
            d.update(&buf[..n]);
        }
        Ok(n)
    }
}

impl<R: Read> Upload for Hashing<R> {
    fn seek_to(&mut self, _: u64) -> std::io::Result<()> {
        Err(std::io::Error::other("stdin cannot be resumed"))
    }
    fn digest(&mut self, algo: HashAlgo) -> std::io::Result<String> {
        match self.digest.take() {
            Some((a, d)) if a == algo => Ok(d.finish_hex()),
            _ => Err(std::io::Error::other("stdin was not hashed")),
        }
    }
}
