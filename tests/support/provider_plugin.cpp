#include "tests/support/provider_plugin.h"

#include <boost/dll/import.hpp>
#include <boost/dll/shared_library.hpp>
#include <catch2/catch.hpp>

namespace moodgate::testing {

std::string built_plugin_path(const std::string& name) {
  return std::string(MOODGATE_BUILD_PROVIDER_DIR) + "/" + name + ".so";
}

std::shared_ptr<sdk::Provider> load_built_provider(const std::string& name,
                                                   const sdk::Settings& settings) {
  auto library = std::make_shared<boost::dll::shared_library>(
      built_plugin_path(name), boost::dll::load_mode::rtld_now);
  REQUIRE(library->has("create_provider"));
  auto& factory = library->get_alias<sdk::Factory>("create_provider");
  std::unique_ptr<sdk::Provider> provider = factory(settings);
  REQUIRE(provider);
  sdk::Provider* raw = provider.release();
  // The deleter holds the library: the object never outlives its code.
  return std::shared_ptr<sdk::Provider>(raw, [library](sdk::Provider* p) { delete p; });
}

}  // namespace moodgate::testing
