#include "mmlu/checkpoint/architectures.hpp"

namespace mmlu {
namespace {

// From transformers 5.23's configuration_*.py and modeling_*.py for each family.
constexpr Architecture kArchitectures[] = {
    {.name = "LlamaForCausalLM",
     .model_type = "llama",
     .bit = kLlamaBit,
     .default_max_positions = 2048,
     .bias = AttentionBias::kFieldQkvo},
    {.name = "MistralForCausalLM",
     .model_type = "mistral",
     .bit = kMistralBit,
     .default_kv_heads = 8,
     .default_max_positions = 131072,
     .window = SlidingWindow::kEveryLayer},
    {.name = "Qwen2ForCausalLM",
     .model_type = "qwen2",
     .bit = kQwen2Bit,
     .default_kv_heads = 32,
     .default_max_positions = 32768,
     .bias = AttentionBias::kQkv,
     .window = SlidingWindow::kQwenSelectedLayers},
    {.name = "Qwen3ForCausalLM",
     .model_type = "qwen3",
     .bit = kQwen3Bit,
     .default_kv_heads = 32,
     .default_max_positions = 32768,
     .default_head_dim = 128,
     .bias = AttentionBias::kFieldQkvo,
     .window = SlidingWindow::kQwenSelectedLayers,
     .qk_norm = true},
    {.name = "Qwen3MoeForCausalLM",
     .model_type = "qwen3_moe",
     .bit = kQwen3MoeBit,
     .default_kv_heads = 4,
     .default_max_positions = 32768,
     .bias = AttentionBias::kFieldQkvo,
     .window = SlidingWindow::kQwenEveryLayer,
     .qk_norm = true,
     .experts = {.block = "mlp.",
                 .router = "gate",
                 .gate = "gate_proj",
                 .up = "up_proj",
                 .down = "down_proj",
                 .default_experts = 128,
                 .default_experts_per_token = 8,
                 .default_moe_intermediate = 768}},
    {.name = "MixtralForCausalLM",
     .model_type = "mixtral",
     .bit = kMixtralBit,
     .default_kv_heads = 8,
     .default_max_positions = 131072,
     .default_rope_theta = 1000000.0,
     .default_rms_norm_eps = 1e-5,
     .window = SlidingWindow::kEveryLayer,
     .default_window = 0,
     .experts = {.block = "block_sparse_moe.",
                 .router = "gate",
                 .gate = "w1",
                 .up = "w3",
                 .down = "w2",
                 .default_experts = 8,
                 .default_experts_per_token = 2,
                 .scores_in_fp32 = true}},
    {.name = "Gemma2ForCausalLM",
     .model_type = "gemma2",
     .bit = kGemma2Bit,
     .default_kv_heads = 4,
     .default_max_positions = 8192,
     .default_head_dim = 256,
     .default_tied = true,
     .activation_field = "hidden_activation",
     .default_activation = "gelu_pytorch_tanh",
     .bias = AttentionBias::kFieldQkvo,
     .window = SlidingWindow::kLayerTypes,
     .gemma = {.present = true,
               .default_query_pre_attn_scalar = 256,
               .default_attn_softcap = 50.0,
               .default_final_softcap = 30.0}},
    {.name = "Gemma3ForCausalLM",
     .model_type = "gemma3_text",
     .bit = kGemma3TextBit,
     .default_kv_heads = 4,
     .default_max_positions = 131072,
     .default_head_dim = 256,
     .default_rope_theta = 1000000.0,
     .default_tied = true,
     .activation_field = "hidden_activation",
     .default_activation = "gelu_pytorch_tanh",
     .bias = AttentionBias::kFieldQkvo,
     .window = SlidingWindow::kLayerTypes,
     .window_pattern = 6,
     .qk_norm = true,
     .gemma = {.present = true, .default_query_pre_attn_scalar = 256, .local_rope = true}},
    {.name = "Gemma3ForConditionalGeneration",
     .model_type = "gemma3",
     .bit = kGemma3Bit,
     .wrapper = {.text_architecture = "Gemma3ForCausalLM",
                 .prefix = "language_model.",
                 .unused_prefixes = {"vision_tower.", "multi_modal_projector."}}},
    {.name = "Phi3ForCausalLM",
     .model_type = "phi3",
     .bit = kPhi3Bit,
     .default_max_positions = 4096,
     .default_rms_norm_eps = 1e-5,
     .window = SlidingWindow::kEveryLayer,
     .default_window = 0,
     .rope = {.partial = true, .longrope_only = true},
     .fused = {.qkv = "qkv_proj", .gate_up = "gate_up_proj"}},
};

std::string join(std::string_view Architecture::*field) {
  std::string out;
  for (const Architecture& a : kArchitectures)
    out += (out.empty() ? "" : ", ") + std::string(a.*field);
  return out;
}

}  // namespace

std::span<const Architecture> architectures() {
  return kArchitectures;
}

const Architecture* find_architecture(std::string_view name) {
  for (const Architecture& a : kArchitectures)
    if (a.name == name) return &a;
  return nullptr;
}

const Architecture* find_model_type(std::string_view model_type) {
  for (const Architecture& a : kArchitectures)
    if (a.model_type == model_type) return &a;
  return nullptr;
}

std::string supported_architectures() {
  return join(&Architecture::name);
}

std::string supported_model_types() {
  return join(&Architecture::model_type);
}

}  // namespace mmlu
