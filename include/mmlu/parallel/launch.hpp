#pragma once
// Launch: the start-up of every job, before anything large is loaded. Discovers where each rank
// runs, pins its device, reads the model config, plans tp x dp and builds the grid's
// communicators. Every step is agreed among all ranks, so a bad input ends the job with one
// message and no rank left waiting.
#include <string>
#include <vector>

#include "mmlu/device.hpp"
#include "mmlu/mapping.hpp"
#include "mmlu/model_config.hpp"
#include "mmlu/options.hpp"
#include "mmlu/planner.hpp"
#include "mmlu/topology.hpp"

namespace mmlu {

struct Launch {
  ModelConfig config;
  DType dtype = DType::kFloat32;
  Plan plan;
  Mapping mapping;
  DeviceChoice device;
  std::vector<std::string> device_by_rank;  // DeviceChoice::describe() of every world rank
  std::uint64_t device_memory_bytes = 0;    // the smallest device of the job, used to plan
  bool device_memory_detected = true;       // false when --device-memory set it
  Communicator node;
  GridComms comms;
};

// Collective over MPI_COMM_WORLD; throws AgreedError on every rank when any input is bad.
Launch prepare_launch(const Options& options);

// The plan as a user reads it: model, layout, and one row per rank.
std::string format_plan(const Launch& launch, const Options& options);

}  // namespace mmlu
