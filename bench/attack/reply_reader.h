// ReplyReader: finds where each HTTP/1.x answer ends in the bytes a connection receives and
// reports its status, so that pipelined answers are counted one by one. It knows bodies sized
// by Content-Length (all the gateway sends) and bodies that run to the end of the connection;
// enough for a benchmark's client, not a general one. Interim answers (1xx) are skipped.
//
// Not thread-safe: one reader per connection, used by the thread that owns the connection.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace moodgate::bench {

class ReplyReader {
 public:
  // Reads `bytes`; appends the status of every answer they complete to `statuses`. Returns
  // false when the bytes are not an HTTP answer (the connection is then of no further use).
  bool feed(std::string_view bytes, std::vector<int>& statuses);
  // The connection ended: an answer whose body ran to the end is complete.
  void finish(std::vector<int>& statuses);
  // Starts over, for a new connection.
  void reset();

 private:
  // Parses head_ (a whole head); false when it is not an HTTP answer.
  bool take_head(std::vector<int>& statuses);

  std::string head_;         // the current answer's head, while it is being read
  long long body_left_ = 0;  // bytes of the current body still to come
  int status_ = 0;           // of the answer whose body is being read; 0 while reading a head
  bool to_close_ = false;    // that body runs to the end of the connection
};

}  // namespace moodgate::bench
