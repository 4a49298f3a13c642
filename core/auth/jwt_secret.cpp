#include "core/auth/jwt_secret.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bitset>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <thread>

#include "core/auth/opaque_tokens.h"

namespace moodgate::auth {
namespace {

constexpr std::size_t kMinSecretBytes = 32;
constexpr std::size_t kMinDistinctBytes = 8;
const char kHowToGenerate[] = "generate one with: openssl rand -base64 48";

// Closes a file descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Error io_failure(const char* what, const std::string& path, int err) {
  spdlog::error("auth.jwt_secret_file: cannot {} {}: {}", what, path, std::strerror(err));
  return Error::internal();
}

// The file's content with trailing whitespace trimmed, or nullopt with `err` set to the errno.
std::optional<std::string> read_file(const std::string& path, int& err) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    err = errno;
    return std::nullopt;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) == 0 && (st.st_mode & 077) != 0) {
    spdlog::warn("auth.jwt_secret_file: {} is readable by other users; chmod 600 it", path);
  }
  std::string content;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err = errno;
      return std::nullopt;
    }
    if (n == 0) break;
    content.append(buf, static_cast<std::size_t>(n));
  }
  while (!content.empty() && std::strchr(" \t\r\n", content.back()) != nullptr) {
    content.pop_back();
  }
  return content;
}

// Writes `content` to a new file at `path` (mode 0600) so that nobody ever sees it partly
// written: the bytes go to a private temporary file first, which is then hard-linked into
// place; link() fails with EEXIST if `path` already exists, so exactly one creator wins and
// every other process reads a complete key. On failure `err` is the errno.
bool create_file(const std::string& path, const std::string& content, int& err) {
  const std::string temp = path + ".tmp-" + random_token(8);
  Fd fd(::open(temp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600));
  if (fd.get() < 0) {
    err = errno;
    return false;
  }
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd.get(), content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      break;
    }
    written += static_cast<std::size_t>(n);
  }
  bool ok = written == content.size() && ::fsync(fd.get()) == 0;
  if (ok && ::link(temp.c_str(), path.c_str()) != 0) ok = false;
  if (!ok) err = errno;
  ::unlink(temp.c_str());
  return ok;
}

Result<std::string> checked(std::string secret, const std::string& path) {
  Status strength = check_secret_strength(secret, "auth.jwt_secret_file (" + path + ")");
  if (!strength) return strength.error();
  return secret;
}

Result<std::string> read_existing(const std::string& path) {
  int err = 0;
  std::optional<std::string> content = read_file(path, err);
  if (!content) return io_failure("read", path, err);
  return checked(std::move(*content), path);
}

Result<std::string> read_or_create(const std::string& path) {
  int err = 0;
  if (std::optional<std::string> content = read_file(path, err)) {
    return checked(std::move(*content), path);
  }
  if (err != ENOENT) return io_failure("read", path, err);

  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) return io_failure("create the directory of", path, ec.value());
  }
  std::string secret = random_token(48);
  if (!create_file(path, secret + "\n", err)) {
    if (err == EEXIST) return read_existing(path);  // another process won; its key is whole
    return io_failure("write", path, err);
  }
  spdlog::info("auth.jwt_secret_file: generated a new access-token signing key at {}", path);
  return secret;
}

}  // namespace

Status check_secret_strength(std::string_view secret, std::string_view key) {
  if (secret.size() < kMinSecretBytes) {
    return Error::invalid_input(std::string(key) + ": must be at least 32 bytes (got " +
                                    std::to_string(secret.size()) + "); " + kHowToGenerate,
                                std::string(key));
  }
  std::bitset<256> seen;
  for (const char c : secret) seen.set(static_cast<unsigned char>(c));
  if (seen.count() < kMinDistinctBytes) {
    return Error::invalid_input(
        std::string(key) + ": too weak (fewer than 8 distinct characters); " + kHowToGenerate,
        std::string(key));
  }
  return {};
}

Result<std::string> resolve_jwt_secret(const config::AuthConfig& auth, bool allow_generated) {
  if (!auth.jwt_secret.empty()) {
    Status strength = check_secret_strength(auth.jwt_secret, "auth.jwt_secret");
    if (!strength) return strength.error();
    return auth.jwt_secret;
  }
  if (!allow_generated) {
    return Error::invalid_input(
        "auth.jwt_secret: required with PostgreSQL (instances sharing a database must share the "
        "key); set MOODGATE_JWT_SECRET to at least 32 random bytes",
        "auth.jwt_secret");
  }
  if (auth.jwt_secret_file.empty()) {
    return Error::invalid_input("auth.jwt_secret: required when auth.jwt_secret_file is empty",
                                "auth.jwt_secret");
  }
  return read_or_create(auth.jwt_secret_file);
}

}  // namespace moodgate::auth
