// mmlu_eval: evaluates a language model on MMLU across MPI ranks (one rank per device). The job
// is its data flow, one step per stage (src/app/evaluation_run.cpp):
//   topology -> plan -> data -> load -> schedule -> forward -> score -> results.
#include "mmlu/app/evaluation_run.hpp"
#include "mmlu/app/job.hpp"
#include "mmlu/parallel/openmp_waiting.hpp"

namespace {

int evaluate(int argc, char** argv, const mmlu::StopSignals& signals) {
  mmlu::RunClock clock;
  const mmlu::Options options = mmlu::read_options(argc, argv, MMLU_DEFAULT_CONFIG);
  if (options.help || options.version) {
    mmlu::print_help_or_version(options);
    return mmlu::kExitOk;
  }

  // topology -> plan
  const mmlu::Launch launch = mmlu::start(options);
  if (options.plan) return mmlu::kExitOk;

  // data, read and checked on every rank before anything large is loaded
  const mmlu::Workload work = mmlu::read_workload(options, launch, clock);
  if (!options.dump_prompts.empty()) {
    mmlu::write_prompts(options, work);
    return mmlu::kExitOk;
  }
  const mmlu::RunIdentity identity = mmlu::identify_run(options, launch, work, clock);
  if (mmlu::already_finished(options, identity)) return mmlu::kExitOk;
  const mmlu::ResumeState resumed = mmlu::resume(options, work, identity);
  mmlu::RunOutputs outputs = mmlu::open_outputs(options, launch, identity, resumed);

  // load
  mmlu::LoadedModel loaded = mmlu::load(options, launch, clock);
  mmlu::Watchdog watchdog = mmlu::make_watchdog(options, launch);

  // schedule -> forward -> score
  const mmlu::RunOutcome outcome =
      mmlu::evaluate(options, launch, work, resumed, loaded, outputs, signals, watchdog, clock);

  // results
  return mmlu::finish(options, launch, work, identity, resumed, outcome, signals, watchdog, clock);
}

}  // namespace

int main(int argc, char** argv) {
  // Before MPI starts, which takes seconds: a stop requested at start-up (a preemption) ends the
  // run cleanly at its first batch, as one requested later does.
  const mmlu::StopSignals signals;
  mmlu::wait_passively_unless_chosen(argv, signals);
  return mmlu::run_mpi_job("mmlu_eval", argc, argv,
                           [&](int argc, char** argv) { return evaluate(argc, argv, signals); });
}
