// Loading a built provider plugin straight from the build tree, for tests of its translation
// (start/finish against canned replies). Uses Boost.DLL directly, not the core's loader, so
// plugin tests do not depend on it; the returned provider keeps its library loaded.
#pragma once

#include <memory>
#include <string>

#include "moodgate/provider.h"

namespace moodgate::testing {

// The path of the plugin `name` in this build (<build>/providers/<name>.so).
std::string built_plugin_path(const std::string& name);

// Loads <build>/providers/<name>.so and calls its factory with `settings` (REQUIREs that the
// library loads; the factory's exceptions propagate).
std::shared_ptr<sdk::Provider> load_built_provider(const std::string& name,
                                                   const sdk::Settings& settings);

}  // namespace moodgate::testing
