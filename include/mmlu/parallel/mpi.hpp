#pragma once
// The MPI C API behind typed calls that check every return code. Raw MPI calls live here (and in
// the MPI implementation of the tensor collectives) only: the stages call these.
#include <mpi.h>

#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "mmlu/util/error.hpp"

namespace mmlu {

// Throws Error with the MPI error string when `code` is not MPI_SUCCESS.
void check_mpi(int code, const char* call);

// MPI_Init_thread / MPI_Finalize for the lifetime of a job.
class MpiRuntime {
 public:
  MpiRuntime(int* argc, char*** argv);
  ~MpiRuntime();
  MpiRuntime(const MpiRuntime&) = delete;
  MpiRuntime& operator=(const MpiRuntime&) = delete;
};

// An owned communicator, freed on destruction.
class Communicator {
 public:
  Communicator() = default;
  explicit Communicator(MPI_Comm comm) : comm_(comm) {}
  ~Communicator();
  Communicator(Communicator&& other) noexcept;
  Communicator& operator=(Communicator&& other) noexcept;
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  MPI_Comm get() const { return comm_; }
  int rank() const;
  int size() const;

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
};

int rank_of(MPI_Comm comm);
int size_of(MPI_Comm comm);

// The ranks of `comm` that share this rank's node (MPI_COMM_TYPE_SHARED), ordered by `key`.
Communicator split_by_node(MPI_Comm comm, int key);
// The ranks of `comm` with the same `color`, ordered by `key` (MPI_Comm_split).
Communicator split(MPI_Comm comm, int color, int key);

// This process's host as MPI names it.
std::string processor_name();

// Where this rank runs, for an error message: "rank R on HOST: " when the world has several
// ranks, else "". Never throws (it is called while an error is being reported).
std::string rank_prefix_for_errors() noexcept;

// True on world rank 0, and where MPI cannot tell (so an error is never left unsaid). Never
// throws.
bool is_world_leader() noexcept;

// Ends every rank of the job with `code`; for an error only this rank knows about.
[[noreturn]] void abort_job(int code) noexcept;

// Every rank's string, indexed by rank of `comm`.
std::vector<std::string> allgather_strings(MPI_Comm comm, const std::string& mine);
// Every rank's ints (the same count on every rank), rank after rank.
std::vector<int> allgather_ints(MPI_Comm comm, const std::vector<int>& mine);

// The smallest and largest value over the ranks of `comm`.
int min_over(MPI_Comm comm, int value);
std::uint64_t min_over(MPI_Comm comm, std::uint64_t value);
std::uint64_t max_over(MPI_Comm comm, std::uint64_t value);
// True when `flag` is true on any rank of `comm`.
bool any_rank(MPI_Comm comm, bool flag);
// The sum over the ranks of `comm`, on `root` (the others get 0).
std::int64_t sum_to_root(MPI_Comm comm, std::int64_t value, int root);

// any_rank without blocking: started now, completed while `wait` runs between tests, so a rank
// that waits for slower peers can keep its watchdog quiet.
bool any_rank_polling(MPI_Comm comm, bool flag, const std::function<void()>& wait);

// `bytes` bytes at `data` from `root` to every rank of `comm`.
void broadcast_bytes(MPI_Comm comm, void* data, std::size_t bytes, int root);

// A trivially copyable value from `root` to every rank.
template <class T>
void broadcast(MPI_Comm comm, T& value, int root) {
  static_assert(std::is_trivially_copyable_v<T>);
  broadcast_bytes(comm, &value, sizeof value, root);
}

// A vector of trivially copyable values from `root` (the others' are resized to its length).
template <class T>
void broadcast(MPI_Comm comm, std::vector<T>& values, int root) {
  static_assert(std::is_trivially_copyable_v<T>);
  std::uint64_t count = values.size();
  broadcast(comm, count, root);
  values.resize(static_cast<std::size_t>(count));
  if (count > 0) broadcast_bytes(comm, values.data(), values.size() * sizeof(T), root);
}

// Every rank's bytes concatenated in rank order, on `root` (the others get nothing).
std::vector<char> gather_bytes(MPI_Comm comm, const void* data, std::size_t bytes, int root);

// Every rank's values concatenated in rank order, on `root` (the others get an empty vector).
template <class T>
std::vector<T> gather_to_root(MPI_Comm comm, const std::vector<T>& mine, int root) {
  static_assert(std::is_trivially_copyable_v<T>);
  const std::vector<char> bytes = gather_bytes(comm, mine.data(), mine.size() * sizeof(T), root);
  std::vector<T> all(bytes.size() / sizeof(T));
  if (!all.empty()) std::memcpy(all.data(), bytes.data(), all.size() * sizeof(T));
  return all;
}

// An error every rank of a communicator knows about: the main loop prints it once (rank 0) and
// every rank exits normally with the same code, so no rank is left waiting in a collective.
class AgreedError : public Error {
 public:
  AgreedError(const std::string& what, int exit_code) : Error(what, exit_code) {}
};

// Ends a step that every rank of `comm` runs together. If any rank failed (passed a non-null
// exception), all of them throw the same AgreedError carrying the lowest failing rank's message.
void agree(MPI_Comm comm, std::exception_ptr failure);

// Runs `step` on every rank of `comm` as one agreed step (see agree above).
template <class Step>
auto agreed(MPI_Comm comm, Step&& step) -> decltype(step()) {
  std::exception_ptr failure;
  if constexpr (std::is_void_v<decltype(step())>) {
    try {
      step();
    } catch (...) {
      failure = std::current_exception();
    }
    agree(comm, failure);
  } else {
    decltype(step()) result{};
    try {
      result = step();
    } catch (...) {
      failure = std::current_exception();
    }
    agree(comm, failure);
    return result;
  }
}

}  // namespace mmlu
