//! Capsules (rule 5): owned data crossing the boundary.
//!
//! [`Capsule`] owns one `keel_capsule_t`. Its `Drop` releases it through the
//! *producer's* destructor, exactly once; releasing an empty capsule is a
//! no-op. The same type serves both sides:
//! - a producer builds one from Rust values ([`Capsule::from_vec`],
//!   [`Capsule::calibration`]) and hands it over with [`Capsule::into_raw`];
//!   the destructor it installs is this plugin's code, so Rust's allocator
//!   frees what Rust allocated;
//! - a receiver adopts one with [`Capsule::from_raw`] and checks the tag
//!   before reading ([`Capsule::check`], [`Capsule::as_slice`]).

use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_void};
use std::panic::{self, AssertUnwindSafe};

use crate::error::{KeelError, KeelResult};
use crate::ffi::*;

/// `KEEL_CAPSULE_TAG_F64_VEC`: `double[len]`.
pub const TAG_F64_VEC: &CStr = unsafe { CStr::from_bytes_with_nul_unchecked(b"keel.f64_vec/1\0") };
/// `KEEL_CAPSULE_TAG_BYTES`: `uint8_t[len]`.
pub const TAG_BYTES: &CStr = unsafe { CStr::from_bytes_with_nul_unchecked(b"keel.bytes/1\0") };
/// `KEEL_CAPSULE_TAG_CALIBRATION`: one `keel_calibration_report_t`.
pub const TAG_CALIBRATION: &CStr =
    unsafe { CStr::from_bytes_with_nul_unchecked(b"keel.calibration_report/1\0") };

/// Owns a capsule; releases it on drop.
pub struct Capsule {
    raw: keel_capsule_t,
}

// A capsule's destructor is [thread-safe] unless its producer says otherwise
// (keel/capsule.h), and the SDK's own destructors are.
unsafe impl Send for Capsule {}

impl Capsule {
    pub fn empty() -> Self {
        Capsule { raw: keel_capsule_t::empty() }
    }

    /// Adopts a capsule received from another side (the host, another
    /// plugin): it will be released when this value drops.
    ///
    /// # Safety
    /// `raw` is a capsule nobody else will release.
    pub unsafe fn from_raw(raw: keel_capsule_t) -> Self {
        Capsule { raw }
    }

    /// Hands the capsule over (e.g. into a caller's `out_report`): the
    /// receiver now owns it and must release it.
    pub fn into_raw(self) -> keel_capsule_t {
        let raw = self.raw;
        std::mem::forget(self);
        raw
    }

    /// A capsule owning `values`, tagged `tag` (which names `T`'s layout).
    pub fn from_vec<T: Send + 'static>(tag: &'static CStr, values: Vec<T>) -> Self {
        let mut owner = Box::new(values);
        let raw = keel_capsule_t {
            tag: tag.as_ptr(),
            data: owner.as_mut_ptr() as *mut c_void,
            len: owner.len(),
            cap: owner.capacity(),
            destroy: Some(destroy_boxed::<Vec<T>>),
            destroy_context: Box::into_raw(owner) as *mut c_void,
        };
        Capsule { raw }
    }

    /// A `keel.f64_vec/1` capsule.
    pub fn f64_vec(values: Vec<f64>) -> Self {
        Self::from_vec(TAG_F64_VEC, values)
    }

    /// A `keel.bytes/1` capsule.
    pub fn bytes(values: Vec<u8>) -> Self {
        Self::from_vec(TAG_BYTES, values)
    }

    /// A `keel.calibration_report/1` capsule holding `report`; every pointer
    /// in the C view points into the capsule's own storage.
    pub fn calibration(report: CalibrationReport) -> Self {
        let names: Vec<CString> = report.parameter_names.iter().map(|name| c_string_lossy(name)).collect();
        let mut payload = Box::new(CalibrationPayload {
            name_pointers: names.iter().map(|name| name.as_ptr()).collect(),
            names,
            message: c_string_lossy(&report.message),
            parameters: report.parameters,
            residuals: report.residuals,
            view: keel_calibration_report_t {
                struct_size: std::mem::size_of::<keel_calibration_report_t>() as u32,
                converged: report.converged as i32,
                iterations: report.iterations,
                reserved: 0,
                parameter_count: 0,
                parameter_names: std::ptr::null(),
                parameters: std::ptr::null(),
                residual_count: 0,
                residuals: std::ptr::null(),
                rmse: report.rmse,
                message: std::ptr::null(),
            },
        });
        let p = &mut *payload;
        p.view.parameter_count = p.parameters.len().min(p.name_pointers.len());
        p.view.parameter_names = p.name_pointers.as_ptr();
        p.view.parameters = p.parameters.as_ptr();
        p.view.residual_count = p.residuals.len();
        p.view.residuals = p.residuals.as_ptr();
        p.view.message = p.message.as_ptr();
        let data = &mut p.view as *mut keel_calibration_report_t as *mut c_void;
        let raw = keel_capsule_t {
            tag: TAG_CALIBRATION.as_ptr(),
            data,
            len: 1,
            cap: 1,
            destroy: Some(destroy_boxed::<CalibrationPayload>),
            destroy_context: Box::into_raw(payload) as *mut c_void,
        };
        Capsule { raw }
    }

    pub fn raw(&self) -> &keel_capsule_t {
        &self.raw
    }

    /// For receiving into: a pointer to pass as a C out-parameter. Whatever
    /// the capsule held before is released first.
    pub fn as_out_ptr(&mut self) -> *mut keel_capsule_t {
        self.release();
        &mut self.raw
    }

    pub fn is_empty(&self) -> bool {
        self.raw.tag.is_null()
    }

    pub fn tag(&self) -> Option<&CStr> {
        if self.raw.tag.is_null() {
            None
        } else {
            Some(unsafe { CStr::from_ptr(self.raw.tag) })
        }
    }

    pub fn len(&self) -> usize {
        self.raw.len
    }

    /// `keel_capsule_check`: the tag is `expected_tag`, `len <= cap`, data
    /// is non-NULL when `len > 0`, and there is a destructor.
    pub fn check(&self, expected_tag: &str) -> KeelResult<()> {
        let bad = |message: String| Err(KeelError::new(KEEL_ERR_BAD_CAPSULE, message));
        let tag = match self.tag() {
            Some(tag) => tag.to_string_lossy().into_owned(),
            None => return bad("capsule is empty (no tag): it was released or never filled".into()),
        };
        if tag != expected_tag {
            return bad(format!("capsule tag is '{}', expected '{}'", tag, expected_tag));
        }
        if self.raw.len > self.raw.cap {
            return bad(format!("capsule '{}' has len {} > cap {}", tag, self.raw.len, self.raw.cap));
        }
        if self.raw.data.is_null() && self.raw.len != 0 {
            return bad(format!("capsule '{}' has a NULL data pointer with len {}", tag, self.raw.len));
        }
        if self.raw.destroy.is_none() {
            return bad(format!("capsule '{}' has no destructor: its producer must supply one", tag));
        }
        Ok(())
    }

    /// The elements, after [`check`](Self::check)ing the tag.
    ///
    /// # Safety
    /// `expected_tag` must name an element layout equal to `T`'s.
    pub unsafe fn as_slice<T>(&self, expected_tag: &str) -> KeelResult<&[T]> {
        self.check(expected_tag)?;
        if self.raw.len == 0 {
            return Ok(&[]);
        }
        Ok(std::slice::from_raw_parts(self.raw.data as *const T, self.raw.len))
    }

    /// `keel_capsule_release`: empties this capsule, then runs the
    /// producer's destructor on a copy (so it can never run twice).
    pub fn release(&mut self) {
        if self.raw.destroy.is_some() {
            let mut owned = self.raw;
            self.raw = keel_capsule_t::empty();
            if let Some(destroy) = owned.destroy {
                unsafe { destroy(&mut owned) };
            }
        } else {
            self.raw = keel_capsule_t::empty();
        }
    }
}

impl Default for Capsule {
    fn default() -> Self {
        Self::empty()
    }
}

impl Drop for Capsule {
    fn drop(&mut self) {
        self.release();
    }
}

/// What a calibration produced, as Rust values (see
/// `keel_calibration_report_t`). `parameter_names[i]` names `parameters[i]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CalibrationReport {
    pub converged: bool,
    pub iterations: u32,
    pub parameter_names: Vec<String>,
    pub parameters: Vec<f64>,
    pub residuals: Vec<f64>,
    pub rmse: f64,
    pub message: String,
}

struct CalibrationPayload {
    #[allow(dead_code)] // owns what name_pointers point into
    names: Vec<CString>,
    name_pointers: Vec<*const c_char>,
    message: CString,
    parameters: Vec<f64>,
    residuals: Vec<f64>,
    view: keel_calibration_report_t,
}

fn c_string_lossy(text: &str) -> CString {
    CString::new(text.replace('\0', "?")).unwrap_or_default()
}

/// The destructor of every capsule this SDK produces: empty the capsule
/// first (a repeated release is then a no-op), then free the box.
unsafe extern "C" fn destroy_boxed<T>(capsule: *mut keel_capsule_t) {
    let capsule = match capsule.as_mut() {
        Some(capsule) => capsule,
        None => return,
    };
    let context = capsule.destroy_context as *mut T;
    *capsule = keel_capsule_t::empty();
    if !context.is_null() {
        // A panic in T's drop must not unwind into the caller's C code.
        let _ = panic::catch_unwind(AssertUnwindSafe(|| drop(Box::from_raw(context))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn drop_runs_the_producers_destructor_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        let capsule = Capsule::from_vec(TAG_BYTES, vec![Counted(drops.clone()), Counted(drops.clone())]);
        assert_eq!(capsule.len(), 2);
        let mut raw = capsule.into_raw();
        assert_eq!(drops.load(Ordering::SeqCst), 0, "into_raw hands over, it does not free");
        // As a C receiver would: keel_capsule_release on a copy, twice.
        let mut adopted = unsafe { Capsule::from_raw(raw) };
        adopted.release();
        assert_eq!(drops.load(Ordering::SeqCst), 2);
        assert!(adopted.is_empty());
        drop(adopted); // a second release is a no-op
        assert_eq!(drops.load(Ordering::SeqCst), 2);
        // The destructor empties the capsule it is given.
        let capsule = Capsule::from_vec(TAG_BYTES, vec![Counted(drops.clone())]);
        raw = capsule.into_raw();
        unsafe { (raw.destroy.unwrap())(&mut raw) };
        assert!(raw.tag.is_null() && raw.data.is_null() && raw.destroy.is_none() && raw.len == 0);
        assert_eq!(drops.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn check_validates_like_keel_capsule_check() {
        let capsule = Capsule::f64_vec(vec![1.0, 2.5]);
        assert!(capsule.check("keel.f64_vec/1").is_ok());
        assert_eq!(unsafe { capsule.as_slice::<f64>("keel.f64_vec/1") }.unwrap(), &[1.0, 2.5]);
        let wrong = capsule.check("keel.bytes/1").unwrap_err();
        assert_eq!(wrong.status, KEEL_ERR_BAD_CAPSULE);
        assert_eq!(wrong.message, "capsule tag is 'keel.f64_vec/1', expected 'keel.bytes/1'");

        let mut raw = capsule.into_raw();
        raw.len = raw.cap + 1;
        let broken = unsafe { Capsule::from_raw(raw) };
        assert!(broken.check("keel.f64_vec/1").unwrap_err().message.contains("> cap"));
        drop(broken); // still freed by its destructor

        let empty = Capsule::empty();
        assert!(empty.check("keel.f64_vec/1").unwrap_err().message.starts_with("capsule is empty"));
    }

    #[test]
    fn calibration_capsule_exposes_a_c_view() {
        let capsule = Capsule::calibration(CalibrationReport {
            converged: true,
            iterations: 4,
            parameter_names: vec!["vol".into()],
            parameters: vec![0.25],
            residuals: vec![0.01, -0.02],
            rmse: 0.015,
            message: "fit".into(),
        });
        let view = unsafe { &capsule.as_slice::<keel_calibration_report_t>("keel.calibration_report/1").unwrap()[0] };
        assert_eq!(view.converged, 1);
        assert_eq!(view.iterations, 4);
        assert_eq!(view.parameter_count, 1);
        unsafe {
            assert_eq!(CStr::from_ptr(*view.parameter_names).to_str().unwrap(), "vol");
            assert_eq!(*view.parameters, 0.25);
            assert_eq!(std::slice::from_raw_parts(view.residuals, view.residual_count), &[0.01, -0.02]);
            assert_eq!(CStr::from_ptr(view.message).to_str().unwrap(), "fit");
        }
    }
}
