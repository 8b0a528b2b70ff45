//! Guests cannot reach outside their preopens: not by absolute paths, not
//! by `..`, not through symlinks.

use super::files::{CREAT, READ_WRITE, ROOT, guest_with_dir, on_path, open};
use super::*;
use std::os::unix::fs::symlink;

/// A preopen `inner/` next to a file `secret` it must not reach.
fn setup() -> (TempDir, TempDir) {
    let outer = TempDir::new();
    std::fs::write(outer.join("secret"), "s").expect("writes");
    std::fs::create_dir(outer.join("inner")).expect("creates");
    std::fs::create_dir(outer.join("inner/sub")).expect("creates");
    std::fs::write(outer.join("inner/sub/file"), "f").expect("writes");
    let inner = TempDir(outer.join("inner"));
    (outer, inner)
}

#[test]
fn absolute_paths_and_dot_dot_escapes_are_refused() {
    let (_outer, inner) = setup();
    let mut g = guest_with_dir(&inner);
    for path in ["/etc/passwd", "../secret", "sub/../../secret", "sub/../.."] {
        assert_eq!(
            open(&mut g, ROOT, path, true, 0, 0, 0),
            Err(Errno::PERM),
            "{path}"
        );
    }
    assert_eq!(
        open(&mut g, ROOT, "../secret", true, CREAT, READ_WRITE, 0),
        Err(Errno::PERM)
    );
    assert_eq!(
        on_path(&mut g, "path_create_directory", ROOT, "../x"),
        Errno::PERM
    );
    assert_eq!(
        on_path(&mut g, "path_unlink_file", ROOT, "../secret"),
        Errno::PERM
    );
    assert!(open(&mut g, ROOT, "sub/../sub/./file", true, 0, 0, 0).is_ok());
    // An opened subdirectory is its own boundary.
    let sub = open(&mut g, ROOT, "sub", true, 0, 0, 0).expect("opens");
    assert_eq!(
        open(&mut g, sub, "../sub/file", true, 0, 0, 0),
        Err(Errno::PERM)
    );
    assert!(std::fs::metadata(_outer.join("secret")).is_ok());
}

#[test]
fn symlinks_are_followed_only_inside() {
    let (outer, inner) = setup();
    symlink("sub/file", inner.join("good")).expect("links");
    symlink("../secret", inner.join("up")).expect("links");
    symlink(outer.join("secret"), inner.join("abs")).expect("links");
    symlink("../..", inner.join("sub/parent")).expect("links");
    symlink("loop", inner.join("loop")).expect("links");
    let mut g = guest_with_dir(&inner);
    assert!(open(&mut g, ROOT, "good", true, 0, 0, 0).is_ok());
    assert_eq!(
        open(&mut g, ROOT, "good", false, 0, 0, 0),
        Err(Errno::LOOP),
        "no follow"
    );
    assert_eq!(open(&mut g, ROOT, "up", true, 0, 0, 0), Err(Errno::PERM));
    assert_eq!(open(&mut g, ROOT, "abs", true, 0, 0, 0), Err(Errno::PERM));
    assert_eq!(
        open(&mut g, ROOT, "sub/parent/secret", true, 0, 0, 0),
        Err(Errno::PERM)
    );
    assert_eq!(
        open(&mut g, ROOT, "up/x", false, 0, 0, 0),
        Err(Errno::PERM),
        "middle links always followed"
    );
    assert_eq!(open(&mut g, ROOT, "loop", true, 0, 0, 0), Err(Errno::LOOP));
    // Without following, the link itself is what the call acts on.
    let [ptr, len] = g.path(1024, "up");
    assert_eq!(
        g.errno("path_filestat_get", &[ROOT, 0, ptr, len, 128]),
        Errno::SUCCESS
    );
    assert_eq!(g.read(128 + 16, 1), vec![7], "symbolic link");
    assert_eq!(
        g.errno("path_filestat_get", &[ROOT, 1, ptr, len, 128]),
        Errno::PERM
    );
    assert_eq!(
        g.errno("path_readlink", &[ROOT, ptr, len, 200, 64, 300]),
        Errno::SUCCESS
    );
    let used = g.u32_at(300);
    assert_eq!(g.read(200, used), b"../secret");
    assert_eq!(
        on_path(&mut g, "path_unlink_file", ROOT, "up"),
        Errno::SUCCESS
    );
    assert!(
        std::fs::metadata(outer.join("secret")).is_ok(),
        "the target stays"
    );
    // New symlinks cannot be absolute.
    let [target, target_len] = g.path(1024, "/etc");
    let [link, link_len] = g.path(1100, "etc");
    assert_eq!(
        g.errno("path_symlink", &[target, target_len, ROOT, link, link_len]),
        Errno::PERM
    );
}
