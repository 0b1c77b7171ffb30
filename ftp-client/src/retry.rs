//! The retry policy of `--retries N`: which failures are worth another
//! attempt (`is_transient`), how long to wait before each one (`Policy`:
//! exponential backoff from one second, doubling, capped at 30 s), and the
//! loop that runs an operation under that policy (`run`), telling `-v` about
//! every retry through the `Printer`.
//!
//! Transient means the network or the server's load, not the request: a
//! connection refused, reset or dropped, a timeout, a transfer whose byte
//! count disagrees with the server's SIZE, and the replies 421, 425, 426, 450 and 451
//! (RFC 959 §4.2). Every 5xx, a refused login, a certificate that is not
//! trusted and every local error are permanent: trying again would only
//! fail again. What an operation does on the next attempt (reconnect,
//! resume with REST or APPE) is up to its caller.

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use ftp_proto::ReplyCode;

use crate::error::{ClientError, Result, ServerRefusal, TlsError};
use crate::output::Printer;

/// `--retries` when not given.
pub const DEFAULT_RETRIES: u32 = 3;
/// The wait before the first retry.
pub const BASE_DELAY: Duration = Duration::from_secs(1);
/// No wait between two attempts is longer than this.
pub const MAX_DELAY: Duration = Duration::from_secs(30);

/// How often, and after how long, a transient failure is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Retries after the first attempt: 0 tries once.
    pub retries: u32,
    pub base: Duration,
    pub cap: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy::new(DEFAULT_RETRIES)
    }
}

impl Policy {
    /// `retries` retries with the documented backoff.
    pub fn new(retries: u32) -> Policy {
        Policy {
            retries,
            base: BASE_DELAY,
            cap: MAX_DELAY,
        }
    }

    /// The wait before retry number `retry` (1 is the first retry):
    /// `base * 2^(retry-1)`, at most `cap`.
    pub fn delay(&self, retry: u32) -> Duration {
        let doublings = retry.saturating_sub(1).min(31);
        self.base.saturating_mul(1 << doublings).min(self.cap)
    }

    /// The sum of every wait if all retries are used: the bound on the time
    /// spent waiting (each attempt is bounded by `--timeout` besides).
    pub fn total_wait(&self) -> Duration {
        (1..=self.retries).map(|r| self.delay(r)).sum()
    }
}

/// Whether a reply code says "try again later" (RFC 959 §4.2: 421 service
/// closing, 425 cannot open data connection, 426 transfer aborted, 450 file
/// busy, 451 local error). Every other code, and every 5xx, is final.
pub fn transient_code(code: ReplyCode) -> bool {
    matches!(code.0, 421 | 425 | 426 | 450 | 451)
}

/// The I/O failures of a network that may work a moment later.
fn transient_io(e: &std::io::Error) -> bool {
    if let Some(refusal) = e.get_ref().and_then(|i| i.downcast_ref::<ServerRefusal>()) {
        return transient_code(refusal.0.code);
    }
    matches!(
        e.kind(),
        ErrorKind::ConnectionRefused
            | ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::BrokenPipe
            | ErrorKind::NotConnected
            | ErrorKind::TimedOut
            | ErrorKind::WouldBlock
            | ErrorKind::UnexpectedEof
            | ErrorKind::HostUnreachable
            | ErrorKind::NetworkUnreachable
            | ErrorKind::NetworkDown
    )
}

/// True when `e` may go away if the operation is tried again.
pub fn is_transient(e: &ClientError) -> bool {
    match e {
        ClientError::Connection { source, .. } => transient_io(source),
        ClientError::NotFound { reply, .. }
        | ClientError::Refused { reply, .. }
        | ClientError::Login(reply) => transient_code(reply.code),
        ClientError::Tls(TlsError::Handshake { source, .. }) => transient_io(source),
        ClientError::Tls(TlsError::AuthRefused(reply) | TlsError::ProtRefused { reply, .. }) => {
            transient_code(reply.code)
        }
        // Bytes were lost on the way although the data connection ended
        // cleanly (a middlebox cut it, and the server still said 226): the
        // next attempt continues from what the receiving side has. A size
        // that cannot be right (more than the source) stops that attempt
        // with `CannotResume`, which is permanent.
        ClientError::SizeMismatch { .. } => true,
        _ => false,
    }
}

/// `1s`, `250ms`.
fn show(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// Decide after attempt `retry` (0 for the first) failed with `e`: when
/// `e` is transient and retries remain, say so under `-v`, wait the
/// backoff and return `Ok(true)`. `Ok(false)` means give up with `e`
/// (after a line saying so, when retries were spent); a Ctrl-C during the
/// wait is `Err(Interrupted)`.
pub fn wait_before_retry(
    policy: &Policy,
    printer: &Printer,
    label: &str,
    retry: u32,
    e: &ClientError,
) -> Result<bool> {
    if !is_transient(e) {
        return Ok(false);
    }
    if retry >= policy.retries {
        if policy.retries > 0 {
            printer.info(&format!(
                "ftpc: {label}giving up after {} attempts",
                retry + 1
            ));
        }
        return Ok(false);
    }
    let delay = policy.delay(retry + 1);
    printer.verbose(&format!(
        "ftpc: {label}retry {}/{} in {}: {e}",
        retry + 1,
        policy.retries,
        show(delay)
    ));
    sleep(delay)?;
    Ok(true)
}

/// Sleep `d`, waking early (with `Interrupted`) on Ctrl-C.
fn sleep(d: Duration) -> Result<()> {
    let deadline = Instant::now() + d;
    loop {
        if crate::signal::interrupted() {
            return Err(ClientError::Interrupted);
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(());
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(50)));
    }
}

/// Run `op` until it succeeds, fails permanently or the retries are spent.
/// `op` gets the number of the retry it is (0 for the first attempt), so it
/// can resume what an earlier attempt left.
pub fn run<T>(
    policy: &Policy,
    printer: &Printer,
    mut op: impl FnMut(u32) -> Result<T>,
) -> Result<T> {
    let mut retry = 0;
    loop {
        match op(retry) {
            Ok(v) => return Ok(v),
            Err(e) => {
                if !wait_before_retry(policy, printer, "", retry, &e)? {
                    return Err(e);
                }
                retry += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests;
