// The SDK promise: `cmake --install` puts the headers and a CMake package in place, the
// template in plugins/template builds against them outside the Moodgate tree, and the gateway
// loads the result like its own plugins.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "core/ai/plugin_loader.h"
#include "tests/support/temp_dir.h"

using namespace moodgate;

namespace {

int run(const std::string& command, const std::string& log) {
  return std::system((command + " >" + log + " 2>&1").c_str());
}

}  // namespace

TEST_CASE("a plugin built out of tree from the template against the installed SDK loads",
          "[ai][plugins][sdk]") {
  moodgate::testing::TempDir dir;
  const std::string cmake = MOODGATE_CMAKE_COMMAND;
  const std::string prefix = (dir.path() / "prefix").string();
  const std::string build = (dir.path() / "build").string();
  const std::string log = (dir.path() / "log.txt").string();
  INFO("see " << log);
  REQUIRE(run(cmake + " --install " + MOODGATE_BUILD_DIR + " --prefix " + prefix, log) == 0);
  REQUIRE(run(cmake + " -S " + MOODGATE_SOURCE_DIR + "/plugins/template -B " + build +
                  " -G Ninja -DCMAKE_PREFIX_PATH=" + prefix,
              log) == 0);
  REQUIRE(run(cmake + " --build " + build, log) == 0);

  ai::PluginLoader loader({build});
  auto plugin = loader.load("echo");
  INFO((plugin.ok() ? "" : plugin.error().message));
  REQUIRE(plugin.ok());
  CHECK((*plugin)->version == "0.1.0");
  CHECK((*plugin)->fingerprint == ai::gateway_fingerprint());
  auto provider = loader.create(*plugin, {{"base_url", "http://127.0.0.1:9"}}, "echo");
  REQUIRE(provider.ok());
  sdk::TextTask task;
  task.messages.push_back({"user", "hello"});
  const sdk::Start start = (*provider)->start(task);
  REQUIRE(std::holds_alternative<sdk::HttpRequest>(start));
  CHECK(std::get<sdk::HttpRequest>(start).url == "http://127.0.0.1:9/v1/complete");
  CHECK_FALSE(loader.create(*plugin, {}, "echo").ok());  // base_url is required
}
