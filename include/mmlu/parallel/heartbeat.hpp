#pragma once
// Heartbeats around a ring of ranks, so that a rank that stops altogether (SIGSTOP, a frozen
// node) is noticed by another. A rank's own watchdog cannot see that: a stopped process runs no
// thread at all. Tensor-parallel peers notice through the collectives they then block in; data-
// parallel groups at tp 1 share no collective, so without this a stopped rank was never caught:
// the others finished and waited for it for ever. Each rank tells its predecessor in the ring
// that it is alive, and watches its successor.
//
// Main thread only (the job runs MPI_THREAD_FUNNELED): beat() at batch boundaries and while
// waiting, as the watchdog is beaten.
#include <mpi.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "mmlu/parallel/mpi.hpp"

namespace mmlu {

class RingHeartbeat {
 public:
  // Collective over `comm`. `interval`: how often this rank says it is alive (at most; beat()
  // is when it can). `silence`: how long its successor may stay silent before this rank ends the
  // job. A zero `silence`, or a ring of one rank, makes heartbeats that never fire. `successor`
  // names the watched rank in the message ("rank 3 on node12"), `advice` ends it.
  RingHeartbeat(MPI_Comm comm, std::chrono::milliseconds interval,
                std::chrono::milliseconds silence, std::string successor, std::string advice);
  // Left without stop() (an error ends the job), requests in flight go with the communicator.
  ~RingHeartbeat() = default;
  RingHeartbeat(const RingHeartbeat&) = delete;
  RingHeartbeat& operator=(const RingHeartbeat&) = delete;

  // Says this rank is alive (when `interval` has passed since it last did) and takes what its
  // successor said. Throws Error (exit 4) naming the successor when it has been silent for
  // longer than `silence`.
  void beat();

  // Collective over the ring, once every rank has stopped beating (the run's completion poll is
  // behind it): takes every heartbeat still in flight, so none outlives the ring.
  void stop();

 private:
  using Clock = std::chrono::steady_clock;
  void send();
  void post_receive();

  Communicator ring_;
  int predecessor_ = 0, successor_ = 0;
  bool active_ = false, stopped_ = false;
  std::chrono::milliseconds interval_, silence_;
  std::string successor_name_, advice_;
  Clock::time_point last_sent_, last_heard_;
  std::int64_t sent_ = 0, received_ = 0;
  int outgoing_ = 0, incoming_ = 0;  // message buffers
  MPI_Request send_ = MPI_REQUEST_NULL, receive_ = MPI_REQUEST_NULL;
};

}  // namespace mmlu
