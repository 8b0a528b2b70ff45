//! The file descriptor table: what each guest `fd` number stands for.
//!
//! ```text
//!   fd   FdEntry
//!   0    Input  (stdin, or what the embedder gave)
//!   1    Output (stdout ...)
//!   2    Output (stderr ...)
//!   3..  Dir    preopened directories, in the order they were given
//!   ..   File / Dir opened by path_open (lowest free number first)
//! ```
//!
//! A directory entry holds its host path with every symlink already
//! resolved (see `sandbox.rs`); paths the guest passes with it are confined
//! to it.

use super::errno::Errno;
use std::fs::File;
use std::io::{Read, Write};
use std::path::PathBuf;

/// `filetype` values.
pub mod filetype {
    pub const UNKNOWN: u8 = 0;
    pub const BLOCK_DEVICE: u8 = 1;
    pub const CHARACTER_DEVICE: u8 = 2;
    pub const DIRECTORY: u8 = 3;
    pub const REGULAR_FILE: u8 = 4;
    pub const SOCKET_STREAM: u8 = 6;
    pub const SYMBOLIC_LINK: u8 = 7;
}

/// `fdflags` bits.
pub mod fdflags {
    pub const APPEND: u16 = 1 << 0;
    pub const DSYNC: u16 = 1 << 1;
    pub const RSYNC: u16 = 1 << 3;
    pub const SYNC: u16 = 1 << 4;
}

/// `rights` bits this implementation reports (it does not restrict by
/// rights: they are advisory in current WASI, as in wasmtime).
pub mod rights {
    pub const FD_DATASYNC: u64 = 1 << 0;
    pub const FD_READ: u64 = 1 << 1;
    pub const FD_SEEK: u64 = 1 << 2;
    pub const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
    pub const FD_SYNC: u64 = 1 << 4;
    pub const FD_TELL: u64 = 1 << 5;
    pub const FD_WRITE: u64 = 1 << 6;
    pub const FD_ADVISE: u64 = 1 << 7;
    pub const FD_FILESTAT_GET: u64 = 1 << 21;
    pub const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
    pub const POLL_FD_READWRITE: u64 = 1 << 27;
    /// Every right of the preview 1 list (bits 0..=29).
    pub const ALL: u64 = (1 << 30) - 1;
    /// Rights of a stream (stdio): no seeking.
    pub const STREAM: u64 =
        FD_READ | FD_WRITE | FD_FDSTAT_SET_FLAGS | FD_SYNC | FD_DATASYNC | POLL_FD_READWRITE;
    /// Rights of a regular file.
    pub const FILE: u64 =
        STREAM | FD_SEEK | FD_TELL | FD_ADVISE | FD_FILESTAT_GET | FD_FILESTAT_SET_SIZE;
}

/// An open directory, confined to `host`.
#[derive(Debug, Clone)]
pub struct DirHandle {
    /// Absolute host path, free of symlinks.
    pub host: PathBuf,
    /// The guest name, for preopened directories.
    pub preopen: Option<String>,
}

/// What an fd stands for.
pub enum FdEntry {
    /// A stream to read; `terminal`: whether it is the host's terminal
    /// (reported as a character device, else as an unknown file type, as
    /// wasmtime does, so the guest's `isatty` is right).
    Input {
        stream: Box<dyn Read + Send>,
        terminal: bool,
    },
    Output {
        stream: Box<dyn Write + Send>,
        terminal: bool,
    },
    File {
        file: File,
        /// `fdflags` the guest set (only `APPEND` changes behaviour).
        flags: u16,
        readable: bool,
        writable: bool,
    },
    Dir(DirHandle),
}

impl FdEntry {
    pub fn filetype(&self) -> u8 {
        match self {
            FdEntry::Input { terminal: true, .. } | FdEntry::Output { terminal: true, .. } => {
                filetype::CHARACTER_DEVICE
            }
            FdEntry::Input { .. } | FdEntry::Output { .. } => filetype::UNKNOWN,
            FdEntry::File { .. } => filetype::REGULAR_FILE,
            FdEntry::Dir(_) => filetype::DIRECTORY,
        }
    }
}

/// Fd number → entry; `None` marks a closed number.
#[derive(Default)]
pub struct FdTable {
    entries: Vec<Option<FdEntry>>,
}

impl FdTable {
    /// Adds `entry` at the lowest free number.
    ///
    /// # Errors
    /// `MFILE` when no `u32` number is free.
    pub fn insert(&mut self, entry: FdEntry) -> Result<u32, Errno> {
        let index = match self.entries.iter().position(Option::is_none) {
            Some(free) => {
                self.entries[free] = Some(entry);
                free
            }
            None => {
                self.entries.push(Some(entry));
                self.entries.len() - 1
            }
        };
        u32::try_from(index).map_err(|_| Errno::MFILE)
    }

    /// # Errors
    /// `BADF` for a number that is not open.
    pub fn get(&self, fd: u32) -> Result<&FdEntry, Errno> {
        self.entries
            .get(fd as usize)
            .and_then(Option::as_ref)
            .ok_or(Errno::BADF)
    }

    /// # Errors
    /// `BADF` for a number that is not open.
    pub fn get_mut(&mut self, fd: u32) -> Result<&mut FdEntry, Errno> {
        self.entries
            .get_mut(fd as usize)
            .and_then(Option::as_mut)
            .ok_or(Errno::BADF)
    }

    /// The directory `fd` names.
    ///
    /// # Errors
    /// `BADF` if not open, `NOTDIR` if it is not a directory.
    pub fn dir(&self, fd: u32) -> Result<&DirHandle, Errno> {
        match self.get(fd)? {
            FdEntry::Dir(dir) => Ok(dir),
            _ => Err(Errno::NOTDIR),
        }
    }

    /// Closes `fd`, returning its entry.
    ///
    /// # Errors
    /// `BADF` if not open.
    pub fn remove(&mut self, fd: u32) -> Result<FdEntry, Errno> {
        self.entries
            .get_mut(fd as usize)
            .and_then(Option::take)
            .ok_or(Errno::BADF)
    }

    /// Flushes every output stream (before the program exits).
    pub fn flush_outputs(&mut self) {
        for entry in self.entries.iter_mut().flatten() {
            if let FdEntry::Output { stream, .. } = entry {
                // Best effort: the program is ending, a closed pipe must not
                // turn its exit into a failure.
                let _ = stream.flush();
            }
        }
    }

    /// Moves `from` to number `to`, closing what `to` held (`fd_renumber`).
    ///
    /// # Errors
    /// `BADF` if either is not open.
    pub fn renumber(&mut self, from: u32, to: u32) -> Result<(), Errno> {
        self.get(to)?;
        let entry = self.remove(from)?;
        self.entries[to as usize] = Some(entry);
        Ok(())
    }
}
