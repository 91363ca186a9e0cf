# Fails when a source of the Python adapter (DIR) includes a header of the
# host or the run loop, or touches keel_host_t.host_data: the adapter is a
# strategy like any plugin's, reaching keel through its host table only.
file(GLOB sources ${DIR}/*.cpp ${DIR}/*.hpp)
set(found "")
foreach(source IN LISTS sources)
  file(STRINGS ${source} lines REGEX "#include \"engine/(host|run)/|host_data")
  foreach(line IN LISTS lines)
    string(APPEND found "\n  ${source}: ${line}")
  endforeach()
endforeach()
if(found)
  message(FATAL_ERROR "the Python adapter reaches into the host's private data:${found}")
endif()
