//! Ports for external servers that cannot bind port 0 themselves (vsftpd
//! needs a control port and a passive range in its config). One helper hands
//! them out, so tests running in parallel never get the same control port
//! or overlapping passive ranges: every port handed out is remembered for
//! the life of the test process, and each is checked to be free when given.
//! (pyftpdlib binds port 0 and prints its port; ftpd's own test servers
//! listen on port 0 too.)

use std::collections::HashSet;
use std::net::TcpListener;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

/// Passive ranges come from here, in blocks of `BLOCK`.
const PASSIVE_BASE: u16 = 40_000;
const BLOCKS: u32 = 500;
const BLOCK: u16 = 20;

static TAKEN: Mutex<Option<HashSet<u16>>> = Mutex::new(None);
static NEXT_BLOCK: AtomicU32 = AtomicU32::new(0);

/// Remember `ports` as handed out, unless one of them already is.
fn take(ports: impl IntoIterator<Item = u16> + Clone) -> bool {
    let mut guard = TAKEN.lock().unwrap_or_else(|e| e.into_inner());
    let taken = guard.get_or_insert_with(HashSet::new);
    if ports.clone().into_iter().any(|p| taken.contains(&p)) {
        return false;
    }
    taken.extend(ports);
    true
}

fn bindable(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
}

/// A free control port no other test of this process was given.
pub fn control_port() -> u16 {
    for _ in 0..1000 {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = l.local_addr().expect("local addr").port();
        drop(l);
        if take([port]) {
            return port;
        }
    }
    panic!("no free control port after 1000 tries");
}

/// A passive range `(min, max)` of 20 free ports that overlaps no range or
/// port given to another test of this process. The first block depends on
/// the process id, so two test processes at once start far apart.
pub fn passive_range() -> (u16, u16) {
    let start = std::process::id() % BLOCKS;
    for _ in 0..BLOCKS {
        let block = (start + NEXT_BLOCK.fetch_add(1, Ordering::Relaxed)) % BLOCKS;
        let lo = PASSIVE_BASE + block as u16 * BLOCK;
        let range = lo..lo + BLOCK;
        if range.clone().all(bindable) && take(range) {
            return (lo, lo + BLOCK - 1);
        }
    }
    panic!("no free passive range of {BLOCK} ports in {PASSIVE_BASE}..");
}

#[test]
fn handed_out_ports_never_overlap() {
    let ranges: Vec<(u16, u16)> = (0..10).map(|_| passive_range()).collect();
    let controls: Vec<u16> = (0..10).map(|_| control_port()).collect();
    let mut seen = HashSet::new();
    for (lo, hi) in &ranges {
        assert_eq!(hi - lo + 1, BLOCK);
        for p in *lo..=*hi {
            assert!(seen.insert(p), "port {p} handed out twice");
        }
    }
    for p in controls {
        assert!(seen.insert(p), "control port {p} handed out twice");
    }
}
