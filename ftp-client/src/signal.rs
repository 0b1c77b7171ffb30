//! Ctrl-C handling. The first SIGINT only sets a flag: blocking reads return
//! `Interrupted` (the handler is installed without `SA_RESTART`), the transfer
//! loop sees the flag, sends ABOR and leaves the partial file for `-c`. The
//! second SIGINT exits at once with status 130.

use std::sync::atomic::{AtomicUsize, Ordering};

static SIGINTS: AtomicUsize = AtomicUsize::new(0);

extern "C" fn on_sigint(_: libc::c_int) {
    // Only async-signal-safe operations here: an atomic add and _exit.
    let before = SIGINTS.fetch_add(1, Ordering::SeqCst);
    if before >= 1 {
        // SAFETY: _exit is async-signal-safe and never returns.
        unsafe { libc::_exit(crate::exit::INTERRUPTED) };
    }
}

/// Install the SIGINT handler. Call once from `main`.
pub fn install() {
    // SAFETY: a zeroed sigaction is a valid starting value; the handler only
    // touches an atomic and calls _exit, both async-signal-safe.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigint as extern "C" fn(libc::c_int) as usize;
        action.sa_flags = 0; // no SA_RESTART: blocking reads return EINTR
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGINT, &action, std::ptr::null_mut());
    }
}

/// True once Ctrl-C has been pressed.
pub fn interrupted() -> bool {
    SIGINTS.load(Ordering::SeqCst) > 0
}
