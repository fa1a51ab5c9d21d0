//! Finding the user's files: a path given on the command line is one TOML file, or a folder
//! whose `*.toml` files below it are read in path order. Both formats are found this way.

use std::path::{Path, PathBuf};

/// `root` itself when it is not a folder; else every `*.toml` file below it, sorted by path.
/// A symbolic link to a folder is followed once (a link loop cannot make this run forever).
/// An error names the folder that could not be read.
pub fn toml_files(root: &Path) -> Result<Vec<PathBuf>, (PathBuf, std::io::Error)> {
    if !root.is_dir() {
        return Ok(vec![root.to_path_buf()]);
    }
    let mut files = Vec::new();
    let mut seen = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let unreadable = |e| (folder.clone(), e);
        let real = std::fs::canonicalize(&folder).map_err(unreadable)?;
        if seen.contains(&real) {
            continue;
        }
        seen.push(real);
        for entry in std::fs::read_dir(&folder).map_err(unreadable)? {
            let path = entry.map_err(unreadable)?.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "toml") && path.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}
