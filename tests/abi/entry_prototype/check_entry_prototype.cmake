# keel/plugin.h declares the entry's prototype, so a plugin that defines it
# with another signature fails to compile. Run as
#   cmake -DCOMPILER=... -DINCLUDE=... -DSOURCE=... -DEXPECT=fail|pass -P this
# With EXPECT=fail the compiler must refuse SOURCE, naming keel_plugin_entry.
execute_process(
  COMMAND ${COMPILER} -fsyntax-only -Wall -Wextra -pedantic -I${INCLUDE} ${SOURCE}
  RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(EXPECT STREQUAL "pass")
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${SOURCE} should compile:\n${out}")
  endif()
elseif(result EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but its keel_plugin_entry has the wrong signature: "
                      "keel/plugin.h must declare the entry's prototype")
elseif(NOT out MATCHES "keel_plugin_entry")
  message(FATAL_ERROR "${SOURCE} failed to compile for another reason than the entry:\n${out}")
endif()
