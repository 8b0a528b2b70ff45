//! Link options of the `wasmfx-tier` binary, and the commit its `--version`
//! names.
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

use std::path::{Path, PathBuf};
use std::process::Command;

/// The first glibc whose loader applies DT_RELR.
const RELR_GLIBC: (u32, u32) = (2, 36);

/// The workspace's crates whose sources make the binary (a change in one
/// marks the build `+changes`).
const SOURCE_DIRS: [&str; 5] = ["core/src", "fibre/src", "interp/src", "jit/src", "tier/src"];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if packs_relative_relocs() {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    println!("cargo:rustc-env=WASMFX_TIER_VERSION={}", version());
}

/// `--version`'s text: the package version, and the commit built from when
/// this is a git checkout ("0.1.0 (c24d147)", with "+changes" when tracked
/// files differed from it when this script last ran), as Wasmtime's names
/// its commit.
fn version() -> String {
    let package = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    match commit() {
        Some(commit) => format!("{package} ({commit})"),
        None => package,
    }
}

/// The short hash of the checked-out commit, `+changes` appended when
/// tracked files differ; `None` outside a git checkout or without git.
/// Asks cargo to run this again when the commit or the sources change.
fn commit() -> Option<String> {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    let root = manifest.parent()?;
    let git_dir = PathBuf::from(git(root, &["rev-parse", "--absolute-git-dir"])?);
    for watched in ["HEAD", "index", "logs/HEAD"] {
        println!("cargo:rerun-if-changed={}", git_dir.join(watched).display());
    }
    for dir in SOURCE_DIRS {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
    }
    let hash = git(root, &["rev-parse", "--short", "HEAD"])?;
    let status = git(root, &["status", "--porcelain", "--untracked-files=no"])?;
    Some(if status.is_empty() {
        hash
    } else {
        format!("{hash}+changes")
    })
}

/// The trimmed output of `git ARGS` run in `dir`, when it succeeds.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
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
