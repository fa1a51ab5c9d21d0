/*
 * race.pml: gilcheck's model of the bench row `race-N-nosym`, written out by hand for SPIN.
 *
 *   [runtime]
 *   python = "3.9"              # new GIL, a switch point at every bytecode, untimed
 *   [[threads]]
 *   name = "t"
 *   count = N
 *   steps = ["incr x", "incr_call x"]
 *
 * checked as `always var(x) <= 255` without symmetry reduction. Every action of
 * `GilModel::enabled` (src/cpython/model.rs) that this scenario can enable is one `d_step`
 * of the thread's process, so one SPIN transition is one gilcheck transition and the state
 * vector holds exactly the fields of `State::encode` (src/cpython/encoding.rs) that vary.
 *
 * Fields of the encoding that are constant in this scenario, and therefore left out:
 *   thread.window, thread.round   always 0 / Untimed: `timed_round` (gil.rs) is Untimed when
 *                                 the clock is untimed, `take`/`release`/`want` reset window
 *                                 to 0, and only `tick_waiters` (ticks mode) raises it. So
 *                                 `in_timed_wait` is never true and TakeGilBefore is never
 *                                 enabled.
 *   thread.gil_wait               Caps::gil_wait is false (`caps_for`, src/check/atoms.rs:
 *                                 the check reads no `gil_wait`).
 *   thread.cpu                    `cpu_contention` is false: no `c_nogil`, so at most one
 *                                 thread (the GIL holder) wants a CPU (`max_cpu_demand`).
 *   thread.task                   NONE (255) for plain threads (`GilModel::initial`).
 *   thread.deadline, thread.reg   no timeouts, no `read` step: 0.
 *   gil.since_check               old GIL only.
 *   gil.last_holder               NONE: `gil::take` keeps it only when a claim reads the
 *                                 hand-off or forced-switch counters.
 *   gil.fresh                     Caps::fair_handoffs is false for an `always` check, so
 *                                 `take` sets fresh = false and it stays false.
 *   handoffs, forced_switches,    caps 0 (`caps_for`: the check names none of them), so
 *   task_switches                 `bump` never moves them.
 *   fault                         x never exceeds 2*N <= 255 (asserted below).
 *   now, tasks, loops, locks, ... unused slots (Dims are 0) or ticks mode only.
 *
 * Run (see README.md):
 *   spin -a race.pml && gcc -O2 -DSAFETY -DNOREDUCE -DNOCLAIM -o pan pan.c && ./pan -m100000000 -w26
 * Set N with `#define N` below (or `spin -DN=3 -a race.pml`).
 */

#ifndef N
#define N 3
#endif

/* `NONE` (src/cpython/state.rs): no thread. */
#define NONE 255

/* Phase, with the tags of `Phase::encode` (encoding.rs). Only these three occur: the ops are
 * `Incr` and `IncrCall`, whose `exec` goes to IncrLoaded; the end of the program is Done. */
#define READY   0
#define LOADED  5   /* Phase::IncrLoaded { value, call } */
#define DONE    6

/* GilRel (state.rs), as `encode` writes it (`th.gil as u8`). */
#define NO        0
#define HAS       1
#define WANTS     2
#define SWITCHING 3

/* The program: op 0 = `incr x` (Op::Incr), op 1 = `incr_call x` (Op::IncrCall). */
#define NOPS 2

/* ---- State (the varying fields of `State::encode`) -------------------------------------- */
/* Per thread. `GilModel::initial`: phase Ready (plain thread) and `gil::want` with the GIL
 * free: gil = Wants (round Untimed, window 0). */
byte phase[N];                 /* Phase tag: READY (0) by default */
byte val[N];                   /* IncrLoaded.value (0 in other phases, as `encode` writes it) */
bit  call[N];                  /* IncrLoaded.call  (0 in other phases) */
byte gil[N] = WANTS;           /* GilRel */
byte pc[N];                    /* next op of its program */
/* The GIL (`Gil::default`). */
byte holder = NONE;
bit  drop_request;
bit  forced_release;
/* vars: x = 0 (`System::var` adds it with 0). */
byte x;

hidden byte i;                 /* loop index inside one d_step: not part of the state */

/* `Phase::needs_gil` (state.rs): Ready and IncrLoaded execute Python; Done does not. */
#define NEEDS_GIL(t) (phase[t] != DONE)

/* `gil::take` (gil.rs) for thread t, woken = None (TakeGil). The counters are not tracked
 * (caps 0) and `fresh` becomes false (fair_handoffs false), so neither appears here. */
inline take(t) {
    /* A hand-off to another thread than the last holder bumps `handoffs` (and, after a
     * forced release, `forced_switches`); both caps are 0 here, so `bump` does nothing and
     * gilcheck keeps no last holder (a variable no one reads). The read of forced_release
     * stays, so that SPIN does not hide it (it hides variables that are only written unless
     * spin -o2), as gilcheck stores it. */
    if
    :: forced_release -> skip   /* bump(forced_switches, 0) */
    :: else -> skip
    fi;
    holder = t;
    forced_release = 0;
    drop_request = 0;          /* RESET_GIL_DROP_REQUEST */
    gil[t] = HAS;              /* gil_wait, window = 0, round = Untimed: constant */
    i = 0;
    do
    :: i < N ->
        if
        /* FORCE_SWITCHING: a thread waiting in drop_gil for the switch goes on; it wants the
         * GIL back if its phase needs it (round = timed_round = Untimed). */
        :: i != t && gil[i] == SWITCHING ->
            if
            :: NEEDS_GIL(i) -> gil[i] = WANTS
            :: else -> gil[i] = NO
            fi
        /* Wants with round Untimed: window = 0, round = timed_round = Untimed: no change. */
        :: else -> skip
        fi;
        i++
    :: else -> break
    od;
    i = 0
}

/* `gil::release(sys, s, t, forced, exiting)` (gil.rs), new GIL; `forced_release` gets
 * `forced`. window/round reset: constant. */
inline release(t, forced, exiting) {
    holder = NONE;
    forced_release = forced;
    if
    :: drop_request && !exiting ->
        drop_request = 0;
        gil[t] = SWITCHING     /* drop_gil waits on switch_cond until another thread takes it */
    :: else ->
        if
        :: NEEDS_GIL(t) && !exiting -> gil[t] = WANTS
        :: else -> gil[t] = NO
        fi
    fi
}

/* `gil::at_switch_point` (gil.rs) for a holder in this scenario's phases under 3.9
 * (`bytecode_switch_points`): Ready -> `boundary_is_switch_point`, true at every boundary
 * with bytecode switch points; IncrLoaded -> `call || bytecode`; nothing else. */
#define BYTECODE 1
#define AT_SWITCH_POINT(t) (phase[t] == READY || (phase[t] == LOADED && (call[t] || BYTECODE)))

/* `gil::must_drop` (gil.rs), new GIL: a drop request is pending, t holds the GIL (gil == Has
 * says so) and is at a switch point. */
#define MUST_DROP(t) (gil[t] == HAS && drop_request && AT_SWITCH_POINT(t))

/* In `enabled`, a thread's phase steps are listed when its GilRel is No, or Has and no
 * ForcedDrop is due (a ForcedDrop `continue`s past them; there is no CheckInterval on the
 * new GIL). Wants and Switching list no step. */
#define MAY_STEP(t) (gil[t] == NO || (gil[t] == HAS && !MUST_DROP(t)))

/* One process per thread: `_pid` is the thread's index (no other process exists). Every
 * option is one gilcheck Action; the process's location is the same before and after each,
 * so it adds nothing to the count of states. A state where no option is enabled (every
 * thread Done, or nothing else) is a valid end (`end` label). */
active [N] proctype thread()
{
end:
    do
    /* Action::TakeGil(t): `enabled`, GilRel::Wants with the GIL free (round Untimed and no
     * thread in a timed wait, so no TakeGilBefore); `apply_to` -> `gil::take(.., None)`. */
    :: d_step { gil[_pid] == WANTS && holder == NONE -> take(_pid) }

    /* Action::Timeout(t): `enabled`, GilRel::Wants, GIL held, untimed new GIL, no drop
     * request pending and not `fresh` (always false); `apply_to` sets gil_drop_request. */
    :: d_step { gil[_pid] == WANTS && holder != NONE && !drop_request -> drop_request = 1 }

    /* Action::ForcedDrop(t): `enabled`, GilRel::Has and `gil::must_drop` (MUST_DROP);
     * `apply_to` -> `gil::release(.., forced = true, exiting = false)`: the request is
     * pending, so the thread goes to Switching and the request is cleared. */
    :: d_step { MUST_DROP(_pid) -> release(_pid, 1, 0) }

    /* Action::Step(t, 0) in Phase::Ready at op `incr x` / `incr_call x` (`durations` is
     * (0, 0) for both): `step` -> `exec`, Op::Incr / Op::IncrCall: load x into
     * IncrLoaded { value: x, call: op is IncrCall }. (`apply_to` clears `fresh`: already 0.) */
    :: d_step { MAY_STEP(_pid) && phase[_pid] == READY && pc[_pid] < NOPS ->
                phase[_pid] = LOADED;
                val[_pid] = x;
                call[_pid] = (pc[_pid] == 1) }

    /* Action::Step(t, 0) in Phase::Ready past the last op: `step` -> `program_end`, a plain
     * thread without `repeat`: phase Done, then `asyncio::release_if_held(.., exiting =
     * true)` -> `gil::release(.., forced = false, exiting = true)`: GilRel No. */
    :: d_step { MAY_STEP(_pid) && phase[_pid] == READY && pc[_pid] == NOPS ->
                phase[_pid] = DONE;
                if
                :: holder == _pid -> release(_pid, 0, 1)
                :: else -> skip
                fi }

    /* Action::Step(t, 0) in Phase::IncrLoaded: `step` -> `store(x, value + 1)` (a value past
     * 255 would be Fault::VarOverflow; asserted impossible) and `advance`: pc + 1, phase
     * Ready (value and call are no longer encoded), deadline 0. */
    :: d_step { MAY_STEP(_pid) && phase[_pid] == LOADED ->
                assert(val[_pid] < 255);
                x = val[_pid] + 1;
                pc[_pid]++;
                phase[_pid] = READY;
                val[_pid] = 0;
                call[_pid] = 0 }
    od
}
