//! PWD, CWD and CDUP (RFC 959 §4.1.1). The working directory is a
//! `VirtualPath`; CWD checks the target through storage, so a symlink that
//! leads out of the root is refused like a missing directory.

use ftp_proto::{quote_path, ReplyCode};

use super::{reply, resolve, storage, storage_error, tri, Outcome};
use crate::session::Session;

pub fn pwd(s: &Session) -> Outcome {
    reply(
        ReplyCode::PATH_CREATED,
        format!("{} is the current directory", quote_path(s.cwd.as_str())),
    )
}

pub async fn cwd(s: &mut Session, arg: &str) -> Outcome {
    let path = tri!(resolve(s, arg));
    match tri!(storage(s)).metadata(&path).await {
        Ok(m) if m.is_dir() => {
            s.cwd = path;
            reply(
                ReplyCode::FILE_ACTION_OK,
                format!("Directory changed to {}", s.cwd),
            )
        }
        Ok(_) => reply(ReplyCode::FILE_UNAVAILABLE, "Not a directory"),
        Err(e) => storage_error(s, "CWD", &e),
    }
}
