//! Calibration: market quotes in, a report out that owns the model's
//! capsule (keel/capsule.h) and releases it exactly once.

use std::ffi::CStr;
use std::os::raw::c_char;

use crate::error::{Error, ErrorCode, Result};
use crate::ffi;
use crate::types::OptionContract;

/// A market quote to fit: the option (its `vol` is not read), its observed
/// premium and a weight (> 0) in the least-squares objective.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CalibrationQuote {
    pub option: OptionContract,
    pub premium: f64,
    pub weight: f64,
}

impl CalibrationQuote {
    pub(crate) fn to_c(&self) -> ffi::keel_calibration_quote_t {
        ffi::keel_calibration_quote_t { option: self.option.to_c(), premium: self.premium, weight: self.weight }
    }
}

/// What `Model::calibrate` returns: the KEEL_CAPSULE_TAG_CALIBRATION capsule,
/// owned. Dropping the report releases the capsule once (running the
/// model's own destructor). It may outlive the model and the host: keel
/// never unloads a plugin's code (embed.h, rule 9 of the ABI contract).
#[derive(Debug)]
pub struct CalibrationReport {
    capsule: ffi::keel_capsule_t,
}

// SAFETY: the report is read-only once made, and releasing it runs the
// producer's destructor, which frees memory (no thread affinity).
unsafe impl Send for CalibrationReport {}
unsafe impl Sync for CalibrationReport {}

/// The size of keel_calibration_report_t in ABI 1.0 (every field up to
/// `message`): a smaller struct_size is a bad capsule.
const REPORT_1_0_SIZE: usize = std::mem::size_of::<ffi::keel_calibration_report_t>();

impl CalibrationReport {
    /// Takes ownership of `capsule` after checking it (keel_capsule_check:
    /// tag, len, data, destructor, struct_size); a bad one is released and
    /// reported as KEEL_ERR_BAD_CAPSULE.
    ///
    /// # Safety
    /// `capsule` was handed over by a model and is released by nothing else.
    pub(crate) unsafe fn from_capsule(capsule: ffi::keel_capsule_t) -> Result<Self> {
        let report = CalibrationReport { capsule };
        let tag_ok = !capsule.tag.is_null()
            && CStr::from_ptr(capsule.tag).to_bytes() == ffi::KEEL_CAPSULE_TAG_CALIBRATION.as_bytes();
        let shape_ok = capsule.len == 1 && capsule.len <= capsule.cap && !capsule.data.is_null();
        let destroy_ok = capsule.destroy.is_some();
        if !(tag_ok && shape_ok && destroy_ok) {
            return Err(Error::new(
                ErrorCode::BadCapsule,
                format!(
                    "calibrate: the model returned a capsule that is not one {} report (tag ok: {}, \
                     len {} cap {}, data {}, destructor {})",
                    ffi::KEEL_CAPSULE_TAG_CALIBRATION,
                    tag_ok,
                    capsule.len,
                    capsule.cap,
                    if capsule.data.is_null() { "NULL" } else { "set" },
                    if destroy_ok { "set" } else { "NULL" }
                ),
            )); // `report` drops here and releases what there is.
        }
        let size = (*report.raw()).struct_size as usize;
        if size < REPORT_1_0_SIZE {
            return Err(Error::new(
                ErrorCode::BadCapsule,
                format!("calibrate: report struct_size {} is smaller than ABI 1.0's {}", size, REPORT_1_0_SIZE),
            ));
        }
        Ok(report)
    }

    fn raw(&self) -> &ffi::keel_calibration_report_t {
        // SAFETY: checked in from_capsule; the capsule lives as long as self.
        unsafe { &*(self.capsule.data as *const ffi::keel_calibration_report_t) }
    }

    /// Whether the fit met its tolerance.
    pub fn converged(&self) -> bool {
        self.raw().converged != 0
    }

    pub fn iterations(&self) -> u32 {
        self.raw().iterations
    }

    /// The fitted parameters by name, in the model's order ("vol" for
    /// Black-Scholes).
    pub fn parameters(&self) -> Vec<(String, f64)> {
        let raw = self.raw();
        (0..raw.parameter_count)
            .map(|i| {
                // SAFETY: parameter_count names and values, owned by the capsule.
                unsafe { (text(*raw.parameter_names.add(i)).to_string(), *raw.parameters.add(i)) }
            })
            .collect()
    }

    /// One residual (model minus market premium) per quote.
    pub fn residuals(&self) -> &[f64] {
        let raw = self.raw();
        if raw.residual_count == 0 || raw.residuals.is_null() {
            return &[];
        }
        // SAFETY: residual_count values owned by the capsule, which self owns.
        unsafe { std::slice::from_raw_parts(raw.residuals, raw.residual_count) }
    }

    /// The weighted root-mean-square residual.
    pub fn rmse(&self) -> f64 {
        self.raw().rmse
    }

    /// A one-line summary.
    pub fn message(&self) -> &str {
        // SAFETY: a NUL-terminated string owned by the capsule (or NULL).
        unsafe { text(self.raw().message) }
    }
}

/// A C string owned by the capsule, as &str ("" for NULL or non-UTF-8).
unsafe fn text<'a>(p: *const c_char) -> &'a str {
    if p.is_null() {
        ""
    } else {
        CStr::from_ptr(p).to_str().unwrap_or("")
    }
}

impl Drop for CalibrationReport {
    fn drop(&mut self) {
        // SAFETY: this report owns the capsule; release empties it first.
        unsafe { ffi::keel_capsule_release(&mut self.capsule) }
    }
}
