//! `gilcheck list`: the scenarios and claims found, with their names and checks.

use std::process::ExitCode;

use super::{emit, Sources};
use crate::input::located::InputError;

pub(super) fn run(sources: &Sources) -> Result<ExitCode, InputError> {
    let (scenarios, claims) = sources.load()?;
    let mut out = String::new();
    out.push_str("scenarios:\n");
    for s in &scenarios {
        out.push_str(&format!("  {:<40} {}\n", s.name, s.title));
    }
    out.push_str("claims:\n");
    for c in &claims {
        out.push_str(&format!("  {:<44} {}\n", c.id, c.check_text));
    }
    emit(&out);
    Ok(ExitCode::SUCCESS)
}
