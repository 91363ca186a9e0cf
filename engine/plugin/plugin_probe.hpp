// engine/plugin/plugin_probe.hpp — what a plugin file offers, learnt without
// loading it into this process.
//
// Finding a factory by id means knowing the ids every file on the search
// path offers, and only the entry function can say: running it is running
// the plugin's code. A stray or broken .so in a search folder must not
// crash or hang a run that does not use it, so each file is asked in a
// child process (fork; the child loads it with PluginLibrary::load, writes
// its ids to a pipe and exits). A child that crashes, exits without an
// answer or takes longer than the timeout is reported as a problem with
// the file; this process never ran its code. Only the plugins a run uses
// are then loaded here. Answers are kept for the life of the process (per
// file identity: device, inode, size, mtime), so many runs in one process
// ask each file once.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/core/status.hpp"
#include "keel/keel.h"

namespace keel {

struct PluginProbe {
  std::string plugin_id;
  std::vector<std::string> factory_ids;  // factories of kinds this host knows
};

// Asks `file` for its ids in a child process. KEEL_ERR_INVALID_ARGUMENT with
// the loader's findings when the file is not a loadable keel plugin,
// KEEL_ERR_PLUGIN_FAULT when the child died (naming the signal) or did not
// answer within `timeout`.
Result<PluginProbe> probe_plugin(const std::filesystem::path& file, const keel_host_t* load_host,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace keel
