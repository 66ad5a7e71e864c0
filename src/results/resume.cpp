#include "mmlu/results/resume.hpp"

#include <map>

#include "mmlu/parallel/mpi.hpp"
#include "mmlu/results/results.hpp"

namespace mmlu {

ResumeState read_resume_state(const std::filesystem::path& dir, const RunKey& key,
                              const Workload& work, bool resume, bool overwrite) {
  ResumeState state;
  state.done.assign(work.questions.size(), 0);
  if (!resume) {
    if (has_partial_results(dir) && !overwrite)
      throw InputError(dir.string() +
                       ": holds partial results of an interrupted run; pass --resume to "
                       "continue it, or --overwrite to discard them");
    remove_partial_results(dir);
    return state;
  }
  PartialResults partial = read_partial_results(dir, key);
  std::map<std::pair<std::int32_t, std::int64_t>, std::size_t> position;
  for (std::size_t i = 0; i < work.questions.size(); ++i)
    position[{work.questions[i].subject, work.source(work.questions[i]).index}] = i;
  for (const QuestionResult& result : partial.questions) {
    const auto found = position.find({result.subject, result.index});
    if (found == position.end() || work.source(work.questions[found->second]).answer != result.gold)
      throw InputError(dir.string() + ": a saved result does not match the data (subject " +
                       std::to_string(result.subject) + ", row " + std::to_string(result.index) +
                       ")");
    state.done[found->second] = 1;
  }
  state.results = std::move(partial.questions);
  state.attempt = partial.next_attempt;
  state.files = partial.files;
  state.warnings = std::move(partial.warnings);
  return state;
}

void share_resume_state(MPI_Comm comm, ResumeState& state, int root) {
  broadcast(comm, state.done, root);
  broadcast(comm, state.attempt, root);
}

bool finished_before(const std::filesystem::path& out, const RunKey& key, bool resume,
                     bool overwrite) {
  std::error_code ec;
  if (!resume || overwrite || !std::filesystem::exists(out, ec)) return false;
  if (std::filesystem::is_directory(out, ec))
    throw InputError(out.string() + ": is a directory, not a results file");
  const ResultsFile done = read_results_file(out);
  auto text = [&](const char* name) {
    const auto it = done.provenance.text.find(name);
    return it == done.provenance.text.end() ? std::string() : it->second;
  };
  // The identity partial results carry: the workload digest covers data, subject selection,
  // split, shots and prompts; the weights identity tells two steps of one training run apart.
  if (text("run_work") != key.work || text("run_weights") != key.model ||
      text("dtype") != key.dtype)
    throw InputError(out.string() +
                     ": exists and holds another run's results (pass --overwrite to replace it)");
  return true;
}

}  // namespace mmlu
