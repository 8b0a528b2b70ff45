//! Arguments, environment, clocks, randomness, stdio, poll and proc.

use super::*;

#[test]
fn every_preview1_function_is_defined_and_unknown_ones_fail_to_link() {
    let guest = Guest::new(WasiCtxBuilder::new());
    assert_eq!(funcs::FUNCS.len(), 46);
    for func in funcs::FUNCS {
        assert!(
            guest.linker.get(MODULE, func.name).is_some(),
            "{}",
            func.name
        );
    }
    let registry = Arc::new(TypeRegistry::new());
    let bytes =
        wat::parse_str(r#"(module (import "wasi_snapshot_preview1" "fd_frobnicate" (func)))"#)
            .expect("valid text");
    let module = Module::new(&registry, &bytes).expect("valid module");
    let err = guest.linker.resolve(&module).expect_err("unknown function");
    assert!(
        err.to_string()
            .contains("wasi_snapshot_preview1::fd_frobnicate"),
        "{err}"
    );
}

#[test]
fn args_and_environment_are_nul_terminated_strings() {
    let builder = WasiCtxBuilder::new().args(["prog", "a b"]).env("K", "v=1");
    let mut g = Guest::new(builder);
    assert_eq!(g.errno("args_sizes_get", &[0, 4]), Errno::SUCCESS);
    assert_eq!((g.u32_at(0), g.u32_at(4)), (2, 9));
    assert_eq!(g.errno("args_get", &[100, 200]), Errno::SUCCESS);
    assert_eq!((g.u32_at(100), g.u32_at(104)), (200, 205));
    assert_eq!(g.read(200, 9), b"prog\0a b\0");
    assert_eq!(g.errno("environ_sizes_get", &[0, 4]), Errno::SUCCESS);
    assert_eq!((g.u32_at(0), g.u32_at(4)), (1, 6));
    assert_eq!(g.errno("environ_get", &[100, 200]), Errno::SUCCESS);
    assert_eq!(g.read(200, 6), b"K=v=1\0");
}

#[test]
fn nothing_is_inherited_by_default() {
    let mut g = Guest::new(WasiCtxBuilder::new());
    assert_eq!(g.errno("environ_sizes_get", &[0, 4]), Errno::SUCCESS);
    assert_eq!((g.u32_at(0), g.u32_at(4)), (0, 0));
    assert_eq!(g.errno("fd_prestat_get", &[3, 0]), Errno::BADF);
}

#[test]
fn pointers_outside_memory_are_faults() {
    let mut g = Guest::new(WasiCtxBuilder::new().arg("prog"));
    let end = 65536;
    assert_eq!(g.errno("args_sizes_get", &[end - 2, 0]), Errno::FAULT);
    assert_eq!(g.errno("args_get", &[0, end - 2]), Errno::FAULT);
    assert_eq!(g.errno("random_get", &[end - 4, 8]), Errno::FAULT);
    assert_eq!(g.errno("random_get", &[-1, 2]), Errno::FAULT);
    // An iovec array that runs past the end, and an iovec pointing past it.
    assert_eq!(g.errno("fd_write", &[1, end - 4, 1, 0]), Errno::FAULT);
    g.iovec(16, 0, end as u32 - 1, 2);
    assert_eq!(g.errno("fd_write", &[1, 16, 1, 0]), Errno::FAULT);
    assert_eq!(g.errno("fd_write", &[1, 16, -1, 0]), Errno::FAULT);
}

#[test]
fn stdout_and_stderr_get_gathered_iovecs() {
    let (out, err) = (Capture::default(), Capture::default());
    let builder = WasiCtxBuilder::new()
        .stdout(out.clone())
        .stderr(err.clone());
    let mut g = Guest::new(builder);
    g.write(100, b"hello, world\n");
    g.iovec(0, 0, 100, 7);
    g.iovec(0, 1, 107, 6);
    assert_eq!(g.errno("fd_write", &[1, 0, 2, 40]), Errno::SUCCESS);
    assert_eq!(g.u32_at(40), 13);
    assert_eq!(g.errno("fd_write", &[2, 0, 1, 40]), Errno::SUCCESS);
    assert_eq!(
        (out.text(), err.text()),
        ("hello, world\n".into(), "hello, ".into())
    );
    assert_eq!(g.errno("fd_write", &[0, 0, 1, 40]), Errno::BADF);
    assert_eq!(g.errno("fd_write", &[9, 0, 1, 40]), Errno::BADF);
    let seek = [Val::I32(1), Val::I64(0), Val::I32(0), Val::I32(0)];
    assert_eq!(g.errno_of("fd_seek", &seek), Errno::SPIPE);
}

#[test]
fn stdin_is_read_into_iovecs() {
    let mut g = Guest::new(WasiCtxBuilder::new().stdin(&b"abcdef"[..]));
    g.iovec(0, 0, 100, 2);
    g.iovec(0, 1, 200, 10);
    assert_eq!(g.errno("fd_read", &[0, 0, 2, 40]), Errno::SUCCESS);
    assert_eq!(g.u32_at(40), 6);
    assert_eq!(
        (g.read(100, 2), g.read(200, 4)),
        (b"ab".to_vec(), b"cdef".to_vec())
    );
    assert_eq!(g.errno("fd_read", &[0, 0, 2, 40]), Errno::SUCCESS);
    assert_eq!(g.u32_at(40), 0, "end of input");
}

#[test]
fn clocks_tick_and_cpu_clocks_are_not_supported() {
    let mut g = Guest::new(WasiCtxBuilder::new());
    let time = |g: &mut Guest, id: i32| {
        let errno = g.errno_of("clock_time_get", &[Val::I32(id), Val::I64(0), Val::I32(8)]);
        (errno, g.u64_at(8))
    };
    let (errno, wall) = time(&mut g, 0);
    assert_eq!(errno, Errno::SUCCESS);
    assert!(
        wall > 1_600_000_000 * 1_000_000_000,
        "realtime is after 2020"
    );
    let (_, first) = time(&mut g, 1);
    std::thread::sleep(std::time::Duration::from_millis(2));
    let (_, second) = time(&mut g, 1);
    assert!(second >= first + 2_000_000, "{first} then {second}");
    assert_eq!(time(&mut g, 2).0, Errno::NOTSUP);
    assert_eq!(time(&mut g, 7).0, Errno::INVAL);
    assert_eq!(g.errno("clock_res_get", &[1, 16]), Errno::SUCCESS);
    assert_eq!(g.u64_at(16), 1);
}

#[test]
fn random_bytes_fill_the_buffer() {
    let mut g = Guest::new(WasiCtxBuilder::new());
    assert_eq!(g.errno("random_get", &[0, 64]), Errno::SUCCESS);
    assert_eq!(g.errno("random_get", &[64, 64]), Errno::SUCCESS);
    assert_ne!(g.read(0, 64), g.read(64, 64));
    assert_ne!(g.read(0, 64), vec![0; 64]);
}

/// Writes a subscription at `at`: tag 0 (clock) or 1 (fd_read).
fn subscription(g: &mut Guest, at: u32, userdata: u64, tag: u8, fd_or_clock: u32, timeout: u64) {
    g.write(at, &[0; 48]);
    g.write(at, &userdata.to_le_bytes());
    g.write(at + 8, &[tag]);
    g.write(at + 16, &fd_or_clock.to_le_bytes());
    g.write(at + 24, &timeout.to_le_bytes());
}

#[test]
fn poll_sleeps_for_clocks_and_reports_fds_ready() {
    let mut g = Guest::new(WasiCtxBuilder::new().stdin(&b""[..]));
    subscription(&mut g, 0, 7, 0, 1, 3_000_000);
    let start = std::time::Instant::now();
    assert_eq!(g.errno("poll_oneoff", &[0, 1000, 1, 2000]), Errno::SUCCESS);
    assert!(start.elapsed() >= std::time::Duration::from_millis(3));
    assert_eq!(
        (g.u32_at(2000), g.u64_at(1000), g.read(1010, 1)),
        (1, 7, vec![0])
    );

    subscription(&mut g, 48, 8, 1, 0, 0);
    subscription(&mut g, 96, 9, 1, 42, 0);
    subscription(&mut g, 0, 7, 0, 1, 60_000_000_000);
    assert_eq!(g.errno("poll_oneoff", &[0, 1000, 3, 2000]), Errno::SUCCESS);
    assert_eq!(g.u32_at(2000), 2, "both fds, not the minute-long clock");
    assert_eq!((g.u64_at(1000), g.read(1008, 3)), (8, vec![0, 0, 1]));
    assert_eq!(
        (g.u64_at(1032), g.read(1040, 3)),
        (9, vec![8, 0, 1]),
        "BADF"
    );
    assert_eq!(g.errno("poll_oneoff", &[0, 1000, 0, 2000]), Errno::INVAL);
}

#[test]
fn proc_exit_unwinds_with_its_code_and_unsupported_functions_say_so() {
    let out = Capture::default();
    let mut g = Guest::new(WasiCtxBuilder::new().stdout(out.clone()));
    assert_eq!(g.call("proc_exit", &[Val::I32(3)]), Err(Trap::Exit(3)));
    assert_eq!(g.errno("sched_yield", &[]), Errno::SUCCESS);
    assert_eq!(g.errno("sock_shutdown", &[3, 0]), Errno::NOSYS);
    assert_eq!(g.errno("proc_raise", &[9]), Errno::NOSYS);
}

#[test]
fn a_guest_without_memory_export_traps_naming_it() {
    let wat = r#"(module (import "wasi_snapshot_preview1" "args_get" (func (param i32 i32) (result i32))))"#;
    let mut g = Guest::with_module(WasiCtxBuilder::new(), wat);
    let trap = g
        .call("args_get", &[Val::I32(0), Val::I32(0)])
        .expect_err("no memory");
    assert!(trap.to_string().contains("`memory`"), "{trap}");
    // Functions that need no memory still work.
    assert_eq!(g.errno("sched_yield", &[]), Errno::SUCCESS);
}
