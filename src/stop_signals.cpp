#include "mmlu/stop_signals.hpp"

#include <cstring>

namespace mmlu {
namespace {

volatile std::sig_atomic_t g_requested = 0;

extern "C" void record_stop(int signal) {
  if (g_requested == 0) g_requested = signal;
}

}  // namespace

StopSignals::StopSignals() {
  g_requested = 0;
  struct sigaction action {};
  action.sa_handler = record_stop;
  sigemptyset(&action.sa_mask);
  // Restart interrupted system calls: MPI and file I/O carry on, the loop sees the flag.
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, &previous_term_);
  sigaction(SIGUSR1, &action, &previous_usr1_);
}

StopSignals::~StopSignals() {
  sigaction(SIGTERM, &previous_term_, nullptr);
  sigaction(SIGUSR1, &previous_usr1_, nullptr);
}

int StopSignals::requested() const {
  return g_requested;
}

const char* signal_name(int signal) {
  switch (signal) {
    case SIGTERM:
      return "SIGTERM";
    case SIGUSR1:
      return "SIGUSR1";
    case SIGINT:
      return "SIGINT";
    default:
      return "a signal";
  }
}

}  // namespace mmlu
