#include "mmlu/util/units.hpp"

#include <gtest/gtest.h>

#include "mmlu/checkpoint/dtype.hpp"
#include "mmlu/util/error.hpp"

namespace mmlu {
namespace {

TEST(Units, ParsesDecimalAndBinarySizes) {
  EXPECT_EQ(parse_byte_size("80GiB", "x"), 80ull << 30);
  EXPECT_EQ(parse_byte_size("40GB", "x"), 40000000000ull);
  EXPECT_EQ(parse_byte_size("40gb", "x"), 40000000000ull);
  EXPECT_EQ(parse_byte_size("512M", "x"), 512ull << 20);
  EXPECT_EQ(parse_byte_size("1.5TiB", "x"), 3ull << 39);
  EXPECT_EQ(parse_byte_size("1024", "x"), 1024ull);
}

TEST(Units, RefusesNonsenseNamingTheOption) {
  for (const char* bad : {"", "GB", "80XB", "-5GB", "0", "1.2.3G"}) {
    try {
      parse_byte_size(bad, "--device-memory");
      FAIL() << bad;
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("--device-memory:", 0), 0u) << e.what();
    }
  }
}

TEST(Units, FormatsBinaryUnits) {
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(3ull << 30), "3.0 GiB");
  EXPECT_EQ(format_bytes(1536ull << 20), "1.5 GiB");
}

TEST(DTypes, ParseAndSize) {
  EXPECT_EQ(parse_dtype("bf16", "x"), DType::kBFloat16);
  EXPECT_EQ(parse_dtype("float16", "x"), DType::kFloat16);
  EXPECT_EQ(dtype_bytes(DType::kFloat32), 4u);
  EXPECT_EQ(dtype_name(DType::kBFloat16), "bf16");
  EXPECT_THROW(parse_dtype("int8", "--dtype"), InputError);
}

}  // namespace
}  // namespace mmlu
