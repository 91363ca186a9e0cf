//! The functions of `keel/embed.h` (sdk/include/keel/embed.h, the
//! specification) and its one struct. The structs they share with the plugin
//! ABI (options, greeks, batches, errors, capsules, handles) are keel-sdk's
//! mirrors, re-exported here.
#![allow(non_camel_case_types)]

use std::os::raw::c_char;

pub use keel_sdk::ffi::{
    keel_calibration_quote_t, keel_calibration_report_t, keel_capsule_t, keel_error_t, keel_greeks_batch_t,
    keel_greeks_t, keel_model_handle_t, keel_option_batch_t, keel_option_t, keel_status_t,
    KEEL_CAPSULE_TAG_CALIBRATION, KEEL_ERROR_MESSAGE_CAPACITY, KEEL_OK,
};

/// An open host (opaque).
#[repr(C)]
pub struct keel_embed_t {
    _private: [u8; 0],
}

pub const KEEL_EMBED_VERSION_MAJOR: u32 = 1;
pub const KEEL_EMBED_VERSION_MINOR: u32 = 0;
pub const KEEL_EMBED_NO_DEFAULT_PATH: u32 = 1;

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct keel_embed_options_t {
    pub struct_size: u32,
    pub flags: u32,
    pub plugin_path: *const c_char,
}

extern "C" {
    pub fn keel_embed_version() -> u32;
    pub fn keel_embed_open(
        options: *const keel_embed_options_t,
        out_keel: *mut *mut keel_embed_t,
        err: *mut keel_error_t,
    ) -> keel_status_t;
    pub fn keel_embed_close(keel: *mut keel_embed_t, err: *mut keel_error_t) -> keel_status_t;
    pub fn keel_embed_load(keel: *mut keel_embed_t, path: *const c_char, err: *mut keel_error_t) -> keel_status_t;
    pub fn keel_embed_model_create(
        keel: *mut keel_embed_t,
        model: *const c_char,
        params_json: *const c_char,
        out_model: *mut keel_model_handle_t,
        err: *mut keel_error_t,
    ) -> keel_status_t;
    pub fn keel_embed_model_drop(
        keel: *mut keel_embed_t,
        model: keel_model_handle_t,
        err: *mut keel_error_t,
    ) -> keel_status_t;
    pub fn keel_embed_model_factory(
        keel: *mut keel_embed_t,
        model: keel_model_handle_t,
        out_factory_id: *mut *const c_char,
        err: *mut keel_error_t,
    ) -> keel_status_t;
    pub fn keel_embed_model_price(
        keel: *mut keel_embed_t,
        model: keel_model_handle_t,
        option: *const keel_option_t,
        out: *mut keel_greeks_t,
        err: *mut keel_error_t,
    ) -> keel_status_t;
    pub fn keel_embed_model_price_batch(
        keel: *mut keel_embed_t,
        model: keel_model_handle_t,
        options: *const keel_option_batch_t,
        out: *const keel_greeks_batch_t,
        err: *mut keel_error_t,
    ) -> keel_status_t;
    pub fn keel_embed_model_implied_vol(
        keel: *mut keel_embed_t,
        model: keel_model_handle_t,
        option: *const keel_option_t,
        premium: f64,
        out_vol: *mut f64,
        err: *mut keel_error_t,
    ) -> keel_status_t;
    pub fn keel_embed_model_implied_vol_batch(
        keel: *mut keel_embed_t,
        model: keel_model_handle_t,
        options: *const keel_option_batch_t,
        premiums: *const f64,
        out_vols: *mut f64,
        out_status: *mut keel_status_t,
        err: *mut keel_error_t,
    ) -> keel_status_t;
    pub fn keel_embed_model_calibrate(
        keel: *mut keel_embed_t,
        model: keel_model_handle_t,
        quotes: *const keel_calibration_quote_t,
        count: usize,
        out_report: *mut keel_capsule_t,
        err: *mut keel_error_t,
    ) -> keel_status_t;
}

/// `keel_capsule_release` (a static inline function of keel/capsule.h, so
/// not in libkeel): empties the capsule, then runs its producer's destructor.
///
/// # Safety
/// `capsule` is a valid capsule (or empty) that nothing else will release.
pub unsafe fn keel_capsule_release(capsule: *mut keel_capsule_t) {
    if capsule.is_null() {
        return;
    }
    if let Some(destroy) = (*capsule).destroy {
        let mut owned = *capsule;
        *capsule = keel_capsule_t::empty();
        destroy(&mut owned);
    }
}
