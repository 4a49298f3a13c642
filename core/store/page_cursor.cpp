#include "core/store/page_cursor.h"

#include <sodium.h>

#include <vector>

#include "core/common/time_format.h"

namespace moodgate::store {
namespace {

constexpr std::string_view kVersion = "c1|";
constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
constexpr std::size_t kMaxCursorBytes = 512;

}  // namespace

std::string encode_cursor(const PageCursor& cursor) {
  const std::string plain = std::string(kVersion) + cursor.created_at + "|" + cursor.id;
  std::string out(sodium_base64_ENCODED_LEN(plain.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(plain.data()),
                    plain.size(), kVariant);
  out.resize(out.find('\0'));
  return out;
}

std::optional<PageCursor> decode_cursor(std::string_view text) {
  if (text.empty() || text.size() > kMaxCursorBytes) return std::nullopt;
  std::vector<unsigned char> plain(text.size());
  std::size_t len = 0;
  if (sodium_base642bin(plain.data(), plain.size(), text.data(), text.size(), nullptr, &len,
                        nullptr, kVariant) != 0) {
    return std::nullopt;
  }
  std::string_view s(reinterpret_cast<const char*>(plain.data()), len);
  if (s.substr(0, kVersion.size()) != kVersion) return std::nullopt;
  s.remove_prefix(kVersion.size());
  const auto bar = s.find('|');
  if (bar == std::string_view::npos) return std::nullopt;
  PageCursor cursor{std::string(s.substr(0, bar)), std::string(s.substr(bar + 1))};
  if (!parse_rfc3339_ms(cursor.created_at) || cursor.id.empty() || cursor.id.size() > 64) {
    return std::nullopt;
  }
  return cursor;
}

}  // namespace moodgate::store
