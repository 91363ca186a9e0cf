//! keel_test.rust_panicky — a pricing model that panics when asked to price
//! an option with spot 13 (and prices everything else at its spot), and a
//! strategy whose on_quote panics on a quote with bid 13. Built for the
//! host tests of the Rust SDK's panic guard (tests/rust/rust_plugins_test.cpp).

use keel_sdk::ffi::*;
use keel_sdk::{Host, KeelResult, Params, PricingModel, Strategy};

pub struct PanickyModel;

impl PricingModel for PanickyModel {
    const ID: &'static str = "keel_test.rust_panicky_model";
    const DESCRIPTION: &'static str = "Panics on spot 13";

    fn create(_params: &mut Params, _host: Host) -> KeelResult<Self> {
        Ok(PanickyModel)
    }

    fn price(&self, option: &keel_option_t) -> KeelResult<keel_greeks_t> {
        if option.spot == 13.0 {
            let strikes: Vec<f64> = Vec::new();
            panic!("rust panic on purpose: spot {} has no strike {:?}", option.spot, strikes.first());
        }
        Ok(keel_greeks_t { price: option.spot, ..Default::default() })
    }
}

pub struct PanickyStrategy;

impl Strategy for PanickyStrategy {
    const ID: &'static str = "keel_test.rust_panicky_strategy";
    const DESCRIPTION: &'static str = "Panics on a quote with bid 13";

    fn create(_params: &mut Params, _host: Host) -> KeelResult<Self> {
        Ok(PanickyStrategy)
    }

    fn on_quote(&mut self, quote: &keel_quote_t) -> KeelResult<()> {
        if quote.bid == 13.0 {
            let empty: [u32; 0] = [];
            let index = quote.bid as usize;
            // An index out of bounds: a panic raised by std, not by panic!.
            let _ = empty[index];
        }
        Ok(())
    }
}

keel_sdk::keel_plugin! {
    id: "keel_test.rust_panicky",
    version: "0.0.1",
    description: "Test plugin: panics on request.",
    pricing_models: [PanickyModel],
    strategies: [PanickyStrategy],
}
