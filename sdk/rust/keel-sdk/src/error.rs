//! `KeelError`: a status code and a message, the Rust side of rule 6
//! ("errors by value").

use std::fmt;
use std::os::raw::c_char;

use crate::ffi::*;

/// A failure with a keel status code (`KEEL_ERR_*`) and a message that says
/// where and why ("/paths: expected an integer in [1, ...], got 0").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeelError {
    pub status: keel_status_t,
    pub message: String,
}

/// The result of a plugin call.
pub type KeelResult<T> = Result<T, KeelError>;

impl KeelError {
    pub fn new(status: keel_status_t, message: impl Into<String>) -> Self {
        KeelError { status, message: message.into() }
    }
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(KEEL_ERR_INVALID_ARGUMENT, message)
    }
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(KEEL_ERR_UNSUPPORTED, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(KEEL_ERR_INTERNAL, message)
    }

    /// Reads a status and the message a callee wrote into `err` (the status
    /// name when it wrote none), prefixed with `context` ("order_submit").
    pub fn from_c(status: keel_status_t, err: &keel_error_t, context: &str) -> Self {
        let written = message_of(err);
        let text = if written.is_empty() { status_name(status).to_string() } else { written };
        if context.is_empty() {
            KeelError::new(status, text)
        } else {
            KeelError::new(status, format!("{}: {}", context, text))
        }
    }

    /// Writes this error into a caller's `keel_error_t` (may be NULL) and
    /// returns the status, never `KEEL_OK` (an error with status 0 becomes
    /// `KEEL_ERR_INTERNAL`).
    ///
    /// # Safety
    /// `err` is NULL or points to a writable `keel_error_t`.
    pub unsafe fn write_to(&self, err: *mut keel_error_t) -> keel_status_t {
        let status = if self.status == KEEL_OK { KEEL_ERR_INTERNAL } else { self.status };
        set_error(err, status, &self.message)
    }
}

impl fmt::Display for KeelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", status_name(self.status), self.message)
    }
}

impl std::error::Error for KeelError {}

/// `keel_error_set`: writes `status` and `message` (truncated on a UTF-8
/// character boundary to fit, always NUL-terminated) into `err` when it is
/// not NULL, and returns `status`.
///
/// # Safety
/// `err` is NULL or points to a writable `keel_error_t`.
pub unsafe fn set_error(err: *mut keel_error_t, status: keel_status_t, message: &str) -> keel_status_t {
    if let Some(err) = err.as_mut() {
        err.code = status;
        let mut end = message.len().min(KEEL_ERROR_MESSAGE_CAPACITY - 1);
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        for (slot, byte) in err.message.iter_mut().zip(message.as_bytes()[..end].iter()) {
            // An interior NUL would cut the message short; show it instead.
            *slot = if *byte == 0 { b'?' as c_char } else { *byte as c_char };
        }
        err.message[end] = 0;
    }
    status
}

/// The NUL-terminated message in `err`, lossily decoded.
pub fn message_of(err: &keel_error_t) -> String {
    let bytes: Vec<u8> = err.message.iter().take_while(|c| **c != 0).map(|c| *c as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `keel_status_name`: a stable human-readable name for a status.
pub fn status_name(status: keel_status_t) -> &'static str {
    match status {
        KEEL_OK => "ok",
        KEEL_ERR_INVALID_ARGUMENT => "invalid argument",
        KEEL_ERR_UNSUPPORTED => "unsupported",
        KEEL_ERR_STALE_HANDLE => "stale handle",
        KEEL_ERR_WRONG_KIND => "wrong handle kind",
        KEEL_ERR_NOT_FOUND => "not found",
        KEEL_ERR_NO_SOLUTION => "no solution",
        KEEL_ERR_NOT_CONVERGED => "not converged",
        KEEL_ERR_BAD_CAPSULE => "bad capsule",
        KEEL_ERR_REJECTED => "rejected",
        KEEL_ERR_OUT_OF_MEMORY => "out of memory",
        KEEL_ERR_PLUGIN_FAULT => "plugin fault",
        KEEL_ERR_POISONED => "plugin poisoned",
        KEEL_ERR_INTERNAL => "internal error",
        KEEL_ERR_WRONG_THREAD => "wrong thread",
        _ => "unknown status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_error_truncates_on_a_char_boundary_and_terminates() {
        let mut err = keel_error_t::default();
        let long = "é".repeat(400); // 800 bytes
        let status = unsafe { set_error(&mut err, KEEL_ERR_NOT_FOUND, &long) };
        assert_eq!(status, KEEL_ERR_NOT_FOUND);
        assert_eq!(err.code, KEEL_ERR_NOT_FOUND);
        let text = message_of(&err);
        assert_eq!(text, "é".repeat(255)); // 510 bytes: 511 would split a character
        assert_eq!(unsafe { set_error(std::ptr::null_mut(), KEEL_ERR_INTERNAL, "x") }, KEEL_ERR_INTERNAL);
    }

    #[test]
    fn from_c_falls_back_to_the_status_name() {
        let err = keel_error_t::default();
        let e = KeelError::from_c(KEEL_ERR_STALE_HANDLE, &err, "order_cancel");
        assert_eq!(e.message, "order_cancel: stale handle");
        assert_eq!(e.to_string(), "stale handle: order_cancel: stale handle");
    }

    #[test]
    fn an_error_with_status_ok_is_reported_as_internal() {
        let mut err = keel_error_t::default();
        let status = unsafe { KeelError::new(KEEL_OK, "oops").write_to(&mut err) };
        assert_eq!(status, KEEL_ERR_INTERNAL);
        assert_eq!(message_of(&err), "oops");
    }
}
