#include "mmlu/model/llama_weights.hpp"

#include <cstring>
#include <mutex>

#include "mmlu/model/torch_dtype.hpp"
#include "mmlu/parallel/planner.hpp"
#include "mmlu/util/error.hpp"
#include "mmlu/util/hash.hpp"

namespace mmlu {
namespace {

std::string shape_string(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// Rows [start, start + length) of a checkpoint tensor along dim 0 (stack them with stacked()).
struct RowSlice {
  std::string name;
  std::vector<std::int64_t> shape;
  std::int64_t start = 0, length = 0;
};

class ShardReader {
 public:
  ShardReader(const Checkpoint& checkpoint, const ShardSpec& spec)
      : checkpoint_(checkpoint), spec_(spec) {}

  // Rows [start, start + length) of `name` along `dim` (0 or 1), checked against `shape`. Rows
  // past the tensor's end (vocabulary padding) are zeros. Only the slice is copied off the mmap.
  torch::Tensor slice(const std::string& name, const std::vector<std::int64_t>& shape, int dim,
                      std::int64_t start, std::int64_t length) const {
    if (dim == 0) return stacked({{name, shape, start, length}});
    const TensorRef ref = checked(name, shape);
    const std::uint64_t element = st_dtype_bytes(ref.info->dtype);
    torch::Tensor out = torch::zeros({shape[0], length}, torch_dtype(ref.info->dtype));
    const std::int64_t available = std::max<std::int64_t>(0, std::min(length, shape[1] - start));
    const std::uint8_t* src = ref.bytes();
    auto* dst = static_cast<std::uint8_t*>(out.data_ptr());
    // memcpy rather than from_blob: the mmap's data need not be aligned.
    const std::uint64_t in_row = element * shape[1], out_row = element * length;
    for (std::int64_t r = 0; r < shape[0]; ++r)
      std::memcpy(dst + r * out_row, src + r * in_row + start * element, available * element);
    ref.release();
    return out.to(spec_.device, spec_.dtype);
  }

  // Dim-0 slices of several tensors, one under the other, each copied off the mmap straight into
  // its rows: no part is held twice and, unless the parts' dtypes differ, no part-sized block is
  // freed. (Freed blocks of a few MiB stay in glibc's heap: stacking with torch::cat left a third
  // of the shard's size there.)
  torch::Tensor stacked(const std::vector<RowSlice>& parts) const {
    std::vector<TensorRef> refs;
    std::vector<std::int64_t> shape = parts.front().shape;
    shape[0] = 0;
    for (const RowSlice& p : parts) {
      refs.push_back(checked(p.name, p.shape));
      if (!std::equal(p.shape.begin() + 1, p.shape.end(), shape.begin() + 1, shape.end()))
        throw Error("stacked rows of different widths: " + p.name);
      shape[0] += p.length;
    }
    // Parts of mixed dtypes (rare) are converted straight to the run's dtype, as lone tensors are.
    torch::ScalarType dtype = torch_dtype(refs.front().info->dtype);
    for (const TensorRef& ref : refs)
      if (torch_dtype(ref.info->dtype) != dtype) dtype = spec_.dtype;
    torch::Tensor out = torch::zeros(shape, dtype);
    std::int64_t first = 0;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      torch::Tensor rows = out.narrow(0, first, parts[i].length);
      const torch::ScalarType own = torch_dtype(refs[i].info->dtype);
      if (own == dtype) {
        copy_rows(refs[i], parts[i], rows);
      } else {
        torch::Tensor converted = torch::zeros(rows.sizes(), own);
        copy_rows(refs[i], parts[i], converted);
        rows.copy_(converted);
      }
      first += parts[i].length;
    }
    return out.to(spec_.device, spec_.dtype);
  }

 private:
  // The part's rows into `rows` (contiguous, the part's dtype); rows past its end stay zero.
  static void copy_rows(const TensorRef& ref, const RowSlice& part, torch::Tensor& rows) {
    const std::int64_t available =
        std::max<std::int64_t>(0, std::min(part.length, part.shape[0] - part.start));
    const std::uint64_t row = static_cast<std::uint64_t>(rows.stride(0)) * rows.element_size();
    if (available > 0)
      std::memcpy(rows.data_ptr(), ref.bytes() + part.start * row, available * row);
    ref.release();
  }

  TensorRef checked(const std::string& name, const std::vector<std::int64_t>& shape) const {
    const TensorRef ref = checkpoint_.get(name);
    const TensorInfo& info = *ref.info;
    const std::string where = ref.file->path().string() + ": tensor '" + name + "'";
    if (info.shape != shape)
      throw InputError(where + " has shape " + shape_string(info.shape) +
                       " but config.json implies " + shape_string(shape));
    if (!loads_as_weights(info.dtype))
      throw InputError(where + " has dtype " + st_dtype_name(info.dtype) +
                       ", not a floating-point type this loader converts");
    return ref;
  }

  const Checkpoint& checkpoint_;
  const ShardSpec& spec_;
};

}  // namespace

std::vector<torch::Tensor> LlamaWeights::all() const {
  std::vector<torch::Tensor> out = {embed, final_norm};
  if (!lm_head.is_same(embed)) out.push_back(lm_head);
  for (const LayerWeights& l : layers) {
    for (const torch::Tensor& t :
         {l.input_norm, l.mlp_norm, l.attention_output_norm, l.mlp_output_norm, l.qkv, l.qkv_bias,
          l.q_norm, l.k_norm, l.o, l.o_bias, l.gate_up, l.down, l.router})
      if (t.defined()) out.push_back(t);
    for (const auto* experts : {&l.expert_gate_up, &l.expert_down})
      out.insert(out.end(), experts->begin(), experts->end());
  }
  return out;
}

namespace {

// Random weights of a checkpoint's shapes, for benchmarks without one: the same slices as
// ShardReader, drawn on the device (normal, std 0.02; norms are ones).
class RandomShardSource {
 public:
  explicit RandomShardSource(const ShardSpec& spec) : spec_(spec) {}
  torch::Tensor slice(const std::string& name, std::vector<std::int64_t> shape, int dim,
                      std::int64_t start, std::int64_t length) const {
    shape[static_cast<std::size_t>(dim)] = length;
    return whole(name, shape, start);
  }
  // Drawn part by part, so each part's values depend on its name alone; the transient is on the
  // device (the caching allocator reuses it) or a benchmark's CPU run.
  torch::Tensor stacked(const std::vector<RowSlice>& parts) const {
    std::vector<torch::Tensor> pieces;
    for (const RowSlice& p : parts) pieces.push_back(slice(p.name, p.shape, 0, p.start, p.length));
    return torch::cat(pieces);
  }
  torch::Tensor whole(const std::string& name, const std::vector<std::int64_t>& shape,
                      std::int64_t first_row = 0) const {
    const auto options = torch::TensorOptions().dtype(spec_.dtype).device(spec_.device);
    if (name.ends_with("norm.weight")) return torch::ones(shape, options);
    // Each tensor from its own seed (its name, first row and TP rank), so every run, whatever
    // else drew random numbers before, gets the same weights: runs can be compared and resumed.
    // The first row tells apart the parts of a fused tensor (Phi-3's q, k and v).
    const std::uint64_t seed =
        Fnv1a(Fnv1a::kOffsetBasis ^ static_cast<std::uint64_t>(spec_.tp_rank))
            .text(name + "@" + std::to_string(first_row))
            .value();
    at::Generator generator = at::globalContext().defaultGenerator(spec_.device);
    {
      std::lock_guard<std::mutex> lock(generator.mutex());
      generator.set_current_seed(seed);
    }
    return torch::empty(shape, options).normal_(0.0, 0.02);
  }

 private:
  ShardSpec spec_;
};

// One rank's shard from `read` (a ShardReader or RandomShardSource).
template <class Source>
LlamaWeights assemble_shard(const Source& read, const ModelConfig& c, const ShardSpec& spec) {
  const std::string problem = tp_structural_problem(c, spec.tp, spec.tp, spec.tp);
  if (!problem.empty()) throw InputError("--tp " + std::to_string(spec.tp) + " " + problem);
  const ShardLayout s = shard_layout(c, spec.tp_rank, spec.tp);
  // A rank's part of one tensor, alone or as a part of a stacked weight (split along rows).
  // A fused tensor's part starts at its first row of the stored tensor.
  auto one = [&](const TensorSpec& t) {
    const RankSlice r = rank_slice(t, s);
    if (t.fused_rows && t.dim != 0) throw Error("fused tensors are split along rows: " + t.name);
    return read.slice(t.name, t.stored_shape(), t.dim, t.first_row + r.start, r.length);
  };
  auto part = [&](const TensorSpec& t) {
    if (t.dim != 0) throw Error("stacked weights are split along rows: " + t.name);
    const RankSlice r = rank_slice(t, s);
    return RowSlice{t.name, t.stored_shape(), t.first_row + r.start, r.length};
  };

  LlamaWeights w;
  const OuterTensors outer = outer_tensors(c);
  w.embed = one(outer.embed);
  w.lm_head = outer.lm_head ? one(*outer.lm_head) : w.embed;
  w.final_norm = one(outer.final_norm);
  for (std::int64_t layer = 0; layer < c.num_hidden_layers; ++layer) {
    const LayerTensors t = layer_tensors(c, layer);
    LayerWeights l;
    l.input_norm = one(t.input_norm);
    l.mlp_norm = one(t.mlp_norm);
    if (t.attention_output_norm) l.attention_output_norm = one(*t.attention_output_norm);
    if (t.mlp_output_norm) l.mlp_output_norm = one(*t.mlp_output_norm);
    // q, k and v (gate and up) are stacked into one weight, one matrix multiply for all three.
    l.qkv = read.stacked({part(t.q), part(t.k), part(t.v)});
    if (t.q_bias) l.qkv_bias = read.stacked({part(*t.q_bias), part(*t.k_bias), part(*t.v_bias)});
    if (t.q_norm) l.q_norm = one(*t.q_norm);
    if (t.k_norm) l.k_norm = one(*t.k_norm);
    l.o = one(t.o);
    if (t.o_bias) l.o_bias = one(*t.o_bias);
    if (t.mlp) {
      l.gate_up = read.stacked({part(t.mlp->gate), part(t.mlp->up)});
      l.down = one(t.mlp->down);
    } else {
      l.router = one(*t.router);
      for (const MlpTensors& e : t.experts) {
        l.expert_gate_up.push_back(read.stacked({part(e.gate), part(e.up)}));
        l.expert_down.push_back(one(e.down));
      }
    }
    w.layers.push_back(std::move(l));
  }
  for (const torch::Tensor& t : w.all())
    if (t.device() != spec.device)
      throw Error("weight loaded on " + t.device().str() + " instead of the rank's device " +
                  spec.device.str());
  return w;
}

}  // namespace

LlamaWeights load_llama_shard(const Checkpoint& checkpoint, const ModelConfig& config,
                              const ShardSpec& spec) {
  check_every_tensor_is_described(checkpoint, config);
  return assemble_shard(ShardReader(checkpoint, spec), config, spec);
}

LlamaWeights random_llama_shard(const ModelConfig& config, const ShardSpec& spec) {
  return assemble_shard(RandomShardSource(spec), config, spec);
}

}  // namespace mmlu
