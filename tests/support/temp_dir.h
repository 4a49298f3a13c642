// TempDir: a fresh, uniquely named directory under the system temp directory, removed with
// everything in it when the object dies. For tests.
#pragma once

#include <filesystem>
#include <string>

namespace moodgate::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Writes `content` (bytes as given) to `name` inside the directory; returns the full path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

}  // namespace moodgate::testing
