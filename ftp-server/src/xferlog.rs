//! `--xferlog FILE`: one line per finished or failed file transfer in the
//! standard xferlog format (xferlog(5), as wu-ftpd and vsftpd's
//! `xferlog_std_format` write it), for the log tools that read it:
//!
//! ```text
//! Thu Dec  3 09:37:44 2026 2 192.0.2.10 1048576 /pub/a.iso b _ o r alice ftp 0 * c
//! ```
//!
//! current time (UTC), whole seconds, client address, bytes moved (for an
//! aborted transfer, what really moved), the virtual path (spaces and
//! control characters as `_`, as the format splits on spaces), `a`scii or
//! `b`inary, no special action, `o`utgoing or `i`ncoming, `a`nonymous or
//! `r`eal user, the user name, the service, no RFC 931 authentication, and
//! `c`omplete or `i`ncomplete.
//!
//! Lines go through a bounded queue to a writer thread, so writing never
//! blocks a session: when the queue is full or the disk is, lines are
//! dropped (and counted in the server log), never transfers.

use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Lines waiting for the writer; more are dropped.
const QUEUE: usize = 4096;

/// A handle on the transfer log; cheap to clone.
#[derive(Clone)]
pub struct XferLog {
    tx: SyncSender<String>,
    dropped: Arc<AtomicU64>,
    path: PathBuf,
}

impl std::fmt::Debug for XferLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XferLog").field("path", &self.path).finish()
    }
}

/// One finished transfer, as the log line needs it.
pub struct Entry<'a> {
    pub elapsed: Duration,
    pub peer: IpAddr,
    pub bytes: u64,
    /// The virtual path, e.g. `/pub/a.iso`.
    pub path: &'a str,
    pub ascii: bool,
    /// RETR (true) or an upload (false).
    pub outgoing: bool,
    pub anonymous: bool,
    pub user: &'a str,
    pub complete: bool,
}

impl XferLog {
    /// Open (create, append to) `path` and start the writer thread.
    pub fn open(path: &Path) -> std::io::Result<XferLog> {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        let (tx, rx) = sync_channel::<String>(QUEUE);
        let dropped = Arc::new(AtomicU64::new(0));
        let lost = dropped.clone();
        let shown = path.display().to_string();
        std::thread::Builder::new()
            .name("xferlog".into())
            .spawn(move || {
                for line in rx {
                    if let Err(e) = file.write_all(line.as_bytes()) {
                        let n = lost.fetch_add(1, Ordering::Relaxed) + 1;
                        // Once, then every 1000th, so a full disk does not flood the log.
                        if n == 1 || n.is_multiple_of(1000) {
                            tracing::warn!(file = %shown, error = %e, dropped = n, "xferlog line dropped");
                        }
                    }
                }
            })?;
        Ok(XferLog {
            tx,
            dropped,
            path: path.to_path_buf(),
        })
    }

    /// Queue the line for `entry`; never waits.
    pub fn record(&self, entry: &Entry<'_>) {
        let line = format_line(entry, SystemTime::now());
        match self.tx.try_send(line) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                let n = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                if n == 1 || n.is_multiple_of(1000) {
                    tracing::warn!(file = %self.path.display(), dropped = n, "xferlog queue full, line dropped");
                }
            }
        }
    }
}

const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `DDD MMM dd hh:mm:ss YYYY` (ctime's layout) in UTC.
fn ctime(now: SystemTime) -> String {
    let secs = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let t = ftp_proto::CivilTime::from_unix(secs);
    // 1970-01-01 was a Thursday.
    let weekday = (secs.div_euclid(86_400) + 4).rem_euclid(7) as usize;
    let month = MONTHS[(t.month as usize).saturating_sub(1) % 12];
    format!(
        "{} {month} {:>2} {:02}:{:02}:{:02} {}",
        DAYS[weekday], t.day, t.hour, t.minute, t.second, t.year
    )
}

/// The format splits on spaces: a space or control character in a name
/// becomes `_`, as wu-ftpd and proftpd write it.
fn field(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| if c == ' ' || c.is_control() { '_' } else { c })
        .collect();
    if out.is_empty() {
        "_".to_string()
    } else {
        out
    }
}

fn format_line(e: &Entry<'_>, now: SystemTime) -> String {
    let secs = e.elapsed.as_secs_f64().round() as u64;
    format!(
        "{} {secs} {} {} {} {} _ {} {} {} ftp 0 * {}\n",
        ctime(now),
        e.peer,
        e.bytes,
        field(e.path),
        if e.ascii { 'a' } else { 'b' },
        if e.outgoing { 'o' } else { 'i' },
        if e.anonymous { 'a' } else { 'r' },
        field(e.user),
        if e.complete { 'c' } else { 'i' },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_has_the_fourteen_fields_of_xferlog_5() {
        let now = UNIX_EPOCH + Duration::from_secs(1_796_290_664); // 2026-12-03 09:37:44 UTC
        let entry = Entry {
            elapsed: Duration::from_millis(2_400),
            peer: "192.0.2.10".parse().unwrap(),
            bytes: 1_048_576,
            path: "/pub/my file.iso",
            ascii: false,
            outgoing: true,
            anonymous: false,
            user: "alice",
            complete: true,
        };
        assert_eq!(
            format_line(&entry, now),
            "Thu Dec  3 09:37:44 2026 2 192.0.2.10 1048576 /pub/my_file.iso b _ o r alice ftp 0 * c\n"
        );
        let aborted = Entry {
            elapsed: Duration::from_millis(400),
            outgoing: false,
            anonymous: true,
            ascii: true,
            complete: false,
            user: "anonymous",
            bytes: 12,
            path: "/in/x\ty",
            ..entry
        };
        let line = format_line(&aborted, now);
        assert!(
            line.ends_with(" 0 192.0.2.10 12 /in/x_y a _ i a anonymous ftp 0 * i\n"),
            "{line}"
        );
        assert_eq!(line.split(' ').filter(|f| !f.is_empty()).count(), 18);
    }

    #[test]
    fn ctime_weekdays_and_padding() {
        assert_eq!(ctime(UNIX_EPOCH), "Thu Jan  1 00:00:00 1970");
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(ctime(t), "Tue Feb 29 00:00:00 2000");
    }
}
