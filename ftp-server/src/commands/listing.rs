//! LIST, NLST, MLSD and MLST (RFC 959 §4.1.3, RFC 3659 §7). Directory
//! listings are produced by their own task from the storage's entry
//! stream and streamed to the data connection in chunks, so a huge directory never sits whole in memory.
//!
//! LIST and NLST also take a glob in the last component (`NLST *.txt`,
//! `LIST -l sub/[ab]*`, see `ftp_proto::glob`): an argument that names an
//! existing file or directory is listed as it is; otherwise a wildcard
//! last component filters its directory's entries, at most
//! `Config::max_glob_entries` of them examined.

use std::sync::Arc;
use std::time::SystemTime;

use ftp_proto::glob::{self, Pattern};
use ftp_proto::{Reply, ReplyCode};
use tokio::sync::mpsc;

use super::transfer::{require_data, start};
use super::{reply, resolve, storage, storage_error, tri, Outcome};
use crate::listing::{self, Facts};
use crate::session::{AuthState, Session};
use crate::storage::{DirEntry, DirStream, Metadata, Storage, StorageError, VirtualPath};
use crate::transfer::{Job, ListingError};

/// Bytes collected before a chunk is handed to the data connection.
const CHUNK: usize = 64 * 1024;

/// Which listing format to produce.
#[derive(Clone, Copy)]
pub(crate) enum Format {
    List,
    Nlst,
    Mlsd { facts: Facts, write: bool },
}

fn may_write(s: &Session) -> bool {
    matches!(s.auth, AuthState::LoggedIn { write: true, .. })
}

/// One entry's line (without CRLF) in `format`.
pub(crate) fn entry_line(format: Format, name: &str, meta: &Metadata, now: SystemTime) -> String {
    // A CR or LF in a name (made on the host) would break the listing's lines.
    let safe;
    let name = if name.contains(['\r', '\n']) {
        safe = name.replace(['\r', '\n'], "?");
        safe.as_str()
    } else {
        name
    };
    match format {
        Format::List => listing::list_line(name, meta, now),
        Format::Nlst => name.to_string(),
        Format::Mlsd { facts, write } => format!(
            "{} {}",
            listing::mlsx_facts(meta, &facts, write, None),
            name
        ),
    }
}

/// A glob applied to a directory's entries (LIST/NLST only), with its bound.
struct Filter {
    pattern: Pattern,
    /// Put before each NLST name: the directory part as the client typed
    /// it (`sub/` for `NLST sub/*.txt`), so a client can RETR the names
    /// as they come, as tnftp's `mget` does. LIST lines show bare names,
    /// as `LIST sub` does.
    prefix: String,
    /// Entries that may be examined (`Config::max_glob_entries`).
    limit: u64,
    examined: u64,
    /// The limit was reached with entries left over.
    truncated: bool,
}

impl Filter {
    /// The lines of the matching entries among `entries`, as far as the
    /// limit allows (`truncated` tells whether it cut the batch short).
    fn lines(&mut self, format: Format, entries: &[DirEntry], now: SystemTime) -> Vec<String> {
        let room = usize::try_from(self.limit.saturating_sub(self.examined)).unwrap_or(usize::MAX);
        if entries.len() > room {
            self.truncated = true;
        }
        let seen = &entries[..entries.len().min(room)];
        self.examined += seen.len() as u64;
        seen.iter()
            .filter(|e| self.pattern.matches(&e.name))
            .map(|e| match format {
                Format::Nlst => format!(
                    "{}{}",
                    self.prefix,
                    entry_line(format, &e.name, &e.meta, now)
                ),
                _ => entry_line(format, &e.name, &e.meta, now),
            })
            .collect()
    }
}

/// The lines (without CRLF) of the listing of `path` in `format`, a batch
/// at a time: a file lists itself; MLSD starts with `cdir` and `pdir`.
pub(crate) struct Lines {
    format: Format,
    now: SystemTime,
    /// Lines ready before the directory's entries (header, or the file).
    first: Option<Vec<String>>,
    entries: Option<Box<dyn DirStream>>,
    /// Why the listing stopped short: the transfer then fails (451)
    /// instead of passing a partial listing off as complete.
    error: Option<StorageError>,
    /// Only the entries a glob matches (a directory's LIST/NLST).
    filter: Option<Filter>,
}

impl Lines {
    /// Start listing `path`, whose metadata is `meta`.
    pub(crate) async fn open(
        st: &dyn Storage,
        path: &VirtualPath,
        meta: &Metadata,
        format: Format,
    ) -> Lines {
        let now = SystemTime::now();
        let mut first = Vec::new();
        if !meta.is_dir() {
            let name = path.file_name().unwrap_or("");
            first.push(entry_line(format, name, meta, now));
            return Lines {
                format,
                now,
                first: Some(first),
                entries: None,
                error: None,
                filter: None,
            };
        }
        if let Format::Mlsd { facts, write } = format {
            first.push(format!(
                "{} .",
                listing::mlsx_facts(meta, &facts, write, Some("cdir"))
            ));
            let parent = path.parent().unwrap_or_else(VirtualPath::root);
            if let Ok(pm) = st.metadata(&parent).await {
                first.push(format!(
                    "{} ..",
                    listing::mlsx_facts(&pm, &facts, write, Some("pdir"))
                ));
            }
        }
        let (entries, error) = match st.list(path).await {
            Ok(entries) => (Some(entries), None),
            Err(e) => {
                tracing::warn!(%path, error = ?e, "listing failed");
                (None, Some(e))
            }
        };
        Lines {
            format,
            now,
            first: Some(first),
            entries,
            error,
            filter: None,
        }
    }

    /// Start listing the entries of directory `dir` that `filter` matches.
    async fn open_filtered(
        st: &dyn Storage,
        dir: &VirtualPath,
        meta: &Metadata,
        format: Format,
        filter: Filter,
    ) -> Lines {
        let mut lines = Lines::open(st, dir, meta, format).await;
        lines.filter = Some(filter);
        lines
    }

    /// Whether a glob stopped at its limit with entries left (once `next`
    /// has returned `None`): the number of entries it examined.
    fn glob_limit_hit(&self) -> Option<u64> {
        self.filter
            .as_ref()
            .filter(|f| f.truncated)
            .map(|f| f.examined)
    }

    /// Why the listing ended early, once `next` has returned `None`.
    pub(crate) fn take_error(&mut self) -> Option<StorageError> {
        self.error.take()
    }

    /// The next lines; `None` at the end (a read error ends the listing).
    pub(crate) async fn next(&mut self) -> Option<Vec<String>> {
        if let Some(first) = self.first.take() {
            if !first.is_empty() {
                return Some(first);
            }
        }
        let batch = self.entries.as_mut()?.next_batch().await;
        match batch {
            Some(Ok(entries)) => match &mut self.filter {
                Some(filter) => {
                    let lines = filter.lines(self.format, &entries, self.now);
                    if filter.truncated {
                        self.entries = None;
                    }
                    Some(lines)
                }
                None => Some(
                    entries
                        .iter()
                        .map(|e| entry_line(self.format, &e.name, &e.meta, self.now))
                        .collect(),
                ),
            },
            Some(Err(e)) => {
                tracing::warn!(error = ?e, "listing ended early");
                self.entries = None;
                self.error = Some(e);
                None
            }
            None => {
                self.entries = None;
                None
            }
        }
    }
}

/// Start a listing transfer of `arg` (or the cwd).
async fn listing_transfer(
    s: &mut Session,
    verb: &'static str,
    arg: Option<&str>,
    format: Format,
) -> Outcome {
    tri!(require_data(s));
    let path = match arg {
        Some(a) => tri!(resolve(s, a)),
        None => s.cwd.clone(),
    };
    let st = tri!(storage(s));
    let mlsd = matches!(format, Format::Mlsd { .. });
    // The literal name wins: a file called `a*b` lists as itself.
    let (dir, meta, filter) = match st.metadata(&path).await {
        Ok(m) => (path.clone(), m, None),
        Err(e @ (StorageError::NotFound | StorageError::InvalidName)) if !mlsd => {
            match arg.and_then(glob::split) {
                Some((dir, pattern)) => tri!(glob_dir(s, st.as_ref(), verb, dir, pattern).await),
                None => return storage_error(s, verb, &e),
            }
        }
        Err(e) => return storage_error(s, verb, &e),
    };
    if mlsd && !meta.is_dir() {
        return reply(
            ReplyCode::BAD_ARGUMENTS,
            "MLSD needs a directory; use MLST for a file",
        );
    }
    let chunks = spawn_producer(st, dir, meta, format, filter);
    let text = format!("Here comes the listing of {path}");
    start(s, Job::Listing { chunks }, text, format!("{verb} {path}")).unwrap_or_else(|o| o)
}

/// The directory a glob argument filters (`sub/` of `sub/*.txt`, the cwd
/// for `*.txt`), its metadata, and the filter.
async fn glob_dir(
    s: &Session,
    st: &dyn Storage,
    verb: &str,
    typed_dir: &str,
    pattern: Pattern,
) -> Result<(VirtualPath, Metadata, Option<Filter>), Outcome> {
    let dir = if typed_dir.is_empty() {
        s.cwd.clone()
    } else {
        resolve(s, typed_dir)?
    };
    let meta = match st.metadata(&dir).await {
        Ok(m) if m.is_dir() => m,
        Ok(_) => return Err(storage_error(s, verb, &StorageError::NotADirectory)),
        Err(e) => return Err(storage_error(s, verb, &e)),
    };
    let filter = Filter {
        pattern,
        prefix: typed_dir.to_string(),
        limit: s.config.max_glob_entries,
        examined: 0,
        truncated: false,
    };
    Ok((dir, meta, Some(filter)))
}

/// Produce the listing in its own task; chunks flow through a small
/// bounded channel, so memory stays flat however large the directory. The
/// task ends when the listing does or the transfer stops taking chunks;
/// a storage error is sent last, so the transfer fails with it.
fn spawn_producer(
    st: Arc<dyn Storage>,
    path: VirtualPath,
    meta: Metadata,
    format: Format,
    filter: Option<Filter>,
) -> mpsc::Receiver<Result<Vec<u8>, ListingError>> {
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        let mut lines = match filter {
            Some(f) => Lines::open_filtered(st.as_ref(), &path, &meta, format, f).await,
            None => Lines::open(st.as_ref(), &path, &meta, format).await,
        };
        let mut buf = Vec::with_capacity(CHUNK);
        while let Some(batch) = lines.next().await {
            for line in batch {
                buf.extend_from_slice(line.as_bytes());
                buf.extend_from_slice(b"\r\n");
                if buf.len() >= CHUNK {
                    let full = std::mem::replace(&mut buf, Vec::with_capacity(CHUNK));
                    if tx.send(Ok(full)).await.is_err() {
                        return;
                    }
                }
            }
        }
        if !buf.is_empty() && tx.send(Ok(buf)).await.is_err() {
            return;
        }
        if let Some(e) = lines.take_error() {
            let _ = tx.send(Err(ListingError::Storage(e))).await;
        } else if let Some(examined) = lines.glob_limit_hit() {
            tracing::warn!(%path, examined, "glob listing stopped at max_glob_entries");
            let _ = tx.send(Err(ListingError::GlobLimit(examined))).await;
        }
    });
    rx
}

pub async fn list(s: &mut Session, arg: Option<&str>) -> Outcome {
    let (_opts, path) = listing::split_list_args(arg);
    listing_transfer(s, "LIST", path.as_deref(), Format::List).await
}

pub async fn nlst(s: &mut Session, arg: Option<&str>) -> Outcome {
    let (_opts, path) = listing::split_list_args(arg);
    listing_transfer(s, "NLST", path.as_deref(), Format::Nlst).await
}

pub async fn mlsd(s: &mut Session, arg: Option<&str>) -> Outcome {
    let format = Format::Mlsd {
        facts: s.facts,
        write: may_write(s),
    };
    listing_transfer(s, "MLSD", arg, format).await
}

/// MLST: the facts of one object over the control connection (RFC 3659 §7.2).
pub async fn mlst(s: &mut Session, arg: Option<&str>) -> Outcome {
    let path = match arg {
        Some(a) => tri!(resolve(s, a)),
        None => s.cwd.clone(),
    };
    let meta = match tri!(storage(s)).metadata(&path).await {
        Ok(m) => m,
        Err(e) => return storage_error(s, "MLST", &e),
    };
    let facts = listing::mlsx_facts(&meta, &s.facts, may_write(s), None);
    Outcome::Reply(Reply::multi(
        ReplyCode::FILE_ACTION_OK,
        [
            format!("Listing {path}"),
            format!("{facts} {path}"),
            "End".to_string(),
        ],
    ))
}
