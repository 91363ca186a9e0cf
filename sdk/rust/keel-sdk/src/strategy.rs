//! Strategies: implement [`Strategy`] (every callback has a no-op
//! default), list the type in `keel_plugin!`'s `strategies`, and the SDK
//! supplies the `keel.strategy/1` table, every thunk guarded against panics.
//!
//! Every callback is [instance-serialized]: the engine calls one at a time,
//! in simulated-time order, hence `&mut self`. Returning an error stops the
//! strategy (the engine logs the message); a panic is a fault that poisons
//! the plugin. Keep the [`Host`] you get in `create` to send orders, read
//! positions and set timers.

use std::os::raw::{c_char, c_void};

use crate::error::{KeelError, KeelResult};
use crate::ffi::*;
use crate::guard::guard;
use crate::host::Host;
use crate::params::Params;
use crate::plugin::{create_instance, drop_instance, leak_c_string};
use crate::types::{Fill, OrderUpdate, Start};

pub trait Strategy: Sized + Send + 'static {
    /// The factory id, unique across plugins ("acme.my_strategy").
    const ID: &'static str;
    /// One line for `keel plugin inspect`.
    const DESCRIPTION: &'static str;
    /// A JSON Schema (draft 2020-12) of the params object.
    const PARAMS_SCHEMA: &'static str = r#"{"type":"object","additionalProperties":false}"#;

    /// Builds an instance from its params; unread keys are rejected after.
    fn create(params: &mut Params, host: Host) -> KeelResult<Self>;

    /// Once, before any event.
    fn on_start(&mut self, _start: &Start) -> KeelResult<()> {
        Ok(())
    }
    fn on_quote(&mut self, _quote: &keel_quote_t) -> KeelResult<()> {
        Ok(())
    }
    fn on_trade(&mut self, _trade: &keel_trade_t) -> KeelResult<()> {
        Ok(())
    }
    fn on_bar(&mut self, _bar: &keel_bar_t) -> KeelResult<()> {
        Ok(())
    }
    /// Every change of state of one of its orders, including rejects.
    fn on_order_update(&mut self, _update: &OrderUpdate) -> KeelResult<()> {
        Ok(())
    }
    /// Delivered before the order update that follows it.
    fn on_fill(&mut self, _fill: &Fill) -> KeelResult<()> {
        Ok(())
    }
    fn on_timer(&mut self, _timer: &keel_timer_event_t) -> KeelResult<()> {
        Ok(())
    }
    /// Once, after the last event; orders sent here are not executed.
    fn on_stop(&mut self, _at: keel_timestamp_t) -> KeelResult<()> {
        Ok(())
    }
}

unsafe fn parts<'a, S, E>(self_: *mut c_void, event: *const E) -> KeelResult<(&'a mut S, &'a E)> {
    let strategy = (self_ as *mut S).as_mut().ok_or_else(|| KeelError::invalid_argument("instance is NULL"))?;
    let event = event.as_ref().ok_or_else(|| KeelError::invalid_argument("event is NULL"))?;
    Ok((strategy, event))
}

unsafe extern "C" fn on_start<S: Strategy>(
    self_: *mut c_void,
    start: *const keel_strategy_start_t,
    err: *mut keel_error_t,
) -> keel_status_t {
    guard(err, || {
        let (s, start) = parts::<S, _>(self_, start)?;
        s.on_start(&Start::from_c(start))
    })
}

/// The thunks for events the trait takes as the C struct itself.
macro_rules! plain_event_thunk {
    ($name:ident, $event:ty) => {
        unsafe extern "C" fn $name<S: Strategy>(self_: *mut c_void, event: *const $event, err: *mut keel_error_t) -> keel_status_t {
            guard(err, || {
                let (s, event) = parts::<S, _>(self_, event)?;
                s.$name(event)
            })
        }
    };
}
plain_event_thunk!(on_quote, keel_quote_t);
plain_event_thunk!(on_trade, keel_trade_t);
plain_event_thunk!(on_bar, keel_bar_t);
plain_event_thunk!(on_timer, keel_timer_event_t);

unsafe extern "C" fn on_order_update<S: Strategy>(
    self_: *mut c_void,
    update: *const keel_order_update_t,
    err: *mut keel_error_t,
) -> keel_status_t {
    guard(err, || {
        let (s, update) = parts::<S, _>(self_, update)?;
        s.on_order_update(&OrderUpdate::from_c(update)?)
    })
}

unsafe extern "C" fn on_fill<S: Strategy>(self_: *mut c_void, fill: *const keel_fill_t, err: *mut keel_error_t) -> keel_status_t {
    guard(err, || {
        let (s, fill) = parts::<S, _>(self_, fill)?;
        s.on_fill(&Fill::from_c(fill)?)
    })
}

unsafe extern "C" fn on_stop<S: Strategy>(self_: *mut c_void, at: keel_timestamp_t, err: *mut keel_error_t) -> keel_status_t {
    guard(err, || {
        let s = (self_ as *mut S).as_mut().ok_or_else(|| KeelError::invalid_argument("instance is NULL"))?;
        s.on_stop(at)
    })
}

unsafe extern "C" fn create<S: Strategy>(
    params_json: *const c_char,
    host: *const keel_host_t,
    out_instance: *mut *mut c_void,
    err: *mut keel_error_t,
) -> keel_status_t {
    create_instance(params_json, host, out_instance, err, S::create)
}

/// The factory for `S`, with static storage (built once per process by the
/// plugin's entry).
pub fn factory<S: Strategy>() -> &'static keel_factory_t {
    let vtable: &'static keel_strategy_vtable_t = Box::leak(Box::new(keel_strategy_vtable_t {
        struct_size: std::mem::size_of::<keel_strategy_vtable_t>() as u32,
        on_start: Some(on_start::<S>),
        on_quote: Some(on_quote::<S>),
        on_trade: Some(on_trade::<S>),
        on_bar: Some(on_bar::<S>),
        on_order_update: Some(on_order_update::<S>),
        on_fill: Some(on_fill::<S>),
        on_timer: Some(on_timer::<S>),
        on_stop: Some(on_stop::<S>),
        // Rust calls are as cheap as C's: the engine calls per event.
        on_events: None,
        get_extension: None,
    }));
    Box::leak(Box::new(keel_factory_t {
        struct_size: std::mem::size_of::<keel_factory_t>() as u32,
        reserved: 0,
        kind: leak_c_string(KEEL_KIND_STRATEGY),
        id: leak_c_string(S::ID),
        description: leak_c_string(S::DESCRIPTION),
        params_schema: leak_c_string(S::PARAMS_SCHEMA),
        create: Some(create::<S>),
        drop: Some(drop_instance::<S>),
        methods: vtable as *const keel_strategy_vtable_t as *const c_void,
    }))
}
