#include "mmlu/util/units.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>

#include "mmlu/util/error.hpp"

namespace mmlu {

std::uint64_t parse_byte_size(const std::string& text, const std::string& what) {
  static const std::map<std::string, double> kUnits = {{"", 1.0},
                                                       {"B", 1.0},
                                                       {"K", 1024.0},
                                                       {"KIB", 1024.0},
                                                       {"KB", 1e3},
                                                       {"M", 1024.0 * 1024},
                                                       {"MIB", 1024.0 * 1024},
                                                       {"MB", 1e6},
                                                       {"G", 1073741824.0},
                                                       {"GIB", 1073741824.0},
                                                       {"GB", 1e9},
                                                       {"T", 1099511627776.0},
                                                       {"TIB", 1099511627776.0},
                                                       {"TB", 1e12}};
  auto fail = [&]() {
    return InputError(what + ": expected a size such as 80GiB, 40GB or 512MiB, got '" + text + "'");
  };
  std::size_t pos = 0;
  while (pos < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[pos])) || text[pos] == '.'))
    ++pos;
  if (pos == 0) throw fail();
  double number = 0;
  try {
    std::size_t used = 0;
    number = std::stod(text.substr(0, pos), &used);
    if (used != pos) throw fail();
  } catch (const std::logic_error&) {
    throw fail();
  }
  std::string unit;
  for (std::size_t i = pos; i < text.size(); ++i) {
    if (text[i] == ' ') continue;
    unit += static_cast<char>(std::toupper(static_cast<unsigned char>(text[i])));
  }
  auto it = kUnits.find(unit);
  if (it == kUnits.end()) throw fail();
  double bytes = number * it->second;
  if (!(bytes >= 1.0) || bytes > 1e18) throw fail();
  return static_cast<std::uint64_t>(std::llround(bytes));
}

std::string format_bytes(std::uint64_t bytes) {
  static const char* kNames[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024.0 && unit < 4) {
    value /= 1024.0;
    ++unit;
  }
  char buffer[32];
  if (unit == 0)
    std::snprintf(buffer, sizeof buffer, "%llu B", static_cast<unsigned long long>(bytes));
  else
    std::snprintf(buffer, sizeof buffer, "%.1f %s", value, kNames[unit]);
  return buffer;
}

}  // namespace mmlu
