#pragma once
// MMLU-format benchmark data: the original layout DIR/{dev,val,test}/{subject}_{split}.csv (no
// header; question, A, B, C, D, answer letter) or one JSON Lines file (subject, question,
// choices, answer, split per line). Few-shot examples are the dev rows of the same subject.
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace mmlu {

struct Question {
  std::string question;
  std::array<std::string, 4> choices;
  int answer = 0;          // 0..3 for A..D
  std::int64_t index = 0;  // 0-based row among its subject's rows of its split, in file order
};

struct SubjectData {
  std::string name;  // "high_school_physics"
  std::vector<Question> dev;
  std::vector<Question> eval;  // the evaluated split, after --limit
};

struct DataSelection {
  std::string split = "test";         // the evaluated split: "test" or "val"
  std::vector<std::string> subjects;  // empty: all found
  std::int64_t limit = 0;             // >0: the first N questions of each subject
  int shots = 5;                      // 0: dev files are not needed
};

struct Dataset {
  std::filesystem::path path;
  std::string format;  // "csv" or "jsonl"
  std::string split;
  std::vector<SubjectData> subjects;  // sorted by name
  // Over the chosen subjects' files (names and contents, dev files even at --shots 0), in order.
  std::string sha256;
  std::vector<std::string> warnings;  // e.g. subjects outside the 57 (grouped as "other")
  std::int64_t question_count() const;
};

// Throws InputError naming the file (and line) and the problem: a missing directory or file,
// malformed CSV or JSON, a row without 6 fields, an answer outside A-D, text that is not UTF-8,
// an unknown subject in selection.subjects (listing the available ones), a missing dev file.
Dataset load_dataset(const std::filesystem::path& path, const DataSelection& selection);

}  // namespace mmlu
