//! The one end-to-end test binary: real `ftpd` servers on port 0 with temporary
//! roots, driven by stock clients (curl, lftp, Python's ftplib) and by `ftpc`;
//! `ftpc` is also driven against pyftpdlib and vsftpd. Files are checked on
//! disk by content hash.

mod accounts;
mod bench_smoke;
mod cli;
mod client;
mod config;
mod docs;
mod faults;
mod limits;
mod listing_memory;
mod load;
mod metrics;
mod protocol_log;
mod proxy;
mod rates;
mod robustness;
mod s3;
mod server;
mod support;
mod systemd;
mod tls;
mod tls_reload;
mod xferlog;
