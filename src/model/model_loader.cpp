#include "mmlu/model/model_loader.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <sstream>

#include <torch/cuda.h>

#include "mmlu/model/torch_dtype.hpp"
#include "mmlu/parallel/openmp_waiting.hpp"
#include "mmlu/util/units.hpp"

namespace mmlu {
namespace {

std::uint64_t peak_rss_bytes() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

}  // namespace

LoadedModel load_model(const Launch& launch, const LoadRequest& asked) {
  const auto start = std::chrono::steady_clock::now();
  LoadedModel loaded;
  loaded.report.cpu_threads = launch.cpu.threads;
  const RankLayout& me = launch.mapping.self();
  const torch::Device device =
      launch.device.cuda ? torch::Device(torch::kCUDA, launch.device.ordinal) : torch::kCPU;
  LlamaWeights weights = agreed(MPI_COMM_WORLD, [&] {
    const ShardSpec spec{me.tp_rank, launch.plan.tp, torch_dtype(launch.dtype), device};
    LlamaWeights w = asked.synthetic_weights
                         ? random_llama_shard(launch.config, spec)
                         : load_llama_shard(Checkpoint(asked.model), launch.config, spec);
    // Weights drawn on the device (--synthetic-weights) are queued, not made: without this wait
    // the load reads 0.0 s, their making is timed as the first batch, and a failure to make
    // them would surface outside this agreed step.
    if (launch.device.cuda) torch::cuda::synchronize(launch.device.ordinal);
    return w;
  });
  for (const torch::Tensor& t : weights.all()) loaded.report.weight_bytes += t.nbytes();
  loaded.tp_group = agreed(MPI_COMM_WORLD,
                           [&] { return make_collectives(launch.comms.tp.get(), launch.device); });
  loaded.model = std::make_unique<LlamaModel>(
      launch.config, std::move(weights), shard_layout(launch.config, me.tp_rank, launch.plan.tp),
      *loaded.tp_group);
  loaded.model->set_split_prefix_attention(asked.split_prefix_attention);
  loaded.report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  loaded.report.peak_rss_bytes = peak_rss_bytes();
  return loaded;
}

std::string format_load_reports(const Launch& launch, const LoadReport& mine) {
  const std::string threads = mine.cpu_threads
                                  ? ", " + std::to_string(mine.cpu_threads) +
                                        " CPU threads (OpenMP waits: " + openmp_wait_policy() + ")"
                                  : "";
  char line[224];
  std::snprintf(line, sizeof line, "%.2f s, shard %s, peak host memory %s%s", mine.seconds,
                format_bytes(mine.weight_bytes).c_str(), format_bytes(mine.peak_rss_bytes).c_str(),
                threads.c_str());
  const std::vector<std::string> lines = allgather_strings(MPI_COMM_WORLD, line);
  if (launch.mapping.self().rank != 0) return "";
  std::ostringstream out;
  for (std::size_t r = 0; r < lines.size(); ++r)
    out << "loaded    rank " << r << ": " << lines[r] << "\n";
  return out.str();
}

}  // namespace mmlu
