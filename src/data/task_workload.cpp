#include "mmlu/data/task_workload.hpp"

#include "mmlu/data/hub_dataset.hpp"

namespace mmlu {

TaskWorkload prepare_task(const TaskSpec& spec, const std::filesystem::path& data_root,
                          std::optional<int> shots, std::int64_t fewshot_seed, std::int64_t limit) {
  TaskWorkload w;
  w.spec = spec;
  w.shots = spec.shots(shots);
  const std::filesystem::path repo = hub_repo_dir(data_root, spec.dataset_path);
  auto read = [&](const std::string& split) {
    const auto files = hub_split_files(repo, spec.dataset_name, split);
    return prepare_docs(spec, read_data_rows(files), files.front().string());
  };
  w.evaluated = read(spec.evaluated_split());
  // lm-eval draws from the whole few-shot split, whatever --limit cut from the evaluated one.
  TaskDocs pool;
  if (w.shots > 0)
    pool = spec.fewshot_pool_split() == spec.evaluated_split() ? w.evaluated
                                                               : read(spec.fewshot_pool_split());
  if (limit > 0 && static_cast<std::int64_t>(w.evaluated.docs.size()) > limit)
    w.evaluated.docs.resize(static_cast<std::size_t>(limit));
  w.requests = build_requests(spec, w.evaluated, pool, w.shots, fewshot_seed);
  return w;
}

}  // namespace mmlu
