#include "mmlu/util/regular_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "mmlu/util/error.hpp"

namespace mmlu {

int open_regular_file(const std::filesystem::path& path, struct stat& st) {
  if (::stat(path.c_str(), &st) != 0) return -1;
  if (!S_ISREG(st.st_mode)) throw InputError(path.string() + ": not a regular file");
  // O_NONBLOCK and the fstat: the path may be replaced by a FIFO between stat and open.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return -1;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw InputError(path.string() + ": not a regular file");
  }
  return fd;
}

std::string read_regular_file(const std::filesystem::path& path, std::uint64_t max_bytes,
                              const std::string& kind) {
  const std::string name = path.string();
  auto refuse = [&](int error) {
    throw InputError(name + ": " +
                     (error == ENOENT || error == ENOTDIR
                          ? std::string("no such file")
                          : "cannot be read (" + std::string(std::strerror(error)) + ")"));
  };
  struct stat st {};
  const int fd = open_regular_file(path, st);
  if (fd < 0) refuse(errno);
  std::string bytes;
  try {
    if (static_cast<std::uint64_t>(st.st_size) > max_bytes)
      throw InputError(name + ": " + std::to_string(st.st_size) + " bytes, over the limit of " +
                       std::to_string(max_bytes) + " for " + kind);
    bytes.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < bytes.size()) {
      const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) refuse(errno);
      if (n == 0) break;  // truncated since fstat: the reader judges what is there
      got += static_cast<std::size_t>(n);
    }
    bytes.resize(got);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return bytes;
}

}  // namespace mmlu
