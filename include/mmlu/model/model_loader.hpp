#pragma once
// The load step of a job: every rank maps the checkpoint, copies its own tensor-parallel shard
// onto its device, and joins its TP group's collectives. Agreed among all ranks, so a bad
// checkpoint ends the job with one message.
#include <filesystem>
#include <memory>

#include "mmlu/checkpoint/safetensors.hpp"
#include "mmlu/model/llama_model.hpp"
#include "mmlu/parallel/collectives.hpp"
#include "mmlu/parallel/launch.hpp"

namespace mmlu {

struct LoadReport {
  double seconds = 0;
  std::uint64_t weight_bytes = 0;    // this rank's shard
  std::uint64_t peak_rss_bytes = 0;  // the process's peak resident memory after loading
  int cpu_threads = 0;               // intra-op threads of a CPU rank (0 on a GPU)
};

struct LoadedModel {
  std::unique_ptr<Collectives> tp_group;
  std::unique_ptr<LlamaModel> model;
  LoadReport report;
};

struct LoadRequest {
  std::filesystem::path model;         // the checkpoint directory
  bool synthetic_weights = false;      // random weights of config.json's shape, no checkpoint
  bool split_prefix_attention = true;  // LlamaModel::set_split_prefix_attention
};

// Collective over MPI_COMM_WORLD.
LoadedModel load_model(const Launch& launch, const LoadRequest& request);

// One line per rank: load time, shard bytes, peak resident memory. Collective; rank 0 gets the
// text, the others an empty string.
std::string format_load_reports(const Launch& launch, const LoadReport& mine);

}  // namespace mmlu
