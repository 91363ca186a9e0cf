# KeelRust.cmake — Rust plugins built with cargo, in keel's tree and out of it.
#
#   keel_add_rust_plugin(<name> CRATE_DIR <dir>
#                        [LIB_NAME <crate lib name>] [OUTPUT_DIRECTORY <dir>]
#                        [INSTALL_DESTINATION <dir>] [NO_INSTALL] [TEST])
#
# runs `cargo build --offline --release` for the crate at CRATE_DIR (a
# cdylib) and copies lib<LIB_NAME>.so to <OUTPUT_DIRECTORY>/<name>.so
# (default: ${KEEL_PLUGIN_OUTPUT_DIR} in keel's tree, the current binary dir
# out of it), where the loader finds it like any C++ plugin; installs it to
# INSTALL_DESTINATION (default: lib/keel/plugins, where bin/keel looks)
# unless NO_INSTALL. LIB_NAME defaults to <name>. The crate's sources and
# keel-sdk's are dependencies of the target <name>. TEST registers
# `cargo test --offline` for the crate as the ctest test rust.<name>.
#
#   keel_add_cargo_test(<test name> CRATE_DIR <dir>)
#
# registers `cargo test --offline` for any crate.
#
# The keel-sdk crate: a plugin's Cargo.toml names it by version
# (`keel-sdk = "0.1"`) and cargo is told where it is with
# `--config patch.crates-io.keel-sdk.path=...` (KEEL_RUST_SDK_DIR: the
# installed crate after find_package(keel), sdk/rust/keel-sdk in keel's
# tree), so no path to an install is written into the plugin's sources.
# (A crate that names keel-sdk by path, as keel's own do, keeps its path.)
#
# Cargo writes nothing into the source tree but Cargo.lock: every crate
# builds in ${KEEL_CARGO_TARGET_DIR} (under the build dir). Plugins link with
# a version script exporting only keel_plugin_entry (their build.rs calls
# keel_sdk::build::export_only_entry()), and build with panic = "unwind" so
# the SDK can turn a panic into KEEL_ERR_PLUGIN_FAULT.

find_program(KEEL_CARGO cargo HINTS "$ENV{HOME}/.cargo/bin"
  DOC "cargo, for the Rust SDK and Rust plugins")
if(NOT KEEL_CARGO)
  message(FATAL_ERROR
    "KEEL_WITH_RUST is ON but cargo was not found: install Debian packages: cargo rustc "
    "(or configure with -DKEEL_WITH_RUST=OFF)")
endif()
execute_process(COMMAND ${KEEL_CARGO} --version OUTPUT_VARIABLE _keel_cargo_version
  OUTPUT_STRIP_TRAILING_WHITESPACE)
message(STATUS "keel: Rust plugins with ${_keel_cargo_version} (${KEEL_CARGO})")

# keelConfig.cmake sets it to the installed crate before including this file.
if(NOT KEEL_RUST_SDK_DIR)
  get_filename_component(_keel_rust_sdk_dir "${CMAKE_CURRENT_LIST_DIR}/../rust/keel-sdk" ABSOLUTE)
  set(KEEL_RUST_SDK_DIR "${_keel_rust_sdk_dir}" CACHE INTERNAL "keel-sdk crate")
  unset(_keel_rust_sdk_dir)
endif()
# What every cargo command gets: where the keel-sdk crate is.
set(KEEL_CARGO_SDK_CONFIG "--config" "patch.crates-io.keel-sdk.path=\"${KEEL_RUST_SDK_DIR}\""
    CACHE INTERNAL "cargo --config for the keel-sdk crate")
set(KEEL_CARGO_TARGET_DIR "${CMAKE_BINARY_DIR}/cargo-target" CACHE INTERNAL "cargo's target dir")

# The files cargo reads for a crate (its sources, manifest, build script).
function(_keel_crate_sources out crate_dir)
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS
    "${crate_dir}/src/*.rs" "${crate_dir}/tests/*.rs" "${crate_dir}/build.rs"
    "${crate_dir}/Cargo.toml" "${crate_dir}/Cargo.lock")
  set(${out} ${sources} PARENT_SCOPE)
endfunction()

function(keel_add_rust_plugin name)
  cmake_parse_arguments(ARG "NO_INSTALL;TEST" "CRATE_DIR;LIB_NAME;OUTPUT_DIRECTORY;INSTALL_DESTINATION" "" ${ARGN})
  if(NOT ARG_CRATE_DIR)
    message(FATAL_ERROR "keel_add_rust_plugin(${name}): CRATE_DIR is required")
  endif()
  get_filename_component(crate_dir "${ARG_CRATE_DIR}" ABSOLUTE)
  if(NOT ARG_LIB_NAME)
    set(ARG_LIB_NAME ${name})
  endif()
  # keel's tree sets KEEL_PLUGIN_OUTPUT_DIR and KEEL_INSTALL_PLUGIN_DIR; a
  # plugin built out of tree has neither.
  if(NOT ARG_OUTPUT_DIRECTORY)
    if(KEEL_PLUGIN_OUTPUT_DIR)
      set(ARG_OUTPUT_DIRECTORY "${KEEL_PLUGIN_OUTPUT_DIR}")
    else()
      set(ARG_OUTPUT_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
    endif()
  endif()
  get_filename_component(ARG_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}" ABSOLUTE
                         BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  if(NOT ARG_INSTALL_DESTINATION)
    if(KEEL_INSTALL_PLUGIN_DIR)
      set(ARG_INSTALL_DESTINATION "${KEEL_INSTALL_PLUGIN_DIR}")
    else()
      # Literally lib/: an installed bin/keel looks in ../lib/keel/plugins.
      set(ARG_INSTALL_DESTINATION lib/keel/plugins)
    endif()
  endif()

  _keel_crate_sources(crate_sources "${crate_dir}")
  _keel_crate_sources(sdk_sources "${KEEL_RUST_SDK_DIR}")
  set(built "${KEEL_CARGO_TARGET_DIR}/release/lib${ARG_LIB_NAME}.so")
  set(output "${ARG_OUTPUT_DIRECTORY}/${name}.so")
  add_custom_command(
    OUTPUT "${output}"
    COMMAND ${CMAKE_COMMAND} -E env "CARGO_TARGET_DIR=${KEEL_CARGO_TARGET_DIR}"
            ${KEEL_CARGO} build --offline --release --quiet ${KEEL_CARGO_SDK_CONFIG}
            --manifest-path "${crate_dir}/Cargo.toml"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${ARG_OUTPUT_DIRECTORY}"
    COMMAND ${CMAKE_COMMAND} -E copy "${built}" "${output}"
    DEPENDS ${crate_sources} ${sdk_sources}
    COMMENT "cargo build --release ${name} (Rust plugin)"
    # cargo prints its own progress; let it reach the terminal.
    USES_TERMINAL
    VERBATIM)
  add_custom_target(${name} ALL DEPENDS "${output}")
  set_target_properties(${name} PROPERTIES KEEL_PLUGIN_FILE "${output}")
  if(NOT ARG_NO_INSTALL)
    install(FILES "${output}" DESTINATION ${ARG_INSTALL_DESTINATION})
  endif()
  if(ARG_TEST)
    keel_add_cargo_test(rust.${name} CRATE_DIR "${crate_dir}")
  endif()
endfunction()

function(keel_add_cargo_test test_name)
  cmake_parse_arguments(ARG "" "CRATE_DIR" "" ${ARGN})
  if(NOT BUILD_TESTING AND NOT KEEL_BUILD_TESTS)
    return()
  endif()
  get_filename_component(crate_dir "${ARG_CRATE_DIR}" ABSOLUTE)
  add_test(NAME ${test_name}
    COMMAND ${CMAKE_COMMAND} -E env "CARGO_TARGET_DIR=${KEEL_CARGO_TARGET_DIR}"
            "CC=${CMAKE_C_COMPILER}"
            ${KEEL_CARGO} test --offline --quiet ${KEEL_CARGO_SDK_CONFIG}
            --manifest-path "${crate_dir}/Cargo.toml")
  # The first run compiles the crate's tests (debug profile).
  set_tests_properties(${test_name} PROPERTIES LABELS "rust" TIMEOUT 600)
endfunction()
