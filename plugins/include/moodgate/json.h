// The one way Moodgate reads JSON text: request bodies, provider answers, what the gateway
// stored itself, its own documents, and the plugins' parsing of their replies all go through
// parse_json().
//
// Why: RapidJSON's default parser recurses once per nesting level, so a 100 KB body of '['
// exhausts a thread's stack and kills the process. parse_json() reads without recursion
// (kParseIterativeFlag) and stops as soon as the text opens more than `max_depth` arrays and
// objects (64 by default), so a refused text costs no more than its first 64 levels. A value
// parsed here is at most `max_depth` deep: code that walks it recursively (RapidJSON's own
// Accept(), operator== and CopyFrom() do) is bounded by that too. Do not walk values parsed any
// other way.
//
// Depth counts open arrays and objects: `1` is 0 deep, `[]` and `{}` are 1, `{"a": [1]}` is 2.
// The text must be exactly one JSON value (whitespace around it is fine); a UTF-8 byte order mark
// is skipped, as Document::Parse does.
//
// Header-only; needs the RapidJSON 1.1 headers (Debian: rapidjson-dev), which a plugin that reads
// JSON has anyway. Thread-safe: a pure function of its arguments (each call has its own reader;
// the Document is the caller's). No exceptions of its own.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace moodgate::sdk {

// How deep a JSON text may nest unless the caller says otherwise: far beyond any request body,
// provider answer or schema we exchange, far below what a stack can hold.
inline constexpr int kMaxJsonDepth = 64;

struct JsonOptions {
  int max_depth = kMaxJsonDepth;
  // Refuse strings that are not valid UTF-8 (kParseValidateEncodingFlag); off, such bytes are
  // copied as they are.
  bool validate_utf8 = false;
};

// Why a text was not parsed.
struct JsonError {
  enum class Kind { kTooDeep, kInvalid };
  Kind kind = Kind::kInvalid;
  // kInvalid: what RapidJSON found wrong; kTooDeep: kParseErrorTermination.
  rapidjson::ParseErrorCode code = rapidjson::kParseErrorNone;
  std::size_t offset = 0;         // bytes read when reading stopped
  int max_depth = kMaxJsonDepth;  // the limit the text went past (kTooDeep)

  bool too_deep() const { return kind == Kind::kTooDeep; }
  // What is wrong, to follow a subject ("the answer " + describe()): "nests deeper than 64
  // levels", or "is not valid JSON: Invalid value. (offset 3)".
  std::string describe() const {
    if (too_deep()) return "nests deeper than " + std::to_string(max_depth) + " levels";
    return std::string("is not valid JSON: ") + rapidjson::GetParseError_En(code) + " (offset " +
           std::to_string(offset) + ")";
  }
};

namespace json_detail {

// SAX handler that builds `doc` and refuses to open a level past `max_depth`.
class DepthLimitedHandler {
 public:
  DepthLimitedHandler(rapidjson::Document& doc, int max_depth) : doc_(doc), max_depth_(max_depth) {}

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(std::int64_t i) { return doc_.Int64(i); }
  bool Uint64(std::uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
    return doc_.RawNumber(s, n, copy);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return doc_.String(s, n, copy); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return doc_.Key(s, n, copy); }
  bool StartObject() { return enter() && doc_.StartObject(); }
  bool EndObject(rapidjson::SizeType members) {
    --depth_;
    return doc_.EndObject(members);
  }
  bool StartArray() { return enter() && doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType elements) {
    --depth_;
    return doc_.EndArray(elements);
  }

  bool too_deep() const { return too_deep_; }

 private:
  bool enter() {
    if (depth_ >= max_depth_) {
      too_deep_ = true;
      return false;
    }
    ++depth_;
    return true;
  }

  rapidjson::Document& doc_;
  const int max_depth_;
  int depth_ = 0;
  bool too_deep_ = false;
};

// Drives an iterative reader over `text` into the document Populate() hands it.
template <unsigned kFlags>
struct Generator {
  std::string_view text;
  int max_depth = kMaxJsonDepth;
  rapidjson::ParseResult result;
  bool too_deep = false;

  bool operator()(rapidjson::Document& doc) {
    rapidjson::MemoryStream memory(text.data(), text.size());
    rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> in(memory);
    DepthLimitedHandler handler(doc, max_depth);
    rapidjson::Reader reader;
    result = reader.Parse<kFlags | rapidjson::kParseIterativeFlag>(in, handler);
    too_deep = handler.too_deep();
    return !result.IsError();
  }
};

template <unsigned kFlags>
std::optional<JsonError> parse_with(std::string_view text, rapidjson::Document& doc,
                                    int max_depth) {
  Generator<kFlags> generator{text, max_depth, {}, false};
  doc.Populate(generator);
  if (!generator.result.IsError()) return std::nullopt;
  doc.SetNull();
  JsonError error;
  error.kind = generator.too_deep ? JsonError::Kind::kTooDeep : JsonError::Kind::kInvalid;
  error.code = generator.result.Code();
  error.offset = generator.result.Offset();
  error.max_depth = max_depth;
  return error;
}

}  // namespace json_detail

// Parses `text` into `doc`, replacing what it held. Returns nullopt when `text` is one JSON value
// no deeper than options.max_depth; otherwise why not, with `doc` left null.
[[nodiscard]] inline std::optional<JsonError> parse_json(std::string_view text,
                                                         rapidjson::Document& doc,
                                                         const JsonOptions& options = {}) {
  if (options.validate_utf8) {
    return json_detail::parse_with<rapidjson::kParseValidateEncodingFlag>(text, doc,
                                                                          options.max_depth);
  }
  return json_detail::parse_with<rapidjson::kParseDefaultFlags>(text, doc, options.max_depth);
}

}  // namespace moodgate::sdk
