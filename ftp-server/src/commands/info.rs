//! FEAT, OPTS, HELP, STAT and SITE (HELP, CHMOD) (RFC 959 §4.1.3, RFC
//! 2389). FEAT lists exactly what is implemented.

use ftp_proto::{command, Feature, HashAlgo, Reply, ReplyCode};

use super::listing::{Format, Lines};
use super::{reply, resolve, storage, storage_error, tri, Outcome};
use crate::data::DataChannel;
use crate::listing::{feat_mlst, Facts};
use crate::session::Session;

/// Most lines a STAT listing sends over the control connection.
const STAT_MAX_LINES: usize = 10_000;

/// FEAT (RFC 2389 §3): each verb's feature from ftp-proto's verb table, in
/// its order, then the features of no single verb. What depends on this
/// server's setup is filled in here.
pub fn feat(s: &Session) -> Outcome {
    let mut lines = vec!["Features:".to_string()];
    for feature in command::features() {
        match feature {
            // REST is still answered for downloads, but a storage that
            // cannot write at an offset (S3) does not promise restartable
            // uploads, so clients do not try REST+STOR.
            Feature::Always("REST STREAM") if !s.root.capabilities().write_at => {}
            // An object store keeps no time it could set.
            Feature::Always("MFMT") if !s.root.capabilities().set_modified => {}
            Feature::Always(text) => lines.push(text.to_string()),
            // RFC 4217 §6: listed only when TLS is really available.
            Feature::WithTls(text) if s.tls.is_some() => lines.push(text.to_string()),
            Feature::WithTls(_) => {}
            Feature::MlstFacts => lines.push(feat_mlst(&s.facts)),
            Feature::Hash => lines.push(HashAlgo::feat_line(s.hash_algo)),
        }
    }
    // RFC 3659 §6 path names, RFC 2640 §3.3 UTF-8 names.
    lines.extend(["TVFS", "UTF8", "End"].map(String::from));
    Outcome::Reply(Reply::multi(ReplyCode::SYSTEM_STATUS, lines))
}

pub fn opts(s: &mut Session, arg: &str) -> Outcome {
    let (name, value) = match arg.find(' ') {
        Some(i) => (&arg[..i], arg[i + 1..].trim()),
        None => (arg, ""),
    };
    match name.to_ascii_uppercase().as_str() {
        "UTF8" | "UTF-8" if value.is_empty() || value.eq_ignore_ascii_case("ON") => {
            reply(ReplyCode::OK, "UTF8 mode always on")
        }
        "UTF8" | "UTF-8" => reply(
            ReplyCode::PARAMETER_NOT_IMPLEMENTED,
            "UTF8 cannot be turned off",
        ),
        "HASH" => super::hash::opts(s, value),
        "MLST" => {
            s.facts = Facts::parse(value);
            reply(ReplyCode::OK, format!("MLST OPTS {}", s.facts.names()))
        }
        _ => reply(ReplyCode::BAD_ARGUMENTS, "Option not understood"),
    }
}

/// HELP (RFC 959 §4.1.3): every verb and alias the table lists for HELP.
pub fn help() -> Outcome {
    let mut lines = vec!["The following commands are recognized:".to_string()];
    lines.extend(command::help_lines());
    lines.push("Help OK".to_string());
    Outcome::Reply(Reply::multi(ReplyCode::HELP, lines))
}

/// SITE (RFC 959 §4.1.3): HELP, and CHMOD.
pub async fn site(s: &Session, arg: &str) -> Outcome {
    let arg = arg.trim_start();
    let (word, rest) = arg.split_once(' ').unwrap_or((arg, ""));
    match word.to_ascii_uppercase().as_str() {
        "HELP" => Outcome::Reply(Reply::multi(
            ReplyCode::HELP,
            ["SITE commands recognized:", "CHMOD HELP", "Help OK"],
        )),
        "CHMOD" => chmod(s, rest.trim_start()).await,
        _ => reply(ReplyCode::NOT_IMPLEMENTED, "SITE command not implemented"),
    }
}

/// `SITE CHMOD octal path`: set the permission bits (at most 777: no
/// setuid, setgid or sticky bits from a client). Needs write permission.
async fn chmod(s: &Session, arg: &str) -> Outcome {
    let (mode, path) = arg.split_once(' ').unwrap_or((arg, ""));
    let path = path.trim_start();
    let octal =
        !mode.is_empty() && mode.len() <= 4 && mode.bytes().all(|b| (b'0'..=b'7').contains(&b));
    let mode = match u32::from_str_radix(mode, 8) {
        Ok(m) if octal && m <= 0o777 && !path.is_empty() => m,
        _ => {
            return reply(
                ReplyCode::BAD_ARGUMENTS,
                "Usage: SITE CHMOD <octal mode 000-777> <path>",
            )
        }
    };
    tri!(super::require_write(s));
    let path = tri!(resolve(s, path));
    match tri!(storage(s)).set_mode(&path, mode).await {
        Ok(()) => reply(ReplyCode::OK, "SITE CHMOD command successful"),
        Err(e) => storage_error(s, "SITE CHMOD", &e),
    }
}

/// STAT: with no argument, the session's status; with a path, its listing
/// over the control connection (213).
pub async fn stat(s: &Session, arg: Option<&str>) -> Outcome {
    let Some(arg) = arg else {
        let data = match s.data {
            DataChannel::Idle => "no data connection",
            DataChannel::Passive(_) => "passive listener open",
            DataChannel::Active(_) => "active address set",
        };
        return Outcome::Reply(Reply::multi(
            ReplyCode::SYSTEM_STATUS,
            [
                "ftpd status:".to_string(),
                format!("Connected from {}", s.peer_ip()),
                format!("Logged in as {}", s.user_name()),
                format!("TYPE: {:?}, MODE: Stream, STRU: File", s.transfer_type),
                format!("Data: {data}"),
                "End of status".to_string(),
            ],
        ));
    };
    let (_opts, path) = crate::listing::split_list_args(Some(arg));
    let path = match path {
        Some(p) => tri!(resolve(s, &p)),
        None => s.cwd.clone(),
    };
    let st = tri!(storage(s));
    let lines = match st.metadata(&path).await {
        Ok(meta) => {
            let mut lines = vec![format!("Status of {path}:")];
            let mut listing = Lines::open(st.as_ref(), &path, &meta, Format::List).await;
            while let Some(batch) = listing.next().await {
                let room = STAT_MAX_LINES.saturating_sub(lines.len());
                let full = batch.len() >= room;
                lines.extend(batch.into_iter().take(room));
                if full {
                    break;
                }
            }
            match listing.take_error() {
                Some(e) => Err(e),
                None => {
                    lines.push("End of status".to_string());
                    Ok(lines)
                }
            }
        }
        Err(e) => Err(e),
    };
    match lines {
        Ok(lines) => Outcome::Reply(Reply::multi(ReplyCode::FILE_STATUS, lines)),
        Err(e) => storage_error(s, "STAT", &e),
    }
}
