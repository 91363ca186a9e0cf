# KeelOCaml.cmake — build keel plugins written in OCaml.
#
#   keel_add_ocaml_plugin(<target>
#     SOURCES <a.ml> [<b.mli> <b.ml>] ...     # in dependency order
#     [OUTPUT_DIRECTORY <dir>]                # default: the current binary dir
#     [INSTALL_DESTINATION <dir>]             # install(TARGETS ...) when given
#     [OCAMLFIND_PACKAGES <pkg>...]           # findlib packages to link (threads.posix
#                                             # for OCaml threads)
#     [OCAMLOPT_FLAGS <flag>...])             # extra ocamlopt flags
#
# Compiles the sources with `ocamlfind ocamlopt` against the Keel OCaml
# library (Keel.Plugin, Keel.Pricing_model, Keel.Strategy, Keel.Host, ...),
# links them with the OCaml runtime into one position-independent object
# (-output-complete-obj -runtime-variant _pic), and links that with the C
# C glue (keel_ocaml_*.c) into a MODULE library
# named <target>.so whose only exported symbol is keel_plugin_entry (the
# version script keel_plugin.map): each plugin carries a private copy of the
# runtime. Everything it builds stays in the binary dir.
#
# In keel's tree this file is included when KEEL_WITH_OCAML is ON. Out of
# tree, after find_package(keel): include(${keel_DIR}/KeelOCaml.cmake).
# Needs Debian's ocaml-nox and ocaml-findlib (OCaml >= 4.13 with
# libasmrun_pic.a).

include_guard(GLOBAL)

set(_KEEL_OCAML_MISSING "install Debian packages: ocaml-nox ocaml-findlib")

find_program(KEEL_OCAMLFIND ocamlfind)
if(NOT KEEL_OCAMLFIND)
  message(FATAL_ERROR "keel OCaml SDK: ocamlfind not found; ${_KEEL_OCAML_MISSING} "
                      "(or configure with -DKEEL_WITH_OCAML=OFF)")
endif()
execute_process(COMMAND ${KEEL_OCAMLFIND} ocamlopt -version
                OUTPUT_VARIABLE KEEL_OCAML_VERSION OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE _keel_ocamlopt_result ERROR_QUIET)
if(NOT _keel_ocamlopt_result EQUAL 0 OR KEEL_OCAML_VERSION STREQUAL "")
  message(FATAL_ERROR "keel OCaml SDK: `ocamlfind ocamlopt` does not run; ${_KEEL_OCAML_MISSING} "
                      "(or configure with -DKEEL_WITH_OCAML=OFF)")
endif()
if(KEEL_OCAML_VERSION VERSION_LESS 4.13)
  message(FATAL_ERROR "keel OCaml SDK: OCaml ${KEEL_OCAML_VERSION} found, 4.13 or newer needed; "
                      "${_KEEL_OCAML_MISSING}")
endif()
execute_process(COMMAND ${KEEL_OCAMLFIND} ocamlopt -where
                OUTPUT_VARIABLE KEEL_OCAML_STDLIB_DIR OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT EXISTS "${KEEL_OCAML_STDLIB_DIR}/libasmrun_pic.a")
  message(FATAL_ERROR "keel OCaml SDK: ${KEEL_OCAML_STDLIB_DIR}/libasmrun_pic.a (the PIC runtime) "
                      "is missing; ${_KEEL_OCAML_MISSING}")
endif()
# Cache entries so keel_add_ocaml_plugin() sees them from any directory scope.
set(KEEL_OCAML_STDLIB_DIR "${KEEL_OCAML_STDLIB_DIR}" CACHE INTERNAL "OCaml standard library dir")
set(KEEL_OCAML_VERSION "${KEEL_OCAML_VERSION}" CACHE INTERNAL "OCaml version")
message(STATUS "keel OCaml SDK: OCaml ${KEEL_OCAML_VERSION} (${KEEL_OCAMLFIND})")

# The SDK's sources: beside this file when installed, sdk/ocaml in keel's tree.
if(EXISTS "${CMAKE_CURRENT_LIST_DIR}/ocaml/keel_ocaml_glue.c")
  set(_keel_ocaml_sdk_source_dir "${CMAKE_CURRENT_LIST_DIR}/ocaml")
else()
  get_filename_component(_keel_ocaml_sdk_source_dir "${CMAKE_CURRENT_LIST_DIR}/../ocaml" ABSOLUTE)
endif()
set(KEEL_OCAML_SDK_SOURCE_DIR "${_keel_ocaml_sdk_source_dir}" CACHE INTERNAL "")
set(_KEEL_OCAML_PLUGIN_MAP "${CMAKE_CURRENT_LIST_DIR}/keel_plugin.map" CACHE INTERNAL "")
# Where an installed libkeel is, from <libdir>/cmake/keel (libkeel installs to <prefix>/lib).
get_filename_component(_keel_ocaml_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
set(_KEEL_OCAML_PREFIX_LIBDIR "${CMAKE_CURRENT_LIST_DIR}/../..;${_keel_ocaml_prefix}/lib"
    CACHE INTERNAL "")
# The C glue, in files by job (keel_ocaml_glue.h says which does what).
set(KEEL_OCAML_GLUE_SOURCES
    "${_keel_ocaml_sdk_source_dir}/keel_ocaml_glue.c"
    "${_keel_ocaml_sdk_source_dir}/keel_ocaml_runtime.c"
    "${_keel_ocaml_sdk_source_dir}/keel_ocaml_values.c"
    "${_keel_ocaml_sdk_source_dir}/keel_ocaml_callbacks.c"
    "${_keel_ocaml_sdk_source_dir}/keel_ocaml_host_stubs.c"
    CACHE INTERNAL "")

# Modules of the Keel library, in dependency order (packed as `Keel`).
set(KEEL_OCAML_SDK_MODULES error json params types host pricing_model strategy plugin
    CACHE INTERNAL "")
set(KEEL_OCAML_DEFAULT_FLAGS -g -w +a-4-9-40-41-42-44-45-70 CACHE INTERNAL "")

# The Keel library (keel.cmx/.cmi/.o) and the glue, built once per build tree.
function(_keel_ocaml_sdk)
  if(TARGET keel_ocaml_sdk)
    return()
  endif()
  if(NOT TARGET keel::headers)
    message(FATAL_ERROR "keel OCaml SDK: the keel::headers target is missing (find_package(keel) first)")
  endif()
  set(out "${CMAKE_BINARY_DIR}/keel_ocaml_sdk")
  file(MAKE_DIRECTORY "${out}")
  set(commands "")
  set(sources "")
  set(cmx "")
  foreach(module IN LISTS KEEL_OCAML_SDK_MODULES)
    set(src "${KEEL_OCAML_SDK_SOURCE_DIR}/${module}.ml")
    list(APPEND sources "${src}")
    list(APPEND cmx "${out}/${module}.cmx")
    list(APPEND commands COMMAND ${KEEL_OCAMLFIND} ocamlopt ${KEEL_OCAML_DEFAULT_FLAGS} -for-pack Keel
         -I "${out}" -c -o "${out}/${module}.cmx" "${src}")
  endforeach()
  add_custom_command(
    OUTPUT "${out}/keel.cmx" "${out}/keel.cmi" "${out}/keel.o"
    ${commands}
    COMMAND ${KEEL_OCAMLFIND} ocamlopt -pack -o "${out}/keel.cmx" ${cmx}
    DEPENDS ${sources}
    COMMENT "Building the Keel OCaml library"
    VERBATIM)
  add_custom_target(keel_ocaml_sdk DEPENDS "${out}/keel.cmx")
  set_property(GLOBAL PROPERTY KEEL_OCAML_SDK_DIR "${out}")

  add_library(keel_ocaml_glue OBJECT ${KEEL_OCAML_GLUE_SOURCES})
  target_include_directories(keel_ocaml_glue PRIVATE "${KEEL_OCAML_STDLIB_DIR}")
  # The C ABI headers only: an OCaml plugin needs no C++ SDK.
  target_link_libraries(keel_ocaml_glue PRIVATE keel::headers)
  set_target_properties(keel_ocaml_glue PROPERTIES
    POSITION_INDEPENDENT_CODE ON
    C_VISIBILITY_PRESET hidden
    C_STANDARD 11)
endfunction()

function(keel_add_ocaml_plugin target)
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY;INSTALL_DESTINATION"
                        "SOURCES;OCAMLFIND_PACKAGES;OCAMLOPT_FLAGS" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "keel_add_ocaml_plugin(${target}): SOURCES is required")
  endif()
  _keel_ocaml_sdk()
  get_property(sdk_dir GLOBAL PROPERTY KEEL_OCAML_SDK_DIR)

  set(work "${CMAKE_CURRENT_BINARY_DIR}/${target}.ocaml")
  file(MAKE_DIRECTORY "${work}")
  set(flags ${KEEL_OCAML_DEFAULT_FLAGS} ${ARG_OCAMLOPT_FLAGS})
  set(packages "")
  if(ARG_OCAMLFIND_PACKAGES)
    list(JOIN ARG_OCAMLFIND_PACKAGES "," joined)
    set(packages -package "${joined}")
  endif()
  # OCaml's threads library (Thread, Mutex, ...): compiled with -thread; the
  # glue then enters the runtime through OCaml's master lock.
  set(threads OFF)
  if("threads" IN_LIST ARG_OCAMLFIND_PACKAGES OR "threads.posix" IN_LIST ARG_OCAMLFIND_PACKAGES)
    set(threads ON)
    list(APPEND flags -thread)
  endif()

  # Each source depends on everything before it (the order given is the
  # dependency order, as on an ocamlopt command line).
  set(previous "${sdk_dir}/keel.cmx")
  set(linked "")
  foreach(src IN LISTS ARG_SOURCES)
    get_filename_component(src "${src}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    get_filename_component(name "${src}" NAME_WE)
    get_filename_component(ext "${src}" LAST_EXT)
    if(ext STREQUAL ".mli")
      set(output "${work}/${name}.cmi")
    elseif(ext STREQUAL ".ml")
      set(output "${work}/${name}.cmx")
      list(APPEND linked "${output}")
    else()
      message(FATAL_ERROR "keel_add_ocaml_plugin(${target}): ${src} is not a .ml or .mli file")
    endif()
    add_custom_command(
      OUTPUT "${output}"
      COMMAND ${KEEL_OCAMLFIND} ocamlopt ${flags} ${packages} -I "${sdk_dir}" -I "${work}"
              -c -o "${output}" "${src}"
      DEPENDS "${src}" ${previous} keel_ocaml_sdk
      COMMENT "OCaml ${target}: ${name}${ext}"
      VERBATIM)
    list(APPEND previous "${output}")
  endforeach()

  set(object "${work}/${target}_ocaml.o")
  set(link_packages "")
  if(ARG_OCAMLFIND_PACKAGES)
    set(link_packages ${packages} -linkpkg)
  endif()
  if(threads)
    # The threads library asks for -lpthread, which the partial link
    # (`ld -r`, no library search path) cannot find; an empty archive
    # answers it there, and the shared object links the real one.
    file(MAKE_DIRECTORY "${work}/link-stubs")
    file(WRITE "${work}/link-stubs/libpthread.a" "!<arch>\n")
    list(APPEND link_packages -I "${work}/link-stubs")
  endif()
  add_custom_command(
    OUTPUT "${object}"
    COMMAND ${KEEL_OCAMLFIND} ocamlopt ${flags} ${link_packages} -output-complete-obj
            -runtime-variant _pic -o "${object}" "${sdk_dir}/keel.cmx" ${linked}
    DEPENDS ${previous}
    COMMENT "OCaml ${target}: linking the runtime and the plugin into one object"
    VERBATIM)
  set_source_files_properties("${object}" PROPERTIES EXTERNAL_OBJECT ON GENERATED ON)

  add_library(${target} MODULE "${object}" $<TARGET_OBJECTS:keel_ocaml_glue>)
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    LINKER_LANGUAGE C
    LINK_DEPENDS "${_KEEL_OCAML_PLUGIN_MAP}"
    KEEL_OCAML_OBJECT "${object}")  # the OCaml half alone (runtime included)
  target_link_options(${target} PRIVATE
    "LINKER:--version-script=${_KEEL_OCAML_PLUGIN_MAP}" "LINKER:--no-undefined")
  target_link_libraries(${target} PRIVATE m dl)
  if(threads)
    find_package(Threads REQUIRED)
    target_link_libraries(${target} PRIVATE Threads::Threads)
  endif()
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
  endif()
  if(ARG_INSTALL_DESTINATION)
    install(TARGETS ${target} LIBRARY DESTINATION "${ARG_INSTALL_DESTINATION}")
  endif()
endfunction()

# ---------------------------------------------------------------------------
# OCaml programs that embed keel (keel/embed.h): the Keel_embed module.
#
#   keel_add_ocaml_embed_executable(<target>
#     SOURCES <a.ml> ...                      # in dependency order, the last is the main
#     [C_SOURCES <stubs.c> ...]               # C stubs of the program's own
#     [OUTPUT_DIRECTORY <dir>]                # default: <current binary dir>/bin
#     [OCAMLOPT_FLAGS <flag>...])
#
# Builds the executable <dir>/<target> with ocamlopt, linked with Keel_embed
# (keel_embed.mli/.ml and keel_embed_stubs.c, beside the plugin SDK's
# sources) and libkeel, with an rpath to libkeel's folder so it runs without
# LD_LIBRARY_PATH. Keel_embed is not part of the packed Keel library: a
# plugin never links libkeel.
function(_keel_ocaml_embed_lib)
  if(TARGET keel_ocaml_embed)
    return()
  endif()
  set(out "${CMAKE_BINARY_DIR}/keel_ocaml_embed")
  file(MAKE_DIRECTORY "${out}")
  set(src "${KEEL_OCAML_SDK_SOURCE_DIR}")
  add_custom_command(
    OUTPUT "${out}/keel_embed.cmi" "${out}/keel_embed.cmx" "${out}/keel_embed.o"
    COMMAND ${KEEL_OCAMLFIND} ocamlopt ${KEEL_OCAML_DEFAULT_FLAGS} -I "${out}"
            -c -o "${out}/keel_embed.cmi" "${src}/keel_embed.mli"
    COMMAND ${KEEL_OCAMLFIND} ocamlopt ${KEEL_OCAML_DEFAULT_FLAGS} -I "${out}"
            -c -o "${out}/keel_embed.cmx" "${src}/keel_embed.ml"
    DEPENDS "${src}/keel_embed.mli" "${src}/keel_embed.ml"
    COMMENT "Building the Keel_embed OCaml module"
    VERBATIM)
  add_custom_target(keel_ocaml_embed DEPENDS "${out}/keel_embed.cmx")
  set_property(GLOBAL PROPERTY KEEL_OCAML_EMBED_DIR "${out}")

  add_library(keel_ocaml_embed_stubs STATIC "${src}/keel_embed_stubs.c")
  target_include_directories(keel_ocaml_embed_stubs PRIVATE "${KEEL_OCAML_STDLIB_DIR}")
  target_link_libraries(keel_ocaml_embed_stubs PRIVATE keel::headers)
  set_target_properties(keel_ocaml_embed_stubs PROPERTIES C_STANDARD 11)
endfunction()

function(keel_add_ocaml_embed_executable target)
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "SOURCES;C_SOURCES;OCAMLOPT_FLAGS" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "keel_add_ocaml_embed_executable(${target}): SOURCES is required")
  endif()
  _keel_ocaml_embed_lib()
  get_property(embed_dir GLOBAL PROPERTY KEEL_OCAML_EMBED_DIR)
  # libkeel: the target in keel's tree, the installed library out of it.
  if(TARGET keel_shared)
    set(libkeel_dir "$<TARGET_FILE_DIR:keel_shared>")
    set(libkeel_depends keel_shared)
  else()
    find_library(KEEL_EMBED_LIBRARY NAMES keel HINTS "${_KEEL_OCAML_PREFIX_LIBDIR}" REQUIRED)
    get_filename_component(libkeel_dir "${KEEL_EMBED_LIBRARY}" DIRECTORY)
    set(libkeel_depends "${KEEL_EMBED_LIBRARY}")
  endif()
  # Not the current binary dir itself: ninja would see the program and the
  # target of the same name as one path.
  set(output_dir "${CMAKE_CURRENT_BINARY_DIR}/bin")
  if(ARG_OUTPUT_DIRECTORY)
    get_filename_component(output_dir "${ARG_OUTPUT_DIRECTORY}" ABSOLUTE
                           BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
    if(output_dir STREQUAL CMAKE_CURRENT_BINARY_DIR)
      message(FATAL_ERROR "keel_add_ocaml_embed_executable(${target}): OUTPUT_DIRECTORY cannot be "
                          "the current binary dir (${output_dir}); name a folder below it")
    endif()
  endif()
  set(work "${CMAKE_CURRENT_BINARY_DIR}/${target}.ocaml")
  file(MAKE_DIRECTORY "${work}" "${output_dir}")
  set(flags ${KEEL_OCAML_DEFAULT_FLAGS} ${ARG_OCAMLOPT_FLAGS})

  set(previous "${embed_dir}/keel_embed.cmx")
  set(linked "")
  foreach(src IN LISTS ARG_SOURCES)
    get_filename_component(src "${src}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    get_filename_component(name "${src}" NAME_WE)
    set(output "${work}/${name}.cmx")
    list(APPEND linked "${output}")
    add_custom_command(
      OUTPUT "${output}"
      COMMAND ${KEEL_OCAMLFIND} ocamlopt ${flags} -I "${embed_dir}" -I "${work}"
              -c -o "${output}" "${src}"
      DEPENDS "${src}" ${previous} keel_ocaml_embed
      COMMENT "OCaml ${target}: ${name}.ml"
      VERBATIM)
    list(APPEND previous "${output}")
  endforeach()

  set(c_archive "")
  if(ARG_C_SOURCES)
    add_library(${target}_stubs STATIC ${ARG_C_SOURCES})
    target_include_directories(${target}_stubs PRIVATE "${KEEL_OCAML_STDLIB_DIR}")
    target_link_libraries(${target}_stubs PRIVATE keel::headers)
    set(c_archive "$<TARGET_FILE:${target}_stubs>")
  endif()

  # In keel's sanitizer build the C stubs are instrumented: the program
  # links the sanitizers' runtimes as CMake's own programs do.
  set(sanitize "")
  if(KEEL_SANITIZE)
    set(sanitize -ccopt -fsanitize=address,undefined)
  endif()
  set(exe "${output_dir}/${target}")
  add_custom_command(
    OUTPUT "${exe}"
    COMMAND ${KEEL_OCAMLFIND} ocamlopt ${flags} -o "${exe}" "${embed_dir}/keel_embed.cmx" ${linked}
            "$<TARGET_FILE:keel_ocaml_embed_stubs>" ${c_archive}
            -cclib "-L${libkeel_dir}" -cclib -lkeel -ccopt "-Wl,-rpath,${libkeel_dir}" ${sanitize}
    DEPENDS ${previous} keel_ocaml_embed_stubs ${libkeel_depends}
            $<$<BOOL:${ARG_C_SOURCES}>:${target}_stubs>
    COMMENT "OCaml ${target}: linking with Keel_embed and libkeel"
    VERBATIM)
  add_custom_target(${target} ALL DEPENDS "${exe}")
  set_target_properties(${target} PROPERTIES KEEL_OCAML_EXECUTABLE "${exe}")
endfunction()
