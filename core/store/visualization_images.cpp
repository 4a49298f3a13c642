#include "core/store/visualization_images.h"

#include <soci/soci.h>
#include <sodium.h>

#include <stdexcept>
#include <vector>

#include "core/store/sql_dialect.h"

namespace moodgate::store {
namespace {

constexpr int kBase64 = sodium_base64_VARIANT_ORIGINAL;

std::string to_base64(const std::string& bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), kBase64), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), kBase64);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

// PostgreSQL's encode(..., 'base64') breaks lines every 76 characters: those are skipped.
std::string from_base64(const std::string& text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), "\r\n", &len, nullptr, kBase64) != 0) {
    throw std::runtime_error("visualization_images: stored image is not valid base64");
  }
  out.resize(len);
  return out;
}

}  // namespace

void insert_image_bytes(soci::session& sql, const std::string& id, const std::string& mime_type,
                        const std::string& bytes) {
  if (backend_of(sql) == Backend::kPostgres) {
    const std::string b64 = to_base64(bytes);
    sql << "INSERT INTO visualization_images (visualization_id, mime_type, data)"
           " VALUES (:id, :mime_type, decode(:b64, 'base64'))",
        soci::use(id, "id"), soci::use(mime_type, "mime_type"), soci::use(b64, "b64");
    return;
  }
  soci::blob blob(sql);
  if (!bytes.empty()) blob.write(0, bytes.data(), bytes.size());
  sql << "INSERT INTO visualization_images (visualization_id, mime_type, data)"
         " VALUES (:id, :mime_type, :data)",
      soci::use(id, "id"), soci::use(mime_type, "mime_type"), soci::use(blob, "data");
}

std::optional<ImageBytes> read_image_bytes(soci::session& sql, const std::string& id) {
  ImageBytes image;
  if (backend_of(sql) == Backend::kPostgres) {
    std::string b64;
    sql << "SELECT mime_type, encode(data, 'base64') FROM visualization_images"
           " WHERE visualization_id = :id",
        soci::use(id, "id"), soci::into(image.mime_type), soci::into(b64);
    if (!sql.got_data()) return std::nullopt;
    image.bytes = from_base64(b64);
    return image;
  }
  soci::blob blob(sql);
  sql << "SELECT mime_type, data FROM visualization_images WHERE visualization_id = :id",
      soci::use(id, "id"), soci::into(image.mime_type), soci::into(blob);
  if (!sql.got_data()) return std::nullopt;
  image.bytes.resize(blob.get_len());
  if (!image.bytes.empty()) blob.read(0, image.bytes.data(), image.bytes.size());
  return image;
}

}  // namespace moodgate::store
