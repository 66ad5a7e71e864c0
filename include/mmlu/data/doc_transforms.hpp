#pragma once
// The per-document preprocessing some lm-eval tasks define in Python (their utils.py), as named
// transforms a task file selects with "process_docs". Each adds fields and keeps the original
// ones, as datasets.map does, so documents compare equal exactly when their sources do.
#include <string>

#include "mmlu/util/json_file.hpp"

namespace mmlu {

bool is_doc_transform(const std::string& name);
std::string doc_transform_names();  // for messages: "hellaswag, mmlu_pro, winogrande"

// Throws std::invalid_argument naming the missing or mistyped field.
//   hellaswag   lm_eval/tasks/hellaswag/utils.py: query, choices, gold (bracket artefacts out)
//   winogrande  lm_eval/tasks/winogrande/preprocess_winogrande.py: answer_index (the gold
//               option's context, for few-shot turns), option_contexts (the sentence up to "_"
//               with each option), continuation (what follows "_", stripped)
//   mmlu_pro    lm_eval/tasks/leaderboard/mmlu_pro/utils.py: prompt (question and lettered
//               options), letters (A, B, ... one per option)
Json transform_doc(const std::string& name, Json doc);

}  // namespace mmlu
