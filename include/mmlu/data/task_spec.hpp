#pragma once
// A benchmark as data: one task file (JSON) says where its documents come from, how a document
// becomes a prompt, its choices and its target, how few-shot documents are drawn, and what is
// measured. The keys and their meaning are lm-evaluation-harness 0.4's task YAML keys, so a
// built-in task reads like lm-eval's own definition of the same name (tasks/README.md).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mmlu/data/fewshot_sampler.hpp"
#include "mmlu/data/field_template.hpp"
#include "mmlu/util/json_file.hpp"

namespace mmlu {

struct TaskSpec {
  std::string name;  // "arc_easy"
  std::filesystem::path file;
  std::vector<std::string> tags;  // the groups it belongs to ("ai2_arc", "mmlu_stem_tasks")

  std::string dataset_path;                 // hub id, "allenai/ai2_arc"
  std::optional<std::string> dataset_name;  // hub config, "ARC-Easy"
  std::optional<std::string> training_split;
  std::optional<std::string> validation_split;
  std::optional<std::string> test_split;
  std::optional<std::string> fewshot_split;  // as written: lm-eval compares it, unset or not
  FewShotSampling sampler = FewShotSampling::random;
  std::optional<int> num_fewshot;  // the task's default; an explicit 0 cannot be overridden

  std::string process_docs;  // "" or a built-in document transform (doc_transforms.hpp)
  FieldTemplate description;
  FieldTemplate doc_to_text;
  FieldTemplate doc_to_choice;
  FieldTemplate doc_to_target;
  std::string target_delimiter = " ";
  std::string fewshot_delimiter = "\n\n";
  std::vector<std::string> metrics;  // "acc", "acc_norm"
  std::string process_results;       // "" or "mc2" (TruthfulQA MC2's probability mass)

  // lm-eval's eval_docs: the test split, else the validation split.
  const std::string& evaluated_split() const;
  // lm-eval's fewshot_docs: fewshot_split, else training, else validation, else test.
  const std::string& fewshot_pool_split() const;
  // lm-eval passes the evaluated document to its sampler (to draw k + 1 and drop it) when the
  // configured fewshot_split equals the configured test_split, both unset included.
  bool fewshot_excludes_evaluated() const { return fewshot_split == test_split; }
  // The shots a run uses: the task's explicit 0 wins over the user's (lm-eval), else the user's
  // when given, else the task's default, else 0.
  int shots(std::optional<int> requested) const;
};

// One entry of a task's metric_list or a group's aggregate_metric_list: {"metric": acc or
// acc_norm, "aggregation": "mean", and "higher_is_better": true (tasks) or "weight_by_size"
// (groups)}. Throws InputError "WHERE: ..." naming what is not implemented.
struct MetricEntry {
  std::string metric;
  bool weight_by_size = true;
};
MetricEntry parse_metric_entry(const Json& entry, bool in_group, const std::string& where);

// Reads a task file. Throws InputError "FILE: field: problem" for malformed JSON, a missing or
// mistyped key, a key lm-eval has that we do not implement (named, never ignored), an unknown
// sampler, document transform or metric, a template outside the supported expressions.
TaskSpec read_task_file(const std::filesystem::path& file);
TaskSpec parse_task_spec(const Json& json, const std::filesystem::path& file);

}  // namespace mmlu
