//! How a call in the user's code becomes a step: the built-in table (each entry says why, with
//! the CPython source that decides it), the user's mapping file, and `# gilcheck:` comments.
//!
//! Only calls that cost time or touch the GIL matter; the table names the rest (`print`,
//! `len`, string methods) as taking no step, so that nothing is dropped without a reason.

use std::collections::BTreeMap;
use std::path::Path;

use crate::input::located::{InputError, Node, Source};
use crate::input::scenario::{Duration, Step};

/// What a call costs, before its duration is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cost {
    /// `time.sleep(s)`: the duration is the argument.
    Sleep,
    /// A blocking system call that releases the GIL.
    Io,
    /// C code that releases the GIL for large data.
    CNoGil,
    /// A C function that keeps the GIL.
    CCall,
    /// Well under a tick and never a switch point that matters: no step.
    Nothing,
}

/// One row of the built-in table: a dotted name (`time.sleep`) or a method on any object
/// (`.recv`), its cost, and why.
pub struct Known {
    pub name: &'static str,
    pub cost: Cost,
    pub why: &'static str,
}

const SLEEP_WHY: &str = "Modules/timemodule.c: pysleep waits with the GIL released (Py_BEGIN_ALLOW_THREADS)";
const IO_WHY: &str = "a blocking system call: Modules/socketmodule.c: sock_call_ex and Modules/_io/fileio.c: \
                      _io_FileIO_read_impl release the GIL around it";
const SUBPROCESS_WHY: &str = "Lib/subprocess.py: Popen.communicate / wait block in os.read / os.waitpid, which \
                              release the GIL (Modules/posixmodule.c)";
const HASH_WHY: &str =
    "Modules/_hashopenssl.c: EVP_hash releases the GIL for data over HASHLIB_GIL_MINSIZE (2048 bytes)";
const ZLIB_WHY: &str = "Modules/zlibmodule.c: zlib_compress_impl / zlib_decompress_impl release the GIL around \
                        deflate and inflate";
const C_CALL_WHY: &str = "a C function that keeps the GIL: no eval-breaker check inside (Python/bltinmodule.c: \
                          builtin_sorted, builtin_sum; Modules/_json.c; Modules/_sre)";
const NOTHING_WHY: &str = "a cheap builtin or method: well under a tick, no blocking";

/// The built-in table. A dotted name matches the call's resolved name; `.m` matches a method
/// `m` on an object the extractor knows nothing of.
pub const KNOWN: &[Known] = &[
    Known { name: "time.sleep", cost: Cost::Sleep, why: SLEEP_WHY },
    Known { name: "requests.get", cost: Cost::Io, why: IO_WHY },
    Known { name: "requests.post", cost: Cost::Io, why: IO_WHY },
    Known { name: "requests.put", cost: Cost::Io, why: IO_WHY },
    Known { name: "requests.delete", cost: Cost::Io, why: IO_WHY },
    Known { name: "requests.head", cost: Cost::Io, why: IO_WHY },
    Known { name: "requests.request", cost: Cost::Io, why: IO_WHY },
    Known { name: "urllib.request.urlopen", cost: Cost::Io, why: IO_WHY },
    Known { name: "socket.create_connection", cost: Cost::Io, why: IO_WHY },
    Known { name: "socket.getaddrinfo", cost: Cost::Io, why: IO_WHY },
    Known { name: "open", cost: Cost::Io, why: IO_WHY },
    Known { name: "input", cost: Cost::Io, why: IO_WHY },
    Known { name: "os.read", cost: Cost::Io, why: IO_WHY },
    Known { name: "os.write", cost: Cost::Io, why: IO_WHY },
    Known { name: "os.system", cost: Cost::Io, why: SUBPROCESS_WHY },
    Known { name: "shutil.copyfile", cost: Cost::Io, why: IO_WHY },
    Known { name: "shutil.copy", cost: Cost::Io, why: IO_WHY },
    Known { name: "subprocess.run", cost: Cost::Io, why: SUBPROCESS_WHY },
    Known { name: "subprocess.call", cost: Cost::Io, why: SUBPROCESS_WHY },
    Known { name: "subprocess.check_call", cost: Cost::Io, why: SUBPROCESS_WHY },
    Known { name: "subprocess.check_output", cost: Cost::Io, why: SUBPROCESS_WHY },
    Known { name: ".recv", cost: Cost::Io, why: IO_WHY },
    Known { name: ".recv_into", cost: Cost::Io, why: IO_WHY },
    Known { name: ".recvfrom", cost: Cost::Io, why: IO_WHY },
    Known { name: ".send", cost: Cost::Io, why: IO_WHY },
    Known { name: ".sendall", cost: Cost::Io, why: IO_WHY },
    Known { name: ".connect", cost: Cost::Io, why: IO_WHY },
    Known { name: ".accept", cost: Cost::Io, why: IO_WHY },
    Known { name: ".read", cost: Cost::Io, why: IO_WHY },
    Known { name: ".readline", cost: Cost::Io, why: IO_WHY },
    Known { name: ".readlines", cost: Cost::Io, why: IO_WHY },
    Known { name: ".read_text", cost: Cost::Io, why: IO_WHY },
    Known { name: ".write_text", cost: Cost::Io, why: IO_WHY },
    Known { name: ".communicate", cost: Cost::Io, why: SUBPROCESS_WHY },
    Known { name: "hashlib.sha256", cost: Cost::CNoGil, why: HASH_WHY },
    Known { name: "hashlib.sha1", cost: Cost::CNoGil, why: HASH_WHY },
    Known { name: "hashlib.sha512", cost: Cost::CNoGil, why: HASH_WHY },
    Known { name: "hashlib.md5", cost: Cost::CNoGil, why: HASH_WHY },
    Known { name: "hashlib.blake2b", cost: Cost::CNoGil, why: HASH_WHY },
    Known { name: "hashlib.new", cost: Cost::CNoGil, why: HASH_WHY },
    Known { name: "zlib.compress", cost: Cost::CNoGil, why: ZLIB_WHY },
    Known { name: "zlib.decompress", cost: Cost::CNoGil, why: ZLIB_WHY },
    Known { name: "bz2.compress", cost: Cost::CNoGil, why: "Modules/_bz2module.c: compress releases the GIL" },
    Known { name: "lzma.compress", cost: Cost::CNoGil, why: "Modules/_lzmamodule.c: compress releases the GIL" },
    Known { name: "sorted", cost: Cost::CCall, why: C_CALL_WHY },
    Known { name: "sum", cost: Cost::CCall, why: C_CALL_WHY },
    Known { name: "max", cost: Cost::CCall, why: C_CALL_WHY },
    Known { name: "min", cost: Cost::CCall, why: C_CALL_WHY },
    Known { name: "json.dumps", cost: Cost::CCall, why: C_CALL_WHY },
    Known { name: "json.loads", cost: Cost::CCall, why: C_CALL_WHY },
    Known { name: "pickle.dumps", cost: Cost::CCall, why: C_CALL_WHY },
    Known { name: "pickle.loads", cost: Cost::CCall, why: C_CALL_WHY },
    Known { name: "re.match", cost: Cost::CCall, why: C_CALL_WHY },
    Known { name: "re.search", cost: Cost::CCall, why: C_CALL_WHY },
    Known { name: "re.findall", cost: Cost::CCall, why: C_CALL_WHY },
    Known { name: "re.sub", cost: Cost::CCall, why: C_CALL_WHY },
    Known { name: ".sort", cost: Cost::CCall, why: C_CALL_WHY },
    Known { name: "print", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: "len", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: "range", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: "str", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: "int", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: "float", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: "bool", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: "bytes", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: "list", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: "dict", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: "set", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: "tuple", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: "enumerate", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: "zip", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: "isinstance", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: "abs", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: "round", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: "repr", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: "format", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: "time.time", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: "time.monotonic", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: "time.perf_counter", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: "random.random", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: "random.randint", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: "os.urandom", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: ".hexdigest", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: ".digest", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: ".decode", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: ".encode", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: ".strip", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: ".split", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: ".join", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: ".format", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: ".upper", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: ".lower", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: ".items", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: ".keys", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: ".values", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: ".copy", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: ".extend", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: ".append", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: ".pop", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: ".result", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: ".startswith", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: ".endswith", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: ".replace", cost: Cost::Nothing, why: NOTHING_WHY },
    Known { name: ".task_done", cost: Cost::Nothing, why: NOTHING_WHY },
];

/// The durations the table's costs get when nothing gives one, in ticks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Defaults {
    pub io: u32,
    pub c_nogil: u32,
    pub c_call: u32,
    /// A plain Python loop, or a function of plain statements.
    pub compute: u32,
    /// Iterations kept of a loop whose count is unknown or too large to unroll.
    pub loop_bound: u32,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults { io: 20, c_nogil: 5, c_call: 2, compute: 3, loop_bound: 2 }
    }
}

/// The user's mapping file: `[calls]` name → step (or `"none"`), `[defaults]` durations.
#[derive(Clone, Debug, Default)]
pub struct Mapping {
    pub calls: BTreeMap<String, Option<Vec<Step>>>,
    pub defaults: Defaults,
}

impl Mapping {
    /// Reads a mapping file:
    ///
    /// ```toml
    /// [calls]
    /// "mylib.fetch" = "io 30"          # any blocking step; several with `;`
    /// "cache.get" = "none"             # no step
    /// [defaults]
    /// io = 20
    /// ```
    pub fn parse(path: &Path, text: &str) -> Result<Mapping, InputError> {
        let src = Source::new(path, text);
        let root = src.tree("mapping files")?;
        let top = src.fields(&root, "a mapping table", &["calls", "defaults"])?;
        let mut mapping = Mapping::default();
        if let Some(calls) = top.get("calls") {
            let Node::Table(entries) = calls.get_ref() else {
                return Err(src.invalid_type(calls, "a table of call name = \"step\""));
            };
            for (name, value) in entries {
                let text = src.string(value)?;
                let steps = parse_steps(text.get_ref()).map_err(|e| src.at(value.span(), e))?;
                mapping.calls.insert(name.get_ref().clone(), steps);
            }
        }
        if let Some(defaults) = top.get("defaults") {
            let keys = ["io", "c_nogil", "c_call", "compute", "loop"];
            let fields = src.fields(defaults, "a table of default durations", &keys)?;
            for (key, value) in fields.entries {
                let n = src.int(value)?;
                let n = u32::try_from(*n.get_ref()).ok().filter(|n| (1..=255).contains(n)).ok_or_else(|| {
                    src.at(value.span(), "out of range; expected a whole number of ticks from 1 to 255")
                })?;
                let d = &mut mapping.defaults;
                match key.get_ref().as_str() {
                    "io" => d.io = n,
                    "c_nogil" => d.c_nogil = n,
                    "c_call" => d.c_call = n,
                    "compute" => d.compute = n,
                    _ => d.loop_bound = n,
                }
            }
        }
        Ok(mapping)
    }
}

/// Steps written by the user: `"io 20"`, `"compute 1; io 5"`, or `"none"` (no step).
pub fn parse_steps(text: &str) -> Result<Option<Vec<Step>>, String> {
    if text.trim() == "none" {
        return Ok(None);
    }
    let steps: Vec<Step> = text.split(';').map(|s| s.trim().parse::<Step>()).collect::<Result<_, _>>()?;
    if steps.is_empty() {
        return Err("no step; expected a step such as `io 20`, `compute 3`, or `none`".to_owned());
    }
    Ok(Some(steps))
}

/// The table's row for a call: by its resolved dotted name, else by its method name.
pub fn known(dotted: &str) -> Option<&'static Known> {
    KNOWN.iter().find(|k| k.name == dotted).or_else(|| {
        let method = dotted.rsplit_once('.').map(|(_, m)| m)?;
        KNOWN.iter().find(|k| k.name.strip_prefix('.') == Some(method))
    })
}

/// The step of a cost with a duration in ticks (None for [`Cost::Nothing`]).
pub fn step_of(cost: Cost, ticks: u32) -> Option<Step> {
    let d = Duration { lo: ticks, hi: ticks };
    match cost {
        Cost::Sleep => Some(Step::Sleep(d)),
        Cost::Io => Some(Step::Io(d)),
        Cost::CNoGil => Some(Step::CNoGil(d)),
        Cost::CCall => Some(Step::CCall(d)),
        Cost::Nothing => None,
    }
}
