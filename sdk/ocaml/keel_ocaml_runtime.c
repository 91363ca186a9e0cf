/* keel_ocaml_runtime.c — entering and leaving a plugin's OCaml runtime, and
 * the process-wide state it touches (see keel_ocaml_runtime.h).
 *
 * The lock. OCaml 4.13 runs one thread at a time in a runtime. A plugin
 * without OCaml's threads library is guarded by a recursive mutex of the
 * glue's, so the host may call from any thread and OCaml code may call the
 * host, which may call back into the same plugin on the same thread. A
 * plugin that links threads.posix has OCaml's own master lock, which its
 * threads take and give up as they run; a host thread then registers with
 * the runtime (caml_c_thread_register, once per thread; it unregisters when
 * the thread ends) and takes the master lock for each call. A second lock
 * would deadlock: an OCaml thread calling a [thread-safe] host member that
 * calls back into this plugin would wait for the mutex held by the host
 * thread, which waits (in Thread.join) for it. The master lock is not
 * recursive, so the Keel.Host stubs release it around host calls that may
 * call back in (keel_ocaml_release_for_host).
 *
 * Stack overflow. The runtime turns a SIGSEGV in OCaml code just below the
 * stack pointer into the exception Stack_overflow, which the SDK's guard
 * catches (a fault: KEEL_ERR_PLUGIN_FAULT, and the plugin is poisoned).
 * Started from a C host, that needs three things the runtime only sets up
 * for the thread that starts it: a SIGSEGV handler, an alternate signal
 * stack on the faulting thread (the handler cannot run on the overflowed
 * stack), and the runtime's idea of where that thread's OCaml stack begins
 * (Caml_state->top_of_stack: a fault above it is not an overflow). Here the
 * handler is the glue's: it hands the runtime's handler exactly the faults
 * the runtime would recognise (which it answers by raising), and every
 * other one to the handler that was there before (the host's, a
 * sanitizer's, another plugin's), whereas the runtime's own would reset
 * SIGSEGV to the default and crash. Each thread that enters gets an
 * alternate stack if it has none, and each entry records its frame as the
 * top of the stack. What cannot be contained: an overflow in C code (the
 * runtime's GC, a C stub, the host called from OCaml) is an ordinary crash,
 * and a handler installed over the glue's later turns the detection off.
 * Implemented for Linux on x86-64 (the fault context's registers); on other
 * platforms the host's handler stays and an overflow crashes. */
#define _GNU_SOURCE /* sigaltstack, REG_RSP and REG_RIP, recursive mutexes under -std=c11 */
#define CAML_NAME_SPACE
#define CAML_INTERNALS /* the blocking-section hook and caml_find_code_fragment_by_pc */
#include <caml/codefrag.h>
#include <caml/mlvalues.h>
#include <caml/signals.h>

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "keel_ocaml_runtime.h"

#if defined(__linux__) && defined(__x86_64__)
#define KEEL_OCAML_OVERFLOW_DETECTION 1
/* The runtime's check (runtime/signals_nat.c, amd64): a word-aligned fault
 * at most this far below the stack pointer, in OCaml code. */
#define KEEL_OCAML_EXTRA_STACK 256
#else
#define KEEL_OCAML_OVERFLOW_DETECTION 0
#endif

/* Alternate signal stacks the glue gives threads: room for the handlers
 * (the glue's, the runtime's, or a host's it chains to). */
#define KEEL_OCAML_SIGNAL_STACK_SIZE (64 * 1024)

/* Defined only when the plugin links OCaml's threads library (systhreads):
 * a hidden weak reference is resolved inside the plugin or left NULL. */
extern int caml_c_thread_register(void) __attribute__((weak, visibility("hidden")));
extern int caml_c_thread_unregister(void) __attribute__((weak, visibility("hidden")));

static int threaded;
static pthread_mutex_t runtime_mutex;

/* Per thread: the alternate stack the glue gave it (or a mark when it had
 * its own), and whether the glue registered it with the threads library. */
static pthread_key_t signal_stack_key;
static pthread_key_t registered_key;
static char own_stack_mark;

static int overflow_detection;
static struct sigaction host_segv;    /* SIGSEGV's action before this runtime started */
static struct sigaction runtime_segv; /* the runtime's stack-overflow handler */
static struct sigaction host_vtalrm;  /* the threads library claims SIGVTALRM */
static stack_t host_stack;            /* the starting thread's alternate stack before */
static void (*hook_before_startup)(void);

/* ---- the SIGSEGV handler -------------------------------------------------- */

static void chain_to_host(int signal_number, siginfo_t* info, void* context) {
  if (host_segv.sa_flags & SA_SIGINFO) {
    if (host_segv.sa_sigaction != NULL) host_segv.sa_sigaction(signal_number, info, context);
    return;
  }
  if (host_segv.sa_handler != SIG_DFL && host_segv.sa_handler != SIG_IGN) {
    host_segv.sa_handler(signal_number);
    return;
  }
  /* The default action, as without this plugin: the faulting instruction
   * runs again and the process ends (a signal someone sent is sent again). */
  struct sigaction fallback;
  memset(&fallback, 0, sizeof fallback);
  fallback.sa_handler = SIG_DFL;
  sigemptyset(&fallback.sa_mask);
  sigaction(signal_number, &fallback, NULL);
  if (info->si_code <= 0) raise(signal_number);
}

#if KEEL_OCAML_OVERFLOW_DETECTION
static void on_segv(int signal_number, siginfo_t* info, void* context) {
  const ucontext_t* uc = (const ucontext_t*)context;
  char* fault = (char*)uc->uc_mcontext.gregs[REG_CR2]; /* as the runtime reads it */
  char* sp = (char*)uc->uc_mcontext.gregs[REG_RSP];
  char* pc = (char*)uc->uc_mcontext.gregs[REG_RIP];
  /* In this runtime's OCaml code (so on the thread that holds it), just
   * below the stack pointer, inside the OCaml stack this entry began. */
  if (caml_find_code_fragment_by_pc(pc) != NULL && ((uintptr_t)fault & (sizeof(value) - 1)) == 0 &&
      fault + KEEL_OCAML_EXTRA_STACK >= sp && fault < Caml_state->top_of_stack) {
    runtime_segv.sa_sigaction(signal_number, info, context); /* raises Stack_overflow */
    return;
  }
  chain_to_host(signal_number, info, context);
}
#endif

/* ---- per-thread state -------------------------------------------------------- */

static void free_signal_stack(void* stack) {
  if (stack == &own_stack_mark) return;
  stack_t current;
  if (sigaltstack(NULL, &current) == 0 && current.ss_sp == stack) {
    stack_t off;
    memset(&off, 0, sizeof off);
    off.ss_flags = SS_DISABLE;
    sigaltstack(&off, NULL);
  }
  free(stack);
}

/* An alternate signal stack for this thread, unless it has one. */
static void ensure_signal_stack(void) {
  if (!overflow_detection || pthread_getspecific(signal_stack_key) != NULL) return;
  void* mark = &own_stack_mark;
  stack_t current;
  if (sigaltstack(NULL, &current) == 0 && (current.ss_flags & SS_DISABLE)) {
    size_t size = KEEL_OCAML_SIGNAL_STACK_SIZE;
#ifdef _SC_SIGSTKSZ
    const long wanted = sysconf(_SC_SIGSTKSZ);
    if (wanted > 0 && (size_t)wanted > size) size = (size_t)wanted;
#endif
    stack_t mine;
    memset(&mine, 0, sizeof mine);
    mine.ss_sp = malloc(size);
    mine.ss_size = size;
    if (mine.ss_sp != NULL && sigaltstack(&mine, NULL) == 0) {
      mark = mine.ss_sp;
    } else {
      free(mine.ss_sp); /* no stack: an overflow on this thread crashes, as before */
    }
  }
  pthread_setspecific(signal_stack_key, mark);
}

/* The thread is ending: the threads library forgets it. */
static void unregister_thread(void* registered) {
  (void)registered;
  caml_c_thread_unregister();
}

/* ---- startup ----------------------------------------------------------------- */

void keel_ocaml_before_startup(void) {
  pthread_mutexattr_t attributes;
  pthread_mutexattr_init(&attributes);
  pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init(&runtime_mutex, &attributes);
  pthread_mutexattr_destroy(&attributes);
  pthread_key_create(&signal_stack_key, free_signal_stack);
  pthread_key_create(&registered_key, unregister_thread);

  sigaction(SIGSEGV, NULL, &host_segv);
  sigaction(SIGVTALRM, NULL, &host_vtalrm);
  sigaltstack(NULL, &host_stack);
  hook_before_startup = caml_enter_blocking_section_hook;
}

void keel_ocaml_after_startup(void) {
  /* Only the threads library replaces the blocking-section hook. */
  threaded = caml_c_thread_register != NULL &&
             caml_enter_blocking_section_hook != hook_before_startup;

  /* The threads library's handler for its preemption signal: the runtime
   * does not need it (its tick thread records the signal directly). */
  sigaction(SIGVTALRM, &host_vtalrm, NULL);

  /* The alternate stack the runtime gave this thread: freed, the host's put
   * back; ensure_signal_stack gives every thread one on its first call. */
  stack_t runtime_stack;
  if (sigaltstack(NULL, &runtime_stack) == 0 && runtime_stack.ss_sp != host_stack.ss_sp &&
      !(runtime_stack.ss_flags & SS_DISABLE)) {
    if (host_stack.ss_flags & SS_DISABLE) {
      stack_t disable;
      memset(&disable, 0, sizeof disable);
      disable.ss_flags = SS_DISABLE;
      sigaltstack(&disable, NULL);
    } else {
      host_stack.ss_flags = 0;
      sigaltstack(&host_stack, NULL);
    }
    free(runtime_stack.ss_sp);
  }

  sigaction(SIGSEGV, NULL, &runtime_segv);
#if KEEL_OCAML_OVERFLOW_DETECTION
  if ((runtime_segv.sa_flags & SA_SIGINFO) && runtime_segv.sa_sigaction != NULL &&
      !((host_segv.sa_flags & SA_SIGINFO) && host_segv.sa_sigaction == runtime_segv.sa_sigaction)) {
    struct sigaction mine;
    memset(&mine, 0, sizeof mine);
    mine.sa_sigaction = on_segv;
    /* NODEFER: the runtime's handler leaves by raising, not by returning. */
    mine.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&mine.sa_mask);
    overflow_detection = sigaction(SIGSEGV, &mine, NULL) == 0;
  }
#endif
  if (!overflow_detection) sigaction(SIGSEGV, &host_segv, NULL);
}

void keel_ocaml_startup_done(void) {
  /* The starting thread holds the master lock since caml_startup. */
  if (threaded) caml_enter_blocking_section_no_pending();
}

int keel_ocaml_threaded(void) { return threaded; }

/* ---- calls ----------------------------------------------------------------------- */

void keel_ocaml_enter(keel_ocaml_entry_t* entry) {
  ensure_signal_stack();
  if (threaded) {
    if (caml_c_thread_register() == 1) pthread_setspecific(registered_key, &own_stack_mark);
    caml_leave_blocking_section();
  } else {
    pthread_mutex_lock(&runtime_mutex);
  }
  entry->top_of_stack = Caml_state->top_of_stack;
  Caml_state->top_of_stack = (char*)(entry + 1); /* the caller's frame: OCaml's are below */
}

void keel_ocaml_leave(keel_ocaml_entry_t* entry) {
  Caml_state->top_of_stack = entry->top_of_stack;
  if (threaded) {
    caml_enter_blocking_section_no_pending(); /* runs no OCaml signal handler */
  } else {
    pthread_mutex_unlock(&runtime_mutex);
  }
}

void keel_ocaml_release_for_host(void) {
  if (threaded) caml_enter_blocking_section_no_pending();
}

void keel_ocaml_reacquire_after_host(void) {
  if (threaded) caml_leave_blocking_section();
}
