// Fuzz target: the nano_banana plugin as shipped (nano_banana.so through the gateway's plugin
// loader) reading a generateContent reply to an image task: providers/nano_banana/image_reply.cpp
// and base64.cpp over gemini_common's reply reader and error mapping.
//
// Input: <status><flags><payload>, as for gemini_reply (fuzz_plugin.h): `flags` bit 1 takes the
// payload's first line as a Retry-After header; the rest is the body.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "fuzz/support/fuzz_check.h"
#include "fuzz/support/fuzz_input.h"
#include "fuzz/support/fuzz_plugin.h"

namespace {

using namespace moodgate;

struct Setup {
  const sdk::Provider& provider =
      fuzz::built_provider("nano_banana", fuzz::gemini_settings("gemini-2.5-flash-image"));
  const sdk::Task task = sdk::ImageTask{"A calm sea at dawn, in watercolour", "1:1", ""};
  const sdk::HttpRequest sent = std::get<sdk::HttpRequest>(provider.start(task));
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Setup setup;
  fuzz::FuzzInput input(data, size);
  const std::uint8_t status = input.byte();
  const std::uint8_t flags = input.byte();
  const sdk::HttpReply reply = fuzz::reply_from(status, input, (flags & 2) != 0);

  const std::optional<sdk::Result> result =
      fuzz::finish_checked(setup.provider, setup.task, setup.sent, reply);
  if (!result) return 0;
  const auto* image = std::get_if<sdk::ImageOutput>(&result->output);
  FUZZ_CHECK(image != nullptr && !image->bytes.empty());
  FUZZ_CHECK(image->mime_type.rfind("image/", 0) == 0);
  return 0;
}
