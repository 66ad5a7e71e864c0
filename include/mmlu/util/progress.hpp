#pragma once
// Progress of a run on rank 0: questions done of the total, questions per second and the time
// left; a live bar on a terminal, a line every few seconds otherwise (batch logs).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace mmlu {

class Progress {
 public:
  enum class Style { none, bar, lines };
  // "auto" picks bar when `stream` is a terminal, else lines.
  static Style parse_style(const std::string& name, std::FILE* stream);

  Progress(Style style, std::int64_t total, std::FILE* stream = stderr,
           double line_every_seconds = 10.0);
  void advance(std::int64_t done_now);  // adds to the questions done
  void finish();

  std::int64_t done() const { return done_; }

 private:
  void print(bool final);

  Style style_;
  std::int64_t total_;
  std::FILE* stream_;
  double line_every_;
  std::int64_t done_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_print_ = start_;
  bool finished_ = false;
};

// "1h02m", "3m05s", "42s".
std::string format_duration(double seconds);

}  // namespace mmlu
