//! `gilcheck explore`: stateright's Explorer on localhost, to walk a scenario's states by hand.

use std::process::ExitCode;
use std::time::Duration;

use stateright::Model;

use super::{with_target, Target};
use crate::check::explorable::Explorable;
use crate::input::located::InputError;

#[derive(clap::Args, Debug)]
pub struct ExploreArgs {
    #[command(flatten)]
    pub target: Target,
    /// The port on localhost.
    #[arg(long, default_value_t = 3000)]
    pub port: u16,
}

pub(super) fn run(args: &ExploreArgs) -> Result<ExitCode, InputError> {
    with_target(&args.target, |model, _| serve(args, model))
}

fn serve(args: &ExploreArgs, model: Explorable) -> Result<ExitCode, InputError> {
    let address = ("127.0.0.1", args.port);
    // tiny_http panics on a port it cannot bind: find out first, and say so.
    if let Err(e) = std::net::TcpListener::bind(address) {
        eprintln!("error: cannot listen on 127.0.0.1:{}: {e}; pick another with --port", args.port);
        return Ok(ExitCode::from(2));
    }
    eprintln!("Explorer for `{}` on http://127.0.0.1:{}/ (Ctrl-C to stop)", args.target.model, args.port);
    let _checker = model.checker().serve(address);
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}
