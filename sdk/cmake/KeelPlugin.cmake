# keel_add_plugin(<target> SOURCES <src>... [OUTPUT_DIRECTORY <dir>]
#                 [INSTALL_DESTINATION <dir>])
#
# Builds a keel plugin in C or C++: a MODULE library (no "lib" prefix) whose
# only exported symbol is keel_plugin_entry (ABI rule 1), enforced with
# hidden visibility and a linker version script. It links
#   keel::params (C ABI headers + the C params helper) when a source is C,
#   keel::sdk (C ABI headers + the C++ SDK; needs nlohmann_json) when a
#             source is C++,
# so a C plugin needs neither a C++ compiler nor nlohmann_json.
# OUTPUT_DIRECTORY: where <target>.so is built (default: CMake's, the
# current binary dir). INSTALL_DESTINATION: install it there with
# `cmake --install` (lib/keel/plugins under keel's prefix is where an
# installed bin/keel finds plugins without --plugin-path).
include_guard(GLOBAL)

# A cache entry so the function sees it from any directory scope.
set(_KEEL_PLUGIN_MAP "${CMAKE_CURRENT_LIST_DIR}/keel_plugin.map" CACHE INTERNAL "keel plugin version script")

function(keel_add_plugin target)
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY;INSTALL_DESTINATION" "SOURCES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "keel_add_plugin(${target}): SOURCES is required")
  endif()
  set(has_c OFF)
  set(has_cxx OFF)
  foreach(source IN LISTS ARG_SOURCES)
    get_source_file_property(language "${source}" LANGUAGE)
    if(NOT language)
      get_filename_component(extension "${source}" LAST_EXT)
      if(extension STREQUAL ".c")
        set(language C)
      elseif(extension MATCHES "^\\.(cpp|cc|cxx|c\\+\\+|C)$")
        set(language CXX)
      endif()
    endif()
    if(language STREQUAL "C")
      set(has_c ON)
    elseif(language STREQUAL "CXX")
      set(has_cxx ON)
    endif()
  endforeach()
  if(NOT has_c AND NOT has_cxx)
    message(FATAL_ERROR "keel_add_plugin(${target}): no C (.c) or C++ (.cpp, .cc, .cxx) source "
                        "among SOURCES ${ARG_SOURCES}")
  endif()
  if(has_cxx AND NOT TARGET nlohmann_json::nlohmann_json)
    message(FATAL_ERROR "keel_add_plugin(${target}): a C++ plugin uses keel::sdk, which needs "
                        "nlohmann_json 3.10 or newer: install Debian's nlohmann-json3-dev (or set "
                        "nlohmann_json_DIR). A plugin in C needs only keel::params.")
  endif()

  add_library(${target} MODULE ${ARG_SOURCES})
  if(has_c)
    target_link_libraries(${target} PRIVATE keel::params)
  endif()
  if(has_cxx)
    target_link_libraries(${target} PRIVATE keel::sdk)
  endif()
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
  if(ARG_INSTALL_DESTINATION)
    install(TARGETS ${target} LIBRARY DESTINATION "${ARG_INSTALL_DESTINATION}")
  endif()
endfunction()
