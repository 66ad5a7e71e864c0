// tokenizer.json (Hugging Face tokenizers) with a BPE model: the pipeline
//   added tokens (raw) -> normaliser -> added tokens (normalised) -> pre-tokeniser -> BPE
//   -> post-processor
// and the decoder back, each stage reproducing tokenizers' Rust code step for step, since ids
// must equal Hugging Face's exactly (tests/fixtures/tokenizers/README.md lists the behaviours).
#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <optional>

#include <utf8proc.h>

#include "mmlu/tokenizer/bpe.hpp"
#include "mmlu/tokenizer/regex.hpp"
#include "mmlu/tokenizer/tokenizer.hpp"
#include "mmlu/util/error.hpp"
#include "mmlu/util/json_file.hpp"
#include "mmlu/util/utf8.hpp"

namespace mmlu {
namespace {

namespace fs = std::filesystem;
using Id = BpeModel::Id;

constexpr const char* kMetaspace = "\xE2\x96\x81";  // U+2581, SentencePiece's word marker

// GPT-2's split, built into the ByteLevel pre-tokeniser when use_regex is true.
constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// Thrown while reading the file's structure; the loader adds the path.
struct FormatError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const Json& member(const Json& object, const char* key, const std::string& where) {
  if (!object.is_object() || !object.contains(key))
    throw FormatError(where + " has no \"" + key + "\"");
  return object[key];
}

std::string string_member(const Json& object, const char* key, const std::string& where) {
  const Json& value = member(object, key, where);
  if (!value.is_string()) throw FormatError(where + "." + key + " must be a string");
  return value.get<std::string>();
}

bool bool_member(const Json& object, const char* key, bool fallback, const std::string& where) {
  if (!object.is_object() || !object.contains(key) || object[key].is_null()) return fallback;
  if (!object[key].is_boolean()) throw FormatError(where + "." + key + " must be true or false");
  return object[key].get<bool>();
}

std::string type_of(const Json& object, const std::string& where) {
  return string_member(object, "type", where);
}

// Sequences are parsed recursively, so a hostile file nesting thousands of them would overflow
// the stack; real tokenizers nest one or two.
constexpr int kMaxSequenceNesting = 64;

// depth: how many Sequences enclose the one at `where`.
void check_sequence_nesting(int depth, const std::string& where) {
  if (depth < kMaxSequenceNesting) return;
  // The full path would repeat ".normalizers[0]" 64 times; the stage names the culprit.
  throw FormatError(where.substr(0, where.find('.')) + " nests Sequences more than " +
                    std::to_string(kMaxSequenceNesting) + " levels deep");
}

// Token ids index a table sized by the largest id, so a huge id would allocate gigabytes (and
// 2^31 - 1 would overflow the size). 2^24 is far beyond any real vocabulary (~256k at most).
constexpr std::uint64_t kTokenIdLimit = std::uint64_t{1} << 24;

Id token_id(const Json& value, const std::string& where) {
  if (value.is_number_integer() && !value.is_number_unsigned())
    throw FormatError(where + ": token id " + std::to_string(value.get<std::int64_t>()) +
                      " is negative");
  if (!value.is_number_unsigned())
    throw FormatError(where + " is not a token id (a non-negative integer)");
  const auto id = value.get<std::uint64_t>();
  if (id >= kTokenIdLimit)
    throw FormatError(where + ": token id " + std::to_string(id) +
                      " is too large (ids must be below 2^24 = " + std::to_string(kTokenIdLimit) +
                      ", far above any real vocabulary)");
  return static_cast<Id>(id);
}

// A "Sequence" of steps of one kind (normalisers, pre-tokenisers, decoders), applied in order.
template <class Step, class Parse>
Step parse_sequence(const Json& json, const char* key, const std::string& where, int depth,
                    Parse parse) {
  check_sequence_nesting(depth, where);
  std::vector<Step> steps;
  const Json& list = member(json, key, where);
  if (!list.is_array()) throw FormatError(where + "." + key + " must be a list");
  for (std::size_t i = 0; i < list.size(); ++i)
    steps.push_back(parse(list[i], where + "." + key + "[" + std::to_string(i) + "]", depth + 1));
  return [steps](auto& value) {
    for (const auto& step : steps) step(value);
  };
}

// ---- byte-level alphabet ---------------------------------------------------------------------

// GPT-2's bytes_to_unicode: printable bytes stand for themselves, the other 68 map in order to
// U+0100 onwards, so every byte is a visible character and BPE never sees raw spaces.
struct ByteAlphabet {
  std::array<std::string, 256> byte_to_char;
  std::map<char32_t, std::uint8_t> char_to_byte;
  ByteAlphabet() {
    char32_t next = 0x100;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      const char32_t cp = printable ? char32_t(b) : next++;
      append_utf8(byte_to_char[b], cp);
      char_to_byte[cp] = static_cast<std::uint8_t>(b);
    }
  }
};

const ByteAlphabet& byte_alphabet() {
  static const ByteAlphabet alphabet;  // immutable after construction
  return alphabet;
}

// ---- pattern (Split, Replace) ----------------------------------------------------------------

// tokenizers' Pattern: {"String": s} (literal) or {"Regex": r}.
struct Pattern {
  std::optional<std::string> literal;
  std::shared_ptr<Regex> regex;

  std::vector<std::pair<std::size_t, std::size_t>> find_all(std::string_view text) const {
    if (regex) return regex->find_all(text);
    std::vector<std::pair<std::size_t, std::size_t>> matches;
    if (literal->empty()) return matches;
    for (std::size_t at = text.find(*literal); at != std::string_view::npos;
         at = text.find(*literal, at + literal->size()))
      matches.emplace_back(at, at + literal->size());
    return matches;
  }
};

Pattern parse_pattern(const Json& json, const std::string& where) {
  Pattern pattern;
  if (json.is_object() && json.contains("String") && json["String"].is_string()) {
    pattern.literal = json["String"].get<std::string>();
  } else if (json.is_object() && json.contains("Regex") && json["Regex"].is_string()) {
    try {
      pattern.regex = std::make_shared<Regex>(json["Regex"].get<std::string>());
    } catch (const Error& e) {
      throw FormatError(where + ": " + e.what());
    }
  } else {
    throw FormatError(where + " must be {\"String\": ...} or {\"Regex\": ...}");
  }
  return pattern;
}

// ---- normalisers -----------------------------------------------------------------------------

using Normalizer = std::function<void(std::string&)>;

std::string utf8proc_map_string(const std::string& text, int options) {
  utf8proc_uint8_t* out = nullptr;
  const auto length = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                   static_cast<utf8proc_ssize_t>(text.size()), &out,
                                   static_cast<utf8proc_option_t>(options | UTF8PROC_STABLE));
  if (length < 0)
    throw Error(std::string("Unicode normalisation failed: ") + utf8proc_errmsg(length));
  std::string result(reinterpret_cast<char*>(out), static_cast<std::size_t>(length));
  std::free(out);
  return result;
}

Normalizer parse_normalizer(const Json& json, const std::string& where, int depth = 0) {
  const std::string type = type_of(json, where);
  if (type == "Sequence")
    return parse_sequence<Normalizer>(json, "normalizers", where, depth, parse_normalizer);
  if (type == "NFC") return [](std::string& s) { s = utf8proc_map_string(s, UTF8PROC_COMPOSE); };
  if (type == "NFD") return [](std::string& s) { s = utf8proc_map_string(s, UTF8PROC_DECOMPOSE); };
  if (type == "NFKC")
    return [](std::string& s) { s = utf8proc_map_string(s, UTF8PROC_COMPOSE | UTF8PROC_COMPAT); };
  if (type == "NFKD")
    return [](std::string& s) { s = utf8proc_map_string(s, UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT); };
  if (type == "Prepend") {
    const std::string prepend = string_member(json, "prepend", where);
    return [prepend](std::string& s) {
      if (!s.empty()) s.insert(0, prepend);
    };
  }
  if (type == "Replace") {
    const Pattern pattern = parse_pattern(member(json, "pattern", where), where + ".pattern");
    const std::string content = string_member(json, "content", where);
    return [pattern, content](std::string& s) {
      const auto matches = pattern.find_all(s);
      if (matches.empty()) return;
      std::string out;
      std::size_t at = 0;
      for (const auto& [begin, end] : matches) {
        out.append(s, at, begin - at);
        out += content;
        at = end;
      }
      out.append(s, at);
      s = std::move(out);
    };
  }
  if (type == "Lowercase") {
    return [](std::string& s) {
      std::string out;
      out.reserve(s.size());
      for (std::size_t i = 0; i < s.size(); i += utf8_length_at(s, i))
        append_utf8(out, static_cast<char32_t>(utf8proc_tolower(
                             static_cast<utf8proc_int32_t>(utf8_decode_at(s, i)))));
      s = std::move(out);
    };
  }
  if (type == "Strip") {
    const bool left = bool_member(json, "strip_left", false, where);
    const bool right = bool_member(json, "strip_right", false, where);
    return [left, right](std::string& s) {
      std::size_t begin = 0, end = s.size();
      while (left && begin < end && is_unicode_whitespace(utf8_decode_at(s, begin)))
        begin += utf8_length_at(s, begin);
      while (right && end > begin) {
        std::size_t last = end - 1;
        while (last > begin && (static_cast<unsigned char>(s[last]) & 0xC0) == 0x80) --last;
        if (!is_unicode_whitespace(utf8_decode_at(s, last))) break;
        end = last;
      }
      s = s.substr(begin, end - begin);
    };
  }
  throw FormatError(where + ": normalizer type " + type + " is not supported");
}

// ---- pre-tokenisers --------------------------------------------------------------------------

struct Piece {
  std::string text;
  bool at_input_start;  // begins at offset 0 of the original input (Metaspace "first")
};

using PreTokenizer = std::function<void(std::vector<Piece>&)>;

enum class SplitBehavior { isolated, removed, merged_with_previous, merged_with_next, contiguous };

// tokenizers' NormalizedString::split: the text as alternating (range, is_match) spans, grouped
// by the behaviour; empty results are dropped.
void split_pieces(std::vector<Piece>& pieces, const Pattern& pattern, SplitBehavior behavior,
                  bool invert) {
  std::vector<Piece> out;
  out.reserve(pieces.size() * 2);
  for (auto& piece : pieces) {
    const std::string& s = piece.text;
    struct Span {
      std::size_t begin, end;
      bool match;
    };
    std::vector<Span> spans;
    std::size_t at = 0;
    for (const auto& [begin, end] : pattern.find_all(s)) {
      if (begin > at) spans.push_back({at, begin, invert});
      spans.push_back({begin, end, !invert});
      at = end;
    }
    if (at < s.size()) spans.push_back({at, s.size(), invert});

    std::vector<std::pair<std::size_t, std::size_t>> groups;
    bool previous_match = false;
    switch (behavior) {
      case SplitBehavior::isolated:
        for (const auto& span : spans) groups.emplace_back(span.begin, span.end);
        break;
      case SplitBehavior::removed:
        for (const auto& span : spans)
          if (!span.match) groups.emplace_back(span.begin, span.end);
        break;
      case SplitBehavior::merged_with_previous:
        for (const auto& span : spans) {
          if (span.match && !previous_match && !groups.empty())
            groups.back().second = span.end;
          else
            groups.emplace_back(span.begin, span.end);
          previous_match = span.match;
        }
        break;
      case SplitBehavior::merged_with_next:
        for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
          if (it->match && !previous_match && !groups.empty())
            groups.back().first = it->begin;
          else
            groups.emplace_back(it->begin, it->end);
          previous_match = it->match;
        }
        std::reverse(groups.begin(), groups.end());
        break;
      case SplitBehavior::contiguous:
        for (const auto& span : spans) {
          if (span.match == previous_match && !groups.empty())
            groups.back().second = span.end;
          else
            groups.emplace_back(span.begin, span.end);
          previous_match = span.match;
        }
        break;
    }
    for (const auto& [begin, end] : groups)
      if (end > begin)
        out.push_back({s.substr(begin, end - begin), piece.at_input_start && begin == 0});
  }
  pieces = std::move(out);
}

SplitBehavior parse_behavior(const std::string& name, const std::string& where) {
  if (name == "Isolated") return SplitBehavior::isolated;
  if (name == "Removed") return SplitBehavior::removed;
  if (name == "MergedWithPrevious") return SplitBehavior::merged_with_previous;
  if (name == "MergedWithNext") return SplitBehavior::merged_with_next;
  if (name == "Contiguous") return SplitBehavior::contiguous;
  throw FormatError(where + ": split behavior " + name + " is not supported");
}

enum class PrependScheme { always, first, never };

PrependScheme parse_prepend_scheme(const Json& json, const std::string& where) {
  // Files older than tokenizers 0.14 say add_prefix_space instead.
  if (!json.contains("prepend_scheme"))
    return bool_member(json, "add_prefix_space", true, where) ? PrependScheme::always
                                                              : PrependScheme::never;
  const std::string scheme = string_member(json, "prepend_scheme", where);
  if (scheme == "always") return PrependScheme::always;
  if (scheme == "first") return PrependScheme::first;
  if (scheme == "never") return PrependScheme::never;
  throw FormatError(where + ": prepend_scheme " + scheme + " is not supported");
}

PreTokenizer make_metaspace(std::string replacement, PrependScheme scheme, bool split) {
  Pattern marker;
  marker.literal = replacement;
  return [=](std::vector<Piece>& pieces) {
    for (auto& piece : pieces) {
      std::string& s = piece.text;
      std::string replaced;
      replaced.reserve(s.size() + replacement.size());
      for (char c : s) {
        if (c == ' ')
          replaced += replacement;
        else
          replaced += c;
      }
      s = std::move(replaced);
      const bool starts = s.compare(0, replacement.size(), replacement) == 0;
      if (!starts && (scheme == PrependScheme::always ||
                      (scheme == PrependScheme::first && piece.at_input_start)))
        s.insert(0, replacement);
    }
    if (split) split_pieces(pieces, marker, SplitBehavior::merged_with_next, false);
  };
}

PreTokenizer parse_pre_tokenizer(const Json& json, const std::string& where, int depth = 0) {
  const std::string type = type_of(json, where);
  if (type == "Sequence")
    return parse_sequence<PreTokenizer>(json, "pretokenizers", where, depth, parse_pre_tokenizer);
  if (type == "Split") {
    const Pattern pattern = parse_pattern(member(json, "pattern", where), where + ".pattern");
    const SplitBehavior behavior =
        parse_behavior(string_member(json, "behavior", where), where + ".behavior");
    const bool invert = bool_member(json, "invert", false, where);
    return [=](std::vector<Piece>& pieces) { split_pieces(pieces, pattern, behavior, invert); };
  }
  if (type == "Digits") {
    Pattern digits;
    const bool individual = bool_member(json, "individual_digits", false, where);
    digits.regex = std::make_shared<Regex>(individual ? "\\p{N}" : "\\p{N}+");
    return [=](std::vector<Piece>& pieces) {
      split_pieces(pieces, digits, SplitBehavior::isolated, false);
    };
  }
  if (type == "ByteLevel") {
    const bool add_prefix_space = bool_member(json, "add_prefix_space", true, where);
    const bool use_regex = bool_member(json, "use_regex", true, where);
    Pattern gpt2;
    if (use_regex) gpt2.regex = std::make_shared<Regex>(kGpt2Pattern);
    return [=](std::vector<Piece>& pieces) {
      if (add_prefix_space)
        for (auto& piece : pieces)
          if (piece.text.empty() || piece.text[0] != ' ') piece.text.insert(0, " ");
      if (use_regex) split_pieces(pieces, gpt2, SplitBehavior::isolated, false);
      const auto& alphabet = byte_alphabet();
      for (auto& piece : pieces) {
        std::string mapped;
        mapped.reserve(piece.text.size() * 2);
        for (unsigned char b : piece.text) mapped += alphabet.byte_to_char[b];
        piece.text = std::move(mapped);
      }
    };
  }
  if (type == "Metaspace") {
    const std::string replacement = string_member(json, "replacement", where);
    return make_metaspace(replacement, parse_prepend_scheme(json, where),
                          bool_member(json, "split", true, where));
  }
  throw FormatError(where + ": pre_tokenizer type " + type + " is not supported");
}

// ---- post-processors -------------------------------------------------------------------------

// What add_special_tokens adds around a single sequence: ids before and after.
struct Template {
  std::vector<Id> before, after;
};

void parse_post_processor(const Json& json, const std::string& where, Template& out,
                          int depth = 0) {
  const std::string type = type_of(json, where);
  if (type == "Sequence") {
    check_sequence_nesting(depth, where);
    const Json& list = member(json, "processors", where);
    if (!list.is_array()) throw FormatError(where + ".processors must be a list");
    for (std::size_t i = 0; i < list.size(); ++i)
      parse_post_processor(list[i], where + ".processors[" + std::to_string(i) + "]", out,
                           depth + 1);
    return;
  }
  if (type == "ByteLevel") return;  // changes offsets only, never ids
  if (type == "TemplateProcessing") {
    const Json& single = member(json, "single", where);
    const Json& specials = member(json, "special_tokens", where);
    if (!single.is_array()) throw FormatError(where + ".single must be a list");
    Template t;
    bool seen_sequence = false;
    for (const Json& item : single) {
      if (item.contains("Sequence")) {
        if (seen_sequence) throw FormatError(where + ".single names the sequence twice");
        seen_sequence = true;
      } else if (item.contains("SpecialToken")) {
        const std::string name = string_member(item["SpecialToken"], "id", where + ".single");
        if (!specials.contains(name))
          throw FormatError(where + ".single names " + name + ", missing from special_tokens");
        const Json& ids = member(specials[name], "ids", where + ".special_tokens." + name);
        if (!ids.is_array()) throw FormatError(where + ".special_tokens." + name + ".ids");
        auto& side = seen_sequence ? t.after : t.before;
        for (std::size_t i = 0; i < ids.size(); ++i)
          side.push_back(token_id(
              ids[i], where + ".special_tokens." + name + ".ids[" + std::to_string(i) + "]"));
      } else {
        throw FormatError(where + ".single has an item that is neither Sequence nor SpecialToken");
      }
    }
    if (!seen_sequence) throw FormatError(where + ".single lacks the sequence $A");
    // A Sequence of processors applies each to the previous one's result.
    out.before.insert(out.before.begin(), t.before.begin(), t.before.end());
    out.after.insert(out.after.end(), t.after.begin(), t.after.end());
    return;
  }
  if (type == "RobertaProcessing" || type == "BertProcessing") {
    auto id_of = [&](const char* key) {
      const Json& pair = member(json, key, where);
      if (!pair.is_array() || pair.size() != 2)
        throw FormatError(where + "." + key + " must be [token, id]");
      return token_id(pair[1], where + "." + key + "[1]");
    };
    out.before.insert(out.before.begin(), id_of("cls"));
    out.after.push_back(id_of("sep"));
    return;
  }
  throw FormatError(where + ": post_processor type " + type + " is not supported");
}

// ---- decoders --------------------------------------------------------------------------------

using Decoder = std::function<void(std::vector<std::string>&)>;

Decoder make_replace_decoder(Pattern pattern, std::string content) {
  return [pattern, content](std::vector<std::string>& tokens) {
    for (auto& token : tokens) {
      std::string out;
      std::size_t at = 0;
      for (const auto& [begin, end] : pattern.find_all(token)) {
        out.append(token, at, begin - at);
        out += content;
        at = end;
      }
      out.append(token, at);
      token = std::move(out);
    }
  };
}

void byte_fallback_decode(std::vector<std::string>& tokens) {
  std::vector<std::string> out;
  std::string bytes;
  std::size_t byte_count = 0;
  auto flush = [&] {
    if (byte_count == 0) return;
    if (is_valid_utf8(bytes)) {
      out.push_back(bytes);
    } else {
      for (std::size_t i = 0; i < byte_count; ++i) out.emplace_back("\xEF\xBF\xBD");
    }
    bytes.clear();
    byte_count = 0;
  };
  for (auto& token : tokens) {
    const bool is_byte = token.size() == 6 && token.compare(0, 3, "<0x") == 0 && token[5] == '>' &&
                         std::isxdigit(static_cast<unsigned char>(token[3])) &&
                         std::isxdigit(static_cast<unsigned char>(token[4]));
    if (is_byte) {
      bytes += static_cast<char>(std::stoi(token.substr(3, 2), nullptr, 16));
      ++byte_count;
    } else {
      flush();
      out.push_back(std::move(token));
    }
  }
  flush();
  tokens = std::move(out);
}

void byte_level_decode(std::vector<std::string>& tokens) {
  const auto& alphabet = byte_alphabet();
  std::string bytes;
  for (const auto& token : tokens) {
    std::string mapped;
    bool all = true;
    for (std::size_t i = 0; i < token.size() && all; i += utf8_length_at(token, i)) {
      const auto it = alphabet.char_to_byte.find(utf8_decode_at(token, i));
      if (it == alphabet.char_to_byte.end())
        all = false;
      else
        mapped += static_cast<char>(it->second);
    }
    bytes += all ? mapped : token;
  }
  tokens = {utf8_lossy(bytes)};
}

Decoder parse_decoder(const Json& json, const std::string& where, int depth = 0) {
  const std::string type = type_of(json, where);
  if (type == "Sequence")
    return parse_sequence<Decoder>(json, "decoders", where, depth, parse_decoder);
  if (type == "ByteLevel") return byte_level_decode;
  if (type == "ByteFallback") return byte_fallback_decode;
  if (type == "Fuse") {
    return [](std::vector<std::string>& tokens) {
      std::string joined;
      for (const auto& token : tokens) joined += token;
      tokens = {joined};
    };
  }
  if (type == "Replace")
    return make_replace_decoder(parse_pattern(member(json, "pattern", where), where + ".pattern"),
                                string_member(json, "content", where));
  if (type == "Strip") {
    const std::string content = string_member(json, "content", where);
    const Json& start = member(json, "start", where);
    const Json& stop = member(json, "stop", where);
    if (!start.is_number_unsigned() || !stop.is_number_unsigned())
      throw FormatError(where + ".start and .stop must be counts");
    const std::size_t left = start.get<std::size_t>(), right = stop.get<std::size_t>();
    if (content.empty() || utf8_length_at(content, 0) != content.size())
      throw FormatError(where + ".content must be one character");
    return [content, left, right](std::vector<std::string>& tokens) {
      for (auto& token : tokens) {
        for (std::size_t i = 0; i < left && token.compare(0, content.size(), content) == 0; ++i)
          token.erase(0, content.size());
        for (std::size_t i = 0;
             i < right && token.size() >= content.size() &&
             token.compare(token.size() - content.size(), content.size(), content) == 0;
             ++i)
          token.erase(token.size() - content.size());
      }
    };
  }
  if (type == "Metaspace") {
    const std::string replacement = string_member(json, "replacement", where);
    const PrependScheme scheme = parse_prepend_scheme(json, where);
    return [replacement, scheme](std::vector<std::string>& tokens) {
      for (std::size_t t = 0; t < tokens.size(); ++t) {
        std::string out;
        const std::string& token = tokens[t];
        for (std::size_t i = 0; i < token.size();) {
          if (token.compare(i, replacement.size(), replacement) == 0) {
            if (t != 0 || scheme == PrependScheme::never) out += ' ';
            i += replacement.size();
          } else {
            out += token[i++];
          }
        }
        tokens[t] = std::move(out);
      }
    };
  }
  throw FormatError(where + ": decoder type " + type + " is not supported");
}

// ---- added tokens ----------------------------------------------------------------------------

struct AddedToken {
  std::string content;  // as matched: for normalized tokens, the normalised content
  Id id;
  bool lstrip, rstrip, single_word;
};

// Leftmost-longest matching of one set of added tokens (tokenizers uses an Aho-Corasick
// automaton; the sets are small, so candidates are bucketed by first byte instead).
class AddedTokenMatcher {
 public:
  explicit AddedTokenMatcher(std::vector<AddedToken> tokens) : tokens_(std::move(tokens)) {
    for (std::size_t i = 0; i < tokens_.size(); ++i)
      if (!tokens_[i].content.empty())
        by_first_byte_[static_cast<unsigned char>(tokens_[i].content[0])].push_back(i);
    for (auto& bucket : by_first_byte_)
      std::stable_sort(bucket.begin(), bucket.end(), [&](std::size_t a, std::size_t b) {
        return tokens_[a].content.size() > tokens_[b].content.size();
      });
  }

  bool empty() const { return tokens_.empty(); }

  // Splits `text` into text runs (id < 0) and added tokens, as AddedVocabulary::find_matches.
  struct Split {
    std::size_t begin, end;
    Id id;  // -1 for text
  };
  std::vector<Split> split(std::string_view text) const {
    std::vector<Split> splits;
    std::size_t start_offset = 0;
    for (std::size_t pos = 0; pos < text.size();) {
      const AddedToken* match = nullptr;
      for (std::size_t index : by_first_byte_[static_cast<unsigned char>(text[pos])]) {
        const auto& token = tokens_[index];
        if (text.compare(pos, token.content.size(), token.content) == 0) {
          match = &token;
          break;
        }
      }
      if (!match) {
        ++pos;
        continue;
      }
      std::size_t start = pos, stop = pos + match->content.size();
      pos = stop;
      if (match->single_word &&
          (ends_with_word(text.substr(0, start)) || starts_with_word(text.substr(stop))))
        continue;
      if (match->lstrip) {
        std::size_t s = start;
        while (s > 0) {
          std::size_t prev = s - 1;
          while (prev > 0 && (static_cast<unsigned char>(text[prev]) & 0xC0) == 0x80) --prev;
          if (!is_unicode_whitespace(utf8_decode_at(text, prev))) break;
          s = prev;
        }
        start = std::max(s, start_offset);
      }
      if (match->rstrip)
        while (stop < text.size() && is_unicode_whitespace(utf8_decode_at(text, stop)))
          stop += utf8_length_at(text, stop);
      if (start_offset < start) splits.push_back({start_offset, start, -1});
      splits.push_back({start, stop, match->id});
      start_offset = stop;
    }
    if (start_offset < text.size()) splits.push_back({start_offset, text.size(), -1});
    return splits;
  }

 private:
  static bool is_word_char(char32_t cp) {
    return cp == '_' ||
           utf8proc_category(static_cast<utf8proc_int32_t>(cp)) <=
               UTF8PROC_CATEGORY_NO ||  // letters, marks, numbers
           utf8proc_category(static_cast<utf8proc_int32_t>(cp)) == UTF8PROC_CATEGORY_PC;
  }
  static bool ends_with_word(std::string_view s) {
    if (s.empty()) return false;
    std::size_t last = s.size() - 1;
    while (last > 0 && (static_cast<unsigned char>(s[last]) & 0xC0) == 0x80) --last;
    return is_word_char(utf8_decode_at(s, last));
  }
  static bool starts_with_word(std::string_view s) {
    return !s.empty() && is_word_char(utf8_decode_at(s, 0));
  }

  std::vector<AddedToken> tokens_;
  std::array<std::vector<std::size_t>, 256> by_first_byte_;
};

// ---- the tokenizer ---------------------------------------------------------------------------

class TokenizerJson : public Tokenizer {
 public:
  std::string kind_;
  std::optional<BpeModel> model;
  Normalizer normalizer;       // empty: none
  PreTokenizer pre_tokenizer;  // empty: none
  Decoder decoder;             // empty: tokens joined by spaces, as tokenizers does
  Template post;
  std::optional<AddedTokenMatcher> raw_tokens, normalized_tokens;
  std::vector<std::string> id_to_token;  // vocab and added tokens; empty string for holes
  std::vector<bool> id_known;

  std::string kind() const override { return kind_; }

  std::vector<std::int64_t> encode(std::string_view text, bool add_special) const override {
    std::size_t bad = 0;
    if (!is_valid_utf8(text, &bad))
      throw InputError("text to tokenize is not valid UTF-8 (byte " + std::to_string(bad) + ")");
    std::vector<Id> ids;
    if (add_special) ids = post.before;
    for (const auto& split : raw_tokens->split(text)) {
      if (split.id >= 0) {
        ids.push_back(split.id);
        continue;
      }
      std::string segment(text.substr(split.begin, split.end - split.begin));
      if (normalizer) normalizer(segment);
      for (const auto& inner : normalized_tokens->split(segment)) {
        if (inner.id >= 0) {
          ids.push_back(inner.id);
          continue;
        }
        std::vector<Piece> pieces{{segment.substr(inner.begin, inner.end - inner.begin),
                                   split.begin == 0 && inner.begin == 0}};
        if (pre_tokenizer) pre_tokenizer(pieces);
        for (const auto& piece : pieces) model->encode_word(piece.text, ids);
      }
    }
    if (add_special) ids.insert(ids.end(), post.after.begin(), post.after.end());
    return {ids.begin(), ids.end()};
  }

  std::string decode(const std::vector<std::int64_t>& ids) const override {
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (std::int64_t id : ids) {
      if (id < 0 || id >= vocab_size() || !id_known[static_cast<std::size_t>(id)])
        throw InputError("token id " + std::to_string(id) +
                         " is not in the tokenizer's vocabulary");
      tokens.push_back(id_to_token[static_cast<std::size_t>(id)]);
    }
    if (!decoder) {
      std::string joined;
      for (std::size_t i = 0; i < tokens.size(); ++i) joined += (i ? " " : "") + tokens[i];
      return joined;
    }
    decoder(tokens);
    std::string text;
    for (const auto& token : tokens) text += token;
    return text;
  }

  std::int64_t vocab_size() const override { return static_cast<std::int64_t>(id_to_token.size()); }
};

std::unordered_map<std::string, Id> parse_vocab(const Json& json) {
  if (!json.is_object()) throw FormatError("model.vocab must be an object of token: id");
  std::unordered_map<std::string, Id> vocab;
  vocab.reserve(json.size());
  for (auto it = json.begin(); it != json.end(); ++it)
    vocab.emplace(it.key(), token_id(it.value(), "model.vocab[\"" + it.key() + "\"]"));
  return vocab;
}

std::vector<std::pair<std::string, std::string>> parse_merges(const Json& json) {
  if (!json.is_array()) throw FormatError("model.merges must be a list");
  std::vector<std::pair<std::string, std::string>> merges;
  merges.reserve(json.size());
  for (std::size_t i = 0; i < json.size(); ++i) {
    const Json& merge = json[i];
    const std::string where = "model.merges[" + std::to_string(i) + "]";
    if (merge.is_string()) {  // "a b", the older form
      const std::string line = merge.get<std::string>();
      const std::size_t space = line.find(' ');
      if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos)
        throw FormatError(where + " must be two tokens separated by one space");
      merges.emplace_back(line.substr(0, space), line.substr(space + 1));
    } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() &&
               merge[1].is_string()) {  // ["a", "b"], tokenizers >= 0.20
      merges.emplace_back(merge[0].get<std::string>(), merge[1].get<std::string>());
    } else {
      throw FormatError(where + " must be \"a b\" or [\"a\", \"b\"]");
    }
  }
  return merges;
}

bool config_flag(const Json& config, const char* key, bool fallback) {
  if (!config.is_object() || !config.contains(key) || config[key].is_null()) return fallback;
  if (!config[key].is_boolean()) throw FormatError(std::string(key) + " must be true or false");
  return config[key].get<bool>();
}

// bos_token / eos_token in tokenizer_config.json: a string, an AddedToken object, or null.
std::optional<std::string> config_token(const Json& config, const char* key) {
  if (!config.is_object() || !config.contains(key) || config[key].is_null()) return std::nullopt;
  const Json& value = config[key];
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.contains("content") && value["content"].is_string())
    return value["content"].get<std::string>();
  throw FormatError(std::string(key) + " must be a token string or object");
}

std::unique_ptr<Tokenizer> build(const Json& file, const Json& config, TokenizerJsonMode mode) {
  auto tokenizer = std::make_unique<TokenizerJson>();
  const Json& model = member(file, "model", "tokenizer.json");
  if (model.contains("type") && model["type"] != "BPE")
    throw FormatError("model type " + model["type"].dump() + " is not supported (BPE only)");
  if (!model.contains("type") && !model.contains("merges"))
    throw FormatError("model is not a BPE model (no merges)");
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"})
    if (model.contains(key) && !model[key].is_null() &&
        !(model[key].is_string() && model[key].get<std::string>().empty()))
      throw FormatError(std::string("model.") + key + " is not supported");
  if (model.contains("dropout") && !model["dropout"].is_null() && model["dropout"] != 0.0)
    throw FormatError("model.dropout is not supported (evaluation must be deterministic)");

  const std::string tokenizer_class = config.is_object() && config.contains("tokenizer_class") &&
                                              config["tokenizer_class"].is_string()
                                          ? config["tokenizer_class"].get<std::string>()
                                          : "";
  const bool llama_rebuild =
      mode == TokenizerJsonMode::as_transformers &&
      (tokenizer_class == "LlamaTokenizer" || tokenizer_class == "LlamaTokenizerFast");

  BpeOptions options;
  if (model.contains("unk_token") && model["unk_token"].is_string())
    options.unk_token = model["unk_token"].get<std::string>();
  options.fuse_unk = bool_member(model, "fuse_unk", false, "model");
  options.byte_fallback = bool_member(model, "byte_fallback", false, "model");
  options.ignore_merges = bool_member(model, "ignore_merges", false, "model");
  if (llama_rebuild) {
    // transformers' LlamaTokenizer.__init__: BPE(vocab, merges, fuse_unk=True,
    // byte_fallback=True), with no unk_token, so unknown characters are dropped.
    options = BpeOptions{std::nullopt, true, true, false};
  }
  auto vocab = parse_vocab(member(model, "vocab", "model"));
  const auto merges = parse_merges(member(model, "merges", "model"));

  // Added tokens: ids may lie beyond the model's vocab; they decode by their content.
  std::vector<AddedToken> raw, normalized;
  std::map<Id, std::string> added_content;
  const Json empty_list = Json::array();
  const Json& added = file.contains("added_tokens") && !file["added_tokens"].is_null()
                          ? file["added_tokens"]
                          : empty_list;
  if (!added.is_array()) throw FormatError("added_tokens must be a list");
  struct Pending {
    AddedToken token;
    bool normalized;
  };
  std::vector<Pending> pending;
  for (std::size_t i = 0; i < added.size(); ++i) {
    const std::string where = "added_tokens[" + std::to_string(i) + "]";
    const Json& entry = added[i];
    std::string content = string_member(entry, "content", where);
    const Id id = token_id(member(entry, "id", where), where + " (\"" + content + "\").id");
    AddedToken token{std::move(content), id, bool_member(entry, "lstrip", false, where),
                     bool_member(entry, "rstrip", false, where),
                     bool_member(entry, "single_word", false, where)};
    if (token.content.empty()) throw FormatError(where + ".content is empty");
    added_content[token.id] = token.content;
    pending.push_back({token, bool_member(entry, "normalized", true, where)});
  }

  // The pipeline: the file's, or transformers' LlamaTokenizer rebuild.
  if (llama_rebuild) {
    const bool legacy = config_flag(config, "legacy", false);
    const bool add_prefix_space = config_flag(config, "add_prefix_space", true);
    // transformers' _get_prepend_scheme: "never" without a prefix space, "always" for legacy
    // files, else "first".
    const PrependScheme scheme = !add_prefix_space ? PrependScheme::never
                                 : legacy          ? PrependScheme::always
                                                   : PrependScheme::first;
    tokenizer->pre_tokenizer = make_metaspace(kMetaspace, scheme, false);
    Pattern marker;
    marker.literal = kMetaspace;
    std::vector<Decoder> steps{make_replace_decoder(marker, " "), byte_fallback_decode,
                               [](std::vector<std::string>& tokens) {
                                 std::string joined;
                                 for (const auto& t : tokens) joined += t;
                                 tokens = {joined};
                               }};
    if (add_prefix_space)
      steps.push_back([](std::vector<std::string>& tokens) {
        for (auto& t : tokens)
          if (!t.empty() && t[0] == ' ') t.erase(0, 1);
      });
    tokenizer->decoder = [steps](std::vector<std::string>& tokens) {
      for (const auto& step : steps) step(tokens);
    };
    // update_post_processor(): BOS / EOS from the config's flags and tokens.
    auto id_of = [&](const std::string& content) -> Id {
      for (const auto& p : pending)
        if (p.token.content == content) return p.token.id;
      if (const auto it = vocab.find(content); it != vocab.end()) return it->second;
      throw FormatError("special token " + content + " is neither an added token nor in vocab");
    };
    const auto bos = config_token(config, "bos_token").value_or("<s>");
    const auto eos = config_token(config, "eos_token").value_or("</s>");
    if (config_flag(config, "add_bos_token", true)) tokenizer->post.before.push_back(id_of(bos));
    if (config_flag(config, "add_eos_token", false)) tokenizer->post.after.push_back(id_of(eos));
  } else {
    if (file.contains("normalizer") && !file["normalizer"].is_null())
      tokenizer->normalizer = parse_normalizer(file["normalizer"], "normalizer");
    if (file.contains("pre_tokenizer") && !file["pre_tokenizer"].is_null())
      tokenizer->pre_tokenizer = parse_pre_tokenizer(file["pre_tokenizer"], "pre_tokenizer");
    if (file.contains("post_processor") && !file["post_processor"].is_null())
      parse_post_processor(file["post_processor"], "post_processor", tokenizer->post);
    if (file.contains("decoder") && !file["decoder"].is_null())
      tokenizer->decoder = parse_decoder(file["decoder"], "decoder");
  }

  // Normalised added tokens are matched after the normaliser, so their patterns are normalised.
  for (auto& p : pending) {
    if (p.normalized && tokenizer->normalizer) tokenizer->normalizer(p.token.content);
    (p.normalized ? normalized : raw).push_back(p.token);
  }
  tokenizer->raw_tokens.emplace(std::move(raw));
  tokenizer->normalized_tokens.emplace(std::move(normalized));

  Id max_id = -1;
  for (const auto& [token, id] : vocab) max_id = std::max(max_id, id);
  if (!added_content.empty()) max_id = std::max(max_id, added_content.rbegin()->first);
  tokenizer->id_to_token.assign(static_cast<std::size_t>(max_id + 1), {});
  tokenizer->id_known.assign(static_cast<std::size_t>(max_id + 1), false);
  for (const auto& [token, id] : vocab) {
    tokenizer->id_to_token[static_cast<std::size_t>(id)] = token;
    tokenizer->id_known[static_cast<std::size_t>(id)] = true;
  }
  for (const auto& [id, content] : added_content) {
    tokenizer->id_to_token[static_cast<std::size_t>(id)] = content;
    tokenizer->id_known[static_cast<std::size_t>(id)] = true;
  }
  for (Id id : tokenizer->post.before)
    if (id > max_id)
      throw FormatError("post_processor adds id " + std::to_string(id) + ", beyond the vocabulary");
  for (Id id : tokenizer->post.after)
    if (id > max_id)
      throw FormatError("post_processor adds id " + std::to_string(id) + ", beyond the vocabulary");

  try {
    tokenizer->model.emplace(std::move(vocab), merges, options);
  } catch (const Error& e) {
    throw FormatError(std::string("model: ") + e.what());
  }
  tokenizer->kind_ = llama_rebuild ? "tokenizer.json as LlamaTokenizer" : "tokenizer.json";
  return tokenizer;
}

}  // namespace

std::unique_ptr<Tokenizer> load_tokenizer_json(const fs::path& dir, TokenizerJsonMode mode) {
  const fs::path path = dir / "tokenizer.json";
  const Json file = read_json_file(path);
  if (!file.is_object()) throw InputError(path.string() + ": expected a JSON object");
  const fs::path config_path = dir / "tokenizer_config.json";
  Json config = Json::object();
  std::error_code ec;
  if (fs::exists(config_path, ec)) {
    config = read_json_file(config_path);
    if (!config.is_object()) throw InputError(config_path.string() + ": expected a JSON object");
  }
  try {
    return build(file, config, mode);
  } catch (const FormatError& e) {
    // Config flags are read inside build too; name the file that holds the culprit.
    const std::string what = e.what();
    const bool config_problem = what.rfind("legacy", 0) == 0 || what.rfind("add_", 0) == 0 ||
                                what.rfind("bos_token", 0) == 0 || what.rfind("eos_token", 0) == 0;
    throw InputError((config_problem ? config_path : path).string() + ": " + what);
  }
}

std::unique_ptr<Tokenizer> load_tokenizer(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir / "tokenizer.json", ec)) return load_tokenizer_json(dir);
  if (fs::exists(dir / "tokenizer.model", ec)) return load_sentencepiece_tokenizer(dir);
  throw InputError(dir.string() + ": no tokenizer (looked for tokenizer.json and tokenizer.model)");
}

}  // namespace mmlu
