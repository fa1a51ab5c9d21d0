//! A temporary project for tests of the binary: `models/`, `claims/`, and gilcheck run inside it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

/// One claim as TOML. `expect` is a TOML value (a quoted string or an inline table). The `check`
/// line is always line 6 of the claim (line 1 is `[[claims]]`), the `models` line is line 5.
pub fn claim(id: &str, models: &[&str], check: &str, expect: &str) -> String {
    let models: Vec<String> = models.iter().map(|m| format!("\"{m}\"")).collect();
    format!(
        "[[claims]]\nid = \"{id}\"\nquote = \"a sentence\"\nsource = \"test\"\nmodels = [{}]\ncheck = \"{check}\"\n\
         expect = {expect}\n",
        models.join(", ")
    )
}

/// A temporary folder with `models/` and `claims/`, removed when dropped.
pub struct Project {
    dir: TempDir,
}

impl Project {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        fs::create_dir_all(dir.path().join("models")).unwrap();
        fs::create_dir_all(dir.path().join("claims")).unwrap();
        Project { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn models(&self) -> PathBuf {
        self.root().join("models")
    }

    pub fn claims(&self) -> PathBuf {
        self.root().join("claims")
    }

    /// Writes `models/<name>.toml`; returns its path.
    pub fn scenario(&self, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
        let path = self.models().join(format!("{name}.toml"));
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
        path
    }

    /// Writes `claims/<file>`; returns its path.
    pub fn claim_file(&self, file: &str, text: impl AsRef<[u8]>) -> PathBuf {
        let path = self.claims().join(file);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
        path
    }

    /// Runs the binary with these arguments, in the project's folder.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_gilcheck"))
            .args(args)
            .current_dir(self.root())
            .env_remove("RUST_BACKTRACE")
            .output()
            .expect("gilcheck runs")
    }

    /// `check --models <models> --claims <claims> <extra>`.
    pub fn check(&self, extra: &[&str]) -> Output {
        let models = self.models();
        let claims = self.claims();
        let mut args = vec!["check", "--models", models.to_str().unwrap(), "--claims", claims.to_str().unwrap()];
        args.extend_from_slice(extra);
        self.run(&args)
    }
}

pub fn status(out: &Output) -> i32 {
    out.status.code().expect("gilcheck exits with a status, not a signal")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
