#include "mmlu/checkpoint/model_tensors.hpp"

#include <algorithm>
#include <set>

#include "mmlu/checkpoint/architectures.hpp"
#include "mmlu/util/error.hpp"

namespace mmlu {

std::int64_t vocab_rows_per_rank(const ModelConfig& c, int tp) {
  return (c.vocab_size + tp - 1) / tp;
}

std::int64_t kv_heads_per_rank(const ModelConfig& c, int tp) {
  return c.num_key_value_heads >= tp ? c.num_key_value_heads / tp : 1;
}

ShardLayout shard_layout(const ModelConfig& c, int tp_rank, int tp) {
  ShardLayout s;
  s.head_dim = c.head_dim;
  s.q_heads = c.num_attention_heads / tp;
  s.first_q_head = tp_rank * s.q_heads;
  s.kv_heads = kv_heads_per_rank(c, tp);
  if (c.num_key_value_heads >= tp) {
    s.first_kv_head = tp_rank * s.kv_heads;
  } else {
    // Replicated: the kv head whose query group holds this rank's query heads.
    const std::int64_t group = c.num_attention_heads / c.num_key_value_heads;
    s.first_kv_head = s.first_q_head / group;
  }
  s.intermediate = c.intermediate_size / tp;
  s.first_intermediate = tp_rank * s.intermediate;
  s.expert_intermediate = c.experts.intermediate_size / tp;
  s.first_expert_intermediate = tp_rank * s.expert_intermediate;
  s.vocab_rows = vocab_rows_per_rank(c, tp);
  s.first_vocab_row = tp_rank * s.vocab_rows;
  return s;
}

RankSlice rank_slice(const TensorSpec& t, const ShardLayout& s) {
  switch (t.partition) {
    case Partition::kQueryHeads:
      return {s.first_q_head * s.head_dim, s.q_heads * s.head_dim};
    case Partition::kKvHeads:
      return {s.first_kv_head * s.head_dim, s.kv_heads * s.head_dim};
    case Partition::kIntermediate:
      return {s.first_intermediate, s.intermediate};
    case Partition::kExpertIntermediate:
      return {s.first_expert_intermediate, s.expert_intermediate};
    case Partition::kVocabulary:
      return {s.first_vocab_row, s.vocab_rows};
    case Partition::kWhole:
      break;
  }
  return {0, t.shape.at(static_cast<std::size_t>(t.dim))};
}

std::vector<std::int64_t> TensorSpec::stored_shape() const {
  std::vector<std::int64_t> stored = shape;
  if (fused_rows) stored.at(0) = fused_rows;
  return stored;
}

namespace {

constexpr int kColumn = 0, kRow = 1;

MlpTensors gated_mlp(const std::string& prefix, std::string_view gate, std::string_view up,
                     std::string_view down, std::int64_t hidden, std::int64_t width,
                     Partition rows) {
  auto name = [&](std::string_view projection) {
    return prefix + std::string(projection) + ".weight";
  };
  return {{name(gate), {width, hidden}, kColumn, rows},
          {name(up), {width, hidden}, kColumn, rows},
          {name(down), {hidden, width}, kRow, rows}};
}

// `parts` as consecutive row blocks of one stored tensor named `name`.
void fuse(const std::string& name, std::initializer_list<TensorSpec*> parts) {
  std::int64_t rows = 0;
  for (TensorSpec* part : parts) {
    part->name = name;
    part->first_row = rows;
    rows += part->shape.at(0);
  }
  for (TensorSpec* part : parts) part->fused_rows = rows;
}

}  // namespace

LayerTensors layer_tensors(const ModelConfig& c, std::int64_t layer) {
  const std::string p = c.tensor_prefix + "model.layers." + std::to_string(layer) + ".";
  const std::string a = p + "self_attn.";
  const std::int64_t h = c.hidden_size;
  const std::int64_t q = c.q_size(), kv = c.kv_size();
  LayerTensors l;
  l.input_norm = {p + "input_layernorm.weight", {h}, 0, Partition::kWhole};
  auto norm = [&](const char* name) {
    return TensorSpec{p + name + ".weight", {h}, 0, Partition::kWhole};
  };
  if (c.sandwich_norms) {
    l.attention_output_norm = norm("post_attention_layernorm");
    l.mlp_norm = norm("pre_feedforward_layernorm");
    l.mlp_output_norm = norm("post_feedforward_layernorm");
  } else {
    l.mlp_norm = norm("post_attention_layernorm");
  }
  l.q = {a + "q_proj.weight", {q, h}, kColumn, Partition::kQueryHeads};
  l.k = {a + "k_proj.weight", {kv, h}, kColumn, Partition::kKvHeads};
  l.v = {a + "v_proj.weight", {kv, h}, kColumn, Partition::kKvHeads};
  if (c.attention_bias) {
    l.q_bias = TensorSpec{a + "q_proj.bias", {q}, kColumn, Partition::kQueryHeads};
    l.k_bias = TensorSpec{a + "k_proj.bias", {kv}, kColumn, Partition::kKvHeads};
    l.v_bias = TensorSpec{a + "v_proj.bias", {kv}, kColumn, Partition::kKvHeads};
  }
  if (c.qk_norm) {
    l.q_norm = TensorSpec{a + "q_norm.weight", {c.head_dim}, 0, Partition::kWhole};
    l.k_norm = TensorSpec{a + "k_norm.weight", {c.head_dim}, 0, Partition::kWhole};
  }
  l.o = {a + "o_proj.weight", {h, q}, kRow, Partition::kQueryHeads};
  if (c.output_bias) l.o_bias = TensorSpec{a + "o_proj.bias", {h}, 0, Partition::kWhole};
  const Architecture& family = *find_architecture(c.architecture);
  if (!family.fused.qkv.empty())
    fuse(a + std::string(family.fused.qkv) + ".weight", {&l.q, &l.k, &l.v});
  if (!c.sparse_layer(layer)) {
    l.mlp = gated_mlp(p + "mlp.", "gate_proj", "up_proj", "down_proj", h, c.intermediate_size,
                      Partition::kIntermediate);
    if (!family.fused.gate_up.empty())
      fuse(p + "mlp." + std::string(family.fused.gate_up) + ".weight", {&l.mlp->gate, &l.mlp->up});
    return l;
  }
  const ExpertLayout& names = family.experts;
  const std::string block = p + std::string(names.block);
  l.router = TensorSpec{
      block + std::string(names.router) + ".weight", {c.experts.count, h}, 0, Partition::kWhole};
  for (std::int64_t e = 0; e < c.experts.count; ++e)
    l.experts.push_back(gated_mlp(block + "experts." + std::to_string(e) + ".", names.gate,
                                  names.up, names.down, h, c.experts.intermediate_size,
                                  Partition::kExpertIntermediate));
  return l;
}

std::vector<const TensorSpec*> LayerTensors::all() const {
  std::vector<const TensorSpec*> out = {&input_norm, &mlp_norm};
  for (const std::optional<TensorSpec>* t : {&attention_output_norm, &mlp_output_norm})
    if (*t) out.push_back(&**t);
  for (const TensorSpec* t : {&q, &k, &v}) out.push_back(t);
  for (const std::optional<TensorSpec>* t : {&q_bias, &k_bias, &v_bias, &q_norm, &k_norm})
    if (*t) out.push_back(&**t);
  out.push_back(&o);
  if (o_bias) out.push_back(&*o_bias);
  if (mlp)
    for (const TensorSpec* t : {&mlp->gate, &mlp->up, &mlp->down}) out.push_back(t);
  if (router) out.push_back(&*router);
  for (const MlpTensors& e : experts)
    for (const TensorSpec* t : {&e.gate, &e.up, &e.down}) out.push_back(t);
  return out;
}

std::vector<const TensorSpec*> OuterTensors::all() const {
  std::vector<const TensorSpec*> out = {&embed};
  if (lm_head) out.push_back(&*lm_head);
  out.push_back(&final_norm);
  return out;
}

OuterTensors outer_tensors(const ModelConfig& c) {
  const std::int64_t h = c.hidden_size;
  OuterTensors t;
  const std::string& p = c.tensor_prefix;
  t.embed = {p + "model.embed_tokens.weight", {c.vocab_size, h}, 0, Partition::kVocabulary};
  if (!c.tie_word_embeddings)
    t.lm_head = TensorSpec{p + "lm_head.weight", {c.vocab_size, h}, 0, Partition::kVocabulary};
  t.final_norm = {p + "model.norm.weight", {h}, 0, Partition::kWhole};
  return t;
}

void for_each_tensor(const ModelConfig& c, const std::function<void(const TensorSpec&)>& visit) {
  const OuterTensors outer = outer_tensors(c);
  for (const TensorSpec* t : outer.all()) visit(*t);
  // Every layer from its own description: a family whose layers differ (dense among sparse
  // ones) needs no other arithmetic.
  for (std::int64_t layer = 0; layer < c.num_hidden_layers; ++layer) {
    const LayerTensors l = layer_tensors(c, layer);
    for (const TensorSpec* t : l.all()) visit(*t);
  }
}

void check_every_tensor_is_described(const Checkpoint& checkpoint, const ModelConfig& c) {
  std::set<std::string> described;
  for_each_tensor(c, [&](const TensorSpec& t) { described.insert(t.name); });
  for (const std::string& name : checkpoint.names()) {
    if (described.count(name) || name.ends_with(".rotary_emb.inv_freq")) continue;
    if (name == c.tensor_prefix + "lm_head.weight" && c.tie_word_embeddings) continue;
    // A multimodal checkpoint's vision tower and projector: not the language model.
    if (std::any_of(c.unused_tensor_prefixes.begin(), c.unused_tensor_prefixes.end(),
                    [&](const std::string& prefix) { return name.starts_with(prefix); }))
      continue;
    throw InputError(checkpoint.get(name).file->path().string() + ": tensor '" + name +
                     "' is not part of " + c.architecture + " as " + c.origin +
                     " describes it: what it would change is not implemented, so it is refused "
                     "rather than ignored");
  }
}

namespace {

// Adds a rank's elements of `t` to `sum`; false when that overflows.
bool add_elements(std::uint64_t& sum, const TensorSpec& t, const ShardLayout& s) {
  std::uint64_t n = 1;
  for (std::size_t d = 0; d < t.shape.size(); ++d) {
    const std::int64_t extent = static_cast<int>(d) == t.dim ? rank_slice(t, s).length : t.shape[d];
    if (__builtin_mul_overflow(n, static_cast<std::uint64_t>(extent), &n)) return false;
  }
  return !__builtin_add_overflow(sum, n, &sum);
}

}  // namespace

std::optional<std::uint64_t> shard_elements(const ModelConfig& c, int tp) {
  const ShardLayout s = shard_layout(c, 0, tp);
  std::uint64_t sum = 0;
  bool fits = true;
  const OuterTensors outer = outer_tensors(c);
  for (const TensorSpec* t : outer.all()) fits = fits && add_elements(sum, *t, s);
  // Layers of one kind (dense or sparse) differ in their names only: each kind is counted from
  // its first layer's description, times its layers.
  for (const bool sparse : {false, true}) {
    std::int64_t first = -1, count = 0;
    for (std::int64_t layer = 0; layer < c.num_hidden_layers; ++layer)
      if (c.sparse_layer(layer) == sparse && count++ == 0) first = layer;
    if (count == 0) continue;
    const LayerTensors l = layer_tensors(c, first);
    std::uint64_t layer_sum = 0;
    for (const TensorSpec* t : l.all()) fits = fits && add_elements(layer_sum, *t, s);
    fits = fits &&
           !__builtin_mul_overflow(layer_sum, static_cast<std::uint64_t>(count), &layer_sum) &&
           !__builtin_add_overflow(sum, layer_sum, &sum);
  }
  if (!fits) return std::nullopt;
  return sum;
}

}  // namespace mmlu
