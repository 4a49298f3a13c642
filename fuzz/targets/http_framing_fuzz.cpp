// Fuzz target: the HTTP front door's framer (core/http/request_framer.h), fed a connection's
// bytes. The first input byte chooses how the rest is cut into reads (1..64 bytes each); the
// requests framed, and whether the stream is refused, must be those of the same bytes fed
// whole, since a client decides where TCP splits its stream. Small limits make every refusal
// reachable.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/http/request_framer.h"
#include "fuzz/support/fuzz_check.h"

namespace {

using moodgate::http::FramingLimits;
using moodgate::http::ParsedRequest;
using moodgate::http::RequestFramer;

struct Outcome {
  std::vector<std::string> requests;  // each request flattened
  int refusal = -1;                   // the ErrorCode, or -1 when not refused
};

std::string flatten(const ParsedRequest& r) {
  std::string out = r.method + ' ' + r.target + ' ' + std::to_string(r.version_minor) +
                    (r.keep_alive ? " ka" : " close") + (r.expects_continue ? " 100\n" : "\n");
  for (const auto& [name, value] : r.headers) out += name + ": " + value + '\n';
  return out + '\n' + r.body;
}

// Feeds `stream` in reads of `step` bytes, taking each request as the connection does.
Outcome frame(std::string_view stream, std::size_t step) {
  FramingLimits limits;
  limits.max_url_bytes = 512;
  limits.max_header_bytes = 2048;
  limits.max_header_count = 16;
  limits.max_body_bytes = 4096;
  RequestFramer framer(limits);
  Outcome outcome;
  std::string pending;
  std::size_t at = 0;
  while (at < stream.size() || !pending.empty()) {
    if (pending.empty()) {
      const std::size_t n = std::min(step, stream.size() - at);
      pending.assign(stream.substr(at, n));
      at += n;
    }
    const std::size_t used = framer.feed(pending);
    FUZZ_CHECK(used <= pending.size());
    pending.erase(0, used);
    switch (framer.state()) {
      case RequestFramer::State::kNeedMore:
        FUZZ_CHECK(pending.empty());  // it must take everything while it needs more
        break;
      case RequestFramer::State::kRequest:
        outcome.requests.push_back(flatten(framer.take_request()));
        break;
      case RequestFramer::State::kFailed:
        outcome.refusal = static_cast<int>(framer.failure().code);
        return outcome;
    }
  }
  return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t step = 1 + data[0] % 64;
  const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  const Outcome whole = frame(stream, stream.size() + 1);
  const Outcome split = frame(stream, step);
  // The refusal's code may differ (a bad byte past the URL limit is 414 in one, 400 in the
  // other); whether and where the stream is refused may not.
  FUZZ_CHECK(whole.requests == split.requests);
  FUZZ_CHECK((whole.refusal < 0) == (split.refusal < 0));
  return 0;
}
