// PageCursor: where a newest-first page of a list ended, as the opaque `cursor` of API.md.
//
// Lists are ordered by (created_at DESC, id DESC); the next page starts strictly after the last
// row shown, so rows inserted meanwhile (newer, hence earlier in the order) never shift it: no
// row is shown twice or skipped. created_at must be stored with millisecond precision (the
// repositories write it from C++), or a row could compare after its own cursor.
// The text is base64url of a versioned "created_at|id"; clients must treat it as opaque.
// Thread-safe (pure functions).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace moodgate::store {

// API.md's page sizes: `limit` 1..100, 20 when the client names none.
inline constexpr int kDefaultPageSize = 20;
inline constexpr int kMaxPageSize = 100;

struct PageCursor {
  std::string created_at;  // RFC 3339 ms, as format_rfc3339_ms() writes it
  std::string id;
};

// The opaque text for `cursor`.
std::string encode_cursor(const PageCursor& cursor);
// The cursor `text` names; nullopt when it is not one encode_cursor() made.
std::optional<PageCursor> decode_cursor(std::string_view text);

}  // namespace moodgate::store
