#pragma once
// Rows of a parquet file (the Hugging Face hub's dataset format) as JSON objects, read through
// Apache Arrow's parquet library: text, integers (class labels are stored as integers),
// booleans, floating-point numbers, lists and nested structs (ARC's choices.text/choices.label),
// null. Documents then reach the task layer as they reach lm-eval through `datasets`.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "mmlu/util/json_file.hpp"

namespace mmlu {

// Throws InputError naming the file and the problem: missing, not a regular file, not parquet
// or truncated (Arrow's message), or a column of a type documents cannot hold (binary, dates),
// named with its row.
std::vector<Json> read_parquet_rows(const std::filesystem::path& file);
// The same on a file's bytes; `origin` names it in errors.
std::vector<Json> parquet_rows(const std::string& bytes, const std::string& origin);

// The largest parquet file read: the hub's dataset shards are cut at about 500 MB.
inline constexpr std::uint64_t kMaxParquetFileBytes = 2ull << 30;

}  // namespace mmlu
