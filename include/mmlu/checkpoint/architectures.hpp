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
  kQwen3MoeBit = 16,
  kMixtralBit = 32,
  kGemma2Bit = 64,
  kGemma3TextBit = 128,
  kGemma3Bit = 256,  // the multimodal wrapper's own fields
  kPhi3Bit = 512,
  kAllArchitectures = 1023,
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
  kEveryLayer,          // Mistral: sliding_window (or its default) alone, for every layer
  kQwenSelectedLayers,  // Qwen2/3: use_sliding_window, then layer_types or max_window_layers
  kQwenEveryLayer,      // Qwen3-MoE: use_sliding_window, then every layer
  kLayerTypes,          // Gemma: layer_types, by default all but every window_pattern-th layer
};

// Gemma's decoder block against Llama's: RMSNorm scales by (1 + w) in fp32, the attention and MLP
// outputs are normed too before they join the residual ("sandwich"), the embedding is scaled by
// sqrt(hidden_size), attention scores are scaled by query_pre_attn_scalar^-0.5, and attention
// scores and final logits may be soft-capped (cap * tanh(x / cap)).
struct GemmaTraits {
  bool present = false;
  double default_query_pre_attn_scalar = 0;
  double default_attn_softcap = 0;   // 0: none unless the field gives one
  double default_final_softcap = 0;  // 0: none unless the field gives one
  // Sliding layers rotate with their own base (Gemma 3's rope_local_base_freq or
  // rope_parameters.sliding_attention), global ones with rope_theta and its scaling.
  bool local_rope = false;
};

// A multimodal checkpoint whose language model is run alone: its config.json holds the language
// model's in text_config, its tensors sit under `prefix`, and those under `unused_prefixes`
// (the vision tower, the projector) are left on disk.
struct LanguageModelOf {
  std::string_view text_architecture;  // empty: the checkpoint is a language model itself
  std::string_view prefix;
  std::string_view unused_prefixes[2];
};

// A family's mixture-of-experts MLP: its config.json fields and how its tensors are named
// ("model.layers.L." + block + "experts.E." + gate + ".weight"; the router is block + router).
struct ExpertLayout {
  std::string_view block;  // empty: the family has no experts
  std::string_view router, gate, up, down;
  std::int64_t default_experts = 0;            // num_experts / num_local_experts when absent
  std::int64_t default_experts_per_token = 0;  // num_experts_per_tok when absent
  // moe_intermediate_size's default (Qwen3-MoE); 0: experts are intermediate_size wide and
  // every layer is sparse (Mixtral).
  std::int64_t default_moe_intermediate = 0;
  // Top-k router probabilities multiply the experts' outputs in fp32 (Mixtral), not rounded to
  // the run dtype first (Qwen3-MoE).
  bool scores_in_fp32 = false;
};

// Projections stored as one tensor on disk (Phi-3): q, k and v as consecutive row blocks of
// `qkv`, gate and up as the two halves of `gate_up`. Each rank reads its rows of each block, so
// the split is the same as for separate tensors. Empty names: stored apart.
struct FusedProjections {
  std::string_view qkv;      // under self_attn.
  std::string_view gate_up;  // under mlp.
};

// How a family's rotary embedding may be configured beyond the shared types (linear, dynamic,
// llama3).
struct RopeTraits {
  // Only the first partial_rotary_factor of each head rotates; the rest passes through (Phi-3).
  bool partial = false;
  // The rope types this family has instead of the shared ones: Phi-3's longrope ("su" and
  // "yarn" are its old names there), with original_max_position_embeddings a top-level field.
  bool longrope_only = false;
};

struct Architecture {
  std::string_view name;        // config.json's architectures[0]
  std::string_view model_type;  // config.json's model_type
  unsigned bit = 0;
  // transformers' values where the field is absent (0: derived, see ModelConfig).
  std::int64_t default_kv_heads = 0;  // 0: num_attention_heads
  std::int64_t default_max_positions = 0;
  std::int64_t default_head_dim = 0;  // 0: hidden_size / num_attention_heads
  double default_rope_theta = 10000.0;
  double default_rms_norm_eps = 1e-6;
  bool default_tied = false;  // tie_word_embeddings when absent
  // The field naming the MLP's activation, and its default.
  std::string_view activation_field = "hidden_act";
  std::string_view default_activation = "silu";
  AttentionBias bias = AttentionBias::kNone;
  SlidingWindow window = SlidingWindow::kNone;
  std::int64_t window_pattern = 2;     // kLayerTypes: layer i is global when (i + 1) % pattern == 0
  std::int64_t default_window = 4096;  // sliding_window when absent; 0: none
  bool qk_norm = false;                // per-head RMSNorm of q and k before rotary (Qwen3)
  RopeTraits rope = {};
  FusedProjections fused = {};
  ExpertLayout experts = {};
  GemmaTraits gemma = {};
  LanguageModelOf wrapper = {};
};

std::span<const Architecture> architectures();
// nullptr when this build does not run it.
const Architecture* find_architecture(std::string_view name);
const Architecture* find_model_type(std::string_view model_type);
// "LlamaForCausalLM, MistralForCausalLM, ..." (or the model types), for messages.
std::string supported_architectures();
std::string supported_model_types();

}  // namespace mmlu
