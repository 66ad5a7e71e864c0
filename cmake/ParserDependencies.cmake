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
# The YAML front matter of a hub dataset's README.md (its configs and their data files).
find_package(yaml-cpp 0.7 REQUIRED)
# Parquet, the Hugging Face hub's dataset format: Apache Arrow's C++ parquet library, from the
# pyarrow wheel (its libarrow, libparquet and headers), found the way libtorch is found in torch.
# First a pyarrow folder under CMAKE_PREFIX_PATH (lib/pyarrow: the offline bundle's copy), else
# the project's venv (or python3) is asked where the package lies, without importing it. The
# libraries are linked by their full, versioned names (the wheel ships no unversioned symlinks),
# so the build's RPATH points at them.
find_path(MMLU_PYARROW_DIR include/parquet/arrow/reader.h PATH_SUFFIXES lib/pyarrow NO_CACHE)
if(NOT MMLU_PYARROW_DIR)
  find_program(_pyarrow_python NAMES python3 HINTS ${CMAKE_CURRENT_LIST_DIR}/../.venv/bin
               NO_DEFAULT_PATH NO_CACHE)
  if(NOT _pyarrow_python)
    find_program(_pyarrow_python NAMES python3 NO_CACHE)
  endif()
  execute_process(
    COMMAND ${_pyarrow_python} -c
            "import importlib.util as u; print(u.find_spec('pyarrow').submodule_search_locations[0])"
    OUTPUT_VARIABLE MMLU_PYARROW_DIR OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
endif()
file(GLOB _arrow_lib ${MMLU_PYARROW_DIR}/libarrow.so.*)
file(GLOB _parquet_lib ${MMLU_PYARROW_DIR}/libparquet.so.*)
if(NOT _arrow_lib OR NOT _parquet_lib OR NOT EXISTS ${MMLU_PYARROW_DIR}/include/parquet)
  message(FATAL_ERROR "Arrow's parquet library was not found: install pyarrow in .venv "
                      "(scripts/setup.sh) or put an offline bundle on CMAKE_PREFIX_PATH")
endif()
list(GET _arrow_lib 0 _arrow_lib)
list(GET _parquet_lib 0 _parquet_lib)
add_library(mmlu_arrow_parquet INTERFACE)
target_include_directories(mmlu_arrow_parquet SYSTEM INTERFACE ${MMLU_PYARROW_DIR}/include)
target_link_libraries(mmlu_arrow_parquet INTERFACE ${_parquet_lib} ${_arrow_lib})
message(STATUS "mmlu_eval: parquet from ${_parquet_lib}")
