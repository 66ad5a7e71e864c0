#include "mmlu/model_config.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "mmlu/error.hpp"

namespace mmlu {
namespace {

const char* kLlama2 = R"({
  "architectures": ["LlamaForCausalLM"], "hidden_size": 4096, "intermediate_size": 11008,
  "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 32,
  "vocab_size": 32000, "max_position_embeddings": 4096, "rms_norm_eps": 1e-05,
  "rope_theta": 10000.0, "rope_scaling": null, "tie_word_embeddings": false,
  "torch_dtype": "float16"})";

std::string refusal(const std::string& json) {
  try {
    parse_model_config(json, "m/config.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(ModelConfig, ReadsLlama2) {
  const ModelConfig c = parse_model_config(kLlama2, "m/config.json");
  EXPECT_EQ(c.architecture, "LlamaForCausalLM");
  EXPECT_EQ(c.head_dim, 128);
  EXPECT_EQ(c.num_key_value_heads, 32);
  EXPECT_DOUBLE_EQ(c.rms_norm_eps, 1e-5);
  EXPECT_EQ(c.torch_dtype, DType::kFloat16);
  EXPECT_FALSE(c.attention_bias);
  EXPECT_TRUE(c.rope_scaling.type.empty());
}

TEST(ModelConfig, Qwen2AlwaysHasQkvBiasAndDefaultsKvHeads) {
  const ModelConfig c = parse_model_config(
      R"({"architectures": ["Qwen2ForCausalLM"], "hidden_size": 896, "intermediate_size": 4864,
          "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2,
          "vocab_size": 151936, "tie_word_embeddings": true, "dtype": "bfloat16"})",
      "q");
  EXPECT_TRUE(c.attention_bias);
  EXPECT_TRUE(c.tie_word_embeddings);
  EXPECT_EQ(c.head_dim, 64);
  EXPECT_EQ(c.torch_dtype, DType::kBFloat16);
  EXPECT_EQ(c.max_position_embeddings, 32768);
}

TEST(ModelConfig, ExplicitHeadDimAndLlama3RopeScaling) {
  const ModelConfig c = parse_model_config(
      R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "head_dim": 32,
          "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
          "num_key_value_heads": 2, "vocab_size": 100, "rope_theta": 500000.0,
          "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                           "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}})",
      "x");
  EXPECT_EQ(c.head_dim, 32);
  EXPECT_EQ(c.q_size(), 128);
  EXPECT_EQ(c.rope_scaling.type, "llama3");
  EXPECT_DOUBLE_EQ(c.rope_scaling.factor, 8.0);
  EXPECT_EQ(c.rope_scaling.original_max_position_embeddings, 8192);
  EXPECT_DOUBLE_EQ(c.rope_theta, 500000.0);
}

TEST(ModelConfig, NewerRopeParametersSpelling) {
  const ModelConfig c = parse_model_config(
      R"({"architectures": ["MistralForCausalLM"], "hidden_size": 64,
          "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
          "vocab_size": 100,
          "rope_parameters": {"rope_type": "linear", "factor": 2.0, "rope_theta": 1000000.0}})",
      "x");
  EXPECT_EQ(c.rope_scaling.type, "linear");
  EXPECT_DOUBLE_EQ(c.rope_theta, 1e6);
}

TEST(ModelConfig, RefusesOtherArchitecturesByName) {
  const std::string why = refusal(R"({"architectures": ["GPT2LMHeadModel"]})");
  EXPECT_NE(why.find("m/config.json: architecture 'GPT2LMHeadModel' is not supported"),
            std::string::npos)
      << why;
}

TEST(ModelConfig, NamesTheBrokenField) {
  EXPECT_NE(
      refusal(R"({"architectures": ["LlamaForCausalLM"], "vocab_size": 9, "hidden_size": 64})")
          .find("missing field intermediate_size"),
      std::string::npos);
  EXPECT_NE(
      refusal(R"({"architectures": ["LlamaForCausalLM"], "vocab_size": 9, "hidden_size": "64"})")
          .find("hidden_size must be an integer"),
      std::string::npos);
  const std::string kv = refusal(
      R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 128,
          "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 3,
          "vocab_size": 100})");
  EXPECT_NE(kv.find("num_key_value_heads (3) does not divide num_attention_heads (4)"),
            std::string::npos)
      << kv;
  EXPECT_NE(refusal(R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 64,
          "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
          "vocab_size": 100, "rope_scaling": {"type": "yarn", "factor": 4}})")
                .find("rope scaling type 'yarn' is not supported"),
            std::string::npos);
}

TEST(ModelConfig, MalformedJsonNamesTheFileAndPosition) {
  const std::string why = refusal("{\"hidden_size\": 12,,}");
  EXPECT_NE(why.find("m/config.json: malformed JSON at byte"), std::string::npos) << why;
}

TEST(ModelConfig, MissingDirectoryOrFileIsNamed) {
  try {
    load_model_config("/nonexistent/model");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model: model directory not found"),
              std::string::npos);
  }
  const auto dir = std::filesystem::temp_directory_path() / "mmlu_model_config_test";
  std::filesystem::create_directories(dir);
  std::filesystem::remove(dir / "config.json");
  try {
    load_model_config(dir);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("config.json: no such file"), std::string::npos)
        << e.what();
  }
  std::ofstream(dir / "config.json") << kLlama2;
  EXPECT_EQ(load_model_config(dir).hidden_size, 4096);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mmlu

namespace mmlu {
namespace {

// Found by fuzzing (tests/fuzz/regressions/config_json): a number too large for a double made
// nlohmann throw out_of_range, which escaped as an internal error instead of bad input.
TEST(ModelConfig, NumberOverflowIsBadInput) {
  try {
    parse_model_config("188888e888888{", "x/config.json");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("x/config.json: malformed JSON (number overflow", 0), 0u)
        << e.what();
  }
}

}  // namespace
}  // namespace mmlu
