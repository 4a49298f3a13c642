// UniqueFd: owns a file descriptor and closes it when destroyed. Not copyable; -1 means none.
#pragma once

#include <unistd.h>

namespace moodgate {

class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace moodgate
