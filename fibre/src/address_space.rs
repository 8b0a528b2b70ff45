//! The process's address-space limit (`ulimit -v`, RLIMIT_AS): everything
//! the store reserves or allocates counts against it, native stacks and
//! heap frames alike, so defaults that must stay under it read it here.

/// The soft address-space limit in bytes, or `None` when there is none.
pub fn address_space_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the limit into `limit`.
    if unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut limit) } != 0 {
        return None;
    }
    (limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur)
}
