#pragma once
// The tasks a run can name: every task file and group file under a tasks folder (the built-in
// tasks/ by default), and `--tasks` resolved against them as lm-eval resolves its task list: a
// task name, a group name (its members, recursively: tasks, tags, groups), a tag (every task that
// carries it) or the path of a task file.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "mmlu/data/task_spec.hpp"

namespace mmlu {

// A group file: lm-eval's group YAML keys (group, group_alias, task, aggregate_metric_list).
struct GroupSpec {
  std::string name;
  std::filesystem::path file;
  std::vector<std::string> members;  // task, tag or group names
  std::vector<MetricEntry> aggregates;
};

class TaskRegistry {
 public:
  // Reads every *.json below `dir`: a file with "group" is a group, else a task. Throws
  // InputError for a bad file (naming it and the field) or a name defined twice (naming both).
  static TaskRegistry load(const std::filesystem::path& dir);

  // The tasks `names` select, in the order named, each once (groups expand in their members'
  // order, tags in task-name order). Throws InputError for a name that is none of these.
  std::vector<TaskSpec> resolve(const std::vector<std::string>& names) const;

  const std::map<std::string, TaskSpec>& tasks() const { return tasks_; }
  const std::map<std::string, GroupSpec>& groups() const { return groups_; }
  // Tag -> the names of the tasks carrying it.
  const std::map<std::string, std::vector<std::string>>& tags() const { return tags_; }

 private:
  void expand(const std::string& name, std::vector<std::string>& out, int depth) const;

  std::filesystem::path dir_;
  std::map<std::string, TaskSpec> tasks_;
  std::map<std::string, GroupSpec> groups_;
  std::map<std::string, std::vector<std::string>> tags_;
};

GroupSpec parse_group_spec(const Json& json, const std::filesystem::path& file);

}  // namespace mmlu
