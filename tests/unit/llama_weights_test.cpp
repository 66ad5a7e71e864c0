// A rank's shard against the checkpoint it was read from: a tiny model whose every weight element
// is a distinct integer, written here, so each stacked row and column slice can be traced to its
// source; some tensors BF16 and some F32, so stacking also converts mixed dtypes.
#include "mmlu/llama_weights.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <map>

#include "mmlu/model_config.hpp"
#include "mmlu/safetensors.hpp"

namespace mmlu {
namespace {

namespace fs = std::filesystem;

// hidden 4, 2 query heads of 2, 1 key/value head (replicated at tp=2), intermediate 6, vocab 5
// (padded to 3 rows per rank at tp=2), one layer, attention bias (as Qwen2).
constexpr const char* kConfig = R"({"architectures": ["Qwen2ForCausalLM"], "hidden_size": 4,
  "intermediate_size": 6, "num_hidden_layers": 1, "num_attention_heads": 2,
  "num_key_value_heads": 1, "vocab_size": 5, "max_position_embeddings": 64,
  "tie_word_embeddings": false, "torch_dtype": "bfloat16"})";

struct Source {
  std::vector<std::int64_t> shape;
  bool bf16;
};

const std::map<std::string, Source>& sources() {
  static const std::map<std::string, Source> s = {
      {"model.embed_tokens.weight", {{5, 4}, true}},
      {"lm_head.weight", {{5, 4}, false}},
      {"model.norm.weight", {{4}, true}},
      {"model.layers.0.input_layernorm.weight", {{4}, true}},
      {"model.layers.0.post_attention_layernorm.weight", {{4}, false}},
      {"model.layers.0.self_attn.q_proj.weight", {{4, 4}, false}},
      {"model.layers.0.self_attn.k_proj.weight", {{2, 4}, true}},
      {"model.layers.0.self_attn.v_proj.weight", {{2, 4}, true}},
      {"model.layers.0.self_attn.q_proj.bias", {{4}, true}},
      {"model.layers.0.self_attn.k_proj.bias", {{2}, false}},
      {"model.layers.0.self_attn.v_proj.bias", {{2}, true}},
      {"model.layers.0.self_attn.o_proj.weight", {{4, 4}, true}},
      {"model.layers.0.mlp.gate_proj.weight", {{6, 4}, false}},
      {"model.layers.0.mlp.up_proj.weight", {{6, 4}, true}},
      {"model.layers.0.mlp.down_proj.weight", {{4, 6}, true}},
  };
  return s;
}

// Consecutive integers from `first`: every element of the model distinct, and exact in bf16 below
// 256 (the BF16 tensors take 1 to 240, 24 each; the F32 ones from 1001).
torch::Tensor values(std::int64_t first, const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;
  return torch::arange(first, first + n, torch::kFloat32).reshape(shape);
}

class LlamaWeightsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mmlu_weights_test_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "config.json") << kConfig;
    std::string header = "{", data;
    int bf16 = 0, f32 = 0;
    for (const auto& [name, source] : sources()) {
      const torch::Tensor v =
          values(source.bf16 ? 1 + 24 * bf16++ : 1001 + 32 * f32++, source.shape);
      expected_[name] = v;
      std::string bytes;
      if (source.bf16) {
        for (float f : std::vector<float>(v.data_ptr<float>(), v.data_ptr<float>() + v.numel())) {
          std::uint32_t u;
          std::memcpy(&u, &f, 4);
          bytes.push_back(static_cast<char>((u >> 16) & 0xFF));
          bytes.push_back(static_cast<char>(u >> 24));
        }
      } else {
        bytes.assign(static_cast<const char*>(v.data_ptr()), v.numel() * 4);
      }
      std::string shape;
      for (std::int64_t d : source.shape) shape += (shape.empty() ? "" : ",") + std::to_string(d);
      header += (header.size() > 1 ? "," : "") + ("\"" + name + "\": {\"dtype\": \"") +
                (source.bf16 ? "BF16" : "F32") + "\", \"shape\": [" + shape +
                "], \"data_offsets\": [" + std::to_string(data.size()) + ", " +
                std::to_string(data.size() + bytes.size()) + "]}";
      data += bytes;
    }
    header += "}";
    std::string file(8, '\0');
    for (int i = 0; i < 8; ++i) file[i] = static_cast<char>((header.size() >> (8 * i)) & 0xFF);
    std::ofstream(dir_ / "model.safetensors", std::ios::binary) << file + header + data;
  }
  void TearDown() override { fs::remove_all(dir_); }

  LlamaWeights load(int tp_rank, int tp) {
    checkpoint_ = std::make_unique<Checkpoint>(dir_);
    return load_llama_shard(*checkpoint_, load_model_config(dir_),
                            {tp_rank, tp, torch::kFloat32, torch::kCPU});
  }
  torch::Tensor rows(const std::string& name, std::int64_t first, std::int64_t length) {
    return expected_.at(name).narrow(0, first, length);
  }

  fs::path dir_;
  std::unique_ptr<Checkpoint> checkpoint_;
  std::map<std::string, torch::Tensor> expected_;
};

const std::string kAttn = "model.layers.0.self_attn.", kMlp = "model.layers.0.mlp.";

TEST_F(LlamaWeightsTest, TheWholeModelAtTp1IsTheCheckpointStacked) {
  const LlamaWeights w = load(0, 1);
  ASSERT_EQ(w.layers.size(), 1u);
  const LayerWeights& l = w.layers[0];
  EXPECT_TRUE(torch::equal(
      l.qkv, torch::cat({expected_[kAttn + "q_proj.weight"], expected_[kAttn + "k_proj.weight"],
                         expected_[kAttn + "v_proj.weight"]})));
  EXPECT_TRUE(torch::equal(
      l.qkv_bias, torch::cat({expected_[kAttn + "q_proj.bias"], expected_[kAttn + "k_proj.bias"],
                              expected_[kAttn + "v_proj.bias"]})));
  EXPECT_TRUE(torch::equal(l.gate_up, torch::cat({expected_[kMlp + "gate_proj.weight"],
                                                  expected_[kMlp + "up_proj.weight"]})));
  EXPECT_TRUE(torch::equal(l.o, expected_[kAttn + "o_proj.weight"]));
  EXPECT_TRUE(torch::equal(l.down, expected_[kMlp + "down_proj.weight"]));
  EXPECT_TRUE(torch::equal(w.embed, expected_["model.embed_tokens.weight"]));
  EXPECT_TRUE(torch::equal(w.lm_head, expected_["lm_head.weight"]));
  EXPECT_TRUE(torch::equal(l.post_attention_norm,
                           expected_["model.layers.0.post_attention_layernorm.weight"]));
}

TEST_F(LlamaWeightsTest, EachTp2RankStacksItsOwnRowsAndSlicesItsOwnColumns) {
  for (int rank = 0; rank < 2; ++rank) {
    SCOPED_TRACE("tp rank " + std::to_string(rank));
    const LlamaWeights w = load(rank, 2);
    const LayerWeights& l = w.layers[0];
    // One query head of 2 rows each; the single kv head is replicated on both ranks.
    EXPECT_TRUE(torch::equal(l.qkv, torch::cat({rows(kAttn + "q_proj.weight", 2 * rank, 2),
                                                expected_[kAttn + "k_proj.weight"],
                                                expected_[kAttn + "v_proj.weight"]})));
    EXPECT_TRUE(torch::equal(l.qkv_bias, torch::cat({rows(kAttn + "q_proj.bias", 2 * rank, 2),
                                                     expected_[kAttn + "k_proj.bias"],
                                                     expected_[kAttn + "v_proj.bias"]})));
    EXPECT_TRUE(torch::equal(l.gate_up, torch::cat({rows(kMlp + "gate_proj.weight", 3 * rank, 3),
                                                    rows(kMlp + "up_proj.weight", 3 * rank, 3)})));
    EXPECT_TRUE(torch::equal(l.o, expected_[kAttn + "o_proj.weight"].narrow(1, 2 * rank, 2)));
    EXPECT_TRUE(torch::equal(l.down, expected_[kMlp + "down_proj.weight"].narrow(1, 3 * rank, 3)));
    // Vocabulary rows 3 per rank: rank 1 holds rows 3 and 4, then a zero row of padding.
    const std::int64_t real = rank == 0 ? 3 : 2;
    ASSERT_EQ(w.lm_head.size(0), 3);
    EXPECT_TRUE(torch::equal(w.lm_head.narrow(0, 0, real), rows("lm_head.weight", 3 * rank, real)));
    EXPECT_TRUE(torch::equal(w.embed.narrow(0, 0, real),
                             rows("model.embed_tokens.weight", 3 * rank, real)));
    if (rank == 1) {
      EXPECT_EQ(w.lm_head[2].abs().sum().item<float>(), 0.0f);
      EXPECT_EQ(w.embed[2].abs().sum().item<float>(), 0.0f);
    }
  }
}

}  // namespace
}  // namespace mmlu
