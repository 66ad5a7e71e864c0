#include "mmlu/parallel/device.hpp"

#include <sched.h>
#include <unistd.h>

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <sstream>

#include "mmlu/util/error.hpp"
#include "mmlu/util/split.hpp"

#ifdef MMLU_WITH_CUDA
#include <cuda_runtime_api.h>
#endif

namespace mmlu {
namespace {

#ifdef MMLU_WITH_CUDA
void check_cuda(cudaError_t status, const char* call) {
  if (status != cudaSuccess)
    throw Error(std::string(call) + " failed: " + cudaGetErrorString(status));
}
#endif

}  // namespace

std::string DeviceChoice::name() const {
  return cuda ? "cuda:" + std::to_string(ordinal) : "cpu";
}

std::string DeviceChoice::describe() const {
  if (!cuda) return "cpu";
  return name() + " (GPU " + physical + ")";
}

DeviceChoice choose_device(const std::vector<DeviceView>& node_views, int local_rank,
                           const std::optional<std::vector<int>>& devices_option,
                           const std::string& host) {
  const DeviceView& mine = node_views.at(local_rank);
  const int ranks = static_cast<int>(node_views.size());
  const std::vector<std::string> visible = mine.cuda_visible_devices
                                               ? split_commas(*mine.cuda_visible_devices)
                                               : std::vector<std::string>{};
  auto physical_of = [&](int ordinal) {
    return ordinal < static_cast<int>(visible.size()) ? visible[ordinal] : std::to_string(ordinal);
  };

  for (std::size_t r = 0; r < node_views.size(); ++r)
    if (!node_views[r].cuda_failure.empty())
      throw Error("CUDA on " + host + " (local rank " + std::to_string(r) +
                  "): " + node_views[r].cuda_failure +
                  "; refusing to fall back to the CPU on a node with a GPU driver");
  if (mine.runtime_device_count == 0) {
    if (devices_option)
      throw InputError("--devices given, but no CUDA device is visible on " + host);
    return DeviceChoice{};
  }

  if (devices_option) {
    const auto& list = *devices_option;
    if (ranks > static_cast<int>(list.size()))
      throw InputError("node " + host + " runs " + std::to_string(ranks) +
                       " ranks but --devices lists " + std::to_string(list.size()) +
                       " devices; one rank per device");
    const int ordinal = list[local_rank];
    if (ordinal >= mine.runtime_device_count)
      throw InputError("--devices: device " + std::to_string(ordinal) + " does not exist on " +
                       host + " (" + std::to_string(mine.runtime_device_count) + " visible)");
    return DeviceChoice{true, ordinal, physical_of(ordinal)};
  }

  // SLURM's --gpus-per-task=1 gives each task its own single device as ordinal 0.
  bool one_each = true;
  std::set<std::string> distinct;
  for (const DeviceView& v : node_views) {
    if (v.runtime_device_count != 1 || !v.cuda_visible_devices)
      one_each = false;
    else
      distinct.insert(*v.cuda_visible_devices);
  }
  if (one_each && static_cast<int>(distinct.size()) == ranks)
    return DeviceChoice{true, 0, physical_of(0)};

  if (ranks > mine.runtime_device_count)
    throw InputError("node " + host + " runs " + std::to_string(ranks) + " ranks but has " +
                     std::to_string(mine.runtime_device_count) + " visible devices" +
                     (mine.cuda_visible_devices
                          ? " (CUDA_VISIBLE_DEVICES=" + *mine.cuda_visible_devices + ")"
                          : std::string()) +
                     "; run one rank per device");
  return DeviceChoice{true, local_rank, physical_of(local_rank)};
}

DeviceView probe_devices() {
  DeviceView view;
  if (const char* env = std::getenv("CUDA_VISIBLE_DEVICES")) view.cuda_visible_devices = env;
#ifdef MMLU_WITH_CUDA
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    cudaGetLastError();
    count = 0;
    // No driver at all (version 0) or no device: a CPU node. A driver that is there but fails
    // (most often one older than this build's runtime) is a GPU node that cannot work.
    int driver = 0, runtime = 0;
    if (status != cudaErrorNoDevice && cudaDriverGetVersion(&driver) == cudaSuccess && driver > 0) {
      cudaRuntimeGetVersion(&runtime);
      auto version = [](int v) {
        return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
      };
      view.cuda_failure = std::string("cudaGetDeviceCount failed: ") + cudaGetErrorName(status) +
                          " (" + cudaGetErrorString(status) + "); the driver supports CUDA " +
                          version(driver) + ", this build's runtime is " + version(runtime);
    }
  }
  view.runtime_device_count = count;
#endif
  return view;
}

void pin_device(const DeviceChoice& choice) {
  if (!choice.cuda) return;
#ifdef MMLU_WITH_CUDA
  check_cuda(cudaSetDevice(choice.ordinal), "cudaSetDevice");
#else
  throw Error("built without CUDA, cannot use " + choice.name());
#endif
}

CpuThreads set_cpu_threads(int ranks_on_node) {
  const long online = sysconf(_SC_NPROCESSORS_ONLN);
  cpu_set_t set;
  CPU_ZERO(&set);
  const int allowed =
      sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : static_cast<int>(online);
  const int share = static_cast<int>(std::max<long>(1, online / std::max(1, ranks_on_node)));
  CpuThreads cpu;
  cpu.bound_narrower = allowed < share;
  cpu.threads = std::max(1, std::min(allowed, share));
  at::set_num_threads(cpu.threads);
  return cpu;
}

std::uint64_t device_memory_bytes(const DeviceChoice& choice, int ranks_on_node) {
  if (choice.cuda) {
#ifdef MMLU_WITH_CUDA
    std::size_t free_bytes = 0, total_bytes = 0;
    check_cuda(cudaMemGetInfo(&free_bytes, &total_bytes), "cudaMemGetInfo");
    return total_bytes;
#else
    throw Error("built without CUDA, cannot query " + choice.name());
#endif
  }
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) throw Error("cannot read the host's memory size");
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page) /
         static_cast<std::uint64_t>(std::max(1, ranks_on_node));
}

}  // namespace mmlu
