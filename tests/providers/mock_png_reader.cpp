#include "tests/providers/mock_png_reader.h"

#include <stdexcept>
#include <string>

namespace moodgate::testing {
namespace {

// Bit by bit, as the PNG specification's sample code does.
std::uint32_t slow_crc32(const std::string& bytes) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char byte : bytes) {
    c ^= byte;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

std::uint32_t slow_adler32(const std::string& bytes) {
  std::uint64_t a = 1;
  std::uint64_t b = 0;
  for (unsigned char byte : bytes) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return static_cast<std::uint32_t>((b << 16) | a);
}

std::uint32_t big_endian(const std::string& s, std::size_t at) {
  if (at + 4 > s.size()) throw std::runtime_error("truncated at byte " + std::to_string(at));
  auto byte = [&](std::size_t k) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + k]));
  };
  return byte(0) << 24 | byte(1) << 16 | byte(2) << 8 | byte(3);
}

std::string inflate_stored(const std::string& zlib) {
  if (zlib.size() < 6) throw std::runtime_error("zlib stream too short");
  auto cmf = static_cast<unsigned char>(zlib[0]);
  auto flg = static_cast<unsigned char>(zlib[1]);
  if ((cmf & 0x0F) != 8) throw std::runtime_error("zlib method is not deflate");
  if ((cmf * 256 + flg) % 31 != 0) throw std::runtime_error("zlib FCHECK is wrong");
  if (flg & 0x20) throw std::runtime_error("zlib preset dictionary is not expected");
  std::string out;
  std::size_t at = 2;
  bool final_block = false;
  while (!final_block) {
    if (at + 5 > zlib.size()) throw std::runtime_error("deflate block header truncated");
    auto header = static_cast<unsigned char>(zlib[at]);
    final_block = header & 1;
    if (((header >> 1) & 3) != 0) throw std::runtime_error("deflate block is not STORED");
    auto u8 = [&](std::size_t k) {
      return static_cast<unsigned>(static_cast<unsigned char>(zlib[k]));
    };
    unsigned len = u8(at + 1) | u8(at + 2) << 8;
    unsigned nlen = u8(at + 3) | u8(at + 4) << 8;
    if ((len ^ 0xFFFFu) != nlen) throw std::runtime_error("STORED block NLEN is not ~LEN");
    at += 5;
    if (at + len > zlib.size()) throw std::runtime_error("STORED block overruns the stream");
    out.append(zlib, at, len);
    at += len;
  }
  if (big_endian(zlib, at) != slow_adler32(out)) throw std::runtime_error("Adler-32 mismatch");
  if (at + 4 != zlib.size()) throw std::runtime_error("bytes after the zlib stream");
  return out;
}

}  // namespace

MockPng read_stored_png(const std::string& file) {
  const std::string signature = "\x89PNG\r\n\x1A\n";
  if (file.compare(0, signature.size(), signature) != 0)
    throw std::runtime_error("no PNG signature");
  MockPng png;
  std::string idat;
  std::size_t at = signature.size();
  while (at < file.size()) {
    std::uint32_t length = big_endian(file, at);
    if (at + 12 + length > file.size()) throw std::runtime_error("chunk overruns the file");
    std::string type_and_data = file.substr(at + 4, 4 + length);
    std::string type = type_and_data.substr(0, 4);
    if (big_endian(file, at + 8 + length) != slow_crc32(type_and_data)) {
      throw std::runtime_error("CRC mismatch in chunk " + type);
    }
    png.chunk_types.push_back(type);
    std::string data = type_and_data.substr(4);
    if (type == "IHDR") {
      if (data.size() != 13) throw std::runtime_error("IHDR is not 13 bytes");
      png.width = big_endian(data, 0);
      png.height = big_endian(data, 4);
      if (data.substr(8) != std::string("\x08\x02\x00\x00\x00", 5)) {
        throw std::runtime_error("not 8-bit RGB, deflate, filter 0, no interlace");
      }
    } else if (type == "IDAT") {
      idat += data;
    }
    at += 12 + length;
  }
  if (png.chunk_types.empty() || png.chunk_types.front() != "IHDR" ||
      png.chunk_types.back() != "IEND") {
    throw std::runtime_error("chunks must start with IHDR and end with IEND");
  }
  std::string raw = inflate_stored(idat);
  std::size_t row = static_cast<std::size_t>(png.width) * 3;
  if (raw.size() != (row + 1) * png.height)
    throw std::runtime_error("image data has the wrong size");
  png.rgb.reserve(row * png.height);
  for (std::uint32_t y = 0; y < png.height; ++y) {
    if (raw[y * (row + 1)] != 0) throw std::runtime_error("row filter is not 0 (none)");
    png.rgb.insert(png.rgb.end(), raw.begin() + y * (row + 1) + 1,
                   raw.begin() + (y + 1) * (row + 1));
  }
  return png;
}

MeanColour mean_colour(const MockPng& png) {
  MeanColour mean;
  std::size_t pixels = png.rgb.size() / 3;
  for (std::size_t i = 0; i < pixels; ++i) {
    mean.r += png.rgb[3 * i];
    mean.g += png.rgb[3 * i + 1];
    mean.b += png.rgb[3 * i + 2];
  }
  if (pixels > 0) {
    mean.r /= static_cast<double>(pixels);
    mean.g /= static_cast<double>(pixels);
    mean.b /= static_cast<double>(pixels);
  }
  return mean;
}

}  // namespace moodgate::testing
