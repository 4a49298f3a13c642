// Fuzz target: the page cursor decoder (store::decode_cursor), which reads the `cursor` query
// parameter of every list. Any text gives a cursor or nothing; a cursor it accepts survives
// encode_cursor() and decode_cursor() again unchanged.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/store/page_cursor.h"
#include "fuzz/support/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using moodgate::store::decode_cursor;
  using moodgate::store::encode_cursor;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto cursor = decode_cursor(text);
  if (!cursor) return 0;
  FUZZ_CHECK(!cursor->id.empty() && cursor->id.size() <= 64);
  const auto again = decode_cursor(encode_cursor(*cursor));
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->created_at == cursor->created_at && again->id == cursor->id);
  return 0;
}
