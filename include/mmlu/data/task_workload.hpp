#pragma once
// One task made ready to run: its documents read from a local copy of its hub dataset, its shot
// count settled (lm-eval's rules), its requests built. What mmlu_tasks prints, and what a run
// scores.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "mmlu/data/task_requests.hpp"
#include "mmlu/data/task_spec.hpp"

namespace mmlu {

struct TaskWorkload {
  TaskSpec spec;
  int shots = 0;
  TaskDocs evaluated;  // the first `limit` documents of the evaluated split (all when 0)
  std::vector<DocumentRequests> requests;
};

// Throws InputError naming the dataset folder, file, row and field for data the task cannot use,
// and a few-shot split too small for the shots.
TaskWorkload prepare_task(const TaskSpec& spec, const std::filesystem::path& data_root,
                          std::optional<int> shots, std::int64_t fewshot_seed,
                          std::int64_t limit = 0);

}  // namespace mmlu
