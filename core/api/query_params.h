// Reading the query parameters of API.md's lists and filters, with a 400 naming the parameter
// when one is malformed: `limit` (1..100, default 20), booleans (`analyze=false`), and times
// (`from`, `to`) given as a date (YYYY-MM-DD, a UTC day) or an RFC 3339 timestamp with any
// offset and fraction. Times come back as RFC 3339 UTC text with milliseconds, the form the
// store compares. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/common/result.h"
#include "core/http/http_types.h"
#include "core/store/page_cursor.h"

namespace moodgate::api {

using store::kDefaultPageSize;
using store::kMaxPageSize;

// `limit`: absent -> 20; otherwise an integer 1..100.
Result<int> page_limit(const http::HttpRequest& request);

// A boolean parameter: absent -> `fallback`; "true"/"1" or "false"/"0".
Result<bool> bool_param(const http::HttpRequest& request, const std::string& name, bool fallback);

// Which end of a range a date names: a date as `from` is that day's start, as `to` the start
// of the next day (so the whole day is included).
enum class RangeEnd { kFrom, kTo };

// `text` as RFC 3339 UTC ms, or the error naming `field`.
Result<std::string> range_time(std::string_view text, RangeEnd end, const std::string& field);

// The time parameter `name`, if present.
Result<std::optional<std::string>> time_param(const http::HttpRequest& request,
                                              const std::string& name, RangeEnd end);

}  // namespace moodgate::api
