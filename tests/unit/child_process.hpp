#pragma once
// Checks that must run in a process of their own: as another user, or under a resource limit.
// The child runs `check` and leaves through _exit(), so the copy of this process runs no other
// library's exit-time work (torch's thread pools do not exist in it); a check that needs one
// library's shutdown calls it itself (H5close). A crash shows as the signal that ended it.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <functional>
#include <string>

namespace mmlu::test {

// "" when `check` returned true in the child; else why not: it returned false, threw, could not
// be set up (`setup` returned false), or was killed by a signal.
inline std::string in_child(const std::function<bool()>& setup,
                            const std::function<bool()>& check) {
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child < 0) return "fork failed";
  if (child == 0) {
    if (!setup()) ::_exit(3);
    int code = 1;
    try {
      code = check() ? 0 : 1;
    } catch (...) {
      code = 2;
    }
    ::_exit(code);
  }
  int status = 0;
  if (::waitpid(child, &status, 0) != child) return "waitpid failed";
  if (!WIFEXITED(status))
    return "the child was killed by signal " + std::to_string(WTERMSIG(status));
  switch (WEXITSTATUS(status)) {
    case 0:
      return "";
    case 1:
      return "the check failed";
    case 2:
      return "the check threw an unexpected exception";
    case 3:
      return "the child could not be set up";
    default:
      return "the child exited " + std::to_string(WEXITSTATUS(status));
  }
}

// In a child whose files may grow to `bytes` at most: a write beyond fails with EFBIG, as the
// programs see it (they ignore SIGXFSZ, see app/job.cpp).
inline std::string with_file_size_limit(rlim_t bytes, const std::function<bool()>& check) {
  return in_child(
      [bytes] {
        std::signal(SIGXFSZ, SIG_IGN);
        const rlimit limit{bytes, bytes};
        return ::setrlimit(RLIMIT_FSIZE, &limit) == 0;
      },
      check);
}

}  // namespace mmlu::test
