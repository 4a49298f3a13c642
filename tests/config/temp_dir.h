// TempDir: a fresh, uniquely named directory under the system temp directory, removed with
// everything in it when the test ends.
#pragma once

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace moodgate::config::testing {

class TempDir {
 public:
  TempDir() {
    std::random_device random;
    const auto suffix = std::to_string(random()) + std::to_string(random());
    path_ = std::filesystem::temp_directory_path() / ("moodgate-config-test-" + suffix);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Writes `text` to `name` inside the directory and returns the file's full path.
  std::string write(const std::string& name, const std::string& text) const {
    const std::filesystem::path file = path_ / name;
    std::ofstream(file, std::ios::binary) << text;
    return file.string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace moodgate::config::testing
