#include "mmlu/model_config.hpp"

#include <array>

#include "mmlu/error.hpp"
#include "mmlu/json_file.hpp"

namespace mmlu {
namespace {

constexpr std::array<const char*, 3> kArchitectures = {"LlamaForCausalLM", "MistralForCausalLM",
                                                       "Qwen2ForCausalLM"};

class Fields {
 public:
  Fields(const Json& json, std::string origin) : json_(json), origin_(std::move(origin)) {}

  [[noreturn]] void fail(const std::string& problem) const {
    throw InputError(origin_ + ": " + problem);
  }

  bool has(const char* key) const { return json_.contains(key) && !json_[key].is_null(); }

  std::int64_t positive_int(const char* key, std::optional<std::int64_t> fallback = {}) const {
    if (!has(key)) {
      if (fallback) return *fallback;
      fail(std::string("missing field ") + key);
    }
    const Json& v = json_[key];
    if (!v.is_number_integer()) fail(std::string(key) + " must be an integer");
    std::int64_t value = v.get<std::int64_t>();
    if (value <= 0) fail(std::string(key) + " must be positive, got " + std::to_string(value));
    return value;
  }

  double positive_number(const Json& object, const char* key, double fallback) const {
    if (!object.contains(key) || object[key].is_null()) return fallback;
    if (!object[key].is_number()) fail(std::string(key) + " must be a number");
    double value = object[key].get<double>();
    if (!(value > 0)) fail(std::string(key) + " must be positive");
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

std::string architecture_of(const Fields& f) {
  const Json& j = f.json();
  if (f.has("architectures")) {
    if (!j["architectures"].is_array() || j["architectures"].empty() ||
        !j["architectures"][0].is_string())
      f.fail("architectures must be a non-empty list of names");
    std::string name = j["architectures"][0].get<std::string>();
    for (const char* known : kArchitectures)
      if (name == known) return name;
    f.fail("architecture '" + name +
           "' is not supported (supported: LlamaForCausalLM, MistralForCausalLM, "
           "Qwen2ForCausalLM)");
  }
  if (f.has("model_type") && j["model_type"].is_string()) {
    std::string type = j["model_type"].get<std::string>();
    if (type == "llama") return "LlamaForCausalLM";
    if (type == "mistral") return "MistralForCausalLM";
    if (type == "qwen2") return "Qwen2ForCausalLM";
    f.fail("model_type '" + type + "' is not supported (supported: llama, mistral, qwen2)");
  }
  f.fail("missing field architectures");
}

// rope_scaling (older configs) or rope_parameters (newer ones, which also carry rope_theta).
void parse_rope(const Fields& f, ModelConfig& c) {
  const Json& j = f.json();
  const Json* rope = nullptr;
  if (f.has("rope_parameters"))
    rope = &j["rope_parameters"];
  else if (f.has("rope_scaling"))
    rope = &j["rope_scaling"];
  c.rope_theta = f.positive_number(j, "rope_theta", 10000.0);
  if (!rope) return;
  if (!rope->is_object()) f.fail("rope_scaling must be an object");
  c.rope_theta = f.positive_number(*rope, "rope_theta", c.rope_theta);
  std::string type;
  for (const char* key : {"rope_type", "type"})
    if (rope->contains(key) && (*rope)[key].is_string()) {
      type = (*rope)[key].get<std::string>();
      break;
    }
  if (type.empty() || type == "default") return;
  if (type != "linear" && type != "dynamic" && type != "llama3")
    f.fail("rope scaling type '" + type +
           "' is not supported (supported: linear, dynamic, llama3)");
  RopeScaling& s = c.rope_scaling;
  s.type = type;
  s.factor = f.positive_number(*rope, "factor", 0.0);
  if (s.factor == 0.0) f.fail("rope scaling '" + type + "' needs a factor");
  if (type == "llama3") {
    s.low_freq_factor = f.positive_number(*rope, "low_freq_factor", 1.0);
    s.high_freq_factor = f.positive_number(*rope, "high_freq_factor", 4.0);
    double original = f.positive_number(*rope, "original_max_position_embeddings", 0.0);
    if (original == 0.0) f.fail("rope scaling 'llama3' needs original_max_position_embeddings");
    s.original_max_position_embeddings = static_cast<std::int64_t>(original);
  }
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

ModelConfig parse(const Json& json, const std::string& origin) {
  if (!json.is_object()) throw InputError(origin + ": expected a JSON object");
  Fields f(json, origin);
  ModelConfig c;
  c.architecture = architecture_of(f);
  const bool qwen2 = c.architecture == "Qwen2ForCausalLM";
  c.vocab_size = f.positive_int("vocab_size");
  c.hidden_size = f.positive_int("hidden_size");
  c.intermediate_size = f.positive_int("intermediate_size");
  c.num_hidden_layers = f.positive_int("num_hidden_layers");
  c.num_attention_heads = f.positive_int("num_attention_heads");
  c.num_key_value_heads = f.positive_int("num_key_value_heads", c.num_attention_heads);
  if (c.num_attention_heads % c.num_key_value_heads != 0)
    f.fail("num_key_value_heads (" + std::to_string(c.num_key_value_heads) +
           ") does not divide num_attention_heads (" + std::to_string(c.num_attention_heads) + ")");
  if (f.has("head_dim")) {
    c.head_dim = f.positive_int("head_dim");
  } else {
    if (c.hidden_size % c.num_attention_heads != 0)
      f.fail("hidden_size (" + std::to_string(c.hidden_size) +
             ") is not a multiple of num_attention_heads (" +
             std::to_string(c.num_attention_heads) + ") and no head_dim is given");
    c.head_dim = c.hidden_size / c.num_attention_heads;
  }
  if (c.head_dim % 2 != 0) f.fail("head_dim must be even for rotary embeddings");
  c.max_position_embeddings = f.positive_int("max_position_embeddings", qwen2 ? 32768 : 2048);
  c.rms_norm_eps = f.positive_number(json, "rms_norm_eps", 1e-6);
  parse_rope(f, c);
  c.tie_word_embeddings = f.flag("tie_word_embeddings", false);
  c.attention_bias = qwen2 || f.flag("attention_bias", false);
  c.torch_dtype = dtype_of(f);
  return c;
}

}  // namespace

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
