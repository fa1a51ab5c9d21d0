//! A scenario written back as a file that parses to it again: for universal claims' shrunk
//! programs and for round-trip tests.

use std::fmt::{self, Write as _};

use super::*;

// ---------------------------------------------------------------------------------------------
// Helpers for the model, and printing back
// ---------------------------------------------------------------------------------------------

impl Scenario {
    /// A scenario file that parses back to this scenario (its `path` aside). Every field is
    /// written out; `gil` and `switch_points` only when the file had them, so that a claim's
    /// variants still pick them from the version.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = self.write_toml(&mut out);
        out
    }

    fn write_toml(&self, out: &mut String) -> fmt::Result {
        writeln!(out, "name = {}", quoted(&self.name))?;
        writeln!(out, "title = {}", quoted(&self.title))?;
        let r = &self.runtime;
        writeln!(out, "\n[runtime]\npython = {}", quoted(&r.python))?;
        if r.gil_explicit {
            writeln!(out, "gil = \"{}\"", keyword(GIL_NAMES, r.gil))?;
        }
        if r.switch_points_explicit {
            writeln!(out, "switch_points = \"{}\"", keyword(SWITCH_POINT_NAMES, r.switch_points))?;
        }
        writeln!(out, "switch_interval = {}\ncheck_interval = {}", r.switch_interval, r.check_interval)?;
        writeln!(out, "cores = {}\ntime = \"{}\"\nhorizon = {}", r.cores, keyword(TIME_NAMES, r.time), r.horizon)?;
        for t in &self.threads {
            writeln!(out, "\n[[threads]]\nname = {}\ncount = {}\nrepeat = {}", quoted(&t.name), t.count, t.repeat)?;
            match &t.body {
                ThreadBody::Steps(steps) => writeln!(out, "steps = {}", list(steps))?,
                ThreadBody::Loop(tasks) => writeln!(out, "loop = {}", list(tasks))?,
            }
        }
        for t in &self.tasks {
            writeln!(out, "\n[[tasks]]\nname = {}\ncount = {}\nrepeat = {}", quoted(&t.name), t.count, t.repeat)?;
            writeln!(out, "steps = {}", list(&t.steps))?;
        }
        for j in &self.jobs {
            writeln!(out, "\n[[jobs]]\nname = {}\nsteps = {}", quoted(&j.name), list(&j.steps))?;
        }
        if !self.conditions.is_empty() {
            writeln!(out, "\n[conditions]")?;
            for (name, lock) in &self.conditions {
                writeln!(out, "{} = {}", quoted(name), quoted(lock))?;
            }
        }
        if !self.vars.is_empty() {
            writeln!(out, "\n[vars]")?;
            for (name, value) in &self.vars {
                writeln!(out, "{} = {value}", quoted(name))?;
            }
        }
        if !self.queues.is_empty() {
            writeln!(out, "\n[queues]")?;
            for (name, maxsize) in &self.queues {
                writeln!(out, "{} = {{ maxsize = {maxsize} }}", quoted(name))?;
            }
        }
        if !self.semaphores.is_empty() {
            writeln!(out, "\n[semaphores]")?;
            for (name, value) in &self.semaphores {
                writeln!(out, "{} = {value}", quoted(name))?;
            }
        }
        Ok(())
    }
}

/// A TOML string literal, escaped as TOML needs.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// A TOML array of the items' file syntax.
fn list<T: fmt::Display>(items: &[T]) -> String {
    let items: Vec<String> = items.iter().map(|i| quoted(&i.to_string())).collect();
    format!("[{}]", items.join(", "))
}
