#include "mmlu/util/regular_file.hpp"

#include <fcntl.h>
#include <unistd.h>

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

}  // namespace mmlu
