//! The verb table: every FTP verb declared once. Its name and aliases, the
//! `Command` variant and argument kind, and the flags and FEAT text that the
//! server's gates read. `Command`, its parser, `verb()`, `Display`, FEAT and
//! HELP are all generated from it (see `spec.rs`).
//!
//! Adding a verb: one entry here, its handler and dispatch line in ftpd's
//! `commands/`, and its tests.
//!
//! Entries are in alphabetical order, which is the order of FEAT, except
//! that PBSZ comes before PASV: FEAT has always listed it there (RFC 2389
//! gives the order no meaning, but clients' logs and our tests show it).

use std::fmt;
use std::net::{SocketAddr, SocketAddrV4};

use super::args;
use super::spec::{bind, verbs, DuringTransfer, Feature, VerbSpec};
use super::types::{EpsvArg, ProtLevel, SetTime, TransferType};
use super::ParseError;

verbs! {
    /// One control-connection command (RFC 959 §4.1 unless noted).
    ///
    /// Path arguments are kept as the client sent them (after RFC 2640 CR NUL
    /// unescaping); turning them into safe paths is the server's job.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Command;

    /// Abort the transfer in progress (§4.1.3).
    "ABOR" => Abor, ignored, { during_transfer: DuringTransfer::Answered };
    /// Account information; never needed here (§4.1.1).
    "ACCT" => Acct(String), text, {};
    /// Reserve space; never needed here (§4.1.3).
    "ALLO" => Allo(String), verbatim, {};
    /// Append to a file (§4.1.3).
    "APPE" => Appe(String), path, {};
    /// Start TLS on the control connection (RFC 2228 §3, RFC 4217 §4).
    "AUTH" => Auth(String), mechanism, {
        before_login: true,
        feat: Some(Feature::WithTls("AUTH TLS")),
    };
    /// Back to a clear control connection (RFC 2228 §3).
    "CCC" => Ccc, ignored, { help: false };
    /// Change to the parent directory (§4.1.1; XCUP from RFC 775).
    "CDUP" | "XCUP" => Cdup, no_arg, {};
    /// Change directory (§4.1.1; XCWD from RFC 775).
    "CWD" | "XCWD" => Cwd(String), path, { lookup: true };
    /// Delete a file (§4.1.3).
    "DELE" => Dele(String), path, { lookup: true };
    /// Active data connection to an IPv4 or IPv6 address (RFC 2428 §2).
    "EPRT" => Eprt(SocketAddr), eprt, {
        keeps_rest: true,
        feat: Some(Feature::Always("EPRT")),
    };
    /// Extended passive mode (RFC 2428 §3).
    "EPSV" => Epsv(EpsvArg), epsv, {
        keeps_rest: true,
        feat: Some(Feature::Always("EPSV")),
    };
    /// List the extensions (RFC 2389 §3).
    "FEAT" => Feat, ignored, { before_login: true };
    /// A file's digest with the selected algorithm (draft-bryan-ftp-hash §3).
    "HASH" => Hash(String), path, {
        lookup: true,
        feat: Some(Feature::Hash),
    };
    /// List the commands (§4.1.3).
    "HELP" => Help(Option<String>), opt_text, { before_login: true };
    /// Directory listing for people (§4.1.3).
    "LIST" => List(Option<String>), opt_path, { lookup: true };
    /// A file's modification time (RFC 3659 §3).
    "MDTM" => Mdtm(String), path, {
        lookup: true,
        feat: Some(Feature::Always("MDTM")),
    };
    /// Set a file's modification time (draft-somers-ftp-mfxx §3).
    "MFMT" => Mfmt(SetTime), set_time, {
        lookup: true,
        feat: Some(Feature::Always("MFMT")),
    };
    /// Make a directory (§4.1.3; XMKD from RFC 775).
    "MKD" | "XMKD" => Mkd(String), path, {};
    /// Machine-readable directory listing (RFC 3659 §7).
    "MLSD" => Mlsd(Option<String>), opt_path, { lookup: true };
    /// Machine-readable facts about one file (RFC 3659 §7).
    "MLST" => Mlst(Option<String>), opt_path, {
        lookup: true,
        feat: Some(Feature::MlstFacts),
    };
    /// Transfer mode; only S (§4.1.2).
    "MODE" => Mode(char), mode, {};
    /// Name listing (§4.1.3).
    "NLST" => Nlst(Option<String>), opt_path, { lookup: true };
    /// Do nothing, say 200 (§4.1.3).
    "NOOP" => Noop, ignored, {
        before_login: true,
        during_transfer: DuringTransfer::Answered,
    };
    /// Set an option (RFC 2389 §4): UTF8, MLST facts.
    "OPTS" => Opts(String), text, { before_login: true };
    /// Password (§4.1.1).
    "PASS" => Pass(String), password, { before_login: true };
    /// Protection buffer size; only 0 (RFC 4217 §8).
    "PBSZ" => Pbsz(u64), number, {
        before_login: true,
        feat: Some(Feature::WithTls("PBSZ")),
        help: false,
    };
    /// Passive mode (§4.1.2).
    "PASV" => Pasv, no_arg, {
        keeps_rest: true,
        feat: Some(Feature::Always("PASV")),
    };
    /// Active data connection to an IPv4 address (§4.1.2).
    "PORT" => Port(SocketAddrV4), host_port, { keeps_rest: true };
    /// Data channel protection level (RFC 4217 §9).
    "PROT" => Prot(ProtLevel), prot, {
        before_login: true,
        feat: Some(Feature::WithTls("PROT")),
        help: false,
    };
    /// Print the working directory (§4.1.3; XPWD from RFC 775).
    "PWD" | "XPWD" => Pwd, no_arg, {};
    /// Log out and close (§4.1.1).
    "QUIT" => Quit, ignored, { before_login: true };
    /// Log out, keep the connection (§4.1.1).
    "REIN" => Rein, no_arg, {};
    /// Restart the next RETR/STOR at this offset (RFC 3659 §5).
    "REST" => Rest(u64), number, { feat: Some(Feature::Always("REST STREAM")) };
    /// Download a file (§4.1.3).
    "RETR" => Retr(String), path, { lookup: true };
    /// Remove a directory (§4.1.3; XRMD from RFC 775).
    "RMD" | "XRMD" => Rmd(String), path, { lookup: true };
    /// Rename from (§4.1.3).
    "RNFR" => Rnfr(String), path, { lookup: true };
    /// Rename to (§4.1.3).
    "RNTO" => Rnto(String), path, {};
    /// Site-specific commands (§4.1.3).
    "SITE" => Site(String), text, {};
    /// A file's size in bytes (RFC 3659 §4).
    "SIZE" => Size(String), path, {
        lookup: true,
        feat: Some(Feature::Always("SIZE")),
    };
    /// Status: of the session or transfer, or a listing of a path (§4.1.3).
    "STAT" => Stat(Option<String>), opt_path, {
        during_transfer: DuringTransfer::AnsweredWhenBare,
    };
    /// Upload a file (§4.1.3).
    "STOR" => Stor(String), path, {};
    /// Upload under a new unique name (§4.1.3).
    "STOU" => Stou(Option<String>), opt_path, {};
    /// File structure; only F (§4.1.2).
    "STRU" => Stru(char), stru, {};
    /// The system type (§4.1.3).
    "SYST" => Syst, ignored, { before_login: true };
    /// Representation type: ASCII or image (§4.1.2).
    "TYPE" => Type(TransferType), transfer_type, { keeps_rest: true };
    /// User name (§4.1.1).
    "USER" => User(String), text, { before_login: true };
    /// A file's CRC-32, as proftpd's mod_digest answers it (`250 HEX`).
    "XCRC" => Xcrc(String), path, { lookup: true };
    /// A file's MD5 (`250 HEX`).
    "XMD5" => Xmd5(String), path, { lookup: true };
    /// A file's SHA-1 (`250 HEX`).
    "XSHA1" => Xsha1(String), path, { lookup: true };
    /// A file's SHA-256 (`250 HEX`).
    "XSHA256" => Xsha256(String), path, { lookup: true };
    /// A file's SHA-512 (`250 HEX`).
    "XSHA512" => Xsha512(String), path, { lookup: true };
}
