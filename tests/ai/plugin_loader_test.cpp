// The plugin loader's every refusal names the file and says what is wrong; a good plugin loads
// once, makes providers that keep it loaded, and is found by name from the default directories.
#include "core/ai/plugin_loader.h"

#include <catch2/catch.hpp>

#include <filesystem>

#include "tests/support/temp_dir.h"

using namespace moodgate;
using moodgate::ai::PluginLoader;

namespace {

const std::string kFixtures = MOODGATE_FIXTURE_PLUGIN_DIR;

std::string fixture(const std::string& variant) {
  return kFixtures + "/fixture_" + variant + ".so";
}

std::string refusal(const std::string& path) {
  PluginLoader loader({});
  auto loaded = loader.load(path);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.error().code == ErrorCode::kInvalidInput);
  return loaded.error().message;
}

}  // namespace

TEST_CASE("a well-built plugin loads, reports what it exports, and makes providers",
          "[ai][plugins]") {
  PluginLoader loader({});
  auto plugin = loader.load(fixture("good"));
  REQUIRE(plugin.ok());
  CHECK((*plugin)->name == "fixture_good");
  CHECK((*plugin)->abi == sdk::kAbiVersion);
  CHECK((*plugin)->fingerprint == ai::gateway_fingerprint());
  auto again = loader.load(fixture("good"));
  REQUIRE(again.ok());
  CHECK(again->get() == plugin->get());  // loaded once

  auto provider = loader.create(*plugin, {}, "primary");
  REQUIRE(provider.ok());
  CHECK((*provider)->model() == "fixture");
  const auto start = (*provider)->start(sdk::TextTask{});
  REQUIRE(std::holds_alternative<sdk::LocalAnswer>(start));
}

TEST_CASE("a missing plugin is refused with where it was looked for", "[ai][plugins]") {
  PluginLoader loader({"/nonexistent/a", kFixtures});
  auto by_name = loader.load("nope");
  REQUIRE_FALSE(by_name.ok());
  CHECK(by_name.error().message ==
        "provider plugin \"nope\": no nope.so in /nonexistent/a, " + kFixtures);
  CHECK_THAT(refusal("/nonexistent/x.so"),
             Catch::Equals("provider plugin /nonexistent/x.so: no such file"));
  // A bare name is looked up by name: it finds the fixture in the second directory.
  CHECK(loader.load("fixture_good").ok());
}

TEST_CASE("a file that is not a loadable library is refused", "[ai][plugins]") {
  moodgate::testing::TempDir dir;
  const std::string path = dir.write("fake.so", "this is not an ELF file");
  CHECK_THAT(refusal(path), Catch::StartsWith("provider plugin " + path + ": cannot be loaded"));
}

TEST_CASE("a plugin with an undefined symbol is refused at load, not at first call",
          "[ai][plugins]") {
  const std::string message = refusal(fixture("missing_symbol"));
  CHECK_THAT(message, Catch::StartsWith("provider plugin " + fixture("missing_symbol") +
                                        ": cannot be loaded"));
  CHECK_THAT(message, Catch::Contains("moodgate_fixture_symbol_nobody_defines"));
}

TEST_CASE("a plugin without the ABI version, fingerprint or factory is refused",
          "[ai][plugins]") {
  CHECK_THAT(refusal(fixture("no_exports")),
             Catch::Contains("exports no moodgate_provider_abi_version"));
  CHECK_THAT(refusal(fixture("no_factory")), Catch::Contains("exports no create_provider"));
}

TEST_CASE("an ABI or fingerprint mismatch is refused saying what differs", "[ai][plugins]") {
  CHECK_THAT(refusal(fixture("abi_mismatch")),
             Catch::Contains("built for provider ABI 999, this gateway speaks ABI 1"));
  const std::string fp = refusal(fixture("fingerprint_mismatch"));
  CHECK_THAT(fp, Catch::Contains("gcc-99"));
  CHECK_THAT(fp, Catch::Contains(ai::gateway_fingerprint()));
}

TEST_CASE("a factory that throws or returns nothing is refused naming the instance",
          "[ai][plugins]") {
  PluginLoader loader({});
  auto throws = loader.load(fixture("throws"));
  REQUIRE(throws.ok());
  auto made = loader.create(*throws, {}, "text-primary");
  REQUIRE_FALSE(made.ok());
  CHECK(made.error().message ==
        "provider text-primary (plugin fixture_throws) rejected its settings: fixture: setting "
        "`model` is required");
  auto null = loader.load(fixture("returns_null"));
  REQUIRE(null.ok());
  auto nothing = loader.create(*null, {}, "x");
  REQUIRE_FALSE(nothing.ok());
  CHECK_THAT(nothing.error().message, Catch::EndsWith("the factory returned nothing"));
  auto good = loader.load(fixture("good"));
  REQUIRE(good.ok());
  CHECK_FALSE(loader.create(*good, {{"reject", "1"}}, "y").ok());
}

TEST_CASE("the default plugin directories find the built mock from any working directory",
          "[ai][plugins]") {
  moodgate::testing::TempDir elsewhere;
  const auto before = std::filesystem::current_path();
  std::filesystem::current_path(elsewhere.path());
  PluginLoader loader(ai::default_plugin_dirs());
  auto mock = loader.load("mock");
  std::filesystem::current_path(before);
  REQUIRE(mock.ok());
  CHECK((*mock)->name == "mock");
}
