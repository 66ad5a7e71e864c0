#pragma once
// The shape of a Llama-family checkpoint, read from its Hugging Face config.json.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "mmlu/checkpoint/dtype.hpp"

namespace mmlu {

struct RopeScaling {
  std::string type;  // "", "linear", "dynamic" or "llama3"
  double factor = 1.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  std::int64_t original_max_position_embeddings = 0;
};

struct ModelConfig {
  std::string architecture;  // LlamaForCausalLM, MistralForCausalLM or Qwen2ForCausalLM
  std::int64_t vocab_size = 0;
  std::int64_t hidden_size = 0;
  std::int64_t intermediate_size = 0;
  std::int64_t num_hidden_layers = 0;
  std::int64_t num_attention_heads = 0;
  std::int64_t num_key_value_heads = 0;
  std::int64_t head_dim = 0;
  std::int64_t max_position_embeddings = 0;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  bool tie_word_embeddings = false;
  bool attention_bias = false;  // q/k/v carry a bias (Qwen2 always does)
  DType torch_dtype = DType::kFloat32;

  std::int64_t q_size() const { return num_attention_heads * head_dim; }
  std::int64_t kv_size() const { return num_key_value_heads * head_dim; }
};

// Parses and validates DIR/config.json. Every problem is an InputError naming the file and the
// field ("config.json: num_attention_heads (7) does not divide ..."). Sizes are capped far above
// any real model (vocab_size 2^24; hidden_size, intermediate_size and num_attention_heads *
// head_dim 2^20; heads, head_dim and layers 2^16; positions 2^31 - 1) so that no product of
// them wraps; rope numbers are kept where rope.cpp's float32 arithmetic stays finite.
ModelConfig load_model_config(const std::filesystem::path& model_dir);

// Same rules on an in-memory JSON text; `origin` names it in errors.
ModelConfig parse_model_config(const std::string& json_text, const std::string& origin);

}  // namespace mmlu
