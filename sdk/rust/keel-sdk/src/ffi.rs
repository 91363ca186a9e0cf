//! `#[repr(C)]` mirrors of keel's C ABI (`sdk/include/keel/*.h`), field for
//! field and in the same order. The C headers are the specification; this
//! module only restates them for Rust. `tests/layout.rs` compiles a C file
//! against those headers and checks every size and offset here against it.
//!
//! Nullable C function pointers are `Option<unsafe extern "C" fn ...>`
//! (guaranteed to have the layout of a nullable pointer).
#![allow(non_camel_case_types)]

use std::os::raw::{c_char, c_void};

// ---- version.h ------------------------------------------------------------

pub const KEEL_ABI_VERSION_MAJOR: u32 = 1;
pub const KEEL_ABI_VERSION_MINOR: u32 = 2;
pub const KEEL_SDK_VERSION_STRING: &str = "0.1.0";

// ---- status.h -------------------------------------------------------------

pub type keel_status_t = i32;

pub const KEEL_OK: keel_status_t = 0;
pub const KEEL_ERR_INVALID_ARGUMENT: keel_status_t = 1;
pub const KEEL_ERR_UNSUPPORTED: keel_status_t = 2;
pub const KEEL_ERR_STALE_HANDLE: keel_status_t = 3;
pub const KEEL_ERR_WRONG_KIND: keel_status_t = 4;
pub const KEEL_ERR_NOT_FOUND: keel_status_t = 5;
pub const KEEL_ERR_NO_SOLUTION: keel_status_t = 6;
pub const KEEL_ERR_NOT_CONVERGED: keel_status_t = 7;
pub const KEEL_ERR_BAD_CAPSULE: keel_status_t = 8;
pub const KEEL_ERR_REJECTED: keel_status_t = 9;
pub const KEEL_ERR_OUT_OF_MEMORY: keel_status_t = 10;
pub const KEEL_ERR_PLUGIN_FAULT: keel_status_t = 11;
pub const KEEL_ERR_POISONED: keel_status_t = 12;
pub const KEEL_ERR_INTERNAL: keel_status_t = 13;
pub const KEEL_ERR_WRONG_THREAD: keel_status_t = 14;
pub const KEEL_STATUS_LAST: keel_status_t = KEEL_ERR_WRONG_THREAD;

pub const KEEL_ERROR_MESSAGE_CAPACITY: usize = 512;

/// Owned by the caller; the callee writes `code` and a NUL-terminated
/// `message` when it fails, and leaves it untouched on success.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct keel_error_t {
    pub code: keel_status_t,
    pub message: [c_char; KEEL_ERROR_MESSAGE_CAPACITY],
}

impl Default for keel_error_t {
    fn default() -> Self {
        keel_error_t { code: KEEL_OK, message: [0; KEEL_ERROR_MESSAGE_CAPACITY] }
    }
}

// ---- handle.h -------------------------------------------------------------

pub const KEEL_HANDLE_KIND_NONE: u32 = 0;
pub const KEEL_HANDLE_KIND_MODEL: u32 = 1;
pub const KEEL_HANDLE_KIND_STRATEGY: u32 = 2;
pub const KEEL_HANDLE_KIND_ORDER: u32 = 3;
pub const KEEL_HANDLE_KIND_TIMER: u32 = 4;
pub const KEEL_NULL_HANDLE: u64 = 0;

macro_rules! handle_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[repr(C)]
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        pub struct $name {
            pub bits: u64,
        }
    };
}
handle_type!(
    /// A pricing-model instance, named by the host.
    keel_model_handle_t
);
handle_type!(
    /// A strategy instance.
    keel_strategy_handle_t
);
handle_type!(
    /// An order sent by a strategy.
    keel_order_handle_t
);
handle_type!(
    /// A timer set by a strategy.
    keel_timer_handle_t
);

// ---- capsule.h ------------------------------------------------------------

pub type keel_capsule_destroy_fn = Option<unsafe extern "C" fn(capsule: *mut keel_capsule_t)>;

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct keel_capsule_t {
    pub tag: *const c_char,
    pub data: *mut c_void,
    pub len: usize,
    pub cap: usize,
    pub destroy: keel_capsule_destroy_fn,
    pub destroy_context: *mut c_void,
}

impl keel_capsule_t {
    /// An empty capsule: nothing to use, nothing to release.
    pub const fn empty() -> Self {
        keel_capsule_t {
            tag: std::ptr::null(),
            data: std::ptr::null_mut(),
            len: 0,
            cap: 0,
            destroy: None,
            destroy_context: std::ptr::null_mut(),
        }
    }
}

impl Default for keel_capsule_t {
    fn default() -> Self {
        Self::empty()
    }
}

pub const KEEL_CAPSULE_TAG_F64_VEC: &str = "keel.f64_vec/1";
pub const KEEL_CAPSULE_TAG_BYTES: &str = "keel.bytes/1";
pub const KEEL_CAPSULE_TAG_CALIBRATION: &str = "keel.calibration_report/1";

// ---- market.h -------------------------------------------------------------

pub type keel_timestamp_t = i64;
pub type keel_instrument_id_t = u32;
pub const KEEL_NO_INSTRUMENT: keel_instrument_id_t = 0xFFFF_FFFF;

pub const KEEL_INSTRUMENT_EQUITY: i32 = 0;
pub const KEEL_INSTRUMENT_FUTURE: i32 = 1;
pub const KEEL_INSTRUMENT_OPTION: i32 = 2;
pub const KEEL_RIGHT_CALL: i32 = 0;
pub const KEEL_RIGHT_PUT: i32 = 1;
pub const KEEL_EXERCISE_EUROPEAN: i32 = 0;
pub const KEEL_EXERCISE_AMERICAN: i32 = 1;

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct keel_instrument_info_t {
    pub struct_size: u32,
    pub id: keel_instrument_id_t,
    pub symbol: *const c_char,
    pub kind: i32,
    pub right: i32,
    pub exercise: i32,
    pub underlying: keel_instrument_id_t,
    pub strike: f64,
    pub expiry: keel_timestamp_t,
    pub tick_size: f64,
    pub lot_size: f64,
    pub multiplier: f64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct keel_quote_t {
    pub ts: keel_timestamp_t,
    pub instrument: keel_instrument_id_t,
    pub reserved: u32,
    pub bid: f64,
    pub bid_size: f64,
    pub ask: f64,
    pub ask_size: f64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct keel_trade_t {
    pub ts: keel_timestamp_t,
    pub instrument: keel_instrument_id_t,
    pub reserved: u32,
    pub price: f64,
    pub size: f64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct keel_bar_t {
    pub ts: keel_timestamp_t,
    pub instrument: keel_instrument_id_t,
    pub reserved: u32,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
}

/// Since ABI 1.2: the sides of an order book.
pub const KEEL_BOOK_BID: i32 = 0;
pub const KEEL_BOOK_ASK: i32 = 1;

/// Since ABI 1.2: one change of one price level of an instrument's order
/// book; `size` is the level's new total (0 removes it). `ts` is when it
/// reached us, `exch_ts` when the venue made it (equal to `ts` when the data
/// has no exchange time).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct keel_book_update_t {
    pub ts: keel_timestamp_t,
    pub instrument: keel_instrument_id_t,
    pub side: i32,
    pub price: f64,
    pub size: f64,
    pub exch_ts: keel_timestamp_t,
}

/// Since ABI 1.2: one level of a book side (`keel_host_t.book_levels`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct keel_book_level_t {
    pub price: f64,
    pub size: f64,
}

pub const KEEL_SIDE_BUY: i32 = 0;
pub const KEEL_SIDE_SELL: i32 = 1;
pub const KEEL_ORDER_MARKET: i32 = 0;
pub const KEEL_ORDER_LIMIT: i32 = 1;
pub const KEEL_ORDER_STOP: i32 = 2;
pub const KEEL_ORDER_STOP_LIMIT: i32 = 3;
pub const KEEL_TIF_GTC: i32 = 0;
pub const KEEL_TIF_IOC: i32 = 1;
pub const KEEL_TIF_FOK: i32 = 2;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct keel_order_request_t {
    pub struct_size: u32,
    pub instrument: keel_instrument_id_t,
    pub side: i32,
    pub r#type: i32,
    pub time_in_force: i32,
    pub reserved: u32,
    pub quantity: f64,
    pub limit_price: f64,
    pub stop_price: f64,
    pub client_tag: u64,
}

pub const KEEL_ORDER_PENDING: i32 = 0;
pub const KEEL_ORDER_ACCEPTED: i32 = 1;
pub const KEEL_ORDER_PARTIALLY_FILLED: i32 = 2;
pub const KEEL_ORDER_FILLED: i32 = 3;
pub const KEEL_ORDER_CANCELED: i32 = 4;
pub const KEEL_ORDER_REJECTED: i32 = 5;
pub const KEEL_ORDER_EXPIRED: i32 = 6;

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct keel_order_update_t {
    pub ts: keel_timestamp_t,
    pub order: keel_order_handle_t,
    pub order_id: u64,
    pub client_tag: u64,
    pub instrument: keel_instrument_id_t,
    pub state: i32,
    pub filled_quantity: f64,
    pub remaining_quantity: f64,
    pub average_fill_price: f64,
    pub reason: *const c_char,
}

pub const KEEL_LIQUIDITY_MAKER: i32 = 0;
pub const KEEL_LIQUIDITY_TAKER: i32 = 1;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct keel_fill_t {
    pub ts: keel_timestamp_t,
    pub order: keel_order_handle_t,
    pub order_id: u64,
    pub client_tag: u64,
    pub instrument: keel_instrument_id_t,
    pub side: i32,
    pub liquidity: i32,
    pub reserved: u32,
    pub quantity: f64,
    pub price: f64,
    pub fee: f64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct keel_timer_event_t {
    pub ts: keel_timestamp_t,
    pub timer: keel_timer_handle_t,
    pub cookie: u64,
}

pub const KEEL_EVENT_QUOTE: u32 = 1;
pub const KEEL_EVENT_TRADE: u32 = 2;
pub const KEEL_EVENT_BAR: u32 = 3;
pub const KEEL_EVENT_ORDER_UPDATE: u32 = 4;
pub const KEEL_EVENT_FILL: u32 = 5;
pub const KEEL_EVENT_TIMER: u32 = 6;
/// Since ABI 1.2: `keel_book_update_t`.
pub const KEEL_EVENT_BOOK: u32 = 7;

#[repr(C)]
#[derive(Clone, Copy)]
pub union keel_event_payload_t {
    pub quote: keel_quote_t,
    pub trade: keel_trade_t,
    pub bar: keel_bar_t,
    pub order_update: keel_order_update_t,
    pub fill: keel_fill_t,
    pub timer: keel_timer_event_t,
    /// Since ABI 1.2.
    pub book: keel_book_update_t,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct keel_event_t {
    pub kind: u32,
    pub reserved: u32,
    pub r#as: keel_event_payload_t,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct keel_position_t {
    pub instrument: keel_instrument_id_t,
    pub reserved: u32,
    pub quantity: f64,
    pub average_price: f64,
    pub realized_pnl: f64,
    pub unrealized_pnl: f64,
    pub fees: f64,
    pub mark_price: f64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct keel_account_t {
    pub cash: f64,
    pub equity: f64,
    pub realized_pnl: f64,
    pub unrealized_pnl: f64,
    pub fees: f64,
    pub gross_notional: f64,
}

// ---- pricing_model.h ------------------------------------------------------

pub const KEEL_KIND_PRICING_MODEL: &str = "keel.pricing_model/1";
/// How ABI 1.0 spelled the pricing-model kind; a 1.x host still accepts it.
pub const KEEL_KIND_PRICING_MODEL_1_0: &str = "keel.pricing-model/1";

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct keel_option_t {
    pub spot: f64,
    pub strike: f64,
    pub expiry: f64,
    pub vol: f64,
    pub rate: f64,
    pub dividend: f64,
    pub right: i32,
    pub exercise: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct keel_greeks_t {
    pub price: f64,
    pub delta: f64,
    pub gamma: f64,
    pub vega: f64,
    pub theta: f64,
    pub rho: f64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct keel_option_batch_t {
    pub count: usize,
    pub spot: *const f64,
    pub strike: *const f64,
    pub expiry: *const f64,
    pub vol: *const f64,
    pub rate: *const f64,
    pub dividend: *const f64,
    pub right: *const i32,
    pub exercise: *const i32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct keel_greeks_batch_t {
    pub price: *mut f64,
    pub delta: *mut f64,
    pub gamma: *mut f64,
    pub vega: *mut f64,
    pub theta: *mut f64,
    pub rho: *mut f64,
    pub status: *mut keel_status_t,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct keel_calibration_quote_t {
    pub option: keel_option_t,
    pub premium: f64,
    pub weight: f64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct keel_calibration_report_t {
    pub struct_size: u32,
    pub converged: i32,
    pub iterations: u32,
    pub reserved: u32,
    pub parameter_count: usize,
    pub parameter_names: *const *const c_char,
    pub parameters: *const f64,
    pub residual_count: usize,
    pub residuals: *const f64,
    pub rmse: f64,
    pub message: *const c_char,
}

pub type keel_price_fn = unsafe extern "C" fn(
    self_: *mut c_void,
    option: *const keel_option_t,
    out: *mut keel_greeks_t,
    err: *mut keel_error_t,
) -> keel_status_t;
pub type keel_price_batch_fn = unsafe extern "C" fn(
    self_: *mut c_void,
    options: *const keel_option_batch_t,
    out: *const keel_greeks_batch_t,
    err: *mut keel_error_t,
) -> keel_status_t;
pub type keel_implied_vol_fn = unsafe extern "C" fn(
    self_: *mut c_void,
    option: *const keel_option_t,
    premium: f64,
    out_vol: *mut f64,
    err: *mut keel_error_t,
) -> keel_status_t;
pub type keel_implied_vol_batch_fn = unsafe extern "C" fn(
    self_: *mut c_void,
    options: *const keel_option_batch_t,
    premiums: *const f64,
    out_vols: *mut f64,
    out_status: *mut keel_status_t,
    err: *mut keel_error_t,
) -> keel_status_t;
pub type keel_calibrate_fn = unsafe extern "C" fn(
    self_: *mut c_void,
    quotes: *const keel_calibration_quote_t,
    count: usize,
    out_report: *mut keel_capsule_t,
    err: *mut keel_error_t,
) -> keel_status_t;
pub type keel_instance_extension_fn =
    unsafe extern "C" fn(self_: *mut c_void, id: *const c_char) -> *const c_void;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct keel_pricing_model_vtable_t {
    pub struct_size: u32,
    pub price: Option<keel_price_fn>,
    pub price_batch: Option<keel_price_batch_fn>,
    pub implied_vol: Option<keel_implied_vol_fn>,
    pub implied_vol_batch: Option<keel_implied_vol_batch_fn>,
    pub calibrate: Option<keel_calibrate_fn>,
    pub get_extension: Option<keel_instance_extension_fn>,
}

// ---- strategy.h -----------------------------------------------------------

pub const KEEL_KIND_STRATEGY: &str = "keel.strategy/1";

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct keel_strategy_start_t {
    pub struct_size: u32,
    pub reserved: u32,
    pub start_time: keel_timestamp_t,
    pub name: *const c_char,
    pub instrument_count: usize,
    pub instruments: *const keel_instrument_id_t,
}

pub type keel_event_fn<E> =
    unsafe extern "C" fn(self_: *mut c_void, event: *const E, err: *mut keel_error_t) -> keel_status_t;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct keel_strategy_vtable_t {
    pub struct_size: u32,
    pub on_start: Option<keel_event_fn<keel_strategy_start_t>>,
    pub on_quote: Option<keel_event_fn<keel_quote_t>>,
    pub on_trade: Option<keel_event_fn<keel_trade_t>>,
    pub on_bar: Option<keel_event_fn<keel_bar_t>>,
    pub on_order_update: Option<keel_event_fn<keel_order_update_t>>,
    pub on_fill: Option<keel_event_fn<keel_fill_t>>,
    pub on_timer: Option<keel_event_fn<keel_timer_event_t>>,
    pub on_stop: Option<
        unsafe extern "C" fn(self_: *mut c_void, at: keel_timestamp_t, err: *mut keel_error_t) -> keel_status_t,
    >,
    pub on_events: Option<
        unsafe extern "C" fn(
            self_: *mut c_void,
            events: *const keel_event_t,
            count: usize,
            err: *mut keel_error_t,
        ) -> keel_status_t,
    >,
    pub get_extension: Option<keel_instance_extension_fn>,
    /// Since ABI 1.2 (check `struct_size`): NULL means the strategy gets no
    /// book events, in `on_events` spans neither.
    pub on_book: Option<keel_event_fn<keel_book_update_t>>,
}

/// The extension that makes `on_events` batches exact: how many events of
/// the last call were handled (see `keel/strategy.h`).
pub const KEEL_STRATEGY_EXT_EVENTS_CONSUMED: &str = "keel.strategy.events_consumed/1";

#[repr(C)]
#[derive(Clone, Copy)]
pub struct keel_strategy_events_consumed_ext_t {
    pub struct_size: u32,
    pub events_consumed: Option<unsafe extern "C" fn(self_: *mut c_void) -> usize>,
    /// Since ABI 1.1: the address of the strategy's batch cursor, which it
    /// sets to `i` before it handles `events[i]` (see `keel/strategy.h`).
    pub batch_cursor: Option<unsafe extern "C" fn(self_: *mut c_void) -> *const usize>,
}

// ---- host.h ---------------------------------------------------------------

pub const KEEL_LOG_TRACE: i32 = 0;
pub const KEEL_LOG_DEBUG: i32 = 1;
pub const KEEL_LOG_INFO: i32 = 2;
pub const KEEL_LOG_WARN: i32 = 3;
pub const KEEL_LOG_ERROR: i32 = 4;

type H = *const keel_host_t;
type E = *mut keel_error_t;

#[repr(C)]
pub struct keel_host_t {
    pub struct_size: u32,
    pub abi_major: u32,
    pub abi_minor: u32,
    pub reserved: u32,
    pub host_name: *const c_char,
    pub host_version: *const c_char,
    pub host_data: *mut c_void,

    pub log: Option<unsafe extern "C" fn(host: H, level: i32, message: *const c_char)>,
    pub now: Option<unsafe extern "C" fn(host: H) -> keel_timestamp_t>,

    pub instrument_find: Option<
        unsafe extern "C" fn(host: H, symbol: *const c_char, out_id: *mut keel_instrument_id_t, err: E) -> keel_status_t,
    >,
    pub instrument_get: Option<
        unsafe extern "C" fn(host: H, id: keel_instrument_id_t, out: *mut keel_instrument_info_t, err: E) -> keel_status_t,
    >,

    pub order_submit: Option<
        unsafe extern "C" fn(
            host: H,
            request: *const keel_order_request_t,
            out_order: *mut keel_order_handle_t,
            err: E,
        ) -> keel_status_t,
    >,
    pub order_cancel: Option<unsafe extern "C" fn(host: H, order: keel_order_handle_t, err: E) -> keel_status_t>,
    pub position_get: Option<
        unsafe extern "C" fn(host: H, instrument: keel_instrument_id_t, out: *mut keel_position_t, err: E) -> keel_status_t,
    >,
    pub account_get: Option<unsafe extern "C" fn(host: H, out: *mut keel_account_t, err: E) -> keel_status_t>,

    pub timer_set: Option<
        unsafe extern "C" fn(
            host: H,
            at: keel_timestamp_t,
            cookie: u64,
            out_timer: *mut keel_timer_handle_t,
            err: E,
        ) -> keel_status_t,
    >,
    pub timer_cancel: Option<unsafe extern "C" fn(host: H, timer: keel_timer_handle_t, err: E) -> keel_status_t>,

    pub model_lookup: Option<
        unsafe extern "C" fn(host: H, name: *const c_char, out_model: *mut keel_model_handle_t, err: E) -> keel_status_t,
    >,
    pub model_create: Option<
        unsafe extern "C" fn(
            host: H,
            factory_id: *const c_char,
            params_json: *const c_char,
            out_model: *mut keel_model_handle_t,
            err: E,
        ) -> keel_status_t,
    >,
    pub model_drop: Option<unsafe extern "C" fn(host: H, model: keel_model_handle_t, err: E) -> keel_status_t>,
    pub model_price: Option<
        unsafe extern "C" fn(
            host: H,
            model: keel_model_handle_t,
            option: *const keel_option_t,
            out: *mut keel_greeks_t,
            err: E,
        ) -> keel_status_t,
    >,
    pub model_price_batch: Option<
        unsafe extern "C" fn(
            host: H,
            model: keel_model_handle_t,
            options: *const keel_option_batch_t,
            out: *const keel_greeks_batch_t,
            err: E,
        ) -> keel_status_t,
    >,
    pub model_implied_vol: Option<
        unsafe extern "C" fn(
            host: H,
            model: keel_model_handle_t,
            option: *const keel_option_t,
            premium: f64,
            out_vol: *mut f64,
            err: E,
        ) -> keel_status_t,
    >,
    pub model_implied_vol_batch: Option<
        unsafe extern "C" fn(
            host: H,
            model: keel_model_handle_t,
            options: *const keel_option_batch_t,
            premiums: *const f64,
            out_vols: *mut f64,
            out_status: *mut keel_status_t,
            err: E,
        ) -> keel_status_t,
    >,
    pub model_calibrate: Option<
        unsafe extern "C" fn(
            host: H,
            model: keel_model_handle_t,
            quotes: *const keel_calibration_quote_t,
            count: usize,
            out_report: *mut keel_capsule_t,
            err: E,
        ) -> keel_status_t,
    >,

    pub capsule_check: Option<
        unsafe extern "C" fn(host: H, capsule: *const keel_capsule_t, expected_tag: *const c_char, err: E) -> keel_status_t,
    >,
    pub capsule_release: Option<unsafe extern "C" fn(host: H, capsule: *mut keel_capsule_t)>,

    pub get_extension: Option<unsafe extern "C" fn(host: H, id: *const c_char) -> *const c_void>,

    /// Since ABI 1.2 (check `struct_size`).
    pub book_levels: Option<
        unsafe extern "C" fn(
            host: H,
            instrument: keel_instrument_id_t,
            side: i32,
            out: *mut keel_book_level_t,
            max_levels: usize,
            out_count: *mut usize,
            err: E,
        ) -> keel_status_t,
    >,
}

// ---- plugin.h -------------------------------------------------------------

/// "KEELPLUG" in ASCII, little-endian.
pub const KEEL_PLUGIN_MAGIC: u64 = 0x4755_4C50_4C45_454B;
pub const KEEL_ENTRY_SYMBOL: &str = "keel_plugin_entry";

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct keel_build_info_t {
    pub sdk_version: *const c_char,
    pub language: *const c_char,
    pub compiler: *const c_char,
    pub pointer_size: u32,
    pub reserved: u32,
}

pub type keel_create_fn = unsafe extern "C" fn(
    params_json: *const c_char,
    host: *const keel_host_t,
    out_instance: *mut *mut c_void,
    err: *mut keel_error_t,
) -> keel_status_t;
/// Since ABI 1.1: `create` given its factory's `context`.
pub type keel_create_with_context_fn = unsafe extern "C" fn(
    context: *mut c_void,
    params_json: *const c_char,
    host: *const keel_host_t,
    out_instance: *mut *mut c_void,
    err: *mut keel_error_t,
) -> keel_status_t;
pub type keel_drop_fn = unsafe extern "C" fn(instance: *mut c_void, err: *mut keel_error_t) -> keel_status_t;

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct keel_factory_t {
    pub struct_size: u32,
    pub reserved: u32,
    pub kind: *const c_char,
    pub id: *const c_char,
    pub description: *const c_char,
    pub params_schema: *const c_char,
    pub create: Option<keel_create_fn>,
    pub drop: Option<keel_drop_fn>,
    pub methods: *const c_void,
    /// Since ABI 1.1: passed to `create_with_context`, which the host then
    /// calls instead of `create`.
    pub context: *mut c_void,
    pub create_with_context: Option<keel_create_with_context_fn>,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct keel_plugin_descriptor_t {
    pub magic: u64,
    pub abi_major: u32,
    pub abi_minor: u32,
    pub struct_size: u32,
    pub reserved: u32,
    pub id: *const c_char,
    pub name: *const c_char,
    pub version: *const c_char,
    pub vendor: *const c_char,
    pub description: *const c_char,
    pub build: keel_build_info_t,
    pub factory_count: usize,
    pub factories: *const *const keel_factory_t,
    pub get_extension: Option<unsafe extern "C" fn(id: *const c_char) -> *const c_void>,
}

pub type keel_entry_fn = unsafe extern "C" fn(
    host_abi_major: u32,
    host_abi_minor: u32,
    host: *const keel_host_t,
) -> *const keel_plugin_descriptor_t;
