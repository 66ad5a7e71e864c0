#pragma once
// Ends the job when this rank has made no progress for a set time. A rank that dies is noticed
// by the launcher (mpirun, srun --kill-on-bad-exit), but a peer that hangs, or a collective that
// never completes, would leave every other rank blocked for ever.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace mmlu {

class Watchdog {
 public:
  // `where` names this rank in the message ("rank 3 on node12"); `advice` ends it. A zero
  // timeout makes a watchdog that never fires. On expiry the process prints one line and exits
  // with kExitStalled without unwinding: the main thread is stuck and cannot be asked.
  Watchdog(std::chrono::seconds timeout, std::string where, std::string advice);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Progress: restarts the clock. `phase` (a string literal) says what the rank does next.
  void beat(const char* phase);

 private:
  void watch();

  const std::chrono::seconds timeout_;
  const std::string where_, advice_;
  std::atomic<std::int64_t> last_beat_ns_;
  std::atomic<const char*> phase_{"starting"};
  std::mutex mutex_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mmlu
