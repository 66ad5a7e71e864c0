#pragma once
// The steps of mmlu_eval, one per stage of the data flow, in the order jobs/mmlu_eval.cpp calls
// them. Each is collective over MPI_COMM_WORLD and agreed where it can fail on bad input, so such
// a failure ends the job with one line and no rank left waiting. World rank 0 speaks for the job
// on stdout (the plan, the data, the load, the summary) and stderr (warnings).
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "mmlu/app/options.hpp"
#include "mmlu/app/provenance.hpp"
#include "mmlu/data/workload.hpp"
#include "mmlu/eval/evaluation.hpp"
#include "mmlu/eval/trace.hpp"
#include "mmlu/model/model_loader.hpp"
#include "mmlu/parallel/launch.hpp"
#include "mmlu/parallel/watchdog.hpp"
#include "mmlu/results/partial_results.hpp"
#include "mmlu/results/resume.hpp"
#include "mmlu/util/stop_signals.hpp"

namespace mmlu {

// When the run started and how long its stages took, for its provenance: each step that is
// timed records its own figure.
struct RunClock {
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::string start_time = utc_now();
  double tokenize_seconds = 0, identity_seconds = 0, load_seconds = 0, eval_seconds = 0;
  double seconds_since_start() const;
};

// The command line (and INI files), parsed on every rank.
Options read_options(int argc, char** argv, const std::filesystem::path& default_config);

// --help or --version, printed by rank 0.
void print_help_or_version(const Options& options);

// topology -> plan: where every rank runs, its device, the layout; the plan is printed.
Launch start(const Options& options);

// data: read and tokenised on every rank, after rank 0 has checked that the output can be
// written; the ranks then agree that they hold the same work.
Workload read_workload(const Options& options, const Launch& launch, RunClock& clock);

// --dump-prompts: rank 0 writes every prompt's ids.
void write_prompts(const Options& options, const Workload& work);

// The checkpoint's fingerprint and the run's key, for the results file and --resume.
RunIdentity identify_run(const Options& options, const Launch& launch, const Workload& work,
                         RunClock& clock);

// With --resume, true when OUT already holds this run's results (a job requeued after it
// finished): its partial files are removed and there is nothing to do.
bool already_finished(const Options& options, const RunIdentity& identity);

// What earlier attempts saved, on every rank (their results on rank 0).
ResumeState resume(const Options& options, const Workload& work, const RunIdentity& identity);

// What the run writes while it goes, opened before the model loads so an unwritable path costs no
// load: each data-parallel group leader's partial results, and rank 0's trace (--profile).
struct RunOutputs {
  std::unique_ptr<PartialWriter> saver;
  std::unique_ptr<BatchTrace> trace;
};
RunOutputs open_outputs(const Options& options, const Launch& launch, const RunIdentity& identity,
                        const ResumeState& resumed);

// load: this rank's shard on its device; the load reports are printed.
LoadedModel load(const Options& options, const Launch& launch, RunClock& clock);

// A hung peer or collective ends the job in bounded time: this rank's watchdog, naming it and its
// tensor-parallel peers (exit 4 after --stall-timeout seconds without progress).
Watchdog make_watchdog(const Options& options, const Launch& launch);

struct RunOutcome {
  ShareOutcome share;    // this rank's results
  bool stopped = false;  // a stop signal ended some rank's share early
};

// schedule -> forward -> score: this rank's share, its results saved as they finish; then a wait
// (polling, so not a stall) for every data-parallel group to finish. The outputs are closed.
RunOutcome evaluate(const Options& options, const Launch& launch, const Workload& work,
                    const ResumeState& resumed, LoadedModel& loaded, RunOutputs& outputs,
                    const StopSignals& signals, Watchdog& watchdog, RunClock& clock);

// results: stopped runs report what is saved and exit 75; finished ones gather every result on
// rank 0, write the results file, remove the partial results and print the summary (exit 0).
int finish(const Options& options, const Launch& launch, const Workload& work,
           const RunIdentity& identity, const ResumeState& resumed, const RunOutcome& outcome,
           const StopSignals& signals, Watchdog& watchdog, const RunClock& clock);

}  // namespace mmlu
