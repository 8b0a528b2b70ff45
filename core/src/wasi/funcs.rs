//! Every function of `wasi_snapshot_preview1`: its name, parameter types
//! and handler. All but `proc_exit` return one `i32` errno.

use super::{Handler, args_env, clock, dir, fd_io, fd_stat, path, poll, proc, random};
use crate::types::ValType;

pub(super) struct WasiFunc {
    pub name: &'static str,
    pub params: &'static [ValType],
    pub returns_errno: bool,
    pub handler: Handler,
}

const I: ValType = ValType::I32;
const L: ValType = ValType::I64;

const fn f(name: &'static str, params: &'static [ValType], handler: Handler) -> WasiFunc {
    WasiFunc {
        name,
        params,
        returns_errno: true,
        handler,
    }
}

pub(super) const FUNCS: &[WasiFunc] = &[
    f("args_get", &[I, I], args_env::args_get),
    f("args_sizes_get", &[I, I], args_env::args_sizes_get),
    f("environ_get", &[I, I], args_env::environ_get),
    f("environ_sizes_get", &[I, I], args_env::environ_sizes_get),
    f("clock_res_get", &[I, I], clock::clock_res_get),
    f("clock_time_get", &[I, L, I], clock::clock_time_get),
    f("fd_advise", &[I, L, L, I], fd_io::fd_advise),
    f("fd_allocate", &[I, L, L], fd_io::fd_allocate),
    f("fd_close", &[I], fd_io::fd_close),
    f("fd_datasync", &[I], fd_io::fd_datasync),
    f("fd_fdstat_get", &[I, I], fd_stat::fd_fdstat_get),
    f("fd_fdstat_set_flags", &[I, I], fd_stat::fd_fdstat_set_flags),
    f(
        "fd_fdstat_set_rights",
        &[I, L, L],
        fd_stat::fd_fdstat_set_rights,
    ),
    f("fd_filestat_get", &[I, I], fd_stat::fd_filestat_get),
    f(
        "fd_filestat_set_size",
        &[I, L],
        fd_stat::fd_filestat_set_size,
    ),
    f(
        "fd_filestat_set_times",
        &[I, L, L, I],
        fd_stat::fd_filestat_set_times,
    ),
    f("fd_pread", &[I, I, I, L, I], fd_io::fd_pread),
    f("fd_prestat_get", &[I, I], fd_stat::fd_prestat_get),
    f(
        "fd_prestat_dir_name",
        &[I, I, I],
        fd_stat::fd_prestat_dir_name,
    ),
    f("fd_pwrite", &[I, I, I, L, I], fd_io::fd_pwrite),
    f("fd_read", &[I, I, I, I], fd_io::fd_read),
    f("fd_readdir", &[I, I, I, L, I], dir::fd_readdir),
    f("fd_renumber", &[I, I], fd_io::fd_renumber),
    f("fd_seek", &[I, L, I, I], fd_io::fd_seek),
    f("fd_sync", &[I], fd_io::fd_sync),
    f("fd_tell", &[I, I], fd_io::fd_tell),
    f("fd_write", &[I, I, I, I], fd_io::fd_write),
    f(
        "path_create_directory",
        &[I, I, I],
        path::path_create_directory,
    ),
    f(
        "path_filestat_get",
        &[I, I, I, I, I],
        path::path_filestat_get,
    ),
    f(
        "path_filestat_set_times",
        &[I, I, I, I, L, L, I],
        path::path_filestat_set_times,
    ),
    f("path_link", &[I, I, I, I, I, I, I], path::path_link),
    f("path_open", &[I, I, I, I, I, L, L, I, I], path::path_open),
    f("path_readlink", &[I, I, I, I, I, I], path::path_readlink),
    f(
        "path_remove_directory",
        &[I, I, I],
        path::path_remove_directory,
    ),
    f("path_rename", &[I, I, I, I, I, I], path::path_rename),
    f("path_symlink", &[I, I, I, I, I], path::path_symlink),
    f("path_unlink_file", &[I, I, I], path::path_unlink_file),
    f("poll_oneoff", &[I, I, I, I], poll::poll_oneoff),
    WasiFunc {
        name: "proc_exit",
        params: &[I],
        returns_errno: false,
        handler: proc::proc_exit,
    },
    f("proc_raise", &[I], proc::unsupported),
    f("sched_yield", &[], proc::sched_yield),
    f("random_get", &[I, I], random::random_get),
    f("sock_accept", &[I, I, I], proc::unsupported),
    f("sock_recv", &[I, I, I, I, I, I], proc::unsupported),
    f("sock_send", &[I, I, I, I, I], proc::unsupported),
    f("sock_shutdown", &[I, I], proc::unsupported),
];
