//! `fd_readdir`: a directory's entries as a stream of `dirent` records.
//!
//! ```text
//!   dirent (24 bytes, then the name, no NUL)
//!     0: d_next u64 (cookie of the next entry)   8: d_ino u64
//!    16: d_namlen u32                           20: d_type u8
//! ```
//!
//! The listing is `.`, `..`, then the entries sorted by name; an entry's
//! cookie is its position in it. The records from `cookie` on are packed
//! into the buffer and cut at its end: a full buffer (`bufused == buf_len`)
//! tells the guest to read again with a larger one or a later cookie.

use super::fd_stat::filetype_of;
use super::fd_table::filetype;
use super::memory::{GuestMemory, to_u32};
use super::{Params, WasiCtx, WasiResult};
use crate::store::Caller;
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirEntryExt, MetadataExt};
use std::path::Path;

const DIRENT_SIZE: usize = 24;

struct Entry {
    name: OsString,
    ino: u64,
    filetype: u8,
}

pub(super) fn fd_readdir(ctx: &mut WasiCtx, caller: &mut Caller<'_>, p: &Params<'_>) -> WasiResult {
    let (fd, buf, buf_len, cookie, bufused_ptr) =
        (p.u32(0)?, p.u32(1)?, p.u32(2)?, p.u64(3)?, p.u32(4)?);
    let entries = list(&ctx.fds.dir(fd)?.host)?;
    let mut packed = Vec::new();
    let start = usize::try_from(cookie).unwrap_or(usize::MAX);
    for (index, entry) in entries.iter().enumerate().skip(start) {
        if packed.len() >= buf_len as usize {
            break;
        }
        let name = entry.name.as_bytes();
        let mut record = [0u8; DIRENT_SIZE];
        record[0..8].copy_from_slice(&(index as u64 + 1).to_le_bytes());
        record[8..16].copy_from_slice(&entry.ino.to_le_bytes());
        record[16..20].copy_from_slice(&to_u32(name.len())?.to_le_bytes());
        record[20] = entry.filetype;
        packed.extend_from_slice(&record);
        packed.extend_from_slice(name);
    }
    packed.truncate(buf_len as usize);
    let mut mem = GuestMemory::of_caller(caller)?;
    mem.write(buf, &packed)?;
    mem.write_u32(bufused_ptr, packed.len() as u32)?;
    Ok(())
}

/// `.`, `..` and the entries of `dir` by name.
fn list(dir: &Path) -> std::io::Result<Vec<Entry>> {
    let dot = |name: &str, path: &Path| -> std::io::Result<Entry> {
        Ok(Entry {
            name: name.into(),
            ino: std::fs::metadata(path)?.ino(),
            filetype: filetype::DIRECTORY,
        })
    };
    let mut entries = vec![dot(".", dir)?, dot("..", &dir.join(".."))?];
    let mut named = Vec::new();
    for found in std::fs::read_dir(dir)? {
        let found = found?;
        named.push(Entry {
            name: found.file_name(),
            ino: found.ino(),
            filetype: filetype_of(&found.metadata()?),
        });
    }
    named.sort_by(|a, b| a.name.cmp(&b.name));
    entries.extend(named);
    Ok(entries)
}
