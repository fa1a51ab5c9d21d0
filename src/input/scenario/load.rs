//! Loading folders of scenario files: every `*.toml` below each folder, named by its path
//! under it, with unique names.

use std::path::{Path, PathBuf};

use super::parse::parse_scenario;
use super::*;
use crate::input::files::{read_user_file, toml_files};
use crate::input::located::{InputError, Node, Source};

/// Loads every scenario of `dirs`: each a folder (its `*.toml` files, recursively, sorted by
/// path, named by their path under it) or one file (named by its stem). Names must be unique.
pub fn load_scenarios(dirs: &[PathBuf]) -> Result<Vec<Scenario>, InputError> {
    let mut scenarios: Vec<Scenario> = Vec::new();
    for (path, default_name) in scenario_files(dirs)? {
        let source = read_user_file(&path, "the scenario file", SCENARIO_EXPECTED)?;
        let scenario = parse_scenario(&path, &source, &default_name)?;
        if let Some(first) = scenarios.iter().find(|s| s.name == scenario.name) {
            let src = Source::new(&path, &source);
            let message = format!(
                "duplicate scenario name `{}`: {} has it already; expected unique names (set `name` to rename one)",
                scenario.name,
                first.path.display()
            );
            return Err(src.error(name_key_offset(&path, &source).unwrap_or(0), message));
        }
        scenarios.push(scenario);
    }
    Ok(scenarios)
}

/// Where the top-level `name` key is written, if it is.
fn name_key_offset(path: &Path, source: &str) -> Option<usize> {
    let root = Source::new(path, source).tree("scenario files").ok()?;
    let Node::Table(entries) = root.get_ref() else { return None };
    entries.iter().find(|(k, _)| k.get_ref() == "name").map(|(k, _)| k.span().start)
}

/// What a path given for scenarios should be, for messages.
const SCENARIO_EXPECTED: &str = "expected a scenario file (UTF-8 TOML) or a folder of them";

fn io_error(path: &Path, error: &std::io::Error) -> InputError {
    InputError::new(path, 1, 1, format!("cannot read: {error}; {SCENARIO_EXPECTED}"))
}

/// Every scenario file of `roots` with its default name, in load order: a file's stem, or
/// its path under the folder given.
fn scenario_files(roots: &[PathBuf]) -> Result<Vec<(PathBuf, String)>, InputError> {
    let mut found = Vec::new();
    for root in roots {
        let files = toml_files(root).map_err(|(folder, e)| io_error(&folder, &e))?;
        for file in files {
            let name = if root.is_dir() {
                relative_name(root, &file)
            } else {
                file.file_stem().map_or(String::new(), |s| s.to_string_lossy().into_owned())
            };
            found.push((file, name));
        }
    }
    Ok(found)
}

/// `root/gil/convoy.toml` → `gil/convoy`, with `/` on every platform.
fn relative_name(root: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(root).unwrap_or(file).with_extension("");
    let parts: Vec<String> = relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    parts.join("/")
}
