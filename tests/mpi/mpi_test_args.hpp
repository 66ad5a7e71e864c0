#pragma once
namespace mmlu::test {
// The --tp a CTest entry passes to the MPI test binary.
int& tp_argument();
}  // namespace mmlu::test
