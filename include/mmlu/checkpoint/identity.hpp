#pragma once
// What identifies a checkpoint in results and partial results, computed without loading it.
#include <cstdint>
#include <filesystem>
#include <string>

namespace mmlu {

// SHA-256 of what identifies a checkpoint cheaply: config.json, the weight index, and each
// safetensors file's name, size and header.
std::string checkpoint_fingerprint(const std::filesystem::path& model_dir);

// The fingerprint hashes headers, not tensor bytes: two steps of one training run share it. What
// partial results must not cross adds where the weights are, each safetensors file's size and
// modification time, and a sample of its tensor bytes (content_sample): "FINGERPRINT at /abs/dir
// model-00001.safetensors:SIZE:MTIME:SAMPLE ...". Weights rewritten in place with the same size
// and modification time are told apart by the sample, as long as the change reaches a sampled
// byte: a training step, which changes every weight, always does.
std::string weights_identity(const std::filesystem::path& model_dir,
                             const std::string& fingerprint);

// Windows of the tensor bytes that content_sample reads: kSampleWindowBytes every
// kSampleStrideBytes of a file's data, and at least kMinSampleWindows per file (all of a file
// whose data is smaller than that many windows).
inline constexpr std::uint64_t kSampleWindowBytes = 4096;
inline constexpr std::uint64_t kSampleStrideBytes = 16ull << 20;
inline constexpr std::uint64_t kMinSampleWindows = 64;

// SHA-256 (hex, first 16 digits) of a safetensors file's sampled tensor bytes; "" for a file
// that is not a readable safetensors file (the loader names its problem later).
std::string content_sample(const std::filesystem::path& file);

}  // namespace mmlu
