#pragma once
// Permission refusals (an unwritable folder) cannot be seen by root, which writes anywhere. So a
// check of one runs in a child process that, when this process is root, first becomes the
// unprivileged user nobody (65534): CI runs as root and still runs these checks for real.
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <string>

namespace mmlu::test {

// "" when `check` returned true in the child; else why not (it returned false, threw, or the
// child could not drop root). Paths the check uses must be reachable by nobody.
inline std::string as_unprivileged(const std::function<bool()>& check) {
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child < 0) return "fork failed";
  if (child == 0) {
    if (::geteuid() == 0 &&
        (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0))
      ::_exit(3);
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
      return "could not become the user nobody";
    default:
      return "the child exited " + std::to_string(WEXITSTATUS(status));
  }
}

}  // namespace mmlu::test
