#include "mmlu/app/evaluation_run.hpp"

#include <algorithm>
#include <cstdio>

#include "mmlu/app/requests.hpp"
#include "mmlu/checkpoint/identity.hpp"
#include "mmlu/eval/prefix_groups.hpp"
#include "mmlu/parallel/heartbeat.hpp"
#include "mmlu/parallel/mpi.hpp"
#include "mmlu/results/report.hpp"
#include "mmlu/results/results.hpp"
#include "mmlu/util/version.hpp"

namespace mmlu {
namespace {

// Batches before a trace window: the first pay for cuBLAS heuristics and allocator growth.
constexpr int kTraceWarmupBatches = 2;

bool leader() {
  return rank_of(MPI_COMM_WORLD) == 0;
}

void warn(const std::string& warning) {
  std::fprintf(stderr, "mmlu_eval: warning: %s\n", warning.c_str());
}

std::string rank_name(const RankLayout& r) {
  return "rank " + std::to_string(r.rank) + " on " + r.host;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The data line of the log: what was read, and what prefix reuse leaves to compute.
void print_workload(const Options& options, const Workload& work) {
  for (const std::string& warning : work.data.warnings) warn(warning);
  const std::int64_t computed =
      tokens_to_compute(work.questions, prefix_groups(work.questions, options.prefix_reuse));
  const std::string source = options.synthetic_data ? "synthetic" : options.data.string();
  const std::size_t subjects = work.data.subjects.size();
  std::printf(
      "\ndata      %s: %zu subject%s, %lld %s questions, %d-shot, %lld prompt tokens, %lld to "
      "compute with prefix reuse %s (tokenizer: %s)\n",
      source.c_str(), subjects, subjects == 1 ? "" : "s",
      static_cast<long long>(work.questions.size()), work.data.split.c_str(), options.shots,
      static_cast<long long>(work.prompt_tokens()), static_cast<long long>(computed),
      options.prefix_reuse ? "on" : "off",
      work.tokenizer ? work.tokenizer->kind().c_str() : "none");
  if (const std::int64_t truncated = work.truncated_prompts())
    std::fprintf(stderr,
                 "mmlu_eval: warning: %lld prompts are longer than --max-seq-len %lld even with "
                 "no shots; they were left-truncated (flagged in the results)\n",
                 static_cast<long long>(truncated), static_cast<long long>(work.max_seq_len));
  std::fflush(stdout);
}

}  // namespace

double RunClock::seconds_since_start() const {
  return seconds_since(started);
}

Options read_options(int argc, char** argv, const std::filesystem::path& default_config) {
  return agreed(MPI_COMM_WORLD, [&] { return parse_options(argc, argv, default_config); });
}

void print_help_or_version(const Options& options) {
  if (leader()) std::printf("%s\n", options.help ? options_help().c_str() : program_version());
}

Launch start(const Options& options) {
  Launch launch = prepare_launch(launch_request(options));
  if (leader()) {
    for (const std::string& warning : launch.plan.warnings) warn(warning);
    std::printf("%s", format_plan(launch).c_str());
    std::fflush(stdout);
  }
  return launch;
}

Workload read_workload(const Options& options, const Launch& launch, RunClock& clock) {
  const auto started = std::chrono::steady_clock::now();
  Workload work = agreed(MPI_COMM_WORLD, [&] {
    // A resumed run may find its results already written (requeued after it finished): that is
    // checked once the run's identity is known (finished_before). --dump-prompts writes no
    // results file, so an existing one is no obstacle.
    std::error_code ec;
    const bool written =
        options.resume && !options.overwrite && std::filesystem::exists(options.out, ec);
    if (leader() && !written && options.dump_prompts.empty())
      check_output_path(options.out, options.overwrite);
    return prepare_workload(workload_request(options, launch.config));
  });
  clock.tokenize_seconds = seconds_since(started);
  // Every rank read the data and tokenised it on its own; they must hold the same work, or data
  // groups would split different lists and tensor-parallel peers run different batches.
  if (min_over(MPI_COMM_WORLD, work.digest) != max_over(MPI_COMM_WORLD, work.digest))
    throw AgreedError(
        "ranks read different data or tokenizer files (differing copies on different nodes, or "
        "files changed during the start): " +
            options.data.string(),
        kExitBadInput);
  if (leader()) print_workload(options, work);
  return work;
}

void write_prompts(const Options& options, const Workload& work) {
  agreed(MPI_COMM_WORLD, [&] {
    if (leader()) dump_prompts(options.dump_prompts, work);
  });
}

RunIdentity identify_run(const Options& options, const Launch& launch, const Workload& work,
                         RunClock& clock) {
  const auto started = std::chrono::steady_clock::now();
  // Taken before the load, so a problem costs no compute. Synthetic weights depend on config.json
  // alone (their seeds are fixed), so its fingerprint identifies them.
  const std::string fingerprint = checkpoint_fingerprint(options.model);
  RunIdentity id;
  id.model_sha256 =
      options.synthetic_weights ? "synthetic (random weights) " + fingerprint : fingerprint;
  const std::string weights = options.synthetic_weights
                                  ? id.model_sha256
                                  : weights_identity(options.model, id.model_sha256);
  id.key = run_key(options, launch, work.digest, weights);
  clock.identity_seconds = seconds_since(started);
  return id;
}

bool already_finished(const Options& options, const RunIdentity& identity) {
  bool complete = agreed(MPI_COMM_WORLD, [&] {
    return leader() &&
           finished_before(options.out, identity.key, options.resume, options.overwrite);
  });
  broadcast(MPI_COMM_WORLD, complete, 0);
  if (complete && leader()) {
    remove_partial_results(partial_dir(options.out));
    std::printf("\n%s: already complete (this run's results); nothing to do\n",
                options.out.string().c_str());
  }
  return complete;
}

ResumeState resume(const Options& options, const Workload& work, const RunIdentity& identity) {
  const std::filesystem::path dir = partial_dir(options.out);
  ResumeState state = agreed(MPI_COMM_WORLD, [&] {
    if (!leader()) return ResumeState{};
    ResumeState read =
        read_resume_state(dir, identity.key, work, options.resume, options.overwrite);
    for (const std::string& warning : read.warnings) warn(warning);
    if (options.resume) {
      std::printf("\nresume    %s: %zu of %zu questions finished by earlier attempts (%d files)\n",
                  dir.string().c_str(), read.results.size(), work.questions.size(), read.files);
      std::fflush(stdout);
    }
    return read;
  });
  share_resume_state(MPI_COMM_WORLD, state, 0);
  return state;
}

RunOutputs open_outputs(const Options& options, const Launch& launch, const RunIdentity& identity,
                        const ResumeState& resumed) {
  const RankLayout& me = launch.mapping.self();
  RunOutputs outputs;
  outputs.saver = agreed(MPI_COMM_WORLD, [&] {
    return me.tp_rank == 0
               ? std::make_unique<PartialWriter>(partial_dir(options.out), resumed.attempt,
                                                 me.dp_rank, identity.key)
               : nullptr;
  });
  // Rank 0 only: one rank's trace shows a tensor-parallel group's kernels and waits.
  outputs.trace = agreed(MPI_COMM_WORLD, [&] {
    return leader() && !options.profile.empty()
               ? std::make_unique<BatchTrace>(options.profile, torch::Device(launch.device.name()),
                                              kTraceWarmupBatches, options.profile_batches)
               : nullptr;
  });
  return outputs;
}

LoadedModel load(const Options& options, const Launch& launch, RunClock& clock) {
  LoadedModel loaded = load_model(launch, load_request(options));
  clock.load_seconds = loaded.report.seconds;
  const std::string report = format_load_reports(launch, loaded.report);
  if (leader()) {
    if (launch.cpu.bound_narrower)
      std::fprintf(stderr,
                   "mmlu_eval: warning: the launcher bound rank 0 to fewer CPUs than its share of "
                   "the node, so it runs %d thread(s); for CPU ranks launch with `mpirun "
                   "--bind-to none` (or --map-by slot:PE=N)\n",
                   loaded.report.cpu_threads);
    std::printf("\n%s\n", report.c_str());
    std::fflush(stdout);
  }
  return loaded;
}

Watchdog make_watchdog(const Options& options, const Launch& launch) {
  // A peer that hangs leaves this rank blocked in a collective: name the suspects.
  const RankLayout& me = launch.mapping.self();
  std::string peers;
  for (const auto& r : launch.mapping.ranks())
    if (r.dp_rank == me.dp_rank && r.rank != me.rank)
      peers += (peers.empty() ? "" : ", ") + rank_name(r);
  return Watchdog(std::chrono::seconds(options.stall_timeout_seconds),
                  rank_name(me) + (peers.empty() ? "" : " (tensor-parallel peers: " + peers + ")"),
                  "Finished questions are saved in " + partial_dir(options.out).string() +
                      "; rerun with --resume.");
}

RunOutcome evaluate(const Options& options, const Launch& launch, const Workload& work,
                    const ResumeState& resumed, LoadedModel& loaded, RunOutputs& outputs,
                    const StopSignals& signals, Watchdog& watchdog, RunClock& clock) {
  const auto started = std::chrono::steady_clock::now();
  // A rank that stops altogether runs no watchdog: its neighbour in a ring of heartbeats ends the
  // job after twice --stall-timeout of its silence (a batch takes less than one by contract).
  const auto stall = std::chrono::seconds(options.stall_timeout_seconds);
  const RankLayout& successor =
      launch.mapping.at((launch.mapping.self().rank + 1) % launch.mapping.world_size());
  RingHeartbeat heartbeat(MPI_COMM_WORLD,
                          std::clamp<std::chrono::milliseconds>(stall / 10, std::chrono::seconds(1),
                                                                std::chrono::seconds(10)),
                          2 * stall, rank_name(successor),
                          "Finished questions are saved in " + partial_dir(options.out).string() +
                              "; rerun with --resume.");
  Progress progress(
      leader() ? Progress::parse_style(options.progress, stderr) : Progress::Style::none,
      static_cast<std::int64_t>(work.questions.size() - resumed.results.size()));
  EvaluationHooks hooks;
  hooks.done = resumed.done;
  hooks.progress = &progress;
  if (outputs.saver)
    hooks.finished = [&](const std::vector<QuestionResult>& block) {
      outputs.saver->append(block);
    };
  hooks.on_batch = [&] {
    watchdog.beat("evaluating (in a batch's collectives)");
    heartbeat.beat();
    if (outputs.trace) outputs.trace->after_batch();
  };
  // Peers of a tensor-parallel group run the same batches: they stop at the same one.
  hooks.should_stop = [&] {
    const bool mine = signals.requested() != 0;
    return launch.plan.tp > 1 ? any_rank(launch.comms.tp.get(), mine) : mine;
  };
  watchdog.beat("evaluating");
  RunOutcome outcome;
  outcome.share = evaluate_share(*loaded.model, work.data, work.questions, work.answer_ids,
                                 evaluation_share(options, launch), hooks);
  // Waiting for slower data-parallel groups is not a stall: this rank keeps its watchdog quiet
  // while it polls. A group that hangs is caught by its own ranks' watchdogs, blocked inside
  // their batch's collectives.
  outcome.stopped = any_rank_polling(MPI_COMM_WORLD, outcome.share.stopped, [&] {
    watchdog.beat("waiting for the other data-parallel groups to finish");
    heartbeat.beat();
  });
  heartbeat.stop();
  clock.eval_seconds = seconds_since(started);
  progress.finish();
  if (outputs.trace) {
    if (outputs.trace->finish())
      std::printf("mmlu_eval: wrote the trace %s\n", options.profile.string().c_str());
    else if (!outputs.trace->failure().empty())
      warn("no trace: " + outputs.trace->failure());
    else
      warn("no trace: rank 0 ran no more than " + std::to_string(kTraceWarmupBatches) +
           " batches, the trace's warm-up");
  }
  // Every partial file closed before rank 0 removes them (NFS keeps open files as .nfs*).
  outputs.saver.reset();
  return outcome;
}

int finish(const Options& options, const Launch& launch, const Workload& work,
           const RunIdentity& identity, const ResumeState& resumed, const RunOutcome& outcome,
           const StopSignals& signals, Watchdog& watchdog, const RunClock& clock) {
  const RankLayout& me = launch.mapping.self();
  const std::filesystem::path partial = partial_dir(options.out);
  if (outcome.stopped) {
    const std::int64_t saved = sum_to_root(
        MPI_COMM_WORLD,
        me.tp_rank == 0 ? static_cast<std::int64_t>(outcome.share.results.size()) : 0, 0);
    if (leader())
      std::fprintf(
          stderr,
          "mmlu_eval: stopped by %s: %lld of %zu questions are saved in %s; rerun with "
          "--resume to finish (exit %d)\n",
          signal_name(signals.requested() ? signals.requested() : SIGTERM),
          static_cast<long long>(saved + static_cast<std::int64_t>(resumed.results.size())),
          work.questions.size(), partial.string().c_str(), kExitPreempted);
    return kExitPreempted;
  }
  watchdog.beat("gathering results on rank 0");
  std::vector<QuestionResult> mine = outcome.share.results;
  if (leader()) mine.insert(mine.end(), resumed.results.begin(), resumed.results.end());
  const std::vector<QuestionResult> all = gather_results(MPI_COMM_WORLD, mine, me.tp_rank == 0);
  const auto computed = static_cast<std::int64_t>(all.size() - resumed.results.size());

  std::vector<std::string> subject_names;
  for (const auto& s : work.data.subjects) subject_names.push_back(s.name);
  agreed(MPI_COMM_WORLD, [&] {
    if (!leader()) return;
    if (all.size() != work.questions.size())
      throw Error("gathered " + std::to_string(all.size()) + " results for " +
                  std::to_string(work.questions.size()) + " questions");
    RunTimes times;
    times.start_time = clock.start_time;
    times.end_time = utc_now();
    times.tokenize_seconds = clock.tokenize_seconds;
    times.identity_seconds = clock.identity_seconds;
    times.load_seconds = clock.load_seconds;
    times.eval_seconds = clock.eval_seconds;
    times.total_seconds = clock.seconds_since_start();
    times.computed_questions = computed;
    times.resumed_questions = static_cast<std::int64_t>(resumed.results.size());
    times.attempt = resumed.attempt;
    write_results_file(options.out, subject_names, all,
                       run_provenance(options, launch, work, identity, times));
    // Only now is everything in the results file.
    remove_partial_results(partial);
  });
  if (leader())
    std::printf("\n%s\nwrote %s: %zu questions, %lld computed in %.1f s (%.1f questions/s)\n",
                format_summary(summarize(subject_names, all)).c_str(), options.out.string().c_str(),
                all.size(), static_cast<long long>(computed), clock.eval_seconds,
                clock.eval_seconds > 0 ? static_cast<double>(computed) / clock.eval_seconds : 0.0);
  return kExitOk;
}

}  // namespace mmlu
