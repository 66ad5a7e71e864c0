#include "mmlu/data/python_random.hpp"

#include <cmath>
#include <stdexcept>
#include <string>
#include <unordered_set>

namespace mmlu {
namespace {

constexpr std::size_t kN = 624;
constexpr std::size_t kM = 397;

}  // namespace

PythonRandom::PythonRandom(std::int64_t seed) {
  // |seed| as 32-bit words; zero is the one-word key [0] (CPython's random_seed).
  std::uint64_t magnitude =
      seed < 0 ? ~static_cast<std::uint64_t>(seed) + 1 : static_cast<std::uint64_t>(seed);
  std::vector<std::uint32_t> key{static_cast<std::uint32_t>(magnitude)};
  if (magnitude >> 32) key.push_back(static_cast<std::uint32_t>(magnitude >> 32));

  // init_genrand(19650218) then init_by_array(key), as in Matsumoto and Nishimura's mt19937ar.c.
  state_[0] = 19650218U;
  for (std::size_t i = 1; i < kN; ++i)
    state_[i] =
        1812433253U * (state_[i - 1] ^ (state_[i - 1] >> 30)) + static_cast<std::uint32_t>(i);
  std::size_t i = 1;
  std::size_t j = 0;
  for (std::size_t k = std::max(kN, key.size()); k; --k) {
    state_[i] = (state_[i] ^ ((state_[i - 1] ^ (state_[i - 1] >> 30)) * 1664525U)) + key[j] +
                static_cast<std::uint32_t>(j);
    ++i;
    ++j;
    if (i >= kN) {
      state_[0] = state_[kN - 1];
      i = 1;
    }
    if (j >= key.size()) j = 0;
  }
  for (std::size_t k = kN - 1; k; --k) {
    state_[i] = (state_[i] ^ ((state_[i - 1] ^ (state_[i - 1] >> 30)) * 1566083941U)) -
                static_cast<std::uint32_t>(i);
    ++i;
    if (i >= kN) {
      state_[0] = state_[kN - 1];
      i = 1;
    }
  }
  state_[0] = 0x80000000U;
  next_ = kN;
}

void PythonRandom::twist() {
  constexpr std::uint32_t kMatrixA = 0x9908b0dfU;
  constexpr std::uint32_t kUpper = 0x80000000U;
  constexpr std::uint32_t kLower = 0x7fffffffU;
  for (std::size_t k = 0; k < kN; ++k) {
    std::uint32_t y = (state_[k] & kUpper) | (state_[(k + 1) % kN] & kLower);
    state_[k] = state_[(k + kM) % kN] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
  }
  next_ = 0;
}

std::uint32_t PythonRandom::next_u32() {
  if (next_ >= kN) twist();
  std::uint32_t y = state_[next_++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680U;
  y ^= (y << 15) & 0xefc60000U;
  y ^= y >> 18;
  return y;
}

std::uint64_t PythonRandom::getrandbits(int k) {
  if (k < 0 || k > 64) throw std::invalid_argument("getrandbits: k must be in 0..64");
  if (k == 0) return 0;
  if (k <= 32) return next_u32() >> (32 - k);
  std::uint64_t low = next_u32();
  std::uint64_t high = next_u32() >> (64 - k);
  return low | (high << 32);
}

std::uint64_t PythonRandom::randbelow(std::uint64_t n) {
  if (n == 0) throw std::invalid_argument("randbelow: n must be positive");
  int bits = 0;
  for (std::uint64_t v = n; v; v >>= 1) ++bits;
  std::uint64_t r = getrandbits(bits);
  while (r >= n) r = getrandbits(bits);
  return r;
}

std::vector<std::int64_t> PythonRandom::sample(std::int64_t n, std::int64_t k) {
  if (k < 0 || k > n)
    throw std::invalid_argument("sample of " + std::to_string(k) + " from a population of " +
                                std::to_string(n));
  std::vector<std::int64_t> result(static_cast<std::size_t>(k));
  // CPython's threshold between the two methods: the size of a k-element set against an
  // n-element list, with its floating-point log.
  std::int64_t setsize = 21;
  if (k > 5)
    setsize += static_cast<std::int64_t>(
        std::pow(4.0, std::ceil(std::log(static_cast<double>(k * 3)) / std::log(4.0))));
  if (n <= setsize) {
    std::vector<std::int64_t> pool(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) pool[static_cast<std::size_t>(i)] = i;
    for (std::int64_t i = 0; i < k; ++i) {
      auto j = static_cast<std::size_t>(randbelow(static_cast<std::uint64_t>(n - i)));
      result[static_cast<std::size_t>(i)] = pool[j];
      pool[j] = pool[static_cast<std::size_t>(n - i - 1)];
    }
  } else {
    std::unordered_set<std::int64_t> selected;
    for (std::int64_t i = 0; i < k; ++i) {
      auto j = static_cast<std::int64_t>(randbelow(static_cast<std::uint64_t>(n)));
      while (selected.count(j))
        j = static_cast<std::int64_t>(randbelow(static_cast<std::uint64_t>(n)));
      selected.insert(j);
      result[static_cast<std::size_t>(i)] = j;
    }
  }
  return result;
}

}  // namespace mmlu
