#pragma once
// Collectives of one tensor-parallel group behind one interface: NCCL for CUDA tensors
// (bootstrapped over the group's MPI communicator) and MPI for CPU tensors. The model code calls
// these and never knows which one runs.
#include <mpi.h>
#include <torch/types.h>

#include <memory>

#include "mmlu/parallel/device.hpp"

namespace mmlu {

class Collectives {
 public:
  virtual ~Collectives() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // In place, across the group; tensors must be contiguous and on the group's device.
  virtual void all_reduce_sum(torch::Tensor& tensor) = 0;
  virtual void all_reduce_max(torch::Tensor& tensor) = 0;
  virtual void broadcast(torch::Tensor& tensor, int root) = 0;
  // Every rank's tensor (same shape everywhere) concatenated along `dim` in rank order.
  virtual torch::Tensor all_gather(const torch::Tensor& tensor, std::int64_t dim) = 0;
};

// MPI over CPU tensors. bf16 and fp16 are reduced in fp32 (MPI has no such types).
std::unique_ptr<Collectives> make_mpi_collectives(MPI_Comm comm);

// NCCL over CUDA tensors on the current stream; collective over `comm`. Throws Error in a
// build without CUDA.
std::unique_ptr<Collectives> make_nccl_collectives(MPI_Comm comm);

// A group of one rank (tp = 1): every collective is the identity, on any device.
std::unique_ptr<Collectives> make_single_rank_collectives();

// The implementation for the rank's device (the single-rank one for a group of one).
std::unique_ptr<Collectives> make_collectives(MPI_Comm comm, const DeviceChoice& device);

}  // namespace mmlu
