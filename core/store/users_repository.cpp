#include "core/store/users_repository.h"

#include <soci/soci.h>

#include <utility>

#include "core/common/time_format.h"
#include "core/store/sql_dialect.h"
#include "core/store/statement.h"

namespace moodgate::store {
namespace {

// The user whose `column` (a unique column, named by this file) equals `value`.
std::optional<UserRow> find_one(soci::session& sql, Backend backend, const char* column,
                                const std::string& value) {
  UserRow row;
  std::string display_name;
  soci::indicator display_name_ind = soci::i_null;
  sql << "SELECT id, email, password_hash, display_name, " + time_text(backend, "created_at") +
             " FROM users WHERE " + column + " = :value",
      soci::use(value, "value"), soci::into(row.id), soci::into(row.email),
      soci::into(row.password_hash), soci::into(display_name, display_name_ind),
      soci::into(row.created_at);
  if (!sql.got_data()) return std::nullopt;
  if (display_name_ind == soci::i_ok) row.display_name = std::move(display_name);
  return row;
}

}  // namespace

UsersRepository::UsersRepository(soci::session& sql) : sql_(sql), backend_(backend_of(sql)) {}

void UsersRepository::insert(const UserRow& user) {
  std::string display_name = user.display_name.value_or("");
  soci::indicator display_name_ind = user.display_name ? soci::i_ok : soci::i_null;
  sql_ << "INSERT INTO users (id, email, password_hash, display_name)"
          " VALUES (:id, :email, :password_hash, :display_name)",
      soci::use(user.id, "id"), soci::use(user.email, "email"),
      soci::use(user.password_hash, "password_hash"),
      soci::use(display_name, display_name_ind, "display_name");
}

std::optional<UserRow> UsersRepository::find_by_id(const std::string& id) {
  return find_one(sql_, backend_, "id", id);
}

std::optional<UserRow> UsersRepository::find_by_email(const std::string& email) {
  return find_one(sql_, backend_, "email", email);
}

bool UsersRepository::update_display_name(const std::string& id,
                                          const std::optional<std::string>& display_name) {
  const std::string now = format_rfc3339_ms(WallClock::now());
  std::string name = display_name.value_or("");
  soci::indicator name_ind = display_name ? soci::i_ok : soci::i_null;
  return execute_counted(sql_,
                         "UPDATE users SET display_name = :display_name, updated_at = " +
                             time_param(backend_, "now") + " WHERE id = :id",
                         soci::use(name, name_ind, "display_name"), soci::use(now, "now"),
                         soci::use(id, "id")) == 1;
}

bool UsersRepository::update_password_hash(const std::string& id,
                                           const std::string& password_hash) {
  const std::string now = format_rfc3339_ms(WallClock::now());
  return execute_counted(sql_,
                         "UPDATE users SET password_hash = :password_hash, updated_at = " +
                             time_param(backend_, "now") + " WHERE id = :id",
                         soci::use(password_hash, "password_hash"), soci::use(now, "now"),
                         soci::use(id, "id")) == 1;
}

bool UsersRepository::remove(const std::string& id) {
  return execute_counted(sql_, "DELETE FROM users WHERE id = :id", soci::use(id, "id")) == 1;
}

}  // namespace moodgate::store
