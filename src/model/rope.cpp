#include "mmlu/model/rope.hpp"

#include <cmath>

#include "mmlu/util/error.hpp"

namespace mmlu {
namespace {

// HF: base ** (arange(0, dim, 2) / dim), all in fp32.
torch::Tensor base_powers(double base, std::int64_t dim) {
  torch::Tensor exponent = torch::arange(0, dim, 2, torch::kInt64).to(torch::kFloat32) / dim;
  return torch::pow(torch::scalar_tensor(base, torch::kFloat32), exponent);
}

torch::Tensor base_inv_freq(double base, std::int64_t dim) {
  return 1.0 / base_powers(base, dim);
}

}  // namespace

torch::Tensor rope_inv_freq(const ModelConfig& c, std::int64_t seq_len) {
  const std::int64_t dim = c.rotary_dim;
  const RopeScaling& s = c.rope_scaling;
  if (s.type == "linear") return base_inv_freq(c.rope_theta, dim) / s.factor;
  if (s.type == "longrope") {
    // Each frequency divided by its own factor; the long ones only beyond the pretraining
    // context, which workload_request keeps every prompt within.
    if (seq_len > s.original_max_position_embeddings)
      throw Error("longrope: a sequence of " + std::to_string(seq_len) +
                  " positions is beyond original_max_position_embeddings " +
                  std::to_string(s.original_max_position_embeddings));
    const torch::Tensor factors =
        torch::tensor(s.short_factor, torch::kFloat64).to(torch::kFloat32);
    return 1.0 / (factors * base_powers(c.rope_theta, dim));
  }
  if (s.type == "dynamic") {
    if (seq_len <= c.max_position_embeddings) return base_inv_freq(c.rope_theta, dim);
    const double ratio =
        s.factor * static_cast<double>(seq_len) / static_cast<double>(c.max_position_embeddings) -
        (s.factor - 1);
    const double base =
        c.rope_theta * std::pow(ratio, static_cast<double>(dim) / static_cast<double>(dim - 2));
    return base_inv_freq(base, dim);
  }
  torch::Tensor inv_freq = base_inv_freq(c.rope_theta, dim);
  if (s.type == "llama3") {
    // Long wavelengths are slowed by `factor`, short ones kept, the band between interpolated.
    const double old_context = static_cast<double>(s.original_max_position_embeddings);
    const double low_wavelen = old_context / s.low_freq_factor;
    const double high_wavelen = old_context / s.high_freq_factor;
    torch::Tensor wavelen = 2 * M_PI / inv_freq;
    torch::Tensor scaled = torch::where(wavelen > low_wavelen, inv_freq / s.factor, inv_freq);
    torch::Tensor smooth =
        (old_context / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
    torch::Tensor smoothed = (1 - smooth) * scaled / s.factor + smooth * scaled;
    torch::Tensor medium = (wavelen >= high_wavelen).logical_and(wavelen <= low_wavelen);
    inv_freq = torch::where(medium, smoothed, scaled);
  }
  return inv_freq;
}

double rope_attention_factor(const ModelConfig& c) {
  return c.rope_scaling.type == "longrope" ? c.rope_scaling.attention_factor : 1.0;
}

std::pair<torch::Tensor, torch::Tensor> rope_cos_sin(const torch::Tensor& inv_freq,
                                                     const torch::Tensor& positions,
                                                     torch::ScalarType dtype,
                                                     double attention_factor) {
  torch::Tensor freqs = positions.to(torch::kFloat32).unsqueeze(-1) *
                        inv_freq.to(positions.device()).view({1, 1, -1});
  torch::Tensor emb = torch::cat({freqs, freqs}, -1);
  torch::Tensor cos = emb.cos(), sin = emb.sin();
  // HF scales in fp32, before rounding to the run dtype.
  if (attention_factor != 1.0) {
    cos.mul_(attention_factor);
    sin.mul_(attention_factor);
  }
  return {cos.to(dtype), sin.to(dtype)};
}

torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& cos,
                         const torch::Tensor& sin) {
  // x * cos + rotate_half(x) * sin without materialising rotate_half: cos and sin repeat their
  // first half in their second, so each half of the output takes one fused multiply-add from
  // the other half of x. Three passes over x instead of HF's six; in fp32 the same arithmetic.
  // Only the first cos.size(-1) dimensions rotate (Phi-3's partial rotation); the rest of each
  // head is copied through.
  const std::int64_t rotary = cos.size(-1), half = rotary / 2, rest = x.size(-1) - rotary;
  torch::Tensor out;
  torch::Tensor rotated;
  if (rest == 0) {
    out = rotated = x * cos.unsqueeze(1);
  } else {
    out = torch::empty_like(x);
    out.narrow(-1, rotary, rest).copy_(x.narrow(-1, rotary, rest));
    rotated = out.narrow(-1, 0, rotary);
    at::mul_out(rotated, x.narrow(-1, 0, rotary), cos.unsqueeze(1));
  }
  const torch::Tensor sin_half = sin.unsqueeze(1).narrow(-1, 0, half);
  rotated.narrow(-1, 0, half).addcmul_(x.narrow(-1, half, half), sin_half, /*value=*/-1);
  rotated.narrow(-1, half, half).addcmul_(x.narrow(-1, 0, half), sin_half);
  return out;
}

}  // namespace mmlu
