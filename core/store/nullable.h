// Binding and reading SQL NULLs through SOCI, shared by the repositories: OptionalText binds a
// value that may be NULL (SOCI wants a text and a non-const indicator that outlive the
// statement), optional_from() reads a column fetched with an indicator back as an optional.
#pragma once

#include <soci/soci.h>

#include <optional>
#include <string>
#include <utility>

namespace moodgate::store {

struct OptionalText {
  explicit OptionalText(const std::optional<std::string>& v)
      : text(v.value_or("")), ind(v ? soci::i_ok : soci::i_null) {}
  // `v` when `present`, else NULL.
  OptionalText(std::string v, bool present)
      : text(std::move(v)), ind(present ? soci::i_ok : soci::i_null) {}
  std::string text;
  soci::indicator ind;
};

// `value` unless the column was NULL.
template <typename T>
std::optional<T> optional_from(const T& value, soci::indicator ind) {
  if (ind != soci::i_ok) return std::nullopt;
  return value;
}

}  // namespace moodgate::store
