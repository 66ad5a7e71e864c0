#pragma once
// The layout planner: how many ranks share one copy of the model (tp) and how many copies split
// the data (dp), decided from the checkpoint's shapes and the device memory before anything loads.
#include <cstdint>
#include <string>
#include <vector>

#include "mmlu/checkpoint/dtype.hpp"
#include "mmlu/checkpoint/model_config.hpp"
#include "mmlu/checkpoint/model_tensors.hpp"

namespace mmlu {

// Per-rank memory of one tensor-parallel shard of the model.
struct ShardFootprint {
  std::uint64_t weight_bytes = 0;     // this rank's slice of every weight, in the run dtype
  std::uint64_t workspace_bytes = 0;  // KV cache and activations for one batch
  std::uint64_t overhead_bytes = 0;   // runtime context (CUDA context, cuBLAS workspaces)
  std::uint64_t peak_bytes() const { return weight_bytes + workspace_bytes + overhead_bytes; }
};

// Parameter count of the whole checkpoint, from its tensors' description (model_tensors.hpp).
std::uint64_t parameter_count(const ModelConfig& config);

ShardFootprint shard_footprint(const ModelConfig& config, DType dtype, int tp,
                               std::int64_t max_batch_tokens, bool on_gpu);

struct PlanRequest {
  ModelConfig config;
  DType dtype = DType::kFloat32;
  int world_size = 1;
  int ranks_per_node = 1;
  std::uint64_t device_memory_bytes = 0;  // per device
  bool on_gpu = false;
  int requested_tp = 0;  // 0 = auto
  std::int64_t max_batch_tokens = 4096;
};

struct Plan {
  int tp = 1;
  int dp = 1;
  int recommended_tp = 1;  // smallest valid tp that fits: what auto would pick
  ShardFootprint footprint;
  std::uint64_t usable_bytes = 0;  // device memory the plan may fill
  std::vector<std::string> warnings;
};

// Fraction of device memory a plan may fill; the rest is headroom for allocator fragmentation.
inline constexpr double kUsableMemoryFraction = 0.95;

// Empty when `tp` can shard this model over this world, else why not (one clause).
std::string tp_structural_problem(const ModelConfig& config, int tp, int world_size,
                                  int ranks_per_node);

// Every tp that passes tp_structural_problem, ascending.
std::vector<int> structurally_valid_tps(const ModelConfig& config, int world_size,
                                        int ranks_per_node);

// Picks (auto) or checks (explicit) the tp. Throws InputError, naming --tp and the nearest valid
// choices, for a layout that cannot work; returns warnings for one that works but wastes devices.
Plan make_plan(const PlanRequest& request);

}  // namespace mmlu
