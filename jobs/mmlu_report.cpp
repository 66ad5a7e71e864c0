// mmlu_report: prints a results file, or compares two for regression sweeps.
//   mmlu_report FILE
//   mmlu_report BASE NEW [--fail-below POINTS]   exit 3 when NEW is more than POINTS below BASE
//   mmlu_report --sweep LIST [--baseline NAME] [--csv F] [--h5 F]   a sweep's summary table
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "mmlu/app/job.hpp"
#include "mmlu/results/report.hpp"
#include "mmlu/results/sweep.hpp"
#include "mmlu/util/error.hpp"

namespace {

namespace po = boost::program_options;

// Exit code for a regression found: distinct from bad input (2) so sweeps can tell them apart.
constexpr int kExitRegression = 3;
// A sweep where some checkpoint has no usable results (its job failed, or its file is broken or
// evaluated other questions) but none regressed.
constexpr int kExitMissing = 4;

std::string comma_list(const std::vector<std::string>& names) {
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  return list;
}

struct SweepRequest {
  std::string list, results_dir, baseline, csv, h5;
};

int sweep(const SweepRequest& r, double fail_below) {
  const std::filesystem::path list = r.list;
  std::error_code ec;
  // Otherwise every checkpoint would be reported missing (exit 4), hiding a mistyped option.
  if (!r.results_dir.empty() && !std::filesystem::is_directory(r.results_dir, ec))
    throw mmlu::InputError("--results-dir " + r.results_dir + ": no such directory");
  const std::vector<mmlu::SweepEntry> entries = mmlu::read_sweep_list(
      list, r.results_dir.empty() ? list.parent_path() : std::filesystem::path(r.results_dir));
  const std::string baseline = r.baseline.empty() ? entries.front().name : r.baseline;
  for (const mmlu::SweepEntry& e : entries) {
    if (e.name == baseline && !std::filesystem::exists(e.results, ec)) {
      std::printf("MISSING: the baseline %s has no results (%s): nothing to compare with\n",
                  baseline.c_str(), e.results.string().c_str());
      return kExitMissing;
    }
  }
  const mmlu::SweepSummary summary = mmlu::summarize_sweep(entries, baseline, fail_below);
  std::cout << summary.text;
  if (!r.csv.empty()) mmlu::write_sweep_csv(r.csv, summary);
  if (!r.h5.empty()) mmlu::write_sweep_hdf5(r.h5, summary, baseline, fail_below);
  // Every problem is listed; the exit code then says the worst (a regression over a gap).
  for (const std::string& why : summary.unusable) std::printf("UNUSABLE: %s\n", why.c_str());
  if (!summary.missing.empty())
    std::printf("MISSING: no results for %s\n", comma_list(summary.missing).c_str());
  if (!summary.regressed.empty()) {
    std::printf(
        "REGRESSION: %s more than %.2f points below %s (on all questions, or significantly "
        "on a category: see the table)\n",
        comma_list(summary.regressed).c_str(), fail_below, baseline.c_str());
    return kExitRegression;
  }
  return summary.missing.empty() && summary.unusable.empty() ? mmlu::kExitOk : kExitMissing;
}

int report(int argc, char** argv) {
  std::vector<std::string> files;
  double fail_below = -1;
  SweepRequest sweep_request;
  po::options_description described(
      "mmlu_report FILE | BASE NEW [--fail-below POINTS] | --sweep LIST [options]\n"
      "Prints a results file, or compares NEW against BASE per category and subject with a paired "
      "test on the questions both answered, or summarises a sweep (LIST: 'NAME PATH' lines; "
      "results in DIR/NAME.h5). Exit codes: 0 ok, 2 bad input, 3 a regression: NEW (or a "
      "checkpoint of the sweep) is more than POINTS percentage points below BASE (micro "
      "accuracy; in a sweep also on a category, where the paired test's p is below 1% / the "
      "categories), 4 a checkpoint of the sweep has no usable results\nOptions");
  described.add_options()("help,h", "print this help")(
      "fail-below", po::value(&fail_below)->value_name("POINTS"),
      "exit 3 when accuracy is more than POINTS below the baseline's (sweeps: default 1)")(
      "sweep", po::value(&sweep_request.list)->value_name("LIST"),
      "summarise the sweep of the checkpoints listed in LIST")(
      "results-dir", po::value(&sweep_request.results_dir)->value_name("DIR"),
      "where the sweep's NAME.h5 files are (default: LIST's folder)")(
      "baseline", po::value(&sweep_request.baseline)->value_name("NAME"),
      "the checkpoint others are compared with (default: LIST's first)")(
      "csv", po::value(&sweep_request.csv)->value_name("FILE"), "write the sweep's table as CSV")(
      "h5", po::value(&sweep_request.h5)->value_name("FILE"), "write the sweep's table as HDF5");
  po::options_description hidden;
  hidden.add_options()("file", po::value(&files));
  po::options_description all;
  all.add(described).add(hidden);
  po::positional_options_description positional;
  positional.add("file", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw mmlu::InputError(std::string(e.what()) + " (see --help)");
  }
  if (vm.count("help")) {
    std::cout << described << "\n";
    return mmlu::kExitOk;
  }
  if (vm.count("sweep")) {
    if (!files.empty()) throw mmlu::InputError("--sweep takes no results files (see --help)");
    if (vm.count("fail-below") && fail_below < 0)
      throw mmlu::InputError("--fail-below takes a non-negative number of points");
    return sweep(sweep_request, vm.count("fail-below") ? fail_below : 1.0);
  }
  for (const char* only : {"results-dir", "baseline", "csv", "h5"})
    if (vm.count(only))
      throw mmlu::InputError(std::string("--") + only + " belongs to --sweep (see --help)");
  if (files.empty() || files.size() > 2)
    throw mmlu::InputError("expected one results file, or two to compare (see --help)");
  if (vm.count("fail-below") && (files.size() != 2 || fail_below < 0))
    throw mmlu::InputError("--fail-below takes a non-negative number of points and two files");

  if (files.size() == 1) {
    std::cout << mmlu::format_results_file(mmlu::read_results_file(files[0]));
    return mmlu::kExitOk;
  }
  const mmlu::ResultsFile base = mmlu::read_results_file(files[0]);
  const mmlu::ResultsFile next = mmlu::read_results_file(files[1]);
  const mmlu::Comparison c = mmlu::compare_results(base, next);
  std::cout << c.text;
  if (vm.count("fail-below") && c.delta_points < -fail_below) {
    std::printf("REGRESSION: %+.2f points, beyond --fail-below %.2f\n", c.delta_points, fail_below);
    return kExitRegression;
  }
  return mmlu::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  return mmlu::run_tool("mmlu_report", argc, argv, report);
}
