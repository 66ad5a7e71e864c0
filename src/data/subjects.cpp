#include "mmlu/data/subjects.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace mmlu {
namespace {

struct Entry {
  std::string_view subject, subcategory;
};

// hendrycks/test categories.py: subcategories.
constexpr std::array<Entry, 57> kSubjects{{
    {"abstract_algebra", "math"},
    {"anatomy", "health"},
    {"astronomy", "physics"},
    {"business_ethics", "business"},
    {"clinical_knowledge", "health"},
    {"college_biology", "biology"},
    {"college_chemistry", "chemistry"},
    {"college_computer_science", "computer science"},
    {"college_mathematics", "math"},
    {"college_medicine", "health"},
    {"college_physics", "physics"},
    {"computer_security", "computer science"},
    {"conceptual_physics", "physics"},
    {"econometrics", "economics"},
    {"electrical_engineering", "engineering"},
    {"elementary_mathematics", "math"},
    {"formal_logic", "philosophy"},
    {"global_facts", "other"},
    {"high_school_biology", "biology"},
    {"high_school_chemistry", "chemistry"},
    {"high_school_computer_science", "computer science"},
    {"high_school_european_history", "history"},
    {"high_school_geography", "geography"},
    {"high_school_government_and_politics", "politics"},
    {"high_school_macroeconomics", "economics"},
    {"high_school_mathematics", "math"},
    {"high_school_microeconomics", "economics"},
    {"high_school_physics", "physics"},
    {"high_school_psychology", "psychology"},
    {"high_school_statistics", "math"},
    {"high_school_us_history", "history"},
    {"high_school_world_history", "history"},
    {"human_aging", "health"},
    {"human_sexuality", "culture"},
    {"international_law", "law"},
    {"jurisprudence", "law"},
    {"logical_fallacies", "philosophy"},
    {"machine_learning", "computer science"},
    {"management", "business"},
    {"marketing", "business"},
    {"medical_genetics", "health"},
    {"miscellaneous", "other"},
    {"moral_disputes", "philosophy"},
    {"moral_scenarios", "philosophy"},
    {"nutrition", "health"},
    {"philosophy", "philosophy"},
    {"prehistory", "history"},
    {"professional_accounting", "other"},
    {"professional_law", "law"},
    {"professional_medicine", "health"},
    {"professional_psychology", "psychology"},
    {"public_relations", "politics"},
    {"security_studies", "politics"},
    {"sociology", "culture"},
    {"us_foreign_policy", "politics"},
    {"virology", "health"},
    {"world_religions", "philosophy"},
}};

// categories.py: categories (its fourth is "other (business, health, misc.)").
std::string_view category_of(std::string_view subcategory) {
  for (auto s : {"physics", "chemistry", "biology", "computer science", "math", "engineering"})
    if (subcategory == s) return "STEM";
  for (auto s : {"history", "philosophy", "law"})
    if (subcategory == s) return "humanities";
  for (auto s : {"politics", "culture", "economics", "geography", "psychology"})
    if (subcategory == s) return "social sciences";
  return "other";
}

}  // namespace

SubjectInfo subject_info(std::string_view subject) {
  const auto it = std::find_if(kSubjects.begin(), kSubjects.end(),
                               [&](const Entry& e) { return e.subject == subject; });
  if (it == kSubjects.end()) return {"other", "other", false};
  return {std::string(it->subcategory), std::string(category_of(it->subcategory)), true};
}

std::string subject_title(std::string_view subject) {
  std::string title(subject);
  std::replace(title.begin(), title.end(), '_', ' ');
  return title;
}

}  // namespace mmlu
