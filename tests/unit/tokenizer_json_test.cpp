// tokenizer.json against Hugging Face: every case of every fixture style
// (tests/fixtures/tokenizers, made by make_tokenizer_fixtures.py with transformers and tokenizers)
// must give the same ids, in both readings of the file: as transformers 5 runs it
// (AutoTokenizer: `ids`) and as the file is written (tokenizers.Tokenizer: `ids_tokenizer_json`).
#include <gtest/gtest.h>

#include <fstream>

#include "mmlu/tokenizer/tokenizer.hpp"
#include "mmlu/util/error.hpp"
#include "mmlu/util/json_file.hpp"

namespace mmlu {
namespace {

namespace fs = std::filesystem;
using Ids = std::vector<std::int64_t>;

const fs::path kFixtures = fs::path(MMLU_TEST_FIXTURES) / "tokenizers";
const char* const kStyles[] = {"llama2_spm",     "llama2_json_legacy", "mistral_metaspace",
                               "gpt2_bytelevel", "llama3_bytelevel",   "qwen2_bytelevel"};

std::vector<Json> golden_cases(const std::string& style) {
  std::ifstream in(kFixtures / style / "golden.jsonl");
  std::vector<Json> cases;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) cases.push_back(Json::parse(line));
  return cases;
}

class TokenizerJsonGolden : public testing::TestWithParam<const char*> {};

TEST_P(TokenizerJsonGolden, IdsAndDecodingEqualTransformers) {
  const std::string style = GetParam();
  const auto tokenizer = load_tokenizer_json(kFixtures / style);
  const auto cases = golden_cases(style);
  ASSERT_GE(cases.size(), 100u);
  for (const Json& c : cases) {
    const std::string name = c["name"], text = c["text"];
    EXPECT_EQ(tokenizer->encode(text), c["ids"].get<Ids>()) << style << "/" << name;
    const Ids plain = c["ids_no_special"].get<Ids>();
    EXPECT_EQ(tokenizer->encode(text, false), plain) << style << "/" << name;
    EXPECT_EQ(tokenizer->decode(plain), c["decoded"].get<std::string>()) << style << "/" << name;
  }
}

TEST_P(TokenizerJsonGolden, IdsEqualTokenizersLibraryReadingTheFileAsWritten) {
  const std::string style = GetParam();
  const auto tokenizer = load_tokenizer_json(kFixtures / style, TokenizerJsonMode::as_written);
  for (const Json& c : golden_cases(style)) {
    const std::string name = c["name"], text = c["text"];
    EXPECT_EQ(tokenizer->encode(text), c["ids_tokenizer_json"].get<Ids>()) << style << "/" << name;
    EXPECT_EQ(tokenizer->encode(text, false), c["ids_tokenizer_json_no_special"].get<Ids>())
        << style << "/" << name;
  }
}

// What the scorer relies on: " A".." D" are one token each, equal to the last token of
// "Answer: A".."Answer: D".
TEST_P(TokenizerJsonGolden, AnswerLettersEqualTransformers) {
  const std::string style = GetParam();
  const auto tokenizer = load_tokenizer_json(kFixtures / style);
  const Json letters = read_json_file(kFixtures / style / "answer_letters.json");
  for (const auto& [text, ids] : letters["letters_no_special"].items())
    EXPECT_EQ(tokenizer->encode(text, false), ids.get<Ids>()) << style << " \"" << text << "\"";
  for (const char* letter : {"A", "B", "C", "D"}) {
    const Ids answer = tokenizer->encode(std::string("Answer: ") + letter, false);
    ASSERT_FALSE(answer.empty());
    EXPECT_EQ(Ids{answer.back()},
              letters["letters_no_special"][std::string(" ") + letter].get<Ids>())
        << style << " " << letter;
  }
}

INSTANTIATE_TEST_SUITE_P(Styles, TokenizerJsonGolden, testing::ValuesIn(kStyles),
                         [](const auto& info) { return std::string(info.param); });

TEST(TokenizerJson, LoadTokenizerPrefersTokenizerJsonAsAutoTokenizerDoes) {
  // llama2_spm has both files; transformers reads tokenizer.json.
  EXPECT_EQ(load_tokenizer(kFixtures / "llama2_spm")->kind(), "tokenizer.json as LlamaTokenizer");
  EXPECT_EQ(load_tokenizer(kFixtures / "llama3_bytelevel")->kind(), "tokenizer.json");
}

// ---- bad input: one error naming the file and the problem ----

class TokenizerJsonBadInput : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mmlu_tokenizer_json_test_" +
            std::string(testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    base_ = read_json_file(kFixtures / "llama3_bytelevel" / "tokenizer.json");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const Json& file) { std::ofstream(dir_ / "tokenizer.json") << file.dump(); }
  std::string load_error() {
    try {
      load_tokenizer(dir_);
    } catch (const InputError& e) {
      return e.what();
    }
    return "(no error)";
  }
  fs::path dir_;
  Json base_;
};

TEST_F(TokenizerJsonBadInput, UnsupportedModelTypeIsRefusedByName) {
  base_["model"]["type"] = "WordPiece";
  write(base_);
  const std::string error = load_error();
  EXPECT_NE(error.find((dir_ / "tokenizer.json").string()), std::string::npos) << error;
  EXPECT_NE(error.find("WordPiece"), std::string::npos) << error;
}

TEST_F(TokenizerJsonBadInput, UnsupportedNormalizerIsRefusedByName) {
  base_["normalizer"] = {{"type", "BertNormalizer"}};
  write(base_);
  EXPECT_NE(load_error().find("normalizer type BertNormalizer is not supported"),
            std::string::npos);
}

TEST_F(TokenizerJsonBadInput, UnsupportedPreTokenizerIsRefusedByName) {
  base_["pre_tokenizer"]["pretokenizers"][1] = {{"type", "UnicodeScripts"}};
  write(base_);
  EXPECT_NE(load_error().find("pre_tokenizer.pretokenizers[1]: pre_tokenizer type UnicodeScripts "
                              "is not supported"),
            std::string::npos)
      << load_error();
}

TEST_F(TokenizerJsonBadInput, BadRegexIsRefusedWithItsPosition) {
  base_["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "(\\p{L}+";
  write(base_);
  EXPECT_NE(load_error().find("does not compile at offset"), std::string::npos) << load_error();
}

TEST_F(TokenizerJsonBadInput, MalformedJsonNamesFileAndPosition) {
  std::ofstream(dir_ / "tokenizer.json") << "{\"model\": {\"type\": \"BPE\",, }";
  const std::string error = load_error();
  EXPECT_NE(error.find((dir_ / "tokenizer.json").string() + ": malformed JSON at byte 26"),
            std::string::npos)
      << error;
}

TEST_F(TokenizerJsonBadInput, MergeOfUnknownTokenIsRefused) {
  base_["model"]["merges"][5] = "Ġzzzz qqqq";
  write(base_);
  EXPECT_NE(load_error().find("merge 5"), std::string::npos) << load_error();
}

TEST_F(TokenizerJsonBadInput, MissingTokenizerNamesTheFilesLookedFor) {
  EXPECT_NE(load_error().find("no tokenizer (looked for tokenizer.json and tokenizer.model)"),
            std::string::npos);
}

TEST_F(TokenizerJsonBadInput, BadConfigFlagNamesTheConfigFile) {
  write(read_json_file(kFixtures / "llama2_spm" / "tokenizer.json"));
  std::ofstream(dir_ / "tokenizer_config.json")
      << R"({"tokenizer_class": "LlamaTokenizer", "legacy": "yes"})";
  const std::string error = load_error();
  EXPECT_NE(error.find((dir_ / "tokenizer_config.json").string() + ": legacy must be"),
            std::string::npos)
      << error;
}

// Hostile files, refused before they can crash the loader or exhaust memory.

TEST_F(TokenizerJsonBadInput, DeeplyNestedSequencesAreRefusedInsteadOfOverflowingTheStack) {
  // 100,000 levels overflowed the stack of the recursive parsers. The text is spliced by hand:
  // nlohmann's dump() recurses too, so the test must not build this as a Json.
  constexpr int kLevels = 100000;
  const std::pair<const char*, const char*> stages[] = {{"normalizer", "normalizers"},
                                                        {"pre_tokenizer", "pretokenizers"},
                                                        {"decoder", "decoders"},
                                                        {"post_processor", "processors"}};
  for (const auto& [stage, list] : stages) {
    Json file = base_;
    file.erase(stage);
    std::string text = file.dump();
    text.pop_back();  // the closing brace
    text += std::string(",\"") + stage + "\":";
    const std::string open = std::string(R"({"type":"Sequence",")") + list + "\":[";
    text.reserve(text.size() + kLevels * (open.size() + 2) + 64);
    for (int i = 0; i < kLevels; ++i) text += open;
    text += R"({"type":"ByteLevel"})";
    for (int i = 0; i < kLevels; ++i) text += "]}";
    text += "}";
    std::ofstream(dir_ / "tokenizer.json") << text;
    const std::string error = load_error();
    EXPECT_NE(error.find((dir_ / "tokenizer.json").string() + ": " + stage +
                         " nests Sequences more than 64 levels deep"),
              std::string::npos)
        << error.substr(0, 300);
  }
}

TEST_F(TokenizerJsonBadInput, RealisticSequenceNestingStillLoads) {
  Json nested = base_["pre_tokenizer"];
  for (int i = 0; i < 10; ++i)
    nested = {{"type", "Sequence"}, {"pretokenizers", Json::array({nested})}};
  base_["pre_tokenizer"] = nested;
  write(base_);
  EXPECT_EQ(load_error(), "(no error)");
}

TEST_F(TokenizerJsonBadInput, HugeTokenIdsAreRefusedBeforeAllocating) {
  // The id table is sized by the largest id: 2147483646 asked for ~64 GiB, 2147483647 overflowed
  // the size, and 16777216 (2^24) is the first id refused.
  for (const std::uint64_t id : {std::uint64_t{2147483646}, std::uint64_t{2147483647},
                                 std::uint64_t{1} << 24, std::uint64_t{1} << 40}) {
    Json file = base_;
    file["model"]["vocab"]["zzhuge"] = id;
    write(file);
    std::string error = load_error();
    EXPECT_NE(
        error.find((dir_ / "tokenizer.json").string() + ": model.vocab[\"zzhuge\"]: token id " +
                   std::to_string(id) + " is too large (ids must be below 2^24"),
        std::string::npos)
        << error;

    file = base_;
    file["added_tokens"].push_back({{"id", id}, {"content", "<huge>"}});
    write(file);
    error = load_error();
    const std::string last = std::to_string(file["added_tokens"].size() - 1);
    EXPECT_NE(error.find("added_tokens[" + last + "] (\"<huge>\").id: token id " +
                         std::to_string(id) + " is too large"),
              std::string::npos)
        << error;
  }
}

TEST_F(TokenizerJsonBadInput, NegativeTokenIdsAreRefused) {
  Json file = base_;
  file["model"]["vocab"]["zzneg"] = -1;
  write(file);
  EXPECT_NE(load_error().find("model.vocab[\"zzneg\"]: token id -1 is negative"), std::string::npos)
      << load_error();
  file = base_;
  file["added_tokens"][0]["id"] = -5;
  write(file);
  EXPECT_NE(
      load_error().find("added_tokens[0] (\"<|begin_of_text|>\").id: token id -5 is negative"),
      std::string::npos)
      << load_error();
}

TEST_F(TokenizerJsonBadInput, PostProcessorIdsBeyondInt32AreRefusedNotTruncated) {
  // 2^40 + 3002 used to wrap to 3002, the real BOS, so the file loaded and nobody noticed.
  const std::uint64_t wide = (std::uint64_t{1} << 40) + 3002;
  Json file = base_;
  ASSERT_EQ(file["post_processor"]["processors"][1]["type"], "TemplateProcessing");
  file["post_processor"]["processors"][1]["special_tokens"]["<|begin_of_text|>"]["ids"] =
      Json::array({wide});
  write(file);
  std::string error = load_error();
  EXPECT_NE(error.find((dir_ / "tokenizer.json").string() +
                       ": post_processor.processors[1].special_tokens.<|begin_of_text|>.ids[0]: "
                       "token id " +
                       std::to_string(wide) + " is too large"),
            std::string::npos)
      << error;

  for (const char* type : {"RobertaProcessing", "BertProcessing"}) {
    for (const char* key : {"cls", "sep"}) {
      file = base_;
      file["post_processor"] = {
          {"type", type}, {"cls", {"<|begin_of_text|>", 3002}}, {"sep", {"<|end_of_text|>", 3003}}};
      file["post_processor"][key][1] = wide;
      write(file);
      error = load_error();
      EXPECT_NE(error.find(std::string("post_processor.") + key + "[1]: token id " +
                           std::to_string(wide) + " is too large"),
                std::string::npos)
          << type << " " << key << ": " << error;
    }
  }
}

TEST(TokenizerJson, InvalidUtf8TextIsAnInputError) {
  const auto tokenizer = load_tokenizer_json(kFixtures / "gpt2_bytelevel");
  EXPECT_THROW(tokenizer->encode("abc\xff"), InputError);
}

}  // namespace
}  // namespace mmlu
