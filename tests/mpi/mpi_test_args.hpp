#pragma once
namespace mmlu::test {
// The --tp a CTest entry passes to the MPI test binary.
int& tp_argument();
// --device cuda: run on each rank's GPU (node-local rank) instead of the CPU.
bool& cuda_argument();
}  // namespace mmlu::test
