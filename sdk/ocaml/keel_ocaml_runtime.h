/* keel_ocaml_runtime.h — how the OCaml SDK's C glue (keel_ocaml_glue.c)
 * enters and leaves the plugin's OCaml runtime, and what it does to the
 * process-wide state the runtime touches when it starts. Private to the
 * SDK: compiled into every OCaml plugin, hidden by its version script. */
#ifndef KEEL_OCAML_RUNTIME_H
#define KEEL_OCAML_RUNTIME_H

/* Where a thunk entered the runtime, for leaving it. */
typedef struct keel_ocaml_entry {
  char* top_of_stack; /* the runtime's idea of the stack top before the entry */
} keel_ocaml_entry_t;

/* Around caml_startup, on the thread that starts the runtime:
 * keel_ocaml_before_startup saves the host's signal state, and
 * keel_ocaml_after_startup puts the host's back where the runtime changed
 * it, except that SIGSEGV gets a handler that turns a stack overflow in
 * this plugin's OCaml code into the Stack_overflow exception and passes
 * every other fault to the host's handler. It also finds out whether the
 * plugin links OCaml's threads library. The runtime is held until
 * keel_ocaml_startup_done. */
void keel_ocaml_before_startup(void);
void keel_ocaml_after_startup(void);
void keel_ocaml_startup_done(void);

/* 1 when the plugin links OCaml's threads library (the runtime is then
 * guarded by OCaml's master lock, not by the glue's own mutex). */
int keel_ocaml_threaded(void);

/* Every call from the host into OCaml code is bracketed by these, on any
 * thread, nested or not: keel_ocaml_enter takes the runtime (the glue's
 * recursive mutex, or OCaml's master lock with the calling thread
 * registered), gives the thread an alternate signal stack the first time,
 * and records this frame as the top of the OCaml stack (which the
 * stack-overflow check needs); keel_ocaml_leave undoes it. `entry` is a
 * local of the caller. */
void keel_ocaml_enter(keel_ocaml_entry_t* entry);
void keel_ocaml_leave(keel_ocaml_entry_t* entry);

/* Around a host call made from OCaml code (a Keel.Host stub) that may call
 * back into this plugin: with threads, the master lock is not recursive,
 * so it is released for the call, and other OCaml threads may run
 * meanwhile; without threads these do nothing (the mutex is recursive).
 * Nothing may touch OCaml values in between. */
void keel_ocaml_release_for_host(void);
void keel_ocaml_reacquire_after_host(void);

#endif /* KEEL_OCAML_RUNTIME_H */
