//! Tests whose outcome is a fatal signal run in a child process: the test
//! binary runs itself again for one test, with an environment variable that
//! tells that test it is the child. The child's signal handler turns the
//! signal into an exit code the parent checks.

use std::process::Command;
use wasmfx_fibre::FibreStack;

/// Whether this process is the child of [`exit_code_of_child`] for `env`.
pub fn is_child(env: &str) -> bool {
    std::env::var_os(env).is_some()
}

/// Runs test `test` of this binary in a child with `env` set; its exit code
/// (`None` when a signal killed it).
pub fn exit_code_of_child(test: &str, env: &str) -> Option<i32> {
    let exe = std::env::current_exe().expect("test binary");
    let output = Command::new(exe)
        .args(["--exact", test, "--test-threads=1", "--nocapture"])
        .env(env, "1")
        .output()
        .expect("spawn child");
    if output.status.code().is_none() {
        eprintln!("child: {output:?}");
    }
    output.status.code()
}

pub type Handler = extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void);

/// Gives this thread an alternate signal stack (kept for the process's
/// life) and installs `handler` for `signals` on it.
pub fn install_handler(signals: &[libc::c_int], handler: Handler) {
    let alt = FibreStack::new(64 << 10).expect("alternate stack");
    let stack_info = libc::stack_t {
        ss_sp: (alt.top() - alt.size()) as *mut libc::c_void,
        ss_flags: 0,
        ss_size: alt.size(),
    };
    std::mem::forget(alt);
    // SAFETY: the alternate stack is mapped for the rest of the process; a
    // zeroed sigaction is "no handler" until we fill handler, flags and an
    // empty mask.
    unsafe {
        assert_eq!(libc::sigaltstack(&stack_info, std::ptr::null_mut()), 0);
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = handler as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigemptyset(&mut action.sa_mask);
        for &signal in signals {
            assert_eq!(libc::sigaction(signal, &action, std::ptr::null_mut()), 0);
        }
    }
}
