//! Probes, on the machine that builds (and so tests) the crate, whether the
//! kernel has page-table guard markers (`madvise(MADV_GUARD_INSTALL)`,
//! Linux 6.13+). Sets `cfg(guard_markers)` when it does: the tests that
//! check slab guards run only then, and are reported as ignored (skipped)
//! elsewhere, never as passed without checking anything. Only with the
//! `native` feature, which has the slabs.

/// `MADV_GUARD_INSTALL` (not in libc 0.2.189).
#[cfg(feature = "native")]
const MADV_GUARD_INSTALL: libc::c_int = 102;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(guard_markers)");
    println!("cargo::rerun-if-changed=build.rs");
    // Without the `native` feature there are no slabs to guard (and the
    // target may not be this machine's kind at all).
    #[cfg(feature = "native")]
    if guard_markers() {
        println!("cargo::rustc-cfg=guard_markers");
    }
}

/// Whether a guard marker can be installed in a fresh anonymous page.
#[cfg(feature = "native")]
fn guard_markers() -> bool {
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
    // SAFETY: a fresh private anonymous mapping of one page, used only here.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            page,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if base == libc::MAP_FAILED {
        return false;
    }
    // SAFETY: the page mapped above; nothing lives in it.
    let ok = unsafe { libc::madvise(base, page, MADV_GUARD_INSTALL) } == 0;
    // SAFETY: the mapping made above, no longer used.
    unsafe { libc::munmap(base, page) };
    ok
}
