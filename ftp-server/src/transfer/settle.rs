//! The post-upload settle: how an upload tells "the client finished" from
//! "the client died".
//!
//! In stream mode (RFC 959 §3.4.1) the end of the data connection is the
//! only end-of-file marker, and a client killed mid-upload also closes its
//! data connection: both look like EOF. What differs is the control
//! connection. A client that finished keeps it open to read the 226; a
//! dead process has all its sockets closed by the kernel, one after the
//! other, within microseconds. So at data EOF the upload waits
//! `UPLOAD_SETTLE` (300 µs) and then looks at the control socket: if the
//! peer has closed it (POLLRDHUP/POLLHUP/POLLERR), or the session cancelled
//! the transfer meanwhile, the upload is treated as interrupted and
//! aborted, so half a file never replaces the target.
//!
//! It is a heuristic: a client that closes its control connection within
//! 300 µs of a complete upload, without waiting for the 226, loses the
//! upload (such a client cannot learn whether it worked); and a dying client
//! whose control close arrives more than 300 µs after its data close is
//! not caught (`faults::client_killed_mid_stor_leaves_the_old_file_intact`
//! passed 15 of 15 runs with two CPU hogs). The wait is a timerfd: tokio's
//! timers round up to a millisecond, which would cost every small upload
//! that much, and polling in a loop burnt the CPU that parallel small
//! uploads need.

use std::os::fd::RawFd;
use std::time::Duration;

/// How long an upload waits after its data EOF for a control-connection
/// close that would mean the client died.
pub(super) const UPLOAD_SETTLE: Duration = Duration::from_micros(300);

/// Sleep for `d` with microsecond precision on a non-blocking timerfd
/// registered with the runtime; falls back to tokio's (millisecond) timer
/// if a timerfd cannot be had.
pub(super) async fn precise_sleep(d: Duration) {
    match TimerFd::new(d) {
        Ok(t) => t.wait().await,
        Err(_) => tokio::time::sleep(d).await,
    }
}

/// A one-shot CLOCK_MONOTONIC timerfd.
struct TimerFd(tokio::io::unix::AsyncFd<std::os::fd::OwnedFd>);

impl TimerFd {
    fn new(d: Duration) -> std::io::Result<TimerFd> {
        use std::os::fd::FromRawFd;
        // SAFETY: plain syscall; the result is checked before use.
        let fd = unsafe {
            libc::timerfd_create(
                libc::CLOCK_MONOTONIC,
                libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
            )
        };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `fd` was just created and is owned by nobody else.
        let owned = unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) };
        let spec = libc::itimerspec {
            it_interval: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: libc::timespec {
                tv_sec: d.as_secs() as libc::time_t,
                // At least 1 ns: an all-zero value would disarm the timer.
                tv_nsec: (d.subsec_nanos() as libc::c_long).max(1),
            },
        };
        // SAFETY: `owned` is a valid timerfd and `spec` outlives the call.
        let rc = unsafe { libc::timerfd_settime(fd, 0, &spec, std::ptr::null_mut()) };
        if rc < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: an OwnedFd keeps its descriptor open and unchanged for as
        // long as the AsyncFd that owns it lives.
        let fd = unsafe {
            tokio::io::unix::AsyncFd::register_with_interest(owned, tokio::io::Interest::READABLE)
        }
        .map_err(std::io::Error::from)?;
        Ok(TimerFd(fd))
    }

    /// Wait until the timer has expired.
    async fn wait(&self) {
        loop {
            let Ok(mut guard) = self.0.readable().await else {
                return;
            };
            let mut expirations = 0u64;
            // SAFETY: reads 8 bytes into a live u64 from a valid timerfd.
            let n = unsafe {
                libc::read(
                    std::os::fd::AsRawFd::as_raw_fd(self.0.get_ref()),
                    (&mut expirations as *mut u64).cast(),
                    8,
                )
            };
            if n == 8 {
                return;
            }
            if std::io::Error::last_os_error().kind() != std::io::ErrorKind::WouldBlock {
                return;
            }
            guard.clear_ready();
        }
    }
}

/// True if the peer has closed (or reset) the socket `fd`: poll without
/// waiting for POLLRDHUP/POLLHUP/POLLERR.
pub(super) fn peer_closed(fd: RawFd) -> bool {
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLRDHUP,
        revents: 0,
    };
    // SAFETY: `pfd` is a valid pollfd for the duration of the call, and the
    // session keeps `fd` open until this transfer has finished.
    let n = unsafe { libc::poll(&mut pfd, 1, 0) };
    n > 0 && pfd.revents & (libc::POLLRDHUP | libc::POLLHUP | libc::POLLERR) != 0
}
