// NCCL collectives for CUDA tensors. Compiled wherever a CUDA toolkit is found; run only where a
// GPU is.
#include "mmlu/parallel/collectives.hpp"
#include "mmlu/parallel/mpi.hpp"

#ifdef MMLU_WITH_CUDA
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>
#include <nccl.h>
#endif

namespace mmlu {

#ifdef MMLU_WITH_CUDA
namespace {

void check_nccl(ncclResult_t result, const char* call) {
  if (result != ncclSuccess)
    throw Error(std::string(call) + " failed: " + ncclGetErrorString(result));
}

ncclDataType_t nccl_type(torch::ScalarType type) {
  switch (type) {
    case torch::kFloat32:
      return ncclFloat32;
    case torch::kFloat64:
      return ncclFloat64;
    case torch::kBFloat16:
      return ncclBfloat16;
    case torch::kHalf:
      return ncclFloat16;
    case torch::kInt64:
      return ncclInt64;
    case torch::kInt32:
      return ncclInt32;
    case torch::kUInt8:
      return ncclUint8;
    default:
      throw Error(std::string("NCCL collectives: no NCCL type for ") + c10::toString(type));
  }
}

void check_operand(const torch::Tensor& t) {
  if (!t.is_cuda()) throw Error("NCCL collectives take CUDA tensors, got " + t.toString());
  if (!t.is_contiguous()) throw Error("NCCL collectives take contiguous tensors");
}

class NcclCollectives : public Collectives {
 public:
  explicit NcclCollectives(MPI_Comm comm) {
    rank_ = rank_of(comm);
    size_ = size_of(comm);
    // Each step is agreed, so one rank's failure cannot leave its peers waiting in a collective.
    agreed(comm, [] {
      int devices = 0;
      if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
        cudaGetLastError();
        throw Error("NCCL collectives need a CUDA device, and none is visible");
      }
    });
    // The group's rank 0 makes the id; MPI carries it to the others.
    ncclUniqueId id{};
    agreed(comm, [&] {
      if (rank_ == 0) check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
    });
    mmlu::broadcast(comm, id, 0);
    agreed(comm,
           [&] { check_nccl(ncclCommInitRank(&comm_, size_, id, rank_), "ncclCommInitRank"); });
  }
  ~NcclCollectives() override {
    if (comm_) ncclCommDestroy(comm_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void all_reduce_sum(torch::Tensor& t) override { all_reduce(t, ncclSum); }
  void all_reduce_max(torch::Tensor& t) override { all_reduce(t, ncclMax); }

  void broadcast(torch::Tensor& t, int root) override {
    check_operand(t);
    check_nccl(ncclBroadcast(t.data_ptr(), t.data_ptr(), t.numel(), nccl_type(t.scalar_type()),
                             root, comm_, stream()),
               "ncclBroadcast");
  }

  torch::Tensor all_gather(const torch::Tensor& t, std::int64_t dim) override {
    check_operand(t);
    std::vector<std::int64_t> shape = {size_};
    for (auto s : t.sizes()) shape.push_back(s);
    torch::Tensor stacked = torch::empty(shape, t.options());
    check_nccl(ncclAllGather(t.data_ptr(), stacked.data_ptr(), t.numel(),
                             nccl_type(t.scalar_type()), comm_, stream()),
               "ncclAllGather");
    return torch::cat(stacked.unbind(0), dim);
  }

 private:
  static cudaStream_t stream() { return c10::cuda::getCurrentCUDAStream().stream(); }

  void all_reduce(torch::Tensor& t, ncclRedOp_t op) {
    check_operand(t);
    check_nccl(ncclAllReduce(t.data_ptr(), t.data_ptr(), t.numel(), nccl_type(t.scalar_type()), op,
                             comm_, stream()),
               "ncclAllReduce");
  }

  ncclComm_t comm_ = nullptr;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace

std::unique_ptr<Collectives> make_nccl_collectives(MPI_Comm comm) {
  return std::make_unique<NcclCollectives>(comm);
}

#else

std::unique_ptr<Collectives> make_nccl_collectives(MPI_Comm) {
  throw Error("this build has no CUDA: NCCL collectives are unavailable");
}

#endif

}  // namespace mmlu
