// The driver that runs a libFuzzer-shaped target without libFuzzer (any compiler, the normal
// test suite): every file of the seed corpus, then a bounded number of deterministic mutations
// of them. It is not coverage-guided; its job is to keep the targets and the corpus working and
// to catch what a few seconds of blind mutation can, under the sanitizers when the build has
// them. The long, coverage-guided runs are scripts/fuzz.sh.
//
//   <target> [--mutations N] [--seed S] [--max-len BYTES] [--dict FILE] CORPUS_DIR_OR_FILE...
//
// Exits 0 when every input returned; 1 (after printing the input's file name, or saving the
// mutated input as ./fuzz-failure-<target>) when the target threw; a crash or sanitizer report
// ends the process as it would under libFuzzer, with the input saved the same way first.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

// Provided by the sanitizer runtimes when the build has one.
extern "C" void __sanitizer_set_death_callback(void (*callback)()) __attribute__((weak));

namespace {

namespace fs = std::filesystem;
using Bytes = std::string;

// ---- saving the input that brought the process down ----

// What the target is running, for the crash handlers (which may only use async-signal-safe
// calls: open, write, close).
const char* g_current = nullptr;
std::size_t g_current_size = 0;
bool g_current_is_seed = false;
char g_failure_path[512] = "fuzz-failure";

void save_current_input() {
  if (g_current == nullptr || g_current_is_seed) return;  // a seed is already a file
  const int fd = ::open(g_failure_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  std::size_t done = 0;
  while (done < g_current_size) {
    const ssize_t n = ::write(fd, g_current + done, g_current_size - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  const char note[] = "\nfuzz: the input that failed is saved as ";
  [[maybe_unused]] auto a = ::write(2, note, sizeof note - 1);
  [[maybe_unused]] auto b = ::write(2, g_failure_path, std::strlen(g_failure_path));
  [[maybe_unused]] auto c = ::write(2, "\n", 1);
}

void on_fatal_signal(int sig) {
  save_current_input();
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void install_crash_handlers() {
  if (__sanitizer_set_death_callback != nullptr) __sanitizer_set_death_callback(save_current_input);
  for (const int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL}) ::signal(sig, on_fatal_signal);
}

// ---- inputs ----

struct Options {
  long mutations = 0;
  std::uint64_t seed = 1;
  std::size_t max_len = 64 * 1024;
  std::vector<Bytes> dictionary;
  std::vector<fs::path> corpus;
};

Bytes read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

// A libFuzzer dictionary: one "token" per line, optionally name="token", with \\, \" and \xNN.
std::vector<Bytes> read_dictionary(const fs::path& path) {
  std::vector<Bytes> tokens;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const auto open = line.find('"');
    const auto close = line.rfind('"');
    if (line.empty() || line.front() == '#' || open == std::string::npos || close <= open) {
      continue;
    }
    Bytes token;
    for (std::size_t i = open + 1; i < close; ++i) {
      if (line[i] != '\\' || i + 1 >= close) {
        token.push_back(line[i]);
      } else if (line[i + 1] == 'x' && i + 3 < close) {
        token.push_back(static_cast<char>(std::stoi(line.substr(i + 2, 2), nullptr, 16)));
        i += 3;
      } else {
        token.push_back(line[++i]);
      }
    }
    if (!token.empty()) tokens.push_back(token);
  }
  return tokens;
}

// The corpus files, in a stable order (file names), so that runs repeat exactly.
std::vector<fs::path> corpus_files(const std::vector<fs::path>& roots) {
  std::vector<fs::path> files;
  for (const auto& root : roots) {
    if (fs::is_regular_file(root)) {
      files.push_back(root);
      continue;
    }
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// ---- mutation ----

class Mutator {
 public:
  Mutator(std::uint64_t seed, const std::vector<Bytes>& dictionary, std::size_t max_len)
      : rng_(seed), dictionary_(dictionary), max_len_(max_len) {}

  // 1 to 4 random edits of `base`, sometimes spliced with `other`.
  Bytes mutate(const Bytes& base, const Bytes& other) {
    Bytes b = base;
    const int edits = 1 + static_cast<int>(below(4));
    for (int i = 0; i < edits; ++i) edit(b, other);
    if (b.size() > max_len_) b.resize(max_len_);
    return b;
  }

 private:
  std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng_() % n); }
  char random_byte() {
    // Bytes that matter to parsers, most of the time; any byte otherwise.
    using namespace std::string_view_literals;
    static constexpr std::string_view kInteresting =
        "{}[]\":,\\/09eE.+- \n\t\r\0\x7f\x80\xc3\xff"sv;
    return below(4) == 0 ? static_cast<char>(rng_()) : kInteresting[below(kInteresting.size())];
  }

  void edit(Bytes& b, const Bytes& other) {
    const std::size_t at = below(b.size() + 1);
    switch (below(9)) {
      case 0:  // flip a bit
        if (!b.empty()) b[below(b.size())] ^= static_cast<char>(1u << below(8));
        break;
      case 1:  // overwrite a byte
        if (!b.empty()) b[below(b.size())] = random_byte();
        break;
      case 2:  // insert bytes
        b.insert(at, 1 + below(4), random_byte());
        break;
      case 3:  // erase a range
        if (!b.empty()) b.erase(below(b.size()), 1 + below(std::min<std::size_t>(b.size(), 64)));
        break;
      case 4:  // duplicate a range (nesting, repeated members)
        if (!b.empty()) {
          const std::size_t from = below(b.size());
          const Bytes piece =
              b.substr(from, 1 + below(std::min<std::size_t>(b.size() - from, 256)));
          const std::size_t times = 1 + below(8);
          for (std::size_t t = 0; t < times && b.size() < max_len_; ++t) b.insert(at, piece);
        }
        break;
      case 5:  // a dictionary token
        if (!dictionary_.empty()) b.insert(at, dictionary_[below(dictionary_.size())]);
        break;
      case 6:  // cut short (truncated bodies)
        b.resize(at);
        break;
      case 7:  // splice with another input
        if (!other.empty()) {
          const std::size_t from = below(other.size());
          b = b.substr(0, at) + other.substr(from, below(other.size() - from + 1));
        }
        break;
      default:  // a run of one byte (deep nesting, long strings)
        b.insert(at, 1 + below(2048), random_byte());
        break;
    }
  }

  std::mt19937_64 rng_;
  const std::vector<Bytes>& dictionary_;
  std::size_t max_len_;
};

void run_one(const Bytes& input, bool is_seed) {
  g_current = input.data();
  g_current_size = input.size();
  g_current_is_seed = is_seed;
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
  g_current = nullptr;
}

int usage(const char* self) {
  std::fprintf(stderr,
               "usage: %s [--mutations N] [--seed S] [--max-len BYTES] [--dict FILE] "
               "CORPUS_DIR_OR_FILE...\n",
               self);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--mutations" && has_value) {
      options.mutations = std::stol(argv[++i]);
    } else if (arg == "--seed" && has_value) {
      options.seed = std::stoull(argv[++i]);
    } else if (arg == "--max-len" && has_value) {
      options.max_len = std::stoul(argv[++i]);
    } else if (arg == "--dict" && has_value) {
      options.dictionary = read_dictionary(argv[++i]);
    } else if (!arg.empty() && arg.front() == '-') {
      return usage(argv[0]);
    } else {
      options.corpus.emplace_back(argv[i]);
    }
  }
  if (options.corpus.empty()) return usage(argv[0]);

  const std::string name = fs::path(argv[0]).filename().string();
  std::snprintf(g_failure_path, sizeof g_failure_path, "fuzz-failure-%s", name.c_str());
  install_crash_handlers();

  const auto started = std::chrono::steady_clock::now();
  std::vector<Bytes> seeds;
  const fs::path* current_file = nullptr;
  try {
    const auto files = corpus_files(options.corpus);
    for (const auto& file : files) {
      current_file = &file;
      std::fprintf(stderr, "%s: %s\n", name.c_str(), file.c_str());
      seeds.push_back(read_file(file));
      run_one(seeds.back(), true);
    }
    current_file = nullptr;
    if (seeds.empty()) {
      std::fprintf(stderr, "%s: the corpus is empty\n", name.c_str());
      return 1;
    }
    Mutator mutator(options.seed, options.dictionary, options.max_len);
    std::mt19937_64 pick(options.seed ^ 0x9e3779b97f4a7c15ull);
    for (long n = 0; n < options.mutations; ++n) {
      const Bytes& base = seeds[pick() % seeds.size()];
      const Bytes& other = seeds[pick() % seeds.size()];
      run_one(mutator.mutate(base, other), false);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: an exception escaped the target: %s\n", name.c_str(), e.what());
    if (current_file != nullptr) std::fprintf(stderr, "on seed %s\n", current_file->c_str());
    save_current_input();
    return 1;
  } catch (...) {
    std::fprintf(stderr, "%s: an exception escaped the target\n", name.c_str());
    if (current_file != nullptr) std::fprintf(stderr, "on seed %s\n", current_file->c_str());
    save_current_input();
    return 1;
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  std::printf("%s: %zu seed inputs and %ld mutations (seed %llu) in %lld ms, no failure\n",
              name.c_str(), seeds.size(), options.mutations,
              static_cast<unsigned long long>(options.seed), static_cast<long long>(ms));
  return 0;
}
