#include "mmlu/app/provenance.hpp"

#include <ctime>

#include "mmlu/parallel/openmp_waiting.hpp"
#include "mmlu/util/version.hpp"

namespace mmlu {

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

Provenance run_provenance(const Options& options, const Launch& launch, const Workload& work,
                          const RunIdentity& identity, const RunTimes& times) {
  Provenance p;
  p.text["model_path"] = std::filesystem::absolute(options.model).string();
  p.text["model_architecture"] = launch.config.architecture;
  p.text["model_sha256"] = identity.model_sha256;
  p.text["tokenizer"] = work.tokenizer ? work.tokenizer->kind() : "none (synthetic data)";
  p.text["prefix_reuse"] = options.prefix_reuse ? "yes" : "no";
  p.text["dtype"] = dtype_name(launch.dtype);
  p.text["data_path"] =
      options.synthetic_data ? "synthetic" : std::filesystem::absolute(options.data).string();
  p.text["data_sha256"] = work.data.sha256;
  p.text["data_format"] = work.data.format;
  p.text["split"] = work.data.split;
  p.text["program_version"] = program_version();
  p.text["run_work"] = identity.key.work;
  p.text["run_weights"] = identity.key.model;
  p.text["start_time"] = times.start_time;
  p.text["end_time"] = times.end_time;
  std::string hosts;
  for (const auto& r : launch.mapping.ranks())
    if (hosts.find(r.host) == std::string::npos) hosts += (hosts.empty() ? "" : ",") + r.host;
  p.text["hosts"] = hosts;
  std::string devices;
  for (const auto& d : launch.device_by_rank) devices += (devices.empty() ? "" : "; ") + d;
  p.text["devices"] = devices;
  p.text["omp_wait_policy"] = openmp_wait_policy();
  p.numbers["cpu_threads"] = launch.cpu.threads;  // rank 0's; 0 on a GPU
  p.numbers["tp"] = launch.plan.tp;
  p.numbers["dp"] = launch.plan.dp;
  p.numbers["world_size"] = launch.mapping.world_size();
  p.numbers["shots"] = options.shots;
  p.numbers["max_seq_len"] = static_cast<double>(work.max_seq_len);
  p.numbers["max_batch_tokens"] = static_cast<double>(options.max_batch_tokens);
  p.numbers["limit"] = static_cast<double>(options.limit);
  p.numbers["eval_seconds"] = times.eval_seconds;
  p.numbers["load_seconds"] = times.load_seconds;
  p.numbers["tokenize_seconds"] = times.tokenize_seconds;
  // The run key's cost: the checkpoint's fingerprint and its sampled tensor bytes.
  p.numbers["identity_seconds"] = times.identity_seconds;
  p.numbers["total_seconds"] = times.total_seconds;
  p.numbers["questions_per_second"] =
      times.eval_seconds > 0 ? static_cast<double>(times.computed_questions) / times.eval_seconds
                             : 0.0;
  p.numbers["resumed_questions"] = static_cast<double>(times.resumed_questions);
  p.numbers["attempt"] = times.attempt;
  return p;
}

}  // namespace mmlu
