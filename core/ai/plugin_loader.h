// PluginLoader: finds provider plugins (.so files), loads them with Boost.DLL and checks them
// before anything of theirs runs.
//
// A plugin is named either by a bare name ("gemini": <dir>/gemini.so in the first plugin
// directory that has it) or by a path (anything with a '/': taken as is). Loading uses
// RTLD_NOW, so a missing symbol fails here and not at the first call. Then the loader requires
// the plugin's ABI version to equal the SDK's and its build fingerprint (SDK, compiler, C++ ABI,
// standard) to equal the gateway's own, and a `create_provider` factory. Every refusal is an
// Error (kInvalidInput) whose message names the file and says what is wrong.
//
// A library, once loaded, stays loaded for the life of the process (plugins are never
// unloaded: code of theirs may still be referenced). Every Provider made through create() holds
// its library. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "moodgate/provider.h"

namespace boost::dll {
class shared_library;
}

namespace moodgate::ai {

struct LoadedPlugin {
  std::string name;         // the file's stem, e.g. "gemini"
  std::string path;         // absolute
  std::uint32_t abi = 0;    // what the plugin exports
  std::string fingerprint;  // what the plugin exports
  std::string version;      // MOODGATE_PROVIDER_VERSION, or "" when it exports none
  std::shared_ptr<boost::dll::shared_library> library;
  sdk::Factory* factory = nullptr;
};

// The directories searched by default: beside the executable (`providers/`), its parent's
// `providers/` (the build tree seen from build/<preset>/tests), and `../lib/moodgate/providers`
// (an installed gateway). Found from /proc/self/exe, so the working directory does not matter.
std::vector<std::string> default_plugin_dirs();

// The fingerprint this gateway was built with (MOODGATE_SDK_FINGERPRINT).
const char* gateway_fingerprint();

class PluginLoader {
 public:
  // `dirs` are searched in order for bare names; relative ones are taken from the working
  // directory.
  explicit PluginLoader(std::vector<std::string> dirs);

  // The plugin for `name_or_path`, loaded and checked (the same object on later calls).
  Result<std::shared_ptr<const LoadedPlugin>> load(const std::string& name_or_path);

  // A provider made by `plugin`'s factory with `settings`. A factory that throws or returns
  // nothing is refused with a message naming the instance and the plugin. The provider holds
  // the library.
  Result<std::shared_ptr<sdk::Provider>> create(const std::shared_ptr<const LoadedPlugin>& plugin,
                                                const sdk::Settings& settings,
                                                const std::string& instance);

  const std::vector<std::string>& dirs() const { return dirs_; }

 private:
  Result<std::string> resolve(const std::string& name_or_path) const;

  std::vector<std::string> dirs_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const LoadedPlugin>> loaded_;  // by absolute path
};

}  // namespace moodgate::ai
