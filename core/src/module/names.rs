//! The `name` custom section: the module's name, its function and tag names.
//!
//! The section is advisory, so a malformed one is ignored from the first
//! bad entry on instead of failing the module.

use super::Module;
use wasmparser as wp;

pub(super) fn read_name_section(module: &mut Module, reader: wp::NameSectionReader<'_>) {
    for subsection in reader {
        match subsection {
            Ok(wp::Name::Module { name, .. }) => module.name = Some(name.to_string()),
            Ok(wp::Name::Function(map)) => {
                for naming in map {
                    let Ok(naming) = naming else { break };
                    module
                        .func_names
                        .insert(naming.index, naming.name.to_string());
                }
            }
            Ok(wp::Name::Tag(map)) => {
                for naming in map {
                    let Ok(naming) = naming else { break };
                    module
                        .tag_names
                        .insert(naming.index, naming.name.to_string());
                }
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
}
