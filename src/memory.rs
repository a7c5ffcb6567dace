//! How `serve` asks glibc's malloc to give memory back.
//!
//! By default glibc raises its mmap threshold after the first large block
//! is freed, so later large, short-lived buffers (argon2's 19 MiB per
//! sign-in or password change, big pages and exports) come from heap arenas
//! that are rarely returned to the system, and it keeps up to eight arenas
//! per core, one per busy thread. RSS then grew with every burst of
//! sign-ins and never came down. A fixed threshold sends large blocks to
//! mmap, which returns them on free, and two arenas bound the rest.

/// Blocks at least this large are mapped on their own and unmapped when freed.
const MMAP_THRESHOLD: i32 = 256 * 1024;
/// Arenas shared by all threads (the machine class we size for has two cores).
const ARENA_MAX: i32 = 2;

/// Call once at start-up, before threads start.
pub fn bound_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets malloc's tuning parameters; it is called
    // before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        libc::mallopt(libc::M_ARENA_MAX, ARENA_MAX);
    }
}
