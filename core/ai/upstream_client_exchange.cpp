#include "core/ai/upstream_client_exchange.h"

#include <algorithm>
#include <cctype>
#include <new>
#include <string_view>
#include <vector>

#include "core/ai/failure_text.h"
#include "core/ai/url_authority.h"
#include "core/common/text.h"

namespace moodgate::ai::upstream {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// One header line, the status line included. Only the final response's headers are kept: an
// interim response (100 Continue) or a proxy's CONNECT answer has its own status line, which
// starts the list afresh.
void add_header_line(sdk::HttpHeaders& headers, std::string_view line) {
  if (line.substr(0, 5) == "HTTP/") {
    headers.clear();
  } else if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {  // obs-fold
    if (!headers.empty()) headers.back().second.append(" ").append(trim(line));
  } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    headers.emplace_back(text::ascii_lower(trim(line.substr(0, colon))),
                         std::string(trim(line.substr(colon + 1))));
  }  // else the blank line that ends the head
}

// CURLOPT_HEADERFUNCTION. Returning less than given aborts the transfer; no exception may cross
// libcurl.
std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  const std::size_t bytes = size * count;
  try {
    add_header_line(static_cast<Exchange*>(user)->reply.headers, std::string_view(data, bytes));
  } catch (const std::bad_alloc&) {
    return 0;
  }
  return bytes;
}

// CURLOPT_WRITEFUNCTION: returning less than given aborts the transfer (CURLE_WRITE_ERROR).
std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto& ex = *static_cast<Exchange*>(user);
  const std::size_t bytes = size * count;
  if (bytes > ex.limits.max_response_bytes - ex.reply.body.size()) {
    ex.too_large = true;
    return 0;
  }
  try {
    ex.reply.body.append(data, bytes);
  } catch (const std::bad_alloc&) {
    return 0;
  }
  return bytes;
}

// Appends to the list, or records that libcurl ran out of memory (the list stays whole).
void append_header(curl_slist*& list, const char* line, CURLcode& rc) {
  if (curl_slist* grown = curl_slist_append(list, line)) {
    list = grown;
  } else {
    rc = CURLE_OUT_OF_MEMORY;
  }
}

template <typename T>
void set(CURL* easy, CURLoption option, T value, CURLcode& rc) {
  if (rc == CURLE_OK) rc = curl_easy_setopt(easy, option, value);
}

// How a transfer that libcurl ended with `code` failed, in words a client may see.
struct Trouble {
  sdk::FailureKind kind;
  std::string_view phrase;
};

Trouble trouble_of(CURLcode code) {
  using K = sdk::FailureKind;
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return {K::kTimeout, "the provider did not answer in time"};
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return {K::kInvalidRequest, "the provider's address is not a usable URL"};
    case CURLE_WEIRD_SERVER_REPLY:
      return {K::kBadResponse, "the provider's answer was not valid HTTP"};
    case CURLE_BAD_CONTENT_ENCODING:
      return {K::kBadResponse, "the provider's answer could not be decoded"};
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return {K::kUnavailable, "the provider's host name could not be resolved"};
    case CURLE_COULDNT_CONNECT:
      return {K::kUnavailable, "could not connect to the provider"};
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_USE_SSL_FAILED:
      return {K::kUnavailable, "the TLS connection to the provider failed"};
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
      return {K::kUnavailable, "the connection to the provider broke"};
    case CURLE_OUT_OF_MEMORY:
      return {K::kUnavailable, "the gateway ran out of memory for the request"};
    default:
      return {K::kUnavailable, "the request to the provider failed"};
  }
}

}  // namespace

Exchange::~Exchange() {
  if (easy != nullptr) curl_easy_cleanup(easy);
  curl_slist_free_all(headers);
}

UpstreamFailure not_made(std::string detail) {
  return UpstreamFailure{
      sdk::Failure::of(sdk::FailureKind::kUnavailable, "the gateway could not make the request"),
      std::move(detail)};
}

std::optional<UpstreamFailure> prepare(Exchange& ex, const UpstreamClientOptions& options,
                                       CURLSH* share) {
  ex.easy = curl_easy_init();
  if (ex.easy == nullptr) {
    return not_made("upstream client: curl_easy_init failed");
  }
  CURL* e = ex.easy;
  const auto& req = ex.request;
  CURLcode rc = CURLE_OK;
  set(e, CURLOPT_PRIVATE, static_cast<void*>(&ex), rc);
  set(e, CURLOPT_ERRORBUFFER, static_cast<char*>(ex.error), rc);
  set(e, CURLOPT_URL, req.url.c_str(), rc);
  set(e, CURLOPT_PROTOCOLS_STR, "http,https", rc);
  set(e, CURLOPT_NOSIGNAL, 1L, rc);
  set(e, CURLOPT_SHARE, share, rc);
  set(e, CURLOPT_TCP_KEEPALIVE, 1L, rc);
  // HTTP/2 over TLS when the server offers it (ALPN); HTTP/1.1 otherwise and in cleartext.
  set(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS), rc);
  // A burst of calls to a new HTTPS host waits for the first connection to learn whether it
  // multiplexes, rather than opening a connection each.
  if (req.url.rfind("https://", 0) == 0) set(e, CURLOPT_PIPEWAIT, 1L, rc);
  set(e, CURLOPT_SSL_VERIFYPEER, options.verify_tls ? 1L : 0L, rc);
  set(e, CURLOPT_SSL_VERIFYHOST, options.verify_tls ? 2L : 0L, rc);
  set(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(ex.limits.connect_timeout.count()), rc);
  set(e, CURLOPT_TIMEOUT_MS, static_cast<long>(ex.limits.total_timeout.count()), rc);
  // Refuses a declared Content-Length over the limit before any of the body arrives; on_body
  // enforces it for bodies of unknown length.
  set(e, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(ex.limits.max_response_bytes), rc);
  set(e, CURLOPT_HEADERFUNCTION, &on_header, rc);
  set(e, CURLOPT_HEADERDATA, static_cast<void*>(&ex), rc);
  set(e, CURLOPT_WRITEFUNCTION, &on_body, rc);
  set(e, CURLOPT_WRITEDATA, static_cast<void*>(&ex), rc);

  bool has_expect = false;
  for (const auto& [name, value] : req.headers) {
    has_expect = has_expect || same_name(name, "expect");
    // "Name;" is libcurl's way to send a header with an empty value.
    std::string line = name;
    line.append(value.empty() ? ";" : ": ").append(value);
    append_header(ex.headers, line.c_str(), rc);
  }
  // No "Expect: 100-continue" round trip before a large body.
  if (!has_expect) {
    append_header(ex.headers, "Expect:", rc);
  }
  set(e, CURLOPT_HTTPHEADER, ex.headers, rc);

  // The body stays alive in ex.request, so libcurl need not copy it.
  const auto body_size = static_cast<curl_off_t>(req.body.size());
  if (req.method == "GET") {
    set(e, CURLOPT_HTTPGET, 1L, rc);
  } else if (req.method == "POST") {
    set(e, CURLOPT_POSTFIELDSIZE_LARGE, body_size, rc);
    set(e, CURLOPT_POSTFIELDS, req.body.c_str(), rc);
  } else if (req.method == "HEAD") {
    set(e, CURLOPT_NOBODY, 1L, rc);
  } else {
    if (!req.body.empty()) {
      set(e, CURLOPT_POSTFIELDSIZE_LARGE, body_size, rc);
      set(e, CURLOPT_POSTFIELDS, req.body.c_str(), rc);
    }
    set(e, CURLOPT_CUSTOMREQUEST, req.method.c_str(), rc);
  }

  if (rc != CURLE_OK) {
    return not_made("upstream client cannot prepare the request: " +
                    std::string(curl_easy_strerror(rc)));
  }
  return std::nullopt;
}

UpstreamOutcome outcome_of(Exchange& ex, CURLcode code) {
  if (code == CURLE_OK && !ex.too_large) {
    long status = 0;
    curl_easy_getinfo(ex.easy, CURLINFO_RESPONSE_CODE, &status);
    ex.reply.status = static_cast<int>(status);
    return std::move(ex.reply);
  }
  const std::string prefix = "upstream " + authority_of(ex.request.url) + ": ";
  if (ex.too_large || code == CURLE_FILESIZE_EXCEEDED) {
    return UpstreamFailure{
        sdk::Failure::of(sdk::FailureKind::kBadResponse,
                         "the provider's answer was larger than the limit"),
        prefix + "response larger than " + std::to_string(ex.limits.max_response_bytes) + " bytes"};
  }
  const Trouble trouble = trouble_of(code);
  // The error buffer says more than curl_easy_strerror() ("Failed to connect to h port 1
  // after 0 ms: Connection refused"); it names hosts, not queries, but is scrubbed anyway.
  std::string detail(trim(ex.error));
  if (detail.empty()) detail = curl_easy_strerror(code);
  detail = scrub(std::move(detail), ex.request);
  if (trouble.kind == sdk::FailureKind::kTimeout) {
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - ex.sent_at);
    detail = "timed out after " + std::to_string(elapsed.count()) + " ms (" + detail + ")";
  }
  return UpstreamFailure{sdk::Failure::of(trouble.kind, std::string(trouble.phrase)),
                         prefix + detail};
}

std::string scrub(std::string text, const sdk::HttpRequest& request) {
  const std::string_view url = request.url;
  std::vector<std::string> secrets;
  if (const auto q = url.find('?'); q != std::string_view::npos) {
    const auto hash = url.find('#', q);
    auto query = url.substr(q + 1, hash == std::string_view::npos ? hash : hash - q - 1);
    secrets.emplace_back(query);
    while (!query.empty()) {
      const auto amp = query.find('&');
      const auto pair = query.substr(0, amp);
      if (const auto eq = pair.find('='); eq != std::string_view::npos && pair.size() - eq > 4) {
        secrets.emplace_back(pair.substr(eq + 1));
      }
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    }
  }
  secrets.emplace_back(user_info_of(url));
  for (const auto& header : request.headers) {
    if (header.second.size() >= 8) secrets.emplace_back(header.second);
  }
  return redact_secrets(std::move(text), secrets);
}

}  // namespace moodgate::ai::upstream
