#include "mmlu/model/parallel_layers.hpp"

#include <limits>

namespace mmlu {

torch::Tensor column_parallel_linear(const torch::Tensor& x, const torch::Tensor& weight,
                                     const torch::Tensor& bias) {
  return at::linear(x, weight, bias);
}

torch::Tensor row_parallel_linear(const torch::Tensor& x_local, const torch::Tensor& weight,
                                  Collectives& group, const torch::Tensor& bias) {
  // One rank: one fused linear, as transformers computes it.
  if (group.size() == 1) return at::linear(x_local, weight, bias);
  torch::Tensor y = at::linear(x_local, weight).contiguous();
  group.all_reduce_sum(y);
  return bias.defined() ? y + bias : y;
}

torch::Tensor vocab_parallel_embedding(const torch::Tensor& ids, const torch::Tensor& table,
                                       std::int64_t first_row, Collectives& group) {
  if (group.size() == 1) return torch::embedding(table, ids);
  torch::Tensor local = ids - first_row;
  torch::Tensor owned = (local >= 0).logical_and(local < table.size(0));
  torch::Tensor rows = torch::embedding(table, local.clamp(0, table.size(0) - 1));
  torch::Tensor out = (rows * owned.unsqueeze(-1).to(rows.scalar_type())).contiguous();
  group.all_reduce_sum(out);
  return out;
}

torch::Tensor vocab_parallel_log_softmax(const torch::Tensor& logits_local, std::int64_t first_row,
                                         std::int64_t vocab_size, Collectives& group) {
  torch::Tensor logits = logits_local.to(torch::kFloat32);
  const std::int64_t valid =
      std::max<std::int64_t>(0, std::min<std::int64_t>(logits.size(-1), vocab_size - first_row));
  if (valid < logits.size(-1))
    logits.narrow(-1, valid, logits.size(-1) - valid)
        .fill_(-std::numeric_limits<float>::infinity());
  torch::Tensor max = std::get<0>(logits.max(-1, /*keepdim=*/true)).contiguous();
  group.all_reduce_max(max);
  torch::Tensor sum = (logits - max).exp().sum(-1, /*keepdim=*/true).contiguous();
  group.all_reduce_sum(sum);
  return logits - (max + sum.log());
}

}  // namespace mmlu
