#pragma once
// SIGTERM and SIGUSR1 ask a run to stop: SLURM sends them before a time limit or a preemption,
// and launchers forward them to every rank. The handler only records the request; the evaluation
// loop stops at the next batch boundary, where its results are whole, and saves them.
//
// The flag is process-wide because a signal handler can reach nothing else: it is the one piece
// of global state, written only by the handler and read through this object.
#include <csignal>

namespace mmlu {

class StopSignals {
 public:
  // Installs the handlers for the rest of the process's life: a second SIGTERM (SLURM's and a
  // forwarded one) or a late SIGUSR1 while MPI finalises must not kill a rank whose work is
  // saved or written. Then unblocks them: a stop that arrived while they were blocked (across
  // the exec of parallel/openmp_waiting.hpp) is recorded now.
  StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // The signal that asked to stop, or 0.
  int requested() const;
};

// SIGTERM and SIGUSR1, for code that must hold them off for a moment.
sigset_t stop_signal_set();

// "SIGTERM", "SIGUSR1", or the number.
const char* signal_name(int signal);

}  // namespace mmlu
