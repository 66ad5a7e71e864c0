#pragma once
// Reading JSON files with errors that name the file and the byte position of the problem.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mmlu {

using Json = nlohmann::json;

// Parses `text`; throws InputError "ORIGIN: malformed JSON at byte N" for a syntax error and
// "ORIGIN: malformed JSON (...)" for what nlohmann refuses after parsing (a number too large).
Json parse_json_text(std::string_view text, const std::string& origin);

// The largest JSON file read_json_file accepts: the largest tokenizer.json files published are
// ~35 MB, and parsing holds several times the text in memory.
inline constexpr std::uint64_t kMaxJsonFileBytes = 128ull << 20;

// Parses `path` as JSON. Throws InputError "PATH: ..." when the file is missing, unreadable, not a
// regular file (a FIFO is refused, never opened), larger than kMaxJsonFileBytes or malformed (with
// the byte offset nlohmann reports).
Json read_json_file(const std::filesystem::path& path);

}  // namespace mmlu
