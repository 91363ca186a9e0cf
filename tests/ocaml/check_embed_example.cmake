# Runs an embedding example with --bits and checks what the protocol asks
# (docs/embedding.md): exit 0, the header, then one line per option of the
# portfolio (10), each a symbol and six 16-digit lowercase hex numbers.
#   cmake -DPROGRAM=<exe> -DCSV=<portfolio.csv> -P check_embed_example.cmake
execute_process(COMMAND "${PROGRAM}" --bits "${CSV}"
                RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} --bits exited ${result}: ${err}")
endif()
string(REGEX MATCHALL "[^\n]*\n" lines "${out}")
list(LENGTH lines count)
if(NOT count EQUAL 11)
  message(FATAL_ERROR "${PROGRAM} --bits printed ${count} lines, expected 11:\n${out}")
endif()
list(GET lines 0 header)
if(NOT header STREQUAL "symbol,price,delta,gamma,vega,theta,rho\n")
  message(FATAL_ERROR "header is '${header}'")
endif()
list(SUBLIST lines 1 -1 rows)
foreach(row IN LISTS rows)
  if(NOT row MATCHES "^[^,]+(,[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f])(,[0-9a-f]+)(,[0-9a-f]+)(,[0-9a-f]+)(,[0-9a-f]+)(,[0-9a-f]+)\n$")
    message(FATAL_ERROR "row is not a symbol and six bit patterns: '${row}'")
  endif()
endforeach()
message(STATUS "${PROGRAM} --bits: 11 lines")
