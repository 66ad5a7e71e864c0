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
  return parse_json_text(text.str(), path.string());
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
