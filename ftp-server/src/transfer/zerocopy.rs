//! Zero-copy RETR: in binary mode over plain TCP the file goes to the socket
//! with sendfile(2), so no byte passes through user space. ASCII mode and
//! TLS keep the copying path in the parent module.

use std::io;
use std::os::fd::AsRawFd;
use std::sync::atomic::Ordering;

use tokio::io::Interest;
use tokio::net::TcpStream;

use super::{Copy, Fail};

/// Largest single sendfile call; keeps each call short so cancellation and
/// progress stay responsive.
const CHUNK: usize = 4 << 20;

impl Copy<'_> {
    /// Send `file` from `offset` to its end (as it was when the transfer
    /// started: the length the 150 reply announced).
    pub(super) async fn sendfile(
        &self,
        file: &std::fs::File,
        mut offset: u64,
        tcp: &TcpStream,
    ) -> Result<(), Fail> {
        let len = file.metadata().map_err(Fail::Local)?.len();
        let (in_fd, out_fd) = (file.as_raw_fd(), tcp.as_raw_fd());
        while offset < len {
            let ready = tokio::select! {
                r = tokio::time::timeout(self.timeout, tcp.writable()) => r,
                _ = self.cancel.cancelled() => return Err(Fail::Aborted),
            };
            match ready {
                Err(_) => return Err(Fail::Stalled),
                Ok(Err(e)) => return Err(Fail::Network(e)),
                Ok(Ok(())) => {}
            }
            let want = usize::try_from(len - offset).unwrap_or(CHUNK).min(CHUNK);
            let mut off = offset as libc::off_t;
            let sent = tcp.try_io(Interest::WRITABLE, || {
                // SAFETY: both fds are open for the whole call (we hold the
                // file and the stream), and `off` is a valid off_t.
                let n = unsafe { libc::sendfile(out_fd, in_fd, &mut off, want) };
                if n < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(n as u64)
                }
            });
            match sent {
                // The file shrank under us: stop at its new end.
                Ok(0) => return Ok(()),
                Ok(n) => {
                    offset += n;
                    self.progress.fetch_add(n, Ordering::Relaxed);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) if e.raw_os_error() == Some(libc::EIO) => return Err(Fail::Local(e)),
                Err(e) => return Err(Fail::Network(e)),
            }
        }
        Ok(())
    }
}

/// Bytes moved per splice call on upload (also the pipe size asked for).
const PIPE: usize = 1 << 20;

/// A pipe used as the in-kernel buffer between socket and file.
struct Pipe {
    read: std::os::fd::OwnedFd,
    write: std::os::fd::OwnedFd,
}

impl Pipe {
    fn new() -> io::Result<Pipe> {
        use std::os::fd::FromRawFd;
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: `fds` has room for the two descriptors pipe2 writes.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: pipe2 succeeded, so both are fresh descriptors we own.
        let (read, write) = unsafe {
            (
                std::os::fd::OwnedFd::from_raw_fd(fds[0]),
                std::os::fd::OwnedFd::from_raw_fd(fds[1]),
            )
        };
        // A bigger pipe means fewer calls; failure (a lower limit) is fine.
        // SAFETY: plain fcntl on our own descriptor.
        unsafe { libc::fcntl(write.as_raw_fd(), libc::F_SETPIPE_SZ, PIPE as libc::c_int) };
        Ok(Pipe { read, write })
    }
}

/// splice(2) wrapper: moves up to `len` bytes from `from` to `to`.
fn splice(from: i32, to: i32, to_off: Option<&mut libc::loff_t>, len: usize) -> io::Result<usize> {
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

impl Copy<'_> {
    /// Zero-copy STOR in binary mode over plain TCP: socket → pipe → file
    /// with splice(2), writing at `offset`. Returns the bytes written.
    pub(super) async fn splice_in(
        &self,
        tcp: &TcpStream,
        file: &std::fs::File,
        offset: u64,
    ) -> Result<u64, Fail> {
        let pipe = Pipe::new().map_err(Fail::Local)?;
        let (sock, pw, pr, fd) = (
            tcp.as_raw_fd(),
            pipe.write.as_raw_fd(),
            pipe.read.as_raw_fd(),
            file.as_raw_fd(),
        );
        let mut pos = offset as libc::loff_t;
        loop {
            let ready = tokio::select! {
                r = tokio::time::timeout(self.timeout, tcp.readable()) => r,
                _ = self.cancel.cancelled() => return Err(Fail::Aborted),
            };
            match ready {
                Err(_) => return Err(Fail::Stalled),
                Ok(Err(e)) => return Err(Fail::Network(e)),
                Ok(Ok(())) => {}
            }
            let moved = tcp.try_io(Interest::READABLE, || splice(sock, pw, None, PIPE));
            let mut n = match moved {
                Ok(0) => {
                    self.settle().await?;
                    return Ok(pos as u64 - offset);
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(Fail::Network(e)),
            };
            self.progress.fetch_add(n as u64, Ordering::Relaxed);
            // Drain the pipe into the file (a page-cache write, like the
            // copying path's pwrite).
            while n > 0 {
                match splice(pr, fd, Some(&mut pos), n) {
                    Ok(0) => return Err(Fail::Local(io::Error::from(io::ErrorKind::WriteZero))),
                    Ok(m) => n -= m,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(Fail::Local(e)),
                }
            }
        }
    }
}
