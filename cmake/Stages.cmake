# One static library per stage (src/STAGE/CMakeLists.txt), in the order the data flows through
# them; each links only the stages added before it here:
#   util <- tokenizer <- data;  util <- checkpoint <- parallel <- model <- eval <- results <- app
# The torch-free, MPI-free parsers (util, tokenizer, data, checkpoint, the partial-results format
# and the options) together are mmlu_parsers. With MMLU_PARSERS_ONLY (the fuzz build,
# tests/fuzz) only they are built, so that build needs neither torch nor MPI.
get_filename_component(MMLU_REPO_DIR ${CMAKE_CURRENT_LIST_DIR}/.. ABSOLUTE)

# mmlu_stage_library(NAME SOURCES files... [PUBLIC targets...] [PRIVATE targets...])
function(mmlu_stage_library name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES;PUBLIC;PRIVATE")
  add_library(${name} STATIC ${arg_SOURCES})
  target_include_directories(${name} PUBLIC ${MMLU_REPO_DIR}/include)
  target_compile_options(${name} PRIVATE -Wall -Wextra)
  target_link_libraries(${name} PUBLIC ${arg_PUBLIC} PRIVATE ${arg_PRIVATE})
endfunction()

# Binary folders named explicitly: the fuzz build adds these sources from outside its own tree.
macro(mmlu_add_stage stage)
  add_subdirectory(${MMLU_REPO_DIR}/src/${stage} ${CMAKE_BINARY_DIR}/src/${stage})
endmacro()

mmlu_add_stage(util)
mmlu_add_stage(tokenizer)
mmlu_add_stage(data)
mmlu_add_stage(checkpoint)
if(NOT MMLU_PARSERS_ONLY)
  mmlu_add_stage(parallel)
  mmlu_add_stage(model)
  mmlu_add_stage(eval)
endif()
# Both hold a parser (the partial-results format, the options) and, unless MMLU_PARSERS_ONLY,
# the rest of their stage.
mmlu_add_stage(results)
mmlu_add_stage(app)

add_library(mmlu_parsers INTERFACE)
target_link_libraries(mmlu_parsers INTERFACE
  mmlu_util mmlu_tokenizer mmlu_data mmlu_checkpoint mmlu_partial_results mmlu_options)
