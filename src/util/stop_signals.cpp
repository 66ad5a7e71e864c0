#include "mmlu/util/stop_signals.hpp"

#include <pthread.h>

#include <atomic>

namespace mmlu {
namespace {

// Lock-free, so safe to write from a handler and to read from any thread (the handler may run
// on an MPI, NCCL or watchdog thread).
std::atomic<int> g_requested{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void record_stop(int signal) {
  int none = 0;
  g_requested.compare_exchange_strong(none, signal);
}

}  // namespace

StopSignals::StopSignals() {
  g_requested = 0;
  struct sigaction action {};
  action.sa_handler = record_stop;
  sigemptyset(&action.sa_mask);
  // Restart interrupted system calls: MPI and file I/O carry on, the loop sees the flag.
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGUSR1, &action, nullptr);
  const sigset_t stops = stop_signal_set();
  pthread_sigmask(SIG_UNBLOCK, &stops, nullptr);
}

sigset_t stop_signal_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);
  return set;
}

int StopSignals::requested() const {
  return g_requested.load();
}

const char* signal_name(int signal) {
  switch (signal) {
    case SIGTERM:
      return "SIGTERM";
    case SIGUSR1:
      return "SIGUSR1";
    default:
      return "a signal";
  }
}

}  // namespace mmlu
