#pragma once
// The shape and block traits of a checkpoint, read from its Hugging Face config.json with the
// defaults of its family (architectures.hpp).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mmlu/checkpoint/dtype.hpp"

namespace mmlu {

struct RopeScaling {
  std::string type;  // "", "linear", "dynamic", "llama3" or "longrope"
  double factor = 1.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  std::int64_t original_max_position_embeddings = 0;
  // longrope (Phi-3): each frequency's own divisor for sequences within
  // original_max_position_embeddings (short) and beyond it (long), and the factor that
  // multiplies cos and sin.
  std::vector<double> short_factor, long_factor;
  double attention_factor = 1.0;
};

// A mixture-of-experts MLP: a router picks `per_token` of `count` experts for each token and
// weighs their outputs by its softmax probabilities.
struct ExpertConfig {
  std::int64_t count = 0;  // 0: every MLP is dense
  std::int64_t per_token = 0;
  std::int64_t intermediate_size = 0;  // of one expert
  bool normalize_top_k = false;        // the picked probabilities are rescaled to sum to 1
  bool scores_in_fp32 = false;         // they multiply the outputs unrounded (Mixtral)
  std::vector<bool> sparse_layers;     // per layer: the experts (true) or the dense MLP
};

// The MLP's gate activation (transformers' ACT2FN names: silu/swish, gelu, gelu_pytorch_tanh).
enum class Activation { kSilu, kGelu, kGeluTanh };

struct ModelConfig {
  std::string origin;        // where it was read ("DIR/config.json"), for messages
  std::string architecture;  // a name of architectures.hpp's table
  std::int64_t vocab_size = 0;
  std::int64_t hidden_size = 0;
  std::int64_t intermediate_size = 0;
  std::int64_t num_hidden_layers = 0;
  std::int64_t num_attention_heads = 0;
  std::int64_t num_key_value_heads = 0;
  std::int64_t head_dim = 0;
  // The leading dimensions of each head that rotate: head_dim, or its partial_rotary_factor
  // (Phi-3); the rest pass through unrotated.
  std::int64_t rotary_dim = 0;
  std::int64_t max_position_embeddings = 0;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  // Gemma 3: windowed layers rotate with their own base and scaling.
  struct LocalRope {
    double theta = 10000.0;
    RopeScaling scaling;
  };
  std::optional<LocalRope> local_rope;
  bool tie_word_embeddings = false;
  bool attention_bias = false;  // q/k/v carry a bias (Qwen2 always does)
  bool output_bias = false;     // o carries one too (attention_bias of Llama, Qwen3)
  bool qk_norm = false;         // per-head RMSNorm of q and k before rotary (Qwen3)
  // Some layers attend only to the last sliding_window tokens, their own included (Mistral,
  // Mixtral; Qwen2, Qwen3 and Qwen3-MoE with use_sliding_window): those windowed_layers marks.
  std::optional<std::int64_t> sliding_window;
  std::vector<bool> windowed_layers;  // per layer, when sliding_window is set
  DType torch_dtype = DType::kFloat32;
  ExpertConfig experts;
  Activation activation = Activation::kSilu;
  // Gemma's block (architectures.hpp GemmaTraits); the Llama block has none of these.
  bool norm_adds_one = false;   // RMSNorm scales by (1 + w), all in fp32
  bool sandwich_norms = false;  // attention and MLP outputs are normed before the residual
  double embedding_scale = 0;   // 0: none; else the embedding is multiplied by it
  double attention_scale = 0;   // scores' scale; 0: head_dim^-0.5
  double attn_softcap = 0;      // 0: none; else scores become cap * tanh(scores / cap)
  double final_softcap = 0;     // the same for the final logits
  // Where the tensors sit: "" or, for a multimodal checkpoint's language model,
  // "language_model."; tensors under unused_tensor_prefixes are not part of it.
  std::string tensor_prefix;
  std::vector<std::string> unused_tensor_prefixes;

  std::int64_t q_size() const { return num_attention_heads * head_dim; }
  bool sparse_layer(std::int64_t layer) const {
    return experts.count > 0 && experts.sparse_layers.at(static_cast<std::size_t>(layer));
  }
  // The keys a query of `layer` sees: a window, or every earlier one (nullopt).
  std::optional<std::int64_t> window(std::int64_t layer) const {
    if (!sliding_window || !windowed_layers.at(static_cast<std::size_t>(layer))) return {};
    return sliding_window;
  }
  bool has_dense_layers() const;
  bool has_sparse_layers() const;
  std::int64_t kv_size() const { return num_key_value_heads * head_dim; }
};

// Parses and validates DIR/config.json. Every problem is an InputError naming the file and the
// field ("config.json: num_attention_heads (7) does not divide ..."). A field this build does not
// know for the architecture, or a value of a known one that the forward pass does not implement
// (hidden_act relu, mlp_bias true, partial_rotary_factor 0.5 outside Phi-3, a rope type or rope
// field not listed), is refused the same way: config_fields.hpp holds the list. Sizes are capped
// far above any real model (vocab_size 2^24; hidden_size, intermediate_size and num_attention_heads
// * head_dim 2^20; heads, head_dim and layers 2^16; positions 2^31 - 1) so that no product of them
// wraps; rope numbers are kept where rope.cpp's float32 arithmetic stays finite.
ModelConfig load_model_config(const std::filesystem::path& model_dir);

// Same rules on an in-memory JSON text; `origin` names it in errors.
ModelConfig parse_model_config(const std::string& json_text, const std::string& origin);

}  // namespace mmlu
