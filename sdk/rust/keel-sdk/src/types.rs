//! Rust types for what crosses the strategy and pricing tables. Market
//! events that are plain data (`keel_quote_t`, `keel_trade_t`, `keel_bar_t`,
//! `keel_timer_event_t`, `keel_option_t`, `keel_greeks_t`) are used as they
//! are, under shorter names; those with enums or strings get Rust types.

use std::ffi::CStr;

use crate::error::{KeelError, KeelResult};
use crate::ffi::*;

pub type Quote = keel_quote_t;
pub type Trade = keel_trade_t;
pub type Bar = keel_bar_t;
pub type TimerEvent = keel_timer_event_t;
pub type OptionContract = keel_option_t;
pub type Greeks = keel_greeks_t;
pub type Position = keel_position_t;
pub type Account = keel_account_t;
pub type Timestamp = keel_timestamp_t;
pub type InstrumentId = keel_instrument_id_t;
pub type OrderHandle = keel_order_handle_t;
pub type TimerHandle = keel_timer_handle_t;
pub type ModelHandle = keel_model_handle_t;
/// One level of a book side, as [`Host::book_levels`](crate::Host::book_levels)
/// writes it: the C struct itself, so the host fills the caller's slice.
pub type BookLevel = keel_book_level_t;

impl keel_quote_t {
    /// (bid + ask) / 2, or `None` for a one-sided or crossed quote.
    pub fn mid(&self) -> Option<f64> {
        if self.bid > 0.0 && self.ask > 0.0 && self.ask >= self.bid && self.bid.is_finite() && self.ask.is_finite() {
            Some(0.5 * (self.bid + self.ask))
        } else {
            None
        }
    }
}

macro_rules! handle_methods {
    ($($name:ident),*) => {$(
        impl $name {
            pub const NULL: $name = $name { bits: KEEL_NULL_HANDLE };
            pub fn is_null(&self) -> bool {
                self.bits == KEEL_NULL_HANDLE
            }
        }
    )*};
}
handle_methods!(keel_model_handle_t, keel_strategy_handle_t, keel_order_handle_t, keel_timer_handle_t);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    pub fn from_c(side: i32) -> KeelResult<Side> {
        match side {
            KEEL_SIDE_BUY => Ok(Side::Buy),
            KEEL_SIDE_SELL => Ok(Side::Sell),
            other => Err(KeelError::invalid_argument(format!("unknown side {}", other))),
        }
    }
    pub fn to_c(self) -> i32 {
        match self {
            Side::Buy => KEEL_SIDE_BUY,
            Side::Sell => KEEL_SIDE_SELL,
        }
    }
    /// +1 for a buy, -1 for a sell.
    pub fn sign(self) -> f64 {
        match self {
            Side::Buy => 1.0,
            Side::Sell => -1.0,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OrderType {
    Market,
    Limit { price: f64 },
    Stop { stop: f64 },
    StopLimit { stop: f64, limit: f64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeInForce {
    Gtc,
    Ioc,
    Fok,
}

/// What a strategy sends ([`crate::Host::submit`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OrderRequest {
    pub instrument: InstrumentId,
    pub side: Side,
    pub order_type: OrderType,
    pub time_in_force: TimeInForce,
    pub quantity: f64,
    /// The strategy's own reference, echoed in updates and fills.
    pub client_tag: u64,
}

impl OrderRequest {
    pub fn market(instrument: InstrumentId, side: Side, quantity: f64) -> Self {
        OrderRequest {
            instrument,
            side,
            order_type: OrderType::Market,
            time_in_force: TimeInForce::Gtc,
            quantity,
            client_tag: 0,
        }
    }
    pub fn limit(instrument: InstrumentId, side: Side, quantity: f64, price: f64) -> Self {
        OrderRequest { order_type: OrderType::Limit { price }, ..Self::market(instrument, side, quantity) }
    }
    pub fn with_tif(mut self, time_in_force: TimeInForce) -> Self {
        self.time_in_force = time_in_force;
        self
    }
    pub fn with_tag(mut self, client_tag: u64) -> Self {
        self.client_tag = client_tag;
        self
    }

    pub fn to_c(&self) -> keel_order_request_t {
        let (kind, limit_price, stop_price) = match self.order_type {
            OrderType::Market => (KEEL_ORDER_MARKET, 0.0, 0.0),
            OrderType::Limit { price } => (KEEL_ORDER_LIMIT, price, 0.0),
            OrderType::Stop { stop } => (KEEL_ORDER_STOP, 0.0, stop),
            OrderType::StopLimit { stop, limit } => (KEEL_ORDER_STOP_LIMIT, limit, stop),
        };
        keel_order_request_t {
            struct_size: std::mem::size_of::<keel_order_request_t>() as u32,
            instrument: self.instrument,
            side: self.side.to_c(),
            r#type: kind,
            time_in_force: match self.time_in_force {
                TimeInForce::Gtc => KEEL_TIF_GTC,
                TimeInForce::Ioc => KEEL_TIF_IOC,
                TimeInForce::Fok => KEEL_TIF_FOK,
            },
            reserved: 0,
            quantity: self.quantity,
            limit_price,
            stop_price,
            client_tag: self.client_tag,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderState {
    Pending,
    Accepted,
    PartiallyFilled,
    Filled,
    Canceled,
    Rejected,
    Expired,
}

impl OrderState {
    pub fn from_c(state: i32) -> KeelResult<OrderState> {
        Ok(match state {
            KEEL_ORDER_PENDING => OrderState::Pending,
            KEEL_ORDER_ACCEPTED => OrderState::Accepted,
            KEEL_ORDER_PARTIALLY_FILLED => OrderState::PartiallyFilled,
            KEEL_ORDER_FILLED => OrderState::Filled,
            KEEL_ORDER_CANCELED => OrderState::Canceled,
            KEEL_ORDER_REJECTED => OrderState::Rejected,
            KEEL_ORDER_EXPIRED => OrderState::Expired,
            other => return Err(KeelError::invalid_argument(format!("unknown order state {}", other))),
        })
    }
    /// Filled, canceled, rejected or expired: no further updates follow and
    /// the order's handle goes stale.
    pub fn is_terminal(self) -> bool {
        matches!(self, OrderState::Filled | OrderState::Canceled | OrderState::Rejected | OrderState::Expired)
    }
}

/// A change of state of one of the strategy's orders.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderUpdate {
    pub ts: Timestamp,
    pub order: OrderHandle,
    pub order_id: u64,
    pub client_tag: u64,
    pub instrument: InstrumentId,
    pub state: OrderState,
    pub filled_quantity: f64,
    pub remaining_quantity: f64,
    pub average_fill_price: f64,
    /// Why it was rejected, cancelled or expired; empty otherwise.
    pub reason: String,
}

impl OrderUpdate {
    pub fn from_c(raw: &keel_order_update_t) -> KeelResult<Self> {
        Ok(OrderUpdate {
            ts: raw.ts,
            order: raw.order,
            order_id: raw.order_id,
            client_tag: raw.client_tag,
            instrument: raw.instrument,
            state: OrderState::from_c(raw.state)?,
            filled_quantity: raw.filled_quantity,
            remaining_quantity: raw.remaining_quantity,
            average_fill_price: raw.average_fill_price,
            reason: string_of(raw.reason),
        })
    }
}

/// One execution of one of the strategy's orders.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fill {
    pub ts: Timestamp,
    pub order: OrderHandle,
    pub order_id: u64,
    pub client_tag: u64,
    pub instrument: InstrumentId,
    pub side: Side,
    /// True when the order took liquidity.
    pub taker: bool,
    pub quantity: f64,
    pub price: f64,
    pub fee: f64,
}

impl Fill {
    pub fn from_c(raw: &keel_fill_t) -> KeelResult<Self> {
        Ok(Fill {
            ts: raw.ts,
            order: raw.order,
            order_id: raw.order_id,
            client_tag: raw.client_tag,
            instrument: raw.instrument,
            side: Side::from_c(raw.side)?,
            taker: raw.liquidity == KEEL_LIQUIDITY_TAKER,
            quantity: raw.quantity,
            price: raw.price,
            fee: raw.fee,
        })
    }
    /// The signed change of position: +quantity for a buy, -quantity for a sell.
    pub fn signed_quantity(&self) -> f64 {
        self.side.sign() * self.quantity
    }
}

/// A side of an order book.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BookSide {
    Bid,
    Ask,
}

impl BookSide {
    pub fn from_c(side: i32) -> KeelResult<BookSide> {
        match side {
            KEEL_BOOK_BID => Ok(BookSide::Bid),
            KEEL_BOOK_ASK => Ok(BookSide::Ask),
            other => Err(KeelError::invalid_argument(format!("unknown book side {}", other))),
        }
    }
    pub fn to_c(self) -> i32 {
        match self {
            BookSide::Bid => KEEL_BOOK_BID,
            BookSide::Ask => KEEL_BOOK_ASK,
        }
    }
}

/// One change of one price level of an instrument's order book (since ABI
/// 1.2): the level `price` on `side` now holds `size` in total; 0 removes
/// it. `ts` is when it reached us (the run's clock), `exch_ts` when the
/// venue made it (equal to `ts` when the data has no exchange time).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BookUpdate {
    pub ts: Timestamp,
    pub instrument: InstrumentId,
    pub side: BookSide,
    pub price: f64,
    pub size: f64,
    pub exch_ts: Timestamp,
}

impl BookUpdate {
    pub fn from_c(raw: &keel_book_update_t) -> KeelResult<Self> {
        Ok(BookUpdate {
            ts: raw.ts,
            instrument: raw.instrument,
            side: BookSide::from_c(raw.side)?,
            price: raw.price,
            size: raw.size,
            exch_ts: raw.exch_ts,
        })
    }
}

/// What a strategy learns when the run starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Start {
    pub start_time: Timestamp,
    /// The strategy's name in the run file.
    pub name: String,
    /// The instruments it subscribed to.
    pub instruments: Vec<InstrumentId>,
}

impl Start {
    pub fn from_c(raw: &keel_strategy_start_t) -> Self {
        let instruments = if raw.instruments.is_null() || raw.instrument_count == 0 {
            Vec::new()
        } else {
            unsafe { std::slice::from_raw_parts(raw.instruments, raw.instrument_count) }.to_vec()
        };
        Start { start_time: raw.start_time, name: string_of(raw.name), instruments }
    }
}

/// An instrument of the run (`keel_instrument_info_t`).
#[derive(Clone, Debug, PartialEq)]
pub struct Instrument {
    pub id: InstrumentId,
    pub symbol: String,
    pub kind: i32,
    pub right: i32,
    pub exercise: i32,
    pub underlying: InstrumentId,
    pub strike: f64,
    pub expiry: Timestamp,
    pub tick_size: f64,
    pub lot_size: f64,
    pub multiplier: f64,
}

impl Instrument {
    pub fn from_c(raw: &keel_instrument_info_t) -> Self {
        Instrument {
            id: raw.id,
            symbol: string_of(raw.symbol),
            kind: raw.kind,
            right: raw.right,
            exercise: raw.exercise,
            underlying: raw.underlying,
            strike: raw.strike,
            expiry: raw.expiry,
            tick_size: raw.tick_size,
            lot_size: raw.lot_size,
            multiplier: raw.multiplier,
        }
    }
}

fn string_of(text: *const std::os::raw::c_char) -> String {
    if text.is_null() {
        String::new()
    } else {
        unsafe { CStr::from_ptr(text) }.to_string_lossy().into_owned()
    }
}
