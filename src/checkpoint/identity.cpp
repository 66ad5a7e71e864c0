#include "mmlu/checkpoint/identity.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <vector>

#include "mmlu/checkpoint/safetensors.hpp"
#include "mmlu/util/json_file.hpp"
#include "mmlu/util/sha256.hpp"

namespace mmlu {

namespace fs = std::filesystem;

std::string checkpoint_fingerprint(const fs::path& model_dir) {
  Sha256 hash;
  // Regular files only, sizes through error codes: a dangling link or a directory named like a
  // shard (seen in Hugging Face cache snapshots) is skipped, never an exception.
  auto add_file = [&](const fs::path& path, std::uintmax_t limit) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return;
    const std::uintmax_t size = fs::file_size(path, ec);
    if (ec) return;
    std::ifstream in(path, std::ios::binary);
    std::string bytes(static_cast<std::size_t>(std::min(limit, size)), '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    bytes.resize(static_cast<std::size_t>(std::max<std::streamsize>(0, in.gcount())));
    hash.update(path.filename().string());
    hash.update(std::to_string(size));
    hash.update(bytes);
  };
  // JSON past kMaxJsonFileBytes is refused by its reader anyway; its size is still hashed.
  add_file(model_dir / "config.json", kMaxJsonFileBytes);
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(model_dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".safetensors" ||
        it->path().filename().string().ends_with(".safetensors.index.json"))
      files.push_back(it->path());
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    if (file.extension() != ".safetensors") {
      add_file(file, kMaxJsonFileBytes);
      continue;
    }
    // Opening a FIFO named like a shard would block; the loader names the problem later.
    if (!fs::is_regular_file(file, ec)) continue;
    // The header: 8 bytes of length, then that much JSON (names, dtypes, shapes, offsets).
    std::ifstream in(file, std::ios::binary);
    unsigned char length_bytes[8] = {};
    in.read(reinterpret_cast<char*>(length_bytes), 8);
    const std::uint64_t length = in ? safetensors_header_length(length_bytes) : 0;
    add_file(file, 8 + std::min(length, kMaxSafetensorsHeader));
  }
  return hash.hex_digest();
}

std::string content_sample(const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return "";
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  struct stat st {};
  unsigned char length_bytes[8] = {};
  std::string sample;
  if (::fstat(fd, &st) == 0 && ::pread(fd, length_bytes, 8, 0) == 8) {
    const std::uint64_t size = static_cast<std::uint64_t>(st.st_size);
    const std::uint64_t header = safetensors_header_length(length_bytes);
    if (header <= kMaxSafetensorsHeader && 8 + header <= size) {
      const std::uint64_t begin = 8 + header, data = size - begin;
      const std::uint64_t windows =
          std::max(kMinSampleWindows, (data + kSampleStrideBytes - 1) / kSampleStrideBytes);
      Sha256 hash;
      std::string window(kSampleWindowBytes, '\0');
      if (data <= windows * kSampleWindowBytes) {
        // Small: every byte.
        for (std::uint64_t at = 0; at < data; at += kSampleWindowBytes) {
          const auto n = static_cast<std::size_t>(std::min(kSampleWindowBytes, data - at));
          if (::pread(fd, window.data(), n, static_cast<off_t>(begin + at)) !=
              static_cast<ssize_t>(n))
            break;
          hash.update(std::string_view(window.data(), n));
        }
      } else {
        // Evenly spaced windows, the first at the start of the data and the last at its end.
        const std::uint64_t span = data - kSampleWindowBytes;
        for (std::uint64_t i = 0; i < windows; ++i) {
          const std::uint64_t at = begin + span * i / (windows - 1);
          if (::pread(fd, window.data(), kSampleWindowBytes, static_cast<off_t>(at)) !=
              static_cast<ssize_t>(kSampleWindowBytes))
            break;
          hash.update(window);
        }
      }
      sample = hash.hex_digest().substr(0, 16);
    }
  }
  ::close(fd);
  return sample;
}

std::string weights_identity(const fs::path& model_dir, const std::string& fingerprint) {
  std::error_code ec;
  std::string id = fingerprint + " at " + fs::weakly_canonical(model_dir, ec).string();
  std::vector<fs::path> files;
  for (fs::directory_iterator it(model_dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".safetensors") files.push_back(it->path());
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    const auto size = fs::file_size(f, ec);
    const auto time = fs::last_write_time(f, ec).time_since_epoch().count();
    id += " " + f.filename().string() + ":" + std::to_string(size) + ":" + std::to_string(time) +
          ":" + content_sample(f);
  }
  return id;
}

}  // namespace mmlu
