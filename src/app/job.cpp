#include "mmlu/app/job.hpp"

#include <csignal>
#include <cstdio>
#include <exception>
#include <memory>

#include "mmlu/parallel/mpi.hpp"

namespace mmlu {
namespace {

void print_error(const std::string& program, const std::string& message) {
  std::fprintf(stderr, "%s: %s%s\n", program.c_str(), rank_prefix_for_errors().c_str(),
               message.c_str());
  std::fflush(stderr);
}

// A write past a file-size limit (ulimit -f) raises SIGXFSZ, which kills the process with a core
// dump. Ignored, the write fails with EFBIG instead, and is reported naming the file, as a full
// disk is.
void report_file_size_limits() {
  std::signal(SIGXFSZ, SIG_IGN);
}

}  // namespace

int run_mpi_job(const std::string& program, int argc, char** argv,
                const std::function<int(int, char**)>& body) {
  report_file_size_limits();
  std::unique_ptr<MpiRuntime> mpi;
  try {
    mpi = std::make_unique<MpiRuntime>(&argc, &argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", program.c_str(), e.what());
    return kExitInternal;
  }
  int code = kExitInternal;
  try {
    return body(argc, argv);
  } catch (const AgreedError& e) {
    // Every rank holds this error: rank 0 speaks for all and everyone leaves MPI cleanly.
    if (is_world_leader()) {
      std::fprintf(stderr, "%s: %s\n", program.c_str(), e.what());
      std::fflush(stderr);
    }
    return e.exit_code();
  } catch (const Error& e) {
    print_error(program, e.what());
    code = e.exit_code();
  } catch (const std::exception& e) {
    print_error(program, e.what());
  }
  // Only this rank knows: its peers may be blocked in a collective, so end the whole job.
  abort_job(code);
}

int run_tool(const std::string& program, int argc, char** argv,
             const std::function<int(int argc, char** argv)>& body) {
  report_file_size_limits();
  try {
    return body(argc, argv);
  } catch (const Error& e) {
    std::fprintf(stderr, "%s: %s\n", program.c_str(), e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: internal error: %s\n", program.c_str(), e.what());
    return kExitInternal;
  }
}

}  // namespace mmlu
