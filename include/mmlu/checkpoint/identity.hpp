#pragma once
// What identifies a checkpoint in results and partial results, computed without loading it.
#include <filesystem>
#include <string>

namespace mmlu {

// SHA-256 of what identifies a checkpoint cheaply: config.json, the weight index, and each
// safetensors file's name, size and header.
std::string checkpoint_fingerprint(const std::filesystem::path& model_dir);

}  // namespace mmlu
