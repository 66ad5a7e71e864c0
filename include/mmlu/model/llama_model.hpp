#pragma once
// The Llama-family forward pass (Llama 1/2/3, Mistral, Qwen2, Qwen3, Qwen3-MoE, Mixtral) on one
// tensor-parallel rank, as Hugging Face transformers computes it: RMSNorm in fp32, rotary in the
// rotate_half layout, causal attention (within a sliding window where the layer has one) through
// scaled_dot_product_attention, SiLU-gated MLP or a mixture of such experts. It returns
// log-probabilities only at the positions asked for, never tokens x vocabulary for a batch.
#include <torch/types.h>

#include <vector>

#include "mmlu/checkpoint/model_config.hpp"
#include "mmlu/model/llama_weights.hpp"
#include "mmlu/parallel/collectives.hpp"

namespace mmlu {

// A position in a right-padded batch: sequence `row`, token `col`.
struct TokenPosition {
  std::int64_t row = 0;
  std::int64_t col = 0;
};

// Rows of different lengths packed end to end, with no padding: row r is the next lengths[r]
// tokens. The matrix multiplies, nearly all of the work, then run on real tokens only.
struct PackedBatch {
  torch::Tensor tokens;               // [N] int64 on the host (pinned on GPUs)
  std::vector<std::int64_t> lengths;  // tokens per row, each at least 1, summing to N
};

// Keys and values of a prefix on this rank: per layer [1, kv_heads, length, head_dim], rotated.
struct PrefixCache {
  std::vector<torch::Tensor> keys, values;
  std::int64_t length = 0;
};

class LlamaModel {
 public:
  LlamaModel(ModelConfig config, LlamaWeights weights, ShardLayout layout, Collectives& group);

  const ModelConfig& config() const { return config_; }
  // Continuations attend to a prefix by two fused attentions merged by log-sum-exp (true, the
  // default) or by one masked attention over the concatenated keys (false).
  void set_split_prefix_attention(bool split) { split_prefix_attention_ = split; }
  torch::Device device() const { return weights_.embed.device(); }

  // tokens [B, T] int64, right-padded (padding is never attended to by real tokens). Returns the
  // full-vocabulary log-probabilities [N, vocab_size] (fp32) of the next token after each of the
  // N positions.
  torch::Tensor log_probs(const torch::Tensor& tokens, const std::vector<TokenPosition>& at);

  // Runs a prefix [P] once and keeps its keys and values.
  PrefixCache prefill(const torch::Tensor& prefix);

  // Continues sequences after a cached prefix: tokens [B, T] right-padded hold only the
  // continuations; positions index them.
  torch::Tensor log_probs(const PrefixCache& prefix, const torch::Tensor& tokens,
                          const std::vector<TokenPosition>& at);
  torch::Tensor candidate_log_probs(const PrefixCache& prefix, const torch::Tensor& tokens,
                                    const std::vector<TokenPosition>& at,
                                    const std::vector<std::int64_t>& candidates);

  // Packed rows, continuing `prefix` when given (else whole sequences). Positions index a row's
  // own tokens: col < lengths[row].
  torch::Tensor log_probs(const PrefixCache* prefix, const PackedBatch& batch,
                          const std::vector<TokenPosition>& at);
  // As above, only the columns of `candidates` (token ids): [N, candidates].
  torch::Tensor candidate_log_probs(const PrefixCache* prefix, const PackedBatch& batch,
                                    const std::vector<TokenPosition>& at,
                                    const std::vector<std::int64_t>& candidates);
  // Continuation scoring: at each position at[i], the log-probability of the token targets[i]
  // and whether it is the greedy choice there (the first highest, as torch.argmax, which
  // lm-eval's is_greedy compares). [K, 2] float32: (log-prob, 1 or 0). The output projection runs
  // on at most `chunk` positions at a time, so K x vocabulary logits are never held at once.
  torch::Tensor target_log_probs(const PrefixCache* prefix, const PackedBatch& batch,
                                 const std::vector<TokenPosition>& at,
                                 const std::vector<std::int64_t>& targets,
                                 std::int64_t chunk = kScoreChunk);
  static constexpr std::int64_t kScoreChunk = 256;

 private:
  // Where a pass's N packed tokens sit in a [count, width] grid of right-padded rows: only the
  // attention within a row runs on the grid.
  struct Rows {
    std::int64_t count = 0, width = 0;
    torch::Tensor slots;  // [N] int64 on the device: token i's grid cell; undefined when no
                          // row is padded (the grid is then a view of the packed tokens)
  };
  // Final-normed hidden states of the packed tokens `keep` ([K] int64 on the device, in that
  // order; all N tokens when undefined); fills `cache` with this pass's keys and values (one row
  // only) when given. The last layer's output projection and MLP run on the kept tokens only:
  // nothing reads the others' results.
  torch::Tensor forward(const PackedBatch& batch, const PrefixCache* prefix, PrefixCache* cache,
                        const torch::Tensor& keep = {});
  // The attention block's output ([1, N, hidden], or [1, K, hidden] for the tokens `keep`).
  torch::Tensor attention(const LayerWeights& w, const torch::Tensor& x, const torch::Tensor& cos,
                          const torch::Tensor& sin, const Rows& rows, const PrefixCache* prefix,
                          std::size_t layer, PrefixCache* cache, const torch::Tensor& keep);
  torch::Tensor prefix_attention(const torch::Tensor& q, const torch::Tensor& q_rows,
                                 const torch::Tensor& k_rows, const torch::Tensor& v_rows,
                                 const Rows& rows, const torch::Tensor& prefix_k,
                                 const torch::Tensor& prefix_v, double scale, double cap);
  torch::Tensor mlp(const LayerWeights& w, const torch::Tensor& x);
  torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight) const;
  // This rank's vocabulary columns of the log-softmax at the asked positions.
  torch::Tensor local_log_probs(const PrefixCache* prefix, const PackedBatch& batch,
                                const std::vector<TokenPosition>& at);
  // Final-normed hidden states of the packed tokens at `at` ([K, hidden]).
  torch::Tensor hidden_at(const PrefixCache* prefix, const PackedBatch& batch,
                          const std::vector<TokenPosition>& at);
  // This rank's vocabulary columns of the log-softmax of hidden states [K, hidden].
  torch::Tensor local_log_softmax(const torch::Tensor& hidden);
  torch::Tensor pick_candidates(const torch::Tensor& local,
                                const std::vector<std::int64_t>& candidates);
  torch::Tensor gather_vocabulary(const torch::Tensor& local);
  // The global layers' frequencies, or (local) those of Gemma 3's sliding layers.
  const torch::Tensor& inv_freq_for(std::int64_t seq_len, bool local);

  ModelConfig config_;
  LlamaWeights weights_;
  ShardLayout layout_;
  Collectives& group_;
  // The configs rope_inv_freq reads for global layers and (Gemma 3) sliding ones.
  ModelConfig rope_configs_[2];
  torch::Tensor inv_freq_[2], dynamic_inv_freq_[2];  // rotary frequencies on the device
  // Continuations attend to a prefix through two fused attentions merged by log-sum-exp
  // (no per-row copy of the prefix) rather than one masked attention over concatenated keys.
  bool split_prefix_attention_ = true;
  bool split_prefix_attention_ran_ = false;  // once it has run, its failures are real errors
};

// `values` on `device` through pinned memory, so a GPU copy is queued without a host wait.
torch::Tensor to_device_async(const std::vector<std::int64_t>& values, torch::Device device);

}  // namespace mmlu
