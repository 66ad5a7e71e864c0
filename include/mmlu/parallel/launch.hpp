#pragma once
// Launch: the start-up of every job, before anything large is loaded. Discovers where each rank
// runs, pins its device, reads the model config, plans tp x dp and builds the grid's
// communicators. Every step is agreed among all ranks, so a bad input ends the job with one
// message and no rank left waiting.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mmlu/checkpoint/model_config.hpp"
#include "mmlu/parallel/device.hpp"
#include "mmlu/parallel/mapping.hpp"
#include "mmlu/parallel/planner.hpp"
#include "mmlu/parallel/topology.hpp"

namespace mmlu {

// What the user asks of the start-up.
struct LaunchRequest {
  std::filesystem::path model;                 // the checkpoint directory (its config.json is read)
  int tp = 0;                                  // 0 = auto: the smallest that fits
  std::optional<std::vector<int>> devices;     // CUDA ordinals by node-local rank
  std::optional<std::uint64_t> device_memory;  // bytes per device; empty = detected
  std::optional<DType> dtype;                  // empty = the checkpoint's torch_dtype
  std::int64_t max_batch_tokens = 4096;
};

struct Launch {
  LaunchRequest request;
  ModelConfig config;
  DType dtype = DType::kFloat32;
  Plan plan;
  Mapping mapping;
  DeviceChoice device;
  CpuThreads cpu;                           // a CPU rank's intra-op threads (none on a GPU)
  std::vector<std::string> device_by_rank;  // DeviceChoice::describe() of every world rank
  std::uint64_t device_memory_bytes = 0;    // the smallest device of the job, used to plan
  bool device_memory_detected = true;       // false when --device-memory set it
  Communicator node;
  GridComms comms;
};

// Collective over MPI_COMM_WORLD; throws AgreedError on every rank when any input is bad.
Launch prepare_launch(const LaunchRequest& request);

// The plan as a user reads it: model, layout, and one row per rank.
std::string format_plan(const Launch& launch);

}  // namespace mmlu
