#pragma once
// Results: every rank's question results gathered on world rank 0, summarised per subject and
// category, and written as one HDF5 file (under a temporary name, renamed once complete). The
// file's contract is documented in results/README.md.
#include <mpi.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "mmlu/eval/question_result.hpp"

namespace mmlu {

// Run-level facts recorded as root attributes: strings and numbers by name.
struct Provenance {
  std::map<std::string, std::string> text;
  std::map<std::string, double> numbers;
};

struct Score {
  std::string name;
  std::string category;     // subjects only
  std::string subcategory;  // subjects only
  std::int64_t n = 0;
  std::int64_t correct = 0;
  double accuracy = 0;  // correct / n, 0 when n = 0
};

struct Summary {
  std::int64_t n = 0, correct = 0;
  double accuracy = 0;        // micro: over questions
  double accuracy_macro = 0;  // mean over subjects with questions
  std::vector<Score> subjects;
  std::vector<Score> categories;  // STEM, humanities, social sciences, other (those present)
};

Summary summarize(const std::vector<std::string>& subject_names,
                  const std::vector<QuestionResult>& questions);

// Collective over `comm`: ranks with `contribute` send their results; on rank 0 the return
// value holds all of them sorted by (subject, index), elsewhere it is empty.
std::vector<QuestionResult> gather_results(MPI_Comm comm, const std::vector<QuestionResult>& mine,
                                           bool contribute);

// Refuses, before any work is done, an output that cannot be written: an empty path or a
// directory, a file when `overwrite` is false, or a directory that is missing or not writable
// (checked by creating and removing a probe file). Throws InputError naming the path.
void check_output_path(const std::filesystem::path& out, bool overwrite);

// Writes `out` atomically: OUT.tmp is written, flushed to disk and renamed over OUT. Nothing is
// left behind on failure.
void write_results_file(const std::filesystem::path& out,
                        const std::vector<std::string>& subject_names,
                        const std::vector<QuestionResult>& questions, const Provenance& provenance);

struct ResultsFile {
  std::filesystem::path path;
  Provenance provenance;  // every root attribute except the accuracies
  std::vector<std::string> subject_names;
  std::vector<QuestionResult> questions;
  Summary summary;  // recomputed from /questions
};

// Throws InputError naming the file when it is not a results file.
ResultsFile read_results_file(const std::filesystem::path& path);

}  // namespace mmlu
