//! Best-effort process hardening: the only place in Confidant with `unsafe` code.
//!
//! All functions are safe to call and never fail loudly: on a system that refuses
//! (a low `RLIMIT_MEMLOCK`, a sandbox) Confidant still works, just with less
//! defence in depth. See docs/security.md.
#![deny(unsafe_code)]

/// Stops the kernel from writing this process's memory (keys, open notes) to a core
/// dump and from letting other processes of the same user attach to it.
/// Returns whether both settings took effect.
pub fn disable_core_dumps() -> bool {
    platform::disable_core_dumps()
}

/// Asks the kernel to keep the pages holding `bytes` in RAM, never in swap.
/// The pages stay locked until the process exits; key buffers are small, so the
/// cost is a handful of pages. Returns whether the request was granted.
pub fn lock_in_memory(bytes: &[u8]) -> bool {
    platform::lock_in_memory(bytes)
}

/// Turns off WebKitGTK's accelerated compositing for this process and its web
/// processes (`WEBKIT_DISABLE_COMPOSITING_MODE=1`) unless the environment already
/// decides (`=0` keeps it on). Measured in docs/benchmarks.md: it halves what the
/// page costs in memory over an empty window, and it is the usual cure for blank
/// or flickering windows on some GPU drivers; a notes app has no animation that
/// needs the GPU. Not hardening, but here because setting the environment is
/// `unsafe`: call it first thing in `main`, before any thread exists.
pub fn disable_webkit_compositing() {
    const NAME: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
    if cfg!(target_os = "linux") && std::env::var_os(NAME).is_none() {
        set_env_before_threads(NAME, "1");
    }
}

/// Runs the web view's JavaScript in JavaScriptCore's interpreter, without its
/// just-in-time compilers (`JSC_useJIT=0`, inherited by WebKitGTK's web process),
/// unless the environment already decides (`JSC_useJIT=1` keeps them). JIT
/// compilers are where most browser-engine exploits land; Apple's Lockdown Mode
/// and Edge's enhanced security mode turn them off for that reason. Confidant's
/// page runs only its own small, bundled script, which is quick enough
/// interpreted, and the web process holds ~10 MiB less (docs/benchmarks.md,
/// ADR 0011). Linux only: macOS and Windows web views ignore the variable. Call
/// it first thing in `main`, before any thread exists.
pub fn disable_javascript_jit() {
    const NAME: &str = "JSC_useJIT";
    if cfg!(target_os = "linux") && std::env::var_os(NAME).is_none() {
        set_env_before_threads(NAME, "0");
    }
}

#[allow(unsafe_code)]
fn set_env_before_threads(name: &str, value: &str) {
    // SAFETY: only called from the top of `main`, before the app starts any
    // thread, so nothing reads the environment concurrently.
    unsafe { std::env::set_var(name, value) }
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
mod platform {
    pub fn disable_core_dumps() -> bool {
        let no_core = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: setrlimit reads the struct we pass by reference and nothing else.
        let rlimit_ok = unsafe { libc::setrlimit(libc::RLIMIT_CORE, &no_core) } == 0;
        // SAFETY: PR_SET_DUMPABLE takes plain integer arguments; no memory is shared.
        let dumpable_ok = unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) } == 0;
        rlimit_ok && dumpable_ok
    }

    pub fn lock_in_memory(bytes: &[u8]) -> bool {
        if bytes.is_empty() {
            return true;
        }
        // SAFETY: mlock only changes the paging of the given range, which is a live
        // borrow for the duration of the call; it reads and writes no memory.
        unsafe { libc::mlock(bytes.as_ptr().cast(), bytes.len()) == 0 }
    }
}

#[cfg(all(unix, not(target_os = "linux")))]
#[allow(unsafe_code)]
mod platform {
    pub fn disable_core_dumps() -> bool {
        let no_core = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: setrlimit reads the struct we pass by reference and nothing else.
        unsafe { libc::setrlimit(libc::RLIMIT_CORE, &no_core) == 0 }
    }

    pub fn lock_in_memory(bytes: &[u8]) -> bool {
        if bytes.is_empty() {
            return true;
        }
        // SAFETY: mlock only changes the paging of the given range, a live borrow.
        unsafe { libc::mlock(bytes.as_ptr().cast(), bytes.len()) == 0 }
    }
}

#[cfg(not(unix))]
mod platform {
    pub fn disable_core_dumps() -> bool {
        false
    }

    pub fn lock_in_memory(_bytes: &[u8]) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The function sets the limit; that the app calls it at start-up is
    /// checked on the running app (tests/e2e/promises.test.mjs).
    #[cfg(target_os = "linux")]
    #[test]
    fn disabling_core_dumps_sets_the_core_limit_to_zero() {
        assert!(disable_core_dumps());
        let limits = std::fs::read_to_string("/proc/self/limits").expect("procfs");
        let core = limits.lines().find(|line| line.starts_with("Max core file size")).expect("core line");
        assert!(core.split_whitespace().nth(4) == Some("0"), "{core}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_locked_buffer_is_counted_as_locked_memory_and_keeps_its_contents() {
        let locked_kib = || {
            let status = std::fs::read_to_string("/proc/self/status").expect("procfs");
            let line = status.lines().find(|line| line.starts_with("VmLck:")).expect("VmLck line");
            line.split_whitespace().nth(1).and_then(|kib| kib.parse::<u64>().ok()).expect("a number")
        };
        let buffer = Box::new([7u8; 32]);
        assert!(lock_in_memory(buffer.as_slice()), "mlock of 32 bytes succeeds (well under RLIMIT_MEMLOCK)");
        assert!(locked_kib() >= 4, "at least the page holding the buffer is locked");
        assert_eq!(buffer[0], 7);
        assert!(lock_in_memory(&[]), "nothing to lock is not a failure");
    }
}
