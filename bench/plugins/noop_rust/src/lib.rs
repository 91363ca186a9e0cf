//! keel.bench.noop_rust — a strategy that does nothing, written with
//! keel-sdk: the call-overhead benchmark measures the crossing itself (the
//! C table and the SDK's panic guard), not the strategy.

use keel_sdk::ffi::*;
use keel_sdk::{Host, KeelResult, Params, Strategy};

pub struct NoOp;

impl Strategy for NoOp {
    const ID: &'static str = "keel.bench.noop_rust";
    const DESCRIPTION: &'static str = "Does nothing (call-overhead benchmark)";

    fn create(_params: &mut Params, _host: Host) -> KeelResult<Self> {
        Ok(NoOp)
    }

    fn on_quote(&mut self, _quote: &keel_quote_t) -> KeelResult<()> {
        Ok(())
    }
}

keel_sdk::keel_plugin! {
    id: "keel.bench.noop_rust",
    name: "No-op (Rust)",
    version: "0.1.0",
    vendor: "keel",
    description: "A strategy that does nothing, for keel_bench's call overhead",
    strategies: [NoOp],
}
