#include "mmlu/model/activation.hpp"

namespace mmlu {

torch::Tensor& activate_(torch::Tensor& x, Activation activation) {
  switch (activation) {
    case Activation::kSilu:
      return at::silu_(x);
    case Activation::kGelu:
      return at::gelu_(x, "none");
    case Activation::kGeluTanh:
      return at::gelu_(x, "tanh");
  }
  return x;
}

}  // namespace mmlu
