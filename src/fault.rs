//! Failure injection for tests: forces the real error path that runs when an
//! allocation fails after `recvmsg` returned, which otherwise only happens
//! under memory pressure. It exists only in debug builds (which the tests
//! use), where `rmsg_testing_fail_after_syscall` arms it; release builds
//! have neither the hook nor its check.

#[cfg(debug_assertions)]
mod armed {
    use std::cell::Cell;
    use std::sync::atomic::{AtomicBool, Ordering};

    thread_local! {
        static ARMED: Cell<u32> = const { Cell::new(0) };
    }

    /// Set once any thread has armed a failure, so that the receive path
    /// of a program that never does pays one load instead of a
    /// thread-local lookup.
    static EVER_ARMED: AtomicBool = AtomicBool::new(false);

    /// Makes the next `count` post-syscall allocation checks on this
    /// thread fail.
    pub fn arm(count: u32) {
        EVER_ARMED.store(true, Ordering::Relaxed);
        ARMED.with(|c| c.set(count));
    }

    /// True when an armed failure is due now (and consumes it).
    pub fn should_fail() -> bool {
        if !EVER_ARMED.load(Ordering::Relaxed) {
            return false;
        }
        ARMED.with(|c| {
            let n = c.get();
            c.set(n.saturating_sub(1));
            n > 0
        })
    }
}

#[cfg(debug_assertions)]
pub use armed::{arm, should_fail};

/// Release builds never inject a failure.
#[cfg(not(debug_assertions))]
pub fn should_fail() -> bool {
    false
}
