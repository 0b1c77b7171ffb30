//! HASH and `OPTS HASH` (draft-bryan-ftp-hash), and the X* digest verbs
//! of proftpd's mod_digest (XSHA256, XSHA512, XSHA1, XMD5, XCRC). Each
//! hashes the whole file in the background (`digest::hash_file`), so ABOR
//! cancels it and STAT shows its progress; the reply comes when it ends.

use ftp_proto::{HashAlgo, Reply, ReplyCode};

use super::{reply, resolve, storage, storage_error, storage_error_reply, tri, Outcome};
use crate::digest::{self, HashError};
use crate::session::Session;
use crate::transfer::RunningTransfer;

/// How the digest is answered.
#[derive(Clone, Copy)]
enum Style {
    /// `213 SHA-256 0-LEN HEX path` (the draft's §3.1).
    Hash,
    /// `250 HEX` (mod_digest).
    X,
}

/// HASH path: the digest with the session's algorithm.
pub async fn hash(s: &Session, arg: &str) -> Outcome {
    start(s, arg, s.hash_algo, Style::Hash, "HASH").await
}

/// XSHA256 path and the other X* verbs: the digest with their algorithm.
pub async fn x(s: &Session, arg: &str, algo: HashAlgo) -> Outcome {
    let verb = match algo {
        HashAlgo::Sha256 => "XSHA256",
        HashAlgo::Sha512 => "XSHA512",
        HashAlgo::Sha1 => "XSHA1",
        HashAlgo::Md5 => "XMD5",
        HashAlgo::Crc32 => "XCRC",
    };
    start(s, arg, algo, Style::X, verb).await
}

/// `OPTS HASH [ALGO]`: select HASH's algorithm, or name the selected one.
pub fn opts(s: &mut Session, value: &str) -> Outcome {
    if value.is_empty() {
        return reply(ReplyCode::OK, s.hash_algo.name());
    }
    match HashAlgo::from_name(value) {
        Some(algo) => {
            s.hash_algo = algo;
            reply(ReplyCode::OK, algo.name())
        }
        None => reply(
            ReplyCode::PARAMETER_NOT_IMPLEMENTED,
            "Unknown hash algorithm; see FEAT",
        ),
    }
}

async fn start(s: &Session, arg: &str, algo: HashAlgo, style: Style, verb: &str) -> Outcome {
    let path = tri!(resolve(s, arg));
    let st = tri!(storage(s));
    // A directory or a missing file is answered at once.
    match st.metadata(&path).await {
        Ok(m) if m.is_file() => {}
        Ok(_) => return reply(ReplyCode::FILE_UNAVAILABLE, "Not a regular file"),
        Err(e) => return storage_error(s, verb, &e),
    }
    // The name as the client gave it, without control characters.
    let shown: String = arg
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    let slots = s.limits.hashes.clone();
    let (peer, user, verb) = (s.peer, s.user_name().to_string(), verb.to_string());
    let description = format!("{verb} {path}");
    Outcome::Background(RunningTransfer::background(
        description,
        move |cancel, progress| async move {
            match digest::hash_file(st, path, algo, slots, cancel, progress).await {
                Ok((hex, len)) => match style {
                    Style::Hash => Reply::new(
                        ReplyCode::FILE_STATUS,
                        format!("{} 0-{len} {hex} {shown}", algo.name()),
                    ),
                    Style::X => Reply::new(ReplyCode::FILE_ACTION_OK, hex),
                },
                Err(HashError::Cancelled) => {
                    Reply::new(ReplyCode::TRANSFER_ABORTED, format!("{verb} aborted"))
                }
                Err(HashError::Storage(e)) => storage_error_reply(&peer, &user, &verb, &e),
            }
        },
    ))
}
