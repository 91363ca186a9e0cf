//! keel_test.rust_panic_abort — a well-behaved model (price = spot) in a
//! plugin built with panic = "abort" (see Cargo.toml): `keel plugin check`
//! must fail it for that alone (tests/rust/panic_abort_test.cpp).

use keel_sdk::ffi::*;
use keel_sdk::{Host, KeelError, KeelResult, Params, PricingModel};

pub struct SpotModel;

impl PricingModel for SpotModel {
    const ID: &'static str = "keel_test.rust_panic_abort_model";
    const DESCRIPTION: &'static str = "Prices every option at its spot";

    fn create(_params: &mut Params, _host: Host) -> KeelResult<Self> {
        Ok(SpotModel)
    }

    fn price(&self, option: &keel_option_t) -> KeelResult<keel_greeks_t> {
        if !(option.spot.is_finite() && option.spot >= 0.0) {
            return Err(KeelError::invalid_argument(format!("spot: expected a number >= 0, got {}", option.spot)));
        }
        if !(option.expiry.is_finite() && option.expiry >= 0.0) {
            return Err(KeelError::invalid_argument(format!("expiry: expected years >= 0, got {}", option.expiry)));
        }
        Ok(keel_greeks_t { price: option.spot, ..Default::default() })
    }
}

keel_sdk::keel_plugin! {
    id: "keel_test.rust_panic_abort",
    version: "0.0.1",
    description: "Test plugin: built with panic = \"abort\".",
    pricing_models: [SpotModel],
}
