// mmlu_eval: evaluates a language model on MMLU across MPI ranks (one rank per device).
#include <cstdio>

#include "mmlu/job.hpp"
#include "mmlu/launch.hpp"
#include "mmlu/model_loader.hpp"
#include "mmlu/version.hpp"

namespace {

int evaluate(int argc, char** argv) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const bool leader = rank == 0;

  const mmlu::Options options = mmlu::agreed(
      MPI_COMM_WORLD, [&] { return mmlu::parse_options(argc, argv, MMLU_DEFAULT_CONFIG); });
  if (options.help || options.version) {
    if (leader)
      std::printf("%s\n", options.help ? mmlu::options_help().c_str() : mmlu::program_version());
    return mmlu::kExitOk;
  }

  const mmlu::Launch launch = mmlu::prepare_launch(options);
  if (leader) {
    for (const std::string& warning : launch.plan.warnings)
      std::fprintf(stderr, "mmlu_eval: warning: %s\n", warning.c_str());
    std::printf("%s", mmlu::format_plan(launch, options).c_str());
    std::fflush(stdout);
  }
  if (options.plan) return mmlu::kExitOk;

  const mmlu::LoadedModel loaded = mmlu::load_model(launch, options);
  const std::string report = mmlu::format_load_reports(launch, loaded.report);
  if (leader)
    std::printf(
        "\n%s\nmmlu_eval %s: this build plans, checks layouts and loads the model; evaluating "
        "is not implemented yet, so the run stops here.\n",
        report.c_str(), mmlu::program_version());
  return mmlu::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  return mmlu::run_mpi_job("mmlu_eval", argc, argv, evaluate);
}
