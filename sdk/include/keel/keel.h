/* keel/keel.h — the whole C ABI of keel, version 1.1.
 *
 * One concern per header:
 *   keel/version.h        ABI and SDK versions, what a minor version promises,
 *                         KEEL_HAS_MEMBER
 *   keel/status.h         status codes and the error struct
 *   keel/handle.h         typed, generation-counted handles
 *   keel/capsule.h        owned data crossing the boundary
 *   keel/market.h         instruments, market events, orders, fills, positions
 *   keel/pricing_model.h  the "keel.pricing_model/1" table
 *   keel/strategy.h       the "keel.strategy/1" table
 *   keel/host.h           the host table every instance receives
 *   keel/plugin.h         the entry point, descriptor and factories
 *
 * Thread tags. Every member of every table says on which thread it may be
 * called, in one of three tags:
 *   [host-thread]          called only on the thread the host is running the
 *                          caller on. For a plugin's own members (create,
 *                          drop, on_start, ...) the host promises it: it
 *                          calls them from its run thread, one at a time.
 *                          For a host-table member (keel/host.h) the plugin
 *                          must keep it: only from inside a call the host is
 *                          making on that instance, on that call's thread;
 *                          the host checks and refuses any other thread
 *                          with KEEL_ERR_WRONG_THREAD.
 *   [instance-serialized]  never called concurrently on one instance, but
 *                          consecutive calls may come from different threads
 *                          (the plugin must not keep thread-local state
 *                          between calls).
 *   [thread-safe]          callable from any thread at any time, also
 *                          concurrently on one instance.
 *
 * Errors. Every member that returns keel_status_t returns KEEL_OK or a code
 * from keel/status.h, and on failure writes a message into the caller's
 * keel_error_t (which may be NULL). Each member's comment lists the codes it
 * returns for expected failures; any member may also return
 * KEEL_ERR_PLUGIN_FAULT (a caught exception, panic or runtime error), after
 * which the host poisons the plugin (only drops are called on it), and
 * KEEL_ERR_OUT_OF_MEMORY.
 *
 * Ids. Table kinds, extensions and capsule tags share one scheme:
 *     <vendor>.<name>[.<name>...]/<major>
 * lower case, words joined by '_', a '.' between a name and a name inside it
 * ("keel.strategy.events_consumed/1" is an extension of "keel.strategy/1"),
 * and after '/' the major version of that table or layout, bumped only for an
 * incompatible change (a compatible change grows the struct at its end, see
 * keel/version.h). keel's own ids begin with "keel."; a third party's with
 * its own vendor name. ABI 1.0 spelled one kind differently,
 * "keel.pricing-model/1" (KEEL_KIND_PRICING_MODEL_1_0): a 1.x host accepts
 * it from a plugin forever, and writes only the new spelling. */
#ifndef KEEL_KEEL_H
#define KEEL_KEEL_H

#include "keel/capsule.h"
#include "keel/handle.h"
#include "keel/host.h"
#include "keel/market.h"
#include "keel/plugin.h"
#include "keel/pricing_model.h"
#include "keel/status.h"
#include "keel/strategy.h"
#include "keel/version.h"

#endif /* KEEL_KEEL_H */
