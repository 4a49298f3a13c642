// The opaque page cursor: what encode_cursor() writes decode_cursor() reads back exactly, as
// URL-safe text; anything else (tampered, truncated, another version, garbage) is refused.
#include "core/store/page_cursor.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using moodgate::store::decode_cursor;
using moodgate::store::encode_cursor;
using moodgate::store::PageCursor;

namespace {

// Standard base64 with padding of `plain`, to forge cursors.
std::string forge(const std::string& plain) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < plain.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(plain[i]) << 16) |
                       (static_cast<unsigned char>(plain[i + 1]) << 8) |
                       static_cast<unsigned char>(plain[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i + 1 == plain.size()) {
    const unsigned v = static_cast<unsigned char>(plain[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (i + 2 == plain.size()) {
    const unsigned v = (static_cast<unsigned char>(plain[i]) << 16) |
                       (static_cast<unsigned char>(plain[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;  // base64url without padding, like encode_cursor()
}

}  // namespace

TEST_CASE("a cursor round-trips and is URL-safe text", "[store][cursor]") {
  const PageCursor c{"2026-11-22T09:15:02.123Z", "8f14e45f-ceea-467f-a0e6-7c5d7c1a3b2e"};
  const std::string text = encode_cursor(c);
  CHECK(
      text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
      std::string::npos);
  const auto back = decode_cursor(text);
  REQUIRE(back.has_value());
  CHECK(back->created_at == c.created_at);
  CHECK(back->id == c.id);
  // The forger's encoding matches, so the refusals below are about content, not encoding.
  CHECK(forge("c1|" + c.created_at + "|" + c.id) == text);
  // Ids are opaque: a bar inside one survives.
  const auto odd = decode_cursor(encode_cursor({c.created_at, "a|b"}));
  REQUIRE(odd.has_value());
  CHECK(odd->id == "a|b");
}

TEST_CASE("tampered, foreign and garbage cursors are refused", "[store][cursor]") {
  const std::string good = encode_cursor({"2026-11-22T09:15:02.123Z", "entry-1"});
  std::string flipped = good;
  flipped[5] = flipped[5] == 'A' ? 'B' : 'A';
  const std::vector<std::string> bad = {
      "",
      "garbage!",
      "%%%",
      good + "=",
      good.substr(0, 30),  // cut inside the time
      flipped,
      std::string(600, 'A'),
      forge("c2|2026-11-22T09:15:02.123Z|entry-1"),  // another version
      forge("2026-11-22T09:15:02.123Z|entry-1"),     // no version
      forge("c1|2026-11-22T09:15:02Z|entry-1"),      // not the stored time shape
      forge("c1|2026-11-22 09:15:02.123Z|entry-1"),
      forge("c1|yesterday|entry-1"),
      forge("c1|2026-11-22T09:15:02.123Z|"),  // no id
      forge("c1|2026-11-22T09:15:02.123Z"),   // no separator
      forge("c1|2026-11-22T09:15:02.123Z|" + std::string(65, 'x')),
      forge("c1|2026-11-22T09:15:02.123Z|x' OR '1'='1") + "==",
  };
  for (const std::string& text : bad) {
    INFO("'" << text.substr(0, 80) << "'");
    CHECK_FALSE(decode_cursor(text).has_value());
  }
}

TEST_CASE("a cursor dated outside what the clock can hold is refused, not wrapped",
          "[store][cursor]") {
  // The page_cursor fuzz target's finding: a year past 2262 overflowed the nanosecond clock.
  for (const char* at : {"2526-11-22T09:15:02.123Z", "9999-12-31T23:59:59.999Z",
                         "0000-01-01T00:00:00.000Z", "1677-09-21T00:12:43.144Z"}) {
    INFO(at);
    CHECK_FALSE(decode_cursor(encode_cursor(PageCursor{at, "id"})).has_value());
  }
  for (const char* at : {"2262-04-11T23:47:16.854Z", "1677-09-21T00:12:43.146Z"}) {
    INFO(at);
    const auto back = decode_cursor(encode_cursor(PageCursor{at, "id"}));
    REQUIRE(back.has_value());
    CHECK(back->created_at == at);
  }
}
