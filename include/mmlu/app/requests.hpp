#pragma once
// How mmlu_eval's options become each stage's request. The stages know nothing of the command
// line; this is the one place that reads the options on their behalf.
#include <cstdint>
#include <string>

#include "mmlu/app/options.hpp"
#include "mmlu/data/workload.hpp"
#include "mmlu/eval/evaluation.hpp"
#include "mmlu/model/model_loader.hpp"
#include "mmlu/parallel/launch.hpp"
#include "mmlu/results/partial_results.hpp"

namespace mmlu {

LaunchRequest launch_request(const Options& options);

// The longest prompt is --max-seq-len, else the model's max_position_embeddings. Throws
// InputError for a length the model's rope scaling cannot serve.
WorkloadRequest workload_request(const Options& options, const ModelConfig& config);

LoadRequest load_request(const Options& options);

// This rank's data-parallel share and how it is batched and saved.
EvaluationShare evaluation_share(const Options& options, const Launch& launch);

// What partial results must share with the run that resumes them: the work (a digest of data,
// tokenizer and prompts), the weights (weights_identity), the dtype; and the layout, which may
// differ (tp, dp, batching, prefix reuse, attention path, device kind).
RunKey run_key(const Options& options, const Launch& launch, std::uint64_t work_digest,
               const std::string& weights);

}  // namespace mmlu
