//! keel_test.rust_threads — Rust plugin code on threads of its own, for the
//! host-thread rule (tests/rust/thread_rule_test.cpp):
//!
//! - keel_test.rust_wrong_thread, a strategy that breaks the rule on its
//!   first quote: it sends an order from a thread it spawns. Safe Rust
//!   cannot (a `Host` is neither `Send` nor `Sync`), so it does it the ways
//!   `unsafe` allows, chosen by the param `how`: "host" rebuilds a `Host`
//!   from the raw table on that thread, "table" calls the C table's
//!   order_submit directly. It logs what its thread got back and then
//!   carries on as if nothing happened: the host must stop it anyway.
//! - keel_test.rust_worker_model, a pricing model that prices on worker
//!   threads and logs from them through a `ThreadSafeHost`, as allowed.

use keel_sdk::ffi::*;
use keel_sdk::{Host, KeelError, KeelResult, OrderRequest, Params, PricingModel, Side, Strategy, ThreadSafeHost};

/// The host table's address, moved to another thread on purpose.
struct RawTable(*const keel_host_t);
// The lie under test: the [host-thread] members of this table must not be
// called from the thread it is sent to.
unsafe impl Send for RawTable {}

pub struct WrongThread {
    host: Host,
    through_table: bool,
    done: bool,
}

impl WrongThread {
    /// Sends a market order for `instrument` from a new thread; what that
    /// call returned, as "status N (name): message" or "OK".
    fn submit_from_a_thread(&self, instrument: keel_instrument_id_t) -> String {
        let table = RawTable(self.host.raw());
        let through_table = self.through_table;
        let worker = std::thread::spawn(move || {
            let table = table;
            let request = OrderRequest::market(instrument, Side::Buy, 1.0);
            if through_table {
                let raw = request.to_c();
                let mut order = keel_order_handle_t::default();
                let mut err = keel_error_t::default();
                // SAFETY (not really: the point of the test): a live table
                // whose order_submit the host filled in.
                let status = unsafe {
                    let submit = (*table.0).order_submit.expect("the host has order_submit");
                    submit(table.0, &raw, &mut order, &mut err)
                };
                if status == KEEL_OK {
                    "OK".to_string()
                } else {
                    let message = keel_sdk::error::message_of(&err);
                    format!("status {} ({}): {}", status, keel_sdk::error::status_name(status), message)
                }
            } else {
                // Breaks Host::from_raw's contract (only on the host's thread).
                let host = unsafe { Host::from_raw(table.0) };
                match host.submit(&request) {
                    Ok(_) => "OK".to_string(),
                    Err(error) => format!("status {} ({})", error.status, error),
                }
            }
        });
        worker.join().unwrap_or_else(|_| "the thread panicked".to_string())
    }
}

impl Strategy for WrongThread {
    const ID: &'static str = "keel_test.rust_wrong_thread";
    const DESCRIPTION: &'static str = "Sends an order from a thread of its own on its first quote";
    const PARAMS_SCHEMA: &'static str =
        r#"{"type":"object","additionalProperties":false,"properties":{"how":{"enum":["host","table"]}}}"#;

    fn create(params: &mut Params, host: Host) -> KeelResult<Self> {
        let how = params.choice("how", Some("host"), &["host", "table"])?;
        Ok(WrongThread { host, through_table: how == "table", done: false })
    }

    fn on_quote(&mut self, quote: &keel_quote_t) -> KeelResult<()> {
        if !self.done {
            self.done = true;
            let outcome = self.submit_from_a_thread(quote.instrument);
            self.host.warn(&format!("order_submit from a thread of mine returned {}", outcome));
        }
        Ok(())
    }
}

pub struct WorkerModel {
    host: ThreadSafeHost,
}

impl PricingModel for WorkerModel {
    const ID: &'static str = "keel_test.rust_worker_model";
    const DESCRIPTION: &'static str = "Prices at spot on a worker thread that logs through a ThreadSafeHost";

    fn create(_params: &mut Params, host: Host) -> KeelResult<Self> {
        Ok(WorkerModel { host: host.thread_safe() })
    }

    fn price(&self, option: &keel_option_t) -> KeelResult<keel_greeks_t> {
        if !(option.spot.is_finite() && option.spot >= 0.0) {
            return Err(KeelError::invalid_argument(format!("spot: expected a number >= 0, got {}", option.spot)));
        }
        if !(option.expiry.is_finite() && option.expiry >= 0.0) {
            return Err(KeelError::invalid_argument(format!("expiry: expected years >= 0, got {}", option.expiry)));
        }
        let spot = option.spot;
        let host = self.host;
        let price = std::thread::scope(|scope| {
            scope
                .spawn(move || {
                    host.info(&format!("priced spot {} on a worker thread", spot));
                    spot
                })
                .join()
        })
        .map_err(|_| KeelError::internal("the worker thread panicked"))?;
        Ok(keel_greeks_t { price, ..Default::default() })
    }
}

keel_sdk::keel_plugin! {
    id: "keel_test.rust_threads",
    version: "0.0.1",
    description: "Test plugin: Rust code on threads of its own, by the rule and against it.",
    pricing_models: [WorkerModel],
    strategies: [WrongThread],
}
