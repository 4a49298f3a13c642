// One exchange of the UpstreamClient (internal to it): the request, its libcurl easy handle,
// the reply as it arrives, and the translation of how the transfer ended into an
// UpstreamOutcome. Touched only by the I/O thread once handed to it.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "core/ai/upstream_client.h"

namespace moodgate::ai::upstream {

struct Exchange {
  Exchange(sdk::HttpRequest r, UpstreamLimits l, std::function<void(UpstreamOutcome)> d)
      : request(std::move(r)), limits(l), done(std::move(d)) {}
  // Releases the easy handle, which must no longer be in a multi handle.
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  sdk::HttpRequest request;  // owns the body libcurl sends from
  UpstreamLimits limits;
  std::function<void(UpstreamOutcome)> done;
  // libcurl's total timeout counts from when it takes the transfer, which is at most a loop
  // turn later; its own "timed out after" leaves out any wait for a free connection.
  std::chrono::steady_clock::time_point sent_at = std::chrono::steady_clock::now();

  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  sdk::HttpReply reply;    // status filled in at the end
  bool too_large = false;  // the write callback refused the body
  char error[CURL_ERROR_SIZE] = {};
};

// Creates and configures ex.easy (CURLOPT_PRIVATE points at `ex`); a failure when libcurl
// refuses.
std::optional<UpstreamFailure> prepare(Exchange& ex, const UpstreamClientOptions& options,
                                       CURLSH* share);

// What came of the finished transfer: the reply on CURLE_OK, else a failure whose message is a
// fixed phrase for what went wrong and whose detail names the host and says more, without
// query, user info or header values.
UpstreamOutcome outcome_of(Exchange& ex, CURLcode code);

// kUnavailable "the gateway could not make the request": libcurl would not take it (no easy
// handle, an option or the multi handle refused); `detail` says which, for the log.
UpstreamFailure not_made(std::string detail);

// `text` with every piece of `request` that may hold a secret (the query string and each of
// its values of 4 characters or more, the URL's user info, header values of 8 characters or
// more) replaced by kRedacted (core/ai/failure_text.h).
std::string scrub(std::string text, const sdk::HttpRequest& request);

}  // namespace moodgate::ai::upstream
