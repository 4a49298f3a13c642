// UsersRepository: the users table.
//
// Works on a session the caller borrowed through Database::run() or Database::transaction(),
// so several repositories can share one transaction. Methods throw SOCI exceptions on database
// errors; run()/transaction() turn them into Error values (a taken email is a unique violation
// -> kConflict). Times are RFC 3339 text (core/common/time_format.h). Not thread-safe: one per
// session, like the session itself.
#pragma once

#include <optional>
#include <string>

#include "core/store/database_url.h"

namespace soci {
class session;
}

namespace moodgate::store {

struct UserRow {
  std::string id;
  std::string email;  // already trimmed and lower-cased
  std::string password_hash;
  std::optional<std::string> display_name;
  std::string created_at;  // RFC 3339 ms; ignored by insert() (the database sets it)
};

class UsersRepository {
 public:
  explicit UsersRepository(soci::session& sql);

  // Inserts a new user; created_at and updated_at are set by the database. Throws on a taken
  // email (unique violation).
  void insert(const UserRow& user);
  std::optional<UserRow> find_by_id(const std::string& id);
  std::optional<UserRow> find_by_email(const std::string& email);
  // These return false when no such user exists. Each also sets updated_at.
  bool update_display_name(const std::string& id, const std::optional<std::string>& display_name);
  bool update_password_hash(const std::string& id, const std::string& password_hash);
  // Deletes the user; ON DELETE CASCADE removes everything they own. False if none.
  bool remove(const std::string& id);

 private:
  soci::session& sql_;
  Backend backend_;
};

}  // namespace moodgate::store
