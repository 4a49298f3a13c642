// Reading a text column that holds one of an enum's names (a status, a capability).
//
// The schema's CHECK constraints admit only those names, but a row written by another version
// or by hand may hold something else. That is an error the repository reports, never a guess:
// enum_column() throws, and Database::run() turns the exception into kInternal and logs which
// column held what.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace moodgate::store {

// The value `from_string` finds in `text`, read from `column` ("table.column"); throws
// std::runtime_error naming both when it finds none.
template <typename Enum>
Enum enum_column(std::string_view column, const std::string& text,
                 std::optional<Enum> (*from_string)(std::string_view)) {
  if (const std::optional<Enum> value = from_string(text)) return *value;
  throw std::runtime_error(std::string(column) + " holds an unknown value '" + text + "'");
}

}  // namespace moodgate::store
