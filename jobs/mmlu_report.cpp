// mmlu_report: prints a results file, or compares two for regression sweeps.
//   mmlu_report FILE
//   mmlu_report BASE NEW [--fail-below POINTS]   exit 3 when NEW is more than POINTS below BASE
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "mmlu/error.hpp"
#include "mmlu/job.hpp"
#include "mmlu/report.hpp"

namespace {

namespace po = boost::program_options;

// Exit code for a regression found: distinct from bad input (2) so sweeps can tell them apart.
constexpr int kExitRegression = 3;

int report(int argc, char** argv) {
  std::vector<std::string> files;
  double fail_below = -1;
  po::options_description described(
      "mmlu_report FILE | BASE NEW [--fail-below POINTS]\n"
      "Prints a results file, or compares NEW against BASE per category and subject with a paired "
      "test on the questions both answered. Exit codes: 0 ok, 2 bad input, 3 NEW is more than "
      "POINTS percentage points below BASE (micro accuracy)\nOptions");
  described.add_options()("help,h", "print this help")(
      "fail-below", po::value(&fail_below)->value_name("POINTS"),
      "with two files: exit 3 when NEW's accuracy is more than POINTS below BASE's");
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
