#pragma once
// Strict UTF-8 validation (no overlong forms, no surrogates, nothing above U+10FFFF), for the
// text that comes from strangers: checkpoint headers, datasets, tokenizer files.
#include <cstddef>
#include <string_view>

namespace mmlu {

// True when `text` is valid UTF-8; otherwise `bad_offset` (if given) is the first bad byte.
bool is_valid_utf8(std::string_view text, std::size_t* bad_offset = nullptr);

}  // namespace mmlu
