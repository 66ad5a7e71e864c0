#pragma once
// A Hugging Face hub dataset read from a local copy, as `datasets.load_dataset(repo, config)`
// finds its files: `--data DIR` is either the root of a mirror, DIR/<owner>/<repo>/ being what
// `huggingface-cli download --repo-type dataset <owner>/<repo> --local-dir DIR/<owner>/<repo>`
// leaves, or a Hugging Face cache folder (HF_HUB_CACHE), DIR/datasets--<owner>--<repo>/
// snapshots/<revision>/ (the revision refs/main names, else the only one).
//
// A split's files are those the repository's README.md `configs` (its YAML front matter, read
// with yaml-cpp) assigns to the config and split; without such a block, the hub's naming
// conventions: <config>/<split>-*.parquet, <config>/<split>/*, data/<split>-* for the default
// config, <split>-* at the top. Parquet (Arrow's reader) and JSON Lines files are read; rows keep
// the files' order, shards in name order.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mmlu/util/json_file.hpp"

namespace mmlu {

// The repository's folder under `root`. Throws InputError naming both places looked at.
std::filesystem::path hub_repo_dir(const std::filesystem::path& root, const std::string& repo_id);

// The files of one split, sorted. Throws InputError naming the repository folder, config and
// split when none match (listing the splits the README declares, if any), or a README whose
// front matter is malformed.
std::vector<std::filesystem::path> hub_split_files(const std::filesystem::path& repo_dir,
                                                   const std::optional<std::string>& config,
                                                   const std::string& split);

// The rows of `files` in order, each a JSON object. Throws InputError naming the file (and
// line or row) for malformed data.
std::vector<Json> read_data_rows(const std::vector<std::filesystem::path>& files);

}  // namespace mmlu
