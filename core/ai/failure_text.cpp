#include "core/ai/failure_text.h"

#include <algorithm>
#include <vector>

#include "core/ai/url_authority.h"
#include "core/common/text.h"

namespace moodgate::ai {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
// What separates words before clean_utf8() has run: ASCII white space and control characters.
bool is_separator(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7f;
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_lower(char c) {
  return c >= 'a' && c <= 'z';
}
bool is_domain_char(char c) {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.';
}
bool is_key_char(char c) {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '_' || c == '+' || c == '/';
}

bool all_of(std::string_view s, bool (*pred)(char)) {
  return std::all_of(s.begin(), s.end(), pred);
}

// Calls fn(run) for every maximal run of characters for which `pred` holds; true as soon as
// one call is.
template <typename Fn>
bool any_run(std::string_view s, bool (*pred)(char), Fn&& fn) {
  std::size_t i = 0;
  while (i < s.size()) {
    if (!pred(s[i])) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < s.size() && pred(s[i])) ++i;
    if (fn(s.substr(start, i - start))) return true;
  }
  return false;
}

// Valid UTF-8 on one line: control characters (C0, DEL, C1) become spaces, a byte that does not
// start a well-formed sequence becomes '?'.
std::string clean_utf8(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      out.push_back(c < 0x20 || c == 0x7f ? ' ' : static_cast<char>(c));
      ++i;
      continue;
    }
    const std::size_t len = c >= 0xC2 && c <= 0xDF   ? 2
                            : c >= 0xE0 && c <= 0xEF ? 3
                            : c >= 0xF0 && c <= 0xF4 ? 4
                                                     : 0;
    bool ok = len != 0 && i + len <= in.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(in[i + k]) & 0xC0) == 0x80;
    }
    if (ok) {
      const auto second = static_cast<unsigned char>(in[i + 1]);
      // Overlong forms, surrogates and code points past U+10FFFF.
      if ((c == 0xE0 && second < 0xA0) || (c == 0xED && second > 0x9F) ||
          (c == 0xF0 && second < 0x90) || (c == 0xF4 && second > 0x8F)) {
        ok = false;
      }
    }
    if (!ok) {
      out.push_back('?');
      ++i;
    } else if (c == 0xC2 && static_cast<unsigned char>(in[i + 1]) < 0xA0) {
      out.push_back(' ');  // a C1 control
      i += len;
    } else {
      out.append(in.substr(i, len));
      i += len;
    }
  }
  return out;
}

// Four dot-separated numbers in a row: 127.0.0.1.
bool has_ipv4(std::string_view word) {
  return any_run(
      word, [](char c) { return is_digit(c) || c == '.'; },
      [](std::string_view run) {
        int numbers = 0;
        std::size_t at = 0;
        while (at <= run.size()) {
          const std::size_t dot = std::min(run.find('.', at), run.size());
          numbers = dot > at ? numbers + 1 : 0;
          if (numbers >= 4) return true;
          at = dot + 1;
        }
        return false;
      });
}

// ::1, [fe80::1%eth0]:8080, 2001:db8::7.
bool looks_like_ipv6(std::string_view word) {
  return std::count(word.begin(), word.end(), ':') >= 2 && all_of(word, [](char c) {
           return is_hex(c) || c == ':' || c == '.' || c == '[' || c == ']' || c == '%';
         });
}

// host:8080, 10.0.0.1:80/path, [::1]:443; not a ratio or a time (16:9, 12:30).
bool has_port(std::string_view word) {
  // A port follows something host-like: a letter, '.' or ']' anywhere before its colon.
  const std::size_t first_host_char = static_cast<std::size_t>(
      std::find_if(word.begin(), word.end(),
                   [](char c) { return is_alpha(c) || c == '.' || c == ']'; }) -
      word.begin());
  for (std::size_t colon = word.find(':'); colon != std::string_view::npos;
       colon = word.find(':', colon + 1)) {
    std::size_t end = colon + 1;
    while (end < word.size() && is_digit(word[end])) ++end;
    const std::size_t digits = end - colon - 1;
    if (first_host_char < colon && digits >= 1 && digits <= 5 &&
        (end == word.size() || word[end] == '/')) {
      return true;
    }
  }
  return false;
}

// generativelanguage.googleapis.com, ai.google.dev, localhost: labels of letters, digits and
// '-' joined by dots, the last one two letters or more. Model names (gemini-2.5-flash) end in a
// label with a digit or '-', so they are not hosts.
bool looks_like_host(std::string_view run) {
  while (!run.empty() && (run.back() == '.' || run.back() == '-')) run.remove_suffix(1);
  while (!run.empty() && (run.front() == '.' || run.front() == '-')) run.remove_prefix(1);
  if (text::ascii_lower(run) == "localhost") return true;
  const std::size_t last_dot = run.rfind('.');
  if (last_dot == std::string_view::npos) return false;
  const std::string_view tld = run.substr(last_dot + 1);
  if (tld.size() < 2 || !all_of(tld, is_alpha)) return false;
  // Every label non-empty.
  return run.find("..") == std::string_view::npos;
}

// A key, token or signature: 20 characters or more of a key alphabet mixing upper case, lower
// case and digits, or 32 hex digits or more.
bool looks_like_key(std::string_view run) {
  if (run.size() >= 32 && all_of(run, is_hex)) return true;
  if (run.size() < 20) return false;
  return std::any_of(run.begin(), run.end(), is_upper) &&
         std::any_of(run.begin(), run.end(), is_lower) &&
         std::any_of(run.begin(), run.end(), is_digit);
}

bool is_sensitive(std::string_view word, std::string_view previous_word) {
  if (word.find("://") != std::string_view::npos) return true;              // a URL
  if (word.find_first_of("@=?&\\") != std::string_view::npos) return true;  // user info, query
  if (has_ipv4(word) || looks_like_ipv6(word) || has_port(word)) return true;
  if (any_run(word, is_domain_char, looks_like_host)) return true;
  if (any_run(word, is_key_char, looks_like_key)) return true;
  if (all_of(word, is_digit) && (word.size() >= 4 || text::ascii_lower(previous_word) == "port")) {
    return true;
  }
  // Account and project numbers inside a word (project_number:123456789).
  return any_run(word, is_digit, [](std::string_view run) { return run.size() >= 6; });
}

// Punctuation around a word that is kept when the word itself is redacted.
bool is_leading_punct(char c) {
  return c == '"' || c == '\'' || c == '(' || c == '[' || c == '{' || c == '<' || c == '`';
}
bool is_trailing_punct(char c) {
  return c == '"' || c == '\'' || c == ')' || c == ']' || c == '}' || c == '>' || c == '`' ||
         c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?';
}

bool names_a_secret(std::string_view name) {
  const std::string n = text::ascii_lower(name);
  for (const char* hint : {"key", "secret", "token", "password", "credential"}) {
    if (n.find(hint) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

std::string safe_reason(std::string_view message) {
  constexpr std::string_view kEllipsis = "...";
  // What could not be shown anyway is not read: a provider's error may be megabytes, and this
  // runs on the upstream client's one I/O thread.
  const bool cut = message.size() > kMaxScannedBytes;
  if (cut) {
    std::size_t end = kMaxScannedBytes;
    // A word the cut falls in is dropped whole: half a host or a key is still too much.
    if (!is_separator(message[end])) {
      while (end > 0 && !is_separator(message[end - 1])) --end;
    }
    message = message.substr(0, end);
  }
  const std::string text = clean_utf8(message);
  std::string out;
  // Makes room for the ellipsis by dropping whole words, then appends it.
  const auto ended = [&] {
    while (out.size() + kEllipsis.size() > kMaxReasonBytes) {
      const auto space = out.rfind(' ');
      out.resize(space == std::string::npos ? 0 : space);
    }
    return out.append(kEllipsis);
  };
  std::string_view previous;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    const std::size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (start == i) break;
    const std::string_view token = std::string_view(text).substr(start, i - start);
    std::size_t lead = 0;
    while (lead < token.size() && is_leading_punct(token[lead])) ++lead;
    std::size_t trail = token.size();
    while (trail > lead && is_trailing_punct(token[trail - 1])) --trail;
    const std::string_view word = token.substr(lead, trail - lead);
    std::string piece(token);
    if (!word.empty() && is_sensitive(word, previous)) {
      piece = std::string(token.substr(0, lead)).append(kRedacted).append(token.substr(trail));
    }
    previous = word;
    // Whole words only: half a key or a host is still too much.
    const std::size_t grown = out.size() + (out.empty() ? 0 : 1) + piece.size();
    if (grown > kMaxReasonBytes) return ended();
    if (!out.empty()) out.push_back(' ');
    out.append(piece);
  }
  return cut ? ended() : out;
}

std::string redact_secrets(std::string text, std::span<const std::string> secrets) {
  // Longest first, so that a secret inside another is not replaced piecemeal.
  std::vector<std::string_view> longest_first(secrets.begin(), secrets.end());
  std::sort(longest_first.begin(), longest_first.end(),
            [](std::string_view a, std::string_view b) { return a.size() > b.size(); });
  for (const std::string_view secret : longest_first) {
    if (secret.empty()) continue;
    for (auto at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at + kRedacted.size())) {
      text.replace(at, secret.size(), kRedacted);
    }
  }
  return text;
}

std::vector<std::string> secrets_of(const std::map<std::string, std::string>& settings) {
  std::vector<std::string> secrets;
  for (const auto& [name, value] : settings) {
    if (names_a_secret(name) && value.size() >= 4) secrets.push_back(value);
    if (const auto info = user_info_of(value); !info.empty()) secrets.emplace_back(info);
  }
  return secrets;
}

std::string redact_secrets(std::string text, const std::map<std::string, std::string>& settings) {
  return redact_secrets(std::move(text), secrets_of(settings));
}

}  // namespace moodgate::ai
