//! [`Host`]: a safe view of the `keel_host_t` table an instance receives,
//! and [`ThreadSafeHost`], the part of it other threads may use.
//!
//! Each call checks that the host's table is long enough to hold the member
//! (an older host's is shorter) and that it is not NULL; otherwise it
//! returns `KEEL_ERR_UNSUPPORTED` ("this host has no 'timer_set' call").
//! A failing call returns the host's status with its message, prefixed with
//! the call's name ("order_submit: risk: max position exceeded").
//!
//! # Threads
//!
//! The members of the C table carry thread tags (keel/host.h). Orders,
//! positions, the account, timers and model create/drop/calibrate are
//! `[host-thread]`: callable only from inside a callback, on the thread the
//! host made it on (the host refuses them from any other thread with
//! `KEEL_ERR_WRONG_THREAD` and stops the strategy). The compiler enforces
//! this: a [`Host`] is neither `Send` nor `Sync`, so it cannot be moved to,
//! or shared with, a thread the plugin starts.
//!
//! ```compile_fail,E0277
//! use keel_sdk::{Host, OrderRequest, Side};
//! // error[E0277]: `*const ()` cannot be sent between threads safely
//! fn order_from_a_thread(host: Host) {
//!     std::thread::spawn(move || host.submit(&OrderRequest::market(0, Side::Buy, 1.0)));
//! }
//! ```
//!
//! and, pinned on the type itself:
//!
//! ```compile_fail,E0277
//! fn must_be_send<T: Send>() {}
//! must_be_send::<keel_sdk::Host>();
//! ```
//!
//! ```compile_fail,E0277
//! fn must_be_sync<T: Sync>() {}
//! must_be_sync::<keel_sdk::Host>();
//! ```
//!
//! The `[thread-safe]` members (logging, the time, instruments, looking up
//! and pricing through the run's models) are on [`ThreadSafeHost`], which is
//! `Send + Sync` and `Copy`: take one with [`Host::thread_safe`] and hand it
//! to worker threads. A [`Host`] offers the same calls itself (it
//! dereferences to its [`ThreadSafeHost`]).
//!
//! ```
//! use keel_sdk::{Host, ThreadSafeHost};
//! fn log_from_workers(host: Host) {
//!     let shared: ThreadSafeHost = host.thread_safe();
//!     std::thread::scope(|scope| {
//!         scope.spawn(move || shared.info("priced on a worker"));
//!         scope.spawn(|| shared.debug("borrowed by another"));
//!     });
//! }
//! fn must_be_send_and_sync<T: Send + Sync>() {}
//! must_be_send_and_sync::<ThreadSafeHost>();
//! # log_from_workers(unsafe { Host::from_raw(std::ptr::null()) });
//! ```

use std::ffi::{CStr, CString};
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::ops::Deref;
use std::os::raw::c_char;

use crate::capsule::Capsule;
use crate::error::{KeelError, KeelResult};
use crate::ffi::*;
use crate::types::{BookLevel, BookSide, Instrument, OrderRequest};

/// The host table of one instance (or the load-time one), for the thread
/// the host calls the instance on. Copyable; valid while the instance
/// lives, which is as long as the plugin may use it. Neither `Send` nor
/// `Sync` (see [the module docs](self)): its `[host-thread]` calls work
/// only on that thread. Its `[thread-safe]` calls come from
/// [`ThreadSafeHost`], through `Deref`.
#[derive(Clone, Copy, Debug)]
pub struct Host {
    shared: ThreadSafeHost,
    // A raw-pointer marker: not Send, not Sync.
    _host_thread: PhantomData<*const ()>,
}

/// The `[thread-safe]` members of an instance's host table: logging, the
/// time, instruments, and looking up and pricing through models. `Send +
/// Sync` and `Copy`, so a model or strategy may use it from threads of its
/// own. Valid as long as the instance that received the [`Host`] lives.
#[derive(Clone, Copy, Debug)]
pub struct ThreadSafeHost {
    raw: *const keel_host_t,
}

// Every member ThreadSafeHost calls is tagged [thread-safe] in keel/host.h.
unsafe impl Send for ThreadSafeHost {}
unsafe impl Sync for ThreadSafeHost {}

/// The byte offset of a field of `keel_host_t` (offset_of! is newer than the
/// Rust this SDK supports).
macro_rules! host_offset {
    ($field:ident) => {{
        let table = MaybeUninit::<keel_host_t>::uninit();
        let base = table.as_ptr();
        #[allow(unused_unsafe)]
        let field = unsafe { std::ptr::addr_of!((*base).$field) };
        field as usize - base as usize
    }};
}

/// The member `$field` of the table `$raw` when it has it, else UNSUPPORTED.
macro_rules! member {
    ($raw:expr, $field:ident) => {{
        let end = host_offset!($field) + std::mem::size_of::<usize>();
        match unsafe { $raw.as_ref() } {
            Some(table) if table.struct_size as usize >= end && table.$field.is_some() => Ok(table.$field.unwrap()),
            _ => Err(KeelError::unsupported(concat!("this host has no '", stringify!($field), "' call"))),
        }
    }};
}

/// Calls a member of the table `$raw` that takes `(host, args..., err)` and
/// returns a status.
macro_rules! call {
    ($raw:expr, $field:ident ( $($arg:expr),* )) => {{
        let raw = $raw;
        let function = member!(raw, $field)?;
        let mut err = keel_error_t::default();
        let status = unsafe { function(raw, $($arg,)* &mut err) };
        crate::guard::check(status, &err, stringify!($field))
    }};
}

fn c_string(text: &str, what: &str) -> KeelResult<CString> {
    CString::new(text).map_err(|_| KeelError::invalid_argument(format!("{} contains a NUL byte", what)))
}

impl ThreadSafeHost {
    /// # Safety
    /// `raw` is NULL or a host table valid for as long as this value is used.
    pub unsafe fn from_raw(raw: *const keel_host_t) -> Self {
        ThreadSafeHost { raw }
    }

    pub fn raw(&self) -> *const keel_host_t {
        self.raw
    }

    /// The host's name and version ("keel", "0.1.0"), when it gives them.
    pub fn name(&self) -> Option<String> {
        unsafe { self.raw.as_ref() }.and_then(|t| c_str(t.host_name))
    }

    pub fn version(&self) -> Option<String> {
        unsafe { self.raw.as_ref() }.and_then(|t| c_str(t.host_version))
    }

    /// Logs under the instance's name. Never fails: a host without logging
    /// drops the message.
    pub fn log(&self, level: i32, message: &str) {
        if let Ok(log) = member!(self.raw, log) {
            let text = CString::new(message.replace('\0', "?")).unwrap_or_default();
            unsafe { log(self.raw, level, text.as_ptr()) };
        }
    }
    pub fn debug(&self, message: &str) {
        self.log(KEEL_LOG_DEBUG, message)
    }
    pub fn info(&self, message: &str) {
        self.log(KEEL_LOG_INFO, message)
    }
    pub fn warn(&self, message: &str) {
        self.log(KEEL_LOG_WARN, message)
    }
    pub fn error(&self, message: &str) {
        self.log(KEEL_LOG_ERROR, message)
    }

    /// Simulated time during a run, wall-clock UTC otherwise (ns). While
    /// the SDK hands a strategy a batch of events, the time of the event
    /// being handled. From a thread of the plugin's own during a run, the
    /// time of whatever the host is handling meanwhile: a deterministic
    /// strategy reads it in its callbacks.
    pub fn now(&self) -> KeelResult<keel_timestamp_t> {
        if let Some(at) = crate::strategy::batch_event_time() {
            return Ok(at);
        }
        let now = member!(self.raw, now)?;
        Ok(unsafe { now(self.raw) })
    }

    pub fn instrument_find(&self, symbol: &str) -> KeelResult<keel_instrument_id_t> {
        let symbol = c_string(symbol, "symbol")?;
        let mut id = KEEL_NO_INSTRUMENT;
        call!(self.raw, instrument_find(symbol.as_ptr(), &mut id))?;
        Ok(id)
    }

    pub fn instrument(&self, id: keel_instrument_id_t) -> KeelResult<Instrument> {
        let mut info: keel_instrument_info_t = unsafe { std::mem::zeroed() };
        info.struct_size = std::mem::size_of::<keel_instrument_info_t>() as u32;
        call!(self.raw, instrument_get(id, &mut info))?;
        Ok(Instrument::from_c(&info))
    }

    /// A model the run file configured, by name (borrowed: never dropped).
    pub fn model_lookup(&self, name: &str) -> KeelResult<keel_model_handle_t> {
        let name = c_string(name, "model name")?;
        let mut model = keel_model_handle_t::default();
        call!(self.raw, model_lookup(name.as_ptr(), &mut model))?;
        Ok(model)
    }

    pub fn model_price(&self, model: keel_model_handle_t, option: &keel_option_t) -> KeelResult<keel_greeks_t> {
        let mut out = keel_greeks_t::default();
        call!(self.raw, model_price(model, option, &mut out))?;
        Ok(out)
    }

    pub fn model_implied_vol(&self, model: keel_model_handle_t, option: &keel_option_t, premium: f64) -> KeelResult<f64> {
        let mut vol = 0.0;
        call!(self.raw, model_implied_vol(model, option, premium, &mut vol))?;
        Ok(vol)
    }
}

impl Host {
    /// # Safety
    /// `raw` is NULL or a host table valid for as long as this value is
    /// used, and the caller is on the thread the host is calling the
    /// instance on (the SDK makes a `Host` only inside `create`).
    pub unsafe fn from_raw(raw: *const keel_host_t) -> Self {
        Host { shared: ThreadSafeHost::from_raw(raw), _host_thread: PhantomData }
    }

    /// The `[thread-safe]` part of this table, for threads of the plugin's
    /// own.
    pub fn thread_safe(&self) -> ThreadSafeHost {
        self.shared
    }

    /// Sends an order; its handle names it until its terminal update.
    pub fn submit(&self, request: &OrderRequest) -> KeelResult<keel_order_handle_t> {
        crate::strategy::note_action();
        let raw = request.to_c();
        let mut order = keel_order_handle_t::default();
        call!(self.raw(), order_submit(&raw, &mut order))?;
        Ok(order)
    }

    pub fn cancel(&self, order: keel_order_handle_t) -> KeelResult<()> {
        crate::strategy::note_action();
        call!(self.raw(), order_cancel(order))
    }

    pub fn position(&self, instrument: keel_instrument_id_t) -> KeelResult<keel_position_t> {
        let mut out = keel_position_t::default();
        call!(self.raw(), position_get(instrument, &mut out))?;
        Ok(out)
    }

    pub fn account(&self) -> KeelResult<keel_account_t> {
        let mut out = keel_account_t::default();
        call!(self.raw(), account_get(&mut out))?;
        Ok(out)
    }

    /// An `on_timer` call at simulated time `at`, carrying `cookie`.
    pub fn set_timer(&self, at: keel_timestamp_t, cookie: u64) -> KeelResult<keel_timer_handle_t> {
        crate::strategy::note_action();
        let mut timer = keel_timer_handle_t::default();
        call!(self.raw(), timer_set(at, cookie, &mut timer))?;
        Ok(timer)
    }

    pub fn cancel_timer(&self, timer: keel_timer_handle_t) -> KeelResult<()> {
        crate::strategy::note_action();
        call!(self.raw(), timer_cancel(timer))
    }

    /// The top levels of one side of an instrument's order book, best first
    /// (bids highest first, asks lowest first), written into `out` (up to
    /// its length; no allocation). Returns the part of `out` written: empty
    /// when the side is empty or the run has no depth data for the
    /// instrument. The book is the data's as of the event being handled:
    /// what the strategy's own orders took from it is not subtracted.
    /// `KEEL_ERR_NOT_FOUND` for an unknown instrument; `KEEL_ERR_UNSUPPORTED`
    /// from a host older than ABI 1.2, which has no books.
    ///
    /// ```no_run
    /// # use keel_sdk::{BookLevel, BookSide, Host, KeelResult};
    /// # fn f(host: &Host, instrument: u32) -> KeelResult<()> {
    /// let mut levels = [BookLevel::default(); 5];
    /// let bids = host.book_levels(instrument, BookSide::Bid, &mut levels)?;
    /// if let Some(best) = bids.first() {
    ///     host.info(&format!("best bid {} x {}", best.price, best.size));
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn book_levels<'a>(
        &self,
        instrument: keel_instrument_id_t,
        side: BookSide,
        out: &'a mut [BookLevel],
    ) -> KeelResult<&'a [BookLevel]> {
        let raw = self.raw();
        let function = member!(raw, book_levels).map_err(|_| {
            KeelError::unsupported("this host has no 'book_levels' call (order books came with keel ABI 1.2)")
        })?;
        let mut count = 0usize;
        let mut err = keel_error_t::default();
        let status = unsafe { function(raw, instrument, side.to_c(), out.as_mut_ptr(), out.len(), &mut count, &mut err) };
        crate::guard::check(status, &err, "book_levels")?;
        // A host never writes more than asked; trust no more than that.
        Ok(&out[..count.min(out.len())])
    }

    /// A private model instance; give it back with [`model_drop`](Self::model_drop).
    pub fn model_create(&self, factory_id: &str, params_json: &str) -> KeelResult<keel_model_handle_t> {
        let factory_id = c_string(factory_id, "factory id")?;
        let params = c_string(params_json, "params")?;
        let mut model = keel_model_handle_t::default();
        call!(self.raw(), model_create(factory_id.as_ptr(), params.as_ptr(), &mut model))?;
        Ok(model)
    }

    pub fn model_drop(&self, model: keel_model_handle_t) -> KeelResult<()> {
        call!(self.raw(), model_drop(model))
    }

    /// Calibrates a model; the report comes back in a capsule this value
    /// owns (released through its producer when dropped).
    pub fn model_calibrate(&self, model: keel_model_handle_t, quotes: &[keel_calibration_quote_t]) -> KeelResult<Capsule> {
        let mut report = Capsule::empty();
        call!(self.raw(), model_calibrate(model, quotes.as_ptr(), quotes.len(), report.as_out_ptr()))?;
        Ok(report)
    }
}

impl Deref for Host {
    type Target = ThreadSafeHost;

    fn deref(&self) -> &ThreadSafeHost {
        &self.shared
    }
}

fn c_str(text: *const c_char) -> Option<String> {
    if text.is_null() {
        None
    } else {
        Some(unsafe { CStr::from_ptr(text) }.to_string_lossy().into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    unsafe extern "C" fn fake_now(_host: *const keel_host_t) -> keel_timestamp_t {
        1234
    }
    unsafe extern "C" fn refusing_submit(
        _host: *const keel_host_t,
        _request: *const keel_order_request_t,
        _out: *mut keel_order_handle_t,
        err: *mut keel_error_t,
    ) -> keel_status_t {
        crate::error::set_error(err, KEEL_ERR_REJECTED, "risk: max position exceeded")
    }

    fn table() -> keel_host_t {
        let mut table: keel_host_t = unsafe { std::mem::zeroed() };
        table.struct_size = std::mem::size_of::<keel_host_t>() as u32;
        table
    }

    #[test]
    fn calls_present_members_and_reports_host_errors() {
        let mut t = table();
        t.now = Some(fake_now);
        t.order_submit = Some(refusing_submit);
        let host = unsafe { Host::from_raw(&t) };
        assert_eq!(host.now().unwrap(), 1234);
        let error = host.submit(&OrderRequest::market(0, crate::types::Side::Buy, 1.0)).unwrap_err();
        assert_eq!(error.status, KEEL_ERR_REJECTED);
        assert_eq!(error.message, "order_submit: risk: max position exceeded");
        let missing = host.set_timer(5, 1).unwrap_err();
        assert_eq!(missing.status, KEEL_ERR_UNSUPPORTED);
        assert_eq!(missing.message, "this host has no 'timer_set' call");
        host.info("no log member: dropped silently");
    }

    unsafe extern "C" fn fake_book_levels(
        _host: *const keel_host_t,
        instrument: keel_instrument_id_t,
        side: i32,
        out: *mut keel_book_level_t,
        max_levels: usize,
        out_count: *mut usize,
        err: *mut keel_error_t,
    ) -> keel_status_t {
        if instrument != 3 {
            return crate::error::set_error(err, KEEL_ERR_NOT_FOUND, "no instrument 9");
        }
        let book: [(f64, f64); 3] = if side == KEEL_BOOK_BID {
            [(99.5, 10.0), (99.0, 20.0), (98.5, 30.0)]
        } else {
            [(100.5, 1.0), (101.0, 2.0), (101.5, 3.0)]
        };
        let n = max_levels.min(book.len());
        for (i, &(price, size)) in book.iter().take(n).enumerate() {
            *out.add(i) = keel_book_level_t { price, size };
        }
        *out_count = n;
        KEEL_OK
    }

    #[test]
    fn book_levels_fills_the_callers_slice_best_first() {
        let mut t = table();
        t.book_levels = Some(fake_book_levels);
        let host = unsafe { Host::from_raw(&t) };
        let mut levels = [BookLevel::default(); 2];
        let bids = host.book_levels(3, BookSide::Bid, &mut levels).unwrap();
        assert_eq!(bids, &[BookLevel { price: 99.5, size: 10.0 }, BookLevel { price: 99.0, size: 20.0 }]);
        let mut five = [BookLevel::default(); 5];
        let asks = host.book_levels(3, BookSide::Ask, &mut five).unwrap();
        assert_eq!(asks.len(), 3);
        assert_eq!(asks[0], BookLevel { price: 100.5, size: 1.0 });
        assert!(host.book_levels(3, BookSide::Ask, &mut []).unwrap().is_empty());
        let unknown = host.book_levels(9, BookSide::Bid, &mut five).unwrap_err();
        assert_eq!(unknown.status, KEEL_ERR_NOT_FOUND);
        assert_eq!(unknown.message, "book_levels: no instrument 9");
    }

    #[test]
    fn book_levels_from_a_host_older_than_abi_1_2_is_unsupported() {
        let mut t = table();
        t.book_levels = Some(fake_book_levels);
        t.struct_size = host_offset!(book_levels) as u32; // a 1.1 host's table ends here
        let host = unsafe { Host::from_raw(&t) };
        let error = host.book_levels(3, BookSide::Bid, &mut [BookLevel::default(); 1]).unwrap_err();
        assert_eq!(error.status, KEEL_ERR_UNSUPPORTED);
        assert!(error.message.contains("ABI 1.2"), "{}", error.message);
    }

    #[test]
    fn members_past_an_older_hosts_struct_size_are_absent() {
        let mut t = table();
        t.now = Some(fake_now);
        t.struct_size = host_offset!(now) as u32; // ends just before `now`
        let host = unsafe { Host::from_raw(&t) };
        assert_eq!(host.now().unwrap_err().status, KEEL_ERR_UNSUPPORTED);
        let none = unsafe { Host::from_raw(std::ptr::null()) };
        assert_eq!(none.now().unwrap_err().status, KEEL_ERR_UNSUPPORTED);
    }
}
