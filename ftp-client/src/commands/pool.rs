//! The worker pool behind `get -r`, `put -r` and `-j N`: up to N connections,
//! each taking the next file from a shared queue. One file failing is
//! counted and reported, and the others go on; a dead connection is
//! reopened for the next file. A transient failure (`retry::is_transient`)
//! is tried again, up to `--retries` times, resuming what was written. Progress: one bar per active file plus an
//! overall bar (files and bytes).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::client::FtpClient;
use crate::error::{ClientError, Result, TlsError};
use crate::retry;

use super::Context;

/// A unit of work for the pool.
pub trait Job: Send + Sync {
    /// Shown on the file's progress bar and in error messages.
    fn label(&self) -> String;
    /// Expected size, for the bars.
    fn size(&self) -> Option<u64>;
    /// The directory the file is written into: the pool hands concurrent
    /// workers files of different directories (see `spread`).
    fn directory(&self) -> &str;
    /// Called once the pool gives up on this job (its retries spent), on
    /// the connection it failed on if that is still usable: uploads remove
    /// the empty temporary file a refused STOR left (`put::discard_empty_part`).
    fn abandon(&self, _client: &mut FtpClient) {}
}

/// Order `jobs` round robin over their directories (first-seen order), so
/// that parallel workers create files in different directories: creating
/// many files in one directory at once serialises on its lock, in the
/// local filesystem for downloads and in the server's for uploads.
pub fn spread<J: Job>(jobs: Vec<J>) -> VecDeque<J> {
    let total = jobs.len();
    let mut groups: Vec<VecDeque<J>> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for job in jobs {
        let slot = match index.get(job.directory()) {
            Some(&i) => i,
            None => {
                index.insert(job.directory().to_string(), groups.len());
                groups.push(VecDeque::new());
                groups.len() - 1
            }
        };
        groups[slot].push_back(job);
    }
    let mut out = VecDeque::with_capacity(total);
    while out.len() < total {
        for group in groups.iter_mut() {
            if let Some(job) = group.pop_front() {
                out.push_back(job);
            }
        }
    }
    out
}

/// What a finished pool did.
#[derive(Debug, Default)]
pub struct Stats {
    pub ok: u64,
    pub failed: u64,
    pub bytes: u64,
    pub elapsed: Duration,
}

struct Shared<'a, J> {
    queue: Mutex<VecDeque<J>>,
    /// Jobs put back after a refused TLS session reuse; bounded by `total`.
    retries: AtomicU64,
    ok: AtomicU64,
    failed: AtomicU64,
    bytes: AtomicU64,
    stop: AtomicBool,
    overall: indicatif::ProgressBar,
    total: usize,
    ctx: &'a Context<'a>,
}

/// The signature of the per-file work: client, job, whether an earlier
/// attempt of this job wrote bytes (resume them), progress callback → bytes.
pub type Work<'w, J> =
    dyn Fn(&mut FtpClient, &J, bool, &mut dyn FnMut(u64)) -> Result<u64> + Sync + 'w;

/// Run `jobs` over up to `ctx.parallel` connections; `first` is reused.
pub fn run<J: Job>(
    ctx: &Context,
    first: FtpClient,
    jobs: Vec<J>,
    work: &Work<'_, J>,
) -> Result<Stats> {
    let started = Instant::now();
    let total = jobs.len();
    let total_bytes = jobs.iter().filter_map(Job::size).sum();
    let shared = Shared {
        queue: Mutex::new(spread(jobs)),
        retries: AtomicU64::new(0),
        ok: AtomicU64::new(0),
        failed: AtomicU64::new(0),
        bytes: AtomicU64::new(0),
        stop: AtomicBool::new(false),
        overall: ctx.printer.overall_bar(total as u64, total_bytes),
        total,
        ctx,
    };
    let workers = ctx.parallel.clamp(1, total.max(1));
    let mut first = Some(first);
    std::thread::scope(|s| {
        for _ in 0..workers {
            let client = first.take();
            let shared = &shared;
            s.spawn(move || worker(shared, client, work));
        }
    });
    shared.overall.finish_and_clear();
    if crate::signal::interrupted() {
        return Err(ClientError::Interrupted);
    }
    let leftover = shared.queue.lock().map(|q| q.len()).unwrap_or(0) as u64;
    Ok(Stats {
        ok: shared.ok.load(Ordering::SeqCst),
        failed: shared.failed.load(Ordering::SeqCst) + leftover,
        bytes: shared.bytes.load(Ordering::SeqCst),
        elapsed: started.elapsed(),
    })
}

fn next<J>(shared: &Shared<'_, J>) -> Option<J> {
    if shared.stop.load(Ordering::SeqCst) || crate::signal::interrupted() {
        return None;
    }
    shared.queue.lock().ok()?.pop_front()
}

fn worker<J: Job>(shared: &Shared<'_, J>, mut client: Option<FtpClient>, work: &Work<'_, J>) {
    while let Some(job) = next(shared) {
        match run_job(shared, &mut client, &job, work) {
            Step::Next => {}
            Step::Requeue => {
                if let Ok(mut q) = shared.queue.lock() {
                    q.push_front(job);
                }
                continue;
            }
            Step::Stop => return,
            Step::NoConnection => {
                // This worker gives up; the file goes back for the others.
                if let Ok(mut q) = shared.queue.lock() {
                    q.push_front(job);
                }
                return;
            }
        }
        let done = shared.ok.load(Ordering::SeqCst) + shared.failed.load(Ordering::SeqCst);
        shared
            .overall
            .set_prefix(format!("{done}/{}", shared.total));
    }
    if let Some(c) = client {
        c.quit();
    }
}

/// What a worker does after one job.
enum Step {
    /// Done (transferred or counted as failed): take the next file.
    Next,
    /// Put the file back for a fresh connection (refused TLS session reuse).
    Requeue,
    /// Ctrl-C: stop.
    Stop,
    /// No connection could be opened, even after retries.
    NoConnection,
}

/// A connection for the next attempt: the current one unless it is gone or
/// needs renewal, else a new one (connecting is retried under `--retries`).
fn ready<'c, J>(
    shared: &Shared<'_, J>,
    client: &'c mut Option<FtpClient>,
) -> Option<&'c mut FtpClient> {
    if client.as_ref().is_some_and(FtpClient::needs_renewal) {
        // No TLS session left to resume, and the server insists.
        if let Some(old) = client.take() {
            old.quit();
        }
    }
    if client.is_none() {
        match shared.ctx.connect() {
            Ok(c) => *client = Some(c),
            Err(e) => {
                shared
                    .ctx
                    .printer
                    .error(&format!("ftpc: worker connection failed: {e}"));
                return None;
            }
        }
    }
    client.as_mut()
}

/// Transfer one file, trying a transient failure again under `--retries`
/// (on a new connection when the old one is not usable). The `bool` given
/// to `work` says whether an earlier attempt wrote bytes, so it resumes.
fn run_job<J: Job>(
    shared: &Shared<'_, J>,
    client: &mut Option<FtpClient>,
    job: &J,
    work: &Work<'_, J>,
) -> Step {
    let ctx = shared.ctx;
    let mut wrote = false;
    // Bounded: `wait_before_retry` refuses once `--retries` are spent.
    let mut retry = 0;
    loop {
        let Some(c) = ready(shared, client) else {
            return Step::NoConnection;
        };
        let bar = ctx.printer.file_bar(&job.label(), job.size());
        let mut moved = 0u64;
        let mut progress = |n: u64| {
            moved += n;
            bar.inc(n);
            shared.overall.inc(n);
        };
        let result = work(c, job, wrote, &mut progress);
        bar.finish_and_clear();
        let e = match result {
            Ok(n) => {
                shared.ok.fetch_add(1, Ordering::SeqCst);
                shared.bytes.fetch_add(n, Ordering::SeqCst);
                return Step::Next;
            }
            Err(e) => e,
        };
        // This attempt's bytes come off the overall bar; a retry counts
        // them again from its offset.
        let pos = shared.overall.position();
        shared.overall.set_position(pos.saturating_sub(moved));
        wrote |= moved > 0;
        if !e.is_per_file() {
            *client = None;
        }
        match e {
            ClientError::Interrupted => {
                shared.stop.store(true, Ordering::SeqCst);
                return Step::Stop;
            }
            ClientError::Tls(TlsError::ReuseRefused(_)) if may_retry(shared) => {
                // A new connection brings new sessions.
                tracing::debug!("server requires TLS session reuse: reconnecting");
                *client = None;
                return Step::Requeue;
            }
            e => {
                let label = format!("{}: ", job.label());
                match retry::wait_before_retry(&ctx.retry, ctx.printer, &label, retry, &e) {
                    Ok(true) => {
                        retry += 1;
                        continue;
                    }
                    Ok(false) => {}
                    Err(_) => {
                        shared.stop.store(true, Ordering::SeqCst);
                        return Step::Stop;
                    }
                }
                if let Some(c) = client.as_mut() {
                    job.abandon(c);
                }
                shared.failed.fetch_add(1, Ordering::SeqCst);
                ctx.printer.error(&format!("ftpc: {}: {e}", job.label()));
                return Step::Next;
            }
        }
    }
}

/// Whether a job may go back to the queue: at most as many retries as
/// jobs in all, so the pool always ends.
fn may_retry<J>(shared: &Shared<'_, J>) -> bool {
    shared.retries.fetch_add(1, Ordering::SeqCst) < shared.total as u64
}

impl Stats {
    /// `Partial` when some files failed, else Ok.
    pub fn into_result(self) -> Result<Stats> {
        if self.failed > 0 {
            Err(ClientError::Partial {
                failed: self.failed as usize,
                total: (self.failed + self.ok) as usize,
            })
        } else {
            Ok(self)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct J(&'static str, u32);

    impl Job for J {
        fn label(&self) -> String {
            format!("{}/{}", self.0, self.1)
        }
        fn size(&self) -> Option<u64> {
            None
        }
        fn directory(&self) -> &str {
            self.0
        }
    }

    #[test]
    fn spread_alternates_directories_and_keeps_every_job() {
        let jobs = vec![
            J("a", 1),
            J("a", 2),
            J("a", 3),
            J("b", 1),
            J("b", 2),
            J("c", 1),
        ];
        let order: Vec<String> = spread(jobs).iter().map(Job::label).collect();
        assert_eq!(order, ["a/1", "b/1", "c/1", "a/2", "b/2", "a/3"]);
    }

    #[test]
    fn spread_of_one_directory_keeps_its_order() {
        let order: Vec<String> = spread(vec![J("a", 2), J("a", 1)])
            .iter()
            .map(Job::label)
            .collect();
        assert_eq!(order, ["a/2", "a/1"]);
    }
}
