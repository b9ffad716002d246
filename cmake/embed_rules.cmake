# Turns the builtin rule files (rules/*.yaml) into a .cc of string literals, so the catalogue
# travels inside the binary. Run by the build: cmake -DROOT=<source dir> -DOUT=<file.cc> -P this.
file(GLOB files RELATIVE ${ROOT} ${ROOT}/rules/*.yaml)
list(SORT files)
set(body "")
foreach(f ${files})
  file(READ ${ROOT}/${f} text)
  string(FIND "${text}" ")privmon_yaml\"" bad)
  if(NOT bad EQUAL -1)
    message(FATAL_ERROR "${f} holds the raw-string delimiter")
  endif()
  string(APPEND body "    {\"${f}\", R\"privmon_yaml(${text})privmon_yaml\"},\n")
endforeach()
list(LENGTH files n)
file(WRITE ${OUT}.tmp "// Generated from rules/*.yaml by cmake/embed_rules.cmake: do not edit.
#include \"rules/builtin_rules.h\"

namespace privmon {
namespace {
const EmbeddedRuleFile kFiles[${n}] = {
${body}};
}  // namespace

std::span<const EmbeddedRuleFile> BuiltinRuleFiles() { return kFiles; }

}  // namespace privmon
")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})
