#include "core/ai/plugin_loader.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/dll/shared_library.hpp>
#include <cstring>
#include <exception>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace moodgate::ai {
namespace {

namespace fs = std::filesystem;

Error refused(const std::string& path, const std::string& what) {
  return {ErrorCode::kInvalidInput, "provider plugin " + path + ": " + what};
}

fs::path executable_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::current_path() : exe.parent_path();
}

// The bytes of a NUL-terminated string exported by the library, bounded.
std::string exported_string(const char* text) {
  return std::string(text, strnlen(text, 512));
}

}  // namespace

std::vector<std::string> default_plugin_dirs() {
  const fs::path dir = executable_dir();
  return {(dir / "providers").string(), (dir.parent_path() / "providers").string(),
          (dir.parent_path() / "lib" / "moodgate" / "providers").string()};
}

const char* gateway_fingerprint() {
  return MOODGATE_SDK_FINGERPRINT;
}

PluginLoader::PluginLoader(std::vector<std::string> dirs) : dirs_(std::move(dirs)) {}

Result<std::string> PluginLoader::resolve(const std::string& name_or_path) const {
  std::error_code ec;
  if (name_or_path.find('/') != std::string::npos) {
    const fs::path path = fs::absolute(name_or_path, ec);
    if (!fs::is_regular_file(path, ec)) return refused(name_or_path, "no such file");
    return path.lexically_normal().string();
  }
  if (name_or_path.empty() || name_or_path.front() == '.') {
    return Error(ErrorCode::kInvalidInput, "provider plugin name \"" + name_or_path +
                                               "\" is not a name (use a path for a file)");
  }
  std::string searched;
  for (const std::string& dir : dirs_) {
    const fs::path candidate = fs::absolute(fs::path(dir) / (name_or_path + ".so"), ec);
    if (fs::is_regular_file(candidate, ec)) return candidate.lexically_normal().string();
    searched += (searched.empty() ? "" : ", ") + dir;
  }
  return Error(ErrorCode::kInvalidInput, "provider plugin \"" + name_or_path + "\": no " +
                                             name_or_path + ".so in " +
                                             (searched.empty() ? "(no plugin directories)" : searched));
}

Result<std::shared_ptr<const LoadedPlugin>> PluginLoader::load(const std::string& name_or_path) {
  auto path = resolve(name_or_path);
  if (!path) return std::move(path).error();
  std::lock_guard lock(mu_);
  if (auto it = loaded_.find(*path); it != loaded_.end()) return it->second;

  auto plugin = std::make_shared<LoadedPlugin>();
  plugin->path = *path;
  plugin->name = fs::path(*path).stem().string();
  try {
    plugin->library = std::make_shared<boost::dll::shared_library>(
        *path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    // dlerror() text: names the missing symbol or the bad ELF, never a secret.
    return refused(*path, std::string("cannot be loaded: ") + e.what());
  }
  boost::dll::shared_library& lib = *plugin->library;
  if (!lib.has("moodgate_provider_abi_version")) {
    return refused(*path, "exports no moodgate_provider_abi_version (not built with "
                          "MOODGATE_EXPORT_PROVIDER?)");
  }
  plugin->abi = lib.get<const std::uint32_t>("moodgate_provider_abi_version");
  if (plugin->abi != sdk::kAbiVersion) {
    return refused(*path, "built for provider ABI " + std::to_string(plugin->abi) +
                              ", this gateway speaks ABI " + std::to_string(sdk::kAbiVersion) +
                              "; rebuild it against this SDK");
  }
  if (!lib.has("moodgate_provider_fingerprint")) {
    return refused(*path, "exports no moodgate_provider_fingerprint");
  }
  plugin->fingerprint = exported_string(&lib.get<const char>("moodgate_provider_fingerprint"));
  if (plugin->fingerprint != gateway_fingerprint()) {
    return refused(*path, "build fingerprint \"" + plugin->fingerprint +
                              "\" differs from the gateway's \"" + gateway_fingerprint() +
                              "\"; rebuild it with the same compiler and SDK");
  }
  if (!lib.has("create_provider")) {
    return refused(*path, "exports no create_provider factory");
  }
  plugin->factory = &lib.get_alias<sdk::Factory>("create_provider");
  if (lib.has("moodgate_provider_version")) {
    plugin->version = exported_string(&lib.get<const char>("moodgate_provider_version"));
  }
  spdlog::info("loaded provider plugin {} from {}", plugin->name, plugin->path);
  loaded_.emplace(*path, plugin);
  return std::shared_ptr<const LoadedPlugin>(plugin);
}

Result<std::shared_ptr<sdk::Provider>> PluginLoader::create(
    const std::shared_ptr<const LoadedPlugin>& plugin, const sdk::Settings& settings,
    const std::string& instance) {
  std::unique_ptr<sdk::Provider> made;
  const std::string who = "provider " + instance + " (plugin " + plugin->name + ")";
  try {
    made = plugin->factory(settings);
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInvalidInput, who + " rejected its settings: " + e.what());
  } catch (...) {
    return Error(ErrorCode::kInvalidInput, who + " failed to start (a non-standard exception)");
  }
  if (!made) return Error(ErrorCode::kInvalidInput, who + ": the factory returned nothing");
  // The object's code lives in the library: the deleter keeps the library loaded meanwhile.
  auto library = plugin->library;
  return std::shared_ptr<sdk::Provider>(made.release(),
                                        [library](sdk::Provider* p) { delete p; });
}

}  // namespace moodgate::ai
