#include "mmlu/data/field_template.hpp"

#include <cctype>
#include <stdexcept>
#include <utility>

#include "mmlu/util/error.hpp"
#include "mmlu/util/utf8.hpp"

namespace mmlu {

struct TemplateNode {
  enum class Kind { text, field, literal, list, attribute, subscript, method, concat };
  Kind kind = Kind::text;
  std::string name;  // text, field, attribute or method name
  Json value;        // literal
  std::vector<std::shared_ptr<const TemplateNode>> operands;  // the object first, then arguments
};

namespace {

using Node = std::shared_ptr<const TemplateNode>;
using Kind = TemplateNode::Kind;

Node make(Kind kind, std::string name = {}, std::vector<Node> operands = {}, Json value = {}) {
  auto node = std::make_shared<TemplateNode>();
  node->kind = kind;
  node->name = std::move(name);
  node->operands = std::move(operands);
  node->value = std::move(value);
  return node;
}

// Recursive descent over one {{ ... }}: expr := term ('+' term)*; term := primary postfix*.
class ExpressionParser {
 public:
  ExpressionParser(std::string_view text, std::size_t base, const std::string& origin)
      : text_(text), base_(base), origin_(origin) {}

  Node parse() {
    Node node = expression();
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == '|') fail("Jinja filters ('|') are not supported");
    if (pos_ != text_.size()) fail("unexpected '" + std::string(1, text_[pos_]) + "'");
    return node;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(origin_ + ": " + what + " at offset " + std::to_string(base_ + pos_) +
                     " (templates take lm-eval's field expressions: names, a.b, a[0], 'text', "
                     "[a, b], +, .strip(), .lstrip(), .rstrip(), .index(x))");
  }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool accept(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!accept(c)) fail(std::string("expected '") + c + "'");
  }
  static bool name_char(char c, bool first) {
    return c == '_' || std::isalpha(static_cast<unsigned char>(c)) ||
           (!first && std::isdigit(static_cast<unsigned char>(c)));
  }
  std::string name() {
    skip_space();
    std::size_t start = pos_;
    while (pos_ < text_.size() && name_char(text_[pos_], pos_ == start)) ++pos_;
    if (pos_ == start) fail("expected a name");
    return std::string(text_.substr(start, pos_ - start));
  }

  Node expression() {
    // Nesting bounded so that hostile text cannot exhaust the stack.
    if (++depth_ > 32) fail("expressions nested too deeply");
    std::vector<Node> terms{term()};
    while (accept('+')) terms.push_back(term());
    --depth_;
    return terms.size() == 1 ? terms[0] : make(Kind::concat, {}, std::move(terms));
  }

  Node term() {
    Node node = primary();
    // Each step nests the tree one level: bounded like parentheses, so that evaluation's
    // recursion is.
    for (int steps = 0;; ++steps) {
      if (steps > 32) fail("a field path too long");
      if (accept('.')) {
        std::string member = name();
        if (accept('(')) {
          std::vector<Node> operands{node};
          if (!accept(')')) {
            operands.push_back(expression());
            expect(')');
          }
          if (member == "strip" || member == "lstrip" || member == "rstrip") {
            if (operands.size() != 1) fail("." + member + "() takes no argument here");
          } else if (member == "index") {
            if (operands.size() != 2) fail(".index() takes one argument");
          } else {
            fail("unsupported method ." + member + "()");
          }
          node = make(Kind::method, member, std::move(operands));
        } else {
          node = make(Kind::attribute, member, {node});
        }
      } else if (accept('[')) {
        Node key = expression();
        expect(']');
        node = make(Kind::subscript, {}, {node, key});
      } else {
        return node;
      }
    }
  }

  Node primary() {
    skip_space();
    if (pos_ >= text_.size()) fail("an expression ends early");
    char c = text_[pos_];
    if (c == '(') {
      ++pos_;
      Node inner = expression();
      expect(')');
      return inner;
    }
    if (c == '[') {
      ++pos_;
      std::vector<Node> items;
      if (!accept(']')) {
        do items.push_back(expression());
        while (accept(','));
        expect(']');
      }
      return make(Kind::list, {}, std::move(items));
    }
    if (c == '\'' || c == '"') return make(Kind::literal, {}, {}, Json(string_literal()));
    bool negative = c == '-';
    if (negative) ++pos_;
    if (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
      std::size_t start = pos_;
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
      if (pos_ - start > 9) fail("an integer too large");
      std::int64_t value = std::stoll(std::string(text_.substr(start, pos_ - start)));
      return make(Kind::literal, {}, {}, Json(negative ? -value : value));
    }
    if (negative) fail("'-' before something other than a number");
    std::string field = name();
    if (field == "True" || field == "true") return make(Kind::literal, {}, {}, Json(true));
    if (field == "False" || field == "false") return make(Kind::literal, {}, {}, Json(false));
    return make(Kind::field, field);
  }

  std::string string_literal() {
    char quote = text_[pos_++];
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      char c = text_[pos_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) break;
      char e = text_[pos_++];
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case '\\':
          out += '\\';
          break;
        case '\'':
          out += '\'';
          break;
        case '"':
          out += '"';
          break;
        default:
          fail(std::string("unsupported escape \\") + e);
      }
    }
    if (pos_ >= text_.size()) fail("unterminated string");
    ++pos_;
    return out;
  }

  std::string_view text_;
  std::size_t base_;
  const std::string& origin_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

[[noreturn]] void wrong(const std::string& what) {
  throw std::invalid_argument(what);
}

std::string describe(const Node& node) {
  switch (node->kind) {
    case Kind::field:
      return node->name;
    case Kind::attribute:
      return describe(node->operands[0]) + "." + node->name;
    case Kind::subscript:
      return describe(node->operands[0]) + "[...]";
    case Kind::method:
      return describe(node->operands[0]) + "." + node->name + "()";
    default:
      return "an expression";
  }
}

// Jinja's str() of a value inside text.
std::string as_text(const Json& value, const Node& node) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return std::to_string(value.get<std::int64_t>());
  if (value.is_boolean()) return value.get<bool>() ? "True" : "False";
  wrong(describe(node) + " is " + std::string(value.type_name()) + ", not text");
}

Json evaluate_node(const Node& node, const Json& doc) {
  switch (node->kind) {
    case Kind::text:
      return Json(node->name);
    case Kind::literal:
      return node->value;
    case Kind::field: {
      auto it = doc.find(node->name);
      if (it == doc.end()) wrong("no field '" + node->name + "'");
      return *it;
    }
    case Kind::list: {
      Json list = Json::array();
      for (const Node& item : node->operands) list.push_back(evaluate_node(item, doc));
      return list;
    }
    case Kind::attribute: {
      Json object = evaluate_node(node->operands[0], doc);
      if (!object.is_object() || !object.contains(node->name))
        wrong("no field '" + describe(node) + "'");
      return object[node->name];
    }
    case Kind::subscript: {
      Json object = evaluate_node(node->operands[0], doc);
      Json key = evaluate_node(node->operands[1], doc);
      if (object.is_array() && key.is_number_integer()) {
        auto size = static_cast<std::int64_t>(object.size());
        std::int64_t i = key.get<std::int64_t>();
        if (i < 0) i += size;
        if (i < 0 || i >= size)
          wrong(describe(node->operands[0]) + " has " + std::to_string(size) + " items, no [" +
                key.dump() + "]");
        return object[static_cast<std::size_t>(i)];
      }
      if (object.is_object() && key.is_string()) {
        if (!object.contains(key.get<std::string>()))
          wrong("no field '" + describe(node->operands[0]) + "[" + key.dump() + "]'");
        return object[key.get<std::string>()];
      }
      wrong(describe(node->operands[0]) + " cannot be indexed by " + key.dump());
    }
    case Kind::method: {
      Json object = evaluate_node(node->operands[0], doc);
      if (node->name == "index") {
        Json needle = evaluate_node(node->operands[1], doc);
        if (!object.is_array()) wrong(describe(node->operands[0]) + " is not a list");
        for (std::size_t i = 0; i < object.size(); ++i)
          if (object[i] == needle) return Json(static_cast<std::int64_t>(i));
        wrong(needle.dump() + " is not in " + describe(node->operands[0]) + " " + object.dump());
      }
      if (!object.is_string()) wrong(describe(node->operands[0]) + " is not text");
      const std::string& s = object.get_ref<const std::string&>();
      return Json(python_strip(s, node->name != "rstrip", node->name != "lstrip"));
    }
    case Kind::concat: {
      Json first = evaluate_node(node->operands[0], doc);
      if (first.is_array()) {  // list + list, as Python
        for (std::size_t i = 1; i < node->operands.size(); ++i) {
          Json more = evaluate_node(node->operands[i], doc);
          if (!more.is_array()) wrong("a list and " + std::string(more.type_name()) + " added");
          for (auto& item : more) first.push_back(item);
        }
        return first;
      }
      if (!first.is_string()) wrong(describe(node->operands[0]) + " is not text in a '+'");
      std::string out = first.get<std::string>();
      for (std::size_t i = 1; i < node->operands.size(); ++i) {
        Json more = evaluate_node(node->operands[i], doc);
        if (!more.is_string())
          wrong(describe(node->operands[i]) + " is not text in a '+'");  // Python refuses too
        out += more.get<std::string>();
      }
      return Json(out);
    }
  }
  wrong("an unknown template node");
}

}  // namespace

std::string python_strip(const std::string& text, bool left, bool right) {
  std::size_t begin = 0;
  std::size_t end = text.size();
  std::size_t first_kept = text.size();
  std::size_t after_last_kept = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t len = utf8_length_at(text, pos);
    if (!is_python_space(utf8_decode_at(text, pos))) {
      if (first_kept == text.size()) first_kept = pos;
      after_last_kept = pos + len;
    }
    pos += len;
  }
  if (first_kept == text.size()) return (left || right) ? std::string() : text;
  if (left) begin = first_kept;
  if (right) end = after_last_kept;
  return text.substr(begin, end - begin);
}

FieldTemplate::FieldTemplate() = default;

FieldTemplate FieldTemplate::constant(Json value) {
  FieldTemplate t;
  t.constant_ = true;
  t.text_ = value.dump();
  t.value_ = std::move(value);
  return t;
}

FieldTemplate FieldTemplate::parse(const std::string& text, const std::string& origin) {
  FieldTemplate t;
  t.text_ = text;
  if (!is_valid_utf8(text)) throw InputError(origin + ": a template that is not UTF-8");
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t open = text.find("{{", pos);
    std::size_t block = std::min(text.find("{%", pos), text.find("{#", pos));
    if (block != std::string::npos && block < open)
      throw InputError(origin + ": {% ... %} blocks and {# ... #} comments are not supported " +
                       "(offset " + std::to_string(block) + "); write the text they produce");
    if (open == std::string::npos) {
      t.parts_.push_back(make(Kind::text, text.substr(pos)));
      break;
    }
    if (open > pos) t.parts_.push_back(make(Kind::text, text.substr(pos, open - pos)));
    std::size_t close = text.find("}}", open + 2);
    if (close == std::string::npos)
      throw InputError(origin + ": '{{' at offset " + std::to_string(open) + " is never closed");
    std::string_view inner(text.data() + open + 2, close - open - 2);
    t.parts_.push_back(ExpressionParser(inner, open + 2, origin).parse());
    pos = close + 2;
  }
  return t;
}

bool FieldTemplate::names_field(const Json& doc) const {
  return !constant_ && doc.is_object() && doc.contains(text_);
}

Json FieldTemplate::evaluate(const Json& doc) const {
  if (constant_) return value_;
  // A string that names a field is that field, before any template reading (lm-eval's rule).
  if (doc.is_object()) {
    auto it = doc.find(text_);
    if (it != doc.end()) return *it;
  }
  if (parts_.size() == 1 && parts_[0]->kind != Kind::text) return evaluate_node(parts_[0], doc);
  std::string out;
  for (const Node& part : parts_) out += as_text(evaluate_node(part, doc), part);
  return Json(out);
}

}  // namespace mmlu
