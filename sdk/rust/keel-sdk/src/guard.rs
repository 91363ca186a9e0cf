//! The panic guard (rule 7: nothing unwinds across the boundary).
//!
//! Every `extern "C"` function the SDK exports runs the plugin's code under
//! [`guard`]. A returned [`KeelError`] becomes its status and message. A
//! panic is caught with `std::panic::catch_unwind` and becomes
//! `KEEL_ERR_PLUGIN_FAULT` with the panic's message and source location
//! ("panic in plugin 'acme.models' at src/lib.rs:42:9: index out of
//! bounds..."), and it *poisons* the plugin: from then on every guarded call
//! returns `KEEL_ERR_PLUGIN_FAULT` without running plugin code, except drops
//! ([`guard_drop`]), which the host still makes to free instances.
//!
//! The SDK installs a panic hook (once, chained to the previous one) that
//! records the message of a panic raised inside a guard instead of printing
//! it to stderr; panics outside a guard go to the previous hook unchanged.
//! Plugins must be built with `panic = "unwind"` (Cargo's default): with
//! `panic = "abort"` a panic ends the host process.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};

use crate::error::{set_error, KeelError, KeelResult};
use crate::ffi::*;

static POISONED: AtomicBool = AtomicBool::new(false);
static POISON_MESSAGE: Mutex<String> = Mutex::new(String::new());
static PLUGIN_ID: Mutex<&'static str> = Mutex::new("");
static HOOK: Once = Once::new();

thread_local! {
    // const-initialised: no lazy-init check on every guarded call.
    static GUARD_DEPTH: Cell<u32> = const { Cell::new(0) };
    static LAST_PANIC: RefCell<Option<String>> = RefCell::new(None);
}

/// Names the plugin in fault messages. Called by `keel_plugin!`'s entry.
pub fn set_plugin_id(id: &'static str) {
    *lock(&PLUGIN_ID) = id;
}

fn plugin_id() -> &'static str {
    *lock(&PLUGIN_ID)
}

/// A mutex that a panic elsewhere cannot make unusable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// True once any guarded call of this plugin has panicked.
#[inline]
pub fn is_poisoned() -> bool {
    POISONED.load(Ordering::Acquire)
}

/// The fault message of the panic that poisoned the plugin, if any.
pub fn poison_message() -> Option<String> {
    if is_poisoned() {
        Some(lock(&POISON_MESSAGE).clone())
    } else {
        None
    }
}

// Inlined: every guarded call passes here, and after the first it is one
// load of the Once's state (the plugin's thunks are in another crate, which
// does not inline non-generic functions without this).
#[inline]
fn install_hook() {
    if HOOK.is_completed() {
        return;
    }
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let inside_guard = GUARD_DEPTH.with(|depth| depth.get() > 0);
            if !inside_guard {
                previous(info);
                return;
            }
            let message = payload_text(info.payload());
            let text = match info.location() {
                Some(at) => format!("at {}:{}:{}: {}", at.file(), at.line(), at.column(), message),
                None => message,
            };
            LAST_PANIC.with(|last| *last.borrow_mut() = Some(text));
        }));
    });
}

fn payload_text(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}

/// Runs `body`, catching a panic. On a panic returns the fault message
/// (already poisoning the plugin).
#[inline]
fn catch<R>(body: impl FnOnce() -> R) -> Result<R, String> {
    install_hook();
    GUARD_DEPTH.with(|depth| depth.set(depth.get() + 1));
    let outcome = panic::catch_unwind(AssertUnwindSafe(body));
    GUARD_DEPTH.with(|depth| depth.set(depth.get() - 1));
    match outcome {
        Ok(value) => Ok(value),
        Err(payload) => {
            let recorded = LAST_PANIC.with(|last| last.borrow_mut().take());
            let detail = recorded.unwrap_or_else(|| payload_text(&*payload));
            // A payload whose own drop panics must not unwind out of here.
            let _ = panic::catch_unwind(AssertUnwindSafe(move || drop(payload)));
            let message = format!("panic in plugin '{}' {}", plugin_id(), detail);
            poison(&message);
            Err(message)
        }
    }
}

fn poison(message: &str) {
    let mut stored = lock(&POISON_MESSAGE);
    if !POISONED.load(Ordering::Acquire) {
        *stored = message.to_string();
        POISONED.store(true, Ordering::Release);
    }
}

unsafe fn poisoned_status(err: *mut keel_error_t) -> keel_status_t {
    let first = lock(&POISON_MESSAGE).clone();
    set_error(
        err,
        KEEL_ERR_PLUGIN_FAULT,
        &format!("plugin '{}' is poisoned by an earlier fault: {}", plugin_id(), first),
    )
}

/// Runs plugin code for an `extern "C"` thunk and returns its status,
/// writing the message into `err` (which may be NULL). See the module docs.
///
/// # Safety
/// `err` is NULL or points to a writable `keel_error_t`.
#[inline]
pub unsafe fn guard(err: *mut keel_error_t, body: impl FnOnce() -> KeelResult<()>) -> keel_status_t {
    if is_poisoned() {
        return poisoned_status(err);
    }
    match catch(body) {
        Ok(Ok(())) => KEEL_OK,
        Ok(Err(error)) => error.write_to(err),
        Err(fault) => set_error(err, KEEL_ERR_PLUGIN_FAULT, &fault),
    }
}

/// Like [`guard`], for plugin code that returns a status itself (batch
/// calls that report per-item failures and still succeed partly).
///
/// # Safety
/// `err` is NULL or points to a writable `keel_error_t`.
pub unsafe fn guard_status(err: *mut keel_error_t, body: impl FnOnce() -> KeelResult<keel_status_t>) -> keel_status_t {
    if is_poisoned() {
        return poisoned_status(err);
    }
    match catch(body) {
        Ok(Ok(status)) => status,
        Ok(Err(error)) => error.write_to(err),
        Err(fault) => set_error(err, KEEL_ERR_PLUGIN_FAULT, &fault),
    }
}

/// The guard for drops: runs even on a poisoned plugin (the host frees its
/// instances through it), and still catches a panic in the drop itself.
///
/// # Safety
/// `err` is NULL or points to a writable `keel_error_t`.
pub unsafe fn guard_drop(err: *mut keel_error_t, body: impl FnOnce()) -> keel_status_t {
    match catch(body) {
        Ok(()) => KEEL_OK,
        Err(fault) => set_error(err, KEEL_ERR_PLUGIN_FAULT, &fault),
    }
}

/// The guard for calls that return a value and have no error struct
/// (`get_extension`, the entry): `fallback` when poisoned or on a panic.
pub fn guard_value<R>(fallback: R, body: impl FnOnce() -> R) -> R {
    if is_poisoned() {
        return fallback;
    }
    catch(body).unwrap_or(fallback)
}

/// Turns a `KeelError` status check into a `Result` for `?`.
pub fn check(status: keel_status_t, err: &keel_error_t, context: &str) -> KeelResult<()> {
    if status == KEEL_OK {
        Ok(())
    } else {
        Err(KeelError::from_c(status, err, context))
    }
}

#[cfg(test)]
pub(crate) fn reset_poison_for_tests() {
    *lock(&POISON_MESSAGE) = String::new();
    POISONED.store(false, Ordering::Release);
}

#[cfg(test)]
pub(crate) static TEST_SERIAL: Mutex<()> = Mutex::new(());

#[cfg(test)]
pub(crate) fn serial() -> std::sync::MutexGuard<'static, ()> {
    lock(&TEST_SERIAL)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::message_of;

    #[test]
    fn ok_and_errors_pass_through() {
        let _serial = serial();
        reset_poison_for_tests();
        let mut err = keel_error_t::default();
        assert_eq!(unsafe { guard(&mut err, || Ok(())) }, KEEL_OK);
        assert_eq!(err.code, KEEL_OK);
        let status = unsafe { guard(&mut err, || Err(KeelError::invalid_argument("/vol: expected a number"))) };
        assert_eq!(status, KEEL_ERR_INVALID_ARGUMENT);
        assert_eq!(message_of(&err), "/vol: expected a number");
        assert!(!is_poisoned());
    }

    #[test]
    fn a_panic_becomes_a_fault_with_its_message_and_poisons() {
        let _serial = serial();
        reset_poison_for_tests();
        set_plugin_id("test.plugin");
        let mut err = keel_error_t::default();
        let status = unsafe {
            guard(&mut err, || {
                let items: Vec<u32> = Vec::new();
                let index = items.len() + 3;
                panic!("boom at index {}", index)
            })
        };
        assert_eq!(status, KEEL_ERR_PLUGIN_FAULT);
        let text = message_of(&err);
        assert!(text.starts_with("panic in plugin 'test.plugin' at "), "{}", text);
        assert!(text.contains("guard.rs:"), "{}", text);
        assert!(text.ends_with(": boom at index 3"), "{}", text);
        assert!(is_poisoned());

        // Poisoned: plugin code no longer runs, drops still do.
        let mut ran = false;
        let mut err2 = keel_error_t::default();
        assert_eq!(unsafe { guard(&mut err2, || { ran = true; Ok(()) }) }, KEEL_ERR_PLUGIN_FAULT);
        assert!(!ran);
        assert!(message_of(&err2).contains("poisoned by an earlier fault: panic in plugin 'test.plugin'"));
        assert_eq!(guard_value(7, || 1), 7);
        let mut dropped = false;
        assert_eq!(unsafe { guard_drop(std::ptr::null_mut(), || dropped = true) }, KEEL_OK);
        assert!(dropped);
        reset_poison_for_tests();
    }

    #[test]
    fn a_panic_in_a_drop_is_caught_too() {
        let _serial = serial();
        reset_poison_for_tests();
        let mut err = keel_error_t::default();
        let status = unsafe { guard_drop(&mut err, || panic!("drop failed")) };
        assert_eq!(status, KEEL_ERR_PLUGIN_FAULT);
        assert!(message_of(&err).ends_with(": drop failed"));
        reset_poison_for_tests();
    }

    #[test]
    fn panics_outside_a_guard_still_reach_the_previous_hook() {
        let _serial = serial();
        reset_poison_for_tests();
        install_hook();
        // Not inside a guard: the panic is the test harness's own, caught
        // here; the plugin is not poisoned by it.
        let outcome = std::panic::catch_unwind(|| panic!("outside"));
        assert!(outcome.is_err());
        assert!(!is_poisoned());
        assert!(LAST_PANIC.with(|last| last.borrow().is_none()));
    }
}
