#pragma once
// A regression sweep's summary: the results of many checkpoints side by side, one row per
// checkpoint and scope (all questions, then each category), each compared with a named baseline.
// Written as CSV and HDF5 (the same table) for plots and dashboards; a checkpoint that regresses
// beyond a tolerance, or has no usable results, makes the summary fail.
#include <filesystem>
#include <string>
#include <vector>

namespace mmlu {

struct SweepEntry {
  std::string name;
  std::filesystem::path results;  // its results file
};

// A sweep's list: one checkpoint per line, "NAME PATH" (blank lines and # comments skipped).
// Each entry's results file is RESULTS_DIR/NAME.h5. Throws InputError naming the list and line
// for a malformed line, a name that is not [A-Za-z0-9._-]+, or a name used twice.
std::vector<SweepEntry> read_sweep_list(const std::filesystem::path& list,
                                        const std::filesystem::path& results_dir);

struct SweepRow {
  std::string checkpoint;
  std::string scope;  // "all" or a category
  // "baseline", "ok", "regressed", "missing" or "unusable" (a file that is not a results file, or
  // one that evaluated other questions than the baseline)
  std::string status;
  std::int64_t n = 0, correct = 0;
  double accuracy = 0;      // percent
  double delta_points = 0;  // against the baseline's same scope
  double p_value = 1;       // paired exact test against the baseline on this scope's questions
};

struct SweepSummary {
  std::vector<SweepRow> rows;
  std::vector<std::string> missing;   // checkpoints without a results file
  std::vector<std::string> unusable;  // "NAME: why", for a results file that cannot be compared
  // Checkpoints more than fail_below points under the baseline on all questions, or on a category
  // where the paired test also says it is unlikely to be chance (kCategoryAlpha).
  std::vector<std::string> regressed;
  std::string text;  // the table as people read it
};

// A category regresses only where its paired test's p is below this, divided by the number of
// categories judged: a family-wise error of 1% per checkpoint.
inline constexpr double kCategoryAlpha = 0.01;

// Reads every entry's results file. The baseline must have a readable one (InputError otherwise).
// Another entry without one is reported as missing, and one whose file cannot be read or
// evaluated other questions as unusable, so one broken job does not hide the rest of a sweep.
SweepSummary summarize_sweep(const std::vector<SweepEntry>& entries, const std::string& baseline,
                             double fail_below_points);

// Both written atomically (a temporary file, flushed, then renamed).
void write_sweep_csv(const std::filesystem::path& path, const SweepSummary& summary);
void write_sweep_hdf5(const std::filesystem::path& path, const SweepSummary& summary,
                      const std::string& baseline, double fail_below_points);

}  // namespace mmlu
