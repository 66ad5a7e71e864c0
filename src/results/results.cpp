#include "mmlu/results/results.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <functional>

#include "mmlu/data/subjects.hpp"
#include "mmlu/parallel/mpi.hpp"
#include "mmlu/results/hdf5_io.hpp"
#include "mmlu/util/error.hpp"
#include "mmlu/util/file_write.hpp"

namespace mmlu {
namespace {

namespace fs = std::filesystem;
using hdf5::check;
using hdf5::create_group;
using hdf5::Handle;
using hdf5::string_type;
using hdf5::write_column;
using hdf5::write_number_attribute;
using hdf5::write_strings;
using hdf5::write_text_attribute;

const char* const kCategories[] = {"STEM", "humanities", "social sciences", "other"};

void write_scores(hid_t file, const char* group_name, const std::vector<Score>& scores,
                  bool subjects) {
  Handle group = create_group(file, group_name);
  std::vector<std::string> names, categories, subcategories;
  std::vector<std::int64_t> n, correct;
  std::vector<double> accuracy;
  for (const Score& s : scores) {
    names.push_back(s.name);
    categories.push_back(s.category);
    subcategories.push_back(s.subcategory);
    n.push_back(s.n);
    correct.push_back(s.correct);
    accuracy.push_back(s.accuracy);
  }
  write_strings(group, "name", names);
  if (subjects) {
    write_strings(group, "category", categories);
    write_strings(group, "subcategory", subcategories);
  }
  write_column(group, "n", H5T_NATIVE_INT64, n);
  write_column(group, "correct", H5T_NATIVE_INT64, correct);
  write_column(group, "accuracy", H5T_NATIVE_DOUBLE, accuracy);
}

// ---- reading ---------------------------------------------------------------------------------

std::vector<hsize_t> dims_of(hid_t set) {
  Handle space(H5Dget_space(set), H5Sclose, "read a dataset's space");
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0) throw Error("HDF5: cannot read a dataset's rank");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  return dims;
}

// Results files hold at most this many questions (MMLU has 14,042): a larger declared shape is
// a broken or hostile file, refused before anything is allocated for it.
constexpr hsize_t kMaxRows = 100'000'000;

template <class T>
std::vector<T> read_column(hid_t group, const std::string& name, hid_t type, hsize_t width = 1) {
  if (H5Lexists(group, name.c_str(), H5P_DEFAULT) <= 0) throw Error("missing dataset " + name);
  Handle set(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose, "open " + name);
  const auto dims = dims_of(set);
  if (dims.size() != (width > 1 ? 2u : 1u) || (width > 1 && dims[1] != width) || dims[0] > kMaxRows)
    throw Error("dataset " + name + " has the wrong shape");
  std::vector<T> values(static_cast<std::size_t>(dims[0] * width));
  if (!values.empty())
    check(H5Dread(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), "read " + name);
  return values;
}

std::vector<std::string> read_strings(hid_t group, const std::string& name) {
  Handle type = string_type();
  std::vector<char*> pointers = read_column<char*>(group, name, type);
  std::vector<std::string> values;
  for (char* p : pointers) {
    values.emplace_back(p ? p : "");
    H5free_memory(p);
  }
  return values;
}

void read_attributes(hid_t file, Provenance& provenance) {
  H5O_info_t info;
  check(H5Oget_info2(file, &info, H5O_INFO_NUM_ATTRS), "list attributes");
  for (hsize_t i = 0; i < info.num_attrs; ++i) {
    Handle attr(H5Aopen_by_idx(file, ".", H5_INDEX_NAME, H5_ITER_INC, i, H5P_DEFAULT, H5P_DEFAULT),
                H5Aclose, "open an attribute");
    char name[256];
    H5Aget_name(attr, sizeof name, name);
    Handle type(H5Aget_type(attr), H5Tclose, "read an attribute's type");
    Handle space(H5Aget_space(attr), H5Sclose, "read an attribute's space");
    // Only scalars are ours; anything else would not fit the buffers below.
    if (H5Sget_simple_extent_type(space) != H5S_SCALAR) continue;
    const H5T_class_t kind = H5Tget_class(type);
    if (kind != H5T_STRING && kind != H5T_INTEGER && kind != H5T_FLOAT) continue;
    if (kind == H5T_STRING) {
      Handle memory = string_type();
      if (H5Tis_variable_str(type) > 0) {
        char* text = nullptr;
        check(H5Aread(attr, memory, &text), std::string("read attribute ") + name);
        provenance.text[name] = text ? text : "";
        H5free_memory(text);
      } else {
        if (H5Tget_size(type) > 1'000'000) continue;
        std::string text(H5Tget_size(type), '\0');
        Handle fixed(H5Tcopy(type), H5Tclose, "copy a string type");
        check(H5Aread(attr, fixed, text.data()), std::string("read attribute ") + name);
        provenance.text[name] = text.c_str();
      }
    } else {
      double value = 0;
      check(H5Aread(attr, H5T_NATIVE_DOUBLE, &value), std::string("read attribute ") + name);
      provenance.numbers[name] = value;
    }
  }
}

}  // namespace

Summary summarize(const std::vector<std::string>& subject_names,
                  const std::vector<QuestionResult>& questions) {
  Summary summary;
  for (const auto& name : subject_names) {
    const SubjectInfo info = subject_info(name);
    summary.subjects.push_back({name, info.category, info.subcategory, 0, 0, 0});
  }
  for (const QuestionResult& q : questions) {
    if (q.subject < 0 || static_cast<std::size_t>(q.subject) >= summary.subjects.size())
      throw Error("question result names subject " + std::to_string(q.subject) +
                  ", beyond the list of subjects");
    Score& s = summary.subjects[static_cast<std::size_t>(q.subject)];
    ++s.n;
    s.correct += q.pred == q.gold;
  }
  double macro = 0;
  std::int64_t with_questions = 0;
  for (Score& s : summary.subjects) {
    s.accuracy = s.n ? static_cast<double>(s.correct) / static_cast<double>(s.n) : 0.0;
    summary.n += s.n;
    summary.correct += s.correct;
    if (s.n) {
      macro += s.accuracy;
      ++with_questions;
    }
  }
  summary.accuracy =
      summary.n ? static_cast<double>(summary.correct) / static_cast<double>(summary.n) : 0.0;
  summary.accuracy_macro = with_questions ? macro / static_cast<double>(with_questions) : 0.0;
  for (const char* category : kCategories) {
    Score c{category, "", "", 0, 0, 0};
    for (const Score& s : summary.subjects)
      if (s.category == category) {
        c.n += s.n;
        c.correct += s.correct;
      }
    if (c.n == 0) continue;
    c.accuracy = static_cast<double>(c.correct) / static_cast<double>(c.n);
    summary.categories.push_back(c);
  }
  return summary;
}

std::vector<QuestionResult> gather_results(MPI_Comm comm, const std::vector<QuestionResult>& mine,
                                           bool contribute) {
  std::vector<QuestionResult> all =
      gather_to_root(comm, contribute ? mine : std::vector<QuestionResult>{}, 0);
  std::sort(all.begin(), all.end(), [](const QuestionResult& a, const QuestionResult& b) {
    return a.subject != b.subject ? a.subject < b.subject : a.index < b.index;
  });
  return all;
}

void check_output_path(const fs::path& out, bool overwrite) {
  std::error_code ec;
  if (out.empty()) throw InputError("--out: empty path");
  if (fs::is_directory(out, ec)) throw InputError(out.string() + ": is a directory");
  if (fs::exists(out, ec) && !overwrite)
    throw InputError(out.string() + ": exists (pass --overwrite to replace it)");
  const fs::path dir = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  if (!fs::is_directory(dir, ec)) throw InputError(out.string() + ": no directory " + dir.string());
  // A probe of its own name: OUT.tmp may be the leftover of a run killed while publishing, which
  // the next write replaces, and must not lock a requeued job out.
  std::string probe = (dir / ("." + out.filename().string() + ".probe-XXXXXX")).string();
  const int fd = ::mkstemp(probe.data());
  if (fd < 0) throw InputError(out.string() + ": cannot be written (" + std::strerror(errno) + ")");
  ::close(fd);
  fs::remove(probe, ec);
}

void write_results_file(const fs::path& out, const std::vector<std::string>& subject_names,
                        const std::vector<QuestionResult>& questions,
                        const Provenance& provenance) {
  hdf5::silence_errors();
  const Summary summary = summarize(subject_names, questions);
  write_atomically(out, [&](const fs::path& tmp) {
    hdf5::MemoryFile file(tmp.string());
    write_number_attribute(file, "accuracy", summary.accuracy);
    write_number_attribute(file, "accuracy_macro", summary.accuracy_macro);
    write_number_attribute(file, "questions", static_cast<double>(summary.n));
    for (const auto& [name, value] : provenance.text) write_text_attribute(file, name, value);
    for (const auto& [name, value] : provenance.numbers) write_number_attribute(file, name, value);

    Handle group = create_group(file, "questions");
    std::vector<std::int32_t> subject, gold, pred, prompt_tokens, shots;
    std::vector<std::int64_t> index;
    std::vector<std::uint8_t> truncated;
    std::vector<float> logprobs;
    for (const QuestionResult& q : questions) {
      subject.push_back(q.subject);
      index.push_back(q.index);
      gold.push_back(q.gold);
      pred.push_back(q.pred);
      prompt_tokens.push_back(q.prompt_tokens);
      shots.push_back(q.shots);
      truncated.push_back(static_cast<std::uint8_t>(q.truncated));
      logprobs.insert(logprobs.end(), q.logprobs.begin(), q.logprobs.end());
    }
    write_column(group, "subject", H5T_NATIVE_INT32, subject);
    write_column(group, "index", H5T_NATIVE_INT64, index);
    write_column(group, "gold", H5T_NATIVE_INT32, gold);
    write_column(group, "pred", H5T_NATIVE_INT32, pred);
    write_column(group, "logprobs", H5T_NATIVE_FLOAT, logprobs, 4);
    write_column(group, "prompt_tokens", H5T_NATIVE_INT32, prompt_tokens);
    write_column(group, "shots", H5T_NATIVE_INT32, shots);
    write_column(group, "truncated", H5T_NATIVE_UINT8, truncated);
    group.close("close group questions");
    write_scores(file, "subjects", summary.subjects, true);
    write_scores(file, "categories", summary.categories, false);
    write_new_file(tmp, file.image());
  });
}

ResultsFile read_results_file(const fs::path& path) {
  hdf5::silence_errors();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw InputError(path.string() + ": no such file");
  if (H5Fis_hdf5(path.c_str()) <= 0) throw InputError(path.string() + ": not an HDF5 file");
  ResultsFile results;
  results.path = path;
  try {
    Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose,
                "open " + path.string());
    read_attributes(file, results.provenance);
    for (const char* derived : {"accuracy", "accuracy_macro", "questions"})
      results.provenance.numbers.erase(derived);
    if (H5Lexists(file, "questions", H5P_DEFAULT) <= 0 ||
        H5Lexists(file, "subjects", H5P_DEFAULT) <= 0)
      throw Error("no /questions or /subjects group");
    Handle subjects(H5Gopen2(file, "subjects", H5P_DEFAULT), H5Gclose, "open /subjects");
    results.subject_names = read_strings(subjects, "name");
    Handle group(H5Gopen2(file, "questions", H5P_DEFAULT), H5Gclose, "open /questions");
    const auto subject = read_column<std::int32_t>(group, "subject", H5T_NATIVE_INT32);
    const auto index = read_column<std::int64_t>(group, "index", H5T_NATIVE_INT64);
    const auto gold = read_column<std::int32_t>(group, "gold", H5T_NATIVE_INT32);
    const auto pred = read_column<std::int32_t>(group, "pred", H5T_NATIVE_INT32);
    const auto logprobs = read_column<float>(group, "logprobs", H5T_NATIVE_FLOAT, 4);
    const auto tokens = read_column<std::int32_t>(group, "prompt_tokens", H5T_NATIVE_INT32);
    const auto shots = read_column<std::int32_t>(group, "shots", H5T_NATIVE_INT32);
    const auto truncated = read_column<std::uint8_t>(group, "truncated", H5T_NATIVE_UINT8);
    const std::size_t n = subject.size();
    for (std::size_t size : {index.size(), gold.size(), pred.size(), logprobs.size() / 4,
                             tokens.size(), shots.size(), truncated.size()})
      if (size != n) throw Error("/questions columns differ in length");
    for (std::size_t i = 0; i < n; ++i) {
      QuestionResult q;
      q.subject = subject[i];
      q.index = index[i];
      q.gold = gold[i];
      q.pred = pred[i];
      std::copy(logprobs.begin() + static_cast<std::ptrdiff_t>(4 * i),
                logprobs.begin() + static_cast<std::ptrdiff_t>(4 * i + 4), q.logprobs.begin());
      q.prompt_tokens = tokens[i];
      q.shots = shots[i];
      q.truncated = truncated[i];
      results.questions.push_back(q);
    }
    results.summary = summarize(results.subject_names, results.questions);
  } catch (const InputError&) {
    throw;
  } catch (const Error& e) {
    throw InputError(path.string() + ": not a results file (" + e.what() + ")");
  } catch (const std::bad_alloc&) {
    throw InputError(path.string() + ": not a results file (declares more data than fits)");
  }
  return results;
}

}  // namespace mmlu
