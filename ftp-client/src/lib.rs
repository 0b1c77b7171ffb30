//! `ftp-client`: the library behind `ftpc`. `client` holds one control
//! connection with typed methods (`remote` those on paths: SIZE, MKD,
//! renames; `attrs` times and digests), `data` and `transfer` the data connections
//! and byte pumps, `listing` the MLSD/LIST parsers, `commands` one module per
//! subcommand, `tls` and `secure` FTPS (RFC 4217), and `output` the one
//! `Printer` everything is shown through; `retry` the `--retries` policy.
//! Failures are `ClientError`s, each with its documented exit code.

pub mod attrs;
pub mod client;
pub mod commands;
pub mod data;
pub mod error;
pub mod exit;
pub mod features;
pub mod listing;
pub mod netrc;
pub mod output;
pub mod remote;
pub mod retry;
mod secure;
pub mod session;
pub mod signal;
pub mod stream;
pub mod tls;
pub mod transfer;
pub mod url;

pub use client::{ConnectOptions, FtpClient};
pub use error::{ClientError, Result};
pub use url::FtpUrl;
