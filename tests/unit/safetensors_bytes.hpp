#pragma once
// A safetensors file's bytes, built in a test: the little-endian header length, the header, the
// data. Shared by the reader's tests and the shard loader's.
#include <cstdint>
#include <string>

namespace mmlu::test {

// claimed_length, when given, is written in place of the header's real length (hostile files).
inline std::string with_header(const std::string& header, const std::string& data,
                               std::uint64_t claimed_length = UINT64_MAX) {
  const std::uint64_t n = claimed_length == UINT64_MAX ? header.size() : claimed_length;
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xFF);
  return out + header + data;
}

}  // namespace mmlu::test
