#pragma once
// Errors are exceptions that carry the process exit code, so each job's main can catch once,
// print one line and exit with the code the error class promises.
#include <stdexcept>
#include <string>

namespace mmlu {

// Exit codes are part of the command-line contract (README "Exit codes").
enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,    // a bug or an environment failure (MPI, CUDA, I/O that is not the user's)
  kExitBadInput = 2,    // the user's input cannot work: options, files, layouts
  kExitStalled = 4,     // a rank made no progress for --stall-timeout (a peer or collective failed)
  kExitPreempted = 75,  // stopped by SIGTERM or SIGUSR1; finished work is kept for --resume
                        // (75 is sysexits' EX_TEMPFAIL: try again later)
};

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what, int exit_code = kExitInternal)
      : std::runtime_error(what), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// Something the user gave us (a file, an option, a layout) cannot work. The message names the
// file or option and the problem.
class InputError : public Error {
 public:
  explicit InputError(const std::string& what) : Error(what, kExitBadInput) {}
};

}  // namespace mmlu
