#pragma once
// Partial results of a run in progress. Each data-parallel group's leader appends the results of
// its finished batches to its own file in OUT.partial/, forced to disk every few batches and when
// the run is asked to stop, so a preempted or failed run keeps what it finished and `--resume`
// skips it. Every append is one block with a checksum: a block cut short by a kill is recognised
// and dropped whole, never half read. The final results file replaces the folder.
#include <filesystem>
#include <string>
#include <vector>

#include "mmlu/eval/question_result.hpp"

namespace mmlu {

// What a partial file must agree on with the run that resumes it.
struct RunKey {
  std::string work;    // digest of the data, tokenizer and prompts: must match
  std::string model;   // checkpoint fingerprint: must match
  std::string dtype;   // must match
  std::string layout;  // tp, dp, batching, prefix reuse: may differ (results then are not
                       // bitwise those of an uninterrupted run under the new layout)
};

// OUT.partial beside the results file.
std::filesystem::path partial_dir(const std::filesystem::path& out);

// One data-parallel group's file of one attempt: DIR/attempt-A.dp-K.bin.
class PartialWriter {
 public:
  // Creates the folder if needed and the file with its header; throws InputError naming it.
  PartialWriter(const std::filesystem::path& dir, int attempt, int dp_rank, const RunKey& key);
  // Closes the file; removes it (and the folder, once empty of partial files) when nothing was
  // appended, so a run that fails before its first batch leaves nothing behind.
  ~PartialWriter();
  PartialWriter(const PartialWriter&) = delete;
  PartialWriter& operator=(const PartialWriter&) = delete;

  // Appends one block and forces it to disk (fdatasync) before returning.
  void append(const std::vector<QuestionResult>& block);
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  bool appended_ = false;
};

struct PartialResults {
  std::vector<QuestionResult> questions;  // unique by (subject, index), sorted
  int files = 0;
  int next_attempt = 0;               // the attempt number a new run should use
  std::vector<std::string> warnings;  // torn blocks dropped, a different layout
};

// Every partial file in `dir` (none when it does not exist). Throws InputError naming the file
// when one is not a partial file or belongs to another run (work, model or dtype differ).
PartialResults read_partial_results(const std::filesystem::path& dir, const RunKey& key);

// One partial file's contents (`file` names it in errors and gives its attempt number), in the
// order saved. Throws InputError as read_partial_results does.
PartialResults parse_partial_file(const std::string& bytes, const std::filesystem::path& file,
                                  const RunKey& key);

// True when `dir` holds any partial file.
bool has_partial_results(const std::filesystem::path& dir);

// Removes the folder and its partial files (only those: anything else in it is left, and the
// folder with it).
void remove_partial_results(const std::filesystem::path& dir);

}  // namespace mmlu
