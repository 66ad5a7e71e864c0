#include "mmlu/results/partial_results.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <utility>

#include "mmlu/util/error.hpp"
#include "mmlu/util/file_write.hpp"
#include "mmlu/util/hash.hpp"

namespace fs = std::filesystem;

namespace mmlu {
namespace {

constexpr char kMagic[16] = {'M', 'M', 'L', 'U', '-', 'P', 'A', 'R',
                             'T', 'I', 'A', 'L', '-', 'v', '1', '\n'};
constexpr std::uint32_t kBlockMagic = 0x314B4C42;  // "BLK1"
constexpr std::uint32_t kMaxKeyBytes = 1 << 16;
constexpr const char* kPrefix = "attempt-";
constexpr const char* kSuffix = ".bin";

std::string key_text(const RunKey& key) {
  return "work=" + key.work + "\nmodel=" + key.model + "\ndtype=" + key.dtype +
         "\nlayout=" + key.layout + "\n";
}

RunKey parse_key(const std::string& text, const fs::path& file) {
  RunKey key;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = text.find('\n', at);
    if (end == std::string::npos) throw InputError(file.string() + ": not a partial results file");
    const std::string line = text.substr(at, end - at);
    const std::size_t eq = line.find('=');
    if (eq == std::string::npos) throw InputError(file.string() + ": not a partial results file");
    const std::string name = line.substr(0, eq), value = line.substr(eq + 1);
    if (name == "work")
      key.work = value;
    else if (name == "model")
      key.model = value;
    else if (name == "dtype")
      key.dtype = value;
    else if (name == "layout")
      key.layout = value;
    at = end + 1;
  }
  return key;
}

bool is_partial_file(const fs::path& p) {
  const std::string name = p.filename().string();
  return name.rfind(kPrefix, 0) == 0 && name.size() > std::strlen(kSuffix) &&
         name.compare(name.size() - std::strlen(kSuffix), std::string::npos, kSuffix) == 0;
}

// Never throws: it runs in a destructor, where the folder may vanish under it.
std::vector<fs::path> partial_files(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec) && is_partial_file(it->path())) files.push_back(it->path());
  std::sort(files.begin(), files.end());  // attempt numbers are zero-padded: oldest first
  return files;
}

int attempt_of(const fs::path& file) {
  const std::string name = file.filename().string();
  return std::atoi(name.c_str() + std::strlen(kPrefix));
}

}  // namespace

fs::path partial_dir(const fs::path& out) {
  return fs::path(out.string() + ".partial");
}

PartialWriter::PartialWriter(const fs::path& dir, int attempt, int dp_rank, const RunKey& key) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw InputError(dir.string() + ": cannot be created (" + ec.message() + ")");
  char name[64];
  std::snprintf(name, sizeof name, "%s%04d.dp-%04d%s", kPrefix, attempt, dp_rank, kSuffix);
  path_ = dir / name;
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw InputError(path_.string() + ": cannot be created (" + std::strerror(errno) + ")");
  const std::string text = key_text(key);
  const auto record = static_cast<std::uint32_t>(sizeof(QuestionResult));
  const auto length = static_cast<std::uint32_t>(text.size());
  std::string header(kMagic, sizeof kMagic);
  header.append(reinterpret_cast<const char*>(&record), 4);
  header.append(reinterpret_cast<const char*>(&length), 4);
  header += text;
  try {
    write_all(fd_, header.data(), header.size(), path_);
    if (::fdatasync(fd_) != 0)
      throw Error(path_.string() + ": fdatasync failed (" + std::strerror(errno) + ")");
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

PartialWriter::~PartialWriter() {
  if (fd_ >= 0) ::close(fd_);
  // An attempt that saved nothing (it failed while loading, say) leaves nothing behind.
  if (!appended_) {
    std::error_code ec;
    fs::remove(path_, ec);
    if (!has_partial_results(path_.parent_path())) fs::remove(path_.parent_path(), ec);
  }
}

void PartialWriter::append(const std::vector<QuestionResult>& block) {
  if (block.empty()) return;
  const auto count = static_cast<std::uint32_t>(block.size());
  const std::size_t bytes = block.size() * sizeof(QuestionResult);
  const std::uint64_t sum = Fnv1a().bytes(&count, 4).bytes(block.data(), bytes).value();
  // One write for the whole block, so a kill leaves it complete or visibly short.
  std::string buffer;
  buffer.reserve(8 + bytes + 8);
  buffer.append(reinterpret_cast<const char*>(&kBlockMagic), 4);
  buffer.append(reinterpret_cast<const char*>(&count), 4);
  buffer.append(reinterpret_cast<const char*>(block.data()), bytes);
  buffer.append(reinterpret_cast<const char*>(&sum), 8);
  appended_ = true;  // from the first byte: a torn block still marks the file as ours to keep
  write_all(fd_, buffer.data(), buffer.size(), path_);
  if (::fdatasync(fd_) != 0)
    throw Error(path_.string() + ": fdatasync failed (" + std::strerror(errno) + ")");
}

PartialResults parse_partial_file(const std::string& bytes, const fs::path& file,
                                  const RunKey& key) {
  PartialResults out;
  out.files = 1;
  out.next_attempt = attempt_of(file) + 1;
  std::size_t at = 0;
  auto take = [&](void* dst, std::size_t n) {
    if (bytes.size() - at < n) return false;
    if (n > 0) std::memcpy(dst, bytes.data() + at, n);  // an empty block's data() may be null
    at += n;
    return true;
  };
  // A kill between creating the file and finishing its header leaves a prefix of one: nothing
  // was saved in it.
  auto torn_header = [&] {
    out.warnings.push_back(file.string() + ": cut short before its header ended (ignored)");
    return out;
  };
  const std::size_t magic_bytes = std::min(bytes.size(), sizeof kMagic);
  if (bytes.compare(0, magic_bytes, kMagic, magic_bytes) != 0)
    throw InputError(file.string() + ": not a partial results file (bad header)");
  char magic[sizeof kMagic];
  std::uint32_t record = 0, length = 0;
  if (!take(magic, sizeof magic) || !take(&record, 4) || !take(&length, 4)) return torn_header();
  if (length > kMaxKeyBytes)
    throw InputError(file.string() + ": not a partial results file (bad header)");
  if (bytes.size() - at < length) return torn_header();
  if (record != sizeof(QuestionResult))
    throw InputError(file.string() + ": written by a build with another record layout");
  const RunKey theirs = parse_key(bytes.substr(at, length), file);
  at += length;
  auto differs = [&](const char* what) {
    throw InputError(file.string() + ": belongs to another run (its " + what +
                     " differs); remove " + file.parent_path().string() + " to start over");
  };
  if (theirs.work != key.work) differs("data, tokenizer or prompt settings");
  if (theirs.model != key.model) differs("model checkpoint");
  if (theirs.dtype != key.dtype) differs("dtype");
  if (theirs.layout != key.layout)
    out.warnings.push_back(file.string() + ": written under another layout (" + theirs.layout +
                           "; now " + key.layout +
                           "): its results are kept, but the final file is not bitwise the one "
                           "an uninterrupted run would write");
  while (at < bytes.size()) {
    const std::size_t block_start = at;
    std::uint32_t magic_word = 0, count = 0;
    std::uint64_t sum = 0;
    bool whole = take(&magic_word, 4) && magic_word == kBlockMagic && take(&count, 4) &&
                 count <= (bytes.size() - at) / sizeof(QuestionResult);
    std::vector<QuestionResult> block;
    if (whole) {
      block.resize(count);
      whole =
          take(block.data(), count * sizeof(QuestionResult)) && take(&sum, 8) &&
          sum ==
              Fnv1a().bytes(&count, 4).bytes(block.data(), count * sizeof(QuestionResult)).value();
    }
    if (!whole) {
      // Only the last block can be short (a kill during the write); stop reading there.
      out.warnings.push_back(file.string() + ": dropped an incomplete block at byte " +
                             std::to_string(block_start) +
                             " (the run was killed while writing it; those questions run again)");
      break;
    }
    for (const QuestionResult& r : block) {
      if (r.subject < 0 || r.gold < 0 || r.gold > 3 || r.pred < 0 || r.pred > 3)
        throw InputError(file.string() + ": a record out of range at byte " +
                         std::to_string(block_start));
      out.questions.push_back(r);
    }
  }
  return out;
}

PartialResults read_partial_results(const fs::path& dir, const RunKey& key) {
  PartialResults out;
  std::set<std::pair<std::int32_t, std::int64_t>> seen;
  for (const fs::path& file : partial_files(dir)) {
    std::ifstream in(file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.eof() && in.fail()) throw InputError(file.string() + ": cannot be read");
    PartialResults one = parse_partial_file(bytes, file, key);
    out.files += one.files;
    out.next_attempt = std::max(out.next_attempt, one.next_attempt);
    out.warnings.insert(out.warnings.end(), one.warnings.begin(), one.warnings.end());
    // Oldest attempt first: a question saved twice keeps its first copy.
    for (const QuestionResult& r : one.questions)
      if (seen.insert({r.subject, r.index}).second) out.questions.push_back(r);
  }
  std::sort(out.questions.begin(), out.questions.end(),
            [](const QuestionResult& a, const QuestionResult& b) {
              return a.subject != b.subject ? a.subject < b.subject : a.index < b.index;
            });
  return out;
}

bool has_partial_results(const fs::path& dir) {
  return !partial_files(dir).empty();
}

void remove_partial_results(const fs::path& dir) {
  std::error_code ec;
  // Something else of that name (a user's file) is not ours to remove.
  if (!fs::is_directory(dir, ec)) return;
  for (const fs::path& file : partial_files(dir)) fs::remove(file, ec);
  fs::remove(dir, ec);  // fails, harmlessly, when something else is in it
}

}  // namespace mmlu
