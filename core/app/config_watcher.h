// ConfigWatcher: calls a function when a file is saved, so that `providers.watch: true` reloads
// the providers section the way SIGHUP does.
//
// Editors save in different ways (write in place; write a temp file and rename it over; delete
// and create; vim's backup rename), and a Kubernetes ConfigMap mounts the file as a symlink whose
// `..data` link is swapped. So the watcher follows the *directory* holding the file (inotify) and
// reacts to events naming the file or `..data`. A write counts when the writer closes the file, not
// at each write(), so a file is not reloaded half-written. A symlink whose target lives elsewhere
// and is changed there, not through this directory, is not seen: SIGHUP still works for that.
//
// Events are debounced: a burst of events, each within `debounce` of the previous one, causes one
// call, made once the burst has settled (or, for a burst that never settles, after 10 x
// `debounce`). Every settled burst calls, even if the content did not change.
//
// One thread of its own (mg-config) runs the callback; the callback's exceptions are caught and
// logged. stop() and the destructor may be called from any thread except the callback's own.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/common/thread_annotations.h"
#include "core/common/unique_fd.h"

namespace moodgate::app {

class ConfigWatcher {
 public:
  // Starts watching the directory holding `path`. Throws std::runtime_error when it cannot
  // (inotify unavailable, the directory missing or unreadable, `path` naming no file).
  ConfigWatcher(std::string path, std::function<void()> on_change,
                std::chrono::milliseconds debounce = std::chrono::milliseconds(200));
  ~ConfigWatcher();
  ConfigWatcher(const ConfigWatcher&) = delete;
  ConfigWatcher& operator=(const ConfigWatcher&) = delete;

  // Stops the thread and waits for it (and for a callback in progress). No callback runs after
  // it returns; a pending, debounced one is dropped. Idempotent.
  void stop();

 private:
  void run();
  // Reads the queued inotify events; true when one of them concerns the file.
  bool drain_events();
  void notify();

  const std::string path_;
  const std::string directory_;
  const std::string file_name_;
  const std::function<void()> on_change_;
  const std::chrono::milliseconds debounce_;
  UniqueFd inotify_fd_;
  UniqueFd wake_fd_;  // an eventfd: stop() writes it to wake the thread's poll()
  int watch_ = -1;
  std::mutex stop_mu_;                          // serialises stop()
  std::thread thread_ MG_GUARDED_BY(stop_mu_);  // last: started once everything above exists
};

}  // namespace moodgate::app
