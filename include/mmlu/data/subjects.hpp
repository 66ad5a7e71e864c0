#pragma once
// MMLU's 57 subjects, their subcategories and the four categories, as the original benchmark's
// categories.py groups them (STEM 18, humanities 13, social sciences 12, other 14).
#include <string>
#include <string_view>

namespace mmlu {

struct SubjectInfo {
  std::string subcategory;  // "math", "history", ...
  std::string category;     // "STEM", "humanities", "social sciences" or "other"
  bool known = false;       // false: not one of the 57; grouped as other / other
};

SubjectInfo subject_info(std::string_view subject);

// "high_school_us_history" -> "high school us history", as the prompt names it.
std::string subject_title(std::string_view subject);

}  // namespace mmlu
