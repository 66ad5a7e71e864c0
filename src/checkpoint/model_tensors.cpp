#include "mmlu/checkpoint/model_tensors.hpp"

#include <set>

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
    case Partition::kVocabulary:
      return {s.first_vocab_row, s.vocab_rows};
    case Partition::kWhole:
      break;
  }
  return {0, t.shape.at(static_cast<std::size_t>(t.dim))};
}

LayerTensors layer_tensors(const ModelConfig& c, std::int64_t layer) {
  const std::string p = "model.layers." + std::to_string(layer) + ".";
  const std::string a = p + "self_attn.", m = p + "mlp.";
  const std::int64_t h = c.hidden_size, i = c.intermediate_size;
  const std::int64_t q = c.q_size(), kv = c.kv_size();
  constexpr int kColumn = 0, kRow = 1;
  LayerTensors l;
  l.input_norm = {p + "input_layernorm.weight", {h}, 0, Partition::kWhole};
  l.post_attention_norm = {p + "post_attention_layernorm.weight", {h}, 0, Partition::kWhole};
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
  l.gate = {m + "gate_proj.weight", {i, h}, kColumn, Partition::kIntermediate};
  l.up = {m + "up_proj.weight", {i, h}, kColumn, Partition::kIntermediate};
  l.down = {m + "down_proj.weight", {h, i}, kRow, Partition::kIntermediate};
  return l;
}

std::vector<const TensorSpec*> LayerTensors::all() const {
  std::vector<const TensorSpec*> out = {&input_norm, &post_attention_norm, &q, &k, &v};
  for (const std::optional<TensorSpec>* t : {&q_bias, &k_bias, &v_bias, &q_norm, &k_norm})
    if (*t) out.push_back(&**t);
  out.push_back(&o);
  if (o_bias) out.push_back(&*o_bias);
  for (const TensorSpec* t : {&gate, &up, &down}) out.push_back(t);
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
  t.embed = {"model.embed_tokens.weight", {c.vocab_size, h}, 0, Partition::kVocabulary};
  if (!c.tie_word_embeddings)
    t.lm_head = TensorSpec{"lm_head.weight", {c.vocab_size, h}, 0, Partition::kVocabulary};
  t.final_norm = {"model.norm.weight", {h}, 0, Partition::kWhole};
  return t;
}

void check_every_tensor_is_described(const Checkpoint& checkpoint, const ModelConfig& c) {
  std::set<std::string> described;
  const OuterTensors outer = outer_tensors(c);
  for (const TensorSpec* t : outer.all()) described.insert(t->name);
  for (std::int64_t layer = 0; layer < c.num_hidden_layers; ++layer) {
    const LayerTensors l = layer_tensors(c, layer);
    for (const TensorSpec* t : l.all()) described.insert(t->name);
  }
  for (const std::string& name : checkpoint.names()) {
    if (described.count(name) || name.ends_with(".rotary_emb.inv_freq")) continue;
    if (name == "lm_head.weight" && c.tie_word_embeddings) continue;
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
  // Every layer is counted from its own description: a family whose layers differ (dense among
  // sparse ones) needs no other arithmetic.
  for (std::int64_t layer = 0; fits && layer < c.num_hidden_layers; ++layer) {
    const LayerTensors l = layer_tensors(c, layer);
    for (const TensorSpec* t : l.all()) fits = fits && add_elements(sum, *t, s);
  }
  if (!fits) return std::nullopt;
  return sum;
}

}  // namespace mmlu
