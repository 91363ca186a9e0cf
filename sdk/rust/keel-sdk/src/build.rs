//! For a plugin's `build.rs` (add keel-sdk as a build-dependency too):
//!
//! ```no_run
//! fn main() {
//!     keel_sdk::build::export_only_entry();
//! }
//! ```
//!
//! ABI rule 1: a plugin exports exactly one symbol, `keel_plugin_entry`;
//! the loader refuses a library that exports more. rustc's `cdylib` already
//! exports only `#[no_mangle]` functions, but this makes it a linker rule:
//! a version script whose only global is the entry.

use std::path::PathBuf;

/// The version script keel plugins link with (sdk/cmake/keel_plugin.map).
pub const VERSION_SCRIPT: &str = "{\n  global: keel_plugin_entry;\n  local: *;\n};\n";

/// Writes the version script to `$OUT_DIR` and tells cargo to link the
/// crate's cdylib with it. Call from `build.rs` only.
pub fn export_only_entry() {
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR: call this from build.rs"));
    let script = out_dir.join("keel_plugin.map");
    std::fs::write(&script, VERSION_SCRIPT).expect("write the keel plugin version script");
    println!("cargo:rustc-cdylib-link-arg=-Wl,--version-script={}", script.display());
    println!("cargo:rerun-if-changed=build.rs");
}
