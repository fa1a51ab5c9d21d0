//! `gilcheck extract app.py`: the scenario of a Python program, each thread, task and step
//! commented with its source line; notes on what is approximated go to stderr.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::emit;
use crate::input::files::read_user_file;
use crate::input::located::InputError;
use crate::input::scenario::python_rules;
use crate::python::calls::Mapping;
use crate::python::{extract, Extraction};

#[derive(clap::Args, Debug)]
pub struct ExtractArgs {
    /// The Python file.
    pub program: PathBuf,
    /// The CPython the scenario's `[runtime]` names.
    #[arg(long, value_name = "VERSION", default_value = "3.11")]
    pub python: String,
    #[command(flatten)]
    pub front: FrontEnd,
}

/// What the front end reads beside the program: the CPython and the user's call mapping.
#[derive(clap::Args, Debug, Clone)]
pub struct FrontEnd {
    /// How calls the built-in table does not know are modelled: a TOML file with
    /// `[calls] "mylib.fetch" = "io 30"` and `[defaults] io = 20`.
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,
}

pub(super) fn run(args: &ExtractArgs) -> Result<ExitCode, InputError> {
    let extraction = extract_file(&args.program, &args.front, &args.python)?;
    emit(&extraction.toml);
    print_notes(&args.program, &extraction);
    Ok(ExitCode::SUCCESS)
}

/// Reads and extracts one Python file under CPython `python`.
pub(super) fn extract_file(path: &Path, front: &FrontEnd, python: &str) -> Result<Extraction, InputError> {
    let usage = |message: String| InputError::new(Path::new("gilcheck"), 1, 1, message);
    if python_rules(python).is_none() {
        return Err(usage(format!("unknown CPython `{python}`; expected e.g. 2.7, 3.9, 3.11, 3.13t")));
    }
    let mapping = match &front.mapping {
        Some(file) => Mapping::parse(file, &read_user_file(file, "the mapping file", "expected a TOML mapping file")?)?,
        None => Mapping::default(),
    };
    let text = read_user_file(path, "the Python file", "expected a Python source file (UTF-8)")?;
    extract(path, &text, &mapping, python)
}

/// The notes, one per line, as `file:line:col: note: …` on stderr.
pub(super) fn print_notes(path: &Path, extraction: &Extraction) {
    let file = path.display();
    for note in &extraction.program.notes {
        eprintln!("{file}:{}:{}: note: {}", note.line, note.col, note.text);
    }
}
