#pragma once
// What a results file records about its run: where the model, data and code came from, the
// layout it ran in, its identity for --resume, and how long each stage took.
#include <string>

#include "mmlu/app/options.hpp"
#include "mmlu/data/workload.hpp"
#include "mmlu/parallel/launch.hpp"
#include "mmlu/results/partial_results.hpp"
#include "mmlu/results/results.hpp"

namespace mmlu {

// What identifies a run: the checkpoint's fingerprint (model_sha256 in the file) and the key its
// partial results carry.
struct RunIdentity {
  std::string model_sha256;
  RunKey key;
};

struct RunTimes {
  std::string start_time, end_time;  // UTC, ISO 8601
  double tokenize_seconds = 0, identity_seconds = 0, load_seconds = 0, eval_seconds = 0,
         total_seconds = 0;
  std::int64_t computed_questions = 0;  // by this attempt (the rest were resumed)
  std::int64_t resumed_questions = 0;
  int attempt = 0;
};

Provenance run_provenance(const Options& options, const Launch& launch, const Workload& work,
                          const RunIdentity& identity, const RunTimes& times);

// Now, as "2026-12-06T01:29:44Z".
std::string utc_now();

}  // namespace mmlu
