//! Files and directories under a preopen: open, read, write, seek, stat,
//! readdir, create, remove, rename.

use super::*;
use crate::wasi::fd_table::rights;

pub(super) const CREAT: i32 = 1;
pub(super) const DIRECTORY: i32 = 2;
pub(super) const EXCL: i32 = 4;
pub(super) const TRUNC: i32 = 8;
pub(super) const READ_WRITE: u64 = rights::FD_READ | rights::FD_WRITE;
const APPEND: i32 = 1;
/// The preopen's fd.
pub(super) const ROOT: i32 = 3;
/// Scratch addresses in guest memory.
const PATH_AT: u32 = 1024;
const FD_AT: u32 = 512;

pub(super) fn guest_with_dir(dir: &TempDir) -> Guest {
    let builder = WasiCtxBuilder::new()
        .preopen_dir(&dir.0, "/sandbox")
        .expect("temp dir exists");
    Guest::new(builder)
}

/// `path_open`; the new fd, or the errno.
pub(super) fn open(
    g: &mut Guest,
    dir: i32,
    path: &str,
    follow: bool,
    oflags: i32,
    rights: u64,
    fdflags: i32,
) -> Result<i32, Errno> {
    let [ptr, len] = g.path(PATH_AT, path);
    let args = [
        Val::I32(dir),
        Val::I32(follow as i32),
        Val::I32(ptr),
        Val::I32(len),
        Val::I32(oflags),
        Val::I64(rights as i64),
        Val::I64(0),
        Val::I32(fdflags),
        Val::I32(FD_AT as i32),
    ];
    match g.errno_of("path_open", &args) {
        Errno::SUCCESS => Ok(g.u32_at(FD_AT) as i32),
        errno => Err(errno),
    }
}

/// Calls a `path_*` function taking `(fd, path, len)`.
pub(super) fn on_path(g: &mut Guest, name: &str, dir: i32, path: &str) -> Errno {
    let [ptr, len] = g.path(PATH_AT, path);
    g.errno(name, &[dir, ptr, len])
}

fn write_str(g: &mut Guest, fd: i32, text: &str) -> Errno {
    g.write(2048, text.as_bytes());
    g.iovec(0, 0, 2048, text.len() as u32);
    g.errno("fd_write", &[fd, 0, 1, 64])
}

fn read_n(g: &mut Guest, fd: i32, n: u32) -> Vec<u8> {
    g.iovec(0, 0, 4096, n);
    assert_eq!(g.errno("fd_read", &[fd, 0, 1, 64]), Errno::SUCCESS);
    let got = g.u32_at(64);
    g.read(4096, got)
}

#[test]
fn preopens_are_listed_by_prestat() {
    let dir = TempDir::new();
    let mut g = guest_with_dir(&dir);
    assert_eq!(g.errno("fd_prestat_get", &[ROOT, 0]), Errno::SUCCESS);
    assert_eq!((g.read(0, 1), g.u32_at(4)), (vec![0], 8));
    assert_eq!(
        g.errno("fd_prestat_dir_name", &[ROOT, 100, 8]),
        Errno::SUCCESS
    );
    assert_eq!(g.read(100, 8), b"/sandbox");
    assert_eq!(
        g.errno("fd_prestat_dir_name", &[ROOT, 100, 3]),
        Errno::NAMETOOLONG
    );
    assert_eq!(g.errno("fd_prestat_get", &[ROOT + 1, 0]), Errno::BADF);
    assert_eq!(g.errno("fd_prestat_get", &[1, 0]), Errno::BADF);
    assert_eq!(g.errno("fd_fdstat_get", &[ROOT, 0]), Errno::SUCCESS);
    assert_eq!(g.read(0, 1), vec![3], "directory");
    // The guest's stdout is not a terminal here (captured by the test
    // runner): an unknown file type, so the guest's `isatty` is false.
    assert_eq!(g.errno("fd_fdstat_get", &[1, 0]), Errno::SUCCESS);
    assert_eq!(g.read(0, 1), vec![0], "not a character device");
    assert_eq!(g.u64_at(8) & rights::FD_SEEK, 0, "streams cannot seek");
}

#[test]
fn a_created_file_is_written_read_seeked_and_closed() {
    let dir = TempDir::new();
    let mut g = guest_with_dir(&dir);
    let fd = open(&mut g, ROOT, "out.txt", false, CREAT | TRUNC, READ_WRITE, 0).expect("opens");
    assert_eq!(fd, 4, "lowest free fd");
    assert_eq!(write_str(&mut g, fd, "hello"), Errno::SUCCESS);
    assert_eq!(g.u32_at(64), 5);
    let seek = [Val::I32(fd), Val::I64(1), Val::I32(0), Val::I32(72)];
    assert_eq!(g.errno_of("fd_seek", &seek), Errno::SUCCESS);
    assert_eq!(g.u64_at(72), 1);
    assert_eq!(read_n(&mut g, fd, 3), b"ell");
    assert_eq!(g.errno("fd_tell", &[fd, 72]), Errno::SUCCESS);
    assert_eq!(g.u64_at(72), 4);
    g.write(2048, b" world");
    g.iovec(0, 0, 2048, 6);
    let pwrite = [
        Val::I32(fd),
        Val::I32(0),
        Val::I32(1),
        Val::I64(5),
        Val::I32(64),
    ];
    assert_eq!(g.errno_of("fd_pwrite", &pwrite), Errno::SUCCESS);
    g.iovec(0, 0, 4096, 4);
    let pread = [
        Val::I32(fd),
        Val::I32(0),
        Val::I32(1),
        Val::I64(7),
        Val::I32(64),
    ];
    assert_eq!(g.errno_of("fd_pread", &pread), Errno::SUCCESS);
    assert_eq!((g.u32_at(64), g.read(4096, 4)), (4, b"orld".to_vec()));
    assert_eq!(g.errno("fd_filestat_get", &[fd, 128]), Errno::SUCCESS);
    assert_eq!((g.read(128 + 16, 1), g.u64_at(128 + 32)), (vec![4], 11));
    assert_eq!(g.errno("fd_close", &[fd]), Errno::SUCCESS);
    assert_eq!(g.errno("fd_close", &[fd]), Errno::BADF);
    let on_host = std::fs::read_to_string(dir.join("out.txt")).expect("file exists");
    assert_eq!(on_host, "hello world");
    let [ptr, len] = g.path(1024, "out.txt/");
    assert_eq!(
        g.errno("path_filestat_get", &[ROOT, 1, ptr, len, 128]),
        Errno::NOTDIR
    );
}

#[test]
fn open_flags_and_rights_are_honoured() {
    let dir = TempDir::new();
    std::fs::write(dir.join("in.txt"), "abc").expect("writes");
    let mut g = guest_with_dir(&dir);
    let read_only = open(&mut g, ROOT, "in.txt", false, 0, rights::FD_READ, 0).expect("opens");
    assert_eq!(write_str(&mut g, read_only, "x"), Errno::BADF);
    assert_eq!(read_n(&mut g, read_only, 10), b"abc");
    let write_only =
        open(&mut g, ROOT, "in.txt", false, 0, rights::FD_WRITE, APPEND).expect("opens");
    assert_eq!(write_str(&mut g, write_only, "de"), Errno::SUCCESS);
    // With APPEND, a positional write appends too (as on Linux).
    g.iovec(0, 0, 2048 + 1, 1);
    let pwrite = [
        Val::I32(write_only),
        Val::I32(0),
        Val::I32(1),
        Val::I64(0),
        Val::I32(64),
    ];
    assert_eq!(g.errno_of("fd_pwrite", &pwrite), Errno::SUCCESS);
    let on_host = std::fs::read_to_string(dir.join("in.txt")).ok();
    assert_eq!(on_host.as_deref(), Some("abcdee"));
    let truncate = [Val::I32(read_only), Val::I64(0)];
    assert_eq!(
        g.errno_of("fd_filestat_set_size", &truncate),
        Errno::INVAL,
        "read only"
    );
    g.iovec(0, 0, 4096, 1);
    assert_eq!(g.errno("fd_read", &[write_only, 0, 1, 64]), Errno::BADF);
    assert_eq!(
        open(&mut g, ROOT, "in.txt", false, CREAT | EXCL, READ_WRITE, 0),
        Err(Errno::EXIST)
    );
    assert_eq!(
        open(&mut g, ROOT, "missing", false, 0, READ_WRITE, 0),
        Err(Errno::NOENT)
    );
    assert_eq!(
        open(&mut g, ROOT, "in.txt", false, DIRECTORY, 0, 0),
        Err(Errno::NOTDIR)
    );
    assert_eq!(
        open(&mut g, ROOT, "in.txt/x", false, 0, 0, 0),
        Err(Errno::NOTDIR)
    );
    assert_eq!(
        g.errno("fd_renumber", &[read_only, write_only]),
        Errno::SUCCESS
    );
    assert_eq!(g.errno("fd_close", &[read_only]), Errno::BADF);
    assert_eq!(
        read_n(&mut g, write_only, 10),
        b"dee",
        "now the read-only fd"
    );
}

#[test]
fn directories_are_created_listed_and_removed() {
    let dir = TempDir::new();
    let mut g = guest_with_dir(&dir);
    assert_eq!(
        on_path(&mut g, "path_create_directory", ROOT, "d"),
        Errno::SUCCESS
    );
    assert_eq!(
        on_path(&mut g, "path_create_directory", ROOT, "d"),
        Errno::EXIST
    );
    assert_eq!(
        on_path(&mut g, "path_create_directory", ROOT, "d/e"),
        Errno::SUCCESS
    );
    std::fs::write(dir.join("d/f"), "12345").expect("writes");
    let d = open(&mut g, ROOT, "d", false, DIRECTORY, rights::FD_READ, 0).expect("opens");

    // Whole listing: ".", "..", "e", "f", each a 24-byte header and a name.
    let readdir = |g: &mut Guest, len: i32, cookie: i64| {
        let args = [
            Val::I32(d),
            Val::I32(8192),
            Val::I32(len),
            Val::I64(cookie),
            Val::I32(64),
        ];
        assert_eq!(g.errno_of("fd_readdir", &args), Errno::SUCCESS);
        let used = g.u32_at(64);
        g.read(8192, used)
    };
    let all = readdir(&mut g, 4096, 0);
    assert_eq!(all.len(), 4 * 24 + 1 + 2 + 1 + 1);
    let names: Vec<(u8, String)> = entries(&all);
    let expected = [(3, "."), (3, ".."), (3, "e"), (4, "f")];
    assert_eq!(names, expected.map(|(t, n)| (t, n.to_string())));
    let cut = readdir(&mut g, 30, 0);
    assert_eq!(cut.len(), 30, "a full buffer asks for more");
    let from_third = readdir(&mut g, 4096, 2);
    assert_eq!(entries(&from_third), names[2..]);

    let [ptr, len] = g.path(1024, "e");
    assert_eq!(
        g.errno("path_filestat_get", &[d, 0, ptr, len, 128]),
        Errno::SUCCESS
    );
    assert_eq!(g.read(128 + 16, 1), vec![3]);
    assert_eq!(
        on_path(&mut g, "path_remove_directory", ROOT, "d"),
        Errno::NOTEMPTY
    );
    assert_eq!(on_path(&mut g, "path_unlink_file", d, "e"), Errno::ISDIR);
    assert_eq!(
        on_path(&mut g, "path_remove_directory", d, "f"),
        Errno::NOTDIR
    );
    assert_eq!(
        on_path(&mut g, "path_remove_directory", d, "e"),
        Errno::SUCCESS
    );
    let [old, old_len] = g.path(1024, "f");
    let [new, new_len] = g.path(1100, "../g");
    assert_eq!(
        g.errno("path_rename", &[d, old, old_len, ROOT, new, new_len]),
        Errno::PERM
    );
    let [new, new_len] = g.path(1100, "g");
    assert_eq!(
        g.errno("path_rename", &[d, old, old_len, ROOT, new, new_len]),
        Errno::SUCCESS
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("g")).ok().as_deref(),
        Some("12345")
    );
    assert_eq!(
        on_path(&mut g, "path_unlink_file", ROOT, "g"),
        Errno::SUCCESS
    );
    assert_eq!(on_path(&mut g, "path_unlink_file", ROOT, "g"), Errno::NOENT);
    assert_eq!(
        on_path(&mut g, "path_remove_directory", d, "."),
        Errno::INVAL
    );
    assert_eq!(
        on_path(&mut g, "path_remove_directory", ROOT, "d"),
        Errno::SUCCESS
    );
}

/// `(type, name)` of each `dirent` in a packed listing.
fn entries(mut bytes: &[u8]) -> Vec<(u8, String)> {
    let mut out = Vec::new();
    while bytes.len() >= 24 {
        let len = u32::from_le_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]) as usize;
        out.push((
            bytes[20],
            String::from_utf8_lossy(&bytes[24..24 + len]).into_owned(),
        ));
        bytes = &bytes[24 + len..];
    }
    out
}
