#include "mmlu/model/llama_model.hpp"

#include <cmath>
#include <limits>
#include <tuple>

#include "mmlu/model/activation.hpp"
#include "mmlu/model/experts.hpp"
#include "mmlu/model/parallel_layers.hpp"
#include "mmlu/model/rope.hpp"
#include "mmlu/util/error.hpp"

namespace mmlu {

LlamaModel::LlamaModel(ModelConfig config, LlamaWeights weights, ShardLayout layout,
                       Collectives& group)
    : config_(std::move(config)), weights_(std::move(weights)), layout_(layout), group_(group) {
  rope_configs_[0] = rope_configs_[1] = config_;
  if (config_.local_rope) {
    rope_configs_[1].rope_theta = config_.local_rope->theta;
    rope_configs_[1].rope_scaling = config_.local_rope->scaling;
  }
}

torch::Tensor to_device_async(const std::vector<std::int64_t>& values, torch::Device device) {
  torch::Tensor host =
      torch::empty({static_cast<std::int64_t>(values.size())},
                   torch::TensorOptions().dtype(torch::kInt64).pinned_memory(device.is_cuda()));
  std::copy(values.begin(), values.end(), host.data_ptr<std::int64_t>());
  return host.to(device, /*non_blocking=*/true);
}

const torch::Tensor& LlamaModel::inv_freq_for(std::int64_t seq_len, bool local) {
  // Dynamic scaling changes the frequencies beyond the trained context, and longrope's would
  // (rope_inv_freq refuses: workload_request keeps prompts within it); everything else is one
  // tensor, kept on the device so no forward pass copies it from the host.
  const ModelConfig& rope = rope_configs_[local];
  const RopeScaling& s = rope.rope_scaling;
  const bool beyond = (s.type == "dynamic" && seq_len > rope.max_position_embeddings) ||
                      (s.type == "longrope" && seq_len > s.original_max_position_embeddings);
  if (beyond) {
    dynamic_inv_freq_[local] = rope_inv_freq(rope, seq_len).to(device());
    return dynamic_inv_freq_[local];
  }
  if (!inv_freq_[local].defined()) inv_freq_[local] = rope_inv_freq(rope, seq_len).to(device());
  return inv_freq_[local];
}

torch::Tensor LlamaModel::rms_norm(const torch::Tensor& x, const torch::Tensor& weight) const {
  if (config_.norm_adds_one) {
    // Gemma's: normalise and scale by (1 + w) all in fp32, round to the input dtype once.
    const torch::Tensor x32 = x.to(torch::kFloat32);
    const torch::Tensor inv_rms =
        x32.square().mean(-1, /*keepdim=*/true).add_(config_.rms_norm_eps).rsqrt_();
    return (x32 * inv_rms).mul_(weight.to(torch::kFloat32) + 1.0).to(x.scalar_type());
  }
  // HF's arithmetic (normalise in fp32, round to the input dtype, then scale) in three passes
  // over x instead of seven: the sum of squares accumulates in fp32 straight from x, and the
  // normalising product is computed in fp32 and rounded once, as it is written.
  const auto width = static_cast<double>(x.size(-1));
  torch::Tensor norm = at::linalg_vector_norm(x, 2, {-1}, /*keepdim=*/true, torch::kFloat32);
  torch::Tensor inv_rms = norm.square_().div_(width).add_(config_.rms_norm_eps).rsqrt_();
  torch::Tensor out = torch::empty_like(x);
  at::mul_out(out, x, inv_rms);
  return out.mul_(weight);
}

torch::Tensor LlamaModel::mlp(const LayerWeights& w, const torch::Tensor& x) {
  if (w.router.defined())
    return mixture_of_experts(x, w.router, w.expert_gate_up, w.expert_down, config_.experts,
                              config_.activation, group_);
  // Gate and up from one matrix multiply; the product is written over the gate half, and the
  // down projection reads that half in place (a row stride of twice its width, no copy).
  const std::int64_t width = w.gate_up.size(0) / 2;
  torch::Tensor gate_up = column_parallel_linear(x, w.gate_up);
  torch::Tensor hidden = gate_up.narrow(-1, 0, width);
  activate_(hidden, config_.activation).mul_(gate_up.narrow(-1, width, width));
  return row_parallel_linear(hidden, w.down, group_);
}

namespace {

// [1, heads, N, E] (a head-split view of packed tokens) as right-padded rows [count, heads,
// width, E]. Padding cells are zeros; real tokens never attend to them (they come after every
// real token of their row).
torch::Tensor to_grid(const torch::Tensor& packed, std::int64_t count, std::int64_t width,
                      const torch::Tensor& slots) {
  const std::int64_t heads = packed.size(1), e = packed.size(3);
  torch::Tensor tokens = packed.transpose(1, 2).reshape({packed.size(2), heads, e});
  if (!slots.defined()) return tokens.reshape({count, width, heads, e}).transpose(1, 2);
  torch::Tensor grid = torch::zeros({count * width, heads, e}, packed.options());
  grid.index_copy_(0, slots, tokens);
  return grid.view({count, width, heads, e}).transpose(1, 2);
}

// The inverse of to_grid for attention output [count, heads, width, E] -> [1, heads, N, E].
torch::Tensor from_grid(const torch::Tensor& grid, const torch::Tensor& slots) {
  const std::int64_t heads = grid.size(1), e = grid.size(3);
  torch::Tensor cells = grid.transpose(1, 2).reshape({grid.size(0) * grid.size(2), heads, e});
  torch::Tensor tokens = slots.defined() ? cells.index_select(0, slots) : cells;
  return tokens.unsqueeze(0).transpose(1, 2);
}

// ... and for a log-sum-exp [count, heads, width] -> [1, heads, N].
torch::Tensor lse_from_grid(const torch::Tensor& grid, const torch::Tensor& slots) {
  torch::Tensor cells = grid.transpose(1, 2).reshape({grid.size(0) * grid.size(2), grid.size(1)});
  torch::Tensor tokens = slots.defined() ? cells.index_select(0, slots) : cells;
  return tokens.t().unsqueeze(0);
}

}  // namespace

namespace {

// Soft-capped scores as transformers' eager path computes them: in the run dtype,
// cap * tanh(scores / cap), then masked. visible [L, S] (bool): which keys each query sees
// (undefined: all of them).
torch::Tensor capped_scores(const torch::Tensor& q, const torch::Tensor& k,
                            const torch::Tensor& visible, double scale, double cap) {
  torch::Tensor scores = at::matmul(q, k.transpose(-2, -1)).mul_(scale);
  scores.div_(cap).tanh_().mul_(cap);
  if (visible.defined())
    scores.masked_fill_(visible.logical_not(), -std::numeric_limits<double>::infinity());
  return scores;
}

// Attention with soft-capped scores: softmax in fp32 rounded back, then the values.
torch::Tensor capped_attention(const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, const torch::Tensor& visible, double scale,
                               double cap) {
  const torch::Tensor scores = capped_scores(q, k, visible, scale, cap);
  return at::matmul(scores.softmax(-1, torch::kFloat32).to(q.scalar_type()), v);
}

}  // namespace

torch::Tensor LlamaModel::attention(const LayerWeights& w, const torch::Tensor& x,
                                    const torch::Tensor& cos, const torch::Tensor& sin,
                                    const Rows& rows, const PrefixCache* prefix, std::size_t layer,
                                    PrefixCache* cache, const torch::Tensor& keep) {
  const std::int64_t n = x.size(1), hd = config_.head_dim;
  // q, k and v from one matrix multiply, as [1, heads, N, E] views of its output: packed
  // tokens, no padding.
  const std::int64_t qh = layout_.q_heads, kvh = layout_.kv_heads;
  const torch::Tensor qkv =
      column_parallel_linear(x, w.qkv, w.qkv_bias).view({1, n, qh + 2 * kvh, hd});
  auto heads = [&](std::int64_t first, std::int64_t count) {
    return qkv.narrow(2, first, count).transpose(1, 2);
  };
  torch::Tensor q = heads(0, qh), k = heads(qh, kvh);
  const torch::Tensor v = heads(qh + kvh, kvh);
  if (w.q_norm.defined()) {  // Qwen3: each head normalised over head_dim before rotary
    q = rms_norm(q, w.q_norm);
    k = rms_norm(k, w.k_norm);
  }
  q = apply_rope(q, cos, sin);
  k = apply_rope(k, cos, sin);
  const double scale = config_.attention_scale > 0 ? config_.attention_scale
                                                   : 1.0 / std::sqrt(static_cast<double>(hd));
  // Grouped-query attention: each kv head serves a run of consecutive query heads (repeat_kv).
  const std::int64_t group = layout_.q_heads / layout_.kv_heads;
  auto widen = [&](const torch::Tensor& kv) {
    return group > 1 ? kv.repeat_interleave(group, 1) : kv;
  };
  auto grid = [&](const torch::Tensor& y) {
    return to_grid(y, rows.count, rows.width, rows.slots);
  };
  const torch::Tensor q_rows = grid(q);
  torch::Tensor k_rows = grid(k), v_rows = grid(v);
  // A window bites only where a query's span outgrows it; until then the causal paths are
  // exact and keep the fused kernels.
  const std::int64_t offset = prefix ? prefix->length : 0;
  const std::optional<std::int64_t> window = config_.window(static_cast<std::int64_t>(layer));
  const bool banded = window && offset + rows.width > *window;
  torch::Tensor out;  // [1, heads, N, E]
  // Soft-capped scores have no fused kernel: they take explicit paths (capped_scores).
  const bool capped = config_.attn_softcap > 0;
  if (prefix && split_prefix_attention_ && !banded) {
    try {
      out = prefix_attention(q, q_rows, widen(k_rows), widen(v_rows), rows,
                             widen(prefix->keys[layer]), widen(prefix->values[layer]), scale,
                             config_.attn_softcap);
      split_prefix_attention_ran_ = true;
    } catch (const c10::OutOfMemoryError&) {
      throw;  // the fallback needs more memory, not less
    } catch (const c10::Error&) {
      // A device without the fused kernels (flash wants Ampere or newer for 16-bit types and
      // head_dim <= 256) refuses the first call: from here on, one masked attention over the
      // concatenated keys. Every rank has the same hardware and shapes, so TP peers switch
      // together. A failure after the kernels have run once is a real error.
      if (split_prefix_attention_ran_) throw;
      split_prefix_attention_ = false;
    }
  }
  if (!out.defined()) {
    const std::int64_t b = rows.count, t = rows.width;
    torch::Tensor visible;
    if (prefix || banded || capped) {
      // Query i of a row sits at offset + i and key c at c (the prefix first, then the row's own
      // tokens): it sees keys up to itself, and within the window the last `window` of them, as
      // transformers' sliding-window mask (q - window < k <= q).
      auto options = torch::TensorOptions().dtype(torch::kInt64).device(x.device());
      const torch::Tensor query = torch::arange(offset, offset + t, options).unsqueeze(1);
      const torch::Tensor key = torch::arange(offset + t, options).unsqueeze(0);
      visible = key <= query;
      if (banded) visible = visible.logical_and(key > query - *window);
    }
    if (prefix) {
      k_rows = torch::cat({prefix->keys[layer].expand({b, -1, -1, -1}), k_rows}, 2);
      v_rows = torch::cat({prefix->values[layer].expand({b, -1, -1, -1}), v_rows}, 2);
    }
    if (cache) {
      cache->keys.push_back(k_rows.contiguous());
      cache->values.push_back(v_rows.contiguous());
    }
    torch::Tensor o = capped ? capped_attention(q_rows, widen(k_rows), widen(v_rows), visible,
                                                scale, config_.attn_softcap)
                      : visible.defined()
                          ? at::scaled_dot_product_attention(q_rows, widen(k_rows), widen(v_rows),
                                                             visible, 0.0, false, scale)
                          : at::scaled_dot_product_attention(q_rows, widen(k_rows), widen(v_rows),
                                                             std::nullopt, 0.0, true, scale);
    out = from_grid(o, rows.slots);
  }
  out = out.transpose(1, 2).reshape({1, n, layout_.q_heads * hd});
  if (keep.defined()) out = out.index_select(1, keep);
  return row_parallel_linear(out, w.o, group_, w.o_bias);
}

namespace {

// Attention and the log-sum-exp of its scores per query, from the fused kernels that report it
// or, for soft-capped scores (cap > 0), computed here from capped_scores: out [B, H, L, E], lse
// [B, H, L] (fp32). Causal: query i of L sees keys up to S - L + i.
std::pair<torch::Tensor, torch::Tensor> attention_with_lse(const torch::Tensor& q,
                                                           const torch::Tensor& k,
                                                           const torch::Tensor& v, bool causal,
                                                           double scale, double cap) {
  torch::Tensor out, lse;
  if (cap > 0) {
    torch::Tensor visible;
    if (causal) {
      const std::int64_t length = q.size(2), keys = k.size(2);
      visible = torch::ones({length, keys}, q.options().dtype(torch::kBool)).tril(keys - length);
    }
    // The softmax's own steps (max, exp, sum, divide), keeping the max and the sum for the
    // log-sum-exp; the probabilities are rounded to the run dtype as in capped_attention.
    torch::Tensor scores = capped_scores(q, k, visible, scale, cap).to(torch::kFloat32);
    const torch::Tensor max = scores.amax(-1, /*keepdim=*/true);
    const torch::Tensor sum = scores.sub_(max).exp_().sum(-1, /*keepdim=*/true);
    out = at::matmul(scores.div_(sum).to(q.scalar_type()), v);
    return {out, (max + sum.log()).squeeze(-1)};
  }
  if (!q.is_cuda()) {
    std::tie(out, lse) =
        at::_scaled_dot_product_flash_attention_for_cpu(q, k, v, 0.0, causal, std::nullopt, scale);
  } else if (q.scalar_type() == torch::kFloat32) {
    // Flash kernels take 16-bit types only; the memory-efficient one takes fp32 too.
    auto result = at::_scaled_dot_product_efficient_attention(q, k, v, std::nullopt, true, 0.0,
                                                              causal, scale);
    out = std::get<0>(result);
    lse = std::get<1>(result);
  } else {
    auto result = at::_scaled_dot_product_flash_attention(q, k, v, 0.0, causal, false, scale);
    out = std::get<0>(result);
    lse = std::get<1>(result);
  }
  // Kernels differ in how they lay out (and pad) the log-sum-exp; bring it to [B, H, L].
  const std::int64_t heads = q.size(1), length = q.size(2);
  if (lse.size(1) != heads) lse = lse.transpose(1, 2);
  return {out, lse.narrow(2, 0, length).to(torch::kFloat32)};
}

}  // namespace

torch::Tensor LlamaModel::prefix_attention(const torch::Tensor& q, const torch::Tensor& q_rows,
                                           const torch::Tensor& k_rows, const torch::Tensor& v_rows,
                                           const Rows& rows, const torch::Tensor& prefix_k,
                                           const torch::Tensor& prefix_v, double scale,
                                           double cap) {
  // softmax over [prefix; own row] as two attentions merged by their log-sum-exps. The prefix
  // part takes every packed token's query as one sequence against the single copy of the
  // prefix, so the prefix keys and values are never copied per row.
  const std::int64_t heads = q.size(1), n = q.size(2), hd = q.size(3);
  auto [shared, shared_lse] = attention_with_lse(q, prefix_k, prefix_v, false, scale, cap);
  auto [own_grid, own_lse_grid] = attention_with_lse(q_rows, k_rows, v_rows, true, scale, cap);
  const torch::Tensor own = from_grid(own_grid, rows.slots);
  const torch::Tensor own_lse = lse_from_grid(own_lse_grid, rows.slots);
  // The two softmaxes weigh in by their shares of the total mass: the prefix's share is
  // exp(shared_lse) / (exp(shared_lse) + exp(own_lse)) = sigmoid(shared_lse - own_lse). One
  // interpolation, written straight into the [1, N, heads, E] layout the output projection
  // reads, so the merged heads need no further copy. lerp takes its weight in the activations'
  // dtype: in bf16 the share carries 8 bits, an error the size of the output's own rounding.
  const torch::Tensor share =
      torch::sigmoid(shared_lse - own_lse).unsqueeze(-1).to(q.scalar_type());
  torch::Tensor merged = torch::empty({1, n, heads, hd}, q.options()).transpose(1, 2);
  at::lerp_out(merged, own, shared, share);
  return merged;
}

torch::Tensor LlamaModel::forward(const PackedBatch& batch, const PrefixCache* prefix,
                                  PrefixCache* cache, const torch::Tensor& keep) {
  const torch::Tensor& tokens = batch.tokens;
  if (tokens.dim() != 1 || tokens.scalar_type() != torch::kInt64)
    throw Error("forward takes int64 tokens [N] packed by row");
  const std::int64_t n = tokens.size(0);
  std::int64_t total = 0, width = 0;
  for (std::int64_t length : batch.lengths) {
    if (length < 1) throw Error("a packed row has no tokens");
    total += length;
    width = std::max(width, length);
  }
  if (total != n || n == 0)
    throw Error("packed rows hold " + std::to_string(total) + " tokens, the batch " +
                std::to_string(n));
  if (tokens.min().item<std::int64_t>() < 0 ||
      tokens.max().item<std::int64_t>() >= config_.vocab_size)
    throw Error("token id outside the vocabulary of " + std::to_string(config_.vocab_size));
  if (cache && batch.lengths.size() != 1) throw Error("a prefix is cached from one row");
  const torch::Device device = this->device();
  // Callers pass pinned host memory on GPUs, so this copy is queued, not waited for.
  const torch::Tensor ids = tokens.to(device, /*non_blocking=*/true).view({1, n});
  const std::int64_t offset = prefix ? prefix->length : 0;

  Rows rows;
  rows.count = static_cast<std::int64_t>(batch.lengths.size());
  rows.width = width;
  std::vector<std::int64_t> positions, slots;
  positions.reserve(static_cast<std::size_t>(n));
  const bool padded = rows.count * width != n;
  if (padded) slots.reserve(static_cast<std::size_t>(n));
  for (std::int64_t r = 0; r < rows.count; ++r)
    for (std::int64_t j = 0; j < batch.lengths[static_cast<std::size_t>(r)]; ++j) {
      positions.push_back(offset + j);
      if (padded) slots.push_back(r * width + j);
    }
  if (padded) rows.slots = to_device_async(slots, device);
  const auto dtype = weights_.embed.scalar_type();
  const torch::Tensor position = to_device_async(positions, device).view({1, n});
  auto rotation = [&](bool local) {
    return rope_cos_sin(inv_freq_for(offset + width, local), position, dtype,
                        rope_attention_factor(rope_configs_[local]));
  };
  auto [cos, sin] = rotation(false);
  // Gemma 3's sliding layers rotate with their own base.
  torch::Tensor local_cos, local_sin;
  if (config_.local_rope) std::tie(local_cos, local_sin) = rotation(true);

  if (cache) {
    cache->keys.clear();
    cache->values.clear();
    cache->length = offset + n;
  }

  torch::Tensor x = vocab_parallel_embedding(ids, weights_.embed, layout_.first_vocab_row, group_);
  // Gemma scales the embedding by sqrt(hidden) rounded to the run dtype, as transformers does.
  if (config_.embedding_scale > 0)
    x.mul_(torch::scalar_tensor(config_.embedding_scale, x.options()).item<double>());
  for (std::size_t i = 0; i < weights_.layers.size(); ++i) {
    const LayerWeights& w = weights_.layers[i];
    // Every token's keys and values feed the last layer's attention, but only the kept tokens'
    // outputs are read: its output projection and MLP (about 3/4 of a layer) run on those.
    const bool last = i + 1 == weights_.layers.size();
    const torch::Tensor narrowed = last ? keep : torch::Tensor();
    const bool local = config_.local_rope && config_.window(static_cast<std::int64_t>(i));
    torch::Tensor attended = attention(w, rms_norm(x, w.input_norm), local ? local_cos : cos,
                                       local ? local_sin : sin, rows, prefix, i, cache, narrowed);
    if (narrowed.defined()) x = x.index_select(1, narrowed);
    if (w.attention_output_norm.defined()) attended = rms_norm(attended, w.attention_output_norm);
    x.add_(attended);
    torch::Tensor fed = mlp(w, rms_norm(x, w.mlp_norm));
    if (w.mlp_output_norm.defined()) fed = rms_norm(fed, w.mlp_output_norm);
    x.add_(fed);
  }
  return rms_norm(x, weights_.final_norm).view({x.size(1), x.size(2)});
}

torch::Tensor LlamaModel::local_log_probs(const PrefixCache* prefix, const PackedBatch& batch,
                                          const std::vector<TokenPosition>& at) {
  return local_log_softmax(hidden_at(prefix, batch, at));
}

torch::Tensor LlamaModel::hidden_at(const PrefixCache* prefix, const PackedBatch& batch,
                                    const std::vector<TokenPosition>& at) {
  std::vector<std::int64_t> starts(batch.lengths.size() + 1, 0);
  for (std::size_t r = 0; r < batch.lengths.size(); ++r)
    starts[r + 1] = starts[r] + batch.lengths[r];
  std::vector<std::int64_t> picked;
  picked.reserve(at.size());
  for (const TokenPosition& p : at) {
    if (p.row < 0 || p.row >= static_cast<std::int64_t>(batch.lengths.size()) || p.col < 0 ||
        p.col >= batch.lengths[static_cast<std::size_t>(p.row)])
      throw Error("scored position outside the batch");
    picked.push_back(starts[static_cast<std::size_t>(p.row)] + p.col);
  }
  return forward(batch, prefix, nullptr, to_device_async(picked, device()));
}

torch::Tensor LlamaModel::local_log_softmax(const torch::Tensor& hidden) {
  torch::Tensor logits = column_parallel_linear(hidden, weights_.lm_head);  // [K, vocab rows]
  // Gemma caps the final logits (in the run dtype, as transformers); each rank caps its columns.
  if (config_.final_softcap > 0)
    logits = logits.div(config_.final_softcap).tanh_().mul_(config_.final_softcap);
  return vocab_parallel_log_softmax(logits, layout_.first_vocab_row, config_.vocab_size, group_);
}

torch::Tensor LlamaModel::target_log_probs(const PrefixCache* prefix, const PackedBatch& batch,
                                           const std::vector<TokenPosition>& at,
                                           const std::vector<std::int64_t>& targets,
                                           std::int64_t chunk) {
  if (targets.size() != at.size()) throw Error("one target token per scored position");
  if (chunk < 1) throw Error("a scoring chunk holds at least one position");
  for (std::int64_t id : targets)
    if (id < 0 || id >= config_.vocab_size) throw Error("target token outside the vocabulary");
  const torch::Tensor hidden = hidden_at(prefix, batch, at);
  const torch::Tensor wanted = to_device_async(targets, device());
  const auto count = static_cast<std::int64_t>(at.size());
  const std::int64_t first = layout_.first_vocab_row;
  auto options = torch::TensorOptions().dtype(torch::kFloat32).device(device());
  torch::Tensor out = torch::empty({count, 2}, options);
  for (std::int64_t begin = 0; begin < count; begin += chunk) {
    const std::int64_t n = std::min(chunk, count - begin);
    const torch::Tensor lp = local_log_softmax(hidden.narrow(0, begin, n));  // [n, local]
    const torch::Tensor target = wanted.narrow(0, begin, n);
    // The target's column lives on one rank; the others add zero.
    const torch::Tensor column = target - first;
    const torch::Tensor mine = column.ge(0).logical_and(column.lt(lp.size(1)));
    torch::Tensor value = torch::where(
        mine, lp.gather(1, column.clamp(0, lp.size(1) - 1).unsqueeze(1)).squeeze(1), 0.0f);
    group_.all_reduce_sum(value);
    // The greedy token: the highest value, the lowest index among equals, over every rank.
    const torch::Tensor local_best = lp.argmax(1);
    torch::Tensor best_value = lp.gather(1, local_best.unsqueeze(1)).squeeze(1).contiguous();
    torch::Tensor top = best_value.clone();
    group_.all_reduce_max(top);
    // Token ids are below 2^24, exact in float32: the max of minus the id is the lowest id.
    torch::Tensor lowest =
        torch::where(best_value.eq(top), -(local_best + first).to(torch::kFloat32),
                     -std::numeric_limits<float>::infinity());
    group_.all_reduce_max(lowest);
    out.narrow(0, begin, n).select(1, 0).copy_(value);
    out.narrow(0, begin, n).select(1, 1).copy_(lowest.neg().eq(target.to(torch::kFloat32)));
  }
  return out;
}

torch::Tensor LlamaModel::gather_vocabulary(const torch::Tensor& local) {
  return group_.all_gather(local.contiguous(), 1).narrow(1, 0, config_.vocab_size);
}

torch::Tensor LlamaModel::pick_candidates(const torch::Tensor& local,
                                          const std::vector<std::int64_t>& candidates) {
  // Each candidate's column lives on one rank; the others contribute zeros to a sum.
  auto options = torch::TensorOptions().dtype(torch::kFloat32).device(local.device());
  torch::Tensor out =
      torch::zeros({local.size(0), static_cast<std::int64_t>(candidates.size())}, options);
  for (std::size_t j = 0; j < candidates.size(); ++j) {
    const std::int64_t id = candidates[j];
    if (id < 0 || id >= config_.vocab_size) throw Error("candidate token outside the vocabulary");
    const std::int64_t column = id - layout_.first_vocab_row;
    if (column >= 0 && column < local.size(1)) out.select(1, j).copy_(local.select(1, column));
  }
  group_.all_reduce_sum(out);
  return out;
}

namespace {

// A right-padded [B, T] batch as packed rows of T tokens each: the padding is computed like
// any token, and never seen by the real ones before it.
PackedBatch packed_rows(const torch::Tensor& tokens) {
  if (tokens.dim() != 2) throw Error("forward takes int64 tokens [batch, length]");
  return {tokens.reshape({-1}),
          std::vector<std::int64_t>(static_cast<std::size_t>(tokens.size(0)), tokens.size(1))};
}

}  // namespace

torch::Tensor LlamaModel::log_probs(const PrefixCache* prefix, const PackedBatch& batch,
                                    const std::vector<TokenPosition>& at) {
  return gather_vocabulary(local_log_probs(prefix, batch, at));
}

torch::Tensor LlamaModel::candidate_log_probs(const PrefixCache* prefix, const PackedBatch& batch,
                                              const std::vector<TokenPosition>& at,
                                              const std::vector<std::int64_t>& candidates) {
  return pick_candidates(local_log_probs(prefix, batch, at), candidates);
}

torch::Tensor LlamaModel::log_probs(const torch::Tensor& tokens,
                                    const std::vector<TokenPosition>& at) {
  return log_probs(nullptr, packed_rows(tokens), at);
}

PrefixCache LlamaModel::prefill(const torch::Tensor& prefix) {
  if (prefix.dim() != 1) throw Error("a prefix is one row of int64 tokens [P]");
  PrefixCache cache;
  // Only the keys and values are wanted: keep no token past the last layer's attention.
  const torch::Tensor none =
      torch::empty({0}, torch::TensorOptions(torch::kInt64).device(device()));
  forward({prefix, {prefix.size(0)}}, nullptr, &cache, none);
  return cache;
}

torch::Tensor LlamaModel::log_probs(const PrefixCache& prefix, const torch::Tensor& tokens,
                                    const std::vector<TokenPosition>& at) {
  return log_probs(&prefix, packed_rows(tokens), at);
}

torch::Tensor LlamaModel::candidate_log_probs(const PrefixCache& prefix,
                                              const torch::Tensor& tokens,
                                              const std::vector<TokenPosition>& at,
                                              const std::vector<std::int64_t>& candidates) {
  return candidate_log_probs(&prefix, packed_rows(tokens), at, candidates);
}

}  // namespace mmlu
