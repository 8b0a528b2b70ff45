//! Reading the files the CLI is given (modules and scripts), with a bound:
//! a device or a pipe that never ends (`run /dev/zero`) is an error after a
//! first look or at [`MAX_INPUT_BYTES`], never a read without end.

use std::io::{self, Read};
use std::path::Path;

/// The largest module or script the CLI reads (1 GiB).
pub const MAX_INPUT_BYTES: u64 = 1 << 30;

/// Bytes looked at before the rest is read: a module is binary (`\0asm`)
/// or text (UTF-8), and this much tells which, or neither.
const FIRST_LOOK: usize = 64 << 10;

/// The contents of the module file at `path`.
///
/// # Errors
/// A read error; a file that is neither a binary module nor text; a file
/// over [`MAX_INPUT_BYTES`].
pub fn read_module(path: &Path) -> io::Result<Vec<u8>> {
    read_bounded(path, |first| {
        if first.starts_with(b"\0asm") || is_text(first) {
            Ok(())
        } else {
            Err("not a WebAssembly module: no `\\0asm` header, and not text".into())
        }
    })
}

/// The contents of the script at `path`, as text.
///
/// # Errors
/// As [`read_module`], for a file that is not UTF-8 text.
pub fn read_script(path: &Path) -> io::Result<String> {
    let bytes = read_bounded(path, |first| match is_text(first) {
        true => Ok(()),
        false => Err("not a text file".into()),
    })?;
    String::from_utf8(bytes).map_err(|_| invalid("not a text file (UTF-8)".into()))
}

/// Reads at most [`MAX_INPUT_BYTES`] of `path`, after `first_look` accepted
/// its first bytes.
fn read_bounded(
    path: &Path,
    first_look: impl Fn(&[u8]) -> Result<(), String>,
) -> io::Result<Vec<u8>> {
    let mut file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    (&mut file)
        .take(FIRST_LOOK as u64)
        .read_to_end(&mut bytes)?;
    first_look(&bytes).map_err(invalid)?;
    file.take(MAX_INPUT_BYTES + 1 - bytes.len() as u64)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(invalid(format!(
            "larger than {} MiB, the most this reads",
            MAX_INPUT_BYTES >> 20
        )));
    }
    Ok(bytes)
}

/// Whether `first` (the start of a file) reads as text: UTF-8 (a character
/// may be cut at the end) without NUL bytes.
fn is_text(first: &[u8]) -> bool {
    let valid = match std::str::from_utf8(first) {
        Ok(_) => true,
        // Only a character cut by the end of the look.
        Err(e) => e.error_len().is_none(),
    };
    valid && !first.contains(&0)
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endless_zeros_are_refused_at_the_first_look() {
        let error = read_module(Path::new("/dev/zero")).expect_err("zeros");
        assert!(
            error.to_string().contains("not a WebAssembly module"),
            "{error}"
        );
        let error = read_script(Path::new("/dev/zero")).expect_err("zeros");
        assert!(error.to_string().contains("not a text file"), "{error}");
    }

    #[test]
    fn text_may_end_in_a_cut_character() {
        assert!(is_text("(module) é".as_bytes()));
        assert!(is_text(&"(module) é".as_bytes()[..10]));
        assert!(!is_text(b"(module)\0"));
        assert!(!is_text(&[0xff, 0x20]));
    }
}
