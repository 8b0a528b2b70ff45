//! What the CLI test files share.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A file in a fresh temporary folder, removed by nothing: the OS temp dir
/// is cleaned elsewhere; names are unique per test process and call.
pub fn temp_file(name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "wasmfx-test-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write temp file");
    path
}

/// A module file `name` with `contents` and an empty folder `dir` beside it
/// (for a run to write files into), as (the file's path as a string, the
/// folder). Only the dump tests call it; the other files that share this
/// module do not.
#[allow(dead_code)]
pub fn module_and_dir(name: &str, contents: &str, dir: &str) -> (String, PathBuf) {
    let file = temp_file(name, contents);
    let folder = file.parent().expect("temp dir").join(dir);
    std::fs::create_dir_all(&folder).expect("create the folder");
    let file = file.to_str().expect("utf-8 path").to_string();
    (file, folder)
}
