//! `Stream`: the byte stream FTP is spoken over, plain TCP or TLS. It sits
//! below both `client` (which owns a control stream) and `tls` (which makes
//! TLS ones), so neither has to import the other for it.

use std::io::{Read, Write};
use std::net::TcpStream;

/// A byte stream the client can speak FTP over: plain TCP or TLS.
pub trait Stream: Read + Write + Send {
    /// End the stream cleanly once a transfer is complete (TLS sends
    /// close_notify). Plain TCP has nothing to add: dropping closes it.
    fn close(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Stream for TcpStream {}
