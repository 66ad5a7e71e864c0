#pragma once
// Device pinning: each rank owns exactly one device, chosen once at start-up from its node-local
// rank, and never touches another.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mmlu {

// What one rank sees of the accelerators, before any choice is made.
struct DeviceView {
  std::optional<std::string> cuda_visible_devices;  // the env variable, if set
  int runtime_device_count = 0;                     // devices the CUDA runtime enumerates
  // Set when a CUDA driver is installed but the runtime cannot use it (too old for this build,
  // a broken installation): such a node must not quietly run a large model on its CPUs.
  std::string cuda_failure;
};

struct DeviceChoice {
  bool cuda = false;
  int ordinal = 0;               // CUDA ordinal inside this process (after CUDA_VISIBLE_DEVICES)
  std::string physical;          // the entry of CUDA_VISIBLE_DEVICES it maps to, or the ordinal
  std::string name() const;      // "cpu" or "cuda:N"
  std::string describe() const;  // "cuda:0 (GPU 3)" or "cpu"
};

// Chooses the device of `local_rank` from the views of every rank on its node (indexed by local
// rank) and the --devices option. Rules, in order:
//  - a CUDA driver the runtime cannot use on any rank of the node: an Error naming it;
//  - no CUDA device visible: the CPU (an explicit --devices is then an error);
//  - --devices: entry local_rank of that list;
//  - one distinct device per rank (SLURM --gpus-per-task=1): that device, ordinal 0;
//  - otherwise the node's visible devices indexed by local rank.
// More ranks on the node than devices is an InputError naming the host and both counts.
DeviceChoice choose_device(const std::vector<DeviceView>& node_views, int local_rank,
                           const std::optional<std::vector<int>>& devices_option,
                           const std::string& host);

// This process's view: CUDA_VISIBLE_DEVICES and the runtime's device count (0 without CUDA or
// without a driver; a driver that is there but unusable is a cuda_failure).
DeviceView probe_devices();

// Makes `choice` the current device of this process, for CUDA and for libtorch.
void pin_device(const DeviceChoice& choice);

// Intra-op threads of a CPU rank: the node's CPUs shared among its ranks, and never more than the
// CPUs the launcher bound this rank to (Open MPI binds one or two ranks to one core each by
// default: more threads than that only contend).
struct CpuThreads {
  int threads = 0;
  bool bound_narrower = false;  // bound to fewer CPUs than its share of the node
};
// Chooses this CPU rank's threads and gives them to libtorch: the one place they are set.
CpuThreads set_cpu_threads(int ranks_on_node);

// Total memory of the chosen device: the GPU's, or for the CPU this node's RAM divided among
// `ranks_on_node` ranks.
std::uint64_t device_memory_bytes(const DeviceChoice& choice, int ranks_on_node);

}  // namespace mmlu
