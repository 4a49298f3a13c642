#include "core/config/config_problems.h"

namespace moodgate::config {

void Problems::add(std::string_view key_path, std::string_view what) {
  std::string line = source_ + ": ";
  if (!key_path.empty()) line.append(key_path).append(": ");
  line.append(what);
  lines_.push_back(std::move(line));
}

std::string Problems::joined() const {
  std::string out;
  for (const std::string& line : lines_) {
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

std::string child_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string path(parent);
  path.append(".").append(key);
  return path;
}

std::string item_path(std::string_view list, std::size_t index) {
  return std::string(list) + "[" + std::to_string(index) + "]";
}

}  // namespace moodgate::config
