#pragma once
// CPython's random.Random, bit for bit in what lm-evaluation-harness's few-shot sampling uses:
// the Mersenne Twister seeded from an int, getrandbits, _randbelow and sample. lm-eval draws a
// task's few-shot documents with random.Random(1234).sample, so giving its documents takes the
// same generator and the same draw, not merely an equally good one.
#include <array>
#include <cstdint>
#include <vector>

namespace mmlu {

class PythonRandom {
 public:
  // random.Random(seed): init_by_array over the 32-bit words of |seed|, least significant first.
  explicit PythonRandom(std::int64_t seed);

  std::uint32_t next_u32();  // genrand_uint32
  // random.getrandbits(k) for 0 <= k <= 64: whole words, least significant first, the last one
  // keeping its top bits.
  std::uint64_t getrandbits(int k);
  // Random._randbelow(n) for n > 0: k = n.bit_length() bits, redrawn until below n.
  std::uint64_t randbelow(std::uint64_t n);
  // random.sample(range(n), k): the indices in draw order. Like CPython, a pool swap for small
  // populations and rejection against the drawn set for large ones, since the two consume the
  // generator differently. Throws std::invalid_argument unless 0 <= k <= n.
  std::vector<std::int64_t> sample(std::int64_t n, std::int64_t k);

 private:
  void twist();

  std::array<std::uint32_t, 624> state_{};
  std::size_t next_ = 624;
};

}  // namespace mmlu
