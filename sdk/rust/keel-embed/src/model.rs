//! A model instance borrowed from its host: pricing, implied volatility,
//! calibration.

use std::ffi::CStr;
use std::os::raw::c_char;

use crate::calibration::{CalibrationQuote, CalibrationReport};
use crate::error::{call, Result};
use crate::ffi;
use crate::host::Keel;
use crate::types::{same_len, Greeks, GreeksOut, GreeksVec, OptionBatch, OptionContract};

/// A model instance (keel_model_handle_t); dropping it drops the handle,
/// exactly once. It borrows its [`Keel`], so it cannot outlive the host.
///
/// `Model` is `Send` and `Sync`: the pricing calls (`price`, `price_batch`,
/// `implied_vol`, `implied_vol_batch`) are thread-safe and take `&self`.
/// `calibrate` changes the model and may not run beside any other call on
/// it (embed.h: [instance-serialized]), so it takes `&mut self`:
///
/// ```compile_fail,E0502
/// use keel_embed::Keel;
/// let keel = Keel::open().unwrap();
/// let mut model = keel.model("keel.black_scholes", "{}").unwrap();
/// let shared = &model;
/// let report = model.calibrate(&[]); // error: `model` is also borrowed as immutable
/// shared.factory().unwrap();
/// ```
#[derive(Debug)]
pub struct Model<'k> {
    keel: &'k Keel,
    handle: ffi::keel_model_handle_t,
}

impl<'k> Model<'k> {
    pub(crate) fn new(keel: &'k Keel, handle: ffi::keel_model_handle_t) -> Self {
        Model { keel, handle }
    }

    /// The raw handle, for calls this crate does not wrap. It stays owned
    /// by this `Model`.
    pub fn handle(&self) -> ffi::keel_model_handle_t {
        self.handle
    }

    /// The factory id of the model ("keel.black_scholes").
    pub fn factory(&self) -> Result<&'k str> {
        let mut id: *const c_char = std::ptr::null();
        // SAFETY: a live handle of this host; a local out-pointer.
        call(|err| unsafe { ffi::keel_embed_model_factory(self.keel.raw(), self.handle, &mut id, err) })?;
        // SAFETY: embed.h: valid until the host is closed ('k).
        Ok(unsafe { CStr::from_ptr(id) }.to_str().unwrap_or("?"))
    }

    /// Price and all five greeks of one option.
    #[inline]
    pub fn price(&self, option: &OptionContract) -> Result<Greeks> {
        let c_option = option.to_c();
        let mut out = Greeks::default();
        // SAFETY: a live handle, valid pointers to locals.
        call(|err| unsafe { ffi::keel_embed_model_price(self.keel.raw(), self.handle, &c_option, &mut out, err) })?;
        Ok(out)
    }

    /// Prices a batch in place: reads `options`' slices and writes `out`'s,
    /// with no copy and no allocation. Every slice must have one element per
    /// option, else KEEL_ERR_INVALID_ARGUMENT before anything is priced.
    /// When some items fail, every valid item is still priced, failed items
    /// get NaN (and their code in `out.status`), and the error names the
    /// first failing index.
    #[inline]
    pub fn price_batch(&self, options: &OptionBatch<'_>, out: &mut GreeksOut<'_>) -> Result<()> {
        let c_options = options.to_c("price_batch", false)?;
        let c_out = out.to_c("price_batch", c_options.count)?;
        // SAFETY: every array has `count` elements (checked above) and
        // lives, borrowed, for the call; outputs are exclusively borrowed.
        call(|err| unsafe { ffi::keel_embed_model_price_batch(self.keel.raw(), self.handle, &c_options, &c_out, err) })
    }

    /// `price_batch` into new vectors (allocates six columns per call).
    pub fn price_batch_vec(&self, options: &OptionBatch<'_>) -> Result<GreeksVec> {
        let mut out = GreeksVec::zeros(options.len());
        self.price_batch(options, &mut out.as_out())?;
        Ok(out)
    }

    /// The volatility at which the model's price of `option` is `premium`
    /// (`option.vol` is not read).
    pub fn implied_vol(&self, option: &OptionContract, premium: f64) -> Result<f64> {
        let c_option = option.to_c();
        let mut vol = 0.0;
        // SAFETY: a live handle, valid pointers to locals.
        call(|err| unsafe {
            ffi::keel_embed_model_implied_vol(self.keel.raw(), self.handle, &c_option, premium, &mut vol, err)
        })?;
        Ok(vol)
    }

    /// Implied volatilities of a batch in place (`options.vol` is not read
    /// and may be empty): `premiums[i]` in, `out_vols[i]` out, each item's
    /// code in `out_status` when given. Failed items get NaN; the error names
    /// the first.
    pub fn implied_vol_batch(
        &self,
        options: &OptionBatch<'_>,
        premiums: &[f64],
        out_vols: &mut [f64],
        out_status: Option<&mut [ffi::keel_status_t]>,
    ) -> Result<()> {
        let c_options = options.to_c("implied_vol_batch", true)?;
        let n = c_options.count;
        same_len("implied_vol_batch", "premiums", premiums.len(), n)?;
        same_len("implied_vol_batch", "out_vols", out_vols.len(), n)?;
        let status = match out_status {
            Some(s) => {
                same_len("implied_vol_batch", "out_status", s.len(), n)?;
                s.as_mut_ptr()
            }
            None => std::ptr::null_mut(),
        };
        // SAFETY: as price_batch.
        call(|err| unsafe {
            ffi::keel_embed_model_implied_vol_batch(
                self.keel.raw(),
                self.handle,
                &c_options,
                premiums.as_ptr(),
                out_vols.as_mut_ptr(),
                status,
                err,
            )
        })
    }

    /// Fits the model to `quotes`; a model with state of its own adopts the
    /// fit for later calls. Takes `&mut self`: no other call may run on this
    /// model meanwhile. The report owns its capsule and may outlive the
    /// model and the host.
    pub fn calibrate(&mut self, quotes: &[CalibrationQuote]) -> Result<CalibrationReport> {
        let c_quotes: Vec<ffi::keel_calibration_quote_t> = quotes.iter().map(|q| q.to_c()).collect();
        let mut capsule = ffi::keel_capsule_t::empty();
        // SAFETY: a live handle, `count` quotes, a local out-capsule.
        call(|err| unsafe {
            ffi::keel_embed_model_calibrate(
                self.keel.raw(),
                self.handle,
                c_quotes.as_ptr(),
                c_quotes.len(),
                &mut capsule,
                err,
            )
        })?;
        // SAFETY: libkeel handed the capsule over; from here it is owned once.
        unsafe { CalibrationReport::from_capsule(capsule) }
    }
}

impl Drop for Model<'_> {
    fn drop(&mut self) {
        // Cannot fail for a handle this Model owns (it is dropped once, here,
        // while its host is open); nothing to report to if it did.
        let _ = call(|err| unsafe { ffi::keel_embed_model_drop(self.keel.raw(), self.handle, err) });
    }
}
