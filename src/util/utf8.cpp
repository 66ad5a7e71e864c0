#include "mmlu/util/utf8.hpp"

namespace mmlu {
namespace {

// Length of the valid UTF-8 sequence at s[i..n), or 0 when it is not one. Checks overlong forms,
// surrogates and the U+10FFFF limit through the allowed range of the second byte.
std::size_t valid_sequence_length(const std::uint8_t* s, std::size_t i, std::size_t n,
                                  std::size_t* valid_prefix = nullptr) {
  const std::uint8_t c = s[i];
  if (valid_prefix) *valid_prefix = 0;
  if (c < 0x80) return 1;
  std::size_t length = 0;
  std::uint32_t lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    length = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    length = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    length = 4;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  // The valid prefix decides how many bytes one replacement character stands for.
  std::size_t k = 1;
  if (i + 1 < n && s[i + 1] >= lo && s[i + 1] <= hi) {
    k = 2;
    while (k < length && i + k < n && (s[i + k] & 0xC0) == 0x80) ++k;
  }
  if (valid_prefix) *valid_prefix = k;
  return k == length ? length : 0;
}

}  // namespace

bool is_valid_utf8(std::string_view text, std::size_t* bad_offset) {
  const auto* s = reinterpret_cast<const std::uint8_t*>(text.data());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    const std::size_t length = valid_sequence_length(s, i, n);
    if (length == 0) {
      if (bad_offset) *bad_offset = i;
      return false;
    }
    i += length;
  }
  return true;
}

std::size_t utf8_length_at(std::string_view text, std::size_t pos) {
  const auto c = static_cast<std::uint8_t>(text[pos]);
  std::size_t length = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  return pos + length <= text.size() ? length : 1;
}

char32_t utf8_decode_at(std::string_view text, std::size_t pos) {
  const auto* s = reinterpret_cast<const std::uint8_t*>(text.data()) + pos;
  switch (utf8_length_at(text, pos)) {
    case 2:
      return char32_t(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
    case 3:
      return char32_t(s[0] & 0x0F) << 12 | char32_t(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    case 4:
      return char32_t(s[0] & 0x07) << 18 | char32_t(s[1] & 0x3F) << 12 |
             char32_t(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
    default:
      return s[0];
  }
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string utf8_lossy(std::string_view bytes) {
  const auto* s = reinterpret_cast<const std::uint8_t*>(bytes.data());
  const std::size_t n = bytes.size();
  std::string out;
  out.reserve(n);
  for (std::size_t i = 0; i < n;) {
    std::size_t prefix = 0;
    const std::size_t length = valid_sequence_length(s, i, n, &prefix);
    if (length) {
      out.append(bytes.substr(i, length));
      i += length;
    } else {
      out += "\xEF\xBF\xBD";
      i += prefix ? prefix : 1;
    }
  }
  return out;
}

bool is_unicode_whitespace(char32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

bool is_python_space(char32_t cp) {
  return is_unicode_whitespace(cp) || (cp >= 0x1C && cp <= 0x1F);
}

}  // namespace mmlu
