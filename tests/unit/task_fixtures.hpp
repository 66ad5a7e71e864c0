#pragma once
// The task layer's fixtures (tests/fixtures/make_task_fixtures.py): built-in task files by name,
// and a task's split read from the hub-layout fixture data as a run reads it.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "mmlu/data/hub_dataset.hpp"
#include "mmlu/data/task_requests.hpp"
#include "mmlu/data/task_spec.hpp"

namespace mmlu::test {

inline const std::filesystem::path kTaskFixtures =
    std::filesystem::path(MMLU_TEST_FIXTURES) / "tasks";

inline std::filesystem::path task_file(const std::string& name) {
  for (const auto& entry : std::filesystem::recursive_directory_iterator(MMLU_TASKS_DIR))
    if (entry.path().filename() == name + ".json") return entry.path();
  ADD_FAILURE() << "no task file for " << name;
  return {};
}

inline TaskDocs read_split(const TaskSpec& spec, const std::string& split) {
  const auto repo = hub_repo_dir(kTaskFixtures / "hub", spec.dataset_path);
  const auto files = hub_split_files(repo, spec.dataset_name, split);
  return prepare_docs(spec, read_data_rows(files), files.front().string());
}

}  // namespace mmlu::test
