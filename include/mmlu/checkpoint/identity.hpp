#pragma once
// What identifies a checkpoint in results and partial results, computed without loading it.
#include <filesystem>
#include <string>

namespace mmlu {

// SHA-256 of what identifies a checkpoint cheaply: config.json, the weight index, and each
// safetensors file's name, size and header.
std::string checkpoint_fingerprint(const std::filesystem::path& model_dir);

// The fingerprint hashes headers, not tensor bytes: two steps of one training run share it. What
// partial results must not cross adds where the weights are and each safetensors file's size and
// modification time: "FINGERPRINT at /abs/dir model-00001.safetensors:SIZE:MTIME ...".
std::string weights_identity(const std::filesystem::path& model_dir,
                             const std::string& fingerprint);

}  // namespace mmlu
