// Placeholder until the mock provider lands (being written now); keeps the build whole.
#include <stdexcept>

#include "moodgate/provider.h"

namespace {

class MockProvider final : public moodgate::sdk::Provider {
 public:
  std::vector<moodgate::sdk::Capability> capabilities() const override {
    return {moodgate::sdk::Capability::kText, moodgate::sdk::Capability::kImage};
  }
  std::string model() const override { return "mock-1"; }
  moodgate::sdk::Start start(const moodgate::sdk::Task&) const override {
    return moodgate::sdk::Failure{moodgate::sdk::FailureKind::kUnavailable, "not yet", {}};
  }
  moodgate::sdk::Next finish(const moodgate::sdk::Task&, const moodgate::sdk::HttpRequest&,
                             const moodgate::sdk::HttpReply&) const override {
    return moodgate::sdk::Failure{moodgate::sdk::FailureKind::kBadResponse, "no I/O", {}};
  }
};

std::unique_ptr<moodgate::sdk::Provider> create(const moodgate::sdk::Settings&) {
  return std::make_unique<MockProvider>();
}

}  // namespace

MOODGATE_EXPORT_PROVIDER(create)
