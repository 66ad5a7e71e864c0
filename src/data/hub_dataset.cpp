#include "mmlu/data/hub_dataset.hpp"

#include <fnmatch.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "mmlu/data/parquet_rows.hpp"
#include "mmlu/util/error.hpp"
#include "mmlu/util/regular_file.hpp"

namespace mmlu {
namespace {

namespace fs = std::filesystem;

// Every regular file below `dir` (links followed: a cache snapshot's files link into its blobs),
// as paths relative to it, sorted; dot folders (.cache, .huggingface, .git) are skipped.
std::vector<std::string> repo_files(const fs::path& dir) {
  std::vector<std::string> out;
  try {
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
         ++it) {
      const std::string name = it->path().filename().string();
      if (!name.empty() && name[0] == '.') {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file()) out.push_back(it->path().lexically_relative(dir).generic_string());
    }
  } catch (const fs::filesystem_error& e) {
    throw InputError(dir.string() + ": cannot be listed (" + e.code().message() + ")");
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool is_data_file(const std::string& name) {
  auto ends = [&](const std::string& s) {
    return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  return ends(".parquet") || ends(".jsonl");
}

std::vector<fs::path> matching(const fs::path& dir, const std::vector<std::string>& files,
                               const std::vector<std::string>& patterns) {
  std::vector<fs::path> out;
  for (const std::string& f : files)
    for (const std::string& p : patterns)
      if (is_data_file(f) && ::fnmatch(p.c_str(), f.c_str(), FNM_PATHNAME) == 0) {
        out.push_back(dir / f);
        break;
      }
  return out;
}

// The YAML front matter of README.md, or a null node.
YAML::Node front_matter(const fs::path& readme) {
  std::error_code ec;
  if (!fs::is_regular_file(readme, ec)) return {};
  const std::string text = read_regular_file(readme, 16ull << 20, "a dataset card");
  if (text.rfind("---", 0) != 0) return {};
  const std::size_t start = text.find('\n');
  const std::size_t end = text.find("\n---", start);
  if (start == std::string::npos || end == std::string::npos) return {};
  try {
    return YAML::Load(text.substr(start + 1, end - start));
  } catch (const YAML::Exception& e) {
    throw InputError(readme.string() + ": malformed YAML front matter (" + e.msg + ")");
  }
}

std::vector<std::string> as_strings(const YAML::Node& node, const fs::path& readme) {
  std::vector<std::string> out;
  if (node.IsScalar()) return {node.as<std::string>()};
  if (!node.IsSequence())
    throw InputError(readme.string() + ": configs: a data_files path is text or a list of text");
  for (const auto& item : node) out.push_back(item.as<std::string>());
  return out;
}

}  // namespace

fs::path hub_repo_dir(const fs::path& root, const std::string& repo_id) {
  const std::size_t slash = repo_id.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == repo_id.size() ||
      repo_id.find('/', slash + 1) != std::string::npos || repo_id.find("..") != std::string::npos)
    throw InputError("dataset_path '" + repo_id + "' is not a hub id of the form owner/name");
  const fs::path mirror = root / repo_id;
  std::error_code ec;
  if (fs::is_directory(mirror, ec)) return mirror;
  const fs::path cache =
      root / ("datasets--" + repo_id.substr(0, slash) + "--" + repo_id.substr(slash + 1));
  if (fs::is_directory(cache / "snapshots", ec)) {
    std::ifstream ref(cache / "refs" / "main");
    std::string revision;
    if (ref >> revision && fs::is_directory(cache / "snapshots" / revision, ec))
      return cache / "snapshots" / revision;
    std::vector<fs::path> snapshots;
    for (const auto& e : fs::directory_iterator(cache / "snapshots", ec))
      if (e.is_directory()) snapshots.push_back(e.path());
    if (snapshots.size() == 1) return snapshots[0];
    throw InputError((cache / "snapshots").string() + ": " + std::to_string(snapshots.size()) +
                     " snapshots and no refs/main naming one");
  }
  throw InputError(root.string() + ": no dataset " + repo_id + " (looked for " + mirror.string() +
                   " and " + (cache / "snapshots").string() + ")");
}

std::vector<fs::path> hub_split_files(const fs::path& repo_dir,
                                      const std::optional<std::string>& config,
                                      const std::string& split) {
  const std::vector<std::string> files = repo_files(repo_dir);
  const fs::path readme = repo_dir / "README.md";
  const YAML::Node card = front_matter(readme);
  const std::string wanted = config.value_or("default");
  // A card's values of the wrong kind (a list for a name, a map for data_files) surface as
  // yaml-cpp exceptions from as<>() and iteration.
  try {
    if (card && card.IsMap() && card["configs"]) {
      const YAML::Node configs = card["configs"];
      if (!configs.IsSequence()) throw InputError(readme.string() + ": configs: not a list");
      std::vector<std::string> declared;
      for (const auto& c : configs) {
        if (!c.IsMap() || !c["config_name"]) continue;
        const bool is_default = c["default"] && c["default"].as<std::string>() == "true";
        if (c["config_name"].as<std::string>() != wanted && !(!config && is_default)) continue;
        const YAML::Node data_files = c["data_files"];
        if (!data_files) continue;
        if (data_files.IsScalar() ||
            (data_files.IsSequence() && data_files.size() && data_files[0].IsScalar())) {
          // Files without splits are one train split (datasets' rule).
          declared.push_back("train");
          if (split == "train") return matching(repo_dir, files, as_strings(data_files, readme));
          continue;
        }
        for (const auto& entry : data_files) {
          if (!entry.IsMap() || !entry["split"] || !entry["path"]) continue;
          declared.push_back(entry["split"].as<std::string>());
          if (declared.back() != split) continue;
          std::vector<fs::path> found =
              matching(repo_dir, files, as_strings(entry["path"], readme));
          if (found.empty())
            throw InputError(readme.string() + ": config " + wanted + " split " + split +
                             ": no parquet or JSON Lines file matches its path");
          return found;
        }
      }
      if (!declared.empty()) {
        std::string list;
        for (const auto& d : declared) list += (list.empty() ? "" : ", ") + d;
        throw InputError(readme.string() + ": config " + wanted + " has no split " + split +
                         " (it has " + list + ")");
      }
    }
  } catch (const YAML::Exception& e) {
    throw InputError(readme.string() + ": configs: malformed (" + e.msg + ")");
  }
  std::vector<std::string> patterns = {wanted + "/" + split + "-*", wanted + "/" + split + "/*",
                                       wanted + "/" + split + ".*"};
  if (!config || wanted == "default")
    for (const std::string& p :
         {"data/" + split + "-*", "data/" + split + ".*", split + "-*", split + ".*"})
      patterns.push_back(p);
  std::vector<fs::path> found = matching(repo_dir, files, patterns);
  if (found.empty())
    throw InputError(repo_dir.string() + ": no files for config " + wanted + ", split " + split +
                     " (no README.md configs assign them; looked for " + patterns[0] + " and " +
                     "the hub's other file names)");
  return found;
}

std::vector<Json> read_data_rows(const std::vector<fs::path>& files) {
  std::vector<Json> rows;
  for (const fs::path& file : files) {
    if (file.extension() == ".parquet") {
      for (Json& row : read_parquet_rows(file)) rows.push_back(std::move(row));
      continue;
    }
    const std::string text = read_regular_file(file, 4ull << 30, "a JSON Lines file");
    std::istringstream in(text);
    std::size_t line_no = 0;
    for (std::string line; std::getline(in, line);) {
      ++line_no;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      Json row = parse_json_text(line, file.string() + ": line " + std::to_string(line_no));
      if (!row.is_object())
        throw InputError(file.string() + ": line " + std::to_string(line_no) +
                         ": not a JSON object");
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

}  // namespace mmlu
