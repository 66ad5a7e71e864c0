#include "mmlu/parallel/planner.hpp"

#include <algorithm>

#include "mmlu/util/error.hpp"
#include "mmlu/util/units.hpp"

namespace mmlu {
namespace {

// A few-shot prefix whose KV cache is kept beside each batch (MMLU 5-shot prompts stay below).
constexpr std::int64_t kPrefixBudgetTokens = 2048;
// Most sequences scored in one batch: bounds the per-position log-softmax rows.
constexpr std::int64_t kMaxScoredRows = 256;
constexpr std::uint64_t kGpuOverheadBytes = 1ull << 30;    // CUDA context, cuBLAS workspaces
constexpr std::uint64_t kCpuOverheadBytes = 256ull << 20;  // runtime, MPI buffers

std::string join(const std::vector<int>& values) {
  std::string out;
  for (int v : values) out += (out.empty() ? "" : ", ") + std::to_string(v);
  return out;
}

}  // namespace

std::uint64_t parameter_count(const ModelConfig& c) {
  return shard_elements(c, 1).value();  // parse_model_config refused configs where it overflows
}

ShardFootprint shard_footprint(const ModelConfig& c, DType dtype, int tp,
                               std::int64_t max_batch_tokens, bool on_gpu) {
  const ShardLayout s = shard_layout(c, 0, tp);
  const std::uint64_t h = c.hidden_size;
  const std::uint64_t q = s.q_heads * s.head_dim;
  const std::uint64_t kv = s.kv_heads * s.head_dim;
  // A sparse layer's tokens are copied once per expert they are routed to: k rows of hidden
  // states in, k rows of the expert's width between its projections.
  const std::uint64_t k = c.has_sparse_layers() ? c.experts.per_token : 0;
  const std::uint64_t i = std::max<std::uint64_t>(s.intermediate, k * s.expert_intermediate);
  const std::uint64_t vocab = s.vocab_rows;

  ShardFootprint f;
  f.weight_bytes = shard_elements(c, tp).value() * dtype_bytes(dtype);
  const std::uint64_t tokens = max_batch_tokens;
  const std::uint64_t kv_tokens = tokens + kPrefixBudgetTokens;
  const std::uint64_t kv_cache = 2 * c.num_hidden_layers * kv * kv_tokens * dtype_bytes(dtype);
  // Residual, normed input, attention output and MLP hidden states, bounded as fp32.
  const std::uint64_t activations = tokens * (4 * h + 2 * k * h + 3 * i + q + 2 * kv) * 4;
  const std::uint64_t logits = kMaxScoredRows * vocab * 4;
  f.workspace_bytes = kv_cache + activations + logits;
  f.overhead_bytes = on_gpu ? kGpuOverheadBytes : kCpuOverheadBytes;
  return f;
}

std::string tp_structural_problem(const ModelConfig& c, int tp, int world_size,
                                  int ranks_per_node) {
  auto n = [](std::int64_t v) { return std::to_string(v); };
  if (tp < 1) return "must be at least 1";
  if (world_size % tp) return "does not divide the world size " + n(world_size);
  if (ranks_per_node % tp)
    return "does not divide the " + n(ranks_per_node) +
           " ranks per node (a tensor-parallel group must lie inside one node)";
  if (c.num_attention_heads % tp)
    return "does not divide num_attention_heads " + n(c.num_attention_heads);
  if (c.num_key_value_heads % tp && tp % c.num_key_value_heads)
    return "neither divides nor is a multiple of num_key_value_heads " + n(c.num_key_value_heads);
  if (c.has_dense_layers() && c.intermediate_size % tp)
    return "does not divide intermediate_size " + n(c.intermediate_size);
  if (c.has_sparse_layers() && c.experts.intermediate_size % tp)
    return "does not divide the experts' width " + n(c.experts.intermediate_size) +
           " (every rank holds a slice of every expert)";
  return "";
}

std::vector<int> structurally_valid_tps(const ModelConfig& c, int world_size, int ranks_per_node) {
  std::vector<int> valid;
  for (int tp = 1; tp <= world_size; ++tp)
    if (tp_structural_problem(c, tp, world_size, ranks_per_node).empty()) valid.push_back(tp);
  return valid;
}

Plan make_plan(const PlanRequest& r) {
  if (r.world_size < 1 || r.ranks_per_node < 1 || r.world_size % r.ranks_per_node)
    throw Error("inconsistent world: " + std::to_string(r.world_size) + " ranks, " +
                std::to_string(r.ranks_per_node) + " per node");
  if (r.max_batch_tokens < 1) throw InputError("--max-batch-tokens must be at least 1");

  Plan plan;
  plan.usable_bytes = static_cast<std::uint64_t>(static_cast<double>(r.device_memory_bytes) *
                                                 kUsableMemoryFraction);
  auto footprint = [&](int tp) {
    return shard_footprint(r.config, r.dtype, tp, r.max_batch_tokens, r.on_gpu);
  };
  auto fits = [&](int tp) { return footprint(tp).peak_bytes() <= plan.usable_bytes; };

  const std::vector<int> valid = structurally_valid_tps(r.config, r.world_size, r.ranks_per_node);
  auto fitting = std::find_if(valid.begin(), valid.end(), fits);
  const std::string memory = format_bytes(r.device_memory_bytes);

  if (r.requested_tp == 0) {
    if (fitting == valid.end()) {
      const int largest = valid.back();
      throw InputError(
          "the model does not fit: at the largest valid --tp " + std::to_string(largest) +
          " each rank needs " + format_bytes(footprint(largest).peak_bytes()) + " but only " +
          format_bytes(plan.usable_bytes) + " of " + memory +
          " per device are usable; use more ranks per node, larger devices, or a smaller dtype");
    }
    plan.tp = *fitting;
  } else {
    const int tp = r.requested_tp;
    const std::string problem =
        tp > r.world_size ? "exceeds the world size " + std::to_string(r.world_size)
                          : tp_structural_problem(r.config, tp, r.world_size, r.ranks_per_node);
    if (!problem.empty()) {
      std::vector<int> nearest;
      auto above = std::upper_bound(valid.begin(), valid.end(), tp);
      if (above != valid.begin()) nearest.push_back(*std::prev(above));
      if (above != valid.end()) nearest.push_back(*above);
      throw InputError("--tp " + std::to_string(tp) + " " + problem +
                       "; nearest valid choices: " + join(nearest));
    }
    if (!fits(tp)) {
      std::string hint = fitting == valid.end()
                             ? "no valid tp fits on " + std::to_string(r.world_size) + " ranks"
                             : "smallest tp that fits: " + std::to_string(*fitting);
      throw InputError("--tp " + std::to_string(tp) + ": each rank would need " +
                       format_bytes(footprint(tp).peak_bytes()) + " but only " +
                       format_bytes(plan.usable_bytes) + " of " + memory +
                       " per device are usable; " + hint);
    }
    plan.tp = tp;
  }
  plan.recommended_tp = fitting == valid.end() ? plan.tp : *fitting;
  plan.dp = r.world_size / plan.tp;
  plan.footprint = footprint(plan.tp);
  if (plan.tp > plan.recommended_tp) {
    const int dp = r.world_size / plan.recommended_tp;
    plan.warnings.push_back(
        "--tp " + std::to_string(plan.tp) +
        " over-partitions the model: tp=" + std::to_string(plan.recommended_tp) + " fits in " +
        memory + " per device; recommended layout: --tp " + std::to_string(plan.recommended_tp) +
        " (dp=" + std::to_string(dp) + "), which runs " + std::to_string(dp) +
        " model copies instead of " + std::to_string(plan.dp) +
        " and needs no tensor-parallel communication per layer" +
        (plan.recommended_tp > 1 ? " beyond its own group" : ""));
  }
  return plan;
}

}  // namespace mmlu
