//! Fixed ports for the external servers that cannot take port 0 and report
//! what they got: vsftpd's control port and the passive ranges of vsftpd
//! and of the benchmark's servers. Everything else binds port 0 (our
//! `TestServer`, pyftpdlib, which prints its port and leaves passive ports
//! to the OS).
//!
//! This module is the one place such ports come from. It hands out
//! disjoint blocks of `BLOCK` ports from `RANGE`, which lies below Linux's
//! ephemeral range (32768-60999 by default), so no port-0 bind and no
//! outgoing connection of a test lands inside. Within one process an atomic
//! counter walks the blocks; across processes (two worktrees running their
//! tests at once on one machine) each block is claimed by holding a listener
//! on its first port, which the kernel releases when the process dies, so
//! nothing is left behind. A block is handed out only when every port in it
//! can be bound right now.

use std::net::TcpListener;
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Ports per block: the claim port, then `BLOCK - 1` the caller may use.
pub const BLOCK: u16 = 50;
/// Where blocks come from: above the benchmark's default passive range
/// (20000-29999, bench/servers.py), below the ephemeral range.
const RANGE_START: u16 = 30_000;
const BLOCKS: usize = 55; // 30000-32749

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// `BLOCK - 1` consecutive ports on 127.0.0.1 that no other `PortBlock`, in
/// this process or another, holds while this one lives.
#[derive(Debug)]
pub struct PortBlock {
    /// Held open for the block's lifetime: the claim other processes see.
    _claim: TcpListener,
    first: u16,
}

impl PortBlock {
    /// Claim the next free block; fails (never skips) when all are taken.
    pub fn reserve() -> PortBlock {
        for _ in 0..BLOCKS {
            let index = NEXT.fetch_add(1, Ordering::Relaxed) % BLOCKS;
            let claim_port = RANGE_START + index as u16 * BLOCK;
            let Ok(claim) = TcpListener::bind(("127.0.0.1", claim_port)) else {
                continue; // another process (or a stray program) has it
            };
            let block = PortBlock {
                _claim: claim,
                first: claim_port + 1,
            };
            if block.ports().all(bindable) {
                return block;
            }
        }
        panic!(
            "no free block of {BLOCK} ports in {RANGE_START}-{}",
            RANGE_START + BLOCKS as u16 * BLOCK - 1
        );
    }

    /// Every port the caller may use.
    pub fn ports(&self) -> RangeInclusive<u16> {
        self.first..=self.first + BLOCK - 2
    }

    /// A control port for a server that must be told one.
    pub fn control(&self) -> u16 {
        self.first
    }

    /// The rest of the block, as a passive range `(min, max)`.
    pub fn passive(&self) -> (u16, u16) {
        (self.first + 1, *self.ports().end())
    }
}

/// Whether a server could bind `port` now. std sets SO_REUSEADDR, as the
/// servers do, so a connection lingering in TIME_WAIT does not count.
fn bindable(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
}

#[test]
fn port_blocks_are_disjoint_and_usable() {
    let a = PortBlock::reserve();
    let b = PortBlock::reserve();
    assert_eq!(a.ports().count(), usize::from(BLOCK - 1));
    assert!(a.ports().end() < b.ports().start() || b.ports().end() < a.ports().start());
    assert!(
        a.ports().all(|p| p < 32_768),
        "{a:?} reaches the ephemeral range"
    );
    let (lo, hi) = a.passive();
    assert!(a.control() < lo && lo < hi && hi == *a.ports().end());
    // The claim keeps other processes out: its port cannot be bound again.
    assert!(!bindable(a.first - 1));
}
