#include "mmlu/data/doc_transforms.hpp"

#include <stdexcept>

#include <utf8proc.h>

#include "mmlu/data/field_template.hpp"
#include "mmlu/util/utf8.hpp"

namespace mmlu {
namespace {

const std::string& text_field(const Json& doc, const char* name) {
  auto it = doc.find(name);
  if (it == doc.end()) throw std::invalid_argument(std::string("no field '") + name + "'");
  if (!it->is_string())
    throw std::invalid_argument(std::string("field '") + name + "' is not text");
  return it->get_ref<const std::string&>();
}

const Json& list_field(const Json& doc, const char* name) {
  auto it = doc.find(name);
  if (it == doc.end()) throw std::invalid_argument(std::string("no field '") + name + "'");
  if (!it->is_array() || it->empty())
    throw std::invalid_argument(std::string("field '") + name + "' is not a list of text");
  for (const Json& item : *it)
    if (!item.is_string())
      throw std::invalid_argument(std::string("field '") + name + "' is not a list of text");
  return *it;
}

std::string replace_all(const std::string& text, const std::string& from, const std::string& to) {
  std::string out;
  std::size_t pos = 0;
  for (std::size_t hit; (hit = text.find(from, pos)) != std::string::npos; pos = hit + from.size())
    out += text.substr(pos, hit - pos) + to;
  return out + text.substr(pos);
}

// Python's str.capitalize: the first character in title case, the rest in lower case (utf8proc's
// one-to-one mappings; Python's few one-to-many ones, such as a leading "ß", are not reproduced).
std::string capitalize(const std::string& text) {
  std::string out;
  for (std::size_t pos = 0; pos < text.size();) {
    char32_t cp = utf8_decode_at(text, pos);
    auto mapped = pos == 0 ? utf8proc_totitle(static_cast<utf8proc_int32_t>(cp))
                           : utf8proc_tolower(static_cast<utf8proc_int32_t>(cp));
    append_utf8(out, static_cast<char32_t>(mapped));
    pos += utf8_length_at(text, pos);
  }
  return out;
}

// hellaswag/utils.py's preprocess: strip, " [title]" -> ". ", re.sub(r"\[.*?\]", ""), "  " -> " ".
std::string hellaswag_clean(const std::string& raw) {
  std::string text = replace_all(python_strip(raw, true, true), " [title]", ". ");
  std::string kept;
  for (std::size_t pos = 0; pos < text.size();) {
    if (text[pos] == '[') {
      std::size_t close = text.find_first_of("]\n", pos + 1);
      if (close != std::string::npos && text[close] == ']') {  // '.' never matches a newline
        pos = close + 1;
        continue;
      }
    }
    kept += text[pos++];
  }
  return replace_all(kept, "  ", " ");
}

Json hellaswag(Json doc) {
  std::string ctx = text_field(doc, "ctx_a") + " " + capitalize(text_field(doc, "ctx_b"));
  Json choices = Json::array();
  for (const Json& ending : list_field(doc, "endings"))
    choices.push_back(hellaswag_clean(ending.get<std::string>()));
  const std::string& label = text_field(doc, "label");
  if (label.empty() || label.find_first_not_of("0123456789") != std::string::npos ||
      label.size() > 3)
    throw std::invalid_argument("field 'label' is not a number: \"" + label + "\"");
  doc["query"] = hellaswag_clean(text_field(doc, "activity_label") + ": " + ctx);
  doc["choices"] = std::move(choices);
  doc["gold"] = std::stoi(label);
  return doc;
}

Json winogrande(Json doc) {
  const std::string& sentence = text_field(doc, "sentence");
  std::size_t blank = sentence.find('_');
  if (blank == std::string::npos) throw std::invalid_argument("field 'sentence' has no '_'");
  const std::string& answer = text_field(doc, "answer");
  if (answer != "1" && answer != "2")
    throw std::invalid_argument("field 'answer' is \"" + answer + "\", not \"1\" or \"2\"");
  Json contexts = Json::array();
  for (const char* option : {"option1", "option2"})
    contexts.push_back(sentence.substr(0, blank) + text_field(doc, option));
  doc["answer_index"] = answer == "1" ? 0 : 1;
  doc["option_contexts"] = std::move(contexts);
  doc["continuation"] = python_strip(sentence.substr(blank + 1), true, true);
  return doc;
}

Json mmlu_pro(Json doc) {
  const Json& options = list_field(doc, "options");
  if (options.size() > 26) throw std::invalid_argument("field 'options' has more than 26 items");
  std::string prompt = text_field(doc, "question") + "\n";
  Json letters = Json::array();
  for (std::size_t i = 0; i < options.size(); ++i) {
    std::string letter(1, static_cast<char>('A' + i));
    prompt += letter + ". " + options[i].get<std::string>() + "\n";
    letters.push_back(letter);
  }
  doc["prompt"] = prompt + "Answer:";
  doc["letters"] = std::move(letters);
  return doc;
}

}  // namespace

bool is_doc_transform(const std::string& name) {
  return name == "hellaswag" || name == "winogrande" || name == "mmlu_pro";
}

std::string doc_transform_names() {
  return "hellaswag, mmlu_pro, winogrande";
}

Json transform_doc(const std::string& name, Json doc) {
  if (name.empty()) return doc;
  if (!doc.is_object()) throw std::invalid_argument("a document that is not an object");
  if (name == "hellaswag") return hellaswag(std::move(doc));
  if (name == "winogrande") return winogrande(std::move(doc));
  if (name == "mmlu_pro") return mmlu_pro(std::move(doc));
  throw std::invalid_argument("no document transform '" + name + "'");
}

}  // namespace mmlu
