#include "mmlu/data/task_registry.hpp"

#include <algorithm>
#include <set>

#include "mmlu/util/error.hpp"

namespace mmlu {

namespace fs = std::filesystem;

GroupSpec parse_group_spec(const Json& json, const fs::path& file) {
  auto fail = [&](const std::string& key, const std::string& what) -> InputError {
    return InputError(file.string() + ": " + key + ": " + what);
  };
  GroupSpec g;
  g.file = file;
  for (auto it = json.begin(); it != json.end(); ++it) {
    const std::string& key = it.key();
    if (key == "group") {
      if (!it->is_string() || it->get<std::string>().empty()) throw fail(key, "must be a name");
      g.name = it->get<std::string>();
    } else if (key == "task") {
      if (!it->is_array() || it->empty()) throw fail(key, "must be a non-empty list of names");
      for (const Json& m : *it) {
        if (!m.is_string()) throw fail(key, "must be a list of names (inline tasks are not read)");
        g.members.push_back(m.get<std::string>());
      }
    } else if (key == "aggregate_metric_list") {
      if (!it->is_array()) throw fail(key, "must be a list");
      for (const Json& a : *it)
        g.aggregates.push_back(parse_metric_entry(a, true, file.string() + ": " + key));
    } else if (key != "group_alias" && key != "metadata") {
      throw fail(key, "not implemented in a group file");
    }
  }
  if (g.name.empty()) throw fail("group", "missing");
  if (g.members.empty()) throw fail("task", "missing");
  return g;
}

TaskRegistry TaskRegistry::load(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw InputError(dir.string() + ": no tasks folder");
  std::vector<fs::path> files;
  try {
    for (const auto& e : fs::recursive_directory_iterator(dir))
      if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  } catch (const fs::filesystem_error& e) {
    throw InputError(dir.string() + ": cannot be listed (" + e.code().message() + ")");
  }
  std::sort(files.begin(), files.end());
  TaskRegistry r;
  r.dir_ = dir;
  std::map<std::string, fs::path> defined;
  auto define = [&](const std::string& name, const fs::path& file) {
    auto [it, added] = defined.emplace(name, file);
    if (!added)
      throw InputError(file.string() + ": '" + name + "' is already defined by " +
                       it->second.string());
  };
  for (const fs::path& file : files) {
    const Json json = read_json_file(file);
    if (json.is_object() && json.contains("group")) {
      GroupSpec g = parse_group_spec(json, file);
      define(g.name, file);
      r.groups_.emplace(g.name, std::move(g));
    } else {
      TaskSpec t = parse_task_spec(json, file);
      define(t.name, file);
      for (const std::string& tag : t.tags) r.tags_[tag].push_back(t.name);
      r.tasks_.emplace(t.name, std::move(t));
    }
  }
  for (const auto& [tag, members] : r.tags_)
    if (r.tasks_.count(tag) || r.groups_.count(tag))
      throw InputError(defined.at(tag).string() + ": '" + tag + "' is also a tag");
  return r;
}

void TaskRegistry::expand(const std::string& name, std::vector<std::string>& out, int depth) const {
  if (depth > 16) throw InputError("group '" + name + "' nests too deeply (a cycle?)");
  if (tasks_.count(name)) {
    out.push_back(name);
  } else if (auto g = groups_.find(name); g != groups_.end()) {
    for (const std::string& member : g->second.members) expand(member, out, depth + 1);
  } else if (auto t = tags_.find(name); t != tags_.end()) {
    for (const std::string& task : t->second) out.push_back(task);
  } else {
    throw InputError("--tasks: no task, group or tag '" + name + "' in " + dir_.string() +
                     " (mmlu_tasks --list shows them)");
  }
}

std::vector<TaskSpec> TaskRegistry::resolve(const std::vector<std::string>& names) const {
  std::vector<TaskSpec> out;
  std::set<std::string> seen;
  for (const std::string& name : names) {
    std::vector<std::string> selected;
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0) {
      TaskSpec t = read_task_file(name);
      if (seen.insert(t.name).second) out.push_back(std::move(t));
      continue;
    }
    expand(name, selected, 0);
    for (const std::string& task : selected)
      if (seen.insert(task).second) out.push_back(tasks_.at(task));
  }
  return out;
}

}  // namespace mmlu
