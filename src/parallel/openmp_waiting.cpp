#include "mmlu/parallel/openmp_waiting.hpp"

#include <pthread.h>
#include <unistd.h>

#include <cstdlib>

#include "mmlu/util/stop_signals.hpp"

namespace mmlu {

void wait_passively_unless_chosen(char** argv, const StopSignals& signals) {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;
  const sigset_t stops = stop_signal_set();
  sigset_t before;
  pthread_sigmask(SIG_BLOCK, &stops, &before);
  // A stop caught by this image's handler would be forgotten by the next one: run on as is, the
  // run stops at its first batch anyway.
  if (signals.requested() == 0) {
    setenv("OMP_WAIT_POLICY", "passive", 1);
    execv("/proc/self/exe", argv);
    unsetenv("OMP_WAIT_POLICY");  // no exec (no /proc): the runtime already read the old value
  }
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
}

std::string openmp_wait_policy() {
  if (const char* policy = std::getenv("OMP_WAIT_POLICY")) return policy;
  if (const char* spins = std::getenv("GOMP_SPINCOUNT"))
    return std::string("GOMP_SPINCOUNT=") + spins;
  return "default";
}

}  // namespace mmlu
