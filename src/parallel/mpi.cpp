#include "mmlu/parallel/mpi.hpp"

#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace mmlu {
namespace {

// For calls that cannot throw (destructors, error reporting): a failure is said, not raised.
void warn_mpi(int code, const char* call) noexcept {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) length = 0;
  std::fprintf(stderr, "warning: %s failed: %.*s\n", call, length, text);
}

int checked_count(std::size_t n, const char* what) {
  if (n > static_cast<std::size_t>(INT_MAX)) throw Error(std::string(what) + ": too large for MPI");
  return static_cast<int>(n);
}

template <class T>
T reduce_all(MPI_Comm comm, T value, MPI_Datatype type, MPI_Op op) {
  T result{};
  check_mpi(MPI_Allreduce(&value, &result, 1, type, op, comm), "MPI_Allreduce");
  return result;
}

}  // namespace

void check_mpi(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw Error(std::string(call) + " failed: " + std::string(text, length));
}

MpiRuntime::MpiRuntime(int* argc, char*** argv) {
  int provided = 0;
  // Only the main thread calls MPI; libtorch's worker threads never do.
  check_mpi(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  // Errors come back as codes that check_mpi turns into exceptions with context.
  check_mpi(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
}

MpiRuntime::~MpiRuntime() {
  int finalized = 0;
  warn_mpi(MPI_Finalized(&finalized), "MPI_Finalized");
  if (!finalized) warn_mpi(MPI_Finalize(), "MPI_Finalize");
}

Communicator::~Communicator() {
  int finalized = 0;
  warn_mpi(MPI_Finalized(&finalized), "MPI_Finalized");
  if (comm_ != MPI_COMM_NULL && !finalized) warn_mpi(MPI_Comm_free(&comm_), "MPI_Comm_free");
}

Communicator::Communicator(Communicator&& other) noexcept : comm_(other.comm_) {
  other.comm_ = MPI_COMM_NULL;
}

Communicator& Communicator::operator=(Communicator&& other) noexcept {
  if (this != &other) {
    Communicator dying(comm_);
    comm_ = other.comm_;
    other.comm_ = MPI_COMM_NULL;
  }
  return *this;
}

int Communicator::rank() const {
  return rank_of(comm_);
}

int Communicator::size() const {
  return size_of(comm_);
}

int rank_of(MPI_Comm comm) {
  int r = 0;
  check_mpi(MPI_Comm_rank(comm, &r), "MPI_Comm_rank");
  return r;
}

int size_of(MPI_Comm comm) {
  int n = 0;
  check_mpi(MPI_Comm_size(comm, &n), "MPI_Comm_size");
  return n;
}

Communicator split_by_node(MPI_Comm comm, int key) {
  MPI_Comm node = MPI_COMM_NULL;
  check_mpi(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, key, MPI_INFO_NULL, &node),
            "MPI_Comm_split_type");
  return Communicator(node);
}

Communicator split(MPI_Comm comm, int color, int key) {
  MPI_Comm part = MPI_COMM_NULL;
  check_mpi(MPI_Comm_split(comm, color, key, &part), "MPI_Comm_split");
  return Communicator(part);
}

std::string processor_name() {
  char name[MPI_MAX_PROCESSOR_NAME];
  int length = 0;
  check_mpi(MPI_Get_processor_name(name, &length), "MPI_Get_processor_name");
  return std::string(name, static_cast<std::size_t>(length));
}

std::string rank_prefix_for_errors() noexcept {
  try {
    if (size_of(MPI_COMM_WORLD) <= 1) return "";
    return "rank " + std::to_string(rank_of(MPI_COMM_WORLD)) + " on " + processor_name() + ": ";
  } catch (...) {
    return "";
  }
}

bool is_world_leader() noexcept {
  int rank = 0;
  return MPI_Comm_rank(MPI_COMM_WORLD, &rank) != MPI_SUCCESS || rank == 0;
}

void abort_job(int code) noexcept {
  std::fflush(stdout);
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, code);
  // MPI_Abort does not return where it works; where it does not, this rank still ends.
  std::_Exit(code);
}

std::vector<std::string> allgather_strings(MPI_Comm comm, const std::string& mine) {
  const int size = size_of(comm);
  int length = checked_count(mine.size(), "string to gather");
  std::vector<int> lengths(size), offsets(size);
  check_mpi(MPI_Allgather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, comm), "MPI_Allgather");
  long long total = 0;
  for (int i = 0; i < size; ++i) {
    offsets[i] = static_cast<int>(total);
    total += lengths[i];
    if (total > INT_MAX) throw Error("strings too long to gather");
  }
  std::string all(static_cast<std::size_t>(total), '\0');
  check_mpi(MPI_Allgatherv(mine.data(), length, MPI_CHAR, all.data(), lengths.data(),
                           offsets.data(), MPI_CHAR, comm),
            "MPI_Allgatherv");
  std::vector<std::string> out(size);
  for (int i = 0; i < size; ++i) out[i] = all.substr(offsets[i], lengths[i]);
  return out;
}

std::vector<int> allgather_ints(MPI_Comm comm, const std::vector<int>& mine) {
  const int count = checked_count(mine.size(), "ints to gather");
  std::vector<int> all(mine.size() * static_cast<std::size_t>(size_of(comm)));
  check_mpi(MPI_Allgather(mine.data(), count, MPI_INT, all.data(), count, MPI_INT, comm),
            "MPI_Allgather");
  return all;
}

int min_over(MPI_Comm comm, int value) {
  return reduce_all(comm, value, MPI_INT, MPI_MIN);
}

std::uint64_t min_over(MPI_Comm comm, std::uint64_t value) {
  return reduce_all(comm, value, MPI_UINT64_T, MPI_MIN);
}

std::uint64_t max_over(MPI_Comm comm, std::uint64_t value) {
  return reduce_all(comm, value, MPI_UINT64_T, MPI_MAX);
}

bool any_rank(MPI_Comm comm, bool flag) {
  return reduce_all(comm, flag ? 1 : 0, MPI_INT, MPI_MAX) != 0;
}

std::int64_t sum_to_root(MPI_Comm comm, std::int64_t value, int root) {
  std::int64_t sum = 0;
  check_mpi(MPI_Reduce(&value, &sum, 1, MPI_INT64_T, MPI_SUM, root, comm), "MPI_Reduce");
  return rank_of(comm) == root ? sum : 0;
}

bool any_rank_polling(MPI_Comm comm, bool flag, const std::function<void()>& wait) {
  int mine = flag ? 1 : 0, any = 0;
  MPI_Request request = MPI_REQUEST_NULL;
  check_mpi(MPI_Iallreduce(&mine, &any, 1, MPI_INT, MPI_MAX, comm, &request), "MPI_Iallreduce");
  for (int finished = 0;;) {
    if (wait) wait();
    check_mpi(MPI_Test(&request, &finished, MPI_STATUS_IGNORE), "MPI_Test");
    if (finished) return any != 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void broadcast_bytes(MPI_Comm comm, void* data, std::size_t bytes, int root) {
  check_mpi(MPI_Bcast(data, checked_count(bytes, "broadcast"), MPI_BYTE, root, comm), "MPI_Bcast");
}

std::vector<char> gather_bytes(MPI_Comm comm, const void* data, std::size_t bytes, int root) {
  const int size = size_of(comm);
  const bool at_root = rank_of(comm) == root;
  const int mine = checked_count(bytes, "gather");
  std::vector<int> counts(static_cast<std::size_t>(size)), offsets(static_cast<std::size_t>(size));
  check_mpi(MPI_Gather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, root, comm), "MPI_Gather");
  std::vector<char> all;
  if (at_root) {
    std::int64_t total = 0;
    for (int r = 0; r < size; ++r) {
      offsets[static_cast<std::size_t>(r)] =
          checked_count(static_cast<std::size_t>(total), "gather");
      total += counts[static_cast<std::size_t>(r)];
    }
    all.resize(static_cast<std::size_t>(total));
  }
  check_mpi(MPI_Gatherv(data, mine, MPI_BYTE, all.data(), counts.data(), offsets.data(), MPI_BYTE,
                        root, comm),
            "MPI_Gatherv");
  return all;
}

void agree(MPI_Comm comm, std::exception_ptr failure) {
  const int rank = rank_of(comm), size = size_of(comm);
  const int first = min_over(comm, failure ? rank : size);
  if (first == size) return;

  std::string message;
  int code = kExitInternal;
  if (rank == first) {
    try {
      std::rethrow_exception(failure);
    } catch (const Error& e) {
      message = e.what();
      code = e.exit_code();
    } catch (const std::exception& e) {
      message = e.what();
    } catch (...) {
      message = "unknown error";
    }
  }
  std::uint64_t length = message.size();
  broadcast(comm, length, first);
  broadcast(comm, code, first);
  message.resize(static_cast<std::size_t>(length));
  broadcast_bytes(comm, message.data(), message.size(), first);
  throw AgreedError(message, code);
}

}  // namespace mmlu
