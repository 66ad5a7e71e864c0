#include "mmlu/util/json_file.hpp"

#include "mmlu/util/error.hpp"
#include "mmlu/util/regular_file.hpp"

namespace mmlu {

Json read_json_file(const std::filesystem::path& path) {
  const std::string text = read_regular_file(path, kMaxJsonFileBytes, "a JSON file");
  return parse_json_text(text, path.string());
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
