//! Errors: the keel_status_t code of a failed call and its keel_error_t
//! message, or a check this crate made before calling libkeel.

use std::fmt;
use std::mem::MaybeUninit;

use crate::ffi::{keel_error_t, keel_status_t, KEEL_ERROR_MESSAGE_CAPACITY, KEEL_OK};
use keel_sdk::ffi as c;

/// The kind of failure: the `KEEL_ERR_*` codes of keel/status.h.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    InvalidArgument,
    Unsupported,
    StaleHandle,
    WrongKind,
    NotFound,
    NoSolution,
    NotConverged,
    BadCapsule,
    Rejected,
    OutOfMemory,
    PluginFault,
    Poisoned,
    Internal,
    WrongThread,
    /// A code this crate does not know (a newer libkeel's).
    Other(i32),
}

impl ErrorCode {
    /// The code of a keel_status_t other than KEEL_OK.
    pub fn from_raw(status: keel_status_t) -> ErrorCode {
        match status {
            c::KEEL_ERR_INVALID_ARGUMENT => ErrorCode::InvalidArgument,
            c::KEEL_ERR_UNSUPPORTED => ErrorCode::Unsupported,
            c::KEEL_ERR_STALE_HANDLE => ErrorCode::StaleHandle,
            c::KEEL_ERR_WRONG_KIND => ErrorCode::WrongKind,
            c::KEEL_ERR_NOT_FOUND => ErrorCode::NotFound,
            c::KEEL_ERR_NO_SOLUTION => ErrorCode::NoSolution,
            c::KEEL_ERR_NOT_CONVERGED => ErrorCode::NotConverged,
            c::KEEL_ERR_BAD_CAPSULE => ErrorCode::BadCapsule,
            c::KEEL_ERR_REJECTED => ErrorCode::Rejected,
            c::KEEL_ERR_OUT_OF_MEMORY => ErrorCode::OutOfMemory,
            c::KEEL_ERR_PLUGIN_FAULT => ErrorCode::PluginFault,
            c::KEEL_ERR_POISONED => ErrorCode::Poisoned,
            c::KEEL_ERR_INTERNAL => ErrorCode::Internal,
            c::KEEL_ERR_WRONG_THREAD => ErrorCode::WrongThread,
            other => ErrorCode::Other(other),
        }
    }

    /// The keel_status_t value.
    pub fn raw(self) -> keel_status_t {
        match self {
            ErrorCode::InvalidArgument => c::KEEL_ERR_INVALID_ARGUMENT,
            ErrorCode::Unsupported => c::KEEL_ERR_UNSUPPORTED,
            ErrorCode::StaleHandle => c::KEEL_ERR_STALE_HANDLE,
            ErrorCode::WrongKind => c::KEEL_ERR_WRONG_KIND,
            ErrorCode::NotFound => c::KEEL_ERR_NOT_FOUND,
            ErrorCode::NoSolution => c::KEEL_ERR_NO_SOLUTION,
            ErrorCode::NotConverged => c::KEEL_ERR_NOT_CONVERGED,
            ErrorCode::BadCapsule => c::KEEL_ERR_BAD_CAPSULE,
            ErrorCode::Rejected => c::KEEL_ERR_REJECTED,
            ErrorCode::OutOfMemory => c::KEEL_ERR_OUT_OF_MEMORY,
            ErrorCode::PluginFault => c::KEEL_ERR_PLUGIN_FAULT,
            ErrorCode::Poisoned => c::KEEL_ERR_POISONED,
            ErrorCode::Internal => c::KEEL_ERR_INTERNAL,
            ErrorCode::WrongThread => c::KEEL_ERR_WRONG_THREAD,
            ErrorCode::Other(code) => code,
        }
    }

    /// A human-readable name ("not found"), as keel prints statuses.
    pub fn name(self) -> &'static str {
        keel_sdk::error::status_name(self.raw())
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A failed call: its code and message (libkeel's keel_error_t text, which
/// names the model and, for a batch, the first failing item's index).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    code: ErrorCode,
    message: String,
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Error {
        Error { code, message: message.into() }
    }

    pub(crate) fn invalid_argument(message: impl Into<String>) -> Error {
        Error::new(ErrorCode::InvalidArgument, message)
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

/// `Result<T, keel_embed::Error>`.
pub type Result<T> = std::result::Result<T, Error>;

/// Runs one libkeel call with an error buffer and turns its status into a
/// Result. The 516-byte buffer is not zeroed (only its code and first
/// message byte are), so a successful call costs no memset: libkeel writes
/// the buffer only when it fails, and the message is read up to its NUL.
#[inline(always)]
pub(crate) fn call(f: impl FnOnce(*mut keel_error_t) -> keel_status_t) -> Result<()> {
    let mut err = MaybeUninit::<keel_error_t>::uninit();
    let raw = err.as_mut_ptr();
    // SAFETY: writing fields of our own uninitialised buffer through raw
    // pointers (no reference to uninitialised memory is made).
    unsafe {
        std::ptr::addr_of_mut!((*raw).code).write(KEEL_OK);
        std::ptr::addr_of_mut!((*raw).message).cast::<u8>().write(0);
    }
    let status = f(raw);
    if status == KEEL_OK {
        Ok(())
    } else {
        // SAFETY: the callee wrote a NUL-terminated message (or left the
        // empty one above); bytes are read one by one up to the NUL and
        // never past the buffer.
        Err(unsafe { from_buffer(status, raw) })
    }
}

#[cold]
unsafe fn from_buffer(status: keel_status_t, err: *const keel_error_t) -> Error {
    let base = std::ptr::addr_of!((*err).message).cast::<u8>();
    let mut bytes = Vec::new();
    for i in 0..KEEL_ERROR_MESSAGE_CAPACITY {
        let byte = base.add(i).read();
        if byte == 0 {
            break;
        }
        bytes.push(byte);
    }
    let code = ErrorCode::from_raw(status);
    let message = if bytes.is_empty() { code.name().to_string() } else { String::from_utf8_lossy(&bytes).into_owned() };
    Error::new(code, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_ones_are_kept() {
        for raw in 1..=14 {
            assert_eq!(ErrorCode::from_raw(raw).raw(), raw);
            assert!(!matches!(ErrorCode::from_raw(raw), ErrorCode::Other(_)));
        }
        assert_eq!(ErrorCode::from_raw(99), ErrorCode::Other(99));
        assert_eq!(ErrorCode::NotFound.to_string(), "not found");
    }

    #[test]
    fn a_failed_call_carries_its_message_and_an_empty_one_its_code_name() {
        let e = call(|err| unsafe {
            let text = b"model 'x': bad\0";
            std::ptr::copy_nonoverlapping(text.as_ptr(), (*err).message.as_mut_ptr().cast(), text.len());
            c::KEEL_ERR_INVALID_ARGUMENT
        })
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidArgument);
        assert_eq!(e.to_string(), "invalid argument: model 'x': bad");
        let e = call(|_| c::KEEL_ERR_STALE_HANDLE).unwrap_err();
        assert_eq!(e.message(), "stale handle");
        assert!(call(|_| KEEL_OK).is_ok());
    }
}
