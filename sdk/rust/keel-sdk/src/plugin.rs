//! The plugin descriptor and the entry point, exported by [`keel_plugin!`](crate::keel_plugin).

use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_void};
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Once;

use crate::error::{KeelError, KeelResult};
use crate::ffi::*;
use crate::guard::{guard, guard_drop, guard_value, set_plugin_id};
use crate::host::Host;
use crate::params::Params;

/// What `keel plugin inspect` shows about the plugin.
pub struct PluginInfo {
    /// Reverse-DNS-ish plugin id ("acme.models").
    pub id: &'static str,
    pub name: &'static str,
    /// The plugin's own version ("1.2.0").
    pub version: &'static str,
    pub vendor: &'static str,
    /// One paragraph.
    pub description: &'static str,
}

/// The rustc that built the SDK (set by build.rs) and the panic strategy
/// the plugin was built with, for the descriptor's build facts: `keel
/// plugin inspect` shows them, and `keel plugin check` fails a plugin built
/// with `panic = "abort"`, where a panic ends the host process before any
/// guard can catch it.
#[cfg(not(panic = "abort"))]
pub const COMPILER: &str = concat!("rustc ", env!("KEEL_SDK_RUSTC_VERSION"), ", panic=unwind");
#[cfg(panic = "abort")]
pub const COMPILER: &str = concat!("rustc ", env!("KEEL_SDK_RUSTC_VERSION"), ", panic=abort");

/// Named by [`keel_plugin!`](crate::keel_plugin) only when the plugin is
/// compiled with `panic = "abort"`, so that building such a plugin prints
/// this note as a warning at the macro (a build script cannot tell: Cargo
/// does not pass the profile's panic strategy to build scripts).
#[doc(hidden)]
#[deprecated(note = "keel: this plugin is built with panic = \"abort\": a panic in it would end the host \
                     process with no message, and `keel plugin check` fails it; set panic = \"unwind\" in the \
                     [profile.*] sections of its Cargo.toml")]
pub const fn panic_abort_warning() {}

static DESCRIPTOR: AtomicPtr<keel_plugin_descriptor_t> = AtomicPtr::new(ptr::null_mut());
static DESCRIBE: Once = Once::new();

/// A C copy of `text` that lives for the rest of the process (descriptor
/// strings; the host never unloads a plugin). Interior NULs become '?'.
pub fn leak_c_string(text: &str) -> *const c_char {
    let c = CString::new(text.replace('\0', "?")).unwrap_or_default();
    Box::leak(c.into_boxed_c_str()).as_ptr()
}

/// The body of the generated `keel_plugin_entry`: builds the descriptor on
/// the first call (static storage from then on) and returns it; NULL if
/// building it panicked.
pub fn entry(info: &PluginInfo, factories: fn() -> Vec<&'static keel_factory_t>) -> *const keel_plugin_descriptor_t {
    set_plugin_id(info.id);
    guard_value(ptr::null(), || {
        DESCRIBE.call_once(|| {
            let list: Vec<*const keel_factory_t> = factories().into_iter().map(|f| f as *const keel_factory_t).collect();
            let list: &'static [*const keel_factory_t] = Box::leak(list.into_boxed_slice());
            let descriptor = Box::new(keel_plugin_descriptor_t {
                magic: KEEL_PLUGIN_MAGIC,
                abi_major: KEEL_ABI_VERSION_MAJOR,
                abi_minor: KEEL_ABI_VERSION_MINOR,
                struct_size: std::mem::size_of::<keel_plugin_descriptor_t>() as u32,
                reserved: 0,
                id: leak_c_string(info.id),
                name: leak_c_string(info.name),
                version: leak_c_string(info.version),
                vendor: leak_c_string(info.vendor),
                description: leak_c_string(info.description),
                build: keel_build_info_t {
                    sdk_version: leak_c_string(KEEL_SDK_VERSION_STRING),
                    language: leak_c_string("Rust"),
                    compiler: leak_c_string(COMPILER),
                    pointer_size: std::mem::size_of::<*const c_void>() as u32,
                    reserved: 0,
                },
                factory_count: list.len(),
                factories: list.as_ptr(),
                get_extension: None,
            });
            DESCRIPTOR.store(Box::into_raw(descriptor), Ordering::Release);
        });
        DESCRIPTOR.load(Ordering::Acquire) as *const keel_plugin_descriptor_t
    })
}

/// The shared body of every factory's `create`: parse the params, build the
/// instance, reject params it did not read, box it.
///
/// # Safety
/// Arguments as `keel_create_fn` specifies.
pub unsafe fn create_instance<T>(
    params_json: *const c_char,
    host: *const keel_host_t,
    out_instance: *mut *mut c_void,
    err: *mut keel_error_t,
    build: fn(&mut Params, Host) -> KeelResult<T>,
) -> keel_status_t {
    guard(err, || {
        if out_instance.is_null() {
            return Err(KeelError::invalid_argument("out_instance is NULL"));
        }
        let text = if params_json.is_null() {
            None
        } else {
            Some(CStr::from_ptr(params_json).to_str().map_err(|_| KeelError::invalid_argument("params are not valid UTF-8"))?)
        };
        let mut params = Params::parse(text)?;
        let instance = build(&mut params, Host::from_raw(host))?;
        params.reject_unknown()?;
        *out_instance = Box::into_raw(Box::new(instance)) as *mut c_void;
        Ok(())
    })
}

/// Every factory's `drop`: runs even on a poisoned plugin.
///
/// # Safety
/// `instance` is NULL or was created by the same factory and not dropped.
pub unsafe extern "C" fn drop_instance<T>(instance: *mut c_void, err: *mut keel_error_t) -> keel_status_t {
    guard_drop(err, || {
        if !instance.is_null() {
            drop(Box::from_raw(instance as *mut T));
        }
    })
}

/// Exports a plugin: the entry symbol `keel_plugin_entry` (the only symbol
/// a keel plugin exports) and its descriptor.
///
/// ```text
/// keel_sdk::keel_plugin! {
///     id: "acme.models",
///     name: "Acme models",            // optional, defaults to the id
///     version: "1.0.0",
///     vendor: "Acme",                 // optional
///     description: "What it offers.", // optional
///     pricing_models: [MyModel],      // optional
///     strategies: [MyStrategy],       // optional
/// }
/// ```
///
/// Each `key: value` ends with a comma. Build the crate as a `cdylib` whose
/// `build.rs` calls [`crate::build::export_only_entry`], so that the library
/// exports `keel_plugin_entry` and nothing else.
#[macro_export]
macro_rules! keel_plugin {
    (
        id: $id:expr,
        $(name: $name:expr,)?
        version: $version:expr,
        $(vendor: $vendor:expr,)?
        $(description: $description:expr,)?
        $(pricing_models: [$($model:ty),* $(,)?] $(,)?)?
        $(strategies: [$($strategy:ty),* $(,)?] $(,)?)?
    ) => {
        // A warning at this macro when built with panic = "abort".
        #[cfg(panic = "abort")]
        const _: () = $crate::plugin::panic_abort_warning();

        /// The plugin's entry point (keel/plugin.h): returns the descriptor.
        #[no_mangle]
        pub extern "C" fn keel_plugin_entry(
            _host_abi_major: u32,
            _host_abi_minor: u32,
            _host: *const $crate::ffi::keel_host_t,
        ) -> *const $crate::ffi::keel_plugin_descriptor_t {
            fn factories() -> ::std::vec::Vec<&'static $crate::ffi::keel_factory_t> {
                #[allow(unused_mut)]
                let mut list = ::std::vec::Vec::new();
                $($(list.push($crate::pricing::factory::<$model>());)*)?
                $($(list.push($crate::strategy::factory::<$strategy>());)*)?
                list
            }
            let info = $crate::plugin::PluginInfo {
                id: $id,
                name: $crate::__keel_or!($($name)?, $id),
                version: $version,
                vendor: $crate::__keel_or!($($vendor)?, ""),
                description: $crate::__keel_or!($($description)?, ""),
            };
            $crate::plugin::entry(&info, factories)
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __keel_or {
    ($value:expr, $fallback:expr) => {
        $value
    };
    (, $fallback:expr) => {
        $fallback
    };
}
