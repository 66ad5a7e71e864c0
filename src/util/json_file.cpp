#include "mmlu/util/json_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "mmlu/util/error.hpp"
#include "mmlu/util/regular_file.hpp"

namespace mmlu {

Json read_json_file(const std::filesystem::path& path) {
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
  std::string text;
  try {
    if (static_cast<std::uint64_t>(st.st_size) > kMaxJsonFileBytes)
      throw InputError(name + ": " + std::to_string(st.st_size) + " bytes, over the limit of " +
                       std::to_string(kMaxJsonFileBytes) + " for a JSON file");
    text.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < text.size()) {
      const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) refuse(errno);
      if (n == 0) break;  // truncated since fstat: parse what is there
      got += static_cast<std::size_t>(n);
    }
    text.resize(got);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return parse_json_text(text, name);
}

Json parse_json_text(std::string_view text, const std::string& origin) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    throw InputError(origin + ": malformed JSON at byte " + std::to_string(e.byte));
  } catch (const Json::exception& e) {
    // e.g. "[json.exception.out_of_range.406] number overflow parsing '1e999'": keep the reason.
    std::string reason = e.what();
    if (const auto end = reason.find("] "); end != std::string::npos) reason.erase(0, end + 2);
    if (reason.size() > 120) reason = reason.substr(0, 117) + "...";
    throw InputError(origin + ": malformed JSON (" + reason + ")");
  }
}

}  // namespace mmlu
