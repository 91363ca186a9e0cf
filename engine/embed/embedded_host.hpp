// engine/embed/embedded_host.hpp — a keel host inside someone else's
// program (keel/embed.h): plugins found and loaded as `keel run` does, model
// instances created, priced and dropped by handle, with no run around them.
// libkeel's C functions (embed_api.cpp) and the Python keel.Model
// (engine/library) are both this class.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/core/status.hpp"
#include "engine/host/host.hpp"
#include "keel/keel.h"

namespace keel {

// The plugins installed with the shared object that holds `address` (a
// function of libkeel or of the Python extension): <dir>/keel/plugins for
// <prefix>/lib/libkeel.so, <prefix>/lib/keel/plugins for the extension in
// <prefix>/lib/python3/dist-packages/keel/, and build/lib/keel/plugins for
// either in the build tree. Empty when there is none.
std::filesystem::path plugins_installed_beside(const void* address);

struct EmbedSettings {
  std::vector<std::filesystem::path> plugin_path;  // searched first, in order
  bool default_path = true;                        // then KEEL_PLUGIN_PATH and `installed`
  std::filesystem::path installed;                 // plugins_installed_beside(...)
};

class EmbeddedHost {
 public:
  explicit EmbeddedHost(const EmbedSettings& settings);
  ~EmbeddedHost();
  EmbeddedHost(const EmbeddedHost&) = delete;
  EmbeddedHost& operator=(const EmbeddedHost&) = delete;

  // A plugin file loaded now, or a folder put first on the search path.
  Status load(const std::filesystem::path& path);
  // A model from a factory reference (id, FILE.so, FILE.so:ID) and params.
  Result<keel_model_handle_t> create_model(const std::string& reference,
                                           const std::string& params_json);
  Status drop_model(keel_model_handle_t handle);
  // The instance behind a handle, shared so a concurrent drop cannot free it
  // under the caller.
  Result<std::shared_ptr<ModelInstance>> model(keel_model_handle_t handle) {
    return host_.model(handle);
  }

  // Drops every model still open and returns their names ("model
  // 'keel.black_scholes'"): the ones the program did not drop itself.
  std::vector<std::string> close();

 private:
  std::mutex mutex_;  // the registry and the list of open models
  Host host_;
  std::vector<std::pair<uint64_t, std::string>> open_;  // handle bits, name
  bool closed_ = false;
};

}  // namespace keel
