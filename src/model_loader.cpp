#include "mmlu/model_loader.hpp"

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <sstream>

#include "mmlu/units.hpp"

namespace mmlu {
namespace {

std::uint64_t peak_rss_bytes() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

}  // namespace

torch::ScalarType torch_dtype(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return torch::kFloat32;
    case DType::kBFloat16:
      return torch::kBFloat16;
    case DType::kFloat16:
      return torch::kHalf;
  }
  return torch::kFloat32;
}

LoadedModel load_model(const Launch& launch, const Options& options) {
  const auto start = std::chrono::steady_clock::now();
  const RankLayout& me = launch.mapping.self();
  const torch::Device device =
      launch.device.cuda ? torch::Device(torch::kCUDA, launch.device.ordinal) : torch::kCPU;
  LoadedModel loaded;
  LlamaWeights weights = agreed(MPI_COMM_WORLD, [&] {
    const Checkpoint checkpoint(options.model);
    return load_llama_shard(
        checkpoint, launch.config,
        ShardSpec{me.tp_rank, launch.plan.tp, torch_dtype(launch.dtype), device});
  });
  for (const torch::Tensor& t : weights.all()) loaded.report.weight_bytes += t.nbytes();
  loaded.tp_group = agreed(MPI_COMM_WORLD,
                           [&] { return make_collectives(launch.comms.tp.get(), launch.device); });
  loaded.model = std::make_unique<LlamaModel>(
      launch.config, std::move(weights), shard_layout(launch.config, me.tp_rank, launch.plan.tp),
      *loaded.tp_group);
  loaded.report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  loaded.report.peak_rss_bytes = peak_rss_bytes();
  return loaded;
}

std::string format_load_reports(const Launch& launch, const LoadReport& mine) {
  char line[160];
  std::snprintf(line, sizeof line, "%.2f s, shard %s, peak host memory %s", mine.seconds,
                format_bytes(mine.weight_bytes).c_str(), format_bytes(mine.peak_rss_bytes).c_str());
  const std::vector<std::string> lines = allgather_strings(MPI_COMM_WORLD, line);
  if (launch.mapping.self().rank != 0) return "";
  std::ostringstream out;
  for (std::size_t r = 0; r < lines.size(); ++r)
    out << "loaded    rank " << r << ": " << lines[r] << "\n";
  return out.str();
}

}  // namespace mmlu
