#include "png.h"

#include <algorithm>
#include <array>
#include <cstddef>

namespace moodgate::mock {
namespace {

constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t n = 0; n < 256; ++n) {
    std::uint32_t c = n;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[n] = c;
  }
  return table;
}

constexpr std::array<std::uint32_t, 256> kCrcTable = make_crc_table();

void put_u32(std::string& out, std::uint32_t v) {
  out += static_cast<char>(v >> 24);
  out += static_cast<char>((v >> 16) & 0xFF);
  out += static_cast<char>((v >> 8) & 0xFF);
  out += static_cast<char>(v & 0xFF);
}

// Length, type, data, CRC over type and data.
void put_chunk(std::string& out, std::string_view type, std::string_view data) {
  put_u32(out, static_cast<std::uint32_t>(data.size()));
  std::string body;
  body.reserve(type.size() + data.size());
  body.append(type).append(data);
  out += body;
  put_u32(out, crc32(body));
}

// A zlib stream (RFC 1950) of STORED deflate blocks (RFC 1951, BTYPE 00), at most 65535 bytes
// each, the last with BFINAL set.
std::string zlib_stored(std::string_view raw) {
  constexpr std::size_t kMaxBlock = 65535;
  std::string out;
  out.reserve(raw.size() + raw.size() / kMaxBlock * 5 + 16);
  out += '\x78';  // CM 8 (deflate), CINFO 7 (32K window)
  out += '\x01';  // FLEVEL 0, no dictionary; 0x7801 is a multiple of 31 as FCHECK requires
  std::size_t at = 0;
  do {
    std::size_t n = std::min(kMaxBlock, raw.size() - at);
    bool last = at + n == raw.size();
    out += static_cast<char>(last ? 1 : 0);  // BFINAL, BTYPE 00; the rest of the byte is padding
    out += static_cast<char>(n & 0xFF);      // LEN, little-endian
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(~n & 0xFF);  // NLEN, its one's complement
    out += static_cast<char>((~n >> 8) & 0xFF);
    out.append(raw.substr(at, n));
    at += n;
  } while (at < raw.size());
  put_u32(out, adler32(raw));
  return out;
}

}  // namespace

std::uint32_t crc32(std::string_view bytes) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (char b : bytes) c = kCrcTable[(c ^ static_cast<unsigned char>(b)) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::uint32_t adler32(std::string_view bytes) {
  constexpr std::uint32_t kMod = 65521;
  std::uint32_t a = 1;
  std::uint32_t b = 0;
  for (char c : bytes) {
    a = (a + static_cast<unsigned char>(c)) % kMod;
    b = (b + a) % kMod;
  }
  return (b << 16) | a;
}

std::string encode_png(std::uint32_t width, std::uint32_t height,
                       const std::vector<std::uint8_t>& rgb) {
  // Each row is its filter type (0: none) and then the row's pixels.
  std::string raw;
  std::size_t row_bytes = static_cast<std::size_t>(width) * 3;
  raw.reserve((row_bytes + 1) * height);
  for (std::uint32_t y = 0; y < height; ++y) {
    raw += '\0';
    raw.append(reinterpret_cast<const char*>(rgb.data()) + y * row_bytes, row_bytes);
  }

  std::string header;
  put_u32(header, width);
  put_u32(header, height);
  header += '\x08';  // bit depth
  header += '\x02';  // colour type 2: RGB
  header += '\0';    // compression method: deflate
  header += '\0';    // filter method 0
  header += '\0';    // no interlace

  std::string png = "\x89PNG\r\n\x1A\n";
  put_chunk(png, "IHDR", header);
  put_chunk(png, "IDAT", zlib_stored(raw));
  put_chunk(png, "IEND", "");
  return png;
}

}  // namespace moodgate::mock
