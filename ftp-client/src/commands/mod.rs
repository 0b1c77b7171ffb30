//! One module per `ftpc` subcommand. Each takes a `Context` (printer, target
//! server, parallelism) and its own validated arguments; none of them sees
//! clap types. `pool` runs the per-file jobs of recursive transfers;
//! `get_many` lists what `get -r` and remote globs download; `keep` holds
//! what every transfer keeps and checks (times, `--checksum`).

pub mod cat;
pub mod get;
mod get_many;
pub mod hash;
pub mod keep;
pub mod ls;
pub mod mkdir;
pub mod mv;
pub mod pool;
pub mod put;
mod put_tree;
pub mod rm;
pub mod stat;
pub mod sync;
mod upload_source;

use std::sync::atomic::AtomicBool;

use crate::client::FtpClient;
use crate::error::Result;
use crate::output::Printer;
use crate::retry::{self, Policy};
use crate::session::Target;

/// The deepest directory tree a recursive command walks (a loop guard).
pub const MAX_DEPTH: usize = 64;

/// Where one attempt of a transfer starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resume {
    /// From byte 0, replacing any partial file left by an earlier run.
    Fresh,
    /// `-c`: continue the partial file, else the destination itself.
    Continue,
    /// A retry after an earlier attempt of this run wrote bytes: continue
    /// the file that attempt wrote (the partial file, or the destination
    /// when it is written in place).
    Own,
}

impl Resume {
    /// The mode of one attempt: `-c` always continues; without it, a retry
    /// continues only what this run has written itself, so a partial file
    /// left by some older run is never taken for this one's.
    pub fn for_attempt(continue_flag: bool, wrote_before: bool) -> Resume {
        match (continue_flag, wrote_before) {
            (true, _) => Resume::Continue,
            (false, true) => Resume::Own,
            (false, false) => Resume::Fresh,
        }
    }
}

/// What every subcommand gets.
pub struct Context<'a> {
    pub printer: &'a Printer,
    pub target: Target,
    /// Connections for recursive transfers (`-j`).
    pub parallel: usize,
    /// `--retries`: how transient failures are tried again.
    pub retry: Policy,
    /// Keep modification times (not `--no-preserve-times`).
    pub preserve_times: bool,
    /// `--checksum`: compare digests after each transfer.
    pub checksum: bool,
    /// Whether a once-per-run warning was printed (see `keep::Keep`).
    pub warned: AtomicBool,
}

impl Context<'_> {
    /// The times and checksum settings every transfer of this run follows.
    pub fn keep(&self) -> keep::Keep<'_> {
        keep::Keep::new(
            self.printer,
            self.preserve_times,
            self.checksum,
            &self.warned,
        )
    }

    /// Connect and log in, retrying transient failures (a refused or reset
    /// connection, a 421 greeting) under `--retries`.
    pub fn connect(&self) -> Result<FtpClient> {
        retry::run(&self.retry, self.printer, |_| self.target.connect())
    }
}
