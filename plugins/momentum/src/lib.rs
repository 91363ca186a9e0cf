//! keel.momentum — time-series momentum on quote mids, a keel strategy
//! written in Rust.
//!
//! Rules, per subscribed instrument:
//! 1. Every two-sided quote (bid > 0, ask >= bid) adds its mid to a window
//!    of the last `lookback` + 1 mids.
//! 2. Once the window is full, momentum = (mid now / mid `lookback` quotes
//!    ago - 1) in basis points. Above `threshold_bps` the target position is
//!    +`quantity`; below -`threshold_bps` it is -`quantity` (0 when
//!    `allow_short` is false); in between the target stays what it was.
//! 3. When the target differs from the position, the strategy sends one
//!    market order for the difference — unless an order of its own is
//!    still pending on that instrument (sent and not yet filled, cancelled,
//!    rejected or expired), or the instrument is cooling down.
//! 4. The position is what the fills say (a buy adds, a sell subtracts).
//!    When an order reaches a terminal state, the instrument cools down for
//!    `cooldown_ms` (a timer; 0 means no cooldown); when the timer fires the
//!    strategy trades at once if the target still differs. Without a
//!    cooldown it trades again at once (after a rejection: at the next
//!    quote). An order the host refuses outright also starts a cooldown.
//! 5. At `flatten_at` (ns since the epoch; a timer) the target becomes 0
//!    everywhere and stays 0: the strategy closes its positions (waiting
//!    only for pending orders, not for cooldowns) and trades no more.
//! 6. At stop it checks its fill-tracked position against the host's and
//!    fails the run with both numbers if they differ. Orders sent during
//!    stop are not executed, so a run that must end flat sets `flatten_at`.

use keel_sdk::ffi::*;
use keel_sdk::{Fill, Host, KeelError, KeelResult, OrderRequest, OrderUpdate, Params, Side, Start, Strategy};
use std::collections::VecDeque;

/// The timer cookie of the flatten timer; cooldown timers carry the
/// instrument id.
const FLATTEN_COOKIE: u64 = u64::MAX;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    pub lookback: usize,
    pub threshold_bps: f64,
    pub quantity: f64,
    pub cooldown_ns: i64,
    pub allow_short: bool,
    pub flatten_at: Option<i64>,
}

#[derive(Debug)]
struct InstrumentState {
    id: keel_instrument_id_t,
    mids: VecDeque<f64>,
    target: f64,
    position: f64,
    pending: Option<keel_order_handle_t>,
    cooling_down: bool,
}

pub struct Momentum {
    host: Host,
    settings: Settings,
    instruments: Vec<InstrumentState>,
    flattening: bool,
    orders_sent: u64,
}

impl Momentum {
    fn state(&mut self, id: keel_instrument_id_t) -> Option<&mut InstrumentState> {
        self.instruments.iter_mut().find(|s| s.id == id)
    }

    /// Sends the order that moves `id`'s position to its target, if rules
    /// 3 and 5 allow one now.
    fn trade(&mut self, id: keel_instrument_id_t) -> KeelResult<()> {
        let host = self.host;
        let flattening = self.flattening;
        let cooldown_ns = self.settings.cooldown_ns;
        let tag = self.orders_sent + 1;
        let state = match self.state(id) {
            Some(state) => state,
            None => return Ok(()),
        };
        if flattening {
            state.target = 0.0;
        }
        let gap = state.target - state.position;
        if gap.abs() < 1e-9 || state.pending.is_some() || (state.cooling_down && !flattening) {
            return Ok(());
        }
        let side = if gap > 0.0 { Side::Buy } else { Side::Sell };
        let request = OrderRequest::market(id, side, gap.abs()).with_tag(tag);
        match host.submit(&request) {
            Ok(order) => {
                state.pending = Some(order);
                self.orders_sent += 1;
                Ok(())
            }
            Err(error) if error.status == KEEL_ERR_REJECTED => {
                // Refused at once (risk, venue rule): wait out a cooldown
                // rather than resend on every quote.
                host.warn(&format!("momentum: order refused: {}", error.message));
                if cooldown_ns > 0 {
                    state.cooling_down = true;
                    host.set_timer(host.now()? + cooldown_ns, u64::from(id))?;
                }
                Ok(())
            }
            Err(error) => Err(error),
        }
    }
}

impl Strategy for Momentum {
    const ID: &'static str = "keel.momentum";
    const DESCRIPTION: &'static str =
        "Time-series momentum on quote mids: market orders to +/-quantity past a threshold, one order \
         at a time, timer cooldowns, flat at flatten_at";
    const PARAMS_SCHEMA: &'static str = r#"{
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "lookback": {"type": "integer", "minimum": 1, "maximum": 1000000, "default": 20,
                 "description": "Quotes between the two mids compared."},
    "threshold_bps": {"type": "number", "minimum": 0, "default": 10,
                      "description": "Momentum (bps) beyond which the strategy goes long or short."},
    "quantity": {"type": "number", "exclusiveMinimum": 0, "default": 1,
                 "description": "Size of the long or short position."},
    "cooldown_ms": {"type": "integer", "minimum": 0, "default": 0,
                    "description": "Pause after each order finishes before the next (simulated ms)."},
    "allow_short": {"type": "boolean", "default": true,
                    "description": "Go short on negative momentum (else flat)."},
    "flatten_at": {"type": "integer", "description": "Close everything at this time (ns since the epoch) and stop trading."}
  }
}"#;

    fn create(params: &mut Params, host: Host) -> KeelResult<Self> {
        let quantity = params.number_in("quantity", Some(1.0), 0.0, f64::INFINITY)?;
        if quantity <= 0.0 {
            return Err(KeelError::invalid_argument(format!("{}: expected a number > 0, got 0", params.pointer_of("quantity"))));
        }
        let settings = Settings {
            lookback: params.integer("lookback", Some(20), 1, 1_000_000)? as usize,
            threshold_bps: params.number_in("threshold_bps", Some(10.0), 0.0, f64::INFINITY)?,
            quantity,
            cooldown_ns: params.integer("cooldown_ms", Some(0), 0, i64::MAX / 1_000_000)? * 1_000_000,
            allow_short: params.boolean("allow_short", Some(true))?,
            flatten_at: params.optional_integer("flatten_at", 0, i64::MAX)?,
        };
        Ok(Momentum { host, settings, instruments: Vec::new(), flattening: false, orders_sent: 0 })
    }

    fn on_start(&mut self, start: &Start) -> KeelResult<()> {
        if start.instruments.is_empty() {
            return Err(KeelError::invalid_argument("keel.momentum needs at least one instrument"));
        }
        self.instruments = start
            .instruments
            .iter()
            .map(|&id| InstrumentState {
                id,
                mids: VecDeque::with_capacity(self.settings.lookback + 1),
                target: 0.0,
                position: 0.0,
                pending: None,
                cooling_down: false,
            })
            .collect();
        if let Some(at) = self.settings.flatten_at {
            self.host.set_timer(at, FLATTEN_COOKIE)?;
        }
        Ok(())
    }

    fn on_quote(&mut self, quote: &keel_quote_t) -> KeelResult<()> {
        let mid = match quote.mid() {
            Some(mid) => mid,
            None => return Ok(()),
        };
        let settings = self.settings;
        let flattening = self.flattening;
        let state = match self.state(quote.instrument) {
            Some(state) => state,
            None => return Ok(()),
        };
        if state.mids.len() == settings.lookback + 1 {
            state.mids.pop_front();
        }
        state.mids.push_back(mid);
        if state.mids.len() == settings.lookback + 1 && !flattening {
            let momentum_bps = (mid / state.mids[0] - 1.0) * 1e4;
            if momentum_bps > settings.threshold_bps {
                state.target = settings.quantity;
            } else if momentum_bps < -settings.threshold_bps {
                state.target = if settings.allow_short { -settings.quantity } else { 0.0 };
            }
        }
        self.trade(quote.instrument)
    }

    fn on_fill(&mut self, fill: &Fill) -> KeelResult<()> {
        if let Some(state) = self.state(fill.instrument) {
            state.position += fill.signed_quantity();
        }
        Ok(())
    }

    fn on_order_update(&mut self, update: &OrderUpdate) -> KeelResult<()> {
        if !update.state.is_terminal() {
            return Ok(());
        }
        let host = self.host;
        let cooldown_ns = self.settings.cooldown_ns;
        let state = match self.state(update.instrument) {
            Some(state) if state.pending == Some(update.order) => state,
            _ => return Ok(()),
        };
        state.pending = None;
        if !update.reason.is_empty() {
            host.info(&format!("momentum: order {} ended: {}", update.order_id, update.reason));
        }
        if cooldown_ns > 0 {
            state.cooling_down = true;
            host.set_timer(update.ts + cooldown_ns, u64::from(update.instrument))?;
            if !self.flattening {
                return Ok(());
            }
        }
        if update.state == keel_sdk::OrderState::Rejected {
            // Retry on the next quote or timer, never in a loop of rejects.
            return Ok(());
        }
        self.trade(update.instrument)
    }

    fn on_timer(&mut self, timer: &keel_timer_event_t) -> KeelResult<()> {
        if timer.cookie == FLATTEN_COOKIE {
            self.flattening = true;
            let ids: Vec<keel_instrument_id_t> = self.instruments.iter().map(|s| s.id).collect();
            for id in ids {
                self.trade(id)?;
            }
            return Ok(());
        }
        let id = timer.cookie as keel_instrument_id_t;
        if let Some(state) = self.state(id) {
            state.cooling_down = false;
        }
        self.trade(id)
    }

    fn on_stop(&mut self, _at: keel_timestamp_t) -> KeelResult<()> {
        for state in &self.instruments {
            let booked = self.host.position(state.id)?.quantity;
            if (booked - state.position).abs() > 1e-9 {
                return Err(KeelError::internal(format!(
                    "keel.momentum: instrument {}: position from fills {} but the host books {}",
                    state.id, state.position, booked
                )));
            }
            self.host.info(&format!(
                "momentum: instrument {} ends at position {} after {} orders",
                state.id, state.position, self.orders_sent
            ));
        }
        Ok(())
    }
}

keel_sdk::keel_plugin! {
    id: "keel.momentum",
    name: "Momentum",
    version: "0.1.0",
    vendor: "keel",
    description: "A time-series momentum strategy on quote mids, written in Rust with keel-sdk: market \
                  orders, one pending order at a time, fill-tracked position, timer cooldowns.",
    strategies: [Momentum],
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create(json: &str) -> KeelResult<Momentum> {
        let mut params = Params::parse(Some(json))?;
        let strategy = Momentum::create(&mut params, unsafe { Host::from_raw(std::ptr::null()) })?;
        params.reject_unknown()?;
        Ok(strategy)
    }

    #[test]
    fn params_have_defaults_and_strict_messages() {
        let s = create("{}").unwrap().settings;
        assert_eq!(s, Settings { lookback: 20, threshold_bps: 10.0, quantity: 1.0, cooldown_ns: 0, allow_short: true, flatten_at: None });
        let s = create(r#"{"cooldown_ms": 250, "flatten_at": 5}"#).unwrap().settings;
        assert_eq!((s.cooldown_ns, s.flatten_at), (250_000_000, Some(5)));
        assert_eq!(create(r#"{"lookback": 0}"#).err().unwrap().message, "/lookback: expected an integer in [1, 1000000], got 0");
        assert_eq!(create(r#"{"quantity": 0}"#).err().unwrap().message, "/quantity: expected a number > 0, got 0");
        assert_eq!(
            create(r#"{"treshold_bps": 5}"#).err().unwrap().message,
            "/treshold_bps: unknown param; did you mean 'threshold_bps'? (known: allow_short cooldown_ms flatten_at lookback quantity threshold_bps)"
        );
    }
}
