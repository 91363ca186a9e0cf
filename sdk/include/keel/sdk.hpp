// keel/sdk.hpp — the header-only C++ SDK for writing keel plugins.
//
// A plugin is one class per factory plus one KEEL_PLUGIN line:
//   keel/sdk/pricing_model.hpp   PricingModel base class + pricing_model_factory<T>
//   keel/sdk/strategy.hpp        Strategy base class + strategy_factory<T>
//   keel/sdk/params.hpp          strict, typed access to JSON params
//   keel/sdk/host.hpp            the host table as a C++ object
//   keel/sdk/capsule.hpp         capsules from std::vector, and their owner
//   keel/sdk/error.hpp           keel::sdk::Error and the thunk guard
//   keel/sdk/plugin.hpp          KEEL_PLUGIN: the one exported symbol
#pragma once

#include "keel/keel.h"
#include "keel/sdk/capsule.hpp"
#include "keel/sdk/error.hpp"
#include "keel/sdk/host.hpp"
#include "keel/sdk/params.hpp"
#include "keel/sdk/plugin.hpp"
#include "keel/sdk/pricing_model.hpp"
#include "keel/sdk/strategy.hpp"
