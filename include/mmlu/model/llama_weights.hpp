#pragma once
// One tensor-parallel rank's shard of a Llama-family checkpoint, read straight from the mmap into
// the rank's device and run dtype. Column-parallel weights (q/k/v, gate/up) are split by whole
// heads or rows, row-parallel ones (o, down) by columns, the embedding and lm_head by vocabulary
// rows (padded to a multiple of tp); norms are replicated. Each rank stacks its q, k and v rows
// into one matrix, and its gate and up rows into another: projections that read the same input
// become one wider matrix multiply.
#include <torch/types.h>

#include <vector>

#include "mmlu/checkpoint/model_config.hpp"
#include "mmlu/checkpoint/safetensors.hpp"

namespace mmlu {

struct ShardSpec {
  int tp_rank = 0;
  int tp = 1;
  torch::ScalarType dtype = torch::kFloat32;
  torch::Device device = torch::kCPU;
};

// Which heads and rows a rank owns.
struct ShardLayout {
  std::int64_t q_heads = 0;  // query heads on this rank
  std::int64_t first_q_head = 0;
  std::int64_t kv_heads = 0;       // key/value heads on this rank
  std::int64_t first_kv_head = 0;  // replicated heads: the one serving this rank's query heads
  std::int64_t intermediate = 0;
  std::int64_t vocab_rows = 0;  // padded vocabulary rows per rank
  std::int64_t first_vocab_row = 0;
};
ShardLayout shard_layout(const ModelConfig& config, int tp_rank, int tp);

struct LayerWeights {
  torch::Tensor input_norm, post_attention_norm;
  // [(q_heads + 2 kv_heads) * head_dim, hidden]: this rank's q rows, then k, then v.
  torch::Tensor qkv;
  torch::Tensor qkv_bias;  // undefined without attention bias
  torch::Tensor o;         // [hidden, q_heads * head_dim]
  torch::Tensor gate_up;   // [2 * intermediate, hidden]: this rank's gate rows, then up
  torch::Tensor down;      // [hidden, intermediate]
};

struct LlamaWeights {
  torch::Tensor embed;    // [vocab_rows, hidden], zero rows past the vocabulary
  torch::Tensor lm_head;  // [vocab_rows, hidden]; the embedding itself when tied
  torch::Tensor final_norm;
  std::vector<LayerWeights> layers;
  // Every distinct tensor (a tied lm_head once), for checks and memory accounting.
  std::vector<torch::Tensor> all() const;
};

// Loads this rank's shard. Shapes are checked against config.json; a mismatch or a missing tensor
// is an InputError naming the file and the tensor. Every tensor ends on spec.device (asserted).
LlamaWeights load_llama_shard(const Checkpoint& checkpoint, const ModelConfig& config,
                              const ShardSpec& spec);

// Random weights of the same shapes, made on spec.device with no checkpoint (benchmarks of any
// model shape: --synthetic-weights).
LlamaWeights random_llama_shard(const ModelConfig& config, const ShardSpec& spec);

}  // namespace mmlu
