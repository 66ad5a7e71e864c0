// A rank's shard against the checkpoint it was read from: a tiny model whose every weight element
// is a distinct integer, written here, so each stacked row and column slice can be traced to its
// source. The checkpoint is all F32 (stacked parts copied in place) or mixes BF16 and F32 (parts
// converted one by one); it is loaded in fp32 and in bf16.
#include "mmlu/model/llama_weights.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>

#include "mmlu/checkpoint/model_config.hpp"
#include "mmlu/checkpoint/safetensors.hpp"
#include "safetensors_bytes.hpp"

namespace mmlu {
namespace {

namespace fs = std::filesystem;

// hidden 8, 4 query heads of 2, 2 key/value heads (split at tp=2, replicated at tp=4),
// intermediate 8, vocabulary 5 (padded to 3 rows per rank at tp=2, 2 at tp=4: rank 3 holds only
// padding), one layer, attention bias (as Qwen2).
constexpr const char* kConfig = R"({"architectures": ["Qwen2ForCausalLM"], "hidden_size": 8,
  "intermediate_size": 8, "num_hidden_layers": 1, "num_attention_heads": 4,
  "num_key_value_heads": 2, "vocab_size": 5, "max_position_embeddings": 64,
  "tie_word_embeddings": false, "torch_dtype": "bfloat16"})";

const std::string kAttn = "model.layers.0.self_attn.", kMlp = "model.layers.0.mlp.";

struct Source {
  std::vector<std::int64_t> shape;
  bool bf16;  // in the mixed checkpoint
};

const std::map<std::string, Source>& sources() {
  static const std::map<std::string, Source> s = {
      {"model.embed_tokens.weight", {{5, 8}, false}},
      {"lm_head.weight", {{5, 8}, false}},
      {"model.norm.weight", {{8}, true}},
      {"model.layers.0.input_layernorm.weight", {{8}, true}},
      {"model.layers.0.post_attention_layernorm.weight", {{8}, false}},
      {kAttn + "q_proj.weight", {{8, 8}, false}},
      {kAttn + "k_proj.weight", {{4, 8}, true}},
      {kAttn + "v_proj.weight", {{4, 8}, true}},
      {kAttn + "q_proj.bias", {{8}, true}},
      {kAttn + "k_proj.bias", {{4}, false}},
      {kAttn + "v_proj.bias", {{4}, true}},
      {kAttn + "o_proj.weight", {{8, 8}, false}},
      {kMlp + "gate_proj.weight", {{8, 8}, false}},
      {kMlp + "up_proj.weight", {{8, 8}, true}},
      {kMlp + "down_proj.weight", {{8, 8}, true}},
  };
  return s;
}

struct Case {
  const char* name;
  bool mixed;             // BF16 and F32 tensors, else all F32
  torch::ScalarType run;  // the dtype loaded into
};
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

class LlamaWeightsTest : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mmlu_weights_test_" + std::to_string(::getpid()) + "_" + GetParam().name);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "config.json") << kConfig;
    // Consecutive integers: BF16 tensors from 1 (220 elements, all exact in bf16 below 256), F32
    // ones from 1001, so every element of the model is distinct.
    std::int64_t next_bf16 = 1, next_f32 = 1001;
    std::string header = "{", data;
    for (const auto& [name, source] : sources()) {
      const bool bf16 = GetParam().mixed && source.bf16;
      std::int64_t& next = bf16 ? next_bf16 : next_f32;
      torch::Tensor v = torch::arange(next, next + shape_numel(source.shape), torch::kFloat32)
                            .reshape(source.shape);
      next += v.numel();
      expected_[name] = v.to(GetParam().run);
      const torch::Tensor stored = bf16 ? v.to(torch::kBFloat16) : v;
      const std::string bytes(static_cast<const char*>(stored.data_ptr()), stored.nbytes());
      std::string shape;
      for (std::int64_t d : source.shape) shape += (shape.empty() ? "" : ",") + std::to_string(d);
      header += (header.size() > 1 ? "," : "") + ("\"" + name + "\": {\"dtype\": \"") +
                (bf16 ? "BF16" : "F32") + "\", \"shape\": [" + shape + "], \"data_offsets\": [" +
                std::to_string(data.size()) + ", " + std::to_string(data.size() + bytes.size()) +
                "]}";
      data += bytes;
    }
    header += "}";
    std::ofstream(dir_ / "model.safetensors", std::ios::binary) << test::with_header(header, data);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::int64_t shape_numel(const std::vector<std::int64_t>& shape) {
    std::int64_t n = 1;
    for (std::int64_t d : shape) n *= d;
    return n;
  }
  LlamaWeights load(int tp_rank, int tp) {
    const Checkpoint checkpoint(dir_);
    return load_llama_shard(checkpoint, load_model_config(dir_),
                            {tp_rank, tp, GetParam().run, torch::kCPU});
  }
  const torch::Tensor& all(const std::string& name) { return expected_.at(name); }
  torch::Tensor rows(const std::string& name, std::int64_t first, std::int64_t length) {
    return all(name).narrow(0, first, length);
  }
  torch::Tensor columns(const std::string& name, std::int64_t first, std::int64_t length) {
    return all(name).narrow(1, first, length);
  }

  // What rank `r` of `tp` must hold, worked out here from the config's numbers.
  void expect_shard(int r, int tp) {
    SCOPED_TRACE("tp " + std::to_string(tp) + " rank " + std::to_string(r));
    const LlamaWeights w = load(r, tp);
    ASSERT_EQ(w.layers.size(), 1u);
    const LayerWeights& l = w.layers[0];
    for (const torch::Tensor& t : w.all()) EXPECT_EQ(t.scalar_type(), GetParam().run);
    // Rows of heads of 2; a replicated key/value head is the one serving this rank's query heads
    // (2 query heads per kv head).
    const std::int64_t q_heads = 4 / tp, kv_heads = tp <= 2 ? 2 / tp : 1;
    const std::int64_t q = 2 * q_heads, kv = 2 * kv_heads, i = 8 / tp, vocab = (5 + tp - 1) / tp;
    const std::int64_t first_kv = 2 * (tp <= 2 ? r * kv_heads : r * q_heads / 2);
    EXPECT_TRUE(torch::equal(l.qkv, torch::cat({rows(kAttn + "q_proj.weight", r * q, q),
                                                rows(kAttn + "k_proj.weight", first_kv, kv),
                                                rows(kAttn + "v_proj.weight", first_kv, kv)})));
    EXPECT_TRUE(torch::equal(l.qkv_bias, torch::cat({rows(kAttn + "q_proj.bias", r * q, q),
                                                     rows(kAttn + "k_proj.bias", first_kv, kv),
                                                     rows(kAttn + "v_proj.bias", first_kv, kv)})));
    EXPECT_TRUE(torch::equal(l.gate_up, torch::cat({rows(kMlp + "gate_proj.weight", r * i, i),
                                                    rows(kMlp + "up_proj.weight", r * i, i)})));
    EXPECT_TRUE(torch::equal(l.o, columns(kAttn + "o_proj.weight", r * q, q)));
    EXPECT_TRUE(torch::equal(l.down, columns(kMlp + "down_proj.weight", r * i, i)));
    EXPECT_TRUE(torch::equal(l.input_norm, all("model.layers.0.input_layernorm.weight")));
    EXPECT_TRUE(torch::equal(l.mlp_norm, all("model.layers.0.post_attention_layernorm.weight")));
    EXPECT_TRUE(torch::equal(w.final_norm, all("model.norm.weight")));
    // Vocabulary rows past the end are zeros.
    const std::int64_t real = std::max<std::int64_t>(0, std::min(vocab, 5 - r * vocab));
    for (const auto& [t, name] : {std::pair{w.embed, "model.embed_tokens.weight"},
                                  std::pair{w.lm_head, "lm_head.weight"}}) {
      ASSERT_EQ(t.size(0), vocab) << name;
      EXPECT_TRUE(torch::equal(t.narrow(0, 0, real),
                               rows(name, std::min<std::int64_t>(r * vocab, 5), real)))
          << name;
      EXPECT_EQ(t.narrow(0, real, vocab - real).abs().sum().item<float>(), 0.0f) << name;
    }
  }

  fs::path dir_;
  std::map<std::string, torch::Tensor> expected_;
};

TEST_P(LlamaWeightsTest, TheWholeModelAtTp1IsTheCheckpointStacked) {
  expect_shard(0, 1);
}

TEST_P(LlamaWeightsTest, EachTp2RankStacksItsOwnHeadsAndRowsAndSlicesItsOwnColumns) {
  for (int r = 0; r < 2; ++r) expect_shard(r, 2);
}

TEST_P(LlamaWeightsTest, AtTp4KeyValueHeadsAreReplicatedAndTheLastRankHoldsOnlyPadding) {
  for (int r = 0; r < 4; ++r) expect_shard(r, 4);
}

INSTANTIATE_TEST_SUITE_P(Checkpoints, LlamaWeightsTest,
                         ::testing::Values(Case{"f32_into_fp32", false, torch::kFloat32},
                                           Case{"f32_into_bf16", false, torch::kBFloat16},
                                           Case{"mixed_into_fp32", true, torch::kFloat32}),
                         [](const auto& info) { return std::string(info.param.name); });

// Phi-3 stores q, k and v as row blocks of one qkv_proj, gate and up as the halves of one
// gate_up_proj: each rank's stacked weights are its rows of each block, as if stored apart.
TEST(FusedTensors, EachRankReadsItsRowsOfEveryBlock) {
  const fs::path dir =
      fs::temp_directory_path() / ("mmlu_fused_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  // hidden 8, 4 query heads of 2 (q 8 rows), 2 key/value heads (k, v 4 rows each),
  // intermediate 8.
  std::ofstream(dir / "config.json") << R"({"architectures": ["Phi3ForCausalLM"],
    "hidden_size": 8, "intermediate_size": 8, "num_hidden_layers": 1, "num_attention_heads": 4,
    "num_key_value_heads": 2, "vocab_size": 5, "max_position_embeddings": 64,
    "tie_word_embeddings": false, "torch_dtype": "float32"})";
  const std::map<std::string, std::vector<std::int64_t>> shapes = {
      {"model.embed_tokens.weight", {5, 8}},
      {"lm_head.weight", {5, 8}},
      {"model.norm.weight", {8}},
      {"model.layers.0.input_layernorm.weight", {8}},
      {"model.layers.0.post_attention_layernorm.weight", {8}},
      {kAttn + "qkv_proj.weight", {16, 8}},
      {kAttn + "o_proj.weight", {8, 8}},
      {kMlp + "gate_up_proj.weight", {16, 8}},
      {kMlp + "down_proj.weight", {8, 8}},
  };
  std::map<std::string, torch::Tensor> stored;
  std::string header = "{", data;
  std::int64_t next = 1;
  for (const auto& [name, shape] : shapes) {
    const std::int64_t n = shape.size() == 1 ? shape[0] : shape[0] * shape[1];
    torch::Tensor v = torch::arange(next, next + n, torch::kFloat32).reshape(shape);
    next += v.numel();
    stored[name] = v;
    std::string dims;
    for (std::int64_t d : shape) dims += (dims.empty() ? "" : ",") + std::to_string(d);
    header += (header.size() > 1 ? "," : "") + ("\"" + name + "\": {\"dtype\": \"F32\", ") +
              "\"shape\": [" + dims + "], \"data_offsets\": [" + std::to_string(data.size()) +
              ", " + std::to_string(data.size() + v.nbytes()) + "]}";
    data.append(static_cast<const char*>(v.data_ptr()), v.nbytes());
  }
  std::ofstream(dir / "model.safetensors", std::ios::binary)
      << test::with_header(header + "}", data);
  const ModelConfig config = load_model_config(dir);
  const Checkpoint checkpoint(dir);
  const torch::Tensor& qkv = stored.at(kAttn + "qkv_proj.weight");
  const torch::Tensor& gate_up = stored.at(kMlp + "gate_up_proj.weight");
  int checked = 0;
  for (int tp : {1, 2, 4}) {
    for (int r = 0; r < tp; ++r) {
      SCOPED_TRACE("tp " + std::to_string(tp) + " rank " + std::to_string(r));
      const LayerWeights l =
          load_llama_shard(checkpoint, config, {r, tp, torch::kFloat32, torch::kCPU}).layers.at(0);
      const std::int64_t q = 8 / tp, kv = tp <= 2 ? 4 / tp : 2, i = 8 / tp;
      const std::int64_t first_kv = tp <= 2 ? r * kv : r / 2 * 2;  // replicated at tp 4
      EXPECT_TRUE(
          torch::equal(l.qkv, torch::cat({qkv.narrow(0, r * q, q), qkv.narrow(0, 8 + first_kv, kv),
                                          qkv.narrow(0, 12 + first_kv, kv)})));
      EXPECT_TRUE(torch::equal(
          l.gate_up, torch::cat({gate_up.narrow(0, r * i, i), gate_up.narrow(0, 8 + r * i, i)})));
      EXPECT_TRUE(torch::equal(l.o, stored.at(kAttn + "o_proj.weight").narrow(1, r * q, q)));
      ++checked;
    }
  }
  EXPECT_EQ(checked, 7);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mmlu
