#pragma once
// Comma-separated lists as options and environment variables write them ("0,1,3").
#include <string>
#include <vector>

namespace mmlu {

// The items between commas, as written (no trimming); a trailing comma adds no empty item.
std::vector<std::string> split_commas(const std::string& text);

}  // namespace mmlu
