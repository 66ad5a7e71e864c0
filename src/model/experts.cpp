#include "mmlu/model/experts.hpp"

#include "mmlu/model/activation.hpp"
#include "mmlu/util/error.hpp"

namespace mmlu {

torch::Tensor mixture_of_experts(const torch::Tensor& x, const torch::Tensor& router,
                                 const std::vector<torch::Tensor>& gate_up,
                                 const std::vector<torch::Tensor>& down, const ExpertConfig& config,
                                 Activation activation, Collectives& group) {
  const std::int64_t experts = router.size(0), k = config.per_token;
  if (static_cast<std::int64_t>(gate_up.size()) != experts ||
      static_cast<std::int64_t>(down.size()) != experts)
    throw Error("a sparse layer holds " + std::to_string(gate_up.size()) + " experts, its router " +
                std::to_string(experts));
  const torch::Tensor tokens = x.reshape({-1, x.size(-1)});  // [N, hidden]
  // transformers: logits in the run dtype, softmax in fp32, top k, optionally rescaled to sum to
  // one, then (Qwen3-MoE) rounded to the run dtype before they weigh the outputs.
  const torch::Tensor probs = at::linear(tokens, router).softmax(-1, torch::kFloat32);
  auto [top, chosen] = probs.topk(k, -1);  // [N, k]
  if (config.normalize_top_k) top = top / top.sum(-1, /*keepdim=*/true);
  if (!config.scores_in_fp32) top = top.to(x.scalar_type());

  // The N * k (token, expert) pairs in expert order; a stable sort keeps each expert's tokens in
  // token order. The counts come to the host once per layer: the loop needs them as sizes.
  const torch::Tensor flat = chosen.reshape({-1});
  const torch::Tensor order = std::get<1>(flat.sort(/*stable=*/true, 0, false));
  const torch::Tensor counts = at::bincount(flat, {}, experts).to(torch::kCPU);
  const torch::Tensor token = order.div(k, "floor");
  const torch::Tensor rows = tokens.index_select(0, token);  // [N * k, hidden]
  torch::Tensor out = torch::empty_like(rows);
  std::int64_t start = 0;
  const auto* count = counts.data_ptr<std::int64_t>();
  for (std::int64_t e = 0; e < experts; ++e) {
    if (count[e] == 0) continue;
    const torch::Tensor in = rows.narrow(0, start, count[e]);
    const std::int64_t width = gate_up[e].size(0) / 2;
    torch::Tensor h = at::linear(in, gate_up[e]);
    torch::Tensor hidden = h.narrow(-1, 0, width);
    activate_(hidden, activation).mul_(h.narrow(-1, width, width));
    torch::Tensor slot = out.narrow(0, start, count[e]);
    at::mm_out(slot, hidden, down[e].t());
    start += count[e];
  }
  const torch::Tensor weight = top.reshape({-1}).index_select(0, order).unsqueeze(-1);
  const torch::Tensor weighed = config.scores_in_fp32 && out.scalar_type() != torch::kFloat32
                                    ? (out.to(torch::kFloat32) * weight).to(x.scalar_type())
                                    : out.mul_(weight);
  torch::Tensor y = torch::zeros_like(tokens);
  y.index_add_(0, token, weighed);
  if (group.size() > 1) group.all_reduce_sum(y);
  return y.view(x.sizes());
}

}  // namespace mmlu
