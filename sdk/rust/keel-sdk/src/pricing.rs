//! Pricing models: implement [`PricingModel`], list the type in
//! `keel_plugin!`'s `pricing_models`, and the SDK supplies the
//! `keel.pricing_model/1` table, every thunk guarded against panics.
//!
//! ```
//! use keel_sdk::{ffi::*, Host, KeelError, KeelResult, Params, PricingModel};
//!
//! struct Intrinsic;
//!
//! impl PricingModel for Intrinsic {
//!     const ID: &'static str = "acme.intrinsic";
//!     const DESCRIPTION: &'static str = "Intrinsic value, no time value";
//!     fn create(_params: &mut Params, _host: Host) -> KeelResult<Self> {
//!         Ok(Intrinsic)
//!     }
//!     fn price(&self, o: &keel_option_t) -> KeelResult<keel_greeks_t> {
//!         if !(o.spot > 0.0) {
//!             return Err(KeelError::invalid_argument("spot must be > 0"));
//!         }
//!         let call = o.right == KEEL_RIGHT_CALL;
//!         let value = if call { o.spot - o.strike } else { o.strike - o.spot };
//!         Ok(keel_greeks_t { price: value.max(0.0), ..Default::default() })
//!     }
//! }
//! # let g = Intrinsic.price(&keel_option_t { spot: 110.0, strike: 100.0, ..Default::default() }).unwrap();
//! # assert_eq!(g.price, 10.0);
//! ```

use std::ffi::CStr;
use std::os::raw::{c_char, c_void};
use std::ptr;

use crate::capsule::{CalibrationReport, Capsule};
use crate::error::{KeelError, KeelResult};
use crate::ffi::*;
use crate::guard::{guard, guard_status, guard_value};
use crate::host::Host;
use crate::params::Params;
use crate::plugin::{create_instance, drop_instance, leak_c_string};

/// A pricing model. `price`, `price_batch` and `implied_vol` are
/// [thread-safe] (the host may call them concurrently, hence `&self` and
/// `Sync`); `calibrate` is [instance-serialized] (`&mut self`).
pub trait PricingModel: Sized + Send + Sync + 'static {
    /// The factory id, unique across plugins ("acme.my_model").
    const ID: &'static str;
    /// One line for `keel plugin inspect`.
    const DESCRIPTION: &'static str;
    /// A JSON Schema (draft 2020-12) of the params object.
    const PARAMS_SCHEMA: &'static str = r#"{"type":"object","additionalProperties":false}"#;

    /// Builds an instance from its params. Read every param through
    /// `params`: the SDK rejects keys nobody asked for afterwards. A model
    /// is `Sync` and so cannot keep the [`Host`] (see [`crate::host`]); keep
    /// `host.thread_safe()`, a [`ThreadSafeHost`](crate::ThreadSafeHost),
    /// to log or price through other models from `price`.
    fn create(params: &mut Params, host: Host) -> KeelResult<Self>;

    /// Price and the five greeks (units in keel/pricing_model.h). Return
    /// `KEEL_ERR_INVALID_ARGUMENT` naming the field for bad inputs,
    /// `KEEL_ERR_UNSUPPORTED` for an exercise style the model does not price.
    fn price(&self, option: &keel_option_t) -> KeelResult<keel_greeks_t>;

    /// Prices a batch. The default calls [`price`](Self::price) per item: a
    /// failing item gets NaN and its status, the rest are still priced, and
    /// the first failure is returned with its index ("option 3: ...").
    fn price_batch(&self, options: &OptionBatch<'_>, out: &mut GreeksOut<'_>) -> KeelResult<()> {
        let mut first: Option<KeelError> = None;
        for i in 0..options.len() {
            match self.price(&options.get(i)) {
                Ok(greeks) => out.set(i, &greeks, KEEL_OK),
                Err(error) => {
                    out.set(i, &nan_greeks(), error.status);
                    if first.is_none() {
                        first = Some(KeelError::new(error.status, format!("option {}: {}", i, error.message)));
                    }
                }
            }
        }
        first.map_or(Ok(()), Err)
    }

    /// The volatility at which the price equals `premium`. Default:
    /// `KEEL_ERR_UNSUPPORTED`.
    fn implied_vol(&self, _option: &keel_option_t, _premium: f64) -> KeelResult<f64> {
        Err(KeelError::unsupported(format!("{} does not compute implied volatility", Self::ID)))
    }

    /// Fits the model to `quotes`, adopts the fit, and reports it (the SDK
    /// hands the report over in a `keel.calibration_report/1` capsule).
    /// Default: `KEEL_ERR_UNSUPPORTED`.
    fn calibrate(&mut self, _quotes: &[keel_calibration_quote_t]) -> KeelResult<CalibrationReport> {
        Err(KeelError::unsupported(format!("{} has nothing to calibrate", Self::ID)))
    }

    /// An extension table by string id ("acme.my_model.stats/1"), or NULL.
    /// The table must have static storage; its functions receive the
    /// instance pointer and should run under [`crate::guard()`] (see
    /// [`instance`] to get `&Self` back).
    fn extension(&self, _id: &str) -> *const c_void {
        ptr::null()
    }
}

/// A caller's struct-of-arrays batch, read in place.
pub struct OptionBatch<'a> {
    pub spot: &'a [f64],
    pub strike: &'a [f64],
    pub expiry: &'a [f64],
    /// `None` for implied-volatility batches, where it is ignored.
    pub vol: Option<&'a [f64]>,
    pub rate: &'a [f64],
    pub dividend: &'a [f64],
    pub right: &'a [i32],
    /// `None` means all European.
    pub exercise: Option<&'a [i32]>,
}

impl<'a> OptionBatch<'a> {
    /// Views a C batch, rejecting NULL arrays.
    ///
    /// # Safety
    /// Every non-NULL array in `raw` holds `raw.count` elements.
    pub unsafe fn from_c(raw: &'a keel_option_batch_t, needs_vol: bool) -> KeelResult<Self> {
        let n = raw.count;
        unsafe fn slice<'b, T>(p: *const T, n: usize) -> Option<&'b [T]> {
            if n == 0 {
                Some(&[])
            } else if p.is_null() {
                None
            } else {
                Some(std::slice::from_raw_parts(p, n))
            }
        }
        let null = || KeelError::invalid_argument(format!("batch of {} options has a NULL input array", n));
        let vol = slice(raw.vol, n);
        if needs_vol && vol.is_none() {
            return Err(null());
        }
        Ok(OptionBatch {
            spot: slice(raw.spot, n).ok_or_else(null)?,
            strike: slice(raw.strike, n).ok_or_else(null)?,
            expiry: slice(raw.expiry, n).ok_or_else(null)?,
            vol,
            rate: slice(raw.rate, n).ok_or_else(null)?,
            dividend: slice(raw.dividend, n).ok_or_else(null)?,
            right: slice(raw.right, n).ok_or_else(null)?,
            exercise: slice(raw.exercise, n),
        })
    }

    pub fn len(&self) -> usize {
        self.spot.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spot.is_empty()
    }

    /// Item `i` as one option.
    pub fn get(&self, i: usize) -> keel_option_t {
        keel_option_t {
            spot: self.spot[i],
            strike: self.strike[i],
            expiry: self.expiry[i],
            vol: self.vol.map_or(0.0, |v| v[i]),
            rate: self.rate[i],
            dividend: self.dividend[i],
            right: self.right[i],
            exercise: self.exercise.map_or(KEEL_EXERCISE_EUROPEAN, |e| e[i]),
        }
    }
}

/// A caller's output arrays; greeks and status the caller did not ask for
/// are `None`.
pub struct GreeksOut<'a> {
    pub price: &'a mut [f64],
    pub delta: Option<&'a mut [f64]>,
    pub gamma: Option<&'a mut [f64]>,
    pub vega: Option<&'a mut [f64]>,
    pub theta: Option<&'a mut [f64]>,
    pub rho: Option<&'a mut [f64]>,
    pub status: Option<&'a mut [keel_status_t]>,
}

impl<'a> GreeksOut<'a> {
    /// # Safety
    /// Every non-NULL array in `raw` holds `count` elements.
    pub unsafe fn from_c(raw: &keel_greeks_batch_t, count: usize) -> KeelResult<Self> {
        unsafe fn slice<'b, T>(p: *mut T, n: usize) -> Option<&'b mut [T]> {
            if p.is_null() || n == 0 {
                None
            } else {
                Some(std::slice::from_raw_parts_mut(p, n))
            }
        }
        if count != 0 && raw.price.is_null() {
            return Err(KeelError::invalid_argument("batch output has no price array"));
        }
        Ok(GreeksOut {
            price: slice(raw.price, count).unwrap_or(&mut []),
            delta: slice(raw.delta, count),
            gamma: slice(raw.gamma, count),
            vega: slice(raw.vega, count),
            theta: slice(raw.theta, count),
            rho: slice(raw.rho, count),
            status: slice(raw.status, count),
        })
    }

    /// Stores item `i`'s results and status.
    pub fn set(&mut self, i: usize, g: &keel_greeks_t, status: keel_status_t) {
        self.price[i] = g.price;
        for (array, value) in [
            (&mut self.delta, g.delta),
            (&mut self.gamma, g.gamma),
            (&mut self.vega, g.vega),
            (&mut self.theta, g.theta),
            (&mut self.rho, g.rho),
        ] {
            if let Some(array) = array.as_deref_mut() {
                array[i] = value;
            }
        }
        if let Some(statuses) = self.status.as_deref_mut() {
            statuses[i] = status;
        }
    }
}

/// Price and every greek NaN: what a failed batch item holds.
pub fn nan_greeks() -> keel_greeks_t {
    let nan = f64::NAN;
    keel_greeks_t { price: nan, delta: nan, gamma: nan, vega: nan, theta: nan, rho: nan }
}

/// The instance behind a `self` pointer the host passed (for extension
/// functions). Fails on NULL.
///
/// # Safety
/// `self_` is NULL or an instance created by `M`'s factory and not dropped.
pub unsafe fn instance<'a, M: PricingModel>(self_: *mut c_void) -> KeelResult<&'a M> {
    (self_ as *const M).as_ref().ok_or_else(|| KeelError::invalid_argument("instance is NULL"))
}

unsafe fn non_null<'a, T>(p: *const T, what: &str) -> KeelResult<&'a T> {
    p.as_ref().ok_or_else(|| KeelError::invalid_argument(format!("{} must not be NULL", what)))
}

unsafe extern "C" fn price<M: PricingModel>(
    self_: *mut c_void,
    option: *const keel_option_t,
    out: *mut keel_greeks_t,
    err: *mut keel_error_t,
) -> keel_status_t {
    guard(err, || {
        let model = instance::<M>(self_)?;
        let option = non_null(option, "option")?;
        if out.is_null() {
            return Err(KeelError::invalid_argument("out must not be NULL"));
        }
        *out = model.price(option)?;
        Ok(())
    })
}

unsafe extern "C" fn price_batch<M: PricingModel>(
    self_: *mut c_void,
    options: *const keel_option_batch_t,
    out: *const keel_greeks_batch_t,
    err: *mut keel_error_t,
) -> keel_status_t {
    guard(err, || {
        let model = instance::<M>(self_)?;
        let raw = non_null(options, "batch")?;
        let batch = OptionBatch::from_c(raw, true)?;
        if batch.is_empty() {
            return Ok(());
        }
        let mut greeks = GreeksOut::from_c(non_null(out, "batch output")?, batch.len())?;
        model.price_batch(&batch, &mut greeks)
    })
}

unsafe extern "C" fn implied_vol<M: PricingModel>(
    self_: *mut c_void,
    option: *const keel_option_t,
    premium: f64,
    out_vol: *mut f64,
    err: *mut keel_error_t,
) -> keel_status_t {
    guard(err, || {
        let model = instance::<M>(self_)?;
        let option = non_null(option, "option")?;
        if out_vol.is_null() {
            return Err(KeelError::invalid_argument("out_vol must not be NULL"));
        }
        *out_vol = model.implied_vol(option, premium)?;
        Ok(())
    })
}

unsafe extern "C" fn implied_vol_batch<M: PricingModel>(
    self_: *mut c_void,
    options: *const keel_option_batch_t,
    premiums: *const f64,
    out_vols: *mut f64,
    out_status: *mut keel_status_t,
    err: *mut keel_error_t,
) -> keel_status_t {
    guard_status(err, || {
        let model = instance::<M>(self_)?;
        let batch = OptionBatch::from_c(non_null(options, "batch")?, false)?;
        let n = batch.len();
        if n == 0 {
            return Ok(KEEL_OK);
        }
        if premiums.is_null() || out_vols.is_null() {
            return Err(KeelError::invalid_argument("premiums and out_vols must not be NULL"));
        }
        let premiums = std::slice::from_raw_parts(premiums, n);
        let vols = std::slice::from_raw_parts_mut(out_vols, n);
        let mut first = KEEL_OK;
        for i in 0..n {
            let (vol, status) = match model.implied_vol(&batch.get(i), premiums[i]) {
                Ok(vol) => (vol, KEEL_OK),
                Err(error) => {
                    if first == KEEL_OK {
                        first = crate::error::set_error(err, error.status, &format!("option {}: {}", i, error.message));
                    }
                    (f64::NAN, error.status)
                }
            };
            vols[i] = vol;
            if !out_status.is_null() {
                *out_status.add(i) = status;
            }
        }
        Ok(first)
    })
}

unsafe extern "C" fn calibrate<M: PricingModel>(
    self_: *mut c_void,
    quotes: *const keel_calibration_quote_t,
    count: usize,
    out_report: *mut keel_capsule_t,
    err: *mut keel_error_t,
) -> keel_status_t {
    guard(err, || {
        let model = (self_ as *mut M).as_mut().ok_or_else(|| KeelError::invalid_argument("instance is NULL"))?;
        if out_report.is_null() || (quotes.is_null() && count != 0) {
            return Err(KeelError::invalid_argument("quotes and out_report must not be NULL"));
        }
        let quotes = if count == 0 { &[][..] } else { std::slice::from_raw_parts(quotes, count) };
        let report = model.calibrate(quotes)?;
        *out_report = Capsule::calibration(report).into_raw();
        Ok(())
    })
}

unsafe extern "C" fn get_extension<M: PricingModel>(self_: *mut c_void, id: *const c_char) -> *const c_void {
    guard_value(ptr::null(), || {
        let model = match instance::<M>(self_) {
            Ok(model) => model,
            Err(_) => return ptr::null(),
        };
        if id.is_null() {
            return ptr::null();
        }
        match CStr::from_ptr(id).to_str() {
            Ok(id) => model.extension(id),
            Err(_) => ptr::null(),
        }
    })
}

/// The factory for `M`, with static storage (built once per process by the
/// plugin's entry).
pub fn factory<M: PricingModel>() -> &'static keel_factory_t {
    let vtable: &'static keel_pricing_model_vtable_t = Box::leak(Box::new(keel_pricing_model_vtable_t {
        struct_size: std::mem::size_of::<keel_pricing_model_vtable_t>() as u32,
        price: Some(price::<M>),
        price_batch: Some(price_batch::<M>),
        implied_vol: Some(implied_vol::<M>),
        implied_vol_batch: Some(implied_vol_batch::<M>),
        calibrate: Some(calibrate::<M>),
        get_extension: Some(get_extension::<M>),
    }));
    Box::leak(Box::new(keel_factory_t {
        struct_size: std::mem::size_of::<keel_factory_t>() as u32,
        reserved: 0,
        kind: leak_c_string(KEEL_KIND_PRICING_MODEL),
        id: leak_c_string(M::ID),
        description: leak_c_string(M::DESCRIPTION),
        params_schema: leak_c_string(M::PARAMS_SCHEMA),
        create: Some(create::<M>),
        drop: Some(drop_instance::<M>),
        methods: vtable as *const keel_pricing_model_vtable_t as *const c_void,
        context: std::ptr::null_mut(),
        create_with_context: None,
    }))
}

unsafe extern "C" fn create<M: PricingModel>(
    params_json: *const c_char,
    host: *const keel_host_t,
    out_instance: *mut *mut c_void,
    err: *mut keel_error_t,
) -> keel_status_t {
    create_instance(params_json, host, out_instance, err, M::create)
}
