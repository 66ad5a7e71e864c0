# What the torch-free, MPI-free parsers need (src/util, tokenizer, data and checkpoint, the
# partial-results format, the options): found here once, for the main build and for the fuzz
# build (tests/fuzz), which compiles those parsers alone.
find_package(Boost 1.74 REQUIRED COMPONENTS program_options)
find_package(nlohmann_json 3.10 REQUIRED)
# libsentencepiece ships no CMake config; find it like any library so CMAKE_PREFIX_PATH (the
# offline bundle) is honoured.
find_path(SENTENCEPIECE_INCLUDE_DIR sentencepiece_processor.h REQUIRED)
find_library(SENTENCEPIECE_LIBRARY sentencepiece REQUIRED)
# tokenizer.json pre-tokenisers are Unicode regular expressions (\p{L}, lookahead): PCRE2.
find_path(PCRE2_INCLUDE_DIR pcre2.h REQUIRED)
find_library(PCRE2_LIBRARY pcre2-8 REQUIRED)
# Unicode normalisation (the NFC normaliser of Qwen2's tokenizer.json): utf8proc.
find_path(UTF8PROC_INCLUDE_DIR utf8proc.h REQUIRED)
find_library(UTF8PROC_LIBRARY utf8proc REQUIRED)
