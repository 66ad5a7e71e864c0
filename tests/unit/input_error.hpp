#pragma once
// The message of the InputError a call throws, or "(accepted)": refusal tests compare it whole.
#include <functional>
#include <string>

#include "mmlu/util/error.hpp"

namespace mmlu::test {

inline std::string input_error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace mmlu::test
