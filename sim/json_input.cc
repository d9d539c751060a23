#include "sim/json_input.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include <fmt/format.h>

namespace banksim {

namespace {

// What a file that is not a regular file is, for the error.
std::string_view file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace

Result<std::string> read_input_file(const std::string& path, int64_t max_bytes,
                                    std::string_view what) {
  // O_NONBLOCK: opening a FIFO that has no writer would otherwise block forever. The
  // type is checked on the open descriptor, so the file cannot change in between.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return Error{fmt::format("{}: cannot open file", path)};
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Error{fmt::format("{}: cannot read file", path)};
  // Only a regular file has a size to bound before reading: a directory reports a
  // nonsense one, a FIFO may never end or block, /dev/zero never ends.
  if (S_ISDIR(st.st_mode)) return Error{fmt::format("{}: is a directory, not a {}", path, what)};
  if (!S_ISREG(st.st_mode)) {
    return Error{fmt::format("{}: is {}, not a regular file: a {} must be a regular file",
                             path, file_kind(st.st_mode), what)};
  }
  // The size is checked before reading, so a huge file is never read into memory.
  const int64_t size = st.st_size;
  if (size > max_bytes) {
    return Error{fmt::format("{}: $: file is larger than {} MiB", path, max_bytes >> 20)};
  }
  std::string text(static_cast<size_t>(size), '\0');
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::read(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error{fmt::format("{}: cannot read file", path)};
    done += static_cast<size_t>(n);
  }
  return text;
}

int nesting_depth(std::string_view text) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

std::optional<Error> check_json_bounds(std::string_view text, const std::string& source,
                                       int64_t max_bytes, int max_depth) {
  if (static_cast<int64_t>(text.size()) > max_bytes) {
    return Error{fmt::format("{}: $: file is larger than {} MiB", source, max_bytes >> 20)};
  }
  // The depth is bounded by a scan before parsing, not by a parser callback: with a
  // callback, nlohmann's parser rescans the whole parent at the end of every object,
  // which is quadratic in an array's length (2.5 s on a 13 MB scenario; now 0.3 s).
  if (nesting_depth(text) > max_depth) {
    return Error{fmt::format("{}: $: JSON nested deeper than {} levels", source, max_depth)};
  }
  return std::nullopt;
}

namespace {

// A SAX pass that only tracks where it is and the keys of each open object.
class DuplicateKeyFinder {
 public:
  using json = nlohmann::json;

  std::optional<DuplicateKey> run(std::string_view text) {
    json::sax_parse(text.begin(), text.end(), this, json::input_format_t::json,
                    /*strict=*/true, /*ignore_comments=*/false);
    return found_;
  }

  bool null() { return value(); }
  bool boolean(bool) { return value(); }
  bool number_integer(json::number_integer_t) { return value(); }
  bool number_unsigned(json::number_unsigned_t) { return value(); }
  bool number_float(json::number_float_t, const std::string&) { return value(); }
  bool string(json::string_t&) { return value(); }
  bool binary(json::binary_t&) { return value(); }
  bool start_object(std::size_t) { return open(true); }
  bool start_array(std::size_t) { return open(false); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(json::string_t& k) {
    Frame& f = frames_.back();
    // Objects in inputs are small: a linear search beats a tree.
    if (std::find(f.keys.begin(), f.keys.end(), k) != f.keys.end()) {
      found_ = DuplicateKey{json_path_child(path(), k), k};
      return false;
    }
    f.keys.push_back(k);
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const json::exception&) { return false; }

 private:
  struct Frame {
    bool object = false;
    size_t count = 0;               // arrays: elements begun so far
    std::vector<std::string> keys;  // objects: keys so far (the last is the current one)
  };

  bool value() {
    if (!frames_.empty() && !frames_.back().object) frames_.back().count += 1;
    return true;
  }
  bool open(bool object) {
    value();
    frames_.push_back(Frame{object, 0, {}});
    return true;
  }
  bool close() {
    frames_.pop_back();
    return true;
  }
  // The path of the innermost open container.
  std::string path() const {
    std::string p = "$";
    for (size_t i = 0; i + 1 < frames_.size(); ++i) {
      const Frame& f = frames_[i];
      p = f.object ? json_path_child(p, f.keys.back()) : fmt::format("{}[{}]", p, f.count - 1);
    }
    return p;
  }

  std::vector<Frame> frames_;
  std::optional<DuplicateKey> found_;
};

}  // namespace

std::optional<DuplicateKey> find_duplicate_key(std::string_view text) {
  return DuplicateKeyFinder().run(text);
}

Result<nlohmann::json> parse_json_input(std::string_view text, const std::string& source,
                                        int64_t max_bytes, int max_depth) {
  using nlohmann::json;
  if (auto bad = check_json_bounds(text, source, max_bytes, max_depth)) return *bad;
  json doc;
  try {
    doc = json::parse(text.begin(), text.end(), /*cb=*/nullptr, /*allow_exceptions=*/true,
                      /*ignore_comments=*/false);
  } catch (const json::exception& e) {
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2: ..." -> after "] ".
    const size_t at = what.find("] ");
    if (at != std::string::npos) what = what.substr(at + 2);
    // Its "last read: '...'" holds the whole token read so far: a truncated 10 MB string
    // (a swarm summary's fingerprints) would make a 10 MB error line.
    constexpr size_t kMaxWhat = 300;
    if (what.size() > kMaxWhat) {
      size_t cut = kMaxWhat;  // not inside a UTF-8 sequence
      while (cut > 0 && (static_cast<unsigned char>(what[cut]) & 0xc0) == 0x80) --cut;
      what = fmt::format("{}... ({} more bytes)", what.substr(0, cut), what.size() - cut);
    }
    return Error{fmt::format("{}: $: malformed JSON: {}", source, what)};
  }
  if (auto dup = find_duplicate_key(text)) {
    return Error{fmt::format("{}: {}: duplicate key {}: a key may appear only once in an object",
                             source, dup->path, quote_for_error(dup->key))};
  }
  return doc;
}

const char* json_kind_name(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::object:
      return "an object";
    case nlohmann::json::value_t::array:
      return "an array";
    case nlohmann::json::value_t::string:
      return "a string";
    case nlohmann::json::value_t::boolean:
      return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return "an integer";
    case nlohmann::json::value_t::number_float:
      return "a fractional number";
    default:
      return "something else";
  }
}

}  // namespace banksim
