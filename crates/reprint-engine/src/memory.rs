//! Memory the stages freed, given back to the system between them.
//!
//! glibc's allocator keeps what a thread freed in that thread's arena: the memory one stage
//! (reading, verification, the seed index) frees stays in the process and is not reused by
//! the next stage's threads, so the peak RSS is the sum of the stages' peaks rather than the
//! largest. `malloc_trim` returns the free pages of every arena. Elsewhere a no-op.

/// Returns the pages the allocator holds free to the system.
pub(crate) fn give_back_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointer and only releases free pages of glibc's arenas;
    // it is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
