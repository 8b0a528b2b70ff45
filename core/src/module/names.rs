//! The `name` custom section: the module's name, its function and tag names.
//!
//! ```text
//!   parse:      name section ─▶ module name (its first subsection) and the
//!               section's byte range in the module
//!   first ask:  func_name / tag_name ─▶ both maps decoded once (OnceLock)
//! ```
//! A toolchain names every function, so decoding them all at start-up
//! would cost a module of 10,000 functions about a tenth of its start-up;
//! only backtraces and profilers read them.
//!
//! The section is advisory, so a malformed one is ignored from the first
//! bad entry on instead of failing the module.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;
use wasmparser as wp;

/// The function and tag names of a module's name section, decoded when
/// first asked.
#[derive(Debug, Default)]
pub struct Names {
    /// Where the section's contents lie in the module's bytes.
    section: Option<Range<usize>>,
    decoded: OnceLock<NameMaps>,
}

#[derive(Debug, Default)]
struct NameMaps {
    funcs: HashMap<u32, String>,
    tags: HashMap<u32, String>,
}

impl Clone for Names {
    /// A copy that decodes again when asked (the section is the same).
    fn clone(&self) -> Self {
        Names {
            section: self.section.clone(),
            decoded: OnceLock::new(),
        }
    }
}

impl Names {
    /// Notes the section at `reader` and returns the module name it gives
    /// (the module-name subsection comes first when present).
    pub(super) fn read(&mut self, reader: &wp::CustomSectionReader<'_>) -> Option<String> {
        let start = reader.data_offset() as usize;
        self.section = Some(start..start + reader.data().len());
        let names = wp::NameSectionReader::new(wp::BinaryReader::new(reader.data(), start as u64));
        match names.into_iter().next() {
            Some(Ok(wp::Name::Module { name, .. })) => Some(name.to_string()),
            _ => None,
        }
    }

    /// Function `index`'s name; `bytes` are the module's.
    pub(super) fn func(&self, bytes: &[u8], index: u32) -> Option<&str> {
        self.maps(bytes).funcs.get(&index).map(String::as_str)
    }

    /// Tag `index`'s name; `bytes` are the module's.
    pub(super) fn tag(&self, bytes: &[u8], index: u32) -> Option<&str> {
        self.maps(bytes).tags.get(&index).map(String::as_str)
    }

    fn maps(&self, bytes: &[u8]) -> &NameMaps {
        self.decoded.get_or_init(|| {
            let mut maps = NameMaps::default();
            let section = self.section.clone().and_then(|range| {
                let start = range.start as u64;
                bytes.get(range).map(|data| (data, start))
            });
            if let Some((data, start)) = section {
                decode(
                    &mut maps,
                    wp::NameSectionReader::new(wp::BinaryReader::new(data, start)),
                );
            }
            maps
        })
    }
}

fn decode(maps: &mut NameMaps, reader: wp::NameSectionReader<'_>) {
    for subsection in reader {
        let (map, into) = match subsection {
            Ok(wp::Name::Function(map)) => (map, &mut maps.funcs),
            Ok(wp::Name::Tag(map)) => (map, &mut maps.tags),
            Ok(_) => continue,
            Err(_) => break,
        };
        for naming in map {
            let Ok(naming) = naming else { break };
            into.insert(naming.index, naming.name.to_string());
        }
    }
}
