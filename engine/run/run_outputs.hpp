// engine/run/run_outputs.hpp — what a run's report says about the run itself,
// for every front end that runs one (`keel run`, keel.run in Python): the
// manifest of what the run is made of, and the summary of a run that never
// started.
#pragma once

#include <string>

#include "engine/config/run_config.hpp"
#include "engine/core/status.hpp"
#include "engine/host/host.hpp"
#include "engine/report/run_report.hpp"

namespace keel {

// What the run is made of, as far as the run file says: keel's version, the
// seed, the SHA-256 of `run_text` (the run file's bytes as read; it may have
// been a pipe) and of every data file. `run_file` names it.
Manifest start_manifest(const RunConfig& config, const std::string& run_file,
                        const std::string& run_text);

// Adds the plugins the host has loaded (sorted by path), with their hashes
// and factories, replacing any listed before.
void add_plugins(Manifest& manifest, Host& host);

// summary.json of a run that failed before its first event: "failed: <why>",
// its cash as equity.
RunSummary not_started(const RunConfig& config, const Status& why);

}  // namespace keel
