#include "mmlu/util/csv.hpp"

#include <algorithm>

#include "mmlu/util/error.hpp"
#include "mmlu/util/utf8.hpp"

namespace mmlu {

std::vector<CsvRecord> parse_csv(std::string_view text, const std::string& name) {
  std::size_t bad = 0;
  if (!is_valid_utf8(text, &bad)) {
    const auto line =
        1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n');
    throw InputError(name + ":" + std::to_string(line) + ": not valid UTF-8 (byte " +
                     std::to_string(bad) + ")");
  }
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);

  std::vector<CsvRecord> records;
  CsvRecord record;
  std::string field;
  std::size_t line = 1;
  bool field_started = false;  // something (even "") was read for the current field
  auto end_field = [&] {
    record.fields.push_back(std::move(field));
    field.clear();
    field_started = false;
  };
  auto end_record = [&] {
    // A line with nothing on it is not a record.
    if (!(record.fields.size() == 1 && record.fields[0].empty())) records.push_back(record);
    record.fields.clear();
  };

  std::size_t i = 0;
  const std::size_t n = text.size();
  record.line = line;
  while (i < n) {
    const char c = text[i];
    if (c == '"' && !field_started && field.empty()) {
      // A quoted field runs to the next quote not doubled.
      const std::size_t start_line = line;
      ++i;
      for (;;) {
        if (i >= n)
          throw InputError(name + ":" + std::to_string(start_line) + ": unterminated quoted field");
        if (text[i] == '"') {
          if (i + 1 < n && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (text[i] == '\n') ++line;
        field += text[i++];
      }
      field_started = true;
      if (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
        throw InputError(name + ":" + std::to_string(line) +
                         ": unexpected character after a closing quote");
      continue;
    }
    if (c == ',') {
      end_field();
      ++i;
      continue;
    }
    if (c == '\r' && i + 1 < n && text[i + 1] == '\n') ++i;
    if (c == '\n' || c == '\r') {
      end_field();
      end_record();
      ++i;
      ++line;
      record.line = line;
      continue;
    }
    if (c == '"' && field_started)
      throw InputError(name + ":" + std::to_string(line) +
                       ": unexpected character after a closing quote");
    field += c;
    ++i;
  }
  if (field_started || !field.empty() || !record.fields.empty()) {
    end_field();
    end_record();
  }
  return records;
}

}  // namespace mmlu
