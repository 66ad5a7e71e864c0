// The description of a checkpoint's tensors (checkpoint/model_tensors.hpp): names as transformers
// stores them, rank slices that tile every split dimension, and the loader and the planner
// agreeing with it element for element.
#include "mmlu/checkpoint/model_tensors.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <tuple>

#include "mmlu/model/llama_weights.hpp"
#include "mmlu/parallel/planner.hpp"
#include "mmlu/util/error.hpp"
#include "safetensors_bytes.hpp"
#include "test_configs.hpp"

namespace mmlu {
namespace {

// 4 query heads of 4, 2 key/value heads (split at tp 2, replicated at tp 4), intermediate 8,
// vocabulary 5 (padded at tp 2 and 4), two layers.
ModelConfig small(bool bias, bool tied) {
  ModelConfig c = test::llama_config(16, 8, 2, 4, 2, 5, "float32");
  c.attention_bias = bias;
  c.tie_word_embeddings = tied;
  return c;
}

std::vector<std::string> names(const std::vector<const TensorSpec*>& tensors) {
  std::vector<std::string> out;
  for (const TensorSpec* t : tensors) out.push_back(t->name);
  return out;
}

TEST(ModelTensors, NamesAndShapesAreTransformers) {
  const ModelConfig c = small(true, false);
  const LayerTensors l = layer_tensors(c, 1);
  const std::string a = "model.layers.1.self_attn.", m = "model.layers.1.mlp.";
  EXPECT_EQ(
      names(l.all()),
      (std::vector<std::string>{
          "model.layers.1.input_layernorm.weight", "model.layers.1.post_attention_layernorm.weight",
          a + "q_proj.weight", a + "k_proj.weight", a + "v_proj.weight", a + "q_proj.bias",
          a + "k_proj.bias", a + "v_proj.bias", a + "o_proj.weight", m + "gate_proj.weight",
          m + "up_proj.weight", m + "down_proj.weight"}));
  EXPECT_EQ(l.k.shape, (std::vector<std::int64_t>{8, 16}));
  EXPECT_EQ(l.o.shape, (std::vector<std::int64_t>{16, 16}));
  ASSERT_TRUE(l.mlp);
  EXPECT_FALSE(l.router);
  EXPECT_TRUE(l.experts.empty());
  EXPECT_EQ(l.mlp->down.shape, (std::vector<std::int64_t>{16, 8}));
  EXPECT_EQ(l.o.dim, 1);
  EXPECT_EQ(l.mlp->gate.dim, 0);
  EXPECT_EQ(layer_tensors(small(false, false), 0).all().size(), 9u);
  EXPECT_EQ(names(outer_tensors(c).all()),
            (std::vector<std::string>{"model.embed_tokens.weight", "lm_head.weight",
                                      "model.norm.weight"}));
  EXPECT_EQ(names(outer_tensors(small(true, true)).all()),
            (std::vector<std::string>{"model.embed_tokens.weight", "model.norm.weight"}));
}

// Qwen3's per-head q/k norms are whole on every rank; they come with the family, not a field.
TEST(ModelTensors, Qwen3LayersHaveQkNorms) {
  const ModelConfig c = parse_model_config(
      R"({"architectures": ["Qwen3ForCausalLM"], "hidden_size": 64, "head_dim": 16,
          "intermediate_size": 96, "num_hidden_layers": 2, "num_attention_heads": 8,
          "num_key_value_heads": 2, "vocab_size": 256})",
      "q3");
  const LayerTensors l = layer_tensors(c, 0);
  ASSERT_TRUE(l.q_norm && l.k_norm);
  EXPECT_EQ(l.q_norm->name, "model.layers.0.self_attn.q_norm.weight");
  EXPECT_EQ(l.k_norm->name, "model.layers.0.self_attn.k_norm.weight");
  EXPECT_EQ(l.k_norm->shape, (std::vector<std::int64_t>{16}));
  EXPECT_EQ(rank_slice(*l.q_norm, shard_layout(c, 1, 2)).length, 16);
  EXPECT_EQ(l.all().size(), 11u);
  EXPECT_EQ(l.q.shape, (std::vector<std::int64_t>{128, 64}));
}

// Qwen3-MoE: 4 experts of width 8 in the layers mlp_only_layers does not list and whose index + 1
// is a multiple of decoder_sparse_step; the others keep the dense MLP of intermediate_size.
ModelConfig qwen3_moe(const std::string& extra) {
  return parse_model_config(
      R"({"architectures": ["Qwen3MoeForCausalLM"], "hidden_size": 16, "head_dim": 4,
          "intermediate_size": 12, "moe_intermediate_size": 8, "num_hidden_layers": 4,
          "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 5,
          "num_experts": 4, "num_experts_per_tok": 2)" +
          extra + "}",
      "q3moe");
}

TEST(ModelTensors, MixturesOfExpertsAreNamedAsTransformersSavesThem) {
  const ModelConfig c = qwen3_moe(R"(, "mlp_only_layers": [2])");
  EXPECT_EQ(c.experts.sparse_layers, (std::vector<bool>{true, true, false, true}));
  const LayerTensors sparse = layer_tensors(c, 1), dense = layer_tensors(c, 2);
  ASSERT_TRUE(dense.mlp);
  EXPECT_EQ(dense.mlp->gate.shape, (std::vector<std::int64_t>{12, 16}));
  EXPECT_FALSE(sparse.mlp);
  ASSERT_TRUE(sparse.router);
  EXPECT_EQ(sparse.router->name, "model.layers.1.mlp.gate.weight");
  EXPECT_EQ(sparse.router->shape, (std::vector<std::int64_t>{4, 16}));
  EXPECT_EQ(sparse.router->partition, Partition::kWhole);
  ASSERT_EQ(sparse.experts.size(), 4u);
  const MlpTensors& e3 = sparse.experts[3];
  EXPECT_EQ(e3.gate.name, "model.layers.1.mlp.experts.3.gate_proj.weight");
  EXPECT_EQ(e3.up.name, "model.layers.1.mlp.experts.3.up_proj.weight");
  EXPECT_EQ(e3.down.name, "model.layers.1.mlp.experts.3.down_proj.weight");
  EXPECT_EQ(e3.down.shape, (std::vector<std::int64_t>{16, 8}));
  EXPECT_EQ(e3.down.dim, 1);
  EXPECT_EQ(e3.up.partition, Partition::kExpertIntermediate);
  EXPECT_EQ(sparse.all().size(), 8u + 1 + 12);  // norms and attention with q/k norms, router, 4 x 3

  EXPECT_EQ(qwen3_moe(R"(, "decoder_sparse_step": 2)").experts.sparse_layers,
            (std::vector<bool>{false, true, false, true}));
  EXPECT_EQ(qwen3_moe(R"(, "num_experts": 0)").experts.count, 0);
  EXPECT_TRUE(layer_tensors(qwen3_moe(R"(, "num_experts": 0)"), 1).mlp);

  const ModelConfig mixtral = parse_model_config(
      R"({"architectures": ["MixtralForCausalLM"], "hidden_size": 16, "intermediate_size": 12,
          "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
          "vocab_size": 5, "num_local_experts": 3})",
      "mixtral");
  EXPECT_EQ(mixtral.experts.per_token, 2);
  EXPECT_TRUE(mixtral.experts.normalize_top_k);
  EXPECT_EQ(mixtral.rope_theta, 1e6);
  const LayerTensors m = layer_tensors(mixtral, 1);
  ASSERT_EQ(m.experts.size(), 3u);
  EXPECT_EQ(m.router->name, "model.layers.1.block_sparse_moe.gate.weight");
  EXPECT_EQ(m.experts[2].gate.name, "model.layers.1.block_sparse_moe.experts.2.w1.weight");
  EXPECT_EQ(m.experts[2].up.name, "model.layers.1.block_sparse_moe.experts.2.w3.weight");
  EXPECT_EQ(m.experts[2].down.name, "model.layers.1.block_sparse_moe.experts.2.w2.weight");
  EXPECT_EQ(m.experts[2].gate.shape, (std::vector<std::int64_t>{12, 16}));
}

// Every rank holds its slice of every expert: the experts' rows tile their width.
TEST(ModelTensors, ExpertSlicesTileTheirWidth) {
  const ModelConfig c = qwen3_moe("");
  int checked = 0;
  for (int tp : {1, 2, 4}) {
    const LayerTensors l = layer_tensors(c, 0);
    for (const MlpTensors& e : l.experts)
      for (const TensorSpec* t : {&e.gate, &e.up, &e.down}) {
        std::int64_t next = 0;
        for (int r = 0; r < tp; ++r) {
          const RankSlice s = rank_slice(*t, shard_layout(c, r, tp));
          EXPECT_EQ(s.start, next) << t->name << " tp " << tp;
          EXPECT_EQ(s.length, 8 / tp);
          next += s.length;
        }
        EXPECT_EQ(next, 8);
        ++checked;
      }
  }
  EXPECT_EQ(checked, 36);
}

// Each split dimension is covered once by the ranks' slices (vocabulary up to its padding); at
// tp 4 each rank holds the one key/value head its query heads use.
TEST(ModelTensors, RankSlicesTileEverySplitDimension) {
  const ModelConfig c = small(true, false);
  for (int tp : {1, 2, 4}) {
    const LayerTensors l = layer_tensors(c, 0);
    std::vector<const TensorSpec*> all = l.all();
    const OuterTensors outer = outer_tensors(c);
    for (const TensorSpec* t : outer.all()) all.push_back(t);
    int checked = 0;
    for (const TensorSpec* t : all) {
      const std::int64_t extent = t->shape[static_cast<std::size_t>(t->dim)];
      const bool replicated_kv = t->partition == Partition::kKvHeads && tp > 2;
      std::int64_t next = 0;
      for (int r = 0; r < tp; ++r) {
        const RankSlice s = rank_slice(*t, shard_layout(c, r, tp));
        SCOPED_TRACE(t->name + " tp " + std::to_string(tp) + " rank " + std::to_string(r));
        if (t->partition == Partition::kWhole) {
          EXPECT_EQ(s.start, 0);
          EXPECT_EQ(s.length, extent);
        } else if (replicated_kv) {
          EXPECT_EQ(s.start, r / 2 * 4);  // query heads 2r and 2r+1 share kv head r / 2
          EXPECT_EQ(s.length, 4);
        } else {
          EXPECT_EQ(s.start, next);
          next += s.length;
        }
      }
      if (t->partition == Partition::kVocabulary)
        EXPECT_EQ(next, vocab_rows_per_rank(c, tp) * tp) << t->name;
      else if (t->partition != Partition::kWhole && !replicated_kv)
        EXPECT_EQ(next, extent) << t->name << " tp " << tp;
      ++checked;
    }
    EXPECT_EQ(checked, 15);  // 12 in the layer, 3 outside
  }
}

// What the planner counts is what the loader holds: a rank's synthetic shard (the loader's own
// slicing, with no checkpoint) has exactly shard_elements elements, at every tp and with bias
// and tied embeddings on and off.
TEST(ModelTensors, TheLoaderHoldsWhatThePlannerCounts) {
  int checked = 0;
  for (bool bias : {false, true})
    for (bool tied : {false, true}) {
      const ModelConfig c = small(bias, tied);
      for (int tp : {1, 2, 4})
        for (int rank = 0; rank < tp; ++rank) {
          ShardSpec spec;
          spec.tp = tp;
          spec.tp_rank = rank;
          std::uint64_t held = 0;
          for (const torch::Tensor& t : random_llama_shard(c, spec).all()) held += t.numel();
          EXPECT_EQ(held, shard_elements(c, tp).value())
              << "bias " << bias << " tied " << tied << " tp " << tp << " rank " << rank;
          ++checked;
        }
    }
  EXPECT_EQ(checked, 28);
  EXPECT_EQ(parameter_count(small(true, false)), shard_elements(small(true, false), 1).value());
}

// The same for a mixture with dense layers among its sparse ones: the planner counts every
// expert, and the loader holds every rank's slice of each.
TEST(ModelTensors, TheLoaderHoldsEveryExpertThePlannerCounts) {
  const ModelConfig c = qwen3_moe(R"(, "mlp_only_layers": [2])");
  int checked = 0;
  for (int tp : {1, 2, 4})
    for (int rank = 0; rank < tp; ++rank) {
      ShardSpec spec;
      spec.tp = tp;
      spec.tp_rank = rank;
      const LlamaWeights w = random_llama_shard(c, spec);
      std::uint64_t held = 0;
      for (const torch::Tensor& t : w.all()) held += t.numel();
      EXPECT_EQ(held, shard_elements(c, tp).value()) << "tp " << tp << " rank " << rank;
      ASSERT_EQ(w.layers[1].expert_gate_up.size(), 4u);
      EXPECT_EQ(w.layers[1].expert_gate_up[0].size(0), 2 * 8 / tp);
      EXPECT_EQ(w.layers[1].router.sizes(), (std::vector<std::int64_t>{4, 16}));
      EXPECT_FALSE(w.layers[2].router.defined());
      ++checked;
    }
  EXPECT_EQ(checked, 7);
  // 3 sparse layers of 4 experts (3 x 16 x 8 each) and a router; 1 dense layer of 3 x 16 x 12.
  const std::uint64_t attention = 16 * 16 + 2 * 8 * 16 + 16 * 16 + 2 * 16 + 2 * 4;
  EXPECT_EQ(parameter_count(c),
            2 * 5 * 16 + 16 + 3 * (attention + 4 * 3 * 16 * 8 + 4 * 16) + attention + 3 * 16 * 12);
}

// --synthetic-weights for every family: each golden fixture's config.json, at every tp its heads
// allow, gives random shards of exactly the elements the planner counts (and the checkpoint's
// description lists every tensor the fixture stores, as the loader requires).
TEST(ModelTensors, SyntheticWeightsForEveryFamily) {
  int shards = 0, models = 0;
  std::set<std::string> families;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::path(MMLU_TEST_FIXTURES) / "models")) {
    const ModelConfig c = load_model_config(entry.path());
    EXPECT_NO_THROW(check_every_tensor_is_described(Checkpoint(entry.path()), c)) << entry.path();
    families.insert(c.architecture + c.tensor_prefix);
    ++models;
    for (int tp : {1, 2, 4}) {
      if (!tp_structural_problem(c, tp, tp, tp).empty()) continue;
      ShardSpec spec;
      spec.tp = tp;
      spec.tp_rank = tp - 1;
      std::uint64_t held = 0;
      for (const torch::Tensor& t : random_llama_shard(c, spec).all()) held += t.numel();
      EXPECT_EQ(held, shard_elements(c, tp).value()) << entry.path() << " tp " << tp;
      ++shards;
    }
  }
  EXPECT_GE(models, 25);
  EXPECT_GE(shards, 71);
  // Llama, Mistral, Qwen2, Qwen3, Qwen3-MoE, Mixtral, Gemma 2, Gemma 3, Gemma 3's image-text
  // checkpoints (the language model under its prefix) and Phi-3.
  EXPECT_EQ(families.size(), 10u);
}

// A checkpoint of `c`'s described tensors (zeros, F32) plus `extra` ones of 4 elements.
std::filesystem::path write_checkpoint(const ModelConfig& c,
                                       const std::vector<std::string>& extra) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("mmlu_model_tensors_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  // A fused tensor once, whole.
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> tensors;
  std::set<std::string> seen;
  for_each_tensor(c, [&](const TensorSpec& t) {
    if (seen.insert(t.name).second) tensors.emplace_back(t.name, t.stored_shape());
  });
  for (const std::string& name : extra) tensors.push_back({name, {4}});
  std::string header = "{";
  std::int64_t offset = 0;
  for (const auto& [name, shape] : tensors) {
    std::int64_t n = 4;
    std::string dims;
    for (std::int64_t d : shape) {
      n *= d;
      dims += (dims.empty() ? "" : ",") + std::to_string(d);
    }
    header += (header.size() > 1 ? "," : "") + ("\"" + name + "\": {\"dtype\": \"F32\", ") +
              "\"shape\": [" + dims + "], \"data_offsets\": [" + std::to_string(offset) + ", " +
              std::to_string(offset + n) + "]}";
    offset += n;
  }
  std::ofstream(dir / "model.safetensors", std::ios::binary)
      << test::with_header(header + "}", std::string(static_cast<std::size_t>(offset), '\0'));
  return dir;
}

// A stored tensor the description does not list is refused naming the file and the tensor; the
// two that transformers also leaves unused are not.
TEST(ModelTensors, ATensorTheDescriptionDoesNotListIsRefused) {
  const ModelConfig untied = small(false, false), tied = small(false, true);
  const auto accepted = [](const ModelConfig& c, const std::vector<std::string>& extra) {
    const auto dir = write_checkpoint(c, extra);
    check_every_tensor_is_described(Checkpoint(dir), c);
    std::filesystem::remove_all(dir);
  };
  EXPECT_NO_THROW(accepted(untied, {}));
  EXPECT_NO_THROW(accepted(untied, {"model.layers.1.self_attn.rotary_emb.inv_freq"}));
  EXPECT_NO_THROW(accepted(tied, {"lm_head.weight"}));
  for (const auto& [c, name] : std::vector<std::pair<ModelConfig, std::string>>{
           {untied, "model.layers.0.self_attn.o_proj.bias"},  // Llama's bias, not configured
           {untied, "model.layers.0.mlp.gate_proj.bias"},
           {untied, "model.layers.2.input_layernorm.weight"},  // a layer past the config's
           {untied, "model.layers.0.self_attn.q_norm.weight"}}) {
    const auto dir = write_checkpoint(c, {name});
    try {
      check_every_tensor_is_described(Checkpoint(dir), c);
      ADD_FAILURE() << name << " was accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find((dir / "model.safetensors").string() + ": tensor '" +
                                           name + "' is not part of LlamaForCausalLM"),
                std::string::npos)
          << e.what();
    }
    std::filesystem::remove_all(dir);
  }
}

// Phi-3's fused projections: q, k and v are consecutive row blocks of one stored qkv_proj, gate
// and up the halves of gate_up_proj; a checkpoint storing them apart is not Phi-3's.
TEST(ModelTensors, FusedProjectionsArePartsOfOneStoredTensor) {
  const ModelConfig c = parse_model_config(R"({"architectures": ["Phi3ForCausalLM"],
      "hidden_size": 16, "intermediate_size": 8, "num_hidden_layers": 2,
      "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 5})",
                                           "phi3");
  const LayerTensors l = layer_tensors(c, 1);
  const std::string qkv = "model.layers.1.self_attn.qkv_proj.weight";
  const std::string gate_up = "model.layers.1.mlp.gate_up_proj.weight";
  int parts = 0;
  for (const auto& [t, name, first, rows] :
       std::vector<std::tuple<const TensorSpec*, std::string, std::int64_t, std::int64_t>>{
           {&l.q, qkv, 0, 16},
           {&l.k, qkv, 16, 8},
           {&l.v, qkv, 24, 8},
           {&l.mlp->gate, gate_up, 0, 8},
           {&l.mlp->up, gate_up, 8, 8}}) {
    SCOPED_TRACE(name + " from row " + std::to_string(first));
    EXPECT_EQ(t->name, name);
    EXPECT_EQ(t->first_row, first);
    EXPECT_EQ(t->shape, (std::vector<std::int64_t>{rows, 16}));
    EXPECT_EQ(t->stored_shape(), (std::vector<std::int64_t>{name == qkv ? 32 : 16, 16}));
    ++parts;
  }
  EXPECT_EQ(parts, 5);
  EXPECT_EQ(l.o.fused_rows, 0) << "stored alone";
  EXPECT_EQ(l.o.stored_shape(), l.o.shape);
  // Parameters count each part once: the whole model is its stored tensors' elements.
  std::uint64_t stored = 0;
  std::set<std::string> seen;
  for_each_tensor(c, [&](const TensorSpec& t) {
    if (!seen.insert(t.name).second) return;
    std::uint64_t n = 1;
    for (std::int64_t d : t.stored_shape()) n *= static_cast<std::uint64_t>(d);
    stored += n;
  });
  EXPECT_EQ(shard_elements(c, 1).value(), stored);
  const auto dir = write_checkpoint(c, {});
  EXPECT_NO_THROW(check_every_tensor_is_described(Checkpoint(dir), c));
  std::filesystem::remove_all(dir);
  const auto apart = write_checkpoint(c, {"model.layers.0.self_attn.q_proj.weight"});
  EXPECT_THROW(check_every_tensor_is_described(Checkpoint(apart), c), InputError);
  std::filesystem::remove_all(apart);
}

TEST(ModelTensors, ACountPast64BitsIsNullopt) {
  ModelConfig c = small(false, false);
  c.hidden_size = c.intermediate_size = std::int64_t{1} << 40;
  EXPECT_FALSE(shard_elements(c, 1).has_value());
  EXPECT_TRUE(shard_elements(small(false, false), 1).has_value());
}

}  // namespace
}  // namespace mmlu
