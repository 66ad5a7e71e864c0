#include "mmlu/util/file_write.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "mmlu/util/error.hpp"

namespace mmlu {
namespace {

std::string why(const std::filesystem::path& path) {
  return path.string() + ": cannot be written (" + std::strerror(errno) + ")";
}

// A disk that fills or a file-size limit while writing is the environment's failure (exit 1).
[[noreturn]] void fail(const std::filesystem::path& path) {
  throw Error(why(path));
}

}  // namespace

void write_all(int fd, const void* data, std::size_t bytes, const std::filesystem::path& path) {
  const auto* p = static_cast<const char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::write(fd, p, bytes);
    if (n < 0) {
      if (errno == EINTR) continue;  // a stop signal arrived mid-write: finish it
      fail(path);
    }
    p += n;
    bytes -= static_cast<std::size_t>(n);
  }
}

void write_new_file(const std::filesystem::path& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  // A path that cannot even be created (no such folder, no permission) is the user's to fix.
  if (fd < 0) throw InputError(why(path));
  try {
    write_all(fd, bytes.data(), bytes.size(), path);
    if (::fsync(fd) != 0) fail(path);
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0) fail(path);
}

}  // namespace mmlu
