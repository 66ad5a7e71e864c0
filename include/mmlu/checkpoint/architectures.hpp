#pragma once
// The families this build runs, as data: one row per architecture name of config.json says
// what transformers assumes where a field is absent and which traits the shared decoder block
// takes for it. config_fields.cpp lists each family's fields; model_tensors.cpp names its
// tensors from the traits; the forward pass reads the traits from ModelConfig.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace mmlu {

// The architectures as bits, so a config field can belong to several.
enum ArchitectureBit : unsigned {
  kLlamaBit = 1,
  kMistralBit = 2,
  kQwen2Bit = 4,
  kQwen3Bit = 8,
  kAllArchitectures = 15,
};

// Which projections carry a bias.
enum class AttentionBias {
  kNone,       // Mistral
  kQkv,        // q, k and v always (Qwen2); o never
  kFieldQkvo,  // q, k, v and o when attention_bias is true (Llama, Qwen3)
};

// Where a sliding window applies, when config.json gives one.
enum class SlidingWindow {
  kNone,
  kEveryLayer,          // Mistral: sliding_window alone turns it on, for every layer
  kQwenSelectedLayers,  // Qwen2/3: use_sliding_window, then layer_types or max_window_layers
};

struct Architecture {
  std::string_view name;        // config.json's architectures[0]
  std::string_view model_type;  // config.json's model_type
  unsigned bit = 0;
  // transformers' values where the field is absent (0: derived, see ModelConfig).
  std::int64_t default_kv_heads = 0;  // 0: num_attention_heads
  std::int64_t default_max_positions = 0;
  std::int64_t default_head_dim = 0;  // 0: hidden_size / num_attention_heads
  AttentionBias bias = AttentionBias::kNone;
  SlidingWindow window = SlidingWindow::kNone;
  bool qk_norm = false;  // per-head RMSNorm of q and k before rotary (Qwen3)
};

std::span<const Architecture> architectures();
// nullptr when this build does not run it.
const Architecture* find_architecture(std::string_view name);
const Architecture* find_model_type(std::string_view model_type);
// "LlamaForCausalLM, MistralForCausalLM, ..." (or the model types), for messages.
std::string supported_architectures();
std::string supported_model_types();

}  // namespace mmlu
