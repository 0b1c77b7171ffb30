//! MKD, RMD, DELE, RNFR/RNTO, SIZE, MDTM and MFMT (RFC 959 §4.1.3,
//! RFC 3659 §3-4, draft-somers-ftp-mfxx).
//! The root itself can be neither removed nor renamed.

use std::time::{Duration, UNIX_EPOCH};

use ftp_proto::{quote_path, ReplyCode, SetTime};

use super::{reply, require_write, resolve, resolve_new, storage, storage_error, tri, Outcome};
use crate::session::Session;
use crate::storage::VirtualPath;

pub async fn mkd(s: &Session, arg: &str) -> Outcome {
    tri!(require_write(s));
    let path = tri!(resolve_new(s, arg));
    if path.is_root() {
        return reply(ReplyCode::FILE_UNAVAILABLE, "File exists");
    }
    match tri!(storage(s)).create_dir(&path).await {
        Ok(()) => reply(
            ReplyCode::PATH_CREATED,
            format!("{} created", quote_path(path.as_str())),
        ),
        Err(e) => storage_error(s, "MKD", &e),
    }
}

pub async fn rmd(s: &Session, arg: &str) -> Outcome {
    tri!(require_write(s));
    let path = tri!(resolve(s, arg));
    if path.is_root() {
        return reply(
            ReplyCode::FILE_UNAVAILABLE,
            "Permission denied: cannot remove the root",
        );
    }
    match tri!(storage(s)).remove_dir(&path).await {
        Ok(()) => reply(ReplyCode::FILE_ACTION_OK, "Directory removed"),
        Err(e) => storage_error(s, "RMD", &e),
    }
}

pub async fn dele(s: &Session, arg: &str) -> Outcome {
    tri!(require_write(s));
    let path = tri!(resolve(s, arg));
    match tri!(storage(s)).remove_file(&path).await {
        Ok(()) => reply(ReplyCode::FILE_ACTION_OK, "File deleted"),
        Err(e) => storage_error(s, "DELE", &e),
    }
}

pub async fn rnfr(s: &mut Session, arg: &str) -> Outcome {
    tri!(require_write(s));
    let path = tri!(resolve(s, arg));
    if path.is_root() {
        return reply(
            ReplyCode::FILE_UNAVAILABLE,
            "Permission denied: cannot rename the root",
        );
    }
    let st = tri!(storage(s));
    match st.metadata(&path).await {
        Ok(m) if m.is_dir() && !st.capabilities().rename_dirs => reply(
            ReplyCode::FILE_UNAVAILABLE,
            "Renaming directories is not supported by this storage",
        ),
        Ok(_) => {
            s.pending_rename = Some(path);
            reply(ReplyCode::PENDING, "Ready for RNTO")
        }
        Err(e) => storage_error(s, "RNFR", &e),
    }
}

pub async fn rnto(s: &Session, arg: &str, from: Option<VirtualPath>) -> Outcome {
    let Some(from) = from else {
        return reply(ReplyCode::BAD_SEQUENCE, "RNFR required first");
    };
    tri!(require_write(s));
    let to = tri!(resolve_new(s, arg));
    if to.is_root() {
        return reply(ReplyCode::FILE_UNAVAILABLE, "Permission denied");
    }
    match tri!(storage(s)).rename(&from, &to).await {
        Ok(()) => reply(ReplyCode::FILE_ACTION_OK, "Rename successful"),
        Err(e) => storage_error(s, "RNTO", &e),
    }
}

/// SIZE: the exact byte count of a regular file; 550 for a directory.
pub async fn size(s: &Session, arg: &str) -> Outcome {
    let path = tri!(resolve(s, arg));
    match tri!(storage(s)).metadata(&path).await {
        Ok(m) if m.is_file() => reply(ReplyCode::FILE_STATUS, m.len.to_string()),
        Ok(_) => reply(ReplyCode::FILE_UNAVAILABLE, "Not a regular file"),
        Err(e) => storage_error(s, "SIZE", &e),
    }
}

/// MDTM: modification time in UTC, `YYYYMMDDHHMMSS`.
pub async fn mdtm(s: &Session, arg: &str) -> Outcome {
    let path = tri!(resolve(s, arg));
    match tri!(storage(s)).metadata(&path).await {
        Ok(m) if m.is_file() => reply(ReplyCode::FILE_STATUS, crate::listing::mdtm(m.modified)),
        Ok(_) => reply(ReplyCode::FILE_UNAVAILABLE, "Not a regular file"),
        Err(e) => storage_error(s, "MDTM", &e),
    }
}

/// MFMT (draft-somers-ftp-mfxx §3): set the modification time, in UTC;
/// `213 Modify=YYYYMMDDHHMMSS; path`. Needs write permission.
pub async fn mfmt(s: &Session, arg: &SetTime) -> Outcome {
    tri!(require_write(s));
    let path = tri!(resolve(s, &arg.path));
    let secs = arg.time.to_unix();
    let offset = Duration::from_secs(secs.unsigned_abs());
    let when = if secs >= 0 {
        UNIX_EPOCH.checked_add(offset)
    } else {
        UNIX_EPOCH.checked_sub(offset)
    };
    let Some(when) = when else {
        return reply(ReplyCode::BAD_ARGUMENTS, "Time out of range");
    };
    match tri!(storage(s)).set_modified(&path, when).await {
        Ok(()) => reply(
            ReplyCode::FILE_STATUS,
            format!(
                "Modify={}; {}",
                arg.time.mdtm(),
                crate::escape_for_reply(&arg.path)
            ),
        ),
        Err(e) => storage_error(s, "MFMT", &e),
    }
}
