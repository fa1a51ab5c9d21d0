//! States explored per second, and peak memory, on three models: a race, an asyncio program
//! and a ticks-mode convoy. Run with `cargo bench`; criterion reports the throughput in
//! states (elements) per second; peak memory (VmHWM) is printed per model.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use gilcheck::check::job::check_one;
use gilcheck::input::scenario::load_scenarios;

/// The process's peak resident memory in KiB (Linux), or 0.
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn bench(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/models");
    let scenarios = load_scenarios(&[dir]).expect("bench models parse");
    // A check that holds, so every reachable state is explored.
    let checks =
        [("race", "always var(x) <= 255"), ("asyncio", "always running_tasks <= 1"), ("convoy", "always now >= 0")];
    let mut group = c.benchmark_group("explore");
    group.sample_size(10);
    for (name, check) in checks {
        let scenario = scenarios.iter().find(|s| s.name == name).expect("bench model");
        let before = peak_kib();
        let row = check_one(scenario, check, None).expect("bench check runs");
        eprintln!(
            "{name}: {} states, depth {}, {} ms, peak memory {} MiB (grew {} MiB)",
            row.states,
            row.max_depth,
            row.elapsed_ms,
            peak_kib() / 1024,
            peak_kib().saturating_sub(before) / 1024
        );
        group.throughput(Throughput::Elements(row.states));
        group.bench_function(name, |b| b.iter(|| check_one(scenario, check, None).expect("runs").states));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
