//! End-to-end tests of `ftpd`: each test starts a real server on 127.0.0.1
//! port 0 with a temporary root and drives it with a stock client (curl,
//! lftp, Python's ftplib, ncftp, rclone, tnftp, wget, FileZilla under Xvfb)
//! or with raw protocol lines, then checks what happened on disk by content
//! hash, or the exact replies.

mod curl;
mod filezilla;
mod ftplib;
mod lftp;
mod ncftp;
mod protocol;
mod rclone;
mod tls_clients;
mod tnftp;
mod wget;
