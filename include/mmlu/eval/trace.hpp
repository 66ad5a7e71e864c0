#pragma once
// A Kineto trace (host operators, and device kernels on CUDA) of a window of evaluation batches,
// written as Chrome trace JSON: open it in Perfetto or chrome://tracing, or summarise it with
// scripts/trace_summary.py. This is how a throughput gap is found before anything is tuned.
// The window skips the first batches, which pay for cuBLAS heuristics and allocator growth.
#include <torch/types.h>

#include <filesystem>
#include <string>

namespace mmlu {

class BatchTrace {
 public:
  // Records batches skip+1 .. skip+batches (skip >= 1) of this process. Checks that `out` can
  // be written (InputError naming it), so construct it before the model loads.
  BatchTrace(std::filesystem::path out, torch::Device device, int skip, int batches);
  ~BatchTrace();
  BatchTrace(const BatchTrace&) = delete;
  BatchTrace& operator=(const BatchTrace&) = delete;

  // Call after each batch is queued: opens the window, or closes it and writes the trace.
  void after_batch();
  // At the end of the run: writes what was recorded if the run ended inside the window. False
  // when no trace was written: the run had no more than `skip` batches, or saving failed
  // (failure() says why; a trace is a diagnostic and never ends the run).
  bool finish();
  const std::string& failure() const { return failure_; }

 private:
  void start();
  void stop_and_write();

  std::filesystem::path out_;
  torch::Device device_;
  int skip_, batches_;
  int seen_ = 0;
  bool recording_ = false, written_ = false;
  std::string failure_;
};

}  // namespace mmlu
