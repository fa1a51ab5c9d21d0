//! A recorded trace (SPEC §9): what a real run of a scenario showed, in the JSON Lines the
//! generated program writes and a person can write by hand:
//!
//! ```text
//! {"python": "3.11.7"}
//! {"t_ns": 1200, "who": "a", "event": "start", "step": 0}
//! {"t_ns": 2900, "who": "a", "event": "end", "step": 0}
//! {"vars": {"x": 2}}
//! ```
//!
//! `who` names a thread or a task as the report spells it (`name0`… for copies), `step` is the
//! 0-based index in its `steps` (ignored for `resume`, which says the loop resumed that task).
//! Events keep the order of the file; those with equal `t_ns` may be matched in either order.
//! The last line may say `"complete": false` when the run was cut (a `repeat` scenario, or one
//! that did not finish in its time): the trace is then a prefix of a run, and its `vars` are
//! not compared.

use std::path::Path;

use serde_json::Value;

use crate::input::located::InputError;

/// What a recorded event says happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// The thread or task began the step.
    Start,
    /// The thread or task finished the step (and holds the GIL again, where there is one).
    End,
    /// The event loop resumed the task (`Task.__step` or `Task.__wakeup` ran).
    Resume,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Start => "start",
            Kind::End => "end",
            Kind::Resume => "resume",
        }
    }
}

/// One recorded event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub t_ns: i64,
    pub who: String,
    pub kind: Kind,
    /// The step's index; 0 for `resume`.
    pub step: u32,
    /// 1-based line of the file it came from (0 when not read from a file).
    pub line: usize,
}

impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            Kind::Resume => write!(f, "{} resumed", self.who),
            kind => write!(f, "{} {} of step {}", self.who, kind.name(), self.step),
        }
    }
}

/// A whole recorded trace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    /// The interpreter's full version, e.g. `3.11.7`.
    pub python: String,
    pub events: Vec<Event>,
    /// The shared variables' final values, by name.
    pub vars: Vec<(String, i64)>,
    /// The run ended by itself; false: the trace is a prefix.
    pub complete: bool,
}

impl Trace {
    /// Reads a trace; every problem is located at its line and column.
    pub fn parse(path: &Path, text: &str) -> Result<Trace, InputError> {
        let mut trace = Trace { complete: true, ..Trace::default() };
        let mut saw_vars = false;
        let mut saw_header = false;
        for (i, line) in text.lines().enumerate() {
            let n = i + 1;
            let err = |col: usize, message: String| InputError::new(path, n, col, message);
            if line.trim().is_empty() {
                continue;
            }
            if saw_vars {
                return Err(err(1, "a line after the `vars` line; expected the `vars` line to be last".into()));
            }
            let value: Value = serde_json::from_str(line)
                .map_err(|e| err(e.column().max(1), format!("{e}; expected one JSON object per line")))?;
            let Value::Object(map) = value else {
                return Err(err(1, "not a JSON object; expected one JSON object per line".into()));
            };
            if let Some(version) = map.get("python") {
                if saw_header || !trace.events.is_empty() {
                    return Err(err(1, "a second `python` line; expected it once, first".into()));
                }
                trace.python = version
                    .as_str()
                    .ok_or_else(|| err(1, "`python` is not a string; expected e.g. \"3.11.7\"".into()))?
                    .to_string();
                saw_header = true;
                continue;
            }
            if let Some(vars) = map.get("vars") {
                let Value::Object(vars) = vars else {
                    return Err(err(1, "`vars` is not an object; expected {\"x\": 2, …}".into()));
                };
                for (name, v) in vars {
                    let v = v.as_i64().ok_or_else(|| err(1, format!("`vars.{name}` is not an integer")))?;
                    trace.vars.push((name.clone(), v));
                }
                trace.vars.sort();
                if let Some(complete) = map.get("complete") {
                    trace.complete =
                        complete.as_bool().ok_or_else(|| err(1, "`complete` is not true or false".into()))?;
                }
                saw_vars = true;
                continue;
            }
            let field =
                |key: &str| map.get(key).ok_or_else(|| err(1, format!("no `{key}`; expected an event: {EVENT}")));
            let t_ns = field("t_ns")?.as_i64().ok_or_else(|| err(1, format!("`t_ns` is not an integer; {EVENT}")))?;
            let who = field("who")?.as_str().ok_or_else(|| err(1, format!("`who` is not a string; {EVENT}")))?;
            let kind = match field("event")?.as_str() {
                Some("start") => Kind::Start,
                Some("end") => Kind::End,
                Some("resume") => Kind::Resume,
                _ => return Err(err(1, "`event` is not \"start\", \"end\" or \"resume\"".into())),
            };
            let step = match (kind, map.get("step")) {
                (Kind::Resume, _) => 0,
                (_, Some(s)) => s
                    .as_u64()
                    .filter(|s| *s < 256)
                    .ok_or_else(|| err(1, "`step` is not a step index; expected 0, 1, …".into()))?
                    as u32,
                (_, None) => return Err(err(1, format!("no `step`; expected an event: {EVENT}"))),
            };
            trace.events.push(Event { t_ns, who: who.to_string(), kind, step, line: n });
        }
        if !saw_vars {
            let n = text.lines().count().max(1);
            return Err(InputError::new(path, n, 1, "no `vars` line; expected the last line to be {\"vars\": {…}}"));
        }
        Ok(trace)
    }

    /// The trace as the generated program writes it.
    pub fn to_jsonl(&self) -> String {
        let mut out = serde_json::json!({ "python": self.python }).to_string();
        out.push('\n');
        for e in &self.events {
            let line = serde_json::json!({ "t_ns": e.t_ns, "who": e.who, "event": e.kind.name(), "step": e.step });
            out.push_str(&line.to_string());
            out.push('\n');
        }
        let vars: serde_json::Map<String, Value> =
            self.vars.iter().map(|(k, v)| (k.clone(), Value::from(*v))).collect();
        let mut last = serde_json::json!({ "vars": vars });
        if !self.complete {
            last["complete"] = Value::Bool(false);
        }
        out.push_str(&last.to_string());
        out.push('\n');
        out
    }
}

const EVENT: &str = "{\"t_ns\": 1200, \"who\": \"a\", \"event\": \"start\", \"step\": 0}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trace_reads_back_what_it_writes() {
        let text = "{\"python\": \"3.11.7\"}\n{\"t_ns\": 5, \"who\": \"a\", \"event\": \"start\", \"step\": 0}\n\
                    {\"t_ns\": 9, \"who\": \"k\", \"event\": \"resume\"}\n{\"vars\": {\"x\": 2}, \"complete\": false}\n";
        let trace = Trace::parse(Path::new("t.jsonl"), text).unwrap();
        assert_eq!(trace.events.len(), 2);
        assert!(!trace.complete);
        assert_eq!(Trace::parse(Path::new("t.jsonl"), &trace.to_jsonl()).unwrap().events[0].kind, Kind::Start);
    }

    #[test]
    fn errors_name_the_line() {
        let e = Trace::parse(Path::new("t.jsonl"), "{\"python\": \"3.11\"}\n{\"t_ns\": 1}\n").unwrap_err();
        assert_eq!((e.line, e.message.starts_with("no `who`")), (2, true), "{e}");
        let e = Trace::parse(Path::new("t.jsonl"), "{\"python\": \"3.11\"}\n").unwrap_err();
        assert!(e.message.contains("no `vars` line"), "{e}");
        let e = Trace::parse(Path::new("t.jsonl"), "{\"t_ns\": 1, \"who\": \"a\", \"event\": \"go\", \"step\": 0}\n")
            .unwrap_err();
        assert!(e.message.contains("`event`"), "{e}");
    }
}
