//! keel-embed: keel's pricing models in a Rust program, a safe wrapper over
//! the embedding API `keel/embed.h` (the shared library libkeel).
//!
//! ```no_run
//! use keel_embed::{GreeksVec, Keel, OptionBatch, OptionContract, Right};
//!
//! # fn main() -> keel_embed::Result<()> {
//! let keel = Keel::open()?;                       // finds keel's plugins
//! let bs = keel.model("keel.black_scholes", "{}")?;
//! let g = bs.price(&OptionContract::european(Right::Call, 60.0, 65.0, 0.25, 0.3, 0.08, 0.0))?;
//! println!("{} {}", g.price, g.delta);
//!
//! let spot = [100.0, 100.0];
//! let batch = OptionBatch {
//!     spot: &spot, strike: &[90.0, 110.0], expiry: &[0.5, 0.5], vol: &[0.2, 0.2],
//!     rate: &[0.03, 0.03], dividend: &[0.0, 0.0], right: &[Right::Call, Right::Put],
//!     exercise: None,
//! };
//! let mut out = GreeksVec::zeros(batch.len());   // reuse across calls
//! bs.price_batch(&batch, &mut out.as_out())?;    // zero copy, no allocation
//! # Ok(()) }
//! ```
//!
//! Safety by types:
//! - a [`Model`] borrows its [`Keel`], so it cannot outlive it, and its
//!   `Drop` drops the handle exactly once; a [`CalibrationReport`] owns its
//!   capsule and releases it exactly once (it may outlive both);
//! - [`Keel`] and [`Model`] are `Send + Sync` (libkeel's calls are
//!   thread-safe); [`Model::calibrate`] takes `&mut self` because it may not
//!   run beside another call on the same model;
//! - batches are slices checked for equal lengths before libkeel is called,
//!   then passed as pointers (no copy).
//!
//! Linking: build.rs links `-lkeel` from `$KEEL_LIB_DIR` (build/lib of a
//! keel build tree, <prefix>/lib of an install), else from
//! `pkg-config --variable=libdir keel`, and fails saying to set
//! KEEL_LIB_DIR. It hands the folder to the build script of a crate that
//! depends on keel-embed as the variable `DEP_KEEL_LIBDIR`; a binary's
//! build.rs gives itself an rpath with
//! `println!("cargo:rustc-link-arg=-Wl,-rpath,{}", std::env::var("DEP_KEEL_LIBDIR").unwrap())`
//! (or run it with LD_LIBRARY_PATH). libkeel finds keel's shipped plugins
//! beside itself (<libdir>/keel/plugins).
//!
//! The C header is sdk/include/keel/embed.h (installed as
//! <prefix>/include/keel/embed.h): it is the specification of every call.
//! No dependencies but keel-sdk (for the C structs); builds with Rust 1.63
//! and `cargo build --offline`.

mod calibration;
mod error;
pub mod ffi;
mod host;
mod model;
mod types;

pub use calibration::{CalibrationQuote, CalibrationReport};
pub use error::{Error, ErrorCode, Result};
pub use host::{Keel, Options};
pub use model::Model;
pub use types::{Exercise, Greeks, GreeksOut, GreeksVec, OptionBatch, OptionContract, Right};
