//! keel-sdk: write keel pricing models and strategies in Rust.
//!
//! A keel plugin is a shared object exporting one C function,
//! `keel_plugin_entry`, which returns tables of C function pointers (the C
//! ABI in `sdk/include/keel/*.h`). This crate mirrors that ABI in
//! [`ffi`] and lets you write the plugin as ordinary Rust:
//!
//! - implement [`PricingModel`] or [`Strategy`] for your type;
//! - read params strictly with [`Params`] (unknown keys are rejected with
//!   their JSON pointer and a "did you mean");
//! - talk to the engine through [`Host`] (log, time, instruments, orders,
//!   positions, timers, other models) from inside your callbacks, and
//!   through a [`ThreadSafeHost`] from threads of your own: a `Host` is
//!   neither `Send` nor `Sync`, because orders, positions, the account,
//!   timers and model create/drop/calibrate are `[host-thread]` calls (see
//!   [`host`]);
//! - hand owned data across in a [`Capsule`];
//! - export everything with [`keel_plugin!`].
//!
//! Every function the SDK exports runs your code under [`guard()`]: an
//! error becomes a status and message, a panic becomes
//! `KEEL_ERR_PLUGIN_FAULT` with the panic's message and location and
//! poisons the plugin; nothing unwinds into the host.
//!
//! The crate has no dependencies and builds with Rust 1.63 (Debian
//! bookworm's) and `cargo build --offline`.

pub mod build;
pub mod capsule;
pub mod error;
pub mod ffi;
pub mod guard;
pub mod host;
pub mod json;
pub mod params;
pub mod plugin;
pub mod pricing;
pub mod strategy;
pub mod types;

pub use capsule::{CalibrationReport, Capsule};
pub use error::{KeelError, KeelResult};
pub use guard::{guard, guard_drop, guard_status, guard_value};
pub use host::{Host, ThreadSafeHost};
pub use json::Json;
pub use params::Params;
pub use pricing::{GreeksOut, OptionBatch, PricingModel};
pub use strategy::Strategy;
pub use types::*;
