#include "mmlu/parallel/launch.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <thread>

#include "mmlu/util/units.hpp"

namespace mmlu {
namespace {

// Every rank's view of the devices on this node, indexed by node-local rank.
std::vector<DeviceView> gather_node_views(MPI_Comm node, const DeviceView& mine) {
  const int size = size_of(node);
  const std::vector<int> all =
      allgather_ints(node, {mine.runtime_device_count, mine.cuda_visible_devices ? 1 : 0});
  const std::vector<std::string> visible =
      allgather_strings(node, mine.cuda_visible_devices.value_or(""));
  std::vector<DeviceView> views(size);
  for (int r = 0; r < size; ++r) {
    views[r].runtime_device_count = all[2 * r];
    if (all[2 * r + 1]) views[r].cuda_visible_devices = visible[r];
  }
  // Every rank learns its peers' driver failures: a rank whose peer failed would otherwise
  // count one device fewer and report a misleading layout error in place of the driver's.
  const std::vector<std::string> failures = allgather_strings(node, mine.cuda_failure);
  for (int r = 0; r < size; ++r) views[r].cuda_failure = failures[r];
  return views;
}

std::string human_count(std::uint64_t n) {
  char buffer[32];
  if (n >= 1000000000ull)
    std::snprintf(buffer, sizeof buffer, "%.2fB", n / 1e9);
  else if (n >= 1000000ull)
    std::snprintf(buffer, sizeof buffer, "%.1fM", n / 1e6);
  else
    std::snprintf(buffer, sizeof buffer, "%.1fK", n / 1e3);
  return buffer;
}

}  // namespace

Launch prepare_launch(const LaunchRequest& asked) {
  Launch launch;
  launch.request = asked;
  WorldPlaces world = discover_places();
  launch.node = std::move(world.node);
  const int ranks_on_node = launch.node.size();
  const int local_rank = launch.node.rank();
  const std::string host = world.places[world.world_rank].host;

  const int ranks_per_node =
      agreed(MPI_COMM_WORLD, [&] { return uniform_ranks_per_node(world.places); });
  launch.config = agreed(MPI_COMM_WORLD, [&] { return load_model_config(asked.model); });
  launch.dtype = asked.dtype.value_or(launch.config.torch_dtype);

  // A node's ranks decide their devices together: SLURM's one-GPU-per-task binding is only
  // recognisable from all of them.
  const std::vector<DeviceView> node_views = gather_node_views(launch.node.get(), probe_devices());
  launch.device = agreed(MPI_COMM_WORLD, [&] {
    DeviceChoice choice = choose_device(node_views, local_rank, asked.devices, host);
    pin_device(choice);
    return choice;
  });
  if (!launch.device.cuda) launch.cpu = set_cpu_threads(ranks_on_node);
  launch.device_by_rank = allgather_strings(MPI_COMM_WORLD, launch.device.describe());

  // Plan for the smallest device in the job, so every rank's shard fits.
  std::uint64_t memory = asked.device_memory.value_or(0);
  launch.device_memory_detected = !asked.device_memory;
  if (!memory) {
    const std::uint64_t mine =
        agreed(MPI_COMM_WORLD, [&] { return device_memory_bytes(launch.device, ranks_on_node); });
    memory = min_over(MPI_COMM_WORLD, mine);
  }
  launch.device_memory_bytes = memory;

  PlanRequest request;
  request.config = launch.config;
  request.dtype = launch.dtype;
  request.world_size = static_cast<int>(world.places.size());
  request.ranks_per_node = ranks_per_node;
  request.device_memory_bytes = memory;
  request.on_gpu = launch.device.cuda;
  request.requested_tp = asked.tp;
  request.max_batch_tokens = asked.max_batch_tokens;
  launch.plan = agreed(MPI_COMM_WORLD, [&] { return make_plan(request); });
  launch.mapping = agreed(MPI_COMM_WORLD, [&] {
    return Mapping::build(world.places, launch.plan.tp, world.world_rank);
  });
  launch.comms = split_grid(launch.mapping);
  return launch;
}

std::string format_plan(const Launch& l) {
  const LaunchRequest& asked = l.request;
  const Mapping& m = l.mapping;
  std::ostringstream out;
  out << "model     " << asked.model.string() << "  (" << l.config.architecture << ", "
      << human_count(parameter_count(l.config)) << " parameters, " << l.config.num_hidden_layers
      << " layers, " << l.config.num_attention_heads << " heads, " << l.config.num_key_value_heads
      << " kv heads)\n";
  out << "dtype     " << dtype_name(l.dtype) << "\n";
  out << "world     " << m.world_size() << " rank" << (m.world_size() > 1 ? "s" : "") << " on "
      << m.nodes() << " node" << (m.nodes() > 1 ? "s" : "") << " (" << m.ranks_per_node()
      << " per node)\n";
  out << "layout    tp=" << l.plan.tp << " dp=" << l.plan.dp
      << (asked.tp == 0 ? "  (auto: smallest tp that fits)"
                        : "  (--tp " + std::to_string(asked.tp) + ")")
      << "\n";
  out << "memory    " << format_bytes(l.device_memory_bytes) << " per device ("
      << (l.device_memory_detected ? "detected" : "--device-memory") << "), "
      << format_bytes(l.plan.usable_bytes) << " usable; per rank: weights "
      << format_bytes(l.plan.footprint.weight_bytes) << " + workspace "
      << format_bytes(l.plan.footprint.workspace_bytes) << " + runtime "
      << format_bytes(l.plan.footprint.overhead_bytes) << "\n\n";

  std::vector<std::vector<std::string>> rows = {
      {"rank", "host", "local", "device", "tp_rank", "dp_rank", "shard", "est_peak"}};
  for (const RankLayout& r : m.ranks())
    rows.push_back({std::to_string(r.rank), r.host, std::to_string(r.local_rank),
                    l.device_by_rank[r.rank], std::to_string(r.tp_rank), std::to_string(r.dp_rank),
                    format_bytes(l.plan.footprint.weight_bytes),
                    format_bytes(l.plan.footprint.peak_bytes())});
  std::vector<std::size_t> width(rows[0].size(), 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      std::string cell = row[c];
      cell.resize(width[c], ' ');
      line += cell + (c + 1 < row.size() ? "  " : "");
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
  return out.str();
}

}  // namespace mmlu
