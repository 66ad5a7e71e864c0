#pragma once
// FNV-1a, 64-bit: a small, stable hash for what needs no cryptographic strength: the checksum of
// a partial-results block, the digest the ranks compare to agree on their work, the seeds of
// synthetic weights. Its values are part of those formats: they never change.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mmlu {

class Fnv1a {
 public:
  // Not FNV's published offset basis (14695981039346656037): a digit short of it since the first
  // partial-results file. Kept, because those files' checksums and the synthetic weights depend
  // on it; any basis works as well.
  static constexpr std::uint64_t kOffsetBasis = 1469598103934665603ull;
  static constexpr std::uint64_t kPublishedOffsetBasis = 14695981039346656037ull;
  static constexpr std::uint64_t kPrime = 1099511628211ull;

  explicit Fnv1a(std::uint64_t start = kOffsetBasis) : hash_(start) {}

  Fnv1a& bytes(const void* data, std::size_t count) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < count; ++i) hash_ = (hash_ ^ p[i]) * kPrime;
    return *this;
  }
  Fnv1a& text(std::string_view s) { return bytes(s.data(), s.size()); }
  // The value's eight bytes, least significant first, whatever the host's byte order.
  Fnv1a& u64(std::uint64_t value) {
    for (int i = 0; i < 8; ++i) hash_ = (hash_ ^ ((value >> (8 * i)) & 0xFF)) * kPrime;
    return *this;
  }

  std::uint64_t value() const { return hash_; }

 private:
  std::uint64_t hash_;
};

}  // namespace mmlu
