#include "mmlu/parallel/heartbeat.hpp"

namespace mmlu {
namespace {

constexpr int kHeartbeatTag = 1;
constexpr int kCountTag = 2;

Communicator duplicate(MPI_Comm comm) {
  MPI_Comm copy = MPI_COMM_NULL;
  check_mpi(MPI_Comm_dup(comm, &copy), "MPI_Comm_dup");
  return Communicator(copy);
}

}  // namespace

RingHeartbeat::RingHeartbeat(MPI_Comm comm, std::chrono::milliseconds interval,
                             std::chrono::milliseconds silence, std::string successor,
                             std::string advice)
    : ring_(duplicate(comm)),
      interval_(interval),
      silence_(silence),
      successor_name_(std::move(successor)),
      advice_(std::move(advice)) {
  const int rank = ring_.rank(), size = ring_.size();
  predecessor_ = (rank + size - 1) % size;
  successor_ = (rank + 1) % size;
  active_ = size > 1 && silence_.count() > 0;
  last_heard_ = Clock::now();
  if (!active_) return;
  post_receive();
  send();
}

void RingHeartbeat::post_receive() {
  check_mpi(MPI_Irecv(&incoming_, 1, MPI_INT, successor_, kHeartbeatTag, ring_.get(), &receive_),
            "MPI_Irecv");
}

void RingHeartbeat::send() {
  // The previous heartbeat still on its way (the predecessor is slow to take it): no second one.
  if (send_ != MPI_REQUEST_NULL) {
    int done = 0;
    check_mpi(MPI_Test(&send_, &done, MPI_STATUS_IGNORE), "MPI_Test");
    if (!done) return;
  }
  outgoing_ = static_cast<int>(sent_ & 0x7fffffff);
  check_mpi(MPI_Isend(&outgoing_, 1, MPI_INT, predecessor_, kHeartbeatTag, ring_.get(), &send_),
            "MPI_Isend");
  ++sent_;
  last_sent_ = Clock::now();
}

void RingHeartbeat::beat() {
  if (!active_ || stopped_) return;
  const auto now = Clock::now();
  if (now - last_sent_ >= interval_) send();
  for (int arrived = 1; arrived;) {
    check_mpi(MPI_Test(&receive_, &arrived, MPI_STATUS_IGNORE), "MPI_Test");
    if (!arrived) break;
    ++received_;
    last_heard_ = now;
    post_receive();
  }
  const auto silent = std::chrono::duration_cast<std::chrono::seconds>(now - last_heard_);
  if (now - last_heard_ > silence_)
    throw Error(successor_name_ + " has not been heard from for " + std::to_string(silent.count()) +
                    " s: it is stopped, or hangs outside the collectives, or its node is gone; "
                    "ending the job (exit " +
                    std::to_string(kExitStalled) + "). " + advice_,
                kExitStalled);
}

void RingHeartbeat::stop() {
  if (!active_ || stopped_) return;
  stopped_ = true;
  check_mpi(MPI_Wait(&send_, MPI_STATUS_IGNORE), "MPI_Wait");
  // How many the successor sent, so exactly those are taken.
  long long sent = sent_, expected = 0;
  check_mpi(MPI_Sendrecv(&sent, 1, MPI_LONG_LONG, predecessor_, kCountTag, &expected, 1,
                         MPI_LONG_LONG, successor_, kCountTag, ring_.get(), MPI_STATUS_IGNORE),
            "MPI_Sendrecv");
  while (received_ < expected) {
    check_mpi(MPI_Wait(&receive_, MPI_STATUS_IGNORE), "MPI_Wait");
    ++received_;
    if (received_ < expected) post_receive();
  }
  if (receive_ != MPI_REQUEST_NULL) {
    check_mpi(MPI_Cancel(&receive_), "MPI_Cancel");
    check_mpi(MPI_Wait(&receive_, MPI_STATUS_IGNORE), "MPI_Wait");
  }
}

}  // namespace mmlu
