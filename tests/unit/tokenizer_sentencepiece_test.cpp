// The SentencePiece tokenizer against the ids the sentencepiece Python package gives for the same
// tokenizer.model (tests/fixtures/tokenizers/llama2_spm, made by make_tokenizer_fixtures.py):
// 115 cases of scripts, emoji, digits, whitespace runs and MMLU prompts.
#include <gtest/gtest.h>

#include <fstream>

#include "mmlu/tokenizer/tokenizer.hpp"
#include "mmlu/util/error.hpp"
#include "mmlu/util/json_file.hpp"

namespace mmlu {
namespace {

namespace fs = std::filesystem;

const fs::path kStyle = fs::path(MMLU_TEST_FIXTURES) / "tokenizers" / "llama2_spm";

std::vector<Json> golden_cases() {
  std::ifstream in(kStyle / "golden.jsonl");
  std::vector<Json> cases;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) cases.push_back(Json::parse(line));
  return cases;
}

TEST(SentencePieceTokenizer, IdsEqualSentencepieceOnEveryCase) {
  const auto tokenizer = load_sentencepiece_tokenizer(kStyle);
  EXPECT_EQ(tokenizer->kind(), "sentencepiece");
  const std::vector<Json> cases = golden_cases();
  ASSERT_GE(cases.size(), 100u);
  for (const Json& c : cases) {
    const std::string name = c["name"].get<std::string>();
    const std::string text = c["text"].get<std::string>();
    EXPECT_EQ(tokenizer->encode(text), c["ids_sentencepiece"].get<std::vector<std::int64_t>>())
        << name;
    const auto plain = c["ids_sentencepiece_no_special"].get<std::vector<std::int64_t>>();
    EXPECT_EQ(tokenizer->encode(text, false), plain) << name;
    EXPECT_EQ(tokenizer->decode(plain), c["decoded_sentencepiece"].get<std::string>()) << name;
  }
}

TEST(SentencePieceTokenizer, BosAndEosFollowTokenizerConfig) {
  const fs::path dir = fs::temp_directory_path() / "mmlu_spm_config_test";
  fs::create_directories(dir);
  fs::copy_file(kStyle / "tokenizer.model", dir / "tokenizer.model",
                fs::copy_options::overwrite_existing);
  std::ofstream(dir / "tokenizer_config.json")
      << R"({"add_bos_token": false, "add_eos_token": true})";
  const auto tokenizer = load_sentencepiece_tokenizer(dir);
  const auto plain = tokenizer->encode("Answer: A", false);
  auto expected = plain;
  expected.push_back(2);  // </s>
  EXPECT_EQ(tokenizer->encode("Answer: A"), expected);
  fs::remove_all(dir);
}

TEST(SentencePieceTokenizer, BadFilesAreNamed) {
  const fs::path dir = fs::temp_directory_path() / "mmlu_spm_bad_test";
  fs::create_directories(dir);
  try {
    load_sentencepiece_tokenizer(dir);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer.model: no such file"), std::string::npos);
  }
  std::ofstream(dir / "tokenizer.model") << "not a model";
  try {
    load_sentencepiece_tokenizer(dir);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer.model: not a SentencePiece model"),
              std::string::npos)
        << e.what();
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mmlu
