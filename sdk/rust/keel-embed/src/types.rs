//! What goes in and out of a model: one option, a batch of them as slices
//! (read and written in place: no copy), greeks.

use crate::error::{Error, Result};
use crate::ffi::{keel_greeks_batch_t, keel_option_batch_t, keel_option_t, keel_status_t};
use keel_sdk::ffi as c;

/// Price and the five greeks (keel_greeks_t itself).
pub type Greeks = crate::ffi::keel_greeks_t;

/// Call or put. `#[repr(i32)]` with the KEEL_RIGHT_* values, so a `&[Right]`
/// is passed to libkeel as the `int32_t` array it is.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Right {
    Call = c::KEEL_RIGHT_CALL,
    Put = c::KEEL_RIGHT_PUT,
}

/// European or American. `#[repr(i32)]` with the KEEL_EXERCISE_* values.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Exercise {
    European = c::KEEL_EXERCISE_EUROPEAN,
    American = c::KEEL_EXERCISE_AMERICAN,
}

/// One option to price (keel_option_t with typed right and exercise).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OptionContract {
    pub spot: f64,
    pub strike: f64,
    /// In years.
    pub expiry: f64,
    pub vol: f64,
    pub rate: f64,
    pub dividend: f64,
    pub right: Right,
    pub exercise: Exercise,
}

impl OptionContract {
    /// A European option.
    pub fn european(right: Right, spot: f64, strike: f64, expiry: f64, vol: f64, rate: f64, dividend: f64) -> Self {
        OptionContract { spot, strike, expiry, vol, rate, dividend, right, exercise: Exercise::European }
    }

    #[inline]
    pub(crate) fn to_c(self) -> keel_option_t {
        keel_option_t {
            spot: self.spot,
            strike: self.strike,
            expiry: self.expiry,
            vol: self.vol,
            rate: self.rate,
            dividend: self.dividend,
            right: self.right as i32,
            exercise: self.exercise as i32,
        }
    }
}

/// A portfolio as struct-of-arrays, borrowed: every slice has the same
/// length (checked by each call, before calling libkeel) and is handed to
/// libkeel as a pointer, never copied.
#[derive(Clone, Copy, Debug)]
pub struct OptionBatch<'a> {
    pub spot: &'a [f64],
    pub strike: &'a [f64],
    pub expiry: &'a [f64],
    /// Not read by implied-volatility calls: may be empty there.
    pub vol: &'a [f64],
    pub rate: &'a [f64],
    pub dividend: &'a [f64],
    pub right: &'a [Right],
    /// `None`: every option is European.
    pub exercise: Option<&'a [Exercise]>,
}

impl<'a> OptionBatch<'a> {
    /// The number of options (the length of `spot`).
    pub fn len(&self) -> usize {
        self.spot.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spot.is_empty()
    }

    /// The C view, after checking that every array has len() elements
    /// (`vol` may also be empty when `vol_optional`).
    pub(crate) fn to_c(&self, call: &str, vol_optional: bool) -> Result<keel_option_batch_t> {
        let n = self.len();
        same_len(call, "strike", self.strike.len(), n)?;
        same_len(call, "expiry", self.expiry.len(), n)?;
        if !(vol_optional && self.vol.is_empty()) {
            same_len(call, "vol", self.vol.len(), n)?;
        }
        same_len(call, "rate", self.rate.len(), n)?;
        same_len(call, "dividend", self.dividend.len(), n)?;
        same_len(call, "right", self.right.len(), n)?;
        if let Some(exercise) = self.exercise {
            same_len(call, "exercise", exercise.len(), n)?;
        }
        Ok(keel_option_batch_t {
            count: n,
            spot: self.spot.as_ptr(),
            strike: self.strike.as_ptr(),
            expiry: self.expiry.as_ptr(),
            vol: if self.vol.is_empty() { std::ptr::null() } else { self.vol.as_ptr() },
            rate: self.rate.as_ptr(),
            dividend: self.dividend.as_ptr(),
            // Right and Exercise are #[repr(i32)]: the same bytes as int32_t.
            right: self.right.as_ptr().cast::<i32>(),
            exercise: self.exercise.map_or(std::ptr::null(), |e| e.as_ptr().cast::<i32>()),
        })
    }
}

pub(crate) fn same_len(call: &str, name: &str, len: usize, n: usize) -> Result<()> {
    if len == n {
        Ok(())
    } else {
        Err(Error::invalid_argument(format!(
            "{}: `{}` has {} elements but the batch has {} (the length of `spot`): every array \
             of a batch has one element per option",
            call, name, len, n
        )))
    }
}

/// Where a batch's results go, borrowed: `price` is required, each greek
/// and `status` (each item's keel_status_t) are optional. Every slice given
/// has one element per option (checked before calling libkeel).
#[derive(Debug)]
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
    /// Prices only.
    pub fn price_only(price: &'a mut [f64]) -> Self {
        GreeksOut { price, delta: None, gamma: None, vega: None, theta: None, rho: None, status: None }
    }

    /// The price and all five greeks.
    pub fn all(
        price: &'a mut [f64],
        delta: &'a mut [f64],
        gamma: &'a mut [f64],
        vega: &'a mut [f64],
        theta: &'a mut [f64],
        rho: &'a mut [f64],
    ) -> Self {
        GreeksOut {
            price,
            delta: Some(delta),
            gamma: Some(gamma),
            vega: Some(vega),
            theta: Some(theta),
            rho: Some(rho),
            status: None,
        }
    }

    pub(crate) fn to_c(&mut self, call: &str, n: usize) -> Result<keel_greeks_batch_t> {
        fn opt(call: &str, name: &str, s: &mut Option<&mut [f64]>, n: usize) -> Result<*mut f64> {
            match s {
                Some(s) => same_len(call, name, s.len(), n).map(|_| s.as_mut_ptr()),
                None => Ok(std::ptr::null_mut()),
            }
        }
        same_len(call, "price", self.price.len(), n)?;
        let status = match &mut self.status {
            Some(s) => same_len(call, "status", s.len(), n).map(|_| s.as_mut_ptr())?,
            None => std::ptr::null_mut(),
        };
        Ok(keel_greeks_batch_t {
            price: self.price.as_mut_ptr(),
            delta: opt(call, "delta", &mut self.delta, n)?,
            gamma: opt(call, "gamma", &mut self.gamma, n)?,
            vega: opt(call, "vega", &mut self.vega, n)?,
            theta: opt(call, "theta", &mut self.theta, n)?,
            rho: opt(call, "rho", &mut self.rho, n)?,
            status,
        })
    }
}

/// A batch's price and greeks in owned vectors (`Model::price_batch_vec`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GreeksVec {
    pub price: Vec<f64>,
    pub delta: Vec<f64>,
    pub gamma: Vec<f64>,
    pub vega: Vec<f64>,
    pub theta: Vec<f64>,
    pub rho: Vec<f64>,
}

impl GreeksVec {
    /// `n` zeros in each column.
    pub fn zeros(n: usize) -> Self {
        GreeksVec {
            price: vec![0.0; n],
            delta: vec![0.0; n],
            gamma: vec![0.0; n],
            vega: vec![0.0; n],
            theta: vec![0.0; n],
            rho: vec![0.0; n],
        }
    }

    pub fn len(&self) -> usize {
        self.price.len()
    }

    pub fn is_empty(&self) -> bool {
        self.price.is_empty()
    }

    /// All six columns as a batch's output (reuse one GreeksVec across calls).
    pub fn as_out(&mut self) -> GreeksOut<'_> {
        GreeksOut::all(
            &mut self.price,
            &mut self.delta,
            &mut self.gamma,
            &mut self.vega,
            &mut self.theta,
            &mut self.rho,
        )
    }

    /// Row `i` as a Greeks.
    pub fn get(&self, i: usize) -> Greeks {
        Greeks {
            price: self.price[i],
            delta: self.delta[i],
            gamma: self.gamma[i],
            vega: self.vega[i],
            theta: self.theta[i],
            rho: self.rho[i],
        }
    }
}

// Right and Exercise are handed to C as int32_t arrays.
const _: () = assert!(std::mem::size_of::<Right>() == 4 && std::mem::align_of::<Right>() == 4);
const _: () = assert!(std::mem::size_of::<Exercise>() == 4 && std::mem::align_of::<Exercise>() == 4);
