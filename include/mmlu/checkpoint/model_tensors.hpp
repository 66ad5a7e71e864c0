#pragma once
// The one description of a checkpoint's tensors: their names as stored, their shapes as
// config.json implies them, and how tensor parallelism splits each one. The split is the layer
// kind's, as in Megatron's and vLLM's parallel layers: a column-parallel weight (q, k, v, gate,
// up) is cut along its output rows, a row-parallel one (o, down) along its input columns, a
// vocabulary-parallel one (embedding, lm_head) along its vocabulary rows; norms are whole on
// every rank. The config's parameter check, the planner's per-rank bytes, the loader's slices and
// --synthetic-weights all read this description; nothing else spells a tensor name or a layer's
// shape.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "mmlu/checkpoint/model_config.hpp"
#include "mmlu/checkpoint/safetensors.hpp"

namespace mmlu {

// The unit in which a dimension is split across the tensor-parallel group.
enum class Partition {
  kWhole,               // not split: norms
  kQueryHeads,          // whole query heads: q's rows, o's columns
  kKvHeads,             // whole key/value heads: k's and v's rows (replicated when tp > kv heads)
  kIntermediate,        // MLP rows: gate's and up's rows, down's columns
  kExpertIntermediate,  // the same for each expert of a mixture (its own width)
  kVocabulary,          // vocabulary rows, padded with zero rows to a multiple of tp
};

struct TensorSpec {
  std::string name;                 // as stored in the safetensors files
  std::vector<std::int64_t> shape;  // as stored, or of this part of a fused tensor
  int dim = 0;                      // the split dimension: 0 column-parallel, 1 row-parallel
  Partition partition = Partition::kWhole;
  // A part of a tensor stored fused with others (Phi-3's qkv_proj): rows [first_row, first_row +
  // shape[0]) of `name`, whose stored rows are fused_rows. 0: the tensor is stored alone.
  std::int64_t first_row = 0;
  std::int64_t fused_rows = 0;
  // The shape the checkpoint stores under `name`.
  std::vector<std::int64_t> stored_shape() const;
};

// Which heads and rows one rank owns.
struct ShardLayout {
  std::int64_t head_dim = 0;
  std::int64_t q_heads = 0;  // query heads on this rank
  std::int64_t first_q_head = 0;
  std::int64_t kv_heads = 0;       // key/value heads on this rank
  std::int64_t first_kv_head = 0;  // replicated heads: the one serving this rank's query heads
  std::int64_t intermediate = 0;
  std::int64_t first_intermediate = 0;
  std::int64_t expert_intermediate = 0;
  std::int64_t first_expert_intermediate = 0;
  std::int64_t vocab_rows = 0;  // padded vocabulary rows per rank
  std::int64_t first_vocab_row = 0;
};
ShardLayout shard_layout(const ModelConfig& config, int tp_rank, int tp);

// Vocabulary rows per rank: the vocabulary padded up to a multiple of tp, split evenly.
std::int64_t vocab_rows_per_rank(const ModelConfig& config, int tp);

// Key/value heads each rank holds: a slice when tp divides them, one replicated head when tp is a
// multiple of them.
std::int64_t kv_heads_per_rank(const ModelConfig& config, int tp);

// A rank's part of a tensor along its split dimension: [start, start + length), counted within
// the part for a fused tensor. Rows past the stored end (vocabulary padding) are zeros.
struct RankSlice {
  std::int64_t start = 0, length = 0;
};
RankSlice rank_slice(const TensorSpec& tensor, const ShardLayout& layout);

// A gated MLP: the dense one of a layer, or one expert of a mixture.
struct MlpTensors {
  TensorSpec gate, up, down;
};

// The tensors of one decoder layer.
struct LayerTensors {
  TensorSpec input_norm;  // before attention
  TensorSpec mlp_norm;    // before the MLP: post_attention_layernorm (Gemma: pre_feedforward_)
  // Gemma's sandwich norms of the attention's and the MLP's outputs.
  std::optional<TensorSpec> attention_output_norm, mlp_output_norm;
  TensorSpec q, k, v;
  std::optional<TensorSpec> q_bias, k_bias, v_bias;  // with attention_bias
  std::optional<TensorSpec> q_norm, k_norm;          // with qk_norm: [head_dim], whole
  TensorSpec o;
  std::optional<TensorSpec> o_bias;            // with output_bias: whole on every rank, added once
  std::optional<MlpTensors> mlp;               // a dense layer's
  std::optional<TensorSpec> router;            // a sparse layer's: [experts, hidden], whole
  std::vector<MlpTensors> experts;             // a sparse layer's, by expert index
  std::vector<const TensorSpec*> all() const;  // every tensor the layer has
};
LayerTensors layer_tensors(const ModelConfig& config, std::int64_t layer);

// The tensors outside the layers.
struct OuterTensors {
  TensorSpec embed;
  std::optional<TensorSpec> lm_head;  // none when tied to the embedding
  TensorSpec final_norm;
  std::vector<const TensorSpec*> all() const;  // every tensor stored (a tied lm_head is not)
};
OuterTensors outer_tensors(const ModelConfig& config);

// Every tensor the checkpoint stores, outside the layers first, then layer by layer.
void for_each_tensor(const ModelConfig& config,
                     const std::function<void(const TensorSpec&)>& visit);

// Throws InputError naming the file and the tensor for the first tensor of `checkpoint` that
// the description does not list: weights the forward pass would leave out (a bias of a layer it
// does not know to have) are refused, never ignored. Inert: rotary inv_freq buffers (older
// exports saved them; they are recomputed from config.json), a stored lm_head of tied
// embeddings (transformers ties it to the embedding after loading), and a multimodal
// checkpoint's tensors outside its language model (ModelConfig::unused_tensor_prefixes).
void check_every_tensor_is_described(const Checkpoint& checkpoint, const ModelConfig& config);

// Elements of one rank's shard (every rank's is the same size; at tp 1 the whole checkpoint),
// or nullopt when the count does not fit in 64 bits.
std::optional<std::uint64_t> shard_elements(const ModelConfig& config, int tp);

}  // namespace mmlu
