// mmlu_eval: evaluates a language model on MMLU across MPI ranks (one rank per device).
// topology -> plan -> data and tokenizer -> load -> schedule -> forward -> score -> results.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <thread>

#include "mmlu/app/job.hpp"
#include "mmlu/app/options.hpp"
#include "mmlu/checkpoint/identity.hpp"
#include "mmlu/data/synthetic.hpp"
#include "mmlu/eval/evaluation.hpp"
#include "mmlu/eval/trace.hpp"
#include "mmlu/model/model_loader.hpp"
#include "mmlu/parallel/launch.hpp"
#include "mmlu/parallel/mpi.hpp"
#include "mmlu/parallel/watchdog.hpp"
#include "mmlu/results/partial_results.hpp"
#include "mmlu/results/report.hpp"
#include "mmlu/results/results.hpp"
#include "mmlu/util/json_file.hpp"
#include "mmlu/util/stop_signals.hpp"
#include "mmlu/util/version.hpp"

namespace {

// Batches before a trace window: the first pay for cuBLAS heuristics and allocator growth.
constexpr int kTraceWarmupBatches = 2;

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// What the run evaluates, read and tokenised on every rank before the model loads, so bad data
// or an unwritable output costs seconds, not a model load.
struct Workload {
  mmlu::Dataset data;
  std::unique_ptr<mmlu::Tokenizer> tokenizer;
  std::array<std::int64_t, 4> answer_ids{};
  std::vector<mmlu::TokenizedQuestion> questions;
  std::int64_t max_seq_len = 0;
};

void check_vocabulary(const Workload& w, const mmlu::Options& options, std::int64_t vocab_size);

Workload prepare_workload(const mmlu::Options& options, const mmlu::Launch& launch, bool leader) {
  // A resumed run may find its results already written (requeued after it finished): that is
  // checked once the run's identity is known (already_complete).
  std::error_code ec;
  const bool written =
      options.resume && !options.overwrite && std::filesystem::exists(options.out, ec);
  // --dump-prompts writes no results file, so an existing one is no obstacle.
  if (leader && !written && options.dump_prompts.empty())
    mmlu::check_output_path(options.out, options.overwrite);
  Workload w;
  w.max_seq_len =
      options.max_seq_len > 0 ? options.max_seq_len : launch.config.max_position_embeddings;
  if (launch.config.rope_scaling.type == "dynamic" &&
      w.max_seq_len > launch.config.max_position_embeddings)
    throw mmlu::InputError("--max-seq-len " + std::to_string(w.max_seq_len) +
                           " is beyond max_position_embeddings " +
                           std::to_string(launch.config.max_position_embeddings) +
                           ": with dynamic rope scaling the rotation would depend on how prompts "
                           "are batched");
  if (options.synthetic_data) {
    mmlu::SyntheticWorkload synthetic = mmlu::make_synthetic_workload(
        launch.config.vocab_size, w.max_seq_len, options.shots, options.limit);
    w.data = std::move(synthetic.data);
    w.questions = std::move(synthetic.questions);
    w.answer_ids = synthetic.answer_ids;
    return w;
  }
  if (options.data.empty())
    throw mmlu::InputError("--data is required (an MMLU directory or JSONL file)");
  w.data = mmlu::load_dataset(options.data,
                              {options.split, options.subjects, options.limit, options.shots});
  w.tokenizer = mmlu::load_tokenizer(options.model);
  const mmlu::PromptBuilder prompts(*w.tokenizer, w.max_seq_len, options.shots);
  w.answer_ids = prompts.answer_ids();
  w.questions = mmlu::tokenize_questions(w.data, prompts);
  check_vocabulary(w, options, launch.config.vocab_size);
  return w;
}

// Ids the model has no row for: the tokenizer belongs to another model.
void check_vocabulary(const Workload& w, const mmlu::Options& options, std::int64_t vocab_size) {
  auto bad = [&](std::int64_t id) { return id < 0 || id >= vocab_size; };
  for (std::int64_t id : w.answer_ids)
    if (bad(id))
      throw mmlu::InputError((options.model / "tokenizer.json").string() + ": answer letter id " +
                             std::to_string(id) + " is beyond config.json's vocab_size " +
                             std::to_string(vocab_size) + " (a tokenizer of another model?)");
  for (const auto& q : w.questions)
    for (std::int64_t id : q.prompt.ids)
      if (bad(id))
        throw mmlu::InputError((options.model / "tokenizer.json").string() + ": token id " +
                               std::to_string(id) + " is beyond config.json's vocab_size " +
                               std::to_string(vocab_size) + " (a tokenizer of another model?)");
}

// Every rank read the data and tokenised it on its own; they must hold the same work, or data
// groups would split different lists and tensor-parallel peers run different batches.
std::uint64_t workload_digest(const Workload& w) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a over the data hash and every id
  auto mix = [&](std::uint64_t v) {
    for (int i = 0; i < 8; ++i) h = (h ^ ((v >> (8 * i)) & 0xFF)) * 1099511628211ull;
  };
  for (char c : w.data.sha256) mix(static_cast<unsigned char>(c));
  for (std::int64_t id : w.answer_ids) mix(static_cast<std::uint64_t>(id));
  for (const auto& q : w.questions) {
    mix(q.prompt.ids.size());
    for (std::int64_t id : q.prompt.ids) mix(static_cast<std::uint64_t>(id));
  }
  return h;
}

// One JSON object per question: what the model is given and how it is scored.
void dump_prompts(const std::filesystem::path& path, const Workload& w) {
  std::ofstream out(path);
  if (!out) throw mmlu::InputError(path.string() + ": cannot be written");
  for (const auto& q : w.questions) {
    const auto& subject = w.data.subjects[static_cast<std::size_t>(q.subject)];
    const auto& source = subject.eval[static_cast<std::size_t>(q.question)];
    mmlu::Json line = {
        {"subject", subject.name}, {"index", source.index},           {"gold", source.answer},
        {"shots", q.prompt.shots}, {"truncated", q.prompt.truncated}, {"answer_ids", w.answer_ids},
        {"ids", q.prompt.ids}};
    out << line.dump() << "\n";
  }
  out.close();
  if (!out) throw mmlu::Error(path.string() + ": write failed");
}

// The checkpoint fingerprint hashes headers, not tensor bytes: two steps of one training run
// share it. Partial results must not cross checkpoints, so their key adds where the weights are
// and each file's size and modification time.
std::string weights_identity(const mmlu::Options& options, const std::string& model_sha256) {
  if (options.synthetic_weights) return model_sha256;
  namespace fs = std::filesystem;
  std::error_code ec;
  std::string id = model_sha256 + " at " + fs::weakly_canonical(options.model, ec).string();
  std::vector<fs::path> files;
  for (fs::directory_iterator it(options.model, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".safetensors") files.push_back(it->path());
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    const auto size = fs::file_size(f, ec);
    const auto time = fs::last_write_time(f, ec).time_since_epoch().count();
    id += " " + f.filename().string() + ":" + std::to_string(size) + ":" + std::to_string(time);
  }
  return id;
}

// What partial results must share with the run that resumes them.
mmlu::RunKey run_key(const mmlu::Options& options, const mmlu::Launch& launch,
                     std::uint64_t work_digest, const std::string& model_sha256) {
  char work[32];
  std::snprintf(work, sizeof work, "%016llx", static_cast<unsigned long long>(work_digest));
  mmlu::RunKey key;
  key.work = work;
  key.model = weights_identity(options, model_sha256);
  key.dtype = mmlu::dtype_name(launch.dtype);
  key.layout = "tp=" + std::to_string(launch.plan.tp) + " dp=" + std::to_string(launch.plan.dp) +
               " max_batch_tokens=" + std::to_string(options.max_batch_tokens) +
               " prefix_reuse=" + (options.prefix_reuse ? "yes" : "no") +
               " prefix_attention=" + (options.split_prefix_attention ? "split" : "concat") +
               " device=" + (launch.device.cuda ? "cuda" : "cpu");
  return key;
}

// Finished work of earlier attempts, on world rank 0 (the rest learn which questions are done).
struct Resumed {
  std::vector<mmlu::QuestionResult> results;  // rank 0 only
  std::vector<char> done;                     // per question, every rank
  int attempt = 0;                            // this attempt's number
};

// Rank 0 reads OUT.partial/ (or refuses to bury it), then tells every rank what is done.
Resumed resume_state(const mmlu::Options& options, const Workload& w, const mmlu::RunKey& key,
                     bool leader) {
  const std::filesystem::path dir = mmlu::partial_dir(options.out);
  Resumed r;
  std::vector<std::int64_t> done_items;
  mmlu::agreed(MPI_COMM_WORLD, [&] {
    if (!leader) return;
    if (!options.resume) {
      if (mmlu::has_partial_results(dir) && !options.overwrite)
        throw mmlu::InputError(dir.string() +
                               ": holds partial results of an interrupted run; pass --resume to "
                               "continue it, or --overwrite to discard them");
      mmlu::remove_partial_results(dir);
      return;
    }
    mmlu::PartialResults partial = mmlu::read_partial_results(dir, key);
    for (const std::string& warning : partial.warnings)
      std::fprintf(stderr, "mmlu_eval: warning: %s\n", warning.c_str());
    std::map<std::pair<std::int32_t, std::int64_t>, std::int64_t> position;
    for (std::size_t i = 0; i < w.questions.size(); ++i) {
      const auto& q = w.questions[i];
      const auto& source = w.data.subjects[static_cast<std::size_t>(q.subject)]
                               .eval[static_cast<std::size_t>(q.question)];
      position[{q.subject, source.index}] = static_cast<std::int64_t>(i);
    }
    for (const mmlu::QuestionResult& result : partial.questions) {
      const auto found = position.find({result.subject, result.index});
      const std::int64_t item = found == position.end() ? -1 : found->second;
      if (item < 0 || w.data.subjects[static_cast<std::size_t>(result.subject)]
                              .eval[static_cast<std::size_t>(
                                  w.questions[static_cast<std::size_t>(item)].question)]
                              .answer != result.gold)
        throw mmlu::InputError(dir.string() + ": a saved result does not match the data (subject " +
                               std::to_string(result.subject) + ", row " +
                               std::to_string(result.index) + ")");
      done_items.push_back(item);
    }
    r.results = std::move(partial.questions);
    r.attempt = partial.next_attempt;
    std::printf("\nresume    %s: %zu of %zu questions finished by earlier attempts (%d files)\n",
                dir.string().c_str(), r.results.size(), w.questions.size(), partial.files);
    std::fflush(stdout);
  });
  long long sizes[2] = {static_cast<long long>(done_items.size()), r.attempt};
  mmlu::check_mpi(MPI_Bcast(sizes, 2, MPI_LONG_LONG, 0, MPI_COMM_WORLD), "MPI_Bcast");
  done_items.resize(static_cast<std::size_t>(sizes[0]));
  r.attempt = static_cast<int>(sizes[1]);
  if (sizes[0] > 0)
    mmlu::check_mpi(
        MPI_Bcast(done_items.data(), static_cast<int>(sizes[0]), MPI_INT64_T, 0, MPI_COMM_WORLD),
        "MPI_Bcast");
  r.done.assign(w.questions.size(), 0);
  for (std::int64_t item : done_items) r.done[static_cast<std::size_t>(item)] = 1;
  return r;
}

// With --resume, a results file already at OUT: this run's, finished before a requeue (true:
// nothing to do), or another run's (refused; so is a file of a version that did not record the
// run's identity). Rank 0 only.
bool already_complete(const mmlu::Options& options, const mmlu::RunKey& key) {
  std::error_code ec;
  if (!options.resume || options.overwrite || !std::filesystem::exists(options.out, ec))
    return false;
  if (std::filesystem::is_directory(options.out, ec))
    throw mmlu::InputError(options.out.string() + ": is a directory, not a results file");
  const mmlu::ResultsFile done = mmlu::read_results_file(options.out);
  auto text = [&](const char* name) {
    const auto it = done.provenance.text.find(name);
    return it == done.provenance.text.end() ? std::string() : it->second;
  };
  // The same identity as partial results: the workload digest covers data, subject selection,
  // split, shots and prompts; the weights identity tells two steps of one training run apart.
  if (text("run_work") != key.work || text("run_weights") != key.model ||
      text("dtype") != key.dtype)
    throw mmlu::InputError(options.out.string() +
                           ": exists and holds another run's results (pass --overwrite to "
                           "replace it)");
  return true;
}

std::string rank_name(const mmlu::RankLayout& r) {
  return "rank " + std::to_string(r.rank) + " on " + r.host;
}

mmlu::Provenance provenance(const mmlu::Options& options, const mmlu::Launch& launch,
                            const Workload& w) {
  mmlu::Provenance p;
  p.text["model_path"] = std::filesystem::absolute(options.model).string();
  p.text["model_architecture"] = launch.config.architecture;
  p.text["tokenizer"] = w.tokenizer ? w.tokenizer->kind() : "none (synthetic data)";
  p.text["prefix_reuse"] = options.prefix_reuse ? "yes" : "no";
  p.text["dtype"] = mmlu::dtype_name(launch.dtype);
  p.text["data_path"] =
      options.synthetic_data ? "synthetic" : std::filesystem::absolute(options.data).string();
  p.text["data_sha256"] = w.data.sha256;
  p.text["data_format"] = w.data.format;
  p.text["split"] = w.data.split;
  p.text["program_version"] = mmlu::program_version();
  std::string hosts;
  for (const auto& r : launch.mapping.ranks())
    if (hosts.find(r.host) == std::string::npos) hosts += (hosts.empty() ? "" : ",") + r.host;
  p.text["hosts"] = hosts;
  std::string devices;
  for (const auto& d : launch.device_by_rank) devices += (devices.empty() ? "" : "; ") + d;
  p.text["devices"] = devices;
  p.numbers["tp"] = launch.plan.tp;
  p.numbers["dp"] = launch.plan.dp;
  p.numbers["world_size"] = launch.mapping.world_size();
  p.numbers["shots"] = options.shots;
  p.numbers["max_seq_len"] = static_cast<double>(w.max_seq_len);
  p.numbers["max_batch_tokens"] = static_cast<double>(options.max_batch_tokens);
  p.numbers["limit"] = static_cast<double>(options.limit);
  return p;
}

int evaluate(int argc, char** argv) {
  const auto started = std::chrono::steady_clock::now();
  const std::string start_time = utc_now();
  // From the start, so a stop request during loading ends the run cleanly at the first batch.
  const mmlu::StopSignals signals;
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

  const mmlu::Launch launch =
      mmlu::prepare_launch({options.model, options.tp, options.devices, options.device_memory,
                            options.dtype, options.max_batch_tokens});
  if (leader) {
    for (const std::string& warning : launch.plan.warnings)
      std::fprintf(stderr, "mmlu_eval: warning: %s\n", warning.c_str());
    std::printf("%s", mmlu::format_plan(launch).c_str());
    std::fflush(stdout);
  }
  if (options.plan) return mmlu::kExitOk;

  const auto tokenize_start = std::chrono::steady_clock::now();
  Workload work =
      mmlu::agreed(MPI_COMM_WORLD, [&] { return prepare_workload(options, launch, leader); });
  const double tokenize_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - tokenize_start).count();
  const std::uint64_t digest = workload_digest(work);
  std::uint64_t lowest = 0, highest = 0;
  MPI_Allreduce(&digest, &lowest, 1, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD);
  MPI_Allreduce(&digest, &highest, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
  if (lowest != highest)
    throw mmlu::AgreedError(
        "ranks read different data or tokenizer files (differing copies on different nodes, or "
        "files changed during the start): " +
            options.data.string(),
        mmlu::kExitBadInput);
  // The checkpoint fingerprint goes into the results; taken now, so a problem costs no compute.
  // Synthetic weights depend on config.json alone (their seeds are fixed), so it identifies them.
  const std::string fingerprint = mmlu::checkpoint_fingerprint(options.model);
  const std::string model_sha256 =
      options.synthetic_weights ? "synthetic (random weights) " + fingerprint : fingerprint;
  if (leader) {
    for (const std::string& warning : work.data.warnings)
      std::fprintf(stderr, "mmlu_eval: warning: %s\n", warning.c_str());
    std::int64_t tokens = 0, truncated = 0;
    for (const auto& q : work.questions) {
      tokens += static_cast<std::int64_t>(q.prompt.ids.size());
      truncated += q.prompt.truncated;
    }
    // What prefix reuse leaves to compute: each shared prefix once, then the suffixes.
    std::int64_t computed = 0;
    for (const auto& g : mmlu::prefix_groups(work.questions, options.prefix_reuse)) {
      computed += g.prefix_length;
      for (std::int64_t item : g.items)
        computed += static_cast<std::int64_t>(
                        work.questions[static_cast<std::size_t>(item)].prompt.ids.size()) -
                    g.prefix_length;
    }
    const std::string source = options.synthetic_data ? "synthetic" : options.data.string();
    std::printf(
        "\ndata      %s: %zu subject%s, %lld %s questions, %d-shot, %lld prompt tokens, %lld to "
        "compute with prefix reuse %s (tokenizer: %s)\n",
        source.c_str(), work.data.subjects.size(), work.data.subjects.size() == 1 ? "" : "s",
        static_cast<long long>(work.questions.size()), work.data.split.c_str(), options.shots,
        static_cast<long long>(tokens), static_cast<long long>(computed),
        options.prefix_reuse ? "on" : "off",
        work.tokenizer ? work.tokenizer->kind().c_str() : "none");
    if (truncated)
      std::fprintf(stderr,
                   "mmlu_eval: warning: %lld prompts are longer than --max-seq-len %lld even with "
                   "no shots; they were left-truncated (flagged in the results)\n",
                   static_cast<long long>(truncated), static_cast<long long>(work.max_seq_len));
    std::fflush(stdout);
  }

  if (!options.dump_prompts.empty()) {
    mmlu::agreed(MPI_COMM_WORLD, [&] {
      if (leader) dump_prompts(options.dump_prompts, work);
    });
    return mmlu::kExitOk;
  }

  const mmlu::RunKey key = run_key(options, launch, digest, model_sha256);
  const bool complete =
      mmlu::agreed(MPI_COMM_WORLD, [&] { return leader && already_complete(options, key); });
  int complete_everywhere = complete ? 1 : 0;
  mmlu::check_mpi(MPI_Bcast(&complete_everywhere, 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Bcast");
  if (complete_everywhere) {
    if (leader) {
      mmlu::remove_partial_results(mmlu::partial_dir(options.out));
      std::printf("\n%s: already complete (this run's results); nothing to do\n",
                  options.out.string().c_str());
    }
    return mmlu::kExitOk;
  }
  const Resumed resumed = resume_state(options, work, key, leader);
  const mmlu::RankLayout& me = launch.mapping.self();
  // Each data-parallel group's leader saves its group's finished questions; created before the
  // model loads, so an unwritable folder costs no load.
  const std::filesystem::path partial = mmlu::partial_dir(options.out);
  std::unique_ptr<mmlu::PartialWriter> saver = mmlu::agreed(MPI_COMM_WORLD, [&] {
    return me.tp_rank == 0
               ? std::make_unique<mmlu::PartialWriter>(partial, resumed.attempt, me.dp_rank, key)
               : nullptr;
  });

  // Rank 0 only: one rank's trace shows a tensor-parallel group's kernels and waits. Made
  // before the load, so an unwritable trace path costs no load.
  std::unique_ptr<mmlu::BatchTrace> trace = mmlu::agreed(MPI_COMM_WORLD, [&] {
    return leader && !options.profile.empty()
               ? std::make_unique<mmlu::BatchTrace>(options.profile,
                                                    torch::Device(launch.device.name()),
                                                    kTraceWarmupBatches, options.profile_batches)
               : nullptr;
  });

  const mmlu::LoadedModel loaded = mmlu::load_model(
      launch, {options.model, options.synthetic_weights, options.split_prefix_attention});
  const std::string report = mmlu::format_load_reports(launch, loaded.report);
  if (leader && loaded.report.cpu_bound_narrower)
    std::fprintf(stderr,
                 "mmlu_eval: warning: the launcher bound rank 0 to fewer CPUs than its share of "
                 "the node, so it runs %d thread(s); for CPU ranks launch with `mpirun "
                 "--bind-to none` (or --map-by slot:PE=N)\n",
                 loaded.report.cpu_threads);
  if (leader) {
    std::printf("\n%s\n", report.c_str());
    std::fflush(stdout);
  }

  // A peer that hangs leaves this rank blocked in a collective: name the suspects.
  std::string peers;
  for (const auto& r : launch.mapping.ranks())
    if (r.dp_rank == me.dp_rank && r.rank != me.rank)
      peers += (peers.empty() ? "" : ", ") + rank_name(r);
  mmlu::Watchdog watchdog(
      std::chrono::seconds(options.stall_timeout_seconds),
      rank_name(me) + (peers.empty() ? "" : " (tensor-parallel peers: " + peers + ")"),
      "Finished questions are saved in " + partial.string() + "; rerun with --resume.");

  const auto eval_start = std::chrono::steady_clock::now();
  mmlu::Progress progress(
      leader ? mmlu::Progress::parse_style(options.progress, stderr) : mmlu::Progress::Style::none,
      static_cast<std::int64_t>(work.questions.size() - resumed.results.size()));
  mmlu::EvaluationHooks hooks;
  hooks.done = resumed.done;
  hooks.progress = &progress;
  if (saver)
    hooks.finished = [&](const std::vector<mmlu::QuestionResult>& block) { saver->append(block); };
  hooks.on_batch = [&] {
    watchdog.beat("evaluating (in a batch's collectives)");
    if (trace) trace->after_batch();
  };
  hooks.should_stop = [&] {
    // Peers of a tensor-parallel group run the same batches: they stop at the same one.
    int mine = signals.requested() != 0 ? 1 : 0, any = mine;
    if (launch.plan.tp > 1)
      mmlu::check_mpi(MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, launch.comms.tp.get()),
                      "MPI_Allreduce");
    return any != 0;
  };
  watchdog.beat("evaluating");
  const mmlu::ShareOutcome outcome = mmlu::evaluate_share(
      *loaded.model, work.data, work.questions, work.answer_ids,
      {me.dp_rank, launch.plan.dp, options.max_batch_tokens, options.prefix_reuse,
       options.flush_every_batches, options.flush_every_seconds},
      hooks);
  // Waiting for slower data-parallel groups is not a stall: this rank keeps its watchdog quiet
  // while it polls. A group that hangs is caught by its own ranks' watchdogs, blocked inside
  // their batch's collectives.
  int stopped = outcome.stopped ? 1 : 0, any_stopped = 0;
  MPI_Request request = MPI_REQUEST_NULL;
  mmlu::check_mpi(
      MPI_Iallreduce(&stopped, &any_stopped, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD, &request),
      "MPI_Iallreduce");
  for (int finished = 0; !finished;) {
    watchdog.beat("waiting for the other data-parallel groups to finish");
    mmlu::check_mpi(MPI_Test(&request, &finished, MPI_STATUS_IGNORE), "MPI_Test");
    if (!finished) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (trace) {
    if (trace->finish())
      std::printf("mmlu_eval: wrote the trace %s\n", options.profile.string().c_str());
    else if (!trace->failure().empty())
      std::fprintf(stderr, "mmlu_eval: warning: no trace: %s\n", trace->failure().c_str());
    else
      std::fprintf(stderr,
                   "mmlu_eval: warning: no trace: rank 0 ran no more than %d batches, the "
                   "trace's warm-up\n",
                   kTraceWarmupBatches);
  }
  // Every partial file closed before rank 0 removes them (NFS keeps open files as .nfs*).
  saver.reset();
  if (any_stopped) {
    long long saved = me.tp_rank == 0 ? static_cast<long long>(outcome.results.size()) : 0, all = 0;
    mmlu::check_mpi(MPI_Reduce(&saved, &all, 1, MPI_LONG_LONG, MPI_SUM, 0, MPI_COMM_WORLD),
                    "MPI_Reduce");
    progress.finish();
    if (leader)
      std::fprintf(stderr,
                   "mmlu_eval: stopped by %s: %lld of %zu questions are saved in %s; rerun with "
                   "--resume to finish (exit %d)\n",
                   mmlu::signal_name(signals.requested() ? signals.requested() : SIGTERM),
                   all + static_cast<long long>(resumed.results.size()), work.questions.size(),
                   partial.string().c_str(), mmlu::kExitPreempted);
    return mmlu::kExitPreempted;
  }
  watchdog.beat("gathering results on rank 0");
  std::vector<mmlu::QuestionResult> mine = outcome.results;
  if (leader) mine.insert(mine.end(), resumed.results.begin(), resumed.results.end());
  const std::vector<mmlu::QuestionResult> all =
      mmlu::gather_results(MPI_COMM_WORLD, mine, me.tp_rank == 0);
  const double eval_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - eval_start).count();
  progress.finish();
  const std::size_t computed = all.size() - resumed.results.size();

  std::vector<std::string> subject_names;
  for (const auto& s : work.data.subjects) subject_names.push_back(s.name);
  mmlu::agreed(MPI_COMM_WORLD, [&] {
    if (!leader) return;
    if (all.size() != work.questions.size())
      throw mmlu::Error("gathered " + std::to_string(all.size()) + " results for " +
                        std::to_string(work.questions.size()) + " questions");
    mmlu::Provenance p = provenance(options, launch, work);
    p.text["model_sha256"] = model_sha256;
    p.text["run_work"] = key.work;
    p.text["run_weights"] = key.model;
    p.text["start_time"] = start_time;
    p.text["end_time"] = utc_now();
    p.numbers["eval_seconds"] = eval_seconds;
    p.numbers["load_seconds"] = loaded.report.seconds;
    p.numbers["tokenize_seconds"] = tokenize_seconds;
    p.numbers["total_seconds"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    p.numbers["questions_per_second"] =
        eval_seconds > 0 ? static_cast<double>(computed) / eval_seconds : 0.0;
    p.numbers["resumed_questions"] = static_cast<double>(resumed.results.size());
    p.numbers["attempt"] = resumed.attempt;
    mmlu::write_results_file(options.out, subject_names, all, p);
    // Only now is everything in the results file.
    mmlu::remove_partial_results(partial);
  });
  if (leader) {
    std::printf("\n%s\nwrote %s: %zu questions, %zu computed in %.1f s (%.1f questions/s)\n",
                mmlu::format_summary(mmlu::summarize(subject_names, all)).c_str(),
                options.out.string().c_str(), all.size(), computed, eval_seconds,
                eval_seconds > 0 ? static_cast<double>(computed) / eval_seconds : 0.0);
  }
  return mmlu::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  return mmlu::run_mpi_job("mmlu_eval", argc, argv, evaluate);
}
