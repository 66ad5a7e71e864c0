#include "mmlu/util/progress.hpp"

#include <unistd.h>

#include <algorithm>

#include "mmlu/util/error.hpp"

namespace mmlu {

Progress::Style Progress::parse_style(const std::string& name, std::FILE* stream) {
  if (name == "none") return Style::none;
  if (name == "bar") return Style::bar;
  if (name == "lines") return Style::lines;
  if (name == "auto") return isatty(fileno(stream)) ? Style::bar : Style::lines;
  throw InputError("--progress: expected auto, bar, lines or none, got '" + name + "'");
}

Progress::Progress(Style style, std::int64_t total, std::FILE* stream, double line_every_seconds)
    : style_(style), total_(total), stream_(stream), line_every_(line_every_seconds) {}

std::string format_duration(double seconds) {
  const auto s = static_cast<std::int64_t>(seconds + 0.5);
  char text[32];
  if (s >= 3600)
    std::snprintf(text, sizeof text, "%lldh%02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s % 3600 / 60));
  else if (s >= 60)
    std::snprintf(text, sizeof text, "%lldm%02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  else
    std::snprintf(text, sizeof text, "%llds", static_cast<long long>(s));
  return text;
}

void Progress::advance(std::int64_t done_now) {
  done_ = std::min(total_, done_ + done_now);
  if (style_ == Style::none) return;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_print_).count();
  if (style_ == Style::bar ? since >= 0.2 : since >= line_every_) print(false);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (style_ != Style::none) print(true);
}

void Progress::print(bool final) {
  last_print_ = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(last_print_ - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0.0;
  const double left = rate > 0 ? static_cast<double>(total_ - done_) / rate : 0.0;
  const double fraction = total_ > 0 ? static_cast<double>(done_) / static_cast<double>(total_) : 1;
  char stats[160];
  std::snprintf(stats, sizeof stats, "%lld/%lld questions, %.1f q/s, %s %s",
                static_cast<long long>(done_), static_cast<long long>(total_), rate,
                final ? "took" : "ETA", format_duration(final ? elapsed : left).c_str());
  if (style_ == Style::bar) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(kWidth, '.');
    std::fprintf(stream_, "\r[%s] %3.0f%% %s\033[K%s", bar.c_str(), 100 * fraction, stats,
                 final ? "\n" : "");
  } else {
    std::fprintf(stream_, "mmlu_eval: progress %3.0f%%: %s\n", 100 * fraction, stats);
  }
  std::fflush(stream_);
}

}  // namespace mmlu
