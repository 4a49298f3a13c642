#include "core/http/idle_connections.h"

namespace moodgate::http {

void IdleConnections::add(const std::shared_ptr<Connection>& connection, Slot& slot) {
  std::lock_guard lock(mu_);
  if (slot.listed) return;
  slot.position = entries_.insert(entries_.end(), Entry{connection, &slot});
  slot.listed = true;
}

void IdleConnections::remove(Slot& slot) {
  std::lock_guard lock(mu_);
  if (!slot.listed) return;
  entries_.erase(slot.position);
  slot.listed = false;
}

std::shared_ptr<Connection> IdleConnections::take_oldest() {
  std::lock_guard lock(mu_);
  while (!entries_.empty()) {
    Entry entry = entries_.front();
    entries_.pop_front();
    entry.slot->listed = false;
    if (auto connection = entry.connection.lock()) return connection;
  }
  return nullptr;
}

std::size_t IdleConnections::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace moodgate::http
