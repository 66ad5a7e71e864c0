#include "mmlu/results/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>
#include <tuple>

#include "mmlu/data/subjects.hpp"
#include "mmlu/util/error.hpp"

namespace mmlu {
namespace {

std::string percent(double fraction) {
  char text[16];
  std::snprintf(text, sizeof text, "%6.2f", 100 * fraction);
  return text;
}

std::string row(const std::string& name, std::int64_t n, std::int64_t correct, double accuracy) {
  char text[200];
  std::snprintf(text, sizeof text, "  %-38s %6lld %7lld  %s\n", name.c_str(),
                static_cast<long long>(n), static_cast<long long>(correct),
                percent(accuracy).c_str());
  return text;
}

}  // namespace

std::string format_summary(const Summary& summary) {
  std::ostringstream out;
  char head[200];
  std::snprintf(head, sizeof head, "  %-38s %6s %7s  %6s\n", "", "n", "correct", "acc %");
  out << head;
  out << row("all questions (micro)", summary.n, summary.correct, summary.accuracy);
  char macro[120];
  std::snprintf(macro, sizeof macro, "  %-38s %6zu %7s  %s\n", "mean over subjects (macro)",
                summary.subjects.size(), "", percent(summary.accuracy_macro).c_str());
  out << macro << "\n";
  for (const Score& c : summary.categories) out << row(c.name, c.n, c.correct, c.accuracy);
  out << "\n";
  for (const Score& s : summary.subjects) out << row(s.name, s.n, s.correct, s.accuracy);
  return out.str();
}

std::string format_results_file(const ResultsFile& file) {
  std::ostringstream out;
  out << file.path.string() << "\n";
  for (const auto& [name, value] : file.provenance.text)
    out << "  " << name << ": " << value << "\n";
  for (const auto& [name, value] : file.provenance.numbers) {
    char text[64];
    std::snprintf(text, sizeof text, "%.6g", value);
    out << "  " << name << ": " << text << "\n";
  }
  out << "\n" << format_summary(file.summary);
  return out.str();
}

double two_sided_sign_test(std::int64_t k, std::int64_t n) {
  if (n == 0) return 1.0;
  const std::int64_t tail = std::min(k, n - k);
  // P(X <= tail) for X ~ Binomial(n, 1/2), summed in log space so large n does not underflow.
  double p = 0;
  for (std::int64_t i = 0; i <= tail; ++i)
    p += std::exp(std::lgamma(double(n) + 1) - std::lgamma(double(i) + 1) -
                  std::lgamma(double(n - i) + 1) - double(n) * std::log(2.0));
  return std::min(1.0, 2 * p);
}

namespace {

// Why two results files did not evaluate the same questions, or "" when they did. Prompts may
// differ (shots, max_seq_len: a comparison people make on purpose); the questions may not, or
// the deltas and the paired test would compare unrelated questions. The data hash comes last: of
// CSV data it covers only the files read, so another split or subject list changes it too, and
// the more specific reason is the one to give.
std::string different_questions(const ResultsFile& base, const ResultsFile& next) {
  auto text = [](const ResultsFile& f, const char* name) {
    const auto it = f.provenance.text.find(name);
    return it == f.provenance.text.end() ? std::string() : it->second;
  };
  auto number = [](const ResultsFile& f, const char* name) {
    const auto it = f.provenance.numbers.find(name);
    return it == f.provenance.numbers.end() ? std::string() : std::to_string(it->second);
  };
  if (text(base, "split") != text(next, "split"))
    return "the " + text(next, "split") + " split, not " + text(base, "split");
  if (base.subject_names != next.subject_names) return "other subjects";
  if (number(base, "limit") != number(next, "limit")) return "another --limit";
  if (text(base, "data_sha256") != text(next, "data_sha256")) return "another data set";
  return "";
}

}  // namespace

Comparison compare_results(const ResultsFile& base, const ResultsFile& next) {
  const std::string different = different_questions(base, next);
  if (!different.empty())
    throw InputError(next.path.string() + ": not the questions of " + base.path.string() + " (" +
                     different + "); only runs on the same questions compare");
  Comparison c;
  c.delta_points = 100 * (next.summary.accuracy - base.summary.accuracy);
  // Pair questions by subject name and row; each pair also counts towards its subject's category.
  std::map<std::pair<std::string, std::int64_t>, bool> base_correct;
  for (const QuestionResult& q : base.questions)
    base_correct[{base.subject_names[static_cast<std::size_t>(q.subject)], q.index}] =
        q.pred == q.gold;
  std::vector<std::string> category_of;
  for (const std::string& name : next.subject_names)
    category_of.push_back(subject_info(name).category);
  for (const QuestionResult& q : next.questions) {
    const auto subject = static_cast<std::size_t>(q.subject);
    const auto it = base_correct.find({next.subject_names[subject], q.index});
    if (it == base_correct.end()) continue;
    const bool now = q.pred == q.gold;
    for (PairedTest* t : {&c.all, &c.categories[category_of[subject]]}) {
      ++t->paired;
      t->base_only += it->second && !now;
      t->new_only += now && !it->second;
    }
  }
  auto test = [](PairedTest& t) {
    t.p_value = two_sided_sign_test(t.new_only, t.base_only + t.new_only);
  };
  test(c.all);
  for (auto& [name, t] : c.categories) test(t);

  std::ostringstream out;
  char line[240];
  std::snprintf(line, sizeof line, "  %-38s %8s %8s %8s\n", "", "base %", "new %", "delta");
  out << "base: " << base.path.string() << "\nnew:  " << next.path.string() << "\n\n" << line;
  auto add = [&](const std::string& name, const Score* b, const Score* n) {
    std::snprintf(line, sizeof line, "  %-38s %8s %8s %+8.2f\n", name.c_str(),
                  b ? percent(b->accuracy).c_str() : "     -",
                  n ? percent(n->accuracy).c_str() : "     -",
                  b && n ? 100 * (n->accuracy - b->accuracy) : 0.0);
    out << line;
  };
  const Score base_all{"", "", "", base.summary.n, base.summary.correct, base.summary.accuracy};
  const Score next_all{"", "", "", next.summary.n, next.summary.correct, next.summary.accuracy};
  add("all questions (micro)", &base_all, &next_all);
  const Score base_macro{"", "", "", 0, 0, base.summary.accuracy_macro};
  const Score next_macro{"", "", "", 0, 0, next.summary.accuracy_macro};
  add("mean over subjects (macro)", &base_macro, &next_macro);
  out << "\n";
  auto find = [](const std::vector<Score>& scores, const std::string& name) -> const Score* {
    for (const Score& s : scores)
      if (s.name == name && s.n > 0) return &s;
    return nullptr;
  };
  for (const Score& s : next.summary.categories)
    add(s.name, find(base.summary.categories, s.name), &s);
  out << "\n";
  std::vector<std::string> names;
  for (const Score& s : base.summary.subjects) names.push_back(s.name);
  for (const Score& s : next.summary.subjects) names.push_back(s.name);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  for (const std::string& name : names)
    add(name, find(base.summary.subjects, name), find(next.summary.subjects, name));
  std::snprintf(line, sizeof line,
                "\npaired questions: %lld; right only in base: %lld, right only in new: %lld; "
                "two-sided McNemar exact p = %.4g\n",
                static_cast<long long>(c.all.paired), static_cast<long long>(c.all.base_only),
                static_cast<long long>(c.all.new_only), c.all.p_value);
  out << line;
  c.text = out.str();
  return c;
}

}  // namespace mmlu
