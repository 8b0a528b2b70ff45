//! Link options of the `wasmfx-tier` binary.
//!
//! Packed relative relocations (`-z pack-relative-relocs`, DT_RELR): the
//! binary carries about 13,000 relative relocations, which the dynamic
//! loader applies one 24-byte entry at a time before `main`; packed, they
//! are a 3 KB bitmap it applies several times faster. That is 43,000 of
//! the 711,000 instructions of a whole `run` of a trivial export
//! (`bash benches/callgrind.sh startup`).
//!
//! Only where the loader knows DT_RELR for sure: a native build (host =
//! target) for Linux with glibc 2.36 or later, as `getconf` reports it. An
//! older glibc would skip the packed table and start with unrelocated
//! pointers; a linker links the table without checking that.

use std::process::Command;

/// The first glibc whose loader applies DT_RELR.
const RELR_GLIBC: (u32, u32) = (2, 36);

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if packs_relative_relocs() {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

fn packs_relative_relocs() -> bool {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let native = var("HOST") == var("TARGET");
    let linux_gnu = var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu";
    native && linux_gnu && glibc_version().is_some_and(|version| version >= RELR_GLIBC)
}

/// The build machine's glibc, from `getconf GNU_LIBC_VERSION` ("glibc 2.36").
fn glibc_version() -> Option<(u32, u32)> {
    let out = Command::new("getconf")
        .arg("GNU_LIBC_VERSION")
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let (major, minor) = text.trim().strip_prefix("glibc ")?.split_once('.')?;
    let minor = minor.split(|c: char| !c.is_ascii_digit()).next()?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}
