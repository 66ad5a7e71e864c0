#include <climits>

#include "mmlu/parallel/collectives.hpp"
#include "mmlu/parallel/mpi.hpp"

namespace mmlu {
namespace {

MPI_Datatype mpi_type(torch::ScalarType type) {
  switch (type) {
    case torch::kFloat32:
      return MPI_FLOAT;
    case torch::kFloat64:
      return MPI_DOUBLE;
    case torch::kInt64:
      return MPI_INT64_T;
    case torch::kInt32:
      return MPI_INT32_T;
    case torch::kUInt8:
      return MPI_UINT8_T;
    default:
      throw Error(std::string("MPI collectives: no MPI type for ") + c10::toString(type));
  }
}

int count_of(const torch::Tensor& t) {
  if (t.numel() > INT_MAX) throw Error("MPI collectives: tensor of more than INT_MAX elements");
  return static_cast<int>(t.numel());
}

void check_operand(const torch::Tensor& t) {
  if (!t.device().is_cpu()) throw Error("MPI collectives take CPU tensors, got " + t.toString());
  if (!t.is_contiguous()) throw Error("MPI collectives take contiguous tensors");
}

bool is_half(const torch::Tensor& t) {
  return t.scalar_type() == torch::kBFloat16 || t.scalar_type() == torch::kHalf;
}

class MpiCollectives : public Collectives {
 public:
  explicit MpiCollectives(MPI_Comm comm) : comm_(comm) {
    rank_ = rank_of(comm_);
    size_ = size_of(comm_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void all_reduce_sum(torch::Tensor& t) override { all_reduce(t, MPI_SUM); }
  void all_reduce_max(torch::Tensor& t) override { all_reduce(t, MPI_MAX); }

  void broadcast(torch::Tensor& t, int root) override {
    check_operand(t);
    if (t.nbytes() > static_cast<std::size_t>(INT_MAX)) throw Error("broadcast too large");
    check_mpi(MPI_Bcast(t.data_ptr(), static_cast<int>(t.nbytes()), MPI_BYTE, root, comm_),
              "MPI_Bcast");
  }

  torch::Tensor all_gather(const torch::Tensor& t, std::int64_t dim) override {
    check_operand(t);
    std::vector<std::int64_t> shape = {size_};
    for (auto s : t.sizes()) shape.push_back(s);
    torch::Tensor stacked = torch::empty(shape, t.options());
    if (t.nbytes() * size_ > static_cast<std::size_t>(INT_MAX)) throw Error("all_gather too large");
    check_mpi(MPI_Allgather(t.data_ptr(), static_cast<int>(t.nbytes()), MPI_BYTE,
                            stacked.data_ptr(), static_cast<int>(t.nbytes()), MPI_BYTE, comm_),
              "MPI_Allgather");
    return torch::cat(stacked.unbind(0), dim);
  }

 private:
  void all_reduce(torch::Tensor& t, MPI_Op op) {
    check_operand(t);
    if (size_ == 1) return;
    if (is_half(t)) {
      torch::Tensor wide = t.to(torch::kFloat32);
      all_reduce(wide, op);
      t.copy_(wide);
      return;
    }
    check_mpi(MPI_Allreduce(MPI_IN_PLACE, t.data_ptr(), count_of(t), mpi_type(t.scalar_type()), op,
                            comm_),
              "MPI_Allreduce");
  }

  MPI_Comm comm_;
  int rank_ = 0;
  int size_ = 1;
};

// A group of one: nothing to exchange, whatever the device.
class SingleRankCollectives : public Collectives {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void all_reduce_sum(torch::Tensor&) override {}
  void all_reduce_max(torch::Tensor&) override {}
  void broadcast(torch::Tensor&, int) override {}
  torch::Tensor all_gather(const torch::Tensor& t, std::int64_t) override { return t; }
};

}  // namespace

std::unique_ptr<Collectives> make_single_rank_collectives() {
  return std::make_unique<SingleRankCollectives>();
}

std::unique_ptr<Collectives> make_mpi_collectives(MPI_Comm comm) {
  return std::make_unique<MpiCollectives>(comm);
}

std::unique_ptr<Collectives> make_collectives(MPI_Comm comm, const DeviceChoice& device) {
  if (size_of(comm) == 1) return make_single_rank_collectives();
  return device.cuda ? make_nccl_collectives(comm) : make_mpi_collectives(comm);
}

}  // namespace mmlu
