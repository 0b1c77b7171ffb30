//! Exit codes of `ftpc`: a contract with scripts (see the README). They sit
//! below `error` (which maps each failure to one) and `signal` (whose second
//! Ctrl-C exits with `INTERRUPTED` from inside the handler).

pub const OK: i32 = 0;
pub const OTHER: i32 = 1;
pub const USAGE: i32 = 2;
pub const NOT_FOUND: i32 = 3;
pub const LOGIN: i32 = 4;
pub const CONNECTION: i32 = 5;
pub const TLS: i32 = 6;
pub const PARTIAL: i32 = 7;
/// The second Ctrl-C, as shells report death by SIGINT.
pub const INTERRUPTED: i32 = 130;
