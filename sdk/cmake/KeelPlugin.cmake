# keel_add_plugin(<target> SOURCES <src>... [OUTPUT_DIRECTORY <dir>])
#
# Builds a keel plugin: a MODULE library (no "lib" prefix) linked against
# keel::sdk whose only exported symbol is keel_plugin_entry (ABI rule 1),
# enforced with hidden visibility and a linker version script.
# A cache entry so the function sees it from any directory scope.
set(_KEEL_PLUGIN_MAP "${CMAKE_CURRENT_LIST_DIR}/keel_plugin.map" CACHE INTERNAL "keel plugin version script")

function(keel_add_plugin target)
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "keel_add_plugin(${target}): SOURCES is required")
  endif()
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE keel::sdk)
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LINK_DEPENDS "${_KEEL_PLUGIN_MAP}")
  target_link_options(${target} PRIVATE
    "LINKER:--version-script=${_KEEL_PLUGIN_MAP}" "LINKER:--no-undefined")
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
  endif()
endfunction()
