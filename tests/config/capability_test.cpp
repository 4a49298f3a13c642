// Capabilities by name: each has one name, the same at every edge (config keys, API, SQL), read
// back exactly; nothing else is a capability.
#include "core/config/capability.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>

using moodgate::config::Capability;
using moodgate::config::capability_from_string;
using moodgate::config::describe_chain;
using moodgate::config::kCapabilities;
using moodgate::config::to_string;

TEST_CASE("every capability has its own name and is read back from it", "[config]") {
  std::set<std::string> names;
  for (const Capability capability : kCapabilities) {
    INFO(to_string(capability));
    CHECK(capability_from_string(to_string(capability)) == capability);
    names.insert(to_string(capability));
  }
  CHECK(names == std::set<std::string>{"analysis", "scenarios", "summary", "image"});
}

TEST_CASE("a name that is not exactly a capability's is none", "[config]") {
  for (const char* name : {"", "Analysis", "images", " image", "analysis ", "poetry"}) {
    INFO(name);
    CHECK_FALSE(capability_from_string(name).has_value());
  }
}

TEST_CASE("a chain is described as its capability and its instances in order", "[config]") {
  CHECK(describe_chain(Capability::kAnalysis, {"gemini", "local"}) == "analysis=[gemini,local]");
  CHECK(describe_chain(Capability::kImage, {"nano_banana"}) == "image=[nano_banana]");
  CHECK(describe_chain(Capability::kSummary, {}) == "summary=[]");
}
