#include "mmlu/checkpoint/config_fields.hpp"

#include "mmlu/util/error.hpp"

namespace mmlu {
namespace {

constexpr unsigned kAll = kAllArchitectures;
// The language models: not the fields of a multimodal wrapper's own config (its language model's
// are in text_config).
constexpr unsigned kText = kAllArchitectures & ~kGemma3Bit;
constexpr unsigned kGemma = kGemma2Bit | kGemma3TextBit;
constexpr FieldUse kRead = FieldUse::kRead;
constexpr FieldUse kInert = FieldUse::kInert;

constexpr std::string_view kTokenIds = "token ids: prompts come from the tokenizer's files";
constexpr std::string_view kGeneration = "a generation setting: nothing is generated here";
constexpr std::string_view kHeads = "task heads and labels: a causal LM's logits do not use them";
constexpr std::string_view kExport = "what transformers returns or how it exports, not the values";

// Fields as transformers 5 defines them for these architectures (configuration_llama.py,
// configuration_mistral.py, configuration_qwen2.py, configuration_qwen3.py,
// configuration_qwen3_moe.py, configuration_mixtral.py, configuration_gemma2.py,
// configuration_gemma3.py, configuration_phi3.py, configuration_utils.py), and the older
// spellings checkpoints still carry (rope_scaling, rope_theta, torch_dtype).
constexpr ConfigField kFields[] = {
    // What the model is, and its shape.
    {"architectures", kAll, kRead, ""},
    {"model_type", kAll, kRead, ""},
    {"vocab_size", kText, kRead, ""},
    {"hidden_size", kText, kRead, ""},
    {"intermediate_size", kText, kRead, ""},
    {"num_hidden_layers", kText, kRead, ""},
    {"num_attention_heads", kText, kRead, ""},
    {"num_key_value_heads", kText, kRead, ""},
    {"head_dim", kText, kRead, ""},
    {"max_position_embeddings", kText, kRead, ""},
    {"tie_word_embeddings", kAll, kRead, ""},
    {"torch_dtype", kAll, kRead, ""},
    {"dtype", kAll, kRead, ""},
    // The forward pass.
    {"rms_norm_eps", kText, kRead, ""},
    {"hidden_act", kText & ~kGemma, kRead, "silu (or its alias swish), gelu, gelu_pytorch_tanh"},
    {"hidden_activation", kGemma, kRead, "silu (or its alias swish), gelu, gelu_pytorch_tanh"},
    {"rope_theta", kText, kRead, ""},
    {"rope_scaling", kText & ~kPhi3Bit, kRead, "default, linear, dynamic, llama3"},
    {"rope_parameters", kText & ~kPhi3Bit, kRead, "default, linear, dynamic, llama3"},
    {"rope_scaling", kPhi3Bit, kRead, "default, longrope (or its old names su, yarn)"},
    {"rope_parameters", kPhi3Bit, kRead, "default, longrope (or its old names su, yarn)"},
    {"rope_local_base_freq", kGemma3TextBit, kRead, ""},
    {"partial_rotary_factor", kText & ~kPhi3Bit, kRead, "1.0 only"},
    {"partial_rotary_factor", kPhi3Bit, kRead, ""},
    {"original_max_position_embeddings", kPhi3Bit, kRead, "longrope's pretraining context"},
    {"attention_bias", kLlamaBit | kQwen3Bit | kQwen3MoeBit | kGemma, kRead,
     "q, k, v and o biases"},
    {"attention_bias", kPhi3Bit, kRead, "false only"},
    {"mlp_bias", kLlamaBit | kPhi3Bit, kRead, "false only"},
    {"lm_head_bias", kPhi3Bit, kRead, "false only"},
    {"full_attn_mod", kPhi3Bit, kRead, "1 only"},
    {"interpolate_factor", kPhi3Bit, kRead, "1 only"},
    {"sliding_window",
     kMistralBit | kQwen2Bit | kQwen3Bit | kQwen3MoeBit | kMixtralBit | kGemma | kPhi3Bit, kRead,
     ""},
    {"use_sliding_window", kQwen2Bit | kQwen3Bit | kQwen3MoeBit, kRead, ""},
    {"max_window_layers", kQwen2Bit | kQwen3Bit, kRead, ""},
    {"layer_types", kQwen2Bit | kQwen3Bit | kGemma, kRead, "full_attention, sliding_attention"},
    {"sliding_window_pattern", kGemma3TextBit, kRead, ""},
    // Gemma's block.
    {"query_pre_attn_scalar", kGemma, kRead, ""},
    {"attn_logit_softcapping", kGemma, kRead, ""},
    {"final_logit_softcapping", kGemma, kRead, ""},
    {"use_bidirectional_attention", kGemma, kRead, "false only"},
    // A multimodal checkpoint of which the language model runs.
    {"text_config", kGemma3Bit, kRead, "read as the language model's config.json"},
    {"vision_config", kGemma3Bit, kInert, "the vision tower is not loaded: text only"},
    {"mm_tokens_per_image", kGemma3Bit, kInert, "images only"},
    {"boi_token_index", kGemma3Bit, kInert, kTokenIds},
    {"eoi_token_index", kGemma3Bit, kInert, kTokenIds},
    {"image_token_index", kGemma3Bit, kInert, kTokenIds},
    // Mixtures of experts.
    {"num_experts", kQwen3MoeBit | kMixtralBit, kRead, ""},
    {"num_local_experts", kQwen3MoeBit | kMixtralBit, kRead, ""},
    {"num_experts_per_tok", kQwen3MoeBit | kMixtralBit, kRead, ""},
    {"moe_intermediate_size", kQwen3MoeBit, kRead, ""},
    {"norm_topk_prob", kQwen3MoeBit, kRead, ""},
    {"decoder_sparse_step", kQwen3MoeBit, kRead, ""},
    {"mlp_only_layers", kQwen3MoeBit, kRead, ""},
    {"quantization_config", kAll, kRead, "refused: quantized weights are not implemented"},
    {"pruned_heads", kAll, kRead, "empty only"},
    // Cannot change the log-probabilities.
    {"pretraining_tp", kLlamaBit, kInert, "transformers 5 does not read it"},
    {"max_window_layers", kQwen3MoeBit, kInert,
     "transformers' Qwen3-MoE does not read it: use_sliding_window covers every layer"},
    {"router_jitter_noise", kMixtralBit, kInert, "noise in training only"},
    {"hidden_act", kGemma, kInert, "transformers' Gemma reads hidden_activation"},
    {"cache_implementation", kAll, kInert, kGeneration},
    {"output_router_logits", kQwen3MoeBit | kMixtralBit, kInert, "a training loss"},
    {"router_aux_loss_coef", kQwen3MoeBit | kMixtralBit, kInert, "a training loss"},
    {"attention_dropout", kAll, kInert, "dropout is off in evaluation"},
    {"resid_pdrop", kPhi3Bit, kInert, "dropout is off in evaluation"},
    {"embd_pdrop", kPhi3Bit, kInert, "dropout is off in evaluation"},
    {"initializer_range", kAll, kInert, "initialises new weights only"},
    {"use_cache", kAll, kInert, "a generation cache"},
    {"bos_token_id", kAll, kInert, kTokenIds},
    {"eos_token_id", kAll, kInert, kTokenIds},
    {"pad_token_id", kAll, kInert, kTokenIds},
    {"sep_token_id", kAll, kInert, kTokenIds},
    {"decoder_start_token_id", kAll, kInert, kTokenIds},
    {"tokenizer_class", kAll, kInert, "the tokenizer's own files choose it"},
    {"auto_map", kAll, kInert, "remote code, which is never run: the architecture decides"},
    {"return_dict", kAll, kInert, kExport},
    {"output_hidden_states", kAll, kInert, kExport},
    {"output_attentions", kAll, kInert, kExport},
    {"torchscript", kAll, kInert, kExport},
    {"use_bfloat16", kAll, kInert, "superseded by torch_dtype"},
    {"tf_legacy_loss", kAll, kInert, "a training loss"},
    {"chunk_size_feed_forward", kAll, kInert, "these architectures do not chunk their MLP"},
    {"is_decoder", kAll, kInert, "these architectures are decoders whatever it says"},
    {"is_encoder_decoder", kAll, kInert, "these architectures are decoders whatever it says"},
    {"add_cross_attention", kAll, kInert, "these architectures have no cross-attention"},
    {"cross_attention_hidden_size", kAll, kInert, "these architectures have no cross-attention"},
    {"tie_encoder_decoder", kAll, kInert, "these architectures have no encoder"},
    {"id2label", kAll, kInert, kHeads},
    {"label2id", kAll, kInert, kHeads},
    {"num_labels", kAll, kInert, kHeads},
    {"problem_type", kAll, kInert, kHeads},
    {"finetuning_task", kAll, kInert, kHeads},
    {"task_specific_params", kAll, kInert, kHeads},
    {"prefix", kAll, kInert, kHeads},
    {"max_length", kAll, kInert, kGeneration},
    {"min_length", kAll, kInert, kGeneration},
    {"do_sample", kAll, kInert, kGeneration},
    {"early_stopping", kAll, kInert, kGeneration},
    {"num_beams", kAll, kInert, kGeneration},
    {"num_beam_groups", kAll, kInert, kGeneration},
    {"diversity_penalty", kAll, kInert, kGeneration},
    {"temperature", kAll, kInert, kGeneration},
    {"top_k", kAll, kInert, kGeneration},
    {"top_p", kAll, kInert, kGeneration},
    {"typical_p", kAll, kInert, kGeneration},
    {"repetition_penalty", kAll, kInert, kGeneration},
    {"length_penalty", kAll, kInert, kGeneration},
    {"no_repeat_ngram_size", kAll, kInert, kGeneration},
    {"encoder_no_repeat_ngram_size", kAll, kInert, kGeneration},
    {"bad_words_ids", kAll, kInert, kGeneration},
    {"num_return_sequences", kAll, kInert, kGeneration},
    {"output_scores", kAll, kInert, kGeneration},
    {"return_dict_in_generate", kAll, kInert, kGeneration},
    {"forced_bos_token_id", kAll, kInert, kGeneration},
    {"forced_eos_token_id", kAll, kInert, kGeneration},
    {"remove_invalid_values", kAll, kInert, kGeneration},
    {"exponential_decay_length_penalty", kAll, kInert, kGeneration},
    {"suppress_tokens", kAll, kInert, kGeneration},
    {"begin_suppress_tokens", kAll, kInert, kGeneration},
};

}  // namespace

unsigned architecture_bit(const std::string& architecture) {
  const Architecture* a = find_architecture(architecture);
  return a ? a->bit : 0;
}

std::span<const ConfigField> config_fields() {
  return kFields;
}

void check_known_fields(const Json& config, const std::string& architecture,
                        const std::string& origin) {
  const unsigned bit = architecture_bit(architecture);
  for (const auto& [name, value] : config.items()) {
    if (value.is_null() || name.starts_with("_") || name.ends_with("_version")) continue;
    bool known = false, elsewhere = false;
    for (const ConfigField& f : kFields)
      if (f.name == name) (f.architectures & bit ? known : elsewhere) = true;
    if (known) continue;
    std::string shown = value.dump();
    if (shown.size() > 40) shown = shown.substr(0, 37) + "...";
    throw InputError(origin + ": field '" + name + "' (" + shown + ") is " +
                     (elsewhere ? "not a field of " + architecture
                                : "unknown to this build (README \"config.json fields\")") +
                     ": what it would change is not implemented, so it is refused rather than "
                     "ignored; remove it if the model does not use it");
  }
}

}  // namespace mmlu
