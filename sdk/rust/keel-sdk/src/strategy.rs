//! Strategies: implement [`Strategy`] (every callback has a no-op
//! default), list the type in `keel_plugin!`'s `strategies`, and the SDK
//! supplies the `keel.strategy/1` table, every thunk guarded against panics.
//!
//! Every callback is [instance-serialized]: the engine calls one at a time,
//! in simulated-time order, hence `&mut self`. Returning an error stops the
//! strategy (the engine logs the message); a panic is a fault that poisons
//! the plugin. Keep the [`Host`] you get in `create` to send orders, read
//! positions and set timers, from inside your callbacks: those calls are
//! `[host-thread]`, so a `Host` cannot go to a thread of your own (it is
//! neither `Send` nor `Sync`; see [`crate::host`]). A strategy that runs
//! threads gives them a [`ThreadSafeHost`](crate::ThreadSafeHost) and hands
//! their results to its next callback.
//!
//! Market events may come in batches: the SDK implements `on_events` and
//! the events-consumed extension, so the engine can hand a run of market
//! events over in one crossing. The SDK calls `on_quote`/`on_trade`/`on_bar`
//! for each, in order, until the strategy acts (sends or cancels an order,
//! sets or cancels a timer), and the engine delivers the rest again after
//! what the action caused: the same calls, in the same order, as one event
//! at a time. Before each event the SDK writes the batch cursor (ABI 1.1,
//! `batch_cursor` in `keel/strategy.h`), so a 1.1 host answers `now`,
//! `position`, `account` and its risk checks for the event being handled;
//! [`Host::now`](crate::ThreadSafeHost::now) inside a batch is that event's
//! time with any host.
//!
//! Order-book depth (ABI 1.2): a strategy that sets
//! [`WANTS_BOOK`](Strategy::WANTS_BOOK) gets [`on_book`](Strategy::on_book)
//! (in batches too) and reads the book with [`Host::book_levels`]:
//!
//! ```
//! use keel_sdk::*;
//! struct Quoter { host: Host, levels: [BookLevel; 5] }
//!
//! impl Strategy for Quoter {
//!     const ID: &'static str = "acme.book_quoter";
//!     const DESCRIPTION: &'static str = "bids one lot at the best bid";
//!     const WANTS_BOOK: bool = true;
//!     fn create(_params: &mut Params, host: Host) -> KeelResult<Self> {
//!         Ok(Quoter { host, levels: [BookLevel::default(); 5] })
//!     }
//!     fn on_book(&mut self, update: &BookUpdate) -> KeelResult<()> {
//!         let bids = self.host.book_levels(update.instrument, BookSide::Bid, &mut self.levels)?;
//!         if let Some(best) = bids.first() {
//!             self.host.submit(&OrderRequest::limit(update.instrument, Side::Buy, 1.0, best.price))?;
//!         }
//!         Ok(())
//!     }
//! }
//! ```

use std::cell::Cell;
use std::os::raw::{c_char, c_void};

use crate::error::{KeelError, KeelResult};
use crate::ffi::*;
use crate::guard::guard;
use crate::host::Host;
use crate::params::Params;
use crate::plugin::{create_instance, drop_instance, leak_c_string};
use crate::types::{BookUpdate, Fill, OrderUpdate, Start};

/// A strategy. Not required to be `Send`: the engine makes every call on an
/// instance, from `create` to its drop, on the thread that runs the run,
/// and a strategy keeps its [`Host`], which must stay on that thread.
pub trait Strategy: Sized + 'static {
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

    /// Set to `true` to receive order-book events ([`on_book`](Self::on_book)).
    /// The engine gives book events only to a strategy whose table has an
    /// `on_book` (ABI 1.2); the SDK fills it in only when this is `true`, so
    /// a strategy that does not want the book costs nothing on depth data.
    /// (Rust cannot tell whether a default method was overridden: this says it.)
    const WANTS_BOOK: bool = false;
    /// One change of a price level of the book of an instrument the
    /// strategy subscribed to, when the run has depth data for it (only when
    /// [`WANTS_BOOK`](Self::WANTS_BOOK) is `true`). The host's book already
    /// holds the change: read it with [`Host::book_levels`].
    fn on_book(&mut self, _update: &BookUpdate) -> KeelResult<()> {
        Ok(())
    }
    /// Once, after the last event; orders sent here are not executed.
    fn on_stop(&mut self, _at: keel_timestamp_t) -> KeelResult<()> {
        Ok(())
    }
}

/// What the SDK allocates for a strategy instance: the batch cursor (first,
/// so that one function reads it for every strategy type) and the plugin's
/// value. The cursor is the event of the last batch being handled, or where
/// it stopped: it also gives what the events-consumed extension reports
/// (cursor + 1), so a batch costs one store per event.
#[repr(C)]
struct Instance<S> {
    cursor: usize,
    strategy: S,
}

fn build<S: Strategy>(params: &mut Params, host: Host) -> KeelResult<Instance<S>> {
    Ok(Instance { cursor: 0, strategy: S::create(params, host)? })
}

unsafe fn instance<'a, S>(self_: *mut c_void) -> KeelResult<&'a mut Instance<S>> {
    (self_ as *mut Instance<S>).as_mut().ok_or_else(|| KeelError::invalid_argument("instance is NULL"))
}

unsafe fn parts<'a, S, E>(self_: *mut c_void, event: *const E) -> KeelResult<(&'a mut S, &'a E)> {
    let strategy = &mut instance::<S>(self_)?.strategy;
    let event = event.as_ref().ok_or_else(|| KeelError::invalid_argument("event is NULL"))?;
    Ok((strategy, event))
}

/// Per thread: what a batch needs to know while plugin code runs.
struct BatchState {
    /// Host actions (orders, cancels, timers) taken on this thread: a batch
    /// stops after the event during which the count moved. (Host order and
    /// timer calls are made from inside the instance's callbacks, so on the
    /// thread running its batch: `Host` cannot leave it.)
    actions: Cell<usize>,
    /// Inside on_events: the time of the event being handled (Host::now).
    event_time: Cell<Option<keel_timestamp_t>>,
}

thread_local! {
    static BATCH: BatchState = const { BatchState { actions: Cell::new(0), event_time: Cell::new(None) } };
}

pub(crate) fn note_action() {
    BATCH.with(|batch| batch.actions.set(batch.actions.get().wrapping_add(1)));
}

pub(crate) fn batch_event_time() -> Option<keel_timestamp_t> {
    BATCH.with(|batch| batch.event_time.get())
}

/// Clears the batch clock however the batch ends (error or panic).
struct BatchClock<'a>(&'a Cell<Option<keel_timestamp_t>>);

impl Drop for BatchClock<'_> {
    fn drop(&mut self) {
        self.0.set(None);
    }
}

unsafe extern "C" fn on_events<S: Strategy>(
    self_: *mut c_void,
    events: *const keel_event_t,
    count: usize,
    err: *mut keel_error_t,
) -> keel_status_t {
    guard(err, || {
        let instance = self_ as *mut Instance<S>;
        if instance.is_null() {
            return Err(KeelError::invalid_argument("instance is NULL"));
        }
        // The host reads the cursor through its own pointer while the
        // strategy runs: only the strategy is borrowed, the cursor is
        // written through a raw pointer.
        let cursor = std::ptr::addr_of_mut!((*instance).cursor);
        let strategy = &mut (*instance).strategy;
        // On an error the engine reads how far the batch got: the failing
        // event counts (KEEL_STRATEGY_EXT_EVENTS_CONSUMED), so the cursor is
        // set before each event is handled, and is 0 (one event reached) if
        // none was.
        cursor.write(0);
        if count == 0 {
            return Ok(());
        }
        if events.is_null() {
            return Err(KeelError::invalid_argument("events is NULL"));
        }
        let events = std::slice::from_raw_parts(events, count);
        // One thread-local lookup per batch, not per event.
        BATCH.with(|batch| {
            let actions = batch.actions.get();
            let _clock = BatchClock(&batch.event_time);
            for (i, event) in events.iter().enumerate() {
                cursor.write(i); // the batch cursor, and the count: one store per event
                batch.event_time.set(Some(event.r#as.quote.ts)); // every market payload begins with ts
                match event.kind {
                    KEEL_EVENT_QUOTE => strategy.on_quote(&event.r#as.quote)?,
                    KEEL_EVENT_TRADE => strategy.on_trade(&event.r#as.trade)?,
                    KEEL_EVENT_BAR => strategy.on_bar(&event.r#as.bar)?,
                    KEEL_EVENT_BOOK => strategy.on_book(&BookUpdate::from_c(&event.r#as.book).map_err(|e| {
                        KeelError::invalid_argument(format!("event {} of {}: {}", i, count, e.message))
                    })?)?,
                    kind => {
                        return Err(KeelError::invalid_argument(format!(
                            "event {} of {}: kind {} is not a market event (quote, trade, bar or book)",
                            i, count, kind
                        )))
                    }
                }
                if batch.actions.get() != actions {
                    break;
                }
            }
            Ok(())
        })
    })
}

unsafe extern "C" fn events_consumed(self_: *mut c_void) -> usize {
    // Not guarded: it reads a number the SDK wrote and runs no plugin code.
    // `cursor` is at offset 0 of every Instance<S> (repr(C)); the events
    // reached are those up to and including it.
    match (self_ as *const usize).as_ref() {
        Some(cursor) => *cursor + 1,
        None => 0,
    }
}

unsafe extern "C" fn batch_cursor(self_: *mut c_void) -> *const usize {
    // `cursor` is at offset 0 of every Instance<S> (repr(C)).
    self_ as *const usize
}

static EVENTS_CONSUMED: keel_strategy_events_consumed_ext_t = keel_strategy_events_consumed_ext_t {
    struct_size: std::mem::size_of::<keel_strategy_events_consumed_ext_t>() as u32,
    events_consumed: Some(events_consumed),
    batch_cursor: Some(batch_cursor),
};

unsafe extern "C" fn get_extension(_self: *mut c_void, id: *const c_char) -> *const c_void {
    crate::guard::guard_value(std::ptr::null(), || {
        if !id.is_null() && std::ffi::CStr::from_ptr(id).to_bytes() == KEEL_STRATEGY_EXT_EVENTS_CONSUMED.as_bytes() {
            &EVENTS_CONSUMED as *const keel_strategy_events_consumed_ext_t as *const c_void
        } else {
            std::ptr::null()
        }
    })
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

unsafe extern "C" fn on_book<S: Strategy>(
    self_: *mut c_void,
    update: *const keel_book_update_t,
    err: *mut keel_error_t,
) -> keel_status_t {
    guard(err, || {
        let (s, update) = parts::<S, _>(self_, update)?;
        s.on_book(&BookUpdate::from_c(update)?)
    })
}

unsafe extern "C" fn on_stop<S: Strategy>(self_: *mut c_void, at: keel_timestamp_t, err: *mut keel_error_t) -> keel_status_t {
    guard(err, || instance::<S>(self_)?.strategy.on_stop(at))
}

unsafe extern "C" fn create<S: Strategy>(
    params_json: *const c_char,
    host: *const keel_host_t,
    out_instance: *mut *mut c_void,
    err: *mut keel_error_t,
) -> keel_status_t {
    create_instance(params_json, host, out_instance, err, build::<S>)
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
        on_events: Some(on_events::<S>),
        get_extension: Some(get_extension),
        on_book: if S::WANTS_BOOK { Some(on_book::<S>) } else { None },
    }));
    Box::leak(Box::new(keel_factory_t {
        struct_size: std::mem::size_of::<keel_factory_t>() as u32,
        reserved: 0,
        kind: leak_c_string(KEEL_KIND_STRATEGY),
        id: leak_c_string(S::ID),
        description: leak_c_string(S::DESCRIPTION),
        params_schema: leak_c_string(S::PARAMS_SCHEMA),
        create: Some(create::<S>),
        drop: Some(drop_instance::<Instance<S>>),
        methods: vtable as *const keel_strategy_vtable_t as *const c_void,
        context: std::ptr::null_mut(),
        create_with_context: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::BookSide;
    use std::sync::Mutex;

    // (event ts, Host::now() inside on_quote), in call order.
    static SEEN: Mutex<Vec<(keel_timestamp_t, keel_timestamp_t)>> = Mutex::new(Vec::new());
    const HOST_NOW: keel_timestamp_t = 1234;
    const ACT_AT: keel_timestamp_t = 30;

    // Sets a timer (an action) on the quote at ACT_AT.
    struct Recorder {
        host: Host,
    }

    impl Strategy for Recorder {
        const ID: &'static str = "test.recorder";
        const DESCRIPTION: &'static str = "records what it is given";
        fn create(_params: &mut Params, host: Host) -> KeelResult<Self> {
            Ok(Recorder { host })
        }
        fn on_quote(&mut self, quote: &keel_quote_t) -> KeelResult<()> {
            SEEN.lock().unwrap().push((quote.ts, self.host.now()?));
            if quote.ts == ACT_AT {
                self.host.set_timer(quote.ts + 5, 0)?;
            }
            Ok(())
        }
    }

    unsafe extern "C" fn fake_now(_host: *const keel_host_t) -> keel_timestamp_t {
        HOST_NOW
    }
    unsafe extern "C" fn fake_timer_set(
        _host: *const keel_host_t,
        _at: keel_timestamp_t,
        _cookie: u64,
        out: *mut keel_timer_handle_t,
        _err: *mut keel_error_t,
    ) -> keel_status_t {
        (*out).bits = 7;
        KEEL_OK
    }

    fn quote(ts: keel_timestamp_t) -> keel_event_t {
        let mut event: keel_event_t = unsafe { std::mem::zeroed() };
        event.kind = KEEL_EVENT_QUOTE;
        event.r#as.quote = keel_quote_t { ts, bid: 1.0, ask: 1.1, bid_size: 1.0, ask_size: 1.0, ..Default::default() };
        event
    }

    #[test]
    fn a_batch_stops_after_the_event_it_acted_on_and_now_is_that_events_time() {
        let _serial = crate::guard::serial(); // another test here panics in a guard
        let mut table: keel_host_t = unsafe { std::mem::zeroed() };
        table.struct_size = std::mem::size_of::<keel_host_t>() as u32;
        table.now = Some(fake_now);
        table.timer_set = Some(fake_timer_set);
        let factory = factory::<Recorder>();
        let vtable = unsafe { &*(factory.methods as *const keel_strategy_vtable_t) };
        let mut err = keel_error_t::default();
        let mut instance: *mut c_void = std::ptr::null_mut();
        let created = unsafe { factory.create.unwrap()(std::ptr::null(), &table, &mut instance, &mut err) };
        assert_eq!(created, KEEL_OK);

        let get_extension = vtable.get_extension.unwrap();
        let name = std::ffi::CString::new(KEEL_STRATEGY_EXT_EVENTS_CONSUMED).unwrap();
        let ext = unsafe { get_extension(instance, name.as_ptr()) } as *const keel_strategy_events_consumed_ext_t;
        assert!(!ext.is_null());
        let consumed = unsafe { (*ext).events_consumed.unwrap() };
        let other = std::ffi::CString::new("keel.strategy.other/1").unwrap();
        assert!(unsafe { get_extension(instance, other.as_ptr()) }.is_null());

        let on_events = vtable.on_events.unwrap();
        let events: Vec<keel_event_t> = [10, 20, 30, 40, 50].iter().map(|&ts| quote(ts)).collect();
        assert_eq!(unsafe { on_events(instance, events.as_ptr(), events.len(), &mut err) }, KEEL_OK);
        // It acted on the third event: the engine is told 3, and delivers the rest again.
        assert_eq!(unsafe { consumed(instance) }, 3);
        assert_eq!(*SEEN.lock().unwrap(), vec![(10, 10), (20, 20), (30, 30)]);
        // Outside a batch, now() is the host's again.
        assert_eq!(unsafe { Host::from_raw(&table) }.now().unwrap(), HOST_NOW);

        assert_eq!(unsafe { on_events(instance, events[3..].as_ptr(), 2, &mut err) }, KEEL_OK);
        assert_eq!(unsafe { consumed(instance) }, 2);
        assert_eq!(SEEN.lock().unwrap()[3..], [(40, 40), (50, 50)]);

        // Not a market event: an error naming it, and the batch clock is cleared.
        let mut bad = events.clone();
        bad[1].kind = KEEL_EVENT_FILL;
        let status = unsafe { on_events(instance, bad.as_ptr(), bad.len(), &mut err) };
        assert_eq!(status, KEEL_ERR_INVALID_ARGUMENT);
        let message = unsafe { std::ffi::CStr::from_ptr(err.message.as_ptr()) }.to_string_lossy().into_owned();
        assert!(message.contains("event 1 of 5: kind 5 is not a market event"), "{}", message);
        assert_eq!(batch_event_time(), None);

        assert_eq!(unsafe { factory.drop.unwrap()(instance, &mut err) }, KEEL_OK);
    }

    // Reads its account at every quote: the fake host records the batch
    // cursor it finds at that moment.
    struct CursorReader {
        host: Host,
    }

    impl Strategy for CursorReader {
        const ID: &'static str = "test.cursor_reader";
        const DESCRIPTION: &'static str = "calls the host at every event";
        fn create(_params: &mut Params, host: Host) -> KeelResult<Self> {
            Ok(CursorReader { host })
        }
        fn on_quote(&mut self, _quote: &keel_quote_t) -> KeelResult<()> {
            self.host.account()?;
            Ok(())
        }
    }

    static CURSOR: std::sync::atomic::AtomicPtr<usize> = std::sync::atomic::AtomicPtr::new(std::ptr::null_mut());
    static CURSORS_SEEN: Mutex<Vec<usize>> = Mutex::new(Vec::new());

    unsafe extern "C" fn fake_account_get(
        _host: *const keel_host_t,
        out: *mut keel_account_t,
        _err: *mut keel_error_t,
    ) -> keel_status_t {
        let cursor = CURSOR.load(std::sync::atomic::Ordering::Relaxed);
        CURSORS_SEEN.lock().unwrap().push(if cursor.is_null() { usize::MAX } else { *cursor });
        *out = std::mem::zeroed();
        KEEL_OK
    }

    #[test]
    fn the_batch_cursor_the_host_reads_is_the_event_being_handled() {
        let _serial = crate::guard::serial();
        let mut table: keel_host_t = unsafe { std::mem::zeroed() };
        table.struct_size = std::mem::size_of::<keel_host_t>() as u32;
        table.account_get = Some(fake_account_get);
        let factory = factory::<CursorReader>();
        let vtable = unsafe { &*(factory.methods as *const keel_strategy_vtable_t) };
        let mut err = keel_error_t::default();
        let mut instance: *mut c_void = std::ptr::null_mut();
        assert_eq!(unsafe { factory.create.unwrap()(std::ptr::null(), &table, &mut instance, &mut err) }, KEEL_OK);

        let name = std::ffi::CString::new(KEEL_STRATEGY_EXT_EVENTS_CONSUMED).unwrap();
        let ext = unsafe { vtable.get_extension.unwrap()(instance, name.as_ptr()) }
            as *const keel_strategy_events_consumed_ext_t;
        assert!(!ext.is_null());
        assert_eq!(unsafe { (*ext).struct_size } as usize, std::mem::size_of::<keel_strategy_events_consumed_ext_t>());
        let cursor = unsafe { (*ext).batch_cursor.unwrap()(instance) };
        assert!(!cursor.is_null());
        CURSOR.store(cursor as *mut usize, std::sync::atomic::Ordering::Relaxed);

        let events: Vec<keel_event_t> = [10, 20, 30, 40].iter().map(|&ts| quote(ts)).collect();
        let on_events = vtable.on_events.unwrap();
        assert_eq!(unsafe { on_events(instance, events.as_ptr(), events.len(), &mut err) }, KEEL_OK);
        assert_eq!(*CURSORS_SEEN.lock().unwrap(), vec![0, 1, 2, 3]);
        // The address is the instance's for life.
        assert_eq!(unsafe { (*ext).batch_cursor.unwrap()(instance) }, cursor);

        CURSOR.store(std::ptr::null_mut(), std::sync::atomic::Ordering::Relaxed);
        assert_eq!(unsafe { factory.drop.unwrap()(instance, &mut err) }, KEEL_OK);
    }

    // Fails on the quote at FAIL_AT (an error) and panics on PANIC_AT.
    const FAIL_AT: keel_timestamp_t = 30;
    const PANIC_AT: keel_timestamp_t = 20;
    struct Failing;

    impl Strategy for Failing {
        const ID: &'static str = "test.failing";
        const DESCRIPTION: &'static str = "fails on request";
        fn create(_params: &mut Params, _host: Host) -> KeelResult<Self> {
            Ok(Failing)
        }
        fn on_quote(&mut self, quote: &keel_quote_t) -> KeelResult<()> {
            match quote.ts {
                FAIL_AT => Err(KeelError::invalid_argument("bad quote at 30")),
                PANIC_AT => panic!("panic at 20"),
                _ => Ok(()),
            }
        }
    }

    #[test]
    fn a_failed_batch_reports_the_failing_event_as_consumed() {
        let _serial = crate::guard::serial();
        crate::guard::reset_poison_for_tests();
        let factory = factory::<Failing>();
        let vtable = unsafe { &*(factory.methods as *const keel_strategy_vtable_t) };
        let mut err = keel_error_t::default();
        let mut instance: *mut c_void = std::ptr::null_mut();
        let table: keel_host_t = unsafe { std::mem::zeroed() };
        assert_eq!(unsafe { factory.create.unwrap()(std::ptr::null(), &table, &mut instance, &mut err) }, KEEL_OK);
        let consumed = events_consumed;
        let on_events = vtable.on_events.unwrap();

        // An error on the third event: the engine is told 3 (the failing
        // event counts), exactly where per-event delivery would stop.
        let events: Vec<keel_event_t> = [10, 25, 30, 40, 50].iter().map(|&ts| quote(ts)).collect();
        let status = unsafe { on_events(instance, events.as_ptr(), events.len(), &mut err) };
        assert_eq!(status, KEEL_ERR_INVALID_ARGUMENT);
        assert_eq!(unsafe { consumed(instance) }, 3);
        // A malformed second event: 2.
        let mut bad = events.clone();
        bad[1].kind = KEEL_EVENT_FILL;
        assert_eq!(unsafe { on_events(instance, bad.as_ptr(), bad.len(), &mut err) }, KEEL_ERR_INVALID_ARGUMENT);
        assert_eq!(unsafe { consumed(instance) }, 2);
        // No events array at all: 1, still within 1..count.
        assert_eq!(unsafe { on_events(instance, std::ptr::null(), 4, &mut err) }, KEEL_ERR_INVALID_ARGUMENT);
        assert_eq!(unsafe { consumed(instance) }, 1);
        // A panic on the second event: a fault, and 2.
        let panicking: Vec<keel_event_t> = [10, 20, 30].iter().map(|&ts| quote(ts)).collect();
        let status = unsafe { on_events(instance, panicking.as_ptr(), panicking.len(), &mut err) };
        assert_eq!(status, KEEL_ERR_PLUGIN_FAULT);
        assert_eq!(unsafe { consumed(instance) }, 2);

        assert_eq!(unsafe { factory.drop.unwrap()(instance, &mut err) }, KEEL_OK);
        crate::guard::reset_poison_for_tests();
    }

    // Records the book updates it gets; panics on a price of 13.
    static BOOK_SEEN: Mutex<Vec<(keel_timestamp_t, BookSide, f64, f64, keel_timestamp_t)>> = Mutex::new(Vec::new());
    struct BookWatcher;

    impl Strategy for BookWatcher {
        const ID: &'static str = "test.book_watcher";
        const DESCRIPTION: &'static str = "records book updates";
        const WANTS_BOOK: bool = true;
        fn create(_params: &mut Params, _host: Host) -> KeelResult<Self> {
            Ok(BookWatcher)
        }
        fn on_book(&mut self, update: &BookUpdate) -> KeelResult<()> {
            if update.price == 13.0 {
                panic!("unlucky price");
            }
            BOOK_SEEN.lock().unwrap().push((update.ts, update.side, update.price, update.size, update.exch_ts));
            Ok(())
        }
    }

    fn book(ts: keel_timestamp_t, side: i32, price: f64, size: f64) -> keel_event_t {
        let mut event: keel_event_t = unsafe { std::mem::zeroed() };
        event.kind = KEEL_EVENT_BOOK;
        event.r#as.book = keel_book_update_t { ts, instrument: 0, side, price, size, exch_ts: ts - 1 };
        event
    }

    #[test]
    fn on_book_is_in_the_table_only_for_a_strategy_that_wants_the_book() {
        let plain = unsafe { &*(factory::<Recorder>().methods as *const keel_strategy_vtable_t) };
        assert!(plain.on_book.is_none());
        let watcher = unsafe { &*(factory::<BookWatcher>().methods as *const keel_strategy_vtable_t) };
        assert!(watcher.on_book.is_some());
        assert_eq!(watcher.struct_size as usize, std::mem::size_of::<keel_strategy_vtable_t>());
    }

    #[test]
    fn book_events_reach_on_book_one_at_a_time_and_in_spans_and_panics_are_faults() {
        let _serial = crate::guard::serial();
        crate::guard::reset_poison_for_tests();
        let factory = factory::<BookWatcher>();
        let vtable = unsafe { &*(factory.methods as *const keel_strategy_vtable_t) };
        let mut err = keel_error_t::default();
        let mut instance: *mut c_void = std::ptr::null_mut();
        let table: keel_host_t = unsafe { std::mem::zeroed() };
        assert_eq!(unsafe { factory.create.unwrap()(std::ptr::null(), &table, &mut instance, &mut err) }, KEEL_OK);

        let on_book = vtable.on_book.unwrap();
        let one = keel_book_update_t { ts: 5, instrument: 0, side: KEEL_BOOK_ASK, price: 101.0, size: 2.0, exch_ts: 4 };
        assert_eq!(unsafe { on_book(instance, &one, &mut err) }, KEEL_OK);
        let span = [book(10, KEEL_BOOK_BID, 99.0, 3.0), quote(11), book(12, KEEL_BOOK_ASK, 100.0, 0.0)];
        assert_eq!(unsafe { vtable.on_events.unwrap()(instance, span.as_ptr(), span.len(), &mut err) }, KEEL_OK);
        assert_eq!(unsafe { events_consumed(instance) }, 3);
        assert_eq!(
            *BOOK_SEEN.lock().unwrap(),
            vec![
                (5, BookSide::Ask, 101.0, 2.0, 4),
                (10, BookSide::Bid, 99.0, 3.0, 9),
                (12, BookSide::Ask, 100.0, 0.0, 11)
            ]
        );

        // A side that is neither bid nor ask: an error naming the event.
        let bad = [quote(20), book(21, 7, 99.0, 1.0)];
        let status = unsafe { vtable.on_events.unwrap()(instance, bad.as_ptr(), bad.len(), &mut err) };
        assert_eq!(status, KEEL_ERR_INVALID_ARGUMENT);
        let message = unsafe { std::ffi::CStr::from_ptr(err.message.as_ptr()) }.to_string_lossy().into_owned();
        assert!(message.contains("event 1 of 2: unknown book side 7"), "{}", message);
        assert_eq!(unsafe { events_consumed(instance) }, 2);
        let mut odd = one;
        odd.side = -1;
        assert_eq!(unsafe { on_book(instance, &odd, &mut err) }, KEEL_ERR_INVALID_ARGUMENT);
        assert_eq!(unsafe { on_book(instance, std::ptr::null(), &mut err) }, KEEL_ERR_INVALID_ARGUMENT);

        // A panic in on_book is a fault, not an unwind into the host.
        let mut unlucky = one;
        unlucky.price = 13.0;
        assert_eq!(unsafe { on_book(instance, &unlucky, &mut err) }, KEEL_ERR_PLUGIN_FAULT);
        let message = unsafe { std::ffi::CStr::from_ptr(err.message.as_ptr()) }.to_string_lossy().into_owned();
        assert!(message.contains("unlucky price"), "{}", message);

        assert_eq!(unsafe { factory.drop.unwrap()(instance, &mut err) }, KEEL_OK);
        crate::guard::reset_poison_for_tests();
    }
}
