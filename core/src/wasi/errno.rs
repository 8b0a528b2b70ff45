//! WASI preview 1 error numbers (`errno`), and how host I/O errors map to
//! them.
//!
//! A WASI function returns one `errno` as its `i32` result: 0 is success,
//! anything else names the failure. [`WasiError`] is what the functions here
//! return internally: an errno for the guest, or a trap that ends the call
//! (a missing memory export, `proc_exit`).

use crate::trap::Trap;
use std::io;

/// A WASI `errno` value (the numbering of `wasi_snapshot_preview1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Errno(pub u16);

impl Errno {
    pub const SUCCESS: Errno = Errno(0);
    pub const TOOBIG: Errno = Errno(1);
    pub const ACCES: Errno = Errno(2);
    pub const AGAIN: Errno = Errno(6);
    pub const BADF: Errno = Errno(8);
    pub const BUSY: Errno = Errno(10);
    pub const DQUOT: Errno = Errno(19);
    pub const EXIST: Errno = Errno(20);
    pub const FAULT: Errno = Errno(21);
    pub const FBIG: Errno = Errno(22);
    pub const ILSEQ: Errno = Errno(25);
    pub const INTR: Errno = Errno(27);
    pub const INVAL: Errno = Errno(28);
    pub const IO: Errno = Errno(29);
    pub const ISDIR: Errno = Errno(31);
    pub const LOOP: Errno = Errno(32);
    pub const MFILE: Errno = Errno(33);
    pub const MLINK: Errno = Errno(34);
    pub const NAMETOOLONG: Errno = Errno(37);
    pub const NOENT: Errno = Errno(44);
    pub const NOMEM: Errno = Errno(48);
    pub const NOSPC: Errno = Errno(51);
    pub const NOSYS: Errno = Errno(52);
    pub const NOTDIR: Errno = Errno(54);
    pub const NOTEMPTY: Errno = Errno(55);
    pub const NOTSUP: Errno = Errno(58);
    pub const OVERFLOW: Errno = Errno(61);
    pub const PERM: Errno = Errno(63);
    pub const PIPE: Errno = Errno(64);
    pub const ROFS: Errno = Errno(69);
    pub const SPIPE: Errno = Errno(70);
    pub const TXTBSY: Errno = Errno(74);
    pub const XDEV: Errno = Errno(75);
    pub const NOTCAPABLE: Errno = Errno(76);

    /// The WASI errno for a host I/O error: by its OS error number when it
    /// has one (Linux numbering), else by its kind; `IO` when nothing fits.
    pub fn from_io(err: &io::Error) -> Errno {
        if let Some(code) = err.raw_os_error()
            && let Some(errno) = from_linux_errno(code)
        {
            return errno;
        }
        match err.kind() {
            io::ErrorKind::NotFound => Errno::NOENT,
            io::ErrorKind::PermissionDenied => Errno::ACCES,
            io::ErrorKind::AlreadyExists => Errno::EXIST,
            io::ErrorKind::InvalidInput => Errno::INVAL,
            io::ErrorKind::Interrupted => Errno::INTR,
            io::ErrorKind::WouldBlock => Errno::AGAIN,
            io::ErrorKind::BrokenPipe => Errno::PIPE,
            io::ErrorKind::Unsupported => Errno::NOTSUP,
            io::ErrorKind::OutOfMemory => Errno::NOMEM,
            io::ErrorKind::NotADirectory => Errno::NOTDIR,
            io::ErrorKind::IsADirectory => Errno::ISDIR,
            io::ErrorKind::DirectoryNotEmpty => Errno::NOTEMPTY,
            _ => Errno::IO,
        }
    }
}

/// Linux `errno` values that have a WASI counterpart.
fn from_linux_errno(code: i32) -> Option<Errno> {
    Some(match code {
        1 => Errno::PERM,
        2 => Errno::NOENT,
        4 => Errno::INTR,
        5 => Errno::IO,
        7 => Errno::TOOBIG,
        9 => Errno::BADF,
        11 => Errno::AGAIN,
        12 => Errno::NOMEM,
        13 => Errno::ACCES,
        16 => Errno::BUSY,
        17 => Errno::EXIST,
        18 => Errno::XDEV,
        20 => Errno::NOTDIR,
        21 => Errno::ISDIR,
        22 => Errno::INVAL,
        24 => Errno::MFILE,
        26 => Errno::TXTBSY,
        27 => Errno::FBIG,
        28 => Errno::NOSPC,
        29 => Errno::SPIPE,
        30 => Errno::ROFS,
        31 => Errno::MLINK,
        32 => Errno::PIPE,
        36 => Errno::NAMETOOLONG,
        38 => Errno::NOSYS,
        39 => Errno::NOTEMPTY,
        40 => Errno::LOOP,
        75 => Errno::OVERFLOW,
        84 => Errno::ILSEQ,
        95 => Errno::NOTSUP,
        122 => Errno::DQUOT,
        _ => return None,
    })
}

/// Why a WASI function did not succeed.
#[derive(Debug)]
pub enum WasiError {
    /// Returned to the guest as the function's result.
    Errno(Errno),
    /// Ends the Wasm call.
    Trap(Trap),
}

impl From<Errno> for WasiError {
    fn from(errno: Errno) -> Self {
        WasiError::Errno(errno)
    }
}

impl From<io::Error> for WasiError {
    fn from(err: io::Error) -> Self {
        WasiError::Errno(Errno::from_io(&err))
    }
}

impl From<Trap> for WasiError {
    fn from(trap: Trap) -> Self {
        WasiError::Trap(trap)
    }
}

/// What WASI functions return: success, or an errno or trap.
pub type WasiResult<T = ()> = Result<T, WasiError>;
