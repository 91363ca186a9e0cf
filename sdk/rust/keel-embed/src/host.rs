//! An open keel host: finds and loads pricing-model plugins, creates models.

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::ptr::NonNull;

use crate::error::{call, Error, ErrorCode, Result};
use crate::ffi;
use crate::model::Model;

/// How to open a host (keel_embed_options_t).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Folders searched for plugins first, before KEEL_PLUGIN_PATH and the
    /// plugins installed with libkeel.
    pub plugin_path: Vec<PathBuf>,
    /// Search only `plugin_path` and what [`Keel::load`] names
    /// (KEEL_EMBED_NO_DEFAULT_PATH).
    pub no_default_path: bool,
}

/// An open host (keel_embed_t); dropping it closes it.
///
/// Every model and calibration report borrows the host, so none can outlive
/// it: a closed host or a dropped model cannot be used (the compiler says
/// so), and by the time the host closes every model has been dropped.
///
/// `Keel` is `Send` and `Sync`: libkeel's calls are thread-safe (embed.h),
/// so one host may be shared by threads (`&Keel`, an `Arc<Keel>`, a scoped
/// thread).
///
/// ```compile_fail,E0597
/// use keel_embed::Keel;
/// let model = {
///     let keel = Keel::open().unwrap();
///     keel.model("keel.black_scholes", "{}").unwrap()
/// }; // error: `keel` does not live long enough
/// ```
#[derive(Debug)]
pub struct Keel {
    raw: NonNull<ffi::keel_embed_t>,
}

// SAFETY: keel/embed.h: a keel_embed_t may be used from any thread and its
// calls are [thread-safe], except close, which takes `self` (or runs in
// Drop), so it cannot race another call on a borrowed host.
unsafe impl Send for Keel {}
unsafe impl Sync for Keel {}

fn c_string(what: &str, text: &str) -> Result<CString> {
    CString::new(text).map_err(|_| Error::invalid_argument(format!("{} {:?} contains a NUL byte", what, text)))
}

fn path_text<'p>(what: &str, path: &'p Path) -> Result<&'p str> {
    path.to_str().ok_or_else(|| Error::invalid_argument(format!("{} {} is not UTF-8", what, path.display())))
}

impl Keel {
    /// Opens a host with the default plugin search path.
    pub fn open() -> Result<Keel> {
        Keel::open_raw(None, 0)
    }

    /// Opens a host with `options`.
    pub fn open_with(options: &Options) -> Result<Keel> {
        let mut joined = String::new();
        for (i, dir) in options.plugin_path.iter().enumerate() {
            let text = path_text("plugin_path folder", dir)?;
            if text.contains(':') {
                return Err(Error::invalid_argument(format!(
                    "plugin_path folder {} contains ':', the path separator",
                    text
                )));
            }
            if i > 0 {
                joined.push(':');
            }
            joined.push_str(text);
        }
        let path = if joined.is_empty() { None } else { Some(c_string("plugin_path", &joined)?) };
        let flags = if options.no_default_path { ffi::KEEL_EMBED_NO_DEFAULT_PATH } else { 0 };
        Keel::open_raw(path.as_ref(), flags)
    }

    fn open_raw(plugin_path: Option<&CString>, flags: u32) -> Result<Keel> {
        let options = ffi::keel_embed_options_t {
            struct_size: std::mem::size_of::<ffi::keel_embed_options_t>() as u32,
            flags,
            plugin_path: plugin_path.map_or(std::ptr::null(), |p| p.as_ptr()),
        };
        let mut raw: *mut ffi::keel_embed_t = std::ptr::null_mut();
        // SAFETY: valid pointers to locals; libkeel copies the path.
        call(|err| unsafe { ffi::keel_embed_open(&options, &mut raw, err) })?;
        NonNull::new(raw)
            .map(|raw| Keel { raw })
            .ok_or_else(|| Error::new(ErrorCode::Internal, "keel_embed_open returned KEEL_OK and no host"))
    }

    /// The embedding API version of the libkeel actually loaded: (major, minor).
    pub fn version() -> (u16, u16) {
        // SAFETY: no arguments.
        let v = unsafe { ffi::keel_embed_version() };
        ((v >> 16) as u16, (v & 0xFFFF) as u16)
    }

    /// Loads a plugin file now, or puts a folder first on the search path.
    pub fn load(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let text = c_string("plugin path", path_text("plugin path", path)?)?;
        // SAFETY: an open host and a NUL-terminated path.
        call(|err| unsafe { ffi::keel_embed_load(self.raw.as_ptr(), text.as_ptr(), err) })
    }

    /// Creates a model: `model` is a factory id ("keel.black_scholes"), a
    /// plugin file, or "FILE.so:ID"; `params_json` a JSON object ("" or
    /// "{}" for none). The model is dropped when the `Model` is.
    pub fn model(&self, model: &str, params_json: &str) -> Result<Model<'_>> {
        let name = c_string("model", model)?;
        let params = c_string("params", params_json)?;
        let mut handle = ffi::keel_model_handle_t::default();
        // SAFETY: an open host, NUL-terminated strings, a local out-handle.
        call(|err| unsafe {
            ffi::keel_embed_model_create(self.raw.as_ptr(), name.as_ptr(), params.as_ptr(), &mut handle, err)
        })?;
        Ok(Model::new(self, handle))
    }

    /// Closes the host now and says whether that went cleanly (dropping a
    /// `Keel` does the same and ignores the answer). It fails only when a
    /// model was leaked (`std::mem::forget`): it is dropped all the same
    /// and the message names it.
    pub fn close(self) -> Result<()> {
        let raw = self.raw.as_ptr();
        std::mem::forget(self);
        // SAFETY: the host is open and `self` is gone, so nothing can use it.
        call(|err| unsafe { ffi::keel_embed_close(raw, err) })
    }

    pub(crate) fn raw(&self) -> *mut ffi::keel_embed_t {
        self.raw.as_ptr()
    }
}

impl Drop for Keel {
    fn drop(&mut self) {
        // Nothing to report to: Keel::close is the call that answers.
        let _ = call(|err| unsafe { ffi::keel_embed_close(self.raw.as_ptr(), err) });
    }
}
