//! `ftp-proto`: the FTP wire format shared by `ftpd` and `ftpc`, with no sockets
//! and no filesystem. Commands (`command`, generated from its verb table),
//! replies (`reply`), control-line framing (`codec`), data-connection address
//! formats (`address`), UTC timestamps (`time`), file digests (`digest`)
//! and the shell-style patterns both sides match names with (`glob`).

pub mod address;
pub mod codec;
pub mod command;
pub mod digest;
pub mod glob;
pub mod rate;
pub mod reply;
pub mod time;

pub use address::AddressError;
pub use codec::{Frame, LineBuffer, DEFAULT_MAX_LINE};
pub use command::{
    ArgKind, Command, DuringTransfer, EpsvArg, Feature, HashAlgo, ParseError, ProtLevel, SetTime,
    TransferType, VerbSpec, VERBS,
};
pub use digest::Digest;
pub use rate::parse_rate;
pub use reply::{quote_path, unquote_path, MalformedReply, Reply, ReplyCode, ReplyParser};
pub use time::CivilTime;
