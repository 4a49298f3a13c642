// Problems: every complaint about one config file, collected so the operator sees all of them at
// once instead of fixing one per restart.
//
// Each problem is one line "<source>: <dotted.key>: <what is wrong>" (or "<source>: <what>" for
// the file as a whole), kept in the order found, which follows the file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace moodgate::config {

class Problems {
 public:
  explicit Problems(std::string source) : source_(std::move(source)) {}

  // Records that the value at `key_path` ("server.port"; empty for the whole file) is wrong.
  void add(std::string_view key_path, std::string_view what);

  bool empty() const { return lines_.empty(); }
  // All problems, one per line, without a trailing newline.
  std::string joined() const;

 private:
  std::string source_;
  std::vector<std::string> lines_;
};

// The dotted path of a map key below `parent` ("server" + "port" -> "server.port").
std::string child_path(std::string_view parent, std::string_view key);
// The path of a list element ("server.trusted_proxies" + 2 -> "server.trusted_proxies[2]").
std::string item_path(std::string_view list, std::size_t index);

}  // namespace moodgate::config
