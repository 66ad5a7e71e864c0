#pragma once
// One tensor-parallel rank's shard of a Llama-family checkpoint, read straight from the mmap into
// the rank's device and run dtype, sliced as checkpoint/model_tensors.hpp describes. Each rank
// stacks its q, k and v rows into one matrix, and its gate and up rows into another: projections
// that read the same input become one wider matrix multiply.
#include <torch/types.h>

#include <vector>

#include "mmlu/checkpoint/model_config.hpp"
#include "mmlu/checkpoint/model_tensors.hpp"
#include "mmlu/checkpoint/safetensors.hpp"

namespace mmlu {

struct ShardSpec {
  int tp_rank = 0;
  int tp = 1;
  torch::ScalarType dtype = torch::kFloat32;
  torch::Device device = torch::kCPU;
};

struct LayerWeights {
  torch::Tensor input_norm, mlp_norm;
  torch::Tensor attention_output_norm, mlp_output_norm;  // Gemma's; undefined elsewhere
  // [(q_heads + 2 kv_heads) * head_dim, hidden]: this rank's q rows, then k, then v.
  torch::Tensor qkv;
  torch::Tensor qkv_bias;        // undefined without attention bias
  torch::Tensor q_norm, k_norm;  // [head_dim]; undefined without q/k norms
  torch::Tensor o;               // [hidden, q_heads * head_dim]
  torch::Tensor o_bias;          // [hidden], whole on every rank; undefined without output bias
  torch::Tensor gate_up;         // [2 * intermediate, hidden]: this rank's gate rows, then up
  torch::Tensor down;            // [hidden, intermediate]
  // A sparse layer's, instead of gate_up and down: the router [experts, hidden] (whole), and
  // each expert's gate_up [2 * its intermediate, hidden] and down [hidden, its intermediate].
  torch::Tensor router;
  std::vector<torch::Tensor> expert_gate_up, expert_down;
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
