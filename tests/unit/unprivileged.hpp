#pragma once
// Permission refusals (an unwritable folder) cannot be seen by root, which writes anywhere. So a
// check of one runs in a child process that, when this process is root, first becomes the
// unprivileged user nobody (65534): CI runs as root and still runs these checks for real.
#include <grp.h>
#include <unistd.h>

#include <functional>
#include <string>

#include "child_process.hpp"

namespace mmlu::test {

// "" when `check` returned true in the child; else why not (it returned false, threw, or the
// child could not drop root). Paths the check uses must be reachable by nobody.
inline std::string as_unprivileged(const std::function<bool()>& check) {
  return in_child(
      [] {
        return ::geteuid() != 0 ||
               (::setgroups(0, nullptr) == 0 && ::setgid(65534) == 0 && ::setuid(65534) == 0);
      },
      check);
}

}  // namespace mmlu::test
