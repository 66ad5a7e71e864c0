#pragma once
// Thin RAII and error handling around the MPI C API.
#include <mpi.h>

#include <exception>
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

// Every rank's string, indexed by rank of `comm`.
std::vector<std::string> allgather_strings(MPI_Comm comm, const std::string& mine);

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
