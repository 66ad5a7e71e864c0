#include "mmlu/data/mmlu_data.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "mmlu/data/subjects.hpp"
#include "mmlu/util/csv.hpp"
#include "mmlu/util/error.hpp"
#include "mmlu/util/json_file.hpp"
#include "mmlu/util/sha256.hpp"
#include "mmlu/util/utf8.hpp"

namespace mmlu {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw InputError(path.string() + ": not a regular file");
  const std::uintmax_t size = fs::file_size(path, ec);
  std::ifstream in(path, std::ios::binary);
  if (ec || !in) throw InputError(path.string() + ": cannot be read");
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  if (in.gcount() != static_cast<std::streamsize>(size))
    throw InputError(path.string() + ": read error (got " + std::to_string(in.gcount()) + " of " +
                     std::to_string(size) + " bytes)");
  return text;
}

int parse_answer(const std::string& answer, const std::string& where) {
  std::string a = answer;
  while (!a.empty() && (a.back() == ' ' || a.back() == '\t')) a.pop_back();
  while (!a.empty() && (a.front() == ' ' || a.front() == '\t')) a.erase(0, 1);
  if (a.size() == 1 && a[0] >= 'A' && a[0] <= 'D') return a[0] - 'A';
  throw InputError(where + ": answer \"" + answer + "\" is not one of A, B, C, D");
}

// The file's text, with its name and text added to the data set's hash (data_sha256).
std::string read_hashed(const fs::path& path, Sha256& hash) {
  std::string text = read_file(path);
  hash.update(path.filename().string());
  hash.update(text);
  return text;
}

std::vector<Question> read_csv_questions(const fs::path& path, Sha256& hash) {
  const std::string text = read_hashed(path, hash);
  std::vector<Question> questions;
  for (const CsvRecord& record : parse_csv(text, path.string())) {
    const std::string where = path.string() + ":" + std::to_string(record.line);
    if (record.fields.size() != 6)
      throw InputError(where + ": expected 6 fields (question, A, B, C, D, answer), found " +
                       std::to_string(record.fields.size()));
    Question q;
    q.question = record.fields[0];
    for (int i = 0; i < 4; ++i) q.choices[static_cast<std::size_t>(i)] = record.fields[1 + i];
    q.answer = parse_answer(record.fields[5], where);
    q.index = static_cast<std::int64_t>(questions.size());
    questions.push_back(std::move(q));
  }
  return questions;
}

const std::string kSuffix = ".csv";

// Subjects with a {subject}_{split}.csv in DIR/split.
std::vector<std::string> csv_subjects(const fs::path& dir, const std::string& split) {
  const fs::path folder = dir / split;
  std::error_code ec;
  if (!fs::is_directory(folder, ec))
    throw InputError(folder.string() + ": no such directory (expected the MMLU layout " +
                     "DIR/{dev,val,test}/SUBJECT_SPLIT.csv)");
  const std::string tail = "_" + split + kSuffix;
  std::vector<std::string> subjects;
  fs::directory_iterator it(folder, ec), end;
  if (ec) throw InputError(folder.string() + ": cannot be listed (" + ec.message() + ")");
  for (; it != end; it.increment(ec)) {
    if (ec) throw InputError(folder.string() + ": cannot be listed (" + ec.message() + ")");
    const std::string name = it->path().filename().string();
    if (name.size() > tail.size() &&
        name.compare(name.size() - tail.size(), tail.size(), tail) == 0)
      subjects.push_back(name.substr(0, name.size() - tail.size()));
  }
  std::sort(subjects.begin(), subjects.end());
  if (subjects.empty()) throw InputError(folder.string() + ": no *" + tail + " files");
  return subjects;
}

std::vector<std::string> choose(const std::vector<std::string>& available,
                                const DataSelection& selection, const std::string& where) {
  if (selection.subjects.empty()) return available;
  std::vector<std::string> chosen;
  for (const std::string& s : selection.subjects) {
    if (!std::binary_search(available.begin(), available.end(), s)) {
      std::string list;
      for (const auto& a : available) list += (list.empty() ? "" : ", ") + a;
      throw InputError(where + ": no subject " + s + " in the " + selection.split +
                       " split (available: " + list + ")");
    }
    if (std::find(chosen.begin(), chosen.end(), s) == chosen.end()) chosen.push_back(s);
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

void apply_limit(std::vector<Question>& eval, std::int64_t limit) {
  if (limit > 0 && static_cast<std::int64_t>(eval.size()) > limit)
    eval.resize(static_cast<std::size_t>(limit));
}

Dataset load_csv(const fs::path& dir, const DataSelection& selection) {
  Dataset data;
  data.format = "csv";
  Sha256 hash;
  const auto subjects = choose(csv_subjects(dir, selection.split), selection, dir.string());
  for (const std::string& name : subjects) {
    // The subject's name goes into its prompts, which are tokenised as UTF-8.
    const fs::path eval = dir / selection.split / (name + "_" + selection.split + kSuffix);
    if (!is_valid_utf8(name))
      throw InputError(eval.string() + ": the file name is not valid UTF-8");
    SubjectData subject;
    subject.name = name;
    const fs::path dev = dir / "dev" / (name + "_dev.csv");
    std::error_code ec;
    if (selection.shots == 0) {
      // Hashed though unused, so that a 0-shot run of the same files has the same data_sha256
      // as a k-shot one and mmlu_report compares them.
      if (fs::is_regular_file(dev, ec)) {
        try {
          read_hashed(dev, hash);
        } catch (const InputError&) {
          // Unused, so unreadable is no reason to refuse the run; its hash just differs.
        }
      }
    } else {
      if (!fs::is_regular_file(dev, ec))
        throw InputError(dev.string() + ": no such file (the few-shot examples of " + name +
                         "; --shots 0 needs none)");
      subject.dev = read_csv_questions(dev, hash);
      if (subject.dev.empty())
        throw InputError(dev.string() + ": no rows (the few-shot examples of " + name +
                         "; --shots 0 needs none)");
    }
    subject.eval = read_csv_questions(eval, hash);
    if (subject.eval.empty()) throw InputError(eval.string() + ": no questions");
    apply_limit(subject.eval, selection.limit);
    data.subjects.push_back(std::move(subject));
  }
  data.sha256 = hash.hex_digest();
  return data;
}

Dataset load_jsonl(const fs::path& file, const DataSelection& selection) {
  Dataset data;
  data.format = "jsonl";
  const std::string text = read_file(file);
  std::size_t bad = 0;
  if (!is_valid_utf8(text, &bad)) {
    const auto line =
        1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n');
    throw InputError(file.string() + ":" + std::to_string(line) + ": not valid UTF-8");
  }
  data.sha256 = sha256_hex(text);
  std::map<std::string, SubjectData> by_name;
  std::istringstream lines(text);
  std::string line;
  for (std::size_t number = 1; std::getline(lines, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = file.string() + ":" + std::to_string(number);
    const Json row = parse_json_text(line, where);
    auto text_field = [&](const char* key) {
      if (!row.is_object() || !row.contains(key) || !row[key].is_string())
        throw InputError(where + ": \"" + key + "\" must be a string");
      return row[key].get<std::string>();
    };
    const std::string subject = text_field("subject"), split = text_field("split");
    if (subject.empty()) throw InputError(where + ": \"subject\" is empty");
    if (split != "dev" && split != "val" && split != "test")
      throw InputError(where + ": split \"" + split + "\" is not dev, val or test");
    Question q;
    q.question = text_field("question");
    const Json& choices = row.contains("choices") ? row["choices"] : Json();
    if (!choices.is_array() || choices.size() != 4)
      throw InputError(where + ": \"choices\" must be a list of 4 strings");
    for (std::size_t i = 0; i < 4; ++i) {
      if (!choices[i].is_string()) throw InputError(where + ": \"choices\" must be strings");
      q.choices[i] = choices[i].get<std::string>();
    }
    const Json& answer = row.contains("answer") ? row["answer"] : Json();
    if (answer.is_number_integer() && answer.get<std::int64_t>() >= 0 &&
        answer.get<std::int64_t>() <= 3)
      q.answer = answer.get<int>();
    else if (answer.is_string())
      q.answer = parse_answer(answer.get<std::string>(), where);
    else
      throw InputError(where + ": \"answer\" must be A-D or 0-3");
    SubjectData& s = by_name[subject];
    s.name = subject;
    if (split == "dev") {
      q.index = static_cast<std::int64_t>(s.dev.size());
      s.dev.push_back(std::move(q));
    } else if (split == selection.split) {
      q.index = static_cast<std::int64_t>(s.eval.size());
      s.eval.push_back(std::move(q));
    }
  }
  std::vector<std::string> available;
  for (const auto& [name, s] : by_name)
    if (!s.eval.empty()) available.push_back(name);
  if (available.empty())
    throw InputError(file.string() + ": no questions in the " + selection.split + " split");
  for (const std::string& name : choose(available, selection, file.string())) {
    SubjectData s = std::move(by_name[name]);
    if (selection.shots > 0 && s.dev.empty())
      throw InputError(file.string() + ": subject " + name +
                       " has no dev rows for its few-shot examples (--shots 0 needs none)");
    apply_limit(s.eval, selection.limit);
    data.subjects.push_back(std::move(s));
  }
  return data;
}

}  // namespace

std::int64_t Dataset::question_count() const {
  std::int64_t n = 0;
  for (const auto& s : subjects) n += static_cast<std::int64_t>(s.eval.size());
  return n;
}

Dataset load_dataset(const fs::path& path, const DataSelection& selection) {
  if (selection.split != "test" && selection.split != "val")
    throw InputError("--split " + selection.split + ": expected test or val");
  std::error_code ec;
  if (!fs::exists(path, ec)) throw InputError(path.string() + ": no such file or directory");
  Dataset data =
      fs::is_directory(path, ec) ? load_csv(path, selection) : load_jsonl(path, selection);
  data.path = path;
  data.split = selection.split;
  std::string short_of_shots;
  for (const auto& s : data.subjects) {
    if (!subject_info(s.name).known)
      data.warnings.push_back("subject " + s.name +
                              " is not one of MMLU's 57; it is grouped under \"other\"");
    if (selection.shots > static_cast<int>(s.dev.size()))
      short_of_shots +=
          (short_of_shots.empty() ? "" : ", ") + s.name + " (" + std::to_string(s.dev.size()) + ")";
  }
  // The results record each question's shots; the run's --shots would otherwise overstate them.
  if (!short_of_shots.empty())
    data.warnings.push_back("--shots " + std::to_string(selection.shots) +
                            ", but these subjects have fewer dev rows, and their prompts have as "
                            "many shots as rows: " +
                            short_of_shots);
  return data;
}

}  // namespace mmlu
