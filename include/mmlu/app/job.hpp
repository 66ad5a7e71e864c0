#pragma once
// The one place where a job's errors are caught: prints one line, exits with the error's code,
// and aborts the MPI job when the error is not known to every rank (so no peer hangs).
#include <functional>
#include <string>

namespace mmlu {

// Runs `body` between MPI_Init_thread and MPI_Finalize. `program` prefixes error lines.
int run_mpi_job(const std::string& program, int argc, char** argv,
                const std::function<int(int argc, char** argv)>& body);

// The same for a single-process tool (mmlu_report, mmlu_tokenize): one error line, the error's
// exit code.
int run_tool(const std::string& program, int argc, char** argv,
             const std::function<int(int argc, char** argv)>& body);

}  // namespace mmlu
