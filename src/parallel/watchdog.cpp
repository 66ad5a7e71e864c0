#include "mmlu/parallel/watchdog.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "mmlu/util/error.hpp"

namespace mmlu {
namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Watchdog::Watchdog(std::chrono::seconds timeout, std::string where, std::string advice)
    : timeout_(timeout),
      where_(std::move(where)),
      advice_(std::move(advice)),
      last_beat_ns_(now_ns()) {
  if (timeout_.count() > 0) thread_ = std::thread([this] { watch(); });
}

Watchdog::~Watchdog() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Watchdog::beat(const char* phase) {
  phase_.store(phase);
  last_beat_ns_.store(now_ns());
}

void Watchdog::watch() {
  const std::int64_t limit = std::chrono::duration_cast<std::chrono::nanoseconds>(timeout_).count();
  // A wake far later than asked for means this whole process did not run (SIGSTOP, a frozen
  // node): then it is the rank that made no progress, not one of its peers.
  const std::int64_t frozen = std::max<std::int64_t>(1000000000, limit / 2);
  std::int64_t last_wake = now_ns();
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    stop_.wait_for(lock, std::chrono::milliseconds(250));
    if (stopping_) return;
    const std::int64_t now = now_ns(), slept = now - last_wake;
    last_wake = now;
    const std::int64_t idle = now - last_beat_ns_.load();
    if (idle < limit) continue;
    if (slept >= frozen)
      std::fprintf(stderr,
                   "mmlu_eval: %s: this rank did not run for %lld s (stopped, or its node froze) "
                   "while %s: it, not its peers, made no progress; ending the job (exit %d). %s\n",
                   where_.c_str(), static_cast<long long>(slept / 1000000000), phase_.load(),
                   kExitStalled, advice_.c_str());
    else
      std::fprintf(stderr,
                   "mmlu_eval: %s: no progress for %lld s while %s: a peer rank died or hangs, or "
                   "a collective failed; ending the job (exit %d). %s\n",
                   where_.c_str(), static_cast<long long>(idle / 1000000000), phase_.load(),
                   kExitStalled, advice_.c_str());
    std::fflush(stderr);
    std::_Exit(kExitStalled);
  }
}

}  // namespace mmlu
