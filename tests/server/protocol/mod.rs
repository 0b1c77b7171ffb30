//! Raw-protocol tests of `ftpd` with `RawSession`: the behaviours issue 2 and
//! INTEROP.md name that stock clients do not exercise on their own.
//!
//! - `session`: login gate, unknown commands, AUTH, SYST/OPTS/FEAT/HELP,
//!   overlong lines, NUL bytes, ABOR with nothing running, idle timeout.
//! - `capabilities`: a backend without append, write-at or directory
//!   rename gets 502/504/550 at once.
//! - `files`: 257 quoting, SIZE on a directory, the root cannot be removed
//!   or renamed, X aliases, REST+STOR.
//! - `data`: EPSV ALL, PASV addresses, PORT/EPRT and bounce protection,
//!   LIST options and format, STAT with a path, TYPE A conversion, the 150
//!   byte count, clients that vanish mid-transfer.
//! - `glob`: `*`, `?` and `[...]` in LIST/NLST's last component, the
//!   literal-name rule, no match, hostile patterns, the entry limit.
//! - `attrs`: MFMT and SITE CHMOD, checked with os.stat.
//! - `digests`: HASH, OPTS HASH and the X* verbs against hashlib, hashes
//!   in the background (NOOP, STAT, ABOR) and their concurrency limit.
//! - `access`: anonymous is read-only by default, `--user` turns anonymous
//!   off (through the real binary).
//! - `sandbox`: `..`, encoded dots and symlinks pointing out never reach a
//!   secret file next to the root.

mod access;
mod attrs;
mod capabilities;
mod data;
mod digests;
mod files;
mod glob;
mod sandbox;
mod session;

use ftp_proto::Reply;

/// Assert a reply's code is one of `codes`.
#[track_caller]
pub fn assert_code(what: &str, r: &Reply, codes: &[u16]) {
    assert!(
        codes.contains(&r.code.0),
        "{what}: expected one of {codes:?}, got {r:?}"
    );
}
