/* keel/keel.h — the whole C ABI of keel, version 1.
 *
 * One concern per header:
 *   keel/version.h        ABI and SDK versions, KEEL_HAS_MEMBER
 *   keel/status.h         status codes and the error struct
 *   keel/handle.h         typed, generation-counted handles
 *   keel/capsule.h        owned data crossing the boundary
 *   keel/market.h         instruments, market events, orders, fills, positions
 *   keel/pricing_model.h  the "keel.pricing-model/1" table
 *   keel/strategy.h       the "keel.strategy/1" table
 *   keel/host.h           the host table every instance receives
 *   keel/plugin.h         the entry point, descriptor and factories */
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
