#include "mmlu/results/sweep.hpp"

#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "mmlu/results/hdf5_io.hpp"
#include "mmlu/results/report.hpp"
#include "mmlu/results/results.hpp"
#include "mmlu/util/error.hpp"
#include "mmlu/util/file_write.hpp"

namespace fs = std::filesystem;

namespace mmlu {
namespace {

const char* const kScopes[] = {"all", "STEM", "humanities", "social sciences", "other"};

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

}  // namespace

std::vector<SweepEntry> read_sweep_list(const fs::path& list, const fs::path& results_dir) {
  std::ifstream in(list);
  if (!in) throw InputError(list.string() + ": cannot be read");
  static const std::regex line_form(R"(^\s*([A-Za-z0-9._-]+)\s+(\S.*?)\s*$)");
  std::vector<SweepEntry> entries;
  std::set<std::string> names;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    std::smatch m;
    if (!std::regex_match(line, m, line_form))
      throw InputError(list.string() + ":" + std::to_string(number) +
                       ": expected 'NAME PATH' with NAME of letters, digits, '.', '_' or '-'");
    if (!names.insert(m[1]).second)
      throw InputError(list.string() + ":" + std::to_string(number) + ": checkpoint name '" +
                       m[1].str() + "' is used twice");
    entries.push_back({m[1], results_dir / (m[1].str() + ".h5")});
  }
  if (entries.empty()) throw InputError(list.string() + ": lists no checkpoints");
  return entries;
}

SweepSummary summarize_sweep(const std::vector<SweepEntry>& entries, const std::string& baseline,
                             double fail_below_points) {
  const SweepEntry* base_entry = nullptr;
  for (const SweepEntry& e : entries)
    if (e.name == baseline) base_entry = &e;
  if (!base_entry) throw InputError("--baseline " + baseline + ": not a checkpoint of the sweep");
  std::error_code ec;
  if (!fs::exists(base_entry->results, ec))
    throw InputError(base_entry->results.string() + ": the baseline " + baseline +
                     " has no results (its job failed or has not run)");
  const ResultsFile base = read_results_file(base_entry->results);
  auto scope_score = [](const ResultsFile& f, const std::string& scope) -> Score {
    if (scope == "all") return {"all", "", "", f.summary.n, f.summary.correct, f.summary.accuracy};
    for (const Score& s : f.summary.categories)
      if (s.name == scope) return s;
    return {scope, "", "", 0, 0, 0};
  };

  SweepSummary out;
  std::ostringstream text;
  char line[200];
  std::snprintf(line, sizeof line, "%-24s %-16s %8s %8s %9s %8s  %s\n", "checkpoint", "scope", "n",
                "acc %", "delta", "p", "status");
  text << line;
  for (const SweepEntry& e : entries) {
    if (!fs::exists(e.results, ec)) {
      out.missing.push_back(e.name);
      SweepRow row{e.name, "all", "missing"};
      out.rows.push_back(row);
      std::snprintf(line, sizeof line, "%-24s %-16s %8s %8s %9s %8s  missing: %s\n", e.name.c_str(),
                    "all", "-", "-", "-", "-", e.results.string().c_str());
      text << line;
      continue;
    }
    ResultsFile file;
    Comparison against;
    try {
      file = read_results_file(e.results);
      against = compare_results(base, file);
    } catch (const InputError& error) {
      out.unusable.push_back(e.name + ": " + error.what());
      out.rows.push_back(SweepRow{e.name, "all", "unusable"});
      std::snprintf(line, sizeof line, "%-24s %-16s %8s %8s %9s %8s  unusable: ", e.name.c_str(),
                    "all", "-", "-", "-", "-");
      text << line << error.what() << "\n";
      continue;
    }
    // Categories are judged as all questions are, and must also be unlikely to be chance: a
    // category is a small sample, and a sweep judges several (Bonferroni over those present).
    int categories = 0;
    for (const char* scope : kScopes)
      categories += std::string(scope) != "all" && scope_score(file, scope).n > 0 ? 1 : 0;
    const double category_alpha = kCategoryAlpha / std::max(1, categories);
    bool regressed = false;
    for (const char* scope : kScopes) {
      const Score s = scope_score(file, scope), b = scope_score(base, scope);
      if (s.n == 0 && std::string(scope) != "all") continue;
      SweepRow row;
      row.checkpoint = e.name;
      row.scope = scope;
      row.n = s.n;
      row.correct = s.correct;
      row.accuracy = 100 * s.accuracy;
      row.delta_points = b.n > 0 ? 100 * (s.accuracy - b.accuracy) : 0.0;
      const bool all = row.scope == "all";
      if (all) {
        row.p_value = against.all.p_value;
      } else if (const auto it = against.categories.find(scope); it != against.categories.end()) {
        row.p_value = it->second.p_value;
      }
      row.status = e.name == baseline ? "baseline" : "ok";
      if (e.name != baseline && row.delta_points < -fail_below_points &&
          (all || row.p_value < category_alpha)) {
        row.status = "regressed";
        if (!regressed) out.regressed.push_back(e.name);
        regressed = true;
      }
      std::snprintf(line, sizeof line, "%-24s %-16s %8lld %8.2f %+9.2f %8.3g  %s\n", e.name.c_str(),
                    scope, static_cast<long long>(row.n), row.accuracy, row.delta_points,
                    row.p_value, row.status.c_str());
      text << line;
      out.rows.push_back(row);
    }
  }
  // Streamed, not formatted into `line`: a long baseline name must not cut the line short.
  std::snprintf(line, sizeof line,
                "%.2f points below it on all questions, or on a category with p below %.2g",
                fail_below_points, kCategoryAlpha);
  text << "\nbaseline " << baseline << "; a checkpoint regresses when more than " << line
       << " / the categories judged; p: paired exact (McNemar) test against the baseline\n";
  out.text = text.str();
  return out;
}

void write_sweep_csv(const fs::path& path, const SweepSummary& summary) {
  write_atomically(path, [&](const fs::path& tmp) {
    std::ostringstream out;
    out << "checkpoint,scope,status,n,correct,accuracy,delta_points,p_value\n";
    char numbers[128];
    for (const SweepRow& r : summary.rows) {
      std::snprintf(numbers, sizeof numbers, "%lld,%lld,%.6f,%.6f,%.6g",
                    static_cast<long long>(r.n), static_cast<long long>(r.correct), r.accuracy,
                    r.delta_points, r.p_value);
      out << csv_field(r.checkpoint) << "," << csv_field(r.scope) << "," << r.status << ","
          << numbers << "\n";
    }
    write_new_file(tmp, out.str());
  });
}

void write_sweep_hdf5(const fs::path& path, const SweepSummary& summary,
                      const std::string& baseline, double fail_below_points) {
  hdf5::silence_errors();
  write_atomically(path, [&](const fs::path& tmp) {
    hdf5::MemoryFile file(tmp.string());
    hdf5::write_text_attribute(file, "baseline", baseline);
    hdf5::write_number_attribute(file, "fail_below_points", fail_below_points);
    hdf5::Handle group = hdf5::create_group(file, "rows");
    std::vector<std::string> checkpoint, scope, status;
    std::vector<std::int64_t> n, correct;
    std::vector<double> accuracy, delta, p;
    for (const SweepRow& r : summary.rows) {
      checkpoint.push_back(r.checkpoint);
      scope.push_back(r.scope);
      status.push_back(r.status);
      n.push_back(r.n);
      correct.push_back(r.correct);
      accuracy.push_back(r.accuracy);
      delta.push_back(r.delta_points);
      p.push_back(r.p_value);
    }
    hdf5::write_strings(group, "checkpoint", checkpoint);
    hdf5::write_strings(group, "scope", scope);
    hdf5::write_strings(group, "status", status);
    hdf5::write_column(group, "n", H5T_NATIVE_INT64, n);
    hdf5::write_column(group, "correct", H5T_NATIVE_INT64, correct);
    hdf5::write_column(group, "accuracy", H5T_NATIVE_DOUBLE, accuracy);
    hdf5::write_column(group, "delta_points", H5T_NATIVE_DOUBLE, delta);
    hdf5::write_column(group, "p_value", H5T_NATIVE_DOUBLE, p);
    group.close("close group rows");
    write_new_file(tmp, file.image());
  });
}

}  // namespace mmlu
