#pragma once
// A task file's prompt fields, read as lm-evaluation-harness reads its YAMLs' doc_to_text,
// doc_to_choice, doc_to_target and description: a string that names a document field is that
// field's value; any other string is a template of literal text and {{ expression }}s, where an
// expression is the part of Jinja that lm-eval's built-in tasks use:
//   field paths          question, choices.text, choices[0], doc['key']
//   literals             'A', "x", 3, ['A', 'B'], [sol1, sol2]
//   concatenation        prompt + '\n\nQ: ' + question
//   methods              .strip() .lstrip() .rstrip() on text, .index(x) on lists
// Anything else ({% %} blocks, {# #} comments, filters, other methods) is refused when the task
// file is read, so a template never renders differently from lm-eval's without saying so.
#include <memory>
#include <string>
#include <vector>

#include "mmlu/util/json_file.hpp"

namespace mmlu {

struct TemplateNode;

class FieldTemplate {
 public:
  FieldTemplate();  // the empty template: renders ""
  // Throws InputError "ORIGIN: ..." naming the problem and its offset in `text`.
  static FieldTemplate parse(const std::string& text, const std::string& origin);
  // A field's value given in the task file as JSON (an integer target, a list of choices).
  static FieldTemplate constant(Json value);

  // The value for one document: the named field's value, a lone {{ expression }}'s value (a list,
  // a number, text), or the rendered text. Throws std::invalid_argument naming what is missing or
  // of the wrong type; callers add the file and row.
  Json evaluate(const Json& doc) const;
  // Whether, for this document, the template is a field's name (its value is then taken as it
  // is: lm-eval turns digits into numbers only in rendered templates).
  bool names_field(const Json& doc) const;
  const std::string& text() const { return text_; }
  bool empty() const { return text_.empty() && !constant_; }

 private:
  std::string text_;
  bool constant_ = false;
  Json value_;                                              // when constant_
  std::vector<std::shared_ptr<const TemplateNode>> parts_;  // literal text or expressions
};

// Python's str.strip family on UTF-8 text (Python's whitespace, code point by code point).
std::string python_strip(const std::string& text, bool left, bool right);

}  // namespace mmlu
