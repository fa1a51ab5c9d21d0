//! Fusing chains of forced steps that no observation sees, so that a search stores fewer
//! states (as SPIN's `d_step` makes one transition of a sequence, but found by the checker).
//!
//! A state is *skipped* when it has exactly one enabled action and that action changes
//! nothing the check reads: the next state has the same [`Sign`], the values of every atom
//! of the check and whether the horizon is reached. A state that decides the check (a
//! violation of an `always`, a witness of a `sometimes`) or has a fault has no sign and is
//! never skipped. A search that reaches a skipped state
//! follows its one action, and the next, until a state that is not skipped (or
//! [`MAX_FORCED`] steps); that state is stored at its true depth (the chain's length further
//! down), so depths, verdicts, values and the length of the shortest counterexample are those
//! of the search that skips nothing (`tests/fusion.rs` checks it on generated programs).
//!
//! Every skipped state has one successor, so the states reachable through it are reachable
//! through the chain's end. A path through a chain is replayed step by step: a report shows
//! every step, skipped states included.

use stateright::Model;

use crate::cpython::model::{Action, GilModel};
use crate::cpython::state::State;

/// What a check reads of a state, or `None` for a state that decides it (never skipped).
pub type Sign<'a> = &'a (dyn Fn(&State) -> Option<u64> + Sync);

/// Forced steps one chain fuses at most: a cycle of forced steps ends after this many.
pub const MAX_FORCED: u8 = u8::MAX;

/// Follows the forced steps from `start` (a successor just found new) while each leads to a
/// state with `start`'s sign, using `spare` for the step under test (one copy of a state's
/// `used` bytes per step, [`State::copy_used`]: both states are of the model, with defaults
/// past its dims). Returns the chain's end and how many steps it took: 0 when `start` is not skipped
/// (stored as it is).
pub fn follow<'s>(
    model: &GilModel,
    sign: Sign,
    used: usize,
    [start, spare]: [&'s mut State; 2],
    actions: &mut Vec<Action>,
) -> (&'s State, u8) {
    let Some(first) = sign(start) else { return (start, 0) };
    let (mut now, mut next) = (start, spare);
    let mut forced = 0;
    while forced < MAX_FORCED {
        actions.clear();
        model.actions(now, actions);
        let &[only] = actions.as_slice() else { break };
        next.copy_used(now, used);
        model.apply_to(next, only);
        if sign(next) != Some(first) {
            break;
        }
        std::mem::swap(&mut now, &mut next);
        forced += 1;
    }
    (now, forced)
}

/// The state after `forced` forced steps from `s` (a path's replay).
pub fn replay_forced(model: &GilModel, s: &State, forced: u8, mut on_step: impl FnMut(Action, &State)) -> State {
    let mut state = *s;
    let mut actions = Vec::new();
    for _ in 0..forced {
        actions.clear();
        model.actions(&state, &mut actions);
        let only = actions[0];
        model.apply_to(&mut state, only);
        on_step(only, &state);
    }
    state
}
