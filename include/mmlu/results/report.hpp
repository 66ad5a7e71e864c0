#pragma once
// Results as people read them: the summary table a run prints, and the comparison of two runs
// (per subject and overall, with a paired test on the questions both answered) that regression
// sweeps gate on.
#include <map>
#include <string>

#include "mmlu/results/results.hpp"

namespace mmlu {

// Overall, per category and per subject accuracy.
std::string format_summary(const Summary& summary);

// Provenance lines and the summary of a results file.
std::string format_results_file(const ResultsFile& file);

// Questions both files answered (same subject and row) and how they disagree.
struct PairedTest {
  std::int64_t paired = 0;     // questions in both files
  std::int64_t base_only = 0;  // correct in BASE only, among the paired
  std::int64_t new_only = 0;   // correct in NEW only, among the paired
  double p_value = 1;          // exact two-sided McNemar (sign) test on those discordant pairs
};

struct Comparison {
  std::string text;         // the table
  double delta_points = 0;  // NEW - BASE accuracy (micro), in percentage points
  PairedTest all;           // over every paired question
  // The same test over each category's paired questions, so a regression confined to one
  // category is judged on that category's questions; categories without paired questions absent.
  std::map<std::string, PairedTest> categories;
};

// Throws InputError naming `next` when the two files evaluated different questions (data set,
// split, --limit or subjects differ); prompts (shots, max_seq_len) may differ.
Comparison compare_results(const ResultsFile& base, const ResultsFile& next);

// Two-sided exact binomial test of k successes in n trials at p = 1/2.
double two_sided_sign_test(std::int64_t k, std::int64_t n);

}  // namespace mmlu
