#pragma once
// Every config.json field this build knows, per architecture, and what it does with it: the one
// list of understood fields (README "config.json fields" mirrors it). A field outside it could
// change the forward pass in a way this build does not implement, so it is refused, never
// ignored; so is a known field with a value the forward pass does not implement (checked where
// the field is read, in model_config.cpp).
#include <span>
#include <string>
#include <string_view>

#include "mmlu/checkpoint/architectures.hpp"
#include "mmlu/util/json_file.hpp"

namespace mmlu {

// The architecture's ArchitectureBit; 0 for a name this build does not run.
unsigned architecture_bit(const std::string& architecture);

enum class FieldUse {
  kRead,   // read by parse_model_config: implemented, its values checked
  kInert,  // cannot change the log-probabilities (the note says why)
};

struct ConfigField {
  std::string_view name;
  unsigned architectures;  // ArchitectureBit mask
  FieldUse use;
  std::string_view note;  // for an inert field, why it cannot matter
};

std::span<const ConfigField> config_fields();

// Throws InputError "ORIGIN: field 'NAME' ..." for the first field of `config` that is not known
// for `architecture`. Null values are absent values; names starting with "_" (private
// bookkeeping, "_name_or_path") and ending in "_version" (a tool's version stamp) are inert.
void check_known_fields(const Json& config, const std::string& architecture,
                        const std::string& origin);

}  // namespace mmlu
