#include "mmlu/app/requests.hpp"

#include <algorithm>
#include <cstdio>

namespace mmlu {

LaunchRequest launch_request(const Options& o) {
  return {o.model, o.tp, o.devices, o.device_memory, o.dtype, o.max_batch_tokens};
}

WorkloadRequest workload_request(const Options& o, const ModelConfig& config) {
  WorkloadRequest r;
  r.data = o.data;
  r.tokenizer = o.model;
  r.selection = {o.split, o.subjects, o.limit, o.shots};
  r.synthetic = o.synthetic_data;
  // Longrope's rotation changes for a whole batch once any prompt passes the pretraining
  // context: prompts stay within it (longer ones drop shots, as beyond any --max-seq-len).
  const bool longrope = config.rope_scaling.type == "longrope";
  const std::int64_t context = config.rope_scaling.original_max_position_embeddings;
  std::int64_t model_limit = config.max_position_embeddings;
  if (longrope) model_limit = std::min(model_limit, context);
  r.max_seq_len = o.max_seq_len > 0 ? o.max_seq_len : model_limit;
  r.vocab_size = config.vocab_size;
  if (longrope && r.max_seq_len > context)
    throw InputError("--max-seq-len " + std::to_string(r.max_seq_len) +
                     " is beyond original_max_position_embeddings " + std::to_string(context) +
                     " of " + config.origin +
                     ": longrope's long factors would make a prompt's rotation depend on how "
                     "prompts are batched, and are not implemented");
  if (config.rope_scaling.type == "dynamic" && r.max_seq_len > config.max_position_embeddings)
    throw InputError("--max-seq-len " + std::to_string(r.max_seq_len) +
                     " is beyond max_position_embeddings " +
                     std::to_string(config.max_position_embeddings) +
                     ": with dynamic rope scaling the rotation would depend on how prompts "
                     "are batched");
  return r;
}

LoadRequest load_request(const Options& o) {
  return {o.model, o.synthetic_weights, o.split_prefix_attention};
}

EvaluationShare evaluation_share(const Options& o, const Launch& launch) {
  return {launch.mapping.self().dp_rank, launch.plan.dp,       o.max_batch_tokens, o.prefix_reuse,
          o.flush_every_batches,         o.flush_every_seconds};
}

RunKey run_key(const Options& o, const Launch& launch, std::uint64_t work_digest,
               const std::string& weights) {
  char work[32];
  std::snprintf(work, sizeof work, "%016llx", static_cast<unsigned long long>(work_digest));
  RunKey key;
  key.work = work;
  key.model = weights;
  key.dtype = dtype_name(launch.dtype);
  key.layout = "tp=" + std::to_string(launch.plan.tp) + " dp=" + std::to_string(launch.plan.dp) +
               " max_batch_tokens=" + std::to_string(o.max_batch_tokens) +
               " prefix_reuse=" + (o.prefix_reuse ? "yes" : "no") +
               " prefix_attention=" + (o.split_prefix_attention ? "split" : "concat") +
               " device=" + (launch.device.cuda ? "cuda" : "cpu");
  return key;
}

}  // namespace mmlu
