#pragma once
// Model shapes for tests, as their Hugging Face config.json files give them.
#include <string>

#include "mmlu/checkpoint/model_config.hpp"

namespace mmlu::test {

inline ModelConfig llama_config(int hidden, int intermediate, int layers, int heads, int kv_heads,
                                int vocab = 32000, const std::string& dtype = "float16") {
  return parse_model_config(
      "{\"architectures\": [\"LlamaForCausalLM\"], \"hidden_size\": " + std::to_string(hidden) +
          ", \"intermediate_size\": " + std::to_string(intermediate) + ", \"num_hidden_layers\": " +
          std::to_string(layers) + ", \"num_attention_heads\": " + std::to_string(heads) +
          ", \"num_key_value_heads\": " + std::to_string(kv_heads) +
          ", \"vocab_size\": " + std::to_string(vocab) + ", \"torch_dtype\": \"" + dtype +
          "\", \"max_position_embeddings\": 4096}",
      "test config.json");
}

inline ModelConfig llama2_7b() {
  return llama_config(4096, 11008, 32, 32, 32);
}
inline ModelConfig llama2_13b() {
  return llama_config(5120, 13824, 40, 40, 40);
}
inline ModelConfig llama3_8b() {
  return llama_config(4096, 14336, 32, 32, 8, 128256, "bfloat16");
}

}  // namespace mmlu::test
