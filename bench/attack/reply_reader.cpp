#include "bench/attack/reply_reader.h"

#include <strings.h>

#include <cstdlib>

namespace moodgate::bench {
namespace {

constexpr std::string_view kEndOfHead = "\r\n\r\n";
constexpr std::size_t kMaxHead = 64 * 1024;

// The value of header `name` in `head` (case-insensitive), or empty.
std::string_view header_value(std::string_view head, std::string_view name) {
  std::size_t at = head.find("\r\n");
  while (at != std::string_view::npos && at + 2 < head.size()) {
    const std::size_t start = at + 2;
    const std::size_t end = head.find("\r\n", start);
    const std::string_view line =
        head.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    const std::size_t colon = line.find(':');
    if (colon == name.size() && ::strncasecmp(line.data(), name.data(), name.size()) == 0) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      return value;
    }
    at = end;
  }
  return {};
}

}  // namespace

bool ReplyReader::feed(std::string_view bytes, std::vector<int>& statuses) {
  while (!bytes.empty()) {
    if (status_ != 0) {  // inside a body
      if (to_close_) return true;
      const auto take = static_cast<std::size_t>(
          std::min<long long>(body_left_, static_cast<long long>(bytes.size())));
      body_left_ -= static_cast<long long>(take);
      bytes.remove_prefix(take);
      if (body_left_ == 0) {
        statuses.push_back(status_);
        status_ = 0;
      }
      continue;
    }
    const std::size_t had = head_.size();
    head_.append(bytes);
    const std::size_t from = had >= 3 ? had - 3 : 0;
    const std::size_t end = head_.find(kEndOfHead, from);
    if (end == std::string::npos) {
      return head_.size() <= kMaxHead;
    }
    const std::size_t head_bytes_from_this_feed = end + kEndOfHead.size() - had;
    head_.resize(end + kEndOfHead.size());
    bytes.remove_prefix(head_bytes_from_this_feed);
    if (!take_head(statuses)) return false;
  }
  return true;
}

bool ReplyReader::take_head(std::vector<int>& statuses) {
  std::string head;
  head.swap(head_);
  if (head.size() < 12 || !std::string_view(head).starts_with("HTTP/1.")) return false;
  const int status = std::atoi(head.c_str() + 9);
  if (status < 100 || status > 999) return false;
  if (status < 200) return true;  // 100 Continue: the real answer follows
  const std::string_view length = header_value(head, "Content-Length");
  if (status == 204 || status == 304 || length == "0") {
    statuses.push_back(status);
    return true;
  }
  status_ = status;
  if (length.empty()) {
    to_close_ = true;
  } else {
    body_left_ = std::atoll(std::string(length).c_str());
    to_close_ = false;
  }
  return true;
}

void ReplyReader::finish(std::vector<int>& statuses) {
  if (status_ != 0 && to_close_) statuses.push_back(status_);
  reset();
}

void ReplyReader::reset() {
  head_.clear();
  body_left_ = 0;
  status_ = 0;
  to_close_ = false;
}

}  // namespace moodgate::bench
