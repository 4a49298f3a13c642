#include "core/ai/url_authority.h"

namespace moodgate::ai {
namespace {

// The part of a URL between "://" and the path, user info included ("" without "://").
std::string_view raw_authority(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  const auto start = scheme_end + 3;
  const auto end = url.find_first_of("/?#", start);
  return url.substr(start, end == std::string_view::npos ? end : end - start);
}

}  // namespace

std::string authority_of(std::string_view url) {
  const auto authority = raw_authority(url);
  const auto at = authority.rfind('@');
  return std::string(at == std::string_view::npos ? authority : authority.substr(at + 1));
}

std::string_view user_info_of(std::string_view url) {
  const auto authority = raw_authority(url);
  const auto at = authority.rfind('@');
  return at == std::string_view::npos ? std::string_view() : authority.substr(0, at);
}

}  // namespace moodgate::ai
