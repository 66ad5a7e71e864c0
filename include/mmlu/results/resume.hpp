#pragma once
// Resuming an interrupted run: what its earlier attempts saved in OUT.partial/, mapped onto this
// run's questions, and the results file a requeued job may find already written.
#include <mpi.h>

#include <filesystem>
#include <string>
#include <vector>

#include "mmlu/data/workload.hpp"
#include "mmlu/eval/question_result.hpp"
#include "mmlu/results/partial_results.hpp"

namespace mmlu {

struct ResumeState {
  std::vector<QuestionResult> results;  // saved by earlier attempts (where read: world rank 0)
  std::vector<char> done;               // per question of the workload: saved already
  int attempt = 0;                      // this attempt's number, which names its partial files
  int files = 0;                        // partial files read
  std::vector<std::string> warnings;    // torn blocks dropped, another layout
};

// Without `resume`: refuses a folder holding partial results unless `overwrite` (which discards
// them), and starts afresh. With it: reads every partial file (refusing another run's, see
// read_partial_results) and marks its questions done. Throws InputError naming the folder or file,
// also for a saved result that matches no question of `work` (another data set's).
ResumeState read_resume_state(const std::filesystem::path& dir, const RunKey& key,
                              const Workload& work, bool resume, bool overwrite);

// Collective over `comm`: root's `done` and `attempt` to every rank (results stay on root).
void share_resume_state(MPI_Comm comm, ResumeState& state, int root);

// With `resume` (and not `overwrite`), a results file already at `out`: true when it holds this
// run's results (the same work, weights and dtype as `key`: a job requeued after it finished);
// another run's, or a file that is not a results file, is refused with InputError. False when
// there is none, or without `resume`.
bool finished_before(const std::filesystem::path& out, const RunKey& key, bool resume,
                     bool overwrite);

}  // namespace mmlu
