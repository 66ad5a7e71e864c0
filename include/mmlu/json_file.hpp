#pragma once
// Reading JSON files with errors that name the file and the byte position of the problem.
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace mmlu {

using Json = nlohmann::json;

// Parses `path` as JSON. Throws InputError "PATH: ..." when the file is missing, unreadable or
// malformed (with the byte offset nlohmann reports).
Json read_json_file(const std::filesystem::path& path);

}  // namespace mmlu
