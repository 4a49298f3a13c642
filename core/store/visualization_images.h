// The visualization_images table: image bytes stored and read back exactly, on either backend.
//
// SOCI 4.0.3 passes PostgreSQL parameters and results as text, which would cut bytes at the
// first NUL and read bytea back as "\x..": on PostgreSQL the bytes therefore cross as base64
// (decode(:b64, 'base64') in, encode(data, 'base64') out). SQLite binds and reads a soci::blob.
// Used by VisualizationsRepository, inside its transactions; same rules as the repositories
// (a borrowed session, SOCI exceptions on errors). Not thread-safe.
#pragma once

#include <optional>
#include <string>

namespace soci {
class session;
}

namespace moodgate::store {

struct ImageBytes {
  std::string mime_type;
  std::string bytes;
};

// Inserts the image of visualization `id`. Throws if it already has one (primary key).
void insert_image_bytes(soci::session& sql, const std::string& id, const std::string& mime_type,
                        const std::string& bytes);
// The image of visualization `id`, if one is stored.
std::optional<ImageBytes> read_image_bytes(soci::session& sql, const std::string& id);

}  // namespace moodgate::store
