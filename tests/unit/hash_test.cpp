// FNV-1a: the published test vectors, and the eight-byte form of a number.
#include <gtest/gtest.h>

#include "mmlu/util/hash.hpp"

namespace mmlu {
namespace {

TEST(Fnv1a, PublishedVectors) {
  // From the FNV authors' test suite (64-bit FNV-1a), with their offset basis.
  const std::uint64_t basis = Fnv1a::kPublishedOffsetBasis;
  EXPECT_EQ(Fnv1a(basis).value(), 0xcbf29ce484222325ull);
  EXPECT_EQ(Fnv1a(basis).text("a").value(), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(Fnv1a(basis).text("foobar").value(), 0x85944171f73967e8ull);
}

TEST(Fnv1a, TheProjectsBasisIsPinned) {
  // Partial-results checksums and synthetic weights are made with it: it must never change.
  EXPECT_EQ(Fnv1a().value(), 1469598103934665603ull);
  EXPECT_EQ(Fnv1a().text("a").value(), (1469598103934665603ull ^ 'a') * 1099511628211ull);
}

TEST(Fnv1a, NumbersAreTheirBytesLeastSignificantFirst) {
  const unsigned char bytes[8] = {0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01};
  EXPECT_EQ(Fnv1a().u64(0x0102030405060708ull).value(), Fnv1a().bytes(bytes, 8).value());
  // Chained pieces hash as their concatenation; another start gives another hash.
  EXPECT_EQ(Fnv1a().text("foo").text("bar").value(), Fnv1a().text("foobar").value());
  EXPECT_NE(Fnv1a(Fnv1a::kOffsetBasis ^ 1).text("a").value(), Fnv1a().text("a").value());
}

}  // namespace
}  // namespace mmlu
