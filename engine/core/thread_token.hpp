// engine/core/thread_token.hpp — which thread is running, cheaply.
//
// The host-thread rule (keel/host.h) is checked on every order, cancel,
// position and account call, so the check must cost about nothing: on
// x86-64 and AArch64 the token is the thread pointer register (one move,
// no call); elsewhere pthread_self(). Two live threads never share a token;
// a token may be reused by a thread started after another one ended.
#pragma once

#include <pthread.h>

namespace keel {

using ThreadToken = const void*;

inline ThreadToken current_thread_token() noexcept {
#if defined(__x86_64__) || defined(__aarch64__)
  return __builtin_thread_pointer();
#else
  return reinterpret_cast<ThreadToken>(pthread_self());
#endif
}

}  // namespace keel
