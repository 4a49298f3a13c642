// The attacks of bench/attacks.sh, each as a Tactic for a Swarm: the requests (built once and
// shared), how many connections, how fast. The limits they aim at are README.md's "The front
// door": 16 KiB of head, 8 KiB of target, 100 header fields, JSON 64 levels deep.
#pragma once

#include "bench/attack/swarm.h"

namespace moodgate::bench {

struct FloodSettings {
  int connections = 100;
  std::size_t big_bytes = 1024 * 1024;  // of the big header and of the long target
  double bytes_per_s = 0;               // at most; 0: as fast as the kernel takes them
  bool send_all = false;                // write the whole request even when answered before
};

// A big header, a target as long and 10,000 small headers, in turn; a new connection after each
// answer (431, 414, 431).
Tactic header_flood(const FloodSettings& settings);

// Connections that send nothing and are held until the server answers them (408 after
// server.header_timeout_ms, or 503 beyond server.max_connections), then opened again.
Tactic idle_holders(int connections);

// POST /api/v1/auth/refresh with 110,000 `[` and /api/v1/auth/login with 150,000 `{"a":`, in
// turn, over keep-alive connections, as fast as the answers come (400).
Tactic deep_nesting(int connections);

// Connections each sending one byte of a never-ending head per second, until the server ends
// them (408), then opened again.
Tactic slowloris(int connections);

// Bursts of pipelined requests (16 at once), then framing a strict server must refuse: two
// Content-Lengths, `Transfer-Encoding : chunked`, Content-Length with Transfer-Encoding, two
// Hosts, a bad chunk size; each with a request smuggled behind it, which must not be answered.
Tactic pipelining_and_smuggling(int connections);

}  // namespace moodgate::bench
