//! Zero-copy transfers, when the storage offers them (the local backend:
//! sendfile for RETR, splice for STOR) and the connection is plain TCP in
//! binary mode. The storage moves the bytes; this code owns the waiting:
//! socket readiness, the data timeout, cancellation and progress.

use std::io;
use std::os::fd::AsFd;
use std::sync::atomic::Ordering;

use tokio::io::Interest;
use tokio::net::TcpStream;

use super::copy::Copy;
use super::Fail;
use crate::storage::{SendToSocket, SpliceFromSocket, ZeroCopyError};

/// Largest single sendfile call; keeps each call short so cancellation and
/// progress stay responsive.
const CHUNK: usize = 4 << 20;
/// Most bytes taken from the socket per splice call.
const SPLICE: usize = 1 << 20;

/// Wait until `tcp` is ready for `interest`, bounded and cancellable.
async fn ready(copy: &Copy<'_>, tcp: &TcpStream, interest: Interest) -> Result<(), Fail> {
    let ready = tokio::select! {
        r = tokio::time::timeout(copy.timeout, tcp.ready(interest)) => r,
        _ = copy.cancel.cancelled() => return Err(Fail::Aborted),
    };
    match ready {
        Err(_) => Err(Fail::Stalled),
        Ok(Err(e)) => Err(Fail::Network(e)),
        Ok(Ok(_)) => Ok(()),
    }
}

/// One zero-copy step inside `try_io`: a socket error (`WouldBlock` among
/// them, which clears tokio's readiness) goes out as the io error, a
/// storage error comes back inside.
fn step(
    tcp: &TcpStream,
    interest: Interest,
    f: impl FnOnce() -> Result<usize, ZeroCopyError>,
) -> io::Result<Result<usize, Fail>> {
    tcp.try_io(interest, || match f() {
        Ok(n) => Ok(Ok(n)),
        Err(ZeroCopyError::Socket(e)) => Err(e),
        Err(ZeroCopyError::Local(e)) => Ok(Err(Fail::Local(e))),
    })
}

impl Copy<'_> {
    /// Send the stream to its end (the length the 150 reply announced).
    pub(super) async fn sendfile(
        &self,
        source: &mut dyn SendToSocket,
        tcp: &TcpStream,
    ) -> Result<(), Fail> {
        loop {
            let max = self.paced(CHUNK).await?;
            ready(self, tcp, Interest::WRITABLE).await?;
            match step(tcp, Interest::WRITABLE, || source.send_to(tcp.as_fd(), max)) {
                // The end (or the file shrank under us: stop at its new end).
                Ok(Ok(0)) => return Ok(()),
                Ok(Ok(n)) => {
                    self.progress.fetch_add(n as u64, Ordering::Relaxed);
                }
                Ok(Err(fail)) => return Err(fail),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(Fail::Network(e)),
            }
        }
    }

    /// Receive into the upload until the peer's EOF, then settle.
    pub(super) async fn splice_in(
        &self,
        tcp: &TcpStream,
        sink: &mut dyn SpliceFromSocket,
    ) -> Result<(), Fail> {
        loop {
            let max = self.paced(SPLICE).await?;
            ready(self, tcp, Interest::READABLE).await?;
            match step(tcp, Interest::READABLE, || {
                sink.splice_from(tcp.as_fd(), max)
            }) {
                Ok(Ok(0)) => return self.settle().await,
                Ok(Ok(n)) => {
                    self.progress.fetch_add(n as u64, Ordering::Relaxed);
                }
                Ok(Err(fail)) => return Err(fail),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(Fail::Network(e)),
            }
        }
    }
}
