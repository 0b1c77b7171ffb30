//! Bandwidth caps (`--max-rate-down`, `--max-rate-up`, and per user in the
//! users file): a transfer moves at most `rate` bytes per second, counted
//! from its start. Before each step the transfer waits until the bytes it
//! has moved are due; steps are about a tenth of a second of data, so the
//! pace is smooth, and the zero-copy paths (sendfile, splice) stay in use,
//! in those smaller chunks. A cap only ever slows a transfer down.

use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::Fail;

/// The smallest step, so slow caps do not mean tiny writes.
const MIN_STEP: u64 = 16 * 1024;

#[derive(Debug, Clone, Copy)]
pub(super) struct Pace {
    /// Bytes per second, at least 1.
    rate: u64,
    start: Instant,
}

impl Pace {
    pub(super) fn new(rate: u64) -> Pace {
        Pace {
            rate: rate.max(1),
            start: Instant::now(),
        }
    }

    /// How much one step may move: a tenth of a second's worth, within
    /// `MIN_STEP` and `max`.
    pub(super) fn step(&self, max: usize) -> usize {
        let tenth = (self.rate / 10).max(MIN_STEP);
        usize::try_from(tenth).map_or(max, |t| t.min(max))
    }

    /// Wait (cancellably) until `done` bytes are due.
    pub(super) async fn wait(&self, done: u64, cancel: &CancellationToken) -> Result<(), Fail> {
        let due = self.start + Duration::from_secs_f64(done as f64 / self.rate as f64);
        if due <= Instant::now() {
            return Ok(());
        }
        tokio::select! {
            () = tokio::time::sleep_until(due) => Ok(()),
            () = cancel.cancelled() => Err(Fail::Aborted),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_a_tenth_of_a_second_within_bounds() {
        assert_eq!(Pace::new(1 << 20).step(4 << 20), (1 << 20) / 10);
        assert_eq!(Pace::new(1000).step(4 << 20), 16 * 1024);
        assert_eq!(Pace::new(1 << 40).step(4 << 20), 4 << 20);
    }

    #[tokio::test]
    async fn waits_until_the_bytes_are_due() {
        let pace = Pace::new(100_000);
        let cancel = CancellationToken::new();
        let t0 = Instant::now();
        pace.wait(0, &cancel).await.ok();
        assert!(t0.elapsed() < Duration::from_millis(100));
        pace.wait(25_000, &cancel).await.ok();
        assert!(t0.elapsed() >= Duration::from_millis(250));
        cancel.cancel();
        assert!(matches!(
            pace.wait(10_000_000, &cancel).await,
            Err(Fail::Aborted)
        ));
    }
}
