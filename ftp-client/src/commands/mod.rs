//! One module per `ftpc` subcommand. Each takes a `Context` (printer, target
//! server, parallelism) and its own validated arguments; none of them sees
//! clap types. `pool` runs the per-file jobs of recursive transfers.

pub mod cat;
pub mod get;
pub mod ls;
pub mod mkdir;
pub mod mv;
pub mod pool;
pub mod put;
pub mod rm;
pub mod stat;

use crate::output::Printer;
use crate::session::Target;

/// The deepest directory tree a recursive command walks (a loop guard).
pub const MAX_DEPTH: usize = 64;

/// What every subcommand gets.
pub struct Context<'a> {
    pub printer: &'a Printer,
    pub target: Target,
    /// Connections for recursive transfers (`-j`).
    pub parallel: usize,
}
