// IdleConnections: the client connections that are open and doing nothing — accepted and still
// silent, or kept alive after an answer — oldest first.
//
// When server.max_connections is reached, a new connection takes the place of the oldest idle
// one (as nginx reuses its idle keep-alive connections) and is refused with 503 only when
// every open connection is busy. So a client holding thousands of silent connections cannot
// lock everyone else out: each newcomer pushes the longest-silent one out.
//
// Thread-safe. A Connection lists and unlists itself (its Slot is only touched under this
// object's lock) and must unlist itself before it is destroyed.
#pragma once

#include <list>
#include <memory>
#include <mutex>

#include "core/common/thread_annotations.h"

namespace moodgate::http {

class Connection;

class IdleConnections {
  struct Entry;

 public:
  // Where a connection stands in the list; part of the Connection, guarded by the list's lock.
  struct Slot {
    bool listed = false;
    std::list<Entry>::iterator position;
  };

  // Lists `connection` as the newest idle one (a no-op if it is listed already).
  void add(const std::shared_ptr<Connection>& connection, Slot& slot);
  // Unlists it (a no-op if it is not listed).
  void remove(Slot& slot);
  // Unlists and returns the oldest idle connection still alive; nullptr when there is none.
  std::shared_ptr<Connection> take_oldest();
  std::size_t size() const;

 private:
  struct Entry {
    std::weak_ptr<Connection> connection;
    Slot* slot;
  };

  mutable std::mutex mu_;
  std::list<Entry> entries_ MG_GUARDED_BY(mu_);
};

}  // namespace moodgate::http
