#include "mmlu/checkpoint/model_config.hpp"

#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "mmlu/checkpoint/architectures.hpp"
#include "mmlu/checkpoint/config_fields.hpp"
#include "mmlu/checkpoint/model_tensors.hpp"
#include "mmlu/util/error.hpp"
#include "mmlu/util/json_file.hpp"

namespace mmlu {
namespace {

// Caps far above any published checkpoint (the largest have ~256k-token vocabularies, ~130
// layers, 128 heads of 256 and 53248-wide MLPs) yet low enough that every product the planner
// and the loader form from them (weights, KV cache, activations, parameter counts) stays inside
// 64 bits: unchecked, 4 + 2^59 heads of 32 wrap q_size() to 128 and pass every shape check.
constexpr std::int64_t kMaxVocab = std::int64_t{1} << 24;
constexpr std::int64_t kMaxWidth = std::int64_t{1} << 20;  // also num_attention_heads * head_dim
constexpr std::int64_t kMaxHeadDim = std::int64_t{1} << 16;
constexpr std::int64_t kMaxHeads = std::int64_t{1} << 16;
constexpr std::int64_t kMaxLayers = std::int64_t{1} << 16;
constexpr std::int64_t kMaxPositions = INT32_MAX;
constexpr std::uint64_t kMaxExpertsInAllLayers = std::uint64_t{1} << 18;
// rope_theta becomes a float32 scalar (rope.cpp); below 1 the frequencies exceed 1 and
// position * frequency leaves float range long before the last position.
constexpr double kMinRopeTheta = 1.0;
constexpr double kMaxRopeTheta = FLT_MAX;
// Scaling factors divide frequencies and wavelengths: 1e-310 makes them infinite. HF warns
// below 1; real configs use 1 to 64.
constexpr double kMinRopeFactor = 1e-6;
constexpr double kMaxRopeFactor = 1e6;

std::string show(double value) {
  std::ostringstream out;
  out << std::setprecision(10) << value;
  return out.str();
}

class Fields {
 public:
  Fields(const Json& json, std::string origin) : json_(json), origin_(std::move(origin)) {}

  [[noreturn]] void fail(const std::string& problem) const {
    throw InputError(origin_ + ": " + problem);
  }

  bool has(const char* key) const { return json_.contains(key) && !json_[key].is_null(); }

  std::int64_t positive_int(const char* key, std::int64_t max,
                            std::optional<std::int64_t> fallback = {}) const {
    if (!has(key)) {
      if (fallback) return *fallback;
      fail(std::string("missing field ") + key);
    }
    const Json& v = json_[key];
    if (!v.is_number_integer()) fail(std::string(key) + " must be an integer");
    // Non-negative integers arrive unsigned: compare before narrowing, or 2^64 - 1 reads as -1.
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(max))
      fail(std::string(key) + " must be at most " + std::to_string(max) + ", got " +
           std::to_string(v.get<std::uint64_t>()));
    std::int64_t value = v.get<std::int64_t>();
    if (value <= 0) fail(std::string(key) + " must be positive, got " + std::to_string(value));
    return value;
  }

  // A number in [min, max], or in (0, max] when min is 0.
  double number(const Json& object, const char* key, double fallback, double min,
                double max) const {
    if (!object.contains(key) || object[key].is_null()) return fallback;
    if (!object[key].is_number()) fail(std::string(key) + " must be a number");
    double value = object[key].get<double>();
    const bool above = min > 0 ? value >= min : value > 0;
    if (!above || !(value <= max))
      fail(std::string(key) + " must be " +
           (min > 0 ? "between " + show(min) + " and " : std::string("positive and at most ")) +
           show(max) + ", got " + show(value));
    return value;
  }

  bool flag(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    if (!json_[key].is_boolean()) fail(std::string(key) + " must be true or false");
    return json_[key].get<bool>();
  }

  const Json& json() const { return json_; }

 private:
  const Json& json_;
  std::string origin_;
};

const Architecture& architecture_of(const Fields& f) {
  const Json& j = f.json();
  if (f.has("architectures")) {
    if (!j["architectures"].is_array() || j["architectures"].empty() ||
        !j["architectures"][0].is_string())
      f.fail("architectures must be a non-empty list of names");
    const std::string name = j["architectures"][0].get<std::string>();
    if (const Architecture* a = find_architecture(name)) return *a;
    f.fail("architecture '" + name + "' is not supported (supported: " + supported_architectures() +
           ")");
  }
  if (f.has("model_type") && j["model_type"].is_string()) {
    const std::string type = j["model_type"].get<std::string>();
    if (const Architecture* a = find_model_type(type)) return *a;
    f.fail("model_type '" + type + "' is not supported (supported: " + supported_model_types() +
           ")");
  }
  f.fail("missing field architectures");
}

// The fields a rope object may hold for its type; transformers reads no others.
bool rope_field_known(const std::string& type, const std::string& key) {
  for (const char* common : {"rope_type", "type", "rope_theta", "partial_rotary_factor"})
    if (key == common) return true;
  if (type == "linear") return key == "factor";
  // transformers' dynamic scaling reads max_position_embeddings, never this field.
  if (type == "dynamic") return key == "factor" || key == "original_max_position_embeddings";
  if (type == "llama3")
    return key == "factor" || key == "low_freq_factor" || key == "high_freq_factor" ||
           key == "original_max_position_embeddings";
  if (type == "longrope")
    return key == "short_factor" || key == "long_factor" || key == "factor" ||
           key == "attention_factor" || key == "original_max_position_embeddings";
  return false;
}

// partial_rotary_factor (top level or in the rope object): rotating part of each head is only
// implemented where transformers' family reads the field (RopeTraits::partial).
void check_full_rotation(const Fields& f, const Json& object, const char* where) {
  if (!object.contains("partial_rotary_factor") || object["partial_rotary_factor"].is_null())
    return;
  const Json& v = object["partial_rotary_factor"];
  if (!v.is_number() || v.get<double>() != 1.0)
    f.fail(std::string(where) + "partial_rotary_factor " + v.dump() +
           " is not supported (rotary embeddings over whole heads only: 1.0)");
}

// The rope type an object names, as the family reads it: Phi-3 renames its old "su" and "yarn"
// to longrope and knows no other scaling; the others know linear, dynamic and llama3.
std::string rope_type_of(const Fields& f, const Json& rope, const RopeTraits& traits) {
  std::string type = "default";
  for (const char* key : {"rope_type", "type"})
    if (rope.contains(key) && rope[key].is_string()) {
      type = rope[key].get<std::string>();
      break;
    }
  if (traits.longrope_only) {
    if (type == "su" || type == "yarn") type = "longrope";
    if (type != "default" && type != "longrope")
      f.fail("rope scaling type '" + type + "' is not supported (transformers' Phi-3: longrope)");
  } else if (type != "default" && type != "linear" && type != "dynamic" && type != "llama3") {
    f.fail("rope scaling type '" + type +
           "' is not supported (supported: linear, dynamic, llama3)");
  }
  return type;
}

// A longrope list of per-frequency factors: one positive number for each rotated pair.
std::vector<double> rope_factor_list(const Fields& f, const Json& rope, const std::string& name,
                                     const char* key, std::int64_t rotary_dim) {
  if (!rope.contains(key) || !rope[key].is_array())
    f.fail(name + "." + key + " must be a list: rope scaling 'longrope' needs it");
  const Json& list = rope[key];
  if (static_cast<std::int64_t>(list.size()) != rotary_dim / 2)
    f.fail(name + "." + key + " has " + std::to_string(list.size()) + " factors, but " +
           std::to_string(rotary_dim) + " rotary dimensions need " +
           std::to_string(rotary_dim / 2));
  std::vector<double> out;
  for (const Json& v : list) {
    if (!v.is_number() || !(v.get<double>() >= kMinRopeFactor && v.get<double>() <= kMaxRopeFactor))
      f.fail(name + "." + key + ": " + v.dump() + " is not a factor between " +
             show(kMinRopeFactor) + " and " + show(kMaxRopeFactor));
    out.push_back(v.get<double>());
  }
  return out;
}

// One rope object (rope_scaling, rope_parameters or one of Gemma 3's per-layer-type ones): its
// rope_theta over `theta`, its type and factors into `s`. Longrope's factors depend on the
// model's max_position_embeddings and, for Phi-3, its top-level original_max_position_embeddings
// (`original`), which transformers lets win over the object's own.
void parse_rope_object(const Fields& f, const Json& rope, const std::string& name,
                       const RopeTraits& traits, std::int64_t rotary_dim,
                       std::int64_t max_positions, std::int64_t original, double& theta,
                       RopeScaling& s) {
  if (!rope.is_object()) f.fail(name + " must be an object");
  theta = f.number(rope, "rope_theta", theta, kMinRopeTheta, kMaxRopeTheta);
  if (!traits.partial) check_full_rotation(f, rope, (name + ".").c_str());
  const std::string type = rope_type_of(f, rope, traits);
  for (const auto& [key, value] : rope.items())
    if (!value.is_null() && !rope_field_known(type, key))
      f.fail(name + "." + key + " is not supported with rope type '" + type + "' (transformers' " +
             type + " rope does not read it, or it is not implemented)");
  if (type == "default") return;
  s.type = type;
  if (type == "longrope") {
    s.short_factor = rope_factor_list(f, rope, name, "short_factor", rotary_dim);
    s.long_factor = rope_factor_list(f, rope, name, "long_factor", rotary_dim);
    const double own = f.number(rope, "original_max_position_embeddings",
                                static_cast<double>(original), 1.0, kMaxPositions);
    if (own != static_cast<double>(original))
      f.fail(name + ".original_max_position_embeddings (" + show(own) +
             ") disagrees with original_max_position_embeddings (" + std::to_string(original) +
             "), which transformers' Phi-3 uses");
    // ln(original) divides: a context of 1 has none.
    if (original < 2)
      f.fail("original_max_position_embeddings must be at least 2 for rope scaling 'longrope'");
    s.original_max_position_embeddings = original;
    s.factor =
        f.number(rope, "factor", static_cast<double>(max_positions) / static_cast<double>(original),
                 kMinRopeFactor, kMaxRopeFactor);
    const double suggested =
        s.factor <= 1.0
            ? 1.0
            : std::sqrt(1.0 + std::log(s.factor) / std::log(static_cast<double>(original)));
    s.attention_factor =
        f.number(rope, "attention_factor", suggested, kMinRopeFactor, kMaxRopeFactor);
    return;
  }
  s.factor = f.number(rope, "factor", 0.0, kMinRopeFactor, kMaxRopeFactor);
  if (s.factor == 0.0) f.fail("rope scaling '" + type + "' needs a factor");
  // The dynamic base grows as ratio ** (dim / (dim - 2)), as in HF.
  if (type == "dynamic" && rotary_dim <= 2)
    f.fail("rope scaling 'dynamic' needs head_dim above 2, got " + std::to_string(rotary_dim));
  if (type == "llama3") {
    s.low_freq_factor = f.number(rope, "low_freq_factor", 1.0, kMinRopeFactor, kMaxRopeFactor);
    s.high_freq_factor = f.number(rope, "high_freq_factor", 4.0, kMinRopeFactor, kMaxRopeFactor);
    // The band between the two is interpolated over high - low: equal factors divide by zero.
    if (!(s.high_freq_factor > s.low_freq_factor))
      f.fail("high_freq_factor (" + show(s.high_freq_factor) +
             ") must be greater than low_freq_factor (" + show(s.low_freq_factor) + ")");
    double original_context = f.number(rope, "original_max_position_embeddings", 0.0, 1.0,
                                       static_cast<double>(kMaxPositions));
    if (original_context == 0.0)
      f.fail("rope scaling 'llama3' needs original_max_position_embeddings");
    if (original_context != std::floor(original_context))
      f.fail("original_max_position_embeddings must be a whole number, got " +
             show(original_context));
    s.original_max_position_embeddings = static_cast<std::int64_t>(original_context);
  }
}

bool non_empty_rope_scaling(const Fields& f) {
  const Json& j = f.json();
  return f.has("rope_scaling") && !(j["rope_scaling"].is_object() && j["rope_scaling"].empty());
}

// Gemma 3 rotates global and sliding layers differently. transformers 5 writes rope_parameters
// as {"full_attention": {...}, "sliding_attention": {...}}; older configs give rope_theta,
// rope_local_base_freq (the sliding layers' base) and rope_scaling (the global layers').
void parse_gemma3_rope(const Fields& f, ModelConfig& c) {
  const Json& j = f.json();
  ModelConfig::LocalRope local;
  local.theta = f.number(j, "rope_local_base_freq", 10000.0, kMinRopeTheta, kMaxRopeTheta);
  if (f.has("rope_parameters")) {
    const Json& rope = j["rope_parameters"];
    if (!rope.is_object()) f.fail("rope_parameters must be an object");
    for (const auto& [key, value] : rope.items())
      if (key != "full_attention" && key != "sliding_attention")
        f.fail("rope_parameters." + key +
               " is not supported (Gemma 3 names full_attention and sliding_attention)");
    if (rope.contains("full_attention"))
      parse_rope_object(f, rope["full_attention"], "rope_parameters.full_attention", {},
                        c.rotary_dim, c.max_position_embeddings, 0, c.rope_theta, c.rope_scaling);
    if (rope.contains("sliding_attention"))
      parse_rope_object(f, rope["sliding_attention"], "rope_parameters.sliding_attention", {},
                        c.rotary_dim, c.max_position_embeddings, 0, local.theta, local.scaling);
  }
  if (non_empty_rope_scaling(f))
    parse_rope_object(f, j["rope_scaling"], "rope_scaling", {}, c.rotary_dim,
                      c.max_position_embeddings, 0, c.rope_theta, c.rope_scaling);
  c.local_rope = local;
}

// The rotated part of each head: Phi-3 reads partial_rotary_factor from its rope object, else
// from the top level, and rotates the first int(head_dim * factor) dimensions.
std::int64_t rotary_dim_of(const Fields& f, const Json* rope, std::int64_t head_dim) {
  const Json& j = f.json();
  double factor = f.number(j, "partial_rotary_factor", 1.0, 0.0, 1.0);
  if (rope && rope->is_object())
    factor = f.number(*rope, "partial_rotary_factor", factor, 0.0, 1.0);
  const auto dim = static_cast<std::int64_t>(static_cast<double>(head_dim) * factor);
  if (dim < 2 || dim % 2 != 0)
    f.fail("partial_rotary_factor " + show(factor) + " rotates " + std::to_string(dim) +
           " dimensions of head_dim " + std::to_string(head_dim) +
           ": rotary embeddings need a positive even number");
  return dim;
}

// rope_scaling (older configs) or rope_parameters (newer ones, which also carry rope_theta). As
// in transformers, a non-empty rope_scaling wins over rope_parameters.
void parse_rope(const Fields& f, const Architecture& family, ModelConfig& c) {
  const Json& j = f.json();
  c.rope_theta = f.number(j, "rope_theta", family.default_rope_theta, kMinRopeTheta, kMaxRopeTheta);
  c.rotary_dim = c.head_dim;
  if (family.gemma.local_rope) {
    check_full_rotation(f, j, "");
    return parse_gemma3_rope(f, c);
  }
  const char* name = non_empty_rope_scaling(f)  ? "rope_scaling"
                     : f.has("rope_parameters") ? "rope_parameters"
                                                : nullptr;
  const Json* rope = name ? &j[name] : nullptr;
  if (family.rope.partial)
    c.rotary_dim = rotary_dim_of(f, rope, c.head_dim);
  else
    check_full_rotation(f, j, "");
  // Phi-3's pretraining context is a top-level field (4096 unless given).
  std::int64_t original = 0;
  if (family.rope.longrope_only)
    original = f.positive_int("original_max_position_embeddings", kMaxPositions, 4096);
  if (rope)
    parse_rope_object(f, *rope, name, family.rope, c.rotary_dim, c.max_position_embeddings,
                      original, c.rope_theta, c.rope_scaling);
}

DType dtype_of(const Fields& f) {
  const Json& j = f.json();
  for (const char* key : {"dtype", "torch_dtype"}) {
    if (!f.has(key)) continue;
    if (!j[key].is_string()) f.fail(std::string(key) + " must be a string");
    std::string name = j[key].get<std::string>();
    if (name == "float32") return DType::kFloat32;
    if (name == "bfloat16") return DType::kBFloat16;
    if (name == "float16") return DType::kFloat16;
    f.fail(std::string(key) + " '" + name + "' is not supported (float32, bfloat16, float16)");
  }
  return DType::kFloat32;
}

// transformers' ACT2FN names the MLP's gate activation; the family says which field holds it.
Activation activation_of(const Fields& f, const Architecture& family) {
  const std::string field(family.activation_field);
  if (!f.has(field.c_str())) {
    if (family.default_activation == "gelu_pytorch_tanh") return Activation::kGeluTanh;
    return Activation::kSilu;
  }
  const Json& act = f.json()[field];
  if (act == "silu" || act == "swish") return Activation::kSilu;
  if (act == "gelu") return Activation::kGelu;
  if (act == "gelu_pytorch_tanh") return Activation::kGeluTanh;
  f.fail(field + " " + act.dump() +
         " is not supported (silu or its alias swish, gelu, gelu_pytorch_tanh)");
}

// A soft cap: absent takes the family's default, null (as transformers reads it) none.
double softcap(const Fields& f, const char* key, double fallback) {
  if (f.json().contains(key) && f.json()[key].is_null()) return 0;
  return f.number(f.json(), key, fallback, 0.0, 1e9);
}

// Gemma's block: (1 + w) norms, sandwich norms, the scaled embedding, query_pre_attn_scalar and
// the soft caps (architectures.hpp GemmaTraits).
void parse_gemma(const Fields& f, const GemmaTraits& gemma, ModelConfig& c) {
  if (!gemma.present) return;
  c.norm_adds_one = true;
  c.sandwich_norms = true;
  c.embedding_scale = std::sqrt(static_cast<double>(c.hidden_size));
  c.attention_scale = 1.0 / std::sqrt(f.number(f.json(), "query_pre_attn_scalar",
                                               gemma.default_query_pre_attn_scalar, 0.0, 1e9));
  c.attn_softcap = softcap(f, "attn_logit_softcapping", gemma.default_attn_softcap);
  c.final_softcap = softcap(f, "final_logit_softcapping", gemma.default_final_softcap);
  if (f.flag("use_bidirectional_attention", false))
    f.fail("use_bidirectional_attention true is not supported (causal attention only)");
}

// Fields read only to make sure they ask for nothing the forward pass lacks.
void check_implemented_values(const Fields& f, const ModelConfig& c) {
  const Json& j = f.json();
  if (f.flag("mlp_bias", false))
    f.fail("mlp_bias true is not supported (the MLP's projections carry no bias here)");
  if (f.flag("lm_head_bias", false))
    f.fail("lm_head_bias true is not supported (the output projection carries no bias here)");
  // Phi-4-mini's remote code reads these; transformers' Phi-3, whose values they are, does not.
  for (const char* key : {"full_attn_mod", "interpolate_factor"})
    if (f.has(key) && j[key] != 1)
      f.fail(std::string(key) + " " + j[key].dump() +
             " is not supported (1 only: every layer attends fully, positions unscaled, as in "
             "transformers' Phi-3)");
  if (f.has("quantization_config"))
    f.fail("quantization_config: quantized checkpoints are not supported (" + c.architecture +
           " weights in float32, bfloat16 or float16 only)");
  if (f.has("pruned_heads") && !j["pruned_heads"].empty())
    f.fail("pruned_heads " + j["pruned_heads"].dump() +
           " is not supported (every layer keeps all its heads here)");
}

// Mistral (and Mixtral) attend within sliding_window tokens in every layer: transformers hides
// key k from query q unless q - window < k <= q. Qwen2 and Qwen3 do only with
// use_sliding_window, in the layers layer_types names (by default those from max_window_layers
// on); Qwen3-MoE then in every layer.
void parse_sliding_window(const Fields& f, const Architecture& family, ModelConfig& c) {
  const Json& j = f.json();
  if (family.window == SlidingWindow::kNone) return;
  const bool selected = family.window == SlidingWindow::kQwenSelectedLayers;
  const bool typed = family.window == SlidingWindow::kLayerTypes;
  // Qwen's window applies only with use_sliding_window. Absent, it is the family's default
  // (Mistral's, Qwen's and Gemma's 4096; Mixtral and Phi-3 none); null, as transformers reads
  // it, is no window.
  const bool null_window = j.contains("sliding_window") && j["sliding_window"].is_null();
  const bool enabled =
      family.window == SlidingWindow::kEveryLayer || typed || f.flag("use_sliding_window", false);
  std::optional<std::int64_t> window;
  if (enabled && f.has("sliding_window"))
    window = f.positive_int("sliding_window", kMaxPositions);
  else if (enabled && !null_window && family.default_window)
    window = family.default_window;
  // Mistral's, Mixtral's and Qwen3-MoE's cover every layer; Gemma's all but every pattern-th by
  // default (Gemma 2: layers 0, 2, 4, ...).
  std::vector<bool> windowed(static_cast<std::size_t>(c.num_hidden_layers), !selected);
  if (typed) {
    // transformers' Gemma 3 takes the pattern from sliding_window_pattern where given.
    const std::int64_t pattern =
        family.gemma.local_rope
            ? f.positive_int("sliding_window_pattern", kMaxLayers, family.window_pattern)
            : family.window_pattern;
    for (std::size_t layer = 0; layer < windowed.size(); ++layer)
      windowed[layer] = (static_cast<std::int64_t>(layer) + 1) % pattern != 0;
  }
  if ((selected || typed) && f.has("layer_types")) {
    const Json& types = j["layer_types"];
    if (!types.is_array() || static_cast<std::int64_t>(types.size()) != c.num_hidden_layers)
      f.fail("layer_types must name the type of each of the " +
             std::to_string(c.num_hidden_layers) + " layers");
    for (std::size_t layer = 0; layer < types.size(); ++layer) {
      const Json& type = types[layer];
      if (type != "full_attention" && type != "sliding_attention")
        f.fail("layer_types: " + type.dump() +
               " is not supported (full_attention, sliding_attention)");
      windowed[layer] = type == "sliding_attention";
    }
    if (!window && std::find(windowed.begin(), windowed.end(), true) != windowed.end())
      f.fail(
          "layer_types names sliding_attention layers, but no sliding window applies "
          "(use_sliding_window is false or sliding_window null)");
  } else if (typed && !window &&
             std::find(windowed.begin(), windowed.end(), true) != windowed.end()) {
    f.fail("sliding_window null leaves the sliding_attention layers without a window");
  } else if (selected && window) {
    std::int64_t first = 28;
    if (f.has("max_window_layers")) {
      const Json& v = j["max_window_layers"];
      if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
        f.fail("max_window_layers must be a whole number of layers, got " + v.dump());
      first = v.get<std::int64_t>();
    }
    for (std::int64_t layer = first; layer < c.num_hidden_layers; ++layer)
      windowed[static_cast<std::size_t>(layer)] = true;
  }
  if (!window || std::find(windowed.begin(), windowed.end(), true) == windowed.end()) return;
  c.sliding_window = window;
  c.windowed_layers = std::move(windowed);
}

// num_experts (transformers 5 writes num_local_experts for both families and reads either),
// the top k, the experts' width and which layers are sparse: transformers' Qwen3-MoE makes layer
// L sparse unless mlp_only_layers lists it, when (L + 1) is a multiple of decoder_sparse_step.
void parse_experts(const Fields& f, const ExpertLayout& layout, ModelConfig& c) {
  if (layout.block.empty()) return;
  const Json& j = f.json();
  const bool both = f.has("num_experts") && f.has("num_local_experts");
  if (both && j["num_experts"] != j["num_local_experts"])
    f.fail("num_experts " + j["num_experts"].dump() + " and num_local_experts " +
           j["num_local_experts"].dump() + " disagree");
  const char* count_field = f.has("num_experts") ? "num_experts" : "num_local_experts";
  ExpertConfig& e = c.experts;
  // Qwen3-MoE with no experts is a dense model; a Mixtral without them cannot route.
  const bool may_be_dense = layout.default_moe_intermediate != 0;
  if (may_be_dense && f.has(count_field) && j[count_field] == 0) return;
  e.count = f.positive_int(count_field, kMaxHeads, layout.default_experts);
  // Real mixtures store at most ~50k expert tensors; the cap keeps a hostile config from
  // describing billions (the tensor check lists them all).
  if (static_cast<std::uint64_t>(e.count) * c.num_hidden_layers > kMaxExpertsInAllLayers)
    f.fail(count_field + std::string(" (") + std::to_string(e.count) + ") times " +
           std::to_string(c.num_hidden_layers) + " layers exceeds " +
           std::to_string(kMaxExpertsInAllLayers) + " experts");
  e.per_token = f.positive_int("num_experts_per_tok", kMaxHeads, layout.default_experts_per_token);
  if (e.per_token > e.count)
    f.fail("num_experts_per_tok (" + std::to_string(e.per_token) + ") exceeds the " +
           std::to_string(e.count) + " experts");
  e.scores_in_fp32 = layout.scores_in_fp32;
  e.sparse_layers.assign(static_cast<std::size_t>(c.num_hidden_layers), true);
  if (!may_be_dense) {  // Mixtral: every layer, experts as wide as intermediate_size, top k summing
                        // to 1
    e.intermediate_size = c.intermediate_size;
    e.normalize_top_k = true;
    return;
  }
  e.intermediate_size =
      f.positive_int("moe_intermediate_size", kMaxWidth, layout.default_moe_intermediate);
  e.normalize_top_k = f.flag("norm_topk_prob", false);
  const std::int64_t step = f.positive_int("decoder_sparse_step", kMaxLayers, 1);
  for (std::int64_t layer = 0; layer < c.num_hidden_layers; ++layer)
    e.sparse_layers[static_cast<std::size_t>(layer)] = (layer + 1) % step == 0;
  if (f.has("mlp_only_layers")) {
    const Json& dense = j["mlp_only_layers"];
    if (!dense.is_array()) f.fail("mlp_only_layers must be a list of layer indices");
    for (const Json& layer : dense) {
      if (!layer.is_number_integer() || layer.get<std::int64_t>() < 0 ||
          layer.get<std::int64_t>() >= c.num_hidden_layers)
        f.fail("mlp_only_layers: " + layer.dump() + " is not a layer index below " +
               std::to_string(c.num_hidden_layers));
      e.sparse_layers[layer.get<std::size_t>()] = false;
    }
  }
}

ModelConfig parse(const Json& json, const std::string& origin);

// A multimodal checkpoint run as its language model: text_config is that model's config.json
// (its family named by the wrapper's row), the wrapper's own fields are checked like any, and the
// dtype and embedding tie may be given at either level.
ModelConfig parse_language_model_of(const Fields& f, const Architecture& wrapper,
                                    const std::string& origin) {
  const Json& j = f.json();
  check_known_fields(j, std::string(wrapper.name), origin);
  if (!f.has("text_config") || !j["text_config"].is_object())
    f.fail("text_config must be an object: the language model's configuration");
  Json text = j["text_config"];
  const Architecture* family = find_architecture(wrapper.wrapper.text_architecture);
  if (text.contains("model_type") && text["model_type"] != family->model_type)
    f.fail("text_config.model_type " + text["model_type"].dump() + " is not " +
           std::string(wrapper.name) + "'s language model (" + std::string(family->model_type) +
           ")");
  text["architectures"] = Json::array({std::string(family->name)});
  for (const char* key : {"dtype", "torch_dtype"})
    if (f.has(key) && !text.contains(key)) text[key] = j[key];
  if (f.has("tie_word_embeddings")) {
    if (text.contains("tie_word_embeddings") &&
        text["tie_word_embeddings"] != j["tie_word_embeddings"])
      f.fail("tie_word_embeddings " + j["tie_word_embeddings"].dump() +
             " disagrees with text_config.tie_word_embeddings " +
             text["tie_word_embeddings"].dump());
    text["tie_word_embeddings"] = j["tie_word_embeddings"];
  }
  ModelConfig c = parse(text, origin + " text_config");
  check_implemented_values(f, c);  // the wrapper's own quantization_config, pruned_heads
  c.origin = origin;
  c.tensor_prefix = wrapper.wrapper.prefix;
  for (std::string_view unused : wrapper.wrapper.unused_prefixes)
    if (!unused.empty()) c.unused_tensor_prefixes.emplace_back(unused);
  return c;
}

ModelConfig parse(const Json& json, const std::string& origin) {
  if (!json.is_object()) throw InputError(origin + ": expected a JSON object");
  Fields f(json, origin);
  ModelConfig c;
  c.origin = origin;
  const Architecture& family = architecture_of(f);
  if (!family.wrapper.text_architecture.empty()) return parse_language_model_of(f, family, origin);
  c.architecture = family.name;
  check_known_fields(json, c.architecture, origin);
  c.vocab_size = f.positive_int("vocab_size", kMaxVocab);
  c.hidden_size = f.positive_int("hidden_size", kMaxWidth);
  c.intermediate_size = f.positive_int("intermediate_size", kMaxWidth);
  c.num_hidden_layers = f.positive_int("num_hidden_layers", kMaxLayers);
  c.num_attention_heads = f.positive_int("num_attention_heads", kMaxHeads);
  // transformers' defaults where the field is absent (the family's row of architectures.cpp).
  c.num_key_value_heads =
      f.positive_int("num_key_value_heads", kMaxHeads,
                     family.default_kv_heads ? family.default_kv_heads : c.num_attention_heads);
  if (c.num_attention_heads % c.num_key_value_heads != 0)
    f.fail("num_key_value_heads (" + std::to_string(c.num_key_value_heads) +
           ") does not divide num_attention_heads (" + std::to_string(c.num_attention_heads) + ")");
  if (f.has("head_dim")) {
    c.head_dim = f.positive_int("head_dim", kMaxHeadDim);
  } else if (family.default_head_dim) {
    c.head_dim = family.default_head_dim;
  } else {
    if (c.hidden_size % c.num_attention_heads != 0)
      f.fail("hidden_size (" + std::to_string(c.hidden_size) +
             ") is not a multiple of num_attention_heads (" +
             std::to_string(c.num_attention_heads) + ") and no head_dim is given");
    c.head_dim = c.hidden_size / c.num_attention_heads;
  }
  if (c.head_dim % 2 != 0) f.fail("head_dim must be even for rotary embeddings");
  // Both factors are capped at 2^16, so the product itself cannot wrap.
  if (c.q_size() > kMaxWidth)
    f.fail("num_attention_heads * head_dim (" + std::to_string(c.num_attention_heads) + " * " +
           std::to_string(c.head_dim) + ") must be at most " + std::to_string(kMaxWidth));
  c.max_position_embeddings =
      f.positive_int("max_position_embeddings", kMaxPositions, family.default_max_positions);
  c.rms_norm_eps = f.number(json, "rms_norm_eps", family.default_rms_norm_eps, 0.0, 1.0);
  parse_rope(f, family, c);
  c.tie_word_embeddings = f.flag("tie_word_embeddings", family.default_tied);
  // Qwen2's q/k/v always carry a bias and its o_proj never; Llama's and Qwen3's attention_bias
  // is all four projections' (check_known_fields refuses the field elsewhere).
  const bool field = family.bias == AttentionBias::kFieldQkvo && f.flag("attention_bias", false);
  if (family.bias == AttentionBias::kNone && f.flag("attention_bias", false))
    f.fail("attention_bias true is not supported (transformers' " + c.architecture +
           " has no attention biases)");
  c.attention_bias = family.bias == AttentionBias::kQkv || field;
  c.output_bias = field;
  c.qk_norm = family.qk_norm;
  c.activation = activation_of(f, family);
  parse_gemma(f, family.gemma, c);
  check_implemented_values(f, c);
  parse_sliding_window(f, family, c);
  parse_experts(f, family.experts, c);
  // Bytes at 8 per weight must fit too: the loader and planner multiply by the element size.
  const auto parameters = shard_elements(c, 1);
  if (!parameters || *parameters > INT64_MAX / 8)
    f.fail("the model's parameter count does not fit in 64 bits (fields too large together)");
  c.torch_dtype = dtype_of(f);
  return c;
}

}  // namespace

bool ModelConfig::has_dense_layers() const {
  for (std::int64_t layer = 0; layer < num_hidden_layers; ++layer)
    if (!sparse_layer(layer)) return true;
  return false;
}

bool ModelConfig::has_sparse_layers() const {
  for (std::int64_t layer = 0; layer < num_hidden_layers; ++layer)
    if (sparse_layer(layer)) return true;
  return false;
}

ModelConfig parse_model_config(const std::string& json_text, const std::string& origin) {
  return parse(parse_json_text(json_text, origin), origin);
}

ModelConfig load_model_config(const std::filesystem::path& model_dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(model_dir, ec))
    throw InputError(model_dir.string() + ": model directory not found");
  const auto path = model_dir / "config.json";
  return parse(read_json_file(path), path.string());
}

}  // namespace mmlu
