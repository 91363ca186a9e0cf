// engine/embed/embedded_host.cpp
#include "engine/embed/embedded_host.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <system_error>

#include "keel/sdk/json_depth.hpp"

namespace keel {

namespace fs = std::filesystem;

fs::path plugins_installed_beside(const void* address) {
  Dl_info info{};
  if (dladdr(address, &info) == 0 || info.dli_fname == nullptr) return {};
  std::error_code ec;
  const fs::path dir = fs::canonical(info.dli_fname, ec).parent_path();
  if (ec) return {};
  // libkeel.so in <prefix>/lib (or build/lib); the extension two or three
  // folders deeper (<prefix>/lib/python3/dist-packages/keel, build/python/keel).
  for (const fs::path& candidate :
       {dir / "keel" / "plugins", dir.parent_path().parent_path() / "lib" / "keel" / "plugins",
        dir.parent_path().parent_path().parent_path() / "keel" / "plugins"}) {
    if (fs::is_directory(candidate, ec)) return candidate;
  }
  return {};
}

EmbeddedHost::EmbeddedHost(const EmbedSettings& settings) {
  // The registry puts each added folder first: the default path goes in
  // first, then plugin_path in reverse, so plugin_path[0] is searched first.
  if (settings.default_path) host_.registry().add_default_search_folders(settings.installed);
  for (auto it = settings.plugin_path.rbegin(); it != settings.plugin_path.rend(); ++it) {
    host_.registry().add_search_folder(*it);
  }
}

EmbeddedHost::~EmbeddedHost() { (void)close(); }

Status EmbeddedHost::load(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return Status(KEEL_ERR_NOT_FOUND, "'" + path.string() + "' does not exist");
  }
  std::lock_guard lock(mutex_);
  if (fs::is_directory(path, ec)) {
    host_.registry().add_search_folder(path);
    return Status::ok();
  }
  Result<PluginLibrary*> loaded = host_.registry().load_file(path);
  return loaded ? Status::ok() : loaded.status();
}

Result<keel_model_handle_t> EmbeddedHost::create_model(const std::string& reference,
                                                       const std::string& params_json) {
  const std::string params = params_json.empty() ? "{}" : params_json;
  // Refused here, before a plugin's own JSON reader sees it.
  if (auto deep = sdk::find_json_too_deep(params)) {
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  "params of '" + reference + "': " + sdk::describe_json_too_deep(*deep));
  }
  std::lock_guard lock(mutex_);
  if (closed_) return Status(KEEL_ERR_INVALID_ARGUMENT, "the keel host was closed");
  Result<const Factory*> factory =
      host_.registry().find_factory(reference, FactoryKind::pricing_model);
  if (!factory) return factory.status();
  if ((*factory)->kind != FactoryKind::pricing_model) {
    return Status(KEEL_ERR_WRONG_KIND,
                  "'" + (*factory)->id + "' is a strategy, not a pricing model");
  }
  std::string name = "model '" + (*factory)->id + "'";
  Result<keel_model_handle_t> handle = host_.create_model(**factory, params, name);
  if (handle) open_.emplace_back(handle->bits, std::move(name));
  return handle;
}

Status EmbeddedHost::drop_model(keel_model_handle_t handle) {
  Status dropped = host_.drop_model(handle);
  if (dropped || dropped.code() != KEEL_ERR_STALE_HANDLE) {
    std::lock_guard lock(mutex_);
    std::erase_if(open_, [&](const auto& entry) { return entry.first == handle.bits; });
  }
  return dropped;
}

std::vector<std::string> EmbeddedHost::close() {
  std::vector<std::string> still_open;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return still_open;
    closed_ = true;
    for (auto& [bits, name] : open_) still_open.push_back(std::move(name));
    open_.clear();
  }
  (void)host_.shutdown();
  return still_open;
}

}  // namespace keel
