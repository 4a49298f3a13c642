// ConfigWatcher: saving the config file, however an editor or Kubernetes does it, calls back once
// per burst of changes; other files in the directory do not; stop() is prompt and final.
#include "core/app/config_watcher.h"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "tests/support/temp_dir.h"

using moodgate::app::ConfigWatcher;
using moodgate::testing::TempDir;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds kDebounce{100};
// Long enough for a debounced call to have been made, were one due: used only to prove absence.
constexpr milliseconds kQuiet = kDebounce + milliseconds(400);

// The callback's record: how many calls, and when the last one started.
class Calls {
 public:
  std::function<void()> handler() {
    return [this] {
      std::lock_guard lock(mu_);
      last_ = Clock::now();
      ++count_;
    };
  }
  int count() const {
    std::lock_guard lock(mu_);
    return count_;
  }
  Clock::time_point last() const {
    std::lock_guard lock(mu_);
    return last_;
  }

 private:
  mutable std::mutex mu_;
  int count_ = 0;
  Clock::time_point last_;
};

// Polls `condition` until it holds or `within` has passed; whether it held.
bool eventually(const std::function<bool()>& condition, milliseconds within = milliseconds(5000)) {
  const Clock::time_point deadline = Clock::now() + within;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return condition();
}

void write_file(const fs::path& file, const std::string& content) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << content;
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace

TEST_CASE("writing the watched file in place calls back once, after the debounce",
          "[app][config_watcher]") {
  TempDir dir;
  const std::string path = dir.write("moodgate.yaml", "providers: {}\n");
  Calls calls;
  ConfigWatcher watcher(path, calls.handler(), kDebounce);

  const Clock::time_point written_at = Clock::now();
  write_file(path, "providers:\n  watch: true\n");
  REQUIRE(eventually([&] { return calls.count() >= 1; }));
  CHECK(calls.last() - written_at >= kDebounce);
  std::this_thread::sleep_for(kQuiet);
  CHECK(calls.count() == 1);
}

TEST_CASE("renaming a temp file over the watched file calls back once", "[app][config_watcher]") {
  TempDir dir;
  const std::string path = dir.write("moodgate.yaml", "old\n");
  Calls calls;
  ConfigWatcher watcher(path, calls.handler(), kDebounce);

  const std::string temp = dir.write(".moodgate.yaml.tmp", "new\n");
  fs::rename(temp, path);
  REQUIRE(eventually([&] { return calls.count() >= 1; }));
  std::this_thread::sleep_for(kQuiet);
  CHECK(calls.count() == 1);
}

TEST_CASE("deleting and re-creating the watched file calls back", "[app][config_watcher]") {
  TempDir dir;
  const std::string path = dir.write("moodgate.yaml", "old\n");
  Calls calls;
  ConfigWatcher watcher(path, calls.handler(), kDebounce);

  fs::remove(path);
  write_file(path, "new\n");
  CHECK(eventually([&] { return calls.count() >= 1; }));
}

TEST_CASE("vim's save (rename to a backup, write anew, delete the backup) calls back",
          "[app][config_watcher]") {
  TempDir dir;
  const std::string path = dir.write("moodgate.yaml", "old\n");
  Calls calls;
  ConfigWatcher watcher(path, calls.handler(), kDebounce);

  fs::rename(path, path + "~");
  write_file(path, "new\n");
  fs::remove(path + "~");
  CHECK(eventually([&] { return calls.count() >= 1; }));
}

TEST_CASE("touching the watched file without changing it still calls back",
          "[app][config_watcher]") {
  TempDir dir;
  const std::string path = dir.write("moodgate.yaml", "same\n");
  Calls calls;
  ConfigWatcher watcher(path, calls.handler(), kDebounce);

  // As touch(1) does: both times set to now (an IN_ATTRIB on the directory's watch).
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), nullptr, 0) == 0);
  CHECK(eventually([&] { return calls.count() >= 1; }));
}

TEST_CASE("a burst of five writes within the debounce calls back exactly once, after it settles",
          "[app][config_watcher]") {
  constexpr milliseconds kBurstDebounce{300};
  TempDir dir;
  const std::string path = dir.write("moodgate.yaml", "v0\n");
  Calls calls;
  ConfigWatcher watcher(path, calls.handler(), kBurstDebounce);

  const Clock::time_point first_write = Clock::now();
  for (int i = 1; i <= 5; ++i) {
    write_file(path, "v" + std::to_string(i) + "\n");
    std::this_thread::sleep_for(milliseconds(10));
  }
  REQUIRE(eventually([&] { return calls.count() >= 1; }));
  CHECK(calls.last() - first_write >= kBurstDebounce);
  std::this_thread::sleep_for(kBurstDebounce + milliseconds(400));
  CHECK(calls.count() == 1);
}

TEST_CASE("changes to other files in the directory do not call back", "[app][config_watcher]") {
  TempDir dir;
  const std::string path = dir.write("moodgate.yaml", "providers: {}\n");
  Calls calls;
  ConfigWatcher watcher(path, calls.handler(), kDebounce);

  const std::string other = dir.write("other.yaml", "x\n");
  write_file(other, "y\n");
  fs::rename(dir.write("other.tmp", "z\n"), dir.path() / "renamed.yaml");
  fs::remove(other);
  fs::create_directory(dir.path() / "subdir");
  write_file(dir.path() / "subdir" / "moodgate.yaml", "not this one\n");
  std::this_thread::sleep_for(kQuiet);
  CHECK(calls.count() == 0);

  // The watcher was listening all along: the watched file still calls back, once.
  write_file(path, "providers:\n  watch: true\n");
  REQUIRE(eventually([&] { return calls.count() >= 1; }));
  std::this_thread::sleep_for(kQuiet);
  CHECK(calls.count() == 1);
}

TEST_CASE("swapping a Kubernetes ConfigMap's ..data symlink calls back with the new content",
          "[app][config_watcher]") {
  // The layout kubelet mounts: moodgate.yaml -> ..data/moodgate.yaml, ..data -> ..<timestamp>.
  TempDir dir;
  fs::create_directory(dir.path() / "..2024_01_01_00_00_00.1");
  write_file(dir.path() / "..2024_01_01_00_00_00.1" / "moodgate.yaml", "old\n");
  fs::create_directory_symlink("..2024_01_01_00_00_00.1", dir.path() / "..data");
  const fs::path path = dir.path() / "moodgate.yaml";
  fs::create_symlink(fs::path("..data") / "moodgate.yaml", path);

  std::mutex mu;
  std::string seen;
  std::atomic<int> count{0};
  ConfigWatcher watcher(
      path.string(),
      [&] {
        std::lock_guard lock(mu);
        seen = read_file(path);
        ++count;
      },
      kDebounce);

  // kubelet's update: a new timestamped directory, a new link renamed over ..data, the old
  // directory removed.
  fs::create_directory(dir.path() / "..2024_01_01_00_05_00.2");
  write_file(dir.path() / "..2024_01_01_00_05_00.2" / "moodgate.yaml", "new\n");
  fs::create_directory_symlink("..2024_01_01_00_05_00.2", dir.path() / "..data_tmp");
  fs::rename(dir.path() / "..data_tmp", dir.path() / "..data");
  fs::remove_all(dir.path() / "..2024_01_01_00_00_00.1");

  REQUIRE(eventually([&] { return count.load() >= 1; }));
  std::this_thread::sleep_for(kQuiet);
  CHECK(count.load() == 1);
  std::lock_guard lock(mu);
  CHECK(seen == "new\n");
}

TEST_CASE("stop() returns promptly, drops a pending call, and may be repeated",
          "[app][config_watcher]") {
  constexpr milliseconds kLongDebounce{1000};
  TempDir dir;
  const std::string path = dir.write("moodgate.yaml", "old\n");
  Calls calls;
  ConfigWatcher watcher(path, calls.handler(), kLongDebounce);

  write_file(path, "new\n");
  const Clock::time_point stop_started = Clock::now();
  watcher.stop();
  CHECK(Clock::now() - stop_started < milliseconds(1000));
  CHECK(calls.count() == 0);
  watcher.stop();
  std::this_thread::sleep_for(kLongDebounce + milliseconds(300));
  CHECK(calls.count() == 0);
}

TEST_CASE("an idle watcher stops promptly when destroyed", "[app][config_watcher]") {
  TempDir dir;
  const std::string path = dir.write("moodgate.yaml", "x\n");
  auto watcher = std::make_unique<ConfigWatcher>(
      path, [] {}, kDebounce);
  const Clock::time_point started = Clock::now();
  watcher.reset();
  CHECK(Clock::now() - started < milliseconds(1000));
}

TEST_CASE("a callback's exception is caught and the watcher keeps watching",
          "[app][config_watcher]") {
  TempDir dir;
  const std::string path = dir.write("moodgate.yaml", "v0\n");
  std::atomic<int> count{0};
  ConfigWatcher watcher(
      path,
      [&] {
        ++count;
        throw std::runtime_error("reload exploded");
      },
      kDebounce);

  write_file(path, "v1\n");
  REQUIRE(eventually([&] { return count.load() == 1; }));
  write_file(path, "v2\n");
  CHECK(eventually([&] { return count.load() == 2; }));
}

TEST_CASE("a missing directory or a path naming no file makes the constructor throw",
          "[app][config_watcher]") {
  TempDir dir;
  const std::string missing = (dir.path() / "absent" / "moodgate.yaml").string();
  CHECK_THROWS_WITH(ConfigWatcher(missing, [] {}),
                    Catch::Contains("cannot watch " + missing) &&
                        Catch::Contains((dir.path() / "absent").string()));
  CHECK_THROWS_AS(ConfigWatcher(dir.path().string() + "/", [] {}), std::runtime_error);
  CHECK_THROWS_AS(ConfigWatcher((dir.path() / "moodgate.yaml").string(), nullptr),
                  std::runtime_error);
}
