#pragma once
// A CSV reader for benchmark files (RFC 4180: comma separated, fields optionally in double quotes,
// "" for a quote inside them, quoted fields may hold commas and newlines; CRLF or LF line ends).
// Errors name the file and the line where the problem starts.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mmlu {

struct CsvRecord {
  std::vector<std::string> fields;
  std::size_t line = 0;  // 1-based line where the record starts
};

// Parses `text` (the contents of `name`, used in errors). Throws InputError "NAME:LINE: ..." for
// an unterminated quote, a character after a closing quote, or text that is not valid UTF-8.
// Blank lines are skipped; a UTF-8 byte-order mark at the start is ignored.
std::vector<CsvRecord> parse_csv(std::string_view text, const std::string& name);

}  // namespace mmlu
