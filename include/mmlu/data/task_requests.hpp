#pragma once
// A task's documents as log-likelihood requests, built as lm-evaluation-harness 0.4's
// ConfigurableTask builds them (fewshot_context, build_qa_turn, construct_requests) for plain-text
// prompts: the description, the few-shot turns
// "question<target_delimiter>answer<fewshot_delimiter>" (a turn whose answer is empty gets neither
// delimiter, as lm-eval), then the question; each choice is a continuation
// "<target_delimiter>choice". A task whose doc_to_text is a number (WinoGrande) has multiple
// inputs: one context per choice, each followed by the one shared continuation.
#include <cstdint>
#include <string>
#include <vector>

#include "mmlu/data/task_spec.hpp"
#include "mmlu/util/json_file.hpp"

namespace mmlu {

struct DocumentRequests {
  std::int64_t doc_id = 0;                 // index in the evaluated split, in dataset order
  Json target;                             // doc_to_target's value (an index or text), for logs
  std::int32_t gold = 0;                   // index of the right choice
  std::vector<std::string> choices;        // doc_to_choice: what acc_norm's length counts
  std::vector<std::int64_t> choice_chars;  // each choice's length in code points (Python's len)
  std::vector<std::int64_t> fewshot;       // pool indices, in prompt order
  // One request per choice: contexts[context_of[i]] + continuations[i]. Stored once when shared.
  std::vector<std::string> contexts;
  std::vector<std::int32_t> context_of;
  std::vector<std::string> continuations;
};

// Documents of one task, transformed by its process_docs, with their origin for messages.
struct TaskDocs {
  std::vector<Json> docs;
  std::string origin;  // the file they came from
};

// The task's process_docs applied to each raw document. Throws InputError "ORIGIN: row N: ..."
// naming what the transform misses.
TaskDocs prepare_docs(const TaskSpec& spec, std::vector<Json> raw, const std::string& origin);

// Throws InputError "ORIGIN: row N: problem" for a document the task cannot use: a missing or
// mistyped field, an empty choice list, a target out of range or not among the choices; and for
// a few-shot split too small for the shots (lm-eval fails there too).
std::vector<DocumentRequests> build_requests(const TaskSpec& spec, const TaskDocs& evaluated,
                                             const TaskDocs& pool, int shots,
                                             std::int64_t fewshot_seed);

}  // namespace mmlu
