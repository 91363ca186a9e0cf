# FindQuantLib — Debian's libquantlib0-dev ships neither a CMake package nor
# a pkg-config file, so locate the header and library by hand.
# Provides QuantLib::QuantLib.
find_path(QuantLib_INCLUDE_DIR ql/quantlib.hpp)
find_library(QuantLib_LIBRARY NAMES QuantLib)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(QuantLib REQUIRED_VARS QuantLib_LIBRARY QuantLib_INCLUDE_DIR)
if(QuantLib_FOUND AND NOT TARGET QuantLib::QuantLib)
  add_library(QuantLib::QuantLib UNKNOWN IMPORTED)
  set_target_properties(QuantLib::QuantLib PROPERTIES
    IMPORTED_LOCATION "${QuantLib_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${QuantLib_INCLUDE_DIR}")
endif()
mark_as_advanced(QuantLib_INCLUDE_DIR QuantLib_LIBRARY)
