//! A scenario file as TOML gives it: each entry's values with the spans errors point at,
//! before any check of what they mean.

use toml::Spanned;

use super::source_file::ScenarioFile;
use crate::input::located::{Fields, InputError, Node};

/// A list of strings with the location of the list and of each string.
pub(super) type SpannedList = Spanned<Vec<Spanned<String>>>;

/// The keys of each table, as "unknown field" messages list them.
pub(super) const FILE_KEYS: [&str; 10] =
    ["name", "title", "runtime", "threads", "tasks", "vars", "queues", "semaphores", "jobs", "conditions"];
pub(super) const JOB_KEYS: [&str; 2] = ["name", "steps"];
pub(super) const QUEUE_KEYS: [&str; 2] = ["maxsize", "kind"];
pub(super) const RUNTIME_KEYS: [&str; 8] =
    ["python", "gil", "switch_points", "switch_interval", "check_interval", "cores", "time", "horizon"];
pub(super) const THREAD_KEYS: [&str; 5] = ["name", "count", "repeat", "steps", "loop"];
pub(super) const TASK_KEYS: [&str; 4] = ["name", "count", "repeat", "steps"];

/// The file's values, each located, before any check of what they mean.
pub(super) struct RawFile {
    pub(super) name: Option<Spanned<String>>,
    pub(super) title: Option<String>,
    pub(super) runtime: Option<RawRuntime>,
    pub(super) threads: Vec<RawThread>,
    pub(super) tasks: Vec<RawTask>,
    /// `[vars]` in file order, each key and value located.
    pub(super) vars: Vec<(Spanned<String>, Spanned<i64>)>,
    pub(super) queues: Vec<RawQueue>,
    /// `[semaphores]`: name and starting value.
    pub(super) semaphores: Vec<(Spanned<String>, Spanned<i64>)>,
    /// `[conditions]`: name and the lock's name.
    pub(super) conditions: Vec<(Spanned<String>, Spanned<String>)>,
    pub(super) jobs: Vec<RawJob>,
}

/// One `[[jobs]]` entry.
pub(super) struct RawJob {
    pub(super) name: Spanned<String>,
    pub(super) steps: SpannedList,
}

/// One `[queues]` entry: its name, `maxsize` (absent: 0, unbounded) and `kind` (absent:
/// "thread").
pub(super) struct RawQueue {
    pub(super) name: Spanned<String>,
    pub(super) maxsize: Option<Spanned<i64>>,
    pub(super) kind: Option<Spanned<String>>,
}

#[derive(Default)]
pub(super) struct RawRuntime {
    pub(super) python: Option<Spanned<String>>,
    pub(super) gil: Option<Spanned<String>>,
    pub(super) switch_points: Option<Spanned<String>>,
    pub(super) switch_interval: Option<Spanned<i64>>,
    pub(super) check_interval: Option<Spanned<i64>>,
    pub(super) cores: Option<Spanned<i64>>,
    pub(super) time: Option<Spanned<String>>,
    pub(super) horizon: Option<Spanned<i64>>,
}

pub(super) struct RawThread {
    pub(super) name: Spanned<String>,
    pub(super) count: Option<Spanned<i64>>,
    pub(super) repeat: Option<Spanned<bool>>,
    pub(super) steps: Option<SpannedList>,
    /// `loop = [...]`: the tasks of this thread's event loop.
    pub(super) tasks: Option<SpannedList>,
}

pub(super) struct RawTask {
    pub(super) name: Spanned<String>,
    pub(super) count: Option<Spanned<i64>>,
    pub(super) repeat: Option<Spanned<bool>>,
    pub(super) steps: SpannedList,
}

/// The steps of a thread or a task entry, with their locations.
pub(super) fn raw_steps(list: Option<&SpannedList>) -> &[Spanned<String>] {
    list.map_or(&[], |l| l.get_ref().as_slice())
}

/// An optional value of a table, read by `read`.
fn optional<T>(
    fields: &Fields,
    key: &str,
    read: impl Fn(&Spanned<Node>) -> Result<T, InputError>,
) -> Result<Option<T>, InputError> {
    fields.get(key).map(read).transpose()
}

impl ScenarioFile<'_> {
    /// Decodes the located tree into the raw entries: keys and value types only.
    pub(super) fn raw_file(&self, root: &Spanned<Node>) -> Result<RawFile, InputError> {
        let src = &self.src;
        let file = src.fields(root, "a table", &FILE_KEYS)?;
        let runtime = optional(&file, "runtime", |node| {
            let f = src.fields(node, "a table", &RUNTIME_KEYS)?;
            Ok(RawRuntime {
                python: optional(&f, "python", |n| src.string(n))?,
                gil: optional(&f, "gil", |n| src.string(n))?,
                switch_points: optional(&f, "switch_points", |n| src.string(n))?,
                switch_interval: optional(&f, "switch_interval", |n| src.int(n))?,
                check_interval: optional(&f, "check_interval", |n| src.int(n))?,
                cores: optional(&f, "cores", |n| src.int(n))?,
                time: optional(&f, "time", |n| src.string(n))?,
                horizon: optional(&f, "horizon", |n| src.int(n))?,
            })
        })?;
        let entries = |key: &str| match file.get(key) {
            Some(node) => src.array(node),
            None => Ok(&[][..]),
        };
        let threads = entries("threads")?.iter().map(|node| {
            let f = src.fields(node, "a table, written `[[threads]]`", &THREAD_KEYS)?;
            Ok(RawThread {
                name: src.string(src.required(&f, "name")?)?,
                count: optional(&f, "count", |n| src.int(n))?,
                repeat: optional(&f, "repeat", |n| src.boolean(n))?,
                steps: optional(&f, "steps", |n| src.strings(n))?,
                tasks: optional(&f, "loop", |n| src.strings(n))?,
            })
        });
        let tasks = entries("tasks")?.iter().map(|node| {
            let f = src.fields(node, "a table, written `[[tasks]]`", &TASK_KEYS)?;
            Ok(RawTask {
                name: src.string(src.required(&f, "name")?)?,
                count: optional(&f, "count", |n| src.int(n))?,
                repeat: optional(&f, "repeat", |n| src.boolean(n))?,
                steps: src.strings(src.required(&f, "steps")?)?,
            })
        });
        let jobs = entries("jobs")?.iter().map(|node| {
            let f = src.fields(node, "a table, written `[[jobs]]`", &JOB_KEYS)?;
            Ok(RawJob { name: src.string(src.required(&f, "name")?)?, steps: src.strings(src.required(&f, "steps")?)? })
        });
        let vars =
            self.named_entries(&file, "vars", "a table of variable names and integer starting values", |v| src.int(v))?;
        let queues =
            self.named_entries(&file, "queues", "a table of queue names, e.g. `Q = { maxsize = 2 }`", |v| {
                let f = src.fields(v, "a table such as `{ maxsize = 2, kind = \"thread\" }`", &QUEUE_KEYS)?;
                Ok((optional(&f, "maxsize", |n| src.int(n))?, optional(&f, "kind", |n| src.string(n))?))
            })?;
        let queues = queues.into_iter().map(|(name, (maxsize, kind))| RawQueue { name, maxsize, kind }).collect();
        let semaphores = self.named_entries(
            &file,
            "semaphores",
            "a table of semaphore names and starting values, e.g. `S = 2`",
            |v| src.int(v),
        )?;
        let conditions = self.named_entries(
            &file,
            "conditions",
            "a table of condition names and their locks, e.g. `C = \"L\"`",
            |v| src.string(v),
        )?;
        Ok(RawFile {
            conditions,
            queues,
            semaphores,
            jobs: jobs.collect::<Result<_, InputError>>()?,
            name: optional(&file, "name", |n| src.string(n))?,
            title: optional(&file, "title", |n| src.string(n))?.map(Spanned::into_inner),
            runtime,
            threads: threads.collect::<Result<_, InputError>>()?,
            tasks: tasks.collect::<Result<_, InputError>>()?,
            vars,
        })
    }

    /// A table of named entries (`[vars]`, `[queues]`, `[semaphores]`, `[conditions]`), each
    /// value read by `read`, in file order; none when the table is absent.
    fn named_entries<T>(
        &self,
        file: &Fields,
        key: &str,
        expected: &str,
        read: impl Fn(&Spanned<Node>) -> Result<T, InputError>,
    ) -> Result<Vec<(Spanned<String>, T)>, InputError> {
        match file.get(key).map(|node| (node, node.get_ref())) {
            None => Ok(Vec::new()),
            Some((_, Node::Table(entries))) => entries.iter().map(|(k, v)| Ok((k.clone(), read(v)?))).collect(),
            Some((node, _)) => Err(self.src.invalid_type(node, expected)),
        }
    }
}
