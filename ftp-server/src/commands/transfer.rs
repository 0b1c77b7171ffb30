//! TYPE, REST, RETR, STOR, APPE and STOU (RFC 959 §4.1.3, RFC 3659 §5).
//! Each checks the file before answering 150, so a missing file gets 550 at
//! once, then hands a `Job` to the transfer task.

use ftp_proto::{Reply, ReplyCode, TransferType};

use super::{
    blocking, reply, require_write, resolve, resolve_new, storage, storage_error, tri, Outcome,
};
use crate::session::{DataChannel, Protection, Session};
use crate::storage::{Storage, StorageError, VirtualPath};
use crate::transfer::{DataTls, Job, Sink, Transfer};

pub fn type_(s: &mut Session, t: TransferType) -> Outcome {
    s.transfer_type = t;
    match t {
        TransferType::Ascii => reply(ReplyCode::OK, "Type set to A"),
        TransferType::Image => reply(ReplyCode::OK, "Type set to I"),
    }
}

pub fn rest(s: &mut Session, offset: u64) -> Outcome {
    s.restart = Some(offset);
    reply(
        ReplyCode::PENDING,
        format!("Restarting at {offset}. Send STOR or RETR"),
    )
}

/// Take the prepared data channel (425 if none) and build the transfer.
pub(super) fn start(
    s: &mut Session,
    job: Job,
    preliminary: String,
    description: String,
) -> Result<Outcome, Outcome> {
    require_data(s)?;
    let storage = storage(s)?;
    let data = std::mem::take(&mut s.data);
    let tls = match (s.protection, &s.tls) {
        (Protection::Private, Some(t)) => Some(DataTls {
            config: match job {
                Job::Receive { .. } => t.data_receive.clone(),
                _ => t.data_send.clone(),
            },
            require_reuse: t.require_session_reuse,
        }),
        _ => None,
    };
    Ok(Outcome::Transfer(Box::new(Transfer {
        preliminary: Reply::new(ReplyCode::FILE_STATUS_OK, preliminary),
        data,
        job,
        ascii: s.transfer_type == TransferType::Ascii,
        peer_ip: s.peer_ip(),
        local_ip: s.local_ip(),
        storage,
        user: s.user_name().to_string(),
        description,
        control_fd: None,
        tls,
    })))
}

fn mode_name(s: &Session) -> &'static str {
    match s.transfer_type {
        TransferType::Ascii => "ASCII",
        TransferType::Image => "BINARY",
    }
}

pub async fn retr(s: &mut Session, arg: &str, restart: Option<u64>) -> Outcome {
    tri!(require_data(s));
    let path = tri!(resolve(s, arg));
    let st = tri!(storage(s));
    let p = path.clone();
    let opened = blocking(st, move |st| {
        let m = st.metadata(&p)?;
        if !m.is_file() {
            return Err(StorageError::IsADirectory);
        }
        Ok((st.open_read(&p)?, m.len))
    })
    .await;
    let (file, len) = match opened {
        Ok(v) => v,
        Err(e) => return storage_error(s, "RETR", &e),
    };
    let offset = restart.unwrap_or(0);
    if offset > len {
        return reply(
            ReplyCode::FILE_UNAVAILABLE,
            "Restart offset is beyond the end of the file",
        );
    }
    let text = format!(
        "Opening {} mode data connection for {} ({} bytes)",
        mode_name(s),
        path,
        len - offset
    );
    let job = Job::Send {
        file,
        offset,
        path: path.clone(),
    };
    start(s, job, text, format!("RETR {path}")).unwrap_or_else(|o| o)
}

pub async fn stor(s: &mut Session, arg: &str, restart: Option<u64>) -> Outcome {
    tri!(require_write(s));
    tri!(require_data(s));
    let path = tri!(resolve_new(s, arg));
    let st = tri!(storage(s));
    let p = path.clone();
    let sink = match restart {
        None | Some(0) => blocking(st, move |st| st.create_upload(&p).map(Sink::Atomic)).await,
        Some(offset) => blocking(st, move |st| in_place(st, &p, Some(offset))).await,
    };
    let sink = match sink {
        Ok(sink) => sink,
        Err(e) => return storage_error(s, "STOR", &e),
    };
    let text = format!("Opening {} mode data connection for {}", mode_name(s), path);
    start_upload(s, sink, text, format!("STOR {path}")).await
}

pub async fn appe(s: &mut Session, arg: &str) -> Outcome {
    tri!(require_write(s));
    tri!(require_data(s));
    let path = tri!(resolve_new(s, arg));
    let p = path.clone();
    let sink = match blocking(tri!(storage(s)), move |st| in_place(st, &p, None)).await {
        Ok(sink) => sink,
        Err(e) => return storage_error(s, "APPE", &e),
    };
    let text = format!("Opening {} mode data connection for {}", mode_name(s), path);
    start_upload(s, sink, text, format!("APPE {path}")).await
}

/// STOU: store under a new unique name in the current directory (or next
/// to the suggested name) and tell the client the name (RFC 1123 §4.1.2.9).
pub async fn stou(s: &mut Session, arg: Option<&str>) -> Outcome {
    tri!(require_write(s));
    tri!(require_data(s));
    let base = match arg {
        Some(a) => tri!(resolve_new(s, a)),
        None => tri!(resolve(s, "ftpd.upload")),
    };
    let created = blocking(tri!(storage(s)), move |st| {
        let dir = base.parent().unwrap_or_else(VirtualPath::root);
        let stem = base.file_name().unwrap_or("ftpd.upload").to_string();
        for n in 0..1000u32 {
            let name = if n == 0 {
                stem.clone()
            } else {
                format!("{stem}.{n}")
            };
            let path = dir.join(&name).map_err(|_| StorageError::InvalidName)?;
            match st.create_new(&path) {
                Ok(file) => return Ok((file, path)),
                Err(StorageError::AlreadyExists) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StorageError::AlreadyExists)
    })
    .await;
    let (file, path) = match created {
        Ok(v) => v,
        Err(e) => return storage_error(s, "STOU", &e),
    };
    let name = path.file_name().unwrap_or("").to_string();
    let sink = Sink::InPlace {
        file,
        path: path.clone(),
        offset: 0,
        truncate: false,
    };
    start_upload(s, sink, format!("FILE: {name}"), format!("STOU {path}")).await
}

/// Open a file for in-place writing: at `offset` (REST+STOR, truncating
/// after the upload) or at its end (APPE).
fn in_place(
    st: &dyn Storage,
    path: &VirtualPath,
    offset: Option<u64>,
) -> Result<Sink, StorageError> {
    if let Ok(m) = st.metadata(path) {
        if m.is_dir() {
            return Err(StorageError::IsADirectory);
        }
    }
    let file = st.open_write(path)?;
    let len = file.metadata()?.len();
    let (offset, truncate) = match offset {
        Some(o) if o > len => {
            return Err(StorageError::Io(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "restart offset beyond end of file",
            )))
        }
        Some(o) => (o, true),
        None => (len, false),
    };
    Ok(Sink::InPlace {
        file,
        path: path.clone(),
        offset,
        truncate,
    })
}

async fn start_upload(s: &mut Session, sink: Sink, text: String, description: String) -> Outcome {
    // `require_data` ran before the sink was made, so this cannot refuse.
    start(s, Job::Receive { sink }, text, description).unwrap_or_else(|o| o)
}

/// 425 unless PASV/EPSV/PORT/EPRT prepared a data connection. Checked
/// before any file is opened or created.
pub(super) fn require_data(s: &Session) -> Result<(), Outcome> {
    super::security::gate_data(s)?;
    if matches!(s.data, DataChannel::Idle) {
        return Err(reply(
            ReplyCode::CANT_OPEN_DATA,
            "Use PORT, EPRT, PASV or EPSV first",
        ));
    }
    Ok(())
}
