// GoogleTest under mpirun: every rank runs every test; rank 0 prints the report, other ranks
// print only their failures, and the exit code is non-zero if any rank failed.
#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <mpi.h>
#include <torch/cuda.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "mmlu/parallel/device.hpp"
#include "mpi_test_args.hpp"

namespace mmlu::test {

int& tp_argument() {
  static int tp = 1;
  return tp;
}

bool& cuda_argument() {
  static bool cuda = false;
  return cuda;
}

}  // namespace mmlu::test

namespace {

class FailurePrinter : public ::testing::EmptyTestEventListener {
 public:
  explicit FailurePrinter(int rank) : rank_(rank) {}
  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (result.failed())
      std::fprintf(stderr, "[rank %d] %s:%d: %s\n", rank_, result.file_name(), result.line_number(),
                   result.summary());
  }

 private:
  int rank_;
};

}  // namespace

int main(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  ::testing::InitGoogleTest(&argc, argv);
  // Ranks are oversubscribed on small machines: one libtorch thread each.
  at::set_num_threads(1);
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--tp") == 0) mmlu::test::tp_argument() = std::stoi(argv[i + 1]);
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--device") == 0 && std::strcmp(argv[i + 1], "cuda") == 0)
      mmlu::test::cuda_argument() = true;

  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (mmlu::test::cuda_argument()) {
    // CTest reads 77 as "skipped": a CUDA test on a machine without enough GPUs.
    const int devices = static_cast<int>(torch::cuda::device_count());
    if (devices < size) {
      if (rank == 0)
        std::printf("skipped: %d ranks need as many CUDA devices, %d visible\n", size, devices);
      MPI_Finalize();
      return 77;
    }
    mmlu::pin_device(mmlu::DeviceChoice{true, rank, std::to_string(rank)});
  }
  if (rank != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new FailurePrinter(rank));
  }
  int failed = RUN_ALL_TESTS() != 0, any_failed = 0;
  MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (rank == 0 && any_failed && !failed) std::fprintf(stderr, "a test failed on another rank\n");
  MPI_Finalize();
  return any_failed;
}
