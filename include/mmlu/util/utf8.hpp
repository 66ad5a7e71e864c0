#pragma once
// UTF-8 for text that comes from strangers (checkpoint headers, datasets, tokenizer files): strict
// validation, code point stepping, and the lossy decoding that Hugging Face tokenizers (Rust's
// String::from_utf8_lossy) applies when ids decode to bytes that are not UTF-8.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mmlu {

// True when `text` is valid UTF-8; otherwise `bad_offset` (if given) is the first bad byte.
bool is_valid_utf8(std::string_view text, std::size_t* bad_offset = nullptr);

// Byte length of the code point starting at text[pos] of valid UTF-8 text (1 for a stray byte).
std::size_t utf8_length_at(std::string_view text, std::size_t pos);

// The code point starting at text[pos] of valid UTF-8 text.
char32_t utf8_decode_at(std::string_view text, std::size_t pos);

void append_utf8(std::string& out, char32_t cp);

// Valid UTF-8 of `bytes`, each maximal invalid subsequence replaced by U+FFFD, as Rust's
// String::from_utf8_lossy and Python's errors="replace" do.
std::string utf8_lossy(std::string_view bytes);

// Unicode's White_Space property (what Rust's char::is_whitespace tests).
bool is_unicode_whitespace(char32_t cp);

// Python's str.isspace: White_Space plus the separators U+001C..U+001F, what str.strip() removes.
bool is_python_space(char32_t cp);

}  // namespace mmlu
