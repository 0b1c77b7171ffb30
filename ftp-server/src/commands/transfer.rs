//! TYPE, REST, RETR, STOR, APPE and STOU (RFC 959 §4.1.3, RFC 3659 §5).
//! Each checks the file before answering 150, so a missing file gets 550 at
//! once, then hands a `Job` to the transfer task.

use ftp_proto::{Reply, ReplyCode, TransferType};

use super::{reply, require_write, resolve, resolve_new, storage, storage_error, tri, Outcome};
use crate::data::DataChannel;
use crate::session::{AuthState, Protection, Session};
use crate::storage::{Capabilities, Storage, StorageError, Upload, VirtualPath, WriteMode};
use crate::transfer::{DataTls, Job, Transfer};

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
    let rate = match &s.auth {
        AuthState::LoggedIn { rates, .. } => match job {
            Job::Receive { .. } => rates.up,
            _ => rates.down,
        },
        _ => None,
    };
    Ok(Outcome::Transfer(Box::new(Transfer {
        preliminary: Reply::new(ReplyCode::FILE_STATUS_OK, preliminary),
        data,
        job,
        ascii: s.transfer_type == TransferType::Ascii,
        peer_ip: s.peer_ip(),
        balancers: s.config.proxy_protocol.clone(),
        local_ip: s.local_ip(),
        user: s.user_name().to_string(),
        anonymous: s.config.anonymous && s.user_name() == "anonymous",
        rate,
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
    let source = match st.read(&path, restart.unwrap_or(0)).await {
        Ok(source) => source,
        Err(StorageError::OffsetBeyondEnd) => {
            return reply(
                ReplyCode::FILE_UNAVAILABLE,
                "Restart offset is beyond the end of the file",
            )
        }
        Err(e) => return storage_error(s, "RETR", &e),
    };
    let size = match source.remaining() {
        Some(n) => format!(" ({n} bytes)"),
        None => String::new(),
    };
    let text = format!(
        "Opening {} mode data connection for {}{size}",
        mode_name(s),
        path,
    );
    start(s, Job::Send { source }, text, format!("RETR {path}")).unwrap_or_else(|o| o)
}

pub async fn stor(s: &mut Session, arg: &str, restart: Option<u64>) -> Outcome {
    let mode = match restart {
        None | Some(0) => WriteMode::Replace,
        Some(offset) => WriteMode::At(offset),
    };
    upload(s, "STOR", arg, mode).await
}

pub async fn appe(s: &mut Session, arg: &str) -> Outcome {
    upload(s, "APPE", arg, WriteMode::Append).await
}

/// STOR, APPE: check, open the upload in `mode`, then start the transfer.
async fn upload(s: &mut Session, verb: &'static str, arg: &str, mode: WriteMode) -> Outcome {
    tri!(require_write(s));
    tri!(require_data(s));
    let path = tri!(resolve_new(s, arg));
    let st = tri!(storage(s));
    tri!(supported(s, st.capabilities(), mode));
    let upload = match st.write(&path, mode).await {
        Ok(upload) => upload,
        Err(e) => return storage_error(s, verb, &e),
    };
    let text = format!("Opening {} mode data connection for {}", mode_name(s), path);
    start_upload(s, upload, text, format!("{verb} {path}"))
}

/// Refuse a write mode the storage cannot do, before anything is opened:
/// 502 for APPE (the command is not implemented here), 504 for REST+STOR
/// (STOR is, but not with that parameter).
fn supported(s: &Session, caps: Capabilities, mode: WriteMode) -> Result<(), Outcome> {
    let refused = match mode {
        WriteMode::Append if !caps.append => (
            ReplyCode::NOT_IMPLEMENTED,
            "APPE is not supported by this storage",
        ),
        WriteMode::At(_) if !caps.write_at => (
            ReplyCode::PARAMETER_NOT_IMPLEMENTED,
            "REST with STOR is not supported by this storage",
        ),
        _ => return Ok(()),
    };
    tracing::info!(peer = %s.peer, user = s.user_name(), ?mode, "write mode not supported by storage");
    Err(reply(refused.0, refused.1))
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
    let st = tri!(storage(s));
    let (upload, path) = match create_unique(st.as_ref(), &base).await {
        Ok(v) => v,
        Err(e) => return storage_error(s, "STOU", &e),
    };
    let name = path.file_name().unwrap_or("").to_string();
    start_upload(s, upload, format!("FILE: {name}"), format!("STOU {path}"))
}

/// Create `base`, or `base.1`, `base.2`, ... whichever does not exist yet.
async fn create_unique(
    st: &dyn Storage,
    base: &VirtualPath,
) -> Result<(Box<dyn Upload>, VirtualPath), StorageError> {
    let dir = base.parent().unwrap_or_else(VirtualPath::root);
    let stem = base.file_name().unwrap_or("ftpd.upload");
    for n in 0..1000u32 {
        let name = if n == 0 {
            stem.to_string()
        } else {
            format!("{stem}.{n}")
        };
        let path = dir.join(&name).map_err(|_| StorageError::InvalidName)?;
        match st.write(&path, WriteMode::CreateNew).await {
            Ok(upload) => return Ok((upload, path)),
            Err(StorageError::AlreadyExists) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(StorageError::AlreadyExists)
}

fn start_upload(
    s: &mut Session,
    upload: Box<dyn Upload>,
    text: String,
    description: String,
) -> Outcome {
    // `require_data` ran before the upload was opened, so this cannot refuse.
    start(s, Job::Receive { upload }, text, description).unwrap_or_else(|o| o)
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
