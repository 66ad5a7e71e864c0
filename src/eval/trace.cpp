#include "mmlu/eval/trace.hpp"

#include <torch/csrc/autograd/profiler_kineto.h>

#ifdef MMLU_WITH_CUDA
#include <cuda_runtime_api.h>
#endif

#include <unistd.h>

#include <set>

#include "mmlu/util/error.hpp"

namespace mmlu {
namespace {

namespace kineto = torch::autograd::profiler;
using torch::profiler::impl::ActivityType;
using torch::profiler::impl::ProfilerConfig;
using torch::profiler::impl::ProfilerState;

ProfilerConfig config() {
  return ProfilerConfig(ProfilerState::KINETO, /*report_input_shapes=*/true);
}

std::set<ActivityType> activities(const torch::Device& device) {
  std::set<ActivityType> a{ActivityType::CPU};
  if (device.is_cuda()) a.insert(ActivityType::CUDA);
  return a;
}

// Kernels are queued ahead of the host: wait for them so the window holds whole batches.
void wait_for(const torch::Device& device) {
#ifdef MMLU_WITH_CUDA
  if (device.is_cuda()) (void)cudaDeviceSynchronize();
#else
  (void)device;
#endif
}

}  // namespace

BatchTrace::BatchTrace(std::filesystem::path out, torch::Device device, int skip, int batches)
    : out_(std::move(out)), device_(device), skip_(skip), batches_(batches) {
  if (skip_ < 1 || batches_ < 1) throw Error("a trace window needs skip >= 1 and batches >= 1");
  // Fail before the model loads, not after the window; and leave no empty file behind a run
  // that never opens the window.
  std::error_code ec;
  if (std::filesystem::is_directory(out_, ec))
    throw InputError(out_.string() + ": is a directory, not a trace file");
  std::filesystem::path dir = out_.parent_path();
  if (dir.empty()) dir = ".";
  if (!std::filesystem::is_directory(dir, ec) || ::access(dir.c_str(), W_OK) != 0)
    throw InputError(out_.string() + ": cannot write the trace: " + dir.string() +
                     " is not a writable directory");
}

BatchTrace::~BatchTrace() {
  if (recording_) (void)kineto::disableProfiler();
}

void BatchTrace::start() {
  wait_for(device_);
  kineto::prepareProfiler(config(), activities(device_));
  kineto::enableProfiler(config(), activities(device_));
  recording_ = true;
}

void BatchTrace::stop_and_write() {
  wait_for(device_);
  std::unique_ptr<kineto::ProfilerResult> result = kineto::disableProfiler();
  recording_ = false;
  // A diagnostic: a trace that cannot be saved is a warning, never the end of the run.
  const std::filesystem::path part = out_.string() + ".part-" + std::to_string(::getpid());
  std::error_code ec;
  try {
    // Written beside and renamed, so a run killed while saving leaves no torn trace.
    result->save(part.string());
    if (std::filesystem::file_size(part, ec) == 0 || ec)
      failure_ = out_.string() + ": the trace came out empty";
    else
      std::filesystem::rename(part, out_, ec);
    if (failure_.empty() && ec)
      failure_ = out_.string() + ": cannot write the trace: " + ec.message();
  } catch (const std::exception& e) {
    failure_ = out_.string() + ": cannot write the trace: " + e.what();
  }
  if (failure_.empty()) {
    written_ = true;
  } else {
    std::filesystem::remove(part, ec);
  }
}

void BatchTrace::after_batch() {
  if (written_ || !failure_.empty()) return;
  ++seen_;
  if (!recording_ && seen_ == skip_)
    start();
  else if (recording_ && seen_ == skip_ + batches_)
    stop_and_write();
}

bool BatchTrace::finish() {
  if (recording_ && seen_ == skip_) {
    // Opened after the last batch: nothing inside the window.
    (void)kineto::disableProfiler();
    recording_ = false;
  }
  if (recording_) stop_and_write();
  return written_;
}

}  // namespace mmlu
