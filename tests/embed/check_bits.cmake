# cmake -DPROGRAM=... -DCSV=... -DLINES=N -P check_bits.cmake
# Runs an embedding example (examples/embed, docs/embedding.md) as
# `PROGRAM --bits CSV` and fails unless it exits 0 and prints LINES lines,
# the first the protocol's header, each option's six 16-digit lowercase hex
# fields. Used by each language's example test; the bytes themselves are
# compared across languages by embed.examples_agree_bit_for_bit.
execute_process(COMMAND ${PROGRAM} --bits ${CSV}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} --bits ${CSV} exited ${rc}: ${err}")
endif()
string(REGEX MATCHALL "[^\n]*\n" lines "${out}")
list(LENGTH lines count)
if(NOT count EQUAL LINES)
  message(FATAL_ERROR "${PROGRAM} --bits printed ${count} lines, expected ${LINES}:\n${out}")
endif()
list(GET lines 0 header)
if(NOT header STREQUAL "symbol,price,delta,gamma,vega,theta,rho\n")
  message(FATAL_ERROR "${PROGRAM} --bits: header is '${header}'")
endif()
list(REMOVE_AT lines 0)
foreach(line IN LISTS lines)
  if(NOT line MATCHES "^[^,]+(,[0-9a-f]+)+\n$")
    message(FATAL_ERROR "${PROGRAM} --bits: not a symbol and hex fields: '${line}'")
  endif()
  string(REGEX MATCHALL ",[0-9a-f]+" fields "${line}")
  list(LENGTH fields nfields)
  if(NOT nfields EQUAL 6)
    message(FATAL_ERROR "${PROGRAM} --bits: ${nfields} fields, expected 6, in '${line}'")
  endif()
  foreach(field IN LISTS fields)
    string(LENGTH "${field}" n)
    if(NOT n EQUAL 17)
      message(FATAL_ERROR "${PROGRAM} --bits: field '${field}' is not 16 hex digits in '${line}'")
    endif()
  endforeach()
endforeach()
