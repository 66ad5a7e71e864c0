#include "mmlu/json_file.hpp"

#include <fstream>
#include <sstream>

#include "mmlu/error.hpp"

namespace mmlu {

Json read_json_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    bool exists = std::filesystem::exists(path, ec);
    throw InputError(path.string() + ": " + (exists ? "cannot be read" : "no such file"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return Json::parse(text.str());
  } catch (const Json::parse_error& e) {
    throw InputError(path.string() + ": malformed JSON at byte " + std::to_string(e.byte));
  }
}

}  // namespace mmlu
