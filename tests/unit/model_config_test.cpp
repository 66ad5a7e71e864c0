#include "mmlu/checkpoint/model_config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>

#include "mmlu/checkpoint/architectures.hpp"
#include "mmlu/checkpoint/model_tensors.hpp"
#include "mmlu/parallel/planner.hpp"

#include "fifo_refusal.hpp"
#include "mmlu/util/error.hpp"
#include "mmlu/util/json_file.hpp"

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

// Qwen3 takes transformers' defaults (head_dim 128 whatever hidden_size / heads is, 32 kv heads,
// 32768 positions), always normalises q and k per head, and its attention_bias (as Llama's, not
// as Qwen2's) biases o_proj too.
TEST(ModelConfig, Qwen3DefaultsQkNormsAndAttentionBias) {
  const std::string base =
      R"("hidden_size": 1024, "intermediate_size": 3072, "num_hidden_layers": 28,
         "num_attention_heads": 32, "vocab_size": 151936, "tie_word_embeddings": true)";
  const ModelConfig c =
      parse_model_config("{\"architectures\": [\"Qwen3ForCausalLM\"], " + base + "}", "q3");
  EXPECT_EQ(c.head_dim, 128);
  EXPECT_EQ(c.num_key_value_heads, 32);
  EXPECT_EQ(c.max_position_embeddings, 32768);
  EXPECT_TRUE(c.qk_norm);
  EXPECT_FALSE(c.attention_bias);
  EXPECT_FALSE(c.output_bias);
  const ModelConfig biased = parse_model_config(
      "{\"model_type\": \"qwen3\", \"attention_bias\": true, " + base + "}", "q3");
  EXPECT_EQ(biased.architecture, "Qwen3ForCausalLM");
  EXPECT_TRUE(biased.attention_bias);
  EXPECT_TRUE(biased.output_bias);
  const ModelConfig llama = parse_model_config(
      "{\"architectures\": [\"LlamaForCausalLM\"], \"attention_bias\": true, " + base + "}", "l");
  EXPECT_TRUE(llama.output_bias);
  EXPECT_FALSE(llama.qk_norm);
  EXPECT_EQ(llama.head_dim, 32);  // hidden_size / heads
  EXPECT_EQ(llama.num_key_value_heads, 32);
  const ModelConfig qwen2 =
      parse_model_config("{\"architectures\": [\"Qwen2ForCausalLM\"], " + base + "}", "q2");
  EXPECT_TRUE(qwen2.attention_bias);
  EXPECT_FALSE(qwen2.output_bias);
  EXPECT_FALSE(qwen2.qk_norm);
  EXPECT_NE(
      refusal("{\"architectures\": [\"Qwen2ForCausalLM\"], \"attention_bias\": true, " + base + "}")
          .find("field 'attention_bias' (true) is not a field of Qwen2ForCausalLM"),
      std::string::npos);
  // A window in chosen layers, as Qwen2's.
  const ModelConfig windowed = parse_model_config(
      "{\"architectures\": [\"Qwen3ForCausalLM\"], \"use_sliding_window\": true, "
      "\"sliding_window\": 512, \"max_window_layers\": 20, " +
          base + "}",
      "q3");
  EXPECT_EQ(windowed.sliding_window, 512);
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
          "num_key_value_heads": 2, "vocab_size": 100,
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

namespace mmlu {
namespace {

namespace fs = std::filesystem;

Json small_config() {
  return Json::parse(R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 64,
      "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
      "num_key_value_heads": 2, "head_dim": 16, "vocab_size": 100})");
}

std::string config_refusal(const Json& config) {
  return refusal(config.dump());
}

// A reviewer's config: 4 + 2^59 heads of 32 wrapped q_size() to 128 and passed every shape check;
// 2^62 layers were accepted and the loader allocated until the process aborted.
TEST(ModelConfig, SizesAreCappedSoTheirProductsCannotWrap) {
  Json c = small_config();
  c["num_attention_heads"] = 4 + (std::uint64_t{1} << 59);
  c["num_key_value_heads"] = 4;
  c["head_dim"] = 32;
  std::string why = config_refusal(c);
  EXPECT_NE(why.find("m/config.json: num_attention_heads must be at most 65536, got "
                     "576460752303423492"),
            std::string::npos)
      << why;
  c = small_config();
  c["num_hidden_layers"] = std::uint64_t{1} << 62;
  why = config_refusal(c);
  EXPECT_NE(why.find("m/config.json: num_hidden_layers must be at most 65536"), std::string::npos)
      << why;
  c = small_config();
  c["vocab_size"] = UINT64_MAX;  // must not read as -1
  why = config_refusal(c);
  EXPECT_NE(why.find("vocab_size must be at most 16777216, got 18446744073709551615"),
            std::string::npos)
      << why;

  const std::pair<const char*, std::int64_t> caps[] = {{"vocab_size", 1 << 24},
                                                       {"hidden_size", 1 << 20},
                                                       {"intermediate_size", 1 << 20},
                                                       {"num_hidden_layers", 1 << 16},
                                                       {"num_attention_heads", 1 << 16},
                                                       {"num_key_value_heads", 1 << 16},
                                                       {"head_dim", 1 << 16},
                                                       {"max_position_embeddings", INT32_MAX}};
  for (const auto& [field, cap] : caps) {
    c = small_config();
    c[field] = cap + 1;
    why = config_refusal(c);
    EXPECT_NE(why.find(std::string(field) + " must be at most " + std::to_string(cap)),
              std::string::npos)
        << field << ": " << why;
  }

  c = small_config();
  c["num_attention_heads"] = 1 << 16;
  c["num_key_value_heads"] = 1 << 16;
  c["head_dim"] = 32;
  why = config_refusal(c);
  EXPECT_NE(why.find("num_attention_heads * head_dim (65536 * 32) must be at most 1048576"),
            std::string::npos)
      << why;
}

TEST(ModelConfig, EveryCapAtOnceStillFits) {
  Json c = small_config();
  c["vocab_size"] = 1 << 24;
  c["hidden_size"] = 1 << 20;
  c["intermediate_size"] = 1 << 20;
  c["num_hidden_layers"] = 1 << 16;
  c["num_attention_heads"] = 1 << 16;
  c["num_key_value_heads"] = 1 << 16;
  c["head_dim"] = 16;
  c["max_position_embeddings"] = INT32_MAX;
  c["attention_bias"] = true;
  const ModelConfig m = parse_model_config(c.dump(), "m/config.json");
  EXPECT_EQ(m.q_size(), 1 << 20);
  EXPECT_EQ(m.max_position_embeddings, INT32_MAX);
}

// rope_theta = 1e308 passed and failed inside torch ("cannot be converted to type float without
// overflow"), naming no file; tiny factors made frequencies infinite.
TEST(ModelConfig, RopeNumbersStayWhereFloat32ArithmeticIsFinite) {
  Json c = small_config();
  c["rope_theta"] = 1e308;
  std::string why = config_refusal(c);
  EXPECT_NE(why.find("m/config.json: rope_theta must be between 1 and 3.402823466e+38, got 1e+308"),
            std::string::npos)
      << why;
  c = small_config();
  c["rope_parameters"] = {{"rope_type", "default"}, {"rope_theta", 1e39}};
  EXPECT_NE(config_refusal(c).find("rope_theta must be between"), std::string::npos);
  c = small_config();
  c["rope_theta"] = 3e38;
  EXPECT_DOUBLE_EQ(parse_model_config(c.dump(), "m").rope_theta, 3e38);

  c = small_config();
  c["rope_scaling"] = {{"type", "linear"}, {"factor", 1e-310}};
  why = config_refusal(c);
  EXPECT_NE(why.find("m/config.json: factor must be between 1e-06 and 1000000, got "),
            std::string::npos)
      << why;
  c["rope_scaling"] = {{"type", "dynamic"}, {"factor", 1e300}};
  EXPECT_NE(config_refusal(c).find("factor must be between"), std::string::npos);

  const Json llama3 = {{"rope_type", "llama3"},
                       {"factor", 8.0},
                       {"low_freq_factor", 1.0},
                       {"high_freq_factor", 4.0},
                       {"original_max_position_embeddings", 8192}};
  c["rope_scaling"] = llama3;
  EXPECT_EQ(parse_model_config(c.dump(), "m").rope_scaling.original_max_position_embeddings, 8192);
  c["rope_scaling"]["original_max_position_embeddings"] = 1e300;
  why = config_refusal(c);
  EXPECT_NE(why.find("original_max_position_embeddings must be between 1 and 2147483647"),
            std::string::npos)
      << why;
  c["rope_scaling"]["original_max_position_embeddings"] = 8192.5;
  EXPECT_NE(config_refusal(c).find("original_max_position_embeddings must be a whole number"),
            std::string::npos);
  c["rope_scaling"] = llama3;
  c["rope_scaling"]["low_freq_factor"] = 1e-310;
  EXPECT_NE(config_refusal(c).find("low_freq_factor must be between"), std::string::npos);
  c["rope_scaling"] = llama3;
  c["rope_scaling"]["low_freq_factor"] = 4.0;
  why = config_refusal(c);
  EXPECT_NE(why.find("high_freq_factor (4) must be greater than low_freq_factor (4)"),
            std::string::npos)
      << why;

  c = small_config();
  c["head_dim"] = 2;
  c["rope_scaling"] = {{"type", "dynamic"}, {"factor", 2.0}};
  EXPECT_NE(config_refusal(c).find("rope scaling 'dynamic' needs head_dim above 2"),
            std::string::npos);

  c = small_config();
  c["rms_norm_eps"] = 1e308;
  why = config_refusal(c);
  EXPECT_NE(why.find("rms_norm_eps must be positive and at most 1, got 1e+308"), std::string::npos)
      << why;
}

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mmlu_config_file_test_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string refusal() {
    try {
      load_model_config(dir_);
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  }
  fs::path dir_;
};

// A FIFO in place of config.json hung forever in open(), and SIGTERM did not end it.
TEST_F(ConfigFileTest, FifoIsRefusedWithoutBlocking) {
  const std::string why = refusal_of_fifo(dir_ / "config.json", [&] { load_model_config(dir_); });
  EXPECT_NE(why.find((dir_ / "config.json").string() + ": not a regular file"), std::string::npos)
      << why;
}

TEST_F(ConfigFileTest, DirectoryIsNotARegularFile) {
  fs::create_directories(dir_ / "config.json");
  EXPECT_NE(refusal().find("config.json: not a regular file"), std::string::npos) << refusal();
}

// A sparse 64 GiB config.json was read whole and ended in std::bad_alloc.
TEST_F(ConfigFileTest, OversizedFileIsRefusedUnread) {
  std::ofstream(dir_ / "config.json") << "{}";
  fs::resize_file(dir_ / "config.json", kMaxJsonFileBytes + 1);  // sparse: costs no disk
  const std::string why = refusal();
  EXPECT_NE(why.find("config.json: " + std::to_string(kMaxJsonFileBytes + 1) +
                     " bytes, over the limit of " + std::to_string(kMaxJsonFileBytes)),
            std::string::npos)
      << why;
}

TEST_F(ConfigFileTest, SymlinkToARegularFileIsRead) {
  std::ofstream(dir_ / "real.json") << small_config().dump();
  fs::create_symlink(dir_ / "real.json", dir_ / "config.json");
  EXPECT_EQ(load_model_config(dir_).hidden_size, 64);
}

// ---- config.json fields: implemented, inert, or refused ----------------------------------------

// transformers' own config.json for each architecture's default configuration (every field its
// configuration class defines): made by tests/fixtures/make_config_fixtures.py.
TEST(ConfigFields, EveryFieldTransformersWritesIsKnown) {
  const Json fixture =
      read_json_file(fs::path(MMLU_TEST_FIXTURES) / "configs" / "transformers_defaults.json");
  // Every family this build runs has its transformers default in the fixture, and no other.
  int parsed = 0;
  for (const Architecture& a : architectures()) {
    const std::string name(a.name);
    ASSERT_TRUE(fixture["configs"].contains(name)) << name << ": rerun make_config_fixtures.py";
    // A multimodal wrapper runs as its language model's family.
    const std::string_view runs_as =
        a.wrapper.text_architecture.empty() ? a.name : a.wrapper.text_architecture;
    EXPECT_EQ(parse_model_config(fixture["configs"][name].dump(), name).architecture, runs_as);
    ++parsed;
  }
  EXPECT_EQ(parsed, static_cast<int>(fixture["configs"].size()));
  EXPECT_EQ(parsed, 10);
}

// As the hub's config.json files of widely used checkpoints spell them (older transformers).
TEST(ConfigFields, PublishedCheckpointsParse) {
  const char* llama31 = R"({"architectures": ["LlamaForCausalLM"], "attention_bias": false,
      "attention_dropout": 0.0, "bos_token_id": 128000, "eos_token_id": 128001,
      "hidden_act": "silu", "hidden_size": 4096, "initializer_range": 0.02,
      "intermediate_size": 14336, "max_position_embeddings": 131072, "mlp_bias": false,
      "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 32,
      "num_key_value_heads": 8, "pretraining_tp": 1, "rms_norm_eps": 1e-05,
      "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                       "original_max_position_embeddings": 8192, "rope_type": "llama3"},
      "rope_theta": 500000.0, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
      "transformers_version": "4.43.0.dev0", "use_cache": true, "vocab_size": 128256})";
  const char* mistral01 = R"({"architectures": ["MistralForCausalLM"], "bos_token_id": 1,
      "eos_token_id": 2, "hidden_act": "silu", "hidden_size": 4096, "initializer_range": 0.02,
      "intermediate_size": 14336, "max_position_embeddings": 32768, "model_type": "mistral",
      "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8,
      "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "sliding_window": 4096,
      "tie_word_embeddings": false, "torch_dtype": "bfloat16", "transformers_version": "4.34.0.dev0",
      "use_cache": true, "vocab_size": 32000})";
  const char* qwen25 = R"({"architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0,
      "bos_token_id": 151643, "eos_token_id": 151643, "hidden_act": "silu", "hidden_size": 3584,
      "initializer_range": 0.02, "intermediate_size": 18944, "max_position_embeddings": 131072,
      "max_window_layers": 28, "model_type": "qwen2", "num_attention_heads": 28,
      "num_hidden_layers": 28, "num_key_value_heads": 4, "rms_norm_eps": 1e-06,
      "rope_theta": 1000000.0, "sliding_window": 131072, "tie_word_embeddings": false,
      "torch_dtype": "bfloat16", "transformers_version": "4.43.1", "use_cache": true,
      "use_sliding_window": false, "vocab_size": 152064})";
  EXPECT_EQ(parse_model_config(llama31, "l").rope_scaling.type, "llama3");
  const ModelConfig m = parse_model_config(mistral01, "m");
  ASSERT_TRUE(m.sliding_window);
  EXPECT_EQ(*m.sliding_window, 4096);
  EXPECT_FALSE(parse_model_config(qwen25, "q").sliding_window) << "use_sliding_window is false";
}

// The mixtures of experts as their hub config.json files spell them.
TEST(ConfigFields, PublishedMixturesParse) {
  const char* qwen3_30b_a3b = R"({"architectures": ["Qwen3MoeForCausalLM"],
      "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": 151643,
      "decoder_sparse_step": 1, "eos_token_id": 151645, "head_dim": 128, "hidden_act": "silu",
      "hidden_size": 2048, "initializer_range": 0.02, "intermediate_size": 6144,
      "max_position_embeddings": 40960, "max_window_layers": 48, "mlp_only_layers": [],
      "model_type": "qwen3_moe", "moe_intermediate_size": 768, "norm_topk_prob": true,
      "num_attention_heads": 32, "num_experts": 128, "num_experts_per_tok": 8,
      "num_hidden_layers": 48, "num_key_value_heads": 4, "output_router_logits": false,
      "rms_norm_eps": 1e-06, "rope_scaling": null, "rope_theta": 1000000.0,
      "router_aux_loss_coef": 0.001, "sliding_window": null, "tie_word_embeddings": false,
      "torch_dtype": "bfloat16", "transformers_version": "4.51.0", "use_cache": true,
      "use_sliding_window": false, "vocab_size": 151936})";
  const char* mixtral_8x7b = R"({"architectures": ["MixtralForCausalLM"],
      "attention_dropout": 0.0, "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu",
      "hidden_size": 4096, "initializer_range": 0.02, "intermediate_size": 14336,
      "max_position_embeddings": 32768, "model_type": "mixtral", "num_attention_heads": 32,
      "num_experts_per_tok": 2, "num_hidden_layers": 32, "num_key_value_heads": 8,
      "num_local_experts": 8, "output_router_logits": false, "rms_norm_eps": 1e-05,
      "rope_theta": 1000000.0, "router_aux_loss_coef": 0.02, "sliding_window": null,
      "tie_word_embeddings": false, "torch_dtype": "bfloat16", "transformers_version": "4.36.0.dev0",
      "use_cache": true, "vocab_size": 32000})";
  const ModelConfig q = parse_model_config(qwen3_30b_a3b, "q");
  EXPECT_EQ(q.experts.count, 128);
  EXPECT_EQ(q.experts.per_token, 8);
  EXPECT_EQ(q.experts.intermediate_size, 768);
  EXPECT_TRUE(q.experts.normalize_top_k);
  EXPECT_FALSE(q.experts.scores_in_fp32);
  EXPECT_TRUE(q.has_sparse_layers());
  EXPECT_FALSE(q.has_dense_layers());
  EXPECT_FALSE(q.sliding_window);
  // 30.5 B parameters, as its model card says.
  EXPECT_NEAR(static_cast<double>(parameter_count(q)), 30.53e9, 0.01e9);
  const ModelConfig m = parse_model_config(mixtral_8x7b, "m");
  EXPECT_EQ(m.experts.count, 8);
  EXPECT_EQ(m.experts.intermediate_size, 14336);
  EXPECT_TRUE(m.experts.normalize_top_k);
  EXPECT_TRUE(m.experts.scores_in_fp32);
  EXPECT_NEAR(static_cast<double>(parameter_count(m)), 46.70e9, 0.01e9);
}

// Gemma 2 as its hub config.json spells it (both activation fields; transformers 5 reads
// hidden_activation), and what its nulls mean: no cap, no window.
TEST(ConfigFields, Gemma2ReadsItsBlockAndItsNulls) {
  const std::string gemma2_2b = R"({"architectures": ["Gemma2ForCausalLM"],
      "attention_bias": false, "attention_dropout": 0.0, "attn_logit_softcapping": 50.0,
      "bos_token_id": 2, "cache_implementation": "hybrid", "eos_token_id": [1, 107],
      "final_logit_softcapping": 30.0, "head_dim": 256, "hidden_act": "gelu_pytorch_tanh",
      "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 2304, "initializer_range": 0.02,
      "intermediate_size": 9216, "max_position_embeddings": 8192, "model_type": "gemma2",
      "num_attention_heads": 8, "num_hidden_layers": 26, "num_key_value_heads": 4,
      "pad_token_id": 0, "query_pre_attn_scalar": 256, "rms_norm_eps": 1e-06,
      "rope_theta": 10000.0, "sliding_window": 4096, "torch_dtype": "float32",
      "transformers_version": "4.42.4", "use_cache": true, "vocab_size": 256000)";
  const ModelConfig g = parse_model_config(gemma2_2b + "}", "g");
  EXPECT_TRUE(g.norm_adds_one);
  EXPECT_TRUE(g.sandwich_norms);
  EXPECT_TRUE(g.tie_word_embeddings) << "Gemma2Config's default";
  EXPECT_EQ(g.activation, Activation::kGeluTanh);
  EXPECT_DOUBLE_EQ(g.embedding_scale, 48.0);
  EXPECT_DOUBLE_EQ(g.attention_scale, 1.0 / 16);
  EXPECT_DOUBLE_EQ(g.attn_softcap, 50.0);
  EXPECT_DOUBLE_EQ(g.final_softcap, 30.0);
  EXPECT_EQ(g.window(0), 4096);
  EXPECT_FALSE(g.window(1)) << "every second layer, from the first";
  EXPECT_EQ(g.window(24), 4096);
  // 2.6 B parameters, as its model card says.
  EXPECT_NEAR(static_cast<double>(parameter_count(g)), 2.614e9, 0.001e9);
  // hidden_act is inert for Gemma 2: transformers 5 does not read it.
  const std::string tanh_act = R"("hidden_act": "gelu_pytorch_tanh")";
  const ModelConfig other = parse_model_config(
      std::string(gemma2_2b).replace(gemma2_2b.find(tanh_act), tanh_act.size(),
                                     R"("hidden_act": "silu")") +
          R"(, "attn_logit_softcapping": null, "final_logit_softcapping": null})",
      "g");
  EXPECT_EQ(other.activation, Activation::kGeluTanh);
  EXPECT_EQ(other.attn_softcap, 0);
  EXPECT_EQ(other.final_softcap, 0);
  const std::string tiny = R"({"architectures": ["Gemma2ForCausalLM"], "hidden_size": 16,
      "intermediate_size": 12, "num_hidden_layers": 2, "num_attention_heads": 4,
      "vocab_size": 5)";
  EXPECT_EQ(parse_model_config(tiny + "}", "t").head_dim, 256) << "Gemma2Config's default";
  EXPECT_EQ(
      parse_model_config(tiny + R"(, "layer_types": ["full_attention", "sliding_attention"]})", "t")
          .windowed_layers,
      (std::vector<bool>{false, true}));
  for (const auto& [extra, expected] : std::vector<std::pair<std::string, std::string>>{
           {R"(, "sliding_window": null})", "sliding_window null leaves the sliding_attention"},
           {R"(, "use_bidirectional_attention": true})", "use_bidirectional_attention true"},
           {R"(, "hidden_activation": "relu"})", "hidden_activation \"relu\" is not supported"},
       }) {
    try {
      parse_model_config(tiny + extra, "t/config.json");
      ADD_FAILURE() << extra << " was accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("t/config.json: " + expected), std::string::npos)
          << e.what();
    }
  }
}

// Gemma 3 as its hub config.json spells it (older transformers: rope_theta, rope_local_base_freq,
// rope_scaling for the global layers, sliding_window_pattern), and as transformers 5 writes it.
TEST(ConfigFields, Gemma3ReadsItsRotationsPerLayerType) {
  const char* gemma3_1b = R"({"architectures": ["Gemma3ForCausalLM"], "attention_bias": false,
      "attention_dropout": 0.0, "attn_logit_softcapping": null, "bos_token_id": 2,
      "cache_implementation": "hybrid", "eos_token_id": [1, 106],
      "final_logit_softcapping": null, "head_dim": 256, "hidden_activation": "gelu_pytorch_tanh",
      "hidden_size": 1152, "initializer_range": 0.02, "intermediate_size": 6912,
      "max_position_embeddings": 32768, "model_type": "gemma3_text", "num_attention_heads": 4,
      "num_hidden_layers": 26, "num_key_value_heads": 1, "pad_token_id": 0,
      "query_pre_attn_scalar": 256, "rms_norm_eps": 1e-06, "rope_local_base_freq": 10000,
      "rope_scaling": null, "rope_theta": 1000000, "sliding_window": 512,
      "sliding_window_pattern": 6, "torch_dtype": "bfloat16", "transformers_version": "4.50.0.dev0",
      "use_cache": true, "vocab_size": 262144})";
  const ModelConfig g = parse_model_config(gemma3_1b, "g");
  EXPECT_TRUE(g.qk_norm);
  EXPECT_TRUE(g.norm_adds_one);
  EXPECT_EQ(g.attn_softcap, 0);
  EXPECT_EQ(g.final_softcap, 0);
  EXPECT_EQ(g.rope_theta, 1e6);
  ASSERT_TRUE(g.local_rope);
  EXPECT_EQ(g.local_rope->theta, 1e4);
  EXPECT_EQ(g.window(0), 512);
  EXPECT_FALSE(g.window(5)) << "every sixth layer is global";
  EXPECT_EQ(g.window(6), 512);
  // ~1.0 B parameters, as its model card says.
  EXPECT_NEAR(static_cast<double>(parameter_count(g)), 0.9999e9, 0.001e9);

  const char* transformers5 = R"({"architectures": ["Gemma3ForCausalLM"], "hidden_size": 32,
      "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 2,
      "num_key_value_heads": 1, "vocab_size": 300,
      "layer_types": ["sliding_attention", "full_attention"],
      "rope_parameters": {"full_attention": {"rope_type": "linear", "factor": 8.0,
                                             "rope_theta": 1000000.0},
                          "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0}}})";
  const ModelConfig t = parse_model_config(transformers5, "t");
  EXPECT_EQ(t.rope_scaling.type, "linear");
  EXPECT_EQ(t.rope_scaling.factor, 8.0);
  EXPECT_EQ(t.local_rope->scaling.type, "");
  EXPECT_EQ(t.windowed_layers, (std::vector<bool>{true, false}));
  EXPECT_EQ(*t.sliding_window, 4096) << "Gemma3TextConfig's default";
}

// The language model of an image-text checkpoint: text_config read as a Gemma 3 config, its
// tensors under language_model., the wrapper's own fields checked too.
TEST(ConfigFields, Gemma3ImageTextCheckpointsRunTheirLanguageModel) {
  const std::string base = R"({"architectures": ["Gemma3ForConditionalGeneration"],
      "boi_token_index": 255999, "eoi_token_index": 256000, "image_token_index": 262144,
      "initializer_range": 0.02, "mm_tokens_per_image": 256, "model_type": "gemma3",
      "torch_dtype": "bfloat16", "transformers_version": "4.50.0.dev0",
      "vision_config": {"hidden_size": 1152, "model_type": "siglip_vision_model"},
      "text_config": {"hidden_size": 2560, "intermediate_size": 10240, "model_type": "gemma3_text",
                      "num_attention_heads": 8, "num_hidden_layers": 34,
                      "num_key_value_heads": 4, "rope_scaling": {"factor": 8.0,
                      "rope_type": "linear"}, "sliding_window": 1024, "vocab_size": 262208})";
  const ModelConfig c = parse_model_config(base + "}", "/m/config.json");
  EXPECT_EQ(c.architecture, "Gemma3ForCausalLM");
  EXPECT_EQ(c.origin, "/m/config.json");
  EXPECT_EQ(c.tensor_prefix, "language_model.");
  EXPECT_EQ(c.torch_dtype, DType::kBFloat16) << "from the wrapper";
  EXPECT_EQ(c.rope_scaling.factor, 8.0);
  EXPECT_EQ(outer_tensors(c).embed.name, "language_model.model.embed_tokens.weight");
  EXPECT_EQ(layer_tensors(c, 3).q_norm->name,
            "language_model.model.layers.3.self_attn.q_norm.weight");
  // 3.88 B parameters in the language model of gemma-3-4b (4.3 B with the vision tower).
  EXPECT_NEAR(static_cast<double>(parameter_count(c)), 3.880e9, 0.001e9);
  for (const auto& [extra, expected] : std::vector<std::pair<std::string, std::string>>{
           {R"(, "hidden_size": 64})", "field 'hidden_size' (64) is not a field of"},
           {R"(, "quantization_config": {"quant_method": "fp8"}})", "quantization_config"},
           {R"(, "tie_word_embeddings": false})", "disagrees with text_config"},
       }) {
    Json j = parse_json_text(base + extra, "x");
    if (extra.find("tie_word") != std::string::npos) j["text_config"]["tie_word_embeddings"] = true;
    try {
      parse_model_config(j.dump(), "/m/config.json");
      ADD_FAILURE() << extra << " was accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("/m/config.json: "), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  }
}

TEST(ConfigFields, MixtureFieldsTheForwardPassCannotRunAreRefused) {
  const std::string base = R"({"architectures": ["Qwen3MoeForCausalLM"], "hidden_size": 16,
      "intermediate_size": 12, "num_hidden_layers": 2, "num_attention_heads": 4,
      "vocab_size": 5)";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"(, "num_experts": 4, "num_experts_per_tok": 5)",
       "num_experts_per_tok (5) exceeds the 4 experts"},
      {R"(, "num_experts": 4, "num_local_experts": 8)",
       "num_experts 4 and num_local_experts 8 disagree"},
      {R"(, "mlp_only_layers": [2])", "mlp_only_layers: 2 is not a layer index below 2"},
      {R"(, "decoder_sparse_step": 0)", "decoder_sparse_step must be positive"},
      {R"(, "num_experts": 65536, "num_hidden_layers": 8)",
       "num_experts (65536) times 8 layers exceeds 262144 experts"},
      {R"(, "layer_types": ["full_attention", "full_attention"])", "field 'layer_types' ("},
  };
  int refused = 0;
  for (const auto& [extra, expected] : cases) {
    try {
      parse_model_config(base + extra + "}", "q/config.json");
      ADD_FAILURE() << extra << " was accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("q/config.json: " + expected), std::string::npos)
          << e.what();
      ++refused;
    }
  }
  EXPECT_EQ(refused, 6);
  // Mixtral has no dense MLP to fall back on: zero experts cannot route.
  EXPECT_THROW(parse_model_config(R"({"architectures": ["MixtralForCausalLM"], "hidden_size": 16,
      "intermediate_size": 12, "num_hidden_layers": 2, "num_attention_heads": 4,
      "vocab_size": 5, "num_local_experts": 0})",
                                  "x"),
               InputError);
}

Json mistral_config() {
  return parse_json_text(R"({"architectures": ["MistralForCausalLM"], "hidden_size": 64,
      "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
      "num_key_value_heads": 2, "vocab_size": 100, "max_position_embeddings": 256})",
                         "mistral");
}

TEST(ConfigFields, AnUnknownFieldIsRefusedByNameNeverIgnored) {
  Json c = small_config();
  c["residual_multiplier"] = 0.22;
  std::string why = config_refusal(c);
  EXPECT_NE(why.find("m/config.json: field 'residual_multiplier' (0.22) is unknown"),
            std::string::npos)
      << why;
  // A field of another architecture: Mistral's attention never has a bias.
  c = mistral_config();
  c["attention_bias"] = true;
  why = config_refusal(c);
  EXPECT_NE(why.find("field 'attention_bias' (true) is not a field of MistralForCausalLM"),
            std::string::npos)
      << why;
  // Null is absent; private bookkeeping and version stamps cannot matter.
  c = small_config();
  c["residual_multiplier"] = nullptr;
  c["_name_or_path"] = "meta-llama/Llama-2-7b-hf";
  c["unsloth_version"] = "2024.8";
  c["pretraining_tp"] = 2;    // transformers 5 does not read it
  c["hidden_act"] = "swish";  // SiLU under another name
  EXPECT_EQ(config_refusal(c), "");
}

TEST(ConfigFields, ValuesTheForwardPassLacksAreRefusedNamingFieldAndValue) {
  const std::vector<std::pair<std::function<void(Json&)>, std::string>> cases = {
      {[](Json& c) { c["hidden_act"] = "relu"; }, "hidden_act \"relu\" is not supported"},
      {[](Json& c) { c["mlp_bias"] = true; }, "mlp_bias true is not supported"},
      {[](Json& c) { c["partial_rotary_factor"] = 0.5; }, "partial_rotary_factor 0.5"},
      {[](Json& c) {
         c["rope_parameters"] = {{"rope_type", "default"}, {"partial_rotary_factor", 0.25}};
       },
       "rope_parameters.partial_rotary_factor 0.25"},
      {[](Json& c) {
         c["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 4.0}};
       },
       "rope scaling type 'yarn' is not supported"},
      {[](Json& c) {
         c["rope_scaling"] = {{"rope_type", "linear"}, {"factor", 4.0}, {"attention_factor", 2}};
       },
       "rope_scaling.attention_factor is not supported with rope type 'linear'"},
      {[](Json& c) {
         c["quantization_config"] = {{"quant_method", "gptq"}};
       },
       "quantization_config: quantized checkpoints are not supported"},
      {[](Json& c) {
         c["pruned_heads"] = {{"0", {1, 2}}};
       },
       "pruned_heads {\"0\":[1,2]}"},
  };
  for (const auto& [edit, expected] : cases) {
    Json c = small_config();
    edit(c);
    const std::string why = config_refusal(c);
    EXPECT_NE(why.find("m/config.json: " + expected), std::string::npos)
        << "expected '" << expected << "', got '" << why << "'";
  }
}

TEST(ConfigFields, RopeScalingWinsOverRopeParametersAsInTransformers) {
  Json c = small_config();
  c["rope_parameters"] = {{"rope_type", "default"}, {"rope_theta", 1000.0}};
  c["rope_scaling"] = {{"rope_type", "linear"}, {"factor", 2.0}};
  const ModelConfig m = parse_model_config(c.dump(), "m");
  EXPECT_EQ(m.rope_scaling.type, "linear");
  EXPECT_DOUBLE_EQ(m.rope_theta, 10000.0);
  c["rope_scaling"] = Json::object();  // empty: rope_parameters applies
  EXPECT_DOUBLE_EQ(parse_model_config(c.dump(), "m").rope_theta, 1000.0);
}

TEST(ConfigFields, AbsentShapesTakeTransformersDefaultsPerArchitecture) {
  Json c = mistral_config();
  c.erase("num_key_value_heads");
  c.erase("max_position_embeddings");
  c["num_attention_heads"] = 16;
  c["hidden_size"] = 128;
  const ModelConfig m = parse_model_config(c.dump(), "m");
  EXPECT_EQ(m.num_key_value_heads, 8);  // MistralConfig's default
  EXPECT_EQ(m.max_position_embeddings, 131072);
  c["architectures"] = {"Qwen2ForCausalLM"};
  c["num_attention_heads"] = 32;
  c["hidden_size"] = 256;
  const ModelConfig q = parse_model_config(c.dump(), "q");
  EXPECT_EQ(q.num_key_value_heads, 32);  // Qwen2Config's default
  EXPECT_EQ(q.max_position_embeddings, 32768);
}

TEST(ConfigFields, MistralsSlidingWindowCoversEveryLayer) {
  Json c = mistral_config();
  c["sliding_window"] = nullptr;
  const ModelConfig full = parse_model_config(c.dump(), "m");
  EXPECT_FALSE(full.sliding_window);
  EXPECT_FALSE(full.window(0));
  c["sliding_window"] = 64;
  const ModelConfig m = parse_model_config(c.dump(), "/ckpt/mistral/config.json");
  ASSERT_TRUE(m.sliding_window);
  EXPECT_EQ(m.windowed_layers, (std::vector<bool>{true, true}));
  EXPECT_EQ(m.window(1), 64);
  c["sliding_window"] = 0;
  EXPECT_NE(config_refusal(c).find("sliding_window must be positive"), std::string::npos);
}

TEST(ConfigFields, Qwen2sWindowNeedsUseSlidingWindowAndAWindowedLayer) {
  Json c = mistral_config();
  c["architectures"] = {"Qwen2ForCausalLM"};
  c["sliding_window"] = 32;
  EXPECT_FALSE(parse_model_config(c.dump(), "q").sliding_window) << "use_sliding_window absent";
  c["use_sliding_window"] = true;
  // Windowed layers start at max_window_layers (default 28): none of these 2.
  EXPECT_FALSE(parse_model_config(c.dump(), "q").sliding_window);
  c["max_window_layers"] = 1;
  EXPECT_EQ(parse_model_config(c.dump(), "q").sliding_window, 32);
  EXPECT_FALSE(parse_model_config(c.dump(), "q").window(0)) << "below max_window_layers";
  EXPECT_EQ(parse_model_config(c.dump(), "q").window(1), 32);
  c["layer_types"] = {"full_attention", "full_attention"};
  EXPECT_FALSE(parse_model_config(c.dump(), "q").sliding_window) << "layer_types decides";
  c["layer_types"] = {"sliding_attention", "full_attention"};
  EXPECT_EQ(parse_model_config(c.dump(), "q").windowed_layers, (std::vector<bool>{true, false}));
  c["layer_types"] = {"full_attention", "sliding_attention"};
  EXPECT_EQ(parse_model_config(c.dump(), "q").sliding_window, 32);
  c.erase("sliding_window");
  EXPECT_EQ(parse_model_config(c.dump(), "q").sliding_window, 4096) << "Qwen2Config's default";
  c["layer_types"] = {"full_attention", "chunked_attention"};
  EXPECT_NE(config_refusal(c).find("layer_types: \"chunked_attention\" is not supported"),
            std::string::npos);
  c["layer_types"] = {"sliding_attention", "sliding_attention"};
  c["use_sliding_window"] = false;
  EXPECT_NE(config_refusal(c).find("no sliding window applies"), std::string::npos);
}

}  // namespace
}  // namespace mmlu

namespace mmlu {
namespace {

// Phi-3.5-mini's and Phi-4-mini's config.json as the hub spells them (the 48 factors of each
// list are given here as ones and twos: their values are not what is checked).
Json phi3_config(const char* text, std::size_t factors) {
  Json c = parse_json_text(text, "phi");
  c["rope_scaling"]["short_factor"] = std::vector<double>(factors, 1.0);
  c["rope_scaling"]["long_factor"] = std::vector<double>(factors, 2.0);
  return c;
}

const char* kPhi35Mini = R"({"architectures": ["Phi3ForCausalLM"], "attention_bias": false,
    "attention_dropout": 0.0, "bos_token_id": 1, "embd_pdrop": 0.0, "eos_token_id": 32000,
    "hidden_act": "silu", "hidden_size": 3072, "initializer_range": 0.02,
    "intermediate_size": 8192, "max_position_embeddings": 131072, "model_type": "phi3",
    "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 32,
    "original_max_position_embeddings": 4096, "pad_token_id": 32000, "resid_pdrop": 0.0,
    "rms_norm_eps": 1e-05, "rope_scaling": {"type": "longrope"}, "rope_theta": 10000.0,
    "sliding_window": 262144, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
    "transformers_version": "4.43.3", "use_cache": true, "vocab_size": 32064})";

const char* kPhi4Mini = R"({"architectures": ["Phi3ForCausalLM"], "attention_bias": false,
    "attention_dropout": 0.0, "bos_token_id": 199999, "embd_pdrop": 0.0,
    "eos_token_id": 199999, "full_attn_mod": 1, "hidden_act": "silu", "hidden_size": 3072,
    "initializer_range": 0.02, "intermediate_size": 8192, "interpolate_factor": 1,
    "lm_head_bias": false, "max_position_embeddings": 131072, "mlp_bias": false,
    "model_type": "phi3", "num_attention_heads": 24, "num_hidden_layers": 32,
    "num_key_value_heads": 8, "original_max_position_embeddings": 4096, "pad_token_id": 199999,
    "partial_rotary_factor": 0.75, "resid_pdrop": 0.0, "rms_norm_eps": 1e-05,
    "rope_scaling": {"type": "longrope"}, "rope_theta": 10000.0, "sliding_window": 262144,
    "tie_word_embeddings": true, "torch_dtype": "bfloat16", "transformers_version": "4.45.0",
    "use_cache": true, "vocab_size": 200064})";

TEST(ConfigFields, PublishedPhi3CheckpointsParse) {
  const ModelConfig p = parse_model_config(phi3_config(kPhi35Mini, 48).dump(), "p");
  EXPECT_EQ(p.head_dim, 96);
  EXPECT_EQ(p.rotary_dim, 96);
  EXPECT_EQ(p.rope_scaling.type, "longrope") << "its type, however spelled";
  EXPECT_EQ(p.rope_scaling.original_max_position_embeddings, 4096);
  EXPECT_DOUBLE_EQ(p.rope_scaling.factor, 32.0) << "max_position_embeddings / 4096";
  EXPECT_DOUBLE_EQ(p.rope_scaling.attention_factor,
                   std::sqrt(1 + std::log(32.0) / std::log(4096.0)));
  EXPECT_EQ(p.rope_scaling.short_factor, std::vector<double>(48, 1.0));
  EXPECT_EQ(p.window(31), 262144) << "every layer";
  EXPECT_NEAR(static_cast<double>(parameter_count(p)), 3.821e9, 0.001e9);

  const ModelConfig four = parse_model_config(phi3_config(kPhi4Mini, 48).dump(), "p");
  EXPECT_EQ(four.head_dim, 128);
  EXPECT_EQ(four.rotary_dim, 96) << "partial_rotary_factor 0.75";
  EXPECT_TRUE(four.tie_word_embeddings);
  EXPECT_NEAR(static_cast<double>(parameter_count(four)), 3.836e9, 0.001e9);

  // transformers' old names of longrope, and the explicit factors.
  for (const char* type : {"su", "yarn"}) {
    Json c = phi3_config(kPhi35Mini, 48);
    c["rope_scaling"]["type"] = type;
    c["rope_scaling"]["factor"] = 4.0;
    c["rope_scaling"]["attention_factor"] = 1.5;
    const ModelConfig renamed = parse_model_config(c.dump(), "p");
    EXPECT_EQ(renamed.rope_scaling.type, "longrope") << type;
    EXPECT_DOUBLE_EQ(renamed.rope_scaling.factor, 4.0);
    EXPECT_DOUBLE_EQ(renamed.rope_scaling.attention_factor, 1.5);
  }
  // No rope scaling: 4096 positions, every head dimension rotates.
  Json plain = phi3_config(kPhi35Mini, 48);
  plain["rope_scaling"] = nullptr;
  EXPECT_EQ(parse_model_config(plain.dump(), "p").rope_scaling.type, "");
}

TEST(ConfigFields, Phi3RefusesWhatItDoesNotImplement) {
  int refused = 0;
  for (const auto& [change, expected] :
       std::vector<std::pair<std::function<void(Json&)>, std::string>>{
           {[](Json& c) { c["rope_scaling"]["short_factor"] = std::vector<double>(47, 1.0); },
            "rope_scaling.short_factor has 47 factors, but 96 rotary dimensions need 48"},
           {[](Json& c) { c["rope_scaling"]["long_factor"][3] = -1.0; },
            "rope_scaling.long_factor: -1.0 is not a factor"},
           {[](Json& c) {
              c["rope_scaling"] = {{"type", "linear"}, {"factor", 2.0}};
            },
            "rope scaling type 'linear' is not supported (transformers' Phi-3: longrope)"},
           {[](Json& c) { c["rope_scaling"]["original_max_position_embeddings"] = 8192; },
            "rope_scaling.original_max_position_embeddings (8192) disagrees with "
            "original_max_position_embeddings (4096)"},
           {[](Json& c) { c["attention_bias"] = true; },
            "attention_bias true is not supported (transformers' Phi3ForCausalLM has no"},
           {[](Json& c) { c["partial_rotary_factor"] = 0.01; },
            "partial_rotary_factor 0.01 rotates 0 dimensions of head_dim 96"},
           {[](Json& c) { c["full_attn_mod"] = 2; }, "full_attn_mod 2 is not supported"},
           {[](Json& c) { c["lm_head_bias"] = true; }, "lm_head_bias true is not supported"},
       }) {
    Json c = phi3_config(kPhi35Mini, 48);
    change(c);
    const std::string why = config_refusal(c);
    EXPECT_NE(why.find("m/config.json: " + expected), std::string::npos) << why;
    refused += !why.empty();
  }
  EXPECT_EQ(refused, 8);
  // Partial rotation and longrope are Phi-3's: the Llama family refuses both.
  for (const char* extra :
       {R"("partial_rotary_factor": 0.5)", R"("rope_scaling": {"type": "longrope"})"}) {
    const std::string llama = R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 64,
        "intermediate_size": 96, "num_hidden_layers": 1, "num_attention_heads": 4,
        "vocab_size": 8, )" + std::string(extra) +
                              "}";
    EXPECT_THROW(parse_model_config(llama, "l"), InputError) << extra;
  }
}

// A config.json with only the shape fields reads as transformers' default configuration of its
// family does: the defaults of architectures.cpp are transformers' own.
TEST(ConfigFields, AbsentFieldsTakeTransformersDefaults) {
  const Json fixture =
      read_json_file(fs::path(MMLU_TEST_FIXTURES) / "configs" / "transformers_defaults.json");
  int compared = 0;
  for (const auto& [name, full] : fixture["configs"].items()) {
    if (full.contains("text_config")) continue;  // a wrapper: its language model is compared
    SCOPED_TRACE(name);
    Json bare = Json::object();
    for (const char* key : {"architectures", "vocab_size", "hidden_size", "intermediate_size",
                            "num_hidden_layers", "num_attention_heads"})
      bare[key] = full[key];
    const ModelConfig a = parse_model_config(full.dump(), name);
    const ModelConfig b = parse_model_config(bare.dump(), name);
    EXPECT_EQ(a.num_key_value_heads, b.num_key_value_heads);
    EXPECT_EQ(a.head_dim, b.head_dim);
    EXPECT_EQ(a.rotary_dim, b.rotary_dim);
    EXPECT_EQ(a.max_position_embeddings, b.max_position_embeddings);
    EXPECT_EQ(a.rms_norm_eps, b.rms_norm_eps);
    EXPECT_EQ(a.rope_theta, b.rope_theta);
    EXPECT_EQ(a.rope_scaling.type, b.rope_scaling.type);
    EXPECT_EQ(a.tie_word_embeddings, b.tie_word_embeddings);
    EXPECT_EQ(a.activation, b.activation);
    EXPECT_EQ(a.sliding_window, b.sliding_window);
    EXPECT_EQ(a.windowed_layers, b.windowed_layers);
    EXPECT_EQ(a.attention_scale, b.attention_scale);
    EXPECT_EQ(a.attn_softcap, b.attn_softcap);
    EXPECT_EQ(a.final_softcap, b.final_softcap);
    EXPECT_EQ(a.experts.count, b.experts.count);
    EXPECT_EQ(a.experts.per_token, b.experts.per_token);
    EXPECT_EQ(a.experts.intermediate_size, b.experts.intermediate_size);
    EXPECT_EQ(a.experts.normalize_top_k, b.experts.normalize_top_k);
    EXPECT_EQ(a.local_rope.has_value(), b.local_rope.has_value());
    if (a.local_rope && b.local_rope) EXPECT_EQ(a.local_rope->theta, b.local_rope->theta);
    ++compared;
  }
  EXPECT_EQ(compared, 9);
}

}  // namespace
}  // namespace mmlu
