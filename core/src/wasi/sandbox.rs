//! Confinement of guest paths: a path given with a directory fd resolves
//! to a host path inside that directory, or fails.
//!
//! ```text
//!   guest "a/link/../b"  with dir fd D (host /srv/data)
//!     pending: [a, link, .., b]      resolved: []
//!     a     → lstat /srv/data/a: dir            resolved: [a]
//!     link  → symlink "x/y": splice, pending: [x, y, .., b]
//!     x, y  → dirs                               resolved: [a, x, y]
//!     ..    → pop                                resolved: [a, x]
//!     b     → last component                     resolved: [a, x, b]
//!   host path: /srv/data/a/x/b
//! ```
//!
//! Components are resolved one by one; every symlink met on the way (and
//! the last component when the caller follows it) is read and spliced in,
//! so the resolved list only ever holds real directory names and `..` is
//! always a real step up. Absolute paths, absolute symlink targets and any
//! `..` that would climb above the directory give `PERM` (what wasmtime
//! answers: its cap-std reports escapes as permission denied); more than
//! [`MAX_SYMLINKS`] links give `LOOP`.
//!
//! Limit: resolution and the final operation are separate system calls, so
//! a host process that swaps a directory for a symlink between the two
//! could redirect one operation. A guest alone cannot: it runs single
//! threaded and the check and use happen within one WASI call.

use super::errno::Errno;
use super::fd_table::DirHandle;
use std::collections::VecDeque;
use std::ffi::OsString;
use std::fs::Metadata;
use std::path::{Component, Path, PathBuf};

/// Symlinks one resolution may follow (Linux's limit).
pub const MAX_SYMLINKS: u32 = 40;

/// A guest path resolved inside a directory.
#[derive(Debug)]
pub struct Resolved {
    /// The host path (the directory itself when the guest path names it).
    pub host: PathBuf,
    /// `lstat` of the last component; `None` when it does not exist.
    pub meta: Option<Metadata>,
}

impl Resolved {
    /// Whether the last component is a symlink left unfollowed.
    pub fn is_symlink(&self) -> bool {
        self.meta.as_ref().is_some_and(Metadata::is_symlink)
    }

    /// Whether the last component names the starting directory itself.
    pub fn is_start(&self, dir: &DirHandle) -> bool {
        self.host == dir.host
    }
}

/// Resolves `path` below `dir`. `follow_last`: whether a symlink in the last
/// component is followed (`lookupflags.symlink_follow`); a trailing `/`
/// or `/.` always follows it.
///
/// # Errors
/// `PERM` for escapes, `LOOP` for too many links, `NOENT`/`NOTDIR`
/// when a directory on the way is missing or is not one, and the mapped
/// host error if `lstat` fails otherwise.
pub fn resolve(dir: &DirHandle, path: &str, follow_last: bool) -> Result<Resolved, Errno> {
    if path.is_empty() {
        return Err(Errno::NOENT);
    }
    if path.contains('\0') {
        return Err(Errno::INVAL);
    }
    if path.starts_with('/') {
        return Err(Errno::PERM);
    }
    // `dir/`, `dir/.` name what `dir` points to: follow it, and it must be
    // a directory.
    let must_be_dir = path.ends_with('/') || path.ends_with("/.");
    let follow_last = follow_last || must_be_dir;
    let mut pending: VecDeque<OsString> = split(Path::new(path));
    let mut resolved: Vec<OsString> = Vec::new();
    let mut links = 0;
    let mut meta = None;
    while let Some(component) = pending.pop_front() {
        if component == ".." {
            resolved.pop().ok_or(Errno::PERM)?;
            meta = None;
            continue;
        }
        resolved.push(component);
        let host = join(&dir.host, &resolved);
        let is_last = pending.is_empty();
        let found = match std::fs::symlink_metadata(&host) {
            Ok(found) => found,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && is_last => {
                return Ok(Resolved { host, meta: None });
            }
            Err(e) => return Err(Errno::from_io(&e)),
        };
        if found.is_symlink() && (!is_last || follow_last) {
            links += 1;
            if links > MAX_SYMLINKS {
                return Err(Errno::LOOP);
            }
            let target = std::fs::read_link(&host).map_err(|e| Errno::from_io(&e))?;
            if target.has_root() {
                return Err(Errno::PERM);
            }
            resolved.pop();
            for part in split(&target).into_iter().rev() {
                pending.push_front(part);
            }
            meta = None;
            continue;
        }
        if !is_last && !found.is_dir() {
            return Err(Errno::NOTDIR);
        }
        meta = Some(found);
    }
    // The path ended in `..` or `.`: it names a directory already checked.
    let host = join(&dir.host, &resolved);
    if meta.is_none() {
        meta = std::fs::symlink_metadata(&host).ok();
    }
    if must_be_dir && meta.as_ref().is_some_and(|m| !m.is_dir()) {
        return Err(Errno::NOTDIR);
    }
    Ok(Resolved { host, meta })
}

/// The components of a relative path, `.` dropped, `..` kept.
fn split(path: &Path) -> VecDeque<OsString> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(name) => Some(name.to_os_string()),
            Component::ParentDir => Some(OsString::from("..")),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => None,
        })
        .collect()
}

fn join(base: &Path, parts: &[OsString]) -> PathBuf {
    let mut path = base.to_path_buf();
    path.extend(parts);
    path
}
