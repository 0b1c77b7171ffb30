//! The local backend's zero-copy syscalls: sendfile(2) from a file to a
//! socket (RETR), and splice(2) from a socket through a pipe into a file
//! (STOR). No byte passes through user space. The transfer code owns the
//! waiting (readiness, timeouts, cancellation); these only move bytes.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd, RawFd};

use crate::storage::{StorageError, ZeroCopyError};

/// Bytes moved per splice call on upload (also the pipe size asked for).
const PIPE: usize = 1 << 20;

/// sendfile up to `want` bytes of `file` from `*pos` to `socket`, advancing
/// `*pos`. `Ok(0)`: the file ended early (it shrank under us).
pub(super) fn sendfile(
    socket: BorrowedFd<'_>,
    file: RawFd,
    pos: &mut u64,
    want: usize,
) -> Result<usize, ZeroCopyError> {
    let mut off = *pos as libc::off_t;
    // SAFETY: both fds are open for the whole call (the caller holds the
    // file and the socket), and `off` is a valid off_t.
    let n = unsafe { libc::sendfile(socket.as_raw_fd(), file, &mut off, want) };
    if n < 0 {
        let e = io::Error::last_os_error();
        // EIO is the disk's fault; everything else is the socket's.
        return Err(match e.raw_os_error() {
            Some(libc::EIO) => ZeroCopyError::Local(StorageError::Io(e)),
            _ => ZeroCopyError::Socket(e),
        });
    }
    *pos += n as u64;
    Ok(n as usize)
}

/// A pipe used as the in-kernel buffer between socket and file.
pub(super) struct Pipe {
    read: OwnedFd,
    write: OwnedFd,
}

impl Pipe {
    pub(super) fn new() -> io::Result<Pipe> {
        use std::os::fd::FromRawFd;
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: `fds` has room for the two descriptors pipe2 writes.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: pipe2 succeeded, so both are fresh descriptors we own.
        let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        // A bigger pipe means fewer calls; failure (a lower limit) is fine.
        // SAFETY: plain fcntl on our own descriptor.
        unsafe { libc::fcntl(write.as_raw_fd(), libc::F_SETPIPE_SZ, PIPE as libc::c_int) };
        Ok(Pipe { read, write })
    }

    /// Move up to `max` (at most `PIPE`) bytes from `socket` into `file` at
    /// `*pos`, advancing it. Returns the bytes taken from the socket; `Ok(0)`
    /// when the peer closed. The pipe is always drained before returning.
    pub(super) fn socket_to_file(
        &self,
        socket: BorrowedFd<'_>,
        file: RawFd,
        pos: &mut u64,
        max: usize,
    ) -> Result<usize, ZeroCopyError> {
        let (pw, pr) = (self.write.as_raw_fd(), self.read.as_raw_fd());
        let moved =
            splice(socket.as_raw_fd(), pw, None, max.min(PIPE)).map_err(ZeroCopyError::Socket)?;
        let mut off = *pos as libc::loff_t;
        let mut left = moved;
        // Drain the pipe into the file (a page-cache write, like pwrite).
        while left > 0 {
            match splice(pr, file, Some(&mut off), left) {
                Ok(0) => {
                    let e = io::Error::from(io::ErrorKind::WriteZero);
                    return Err(ZeroCopyError::Local(StorageError::Io(e)));
                }
                Ok(m) => left -= m,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(ZeroCopyError::Local(e.into())),
            }
        }
        *pos = off as u64;
        Ok(moved)
    }
}

/// splice(2) wrapper: moves up to `len` bytes from `from` to `to`.
fn splice(
    from: RawFd,
    to: RawFd,
    to_off: Option<&mut libc::loff_t>,
    len: usize,
) -> io::Result<usize> {
    let off = match to_off {
        Some(o) => o as *mut libc::loff_t,
        None => std::ptr::null_mut(),
    };
    let flags = libc::SPLICE_F_MOVE | libc::SPLICE_F_NONBLOCK;
    // SAFETY: valid descriptors; `off` is null or points to a live loff_t.
    let n = unsafe { libc::splice(from, std::ptr::null_mut(), to, off, len, flags) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}
