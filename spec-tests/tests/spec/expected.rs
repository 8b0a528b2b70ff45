//! Per-tier expected-failure lists: `expected-failures/<tier>.txt`, one
//! entry a line, `corpus/file.wast  reason` (the reason is required);
//! blank lines and `#` comments are ignored.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// Script name → why it is expected to fail.
pub struct ExpectedFailures {
    pub path: PathBuf,
    pub entries: BTreeMap<String, String>,
}

impl ExpectedFailures {
    /// Reads the list of `tier`; a missing file is an empty list.
    pub fn load(tier: &str) -> Result<ExpectedFailures, String> {
        let path =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("expected-failures/{tier}.txt"));
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let entries = parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(ExpectedFailures { path, entries })
    }

    pub fn reason(&self, script: &str) -> Option<&str> {
        self.entries.get(script).map(String::as_str)
    }
}

fn parse(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut entries = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, reason) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(format!("line {}: `{name}` has no reason", i + 1));
        }
        if entries
            .insert(name.to_string(), reason.to_string())
            .is_some()
        {
            return Err(format!("line {}: `{name}` is listed twice", i + 1));
        }
    }
    Ok(entries)
}
