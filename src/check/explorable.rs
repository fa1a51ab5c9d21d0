//! A model with a claim's check bound to it, as a stateright [`Model`]: for stateright's
//! Explorer (`gilcheck explore`) and for checking our own search against stateright's. The
//! verdicts of `gilcheck check` do not come from here but from [`super::search`] and
//! [`super::liveness`].

use stateright::{Model, Path, Property};

use crate::check::atoms::Goal;
use crate::cpython::model::{Action, GilModel};
use crate::cpython::state::State;
use crate::evidence::timeline;

/// The model and, when a claim is given, its check bound to the model.
pub struct Explorable {
    pub model: GilModel,
    /// Read by the properties (stateright's conditions are plain `fn` pointers, so they read
    /// the claim through the model).
    pub goal: Option<Goal>,
}

impl Model for Explorable {
    type State = State;
    type Action = Action;

    fn init_states(&self) -> Vec<State> {
        self.model.init_states()
    }

    fn actions(&self, state: &State, actions: &mut Vec<Action>) {
        self.model.actions(state, actions);
    }

    fn next_state(&self, state: &State, action: Action) -> Option<State> {
        self.model.next_state(state, action)
    }

    fn format_action(&self, action: &Action) -> String {
        self.model.action_label(action)
    }

    fn format_step(&self, last_state: &State, action: Action) -> Option<String> {
        let next = self.model.apply(last_state, action);
        Some(format!("{}\n=> {}", self.model.describe_action(last_state, action), self.model.describe_state(&next)))
    }

    /// The Explorer draws the timeline of the path it shows, as the reports do.
    fn as_svg(&self, path: Path<State, Action>) -> Option<String> {
        // stateright pairs each state with the action taken from it; a trace pairs it with
        // the action that led to it.
        let mut trace = Vec::new();
        let mut led_here = None;
        for (state, action) in path.into_vec() {
            trace.push((led_here, state));
            led_here = action;
        }
        Some(timeline::svg(&self.model, "the path so far", &trace, None))
    }

    fn properties(&self) -> Vec<Property<Self>> {
        // stateright stops once every property is decided; a property that never is keeps
        // it exploring every state, as our checker does (max, min, vacuity, horizon).
        let mut properties = vec![Property::always("explore everything", |_, _| true)];
        match &self.goal {
            Some(Goal::Always(_)) => properties.push(Property::always("claim", goal_holds)),
            Some(Goal::Sometimes(_)) => properties.push(Property::sometimes("claim", goal_holds)),
            _ => {}
        }
        properties
    }
}

/// The bound claim's condition on a state (`Always` and `Sometimes` goals).
fn goal_holds(explorable: &Explorable, state: &State) -> bool {
    match &explorable.goal {
        Some(Goal::Always(e) | Goal::Sometimes(e)) => explorable.model.eval(state, e),
        _ => false,
    }
}
