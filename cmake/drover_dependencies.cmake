# Finds every library drover builds against, as Debian 12 ships them.
# CAF 0.17 ships no CMake config and no pkg-config file, so its imported
# targets are defined here by hand.

find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED CONFIG)
find_package(cppzmq 4.7 REQUIRED)
find_package(msgpack 4.1 REQUIRED CONFIG)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 2.1 REQUIRED)
find_package(spdlog 1.10 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(PNG REQUIRED)
find_package(JPEG REQUIRED)
# libwebp ships no CMake config on Debian 12: its pkg-config files name the
# codec, the muxer (metadata chunks, animation) and the demuxer.
find_package(PkgConfig REQUIRED)
pkg_check_modules(WEBP REQUIRED IMPORTED_TARGET libwebp>=1.2 libwebpmux libwebpdemux)
# libexif reads the EXIF orientation that LoadImage turns pictures by.
pkg_check_modules(EXIF REQUIRED IMPORTED_TARGET libexif>=0.6)
# giflib decodes the GIF frames that LoadImage composites (no CMake config).
pkg_check_modules(GIF REQUIRED IMPORTED_TARGET libgif>=5.1)
# libtiff reads TIFF pages (its pkg-config file, as for the others above).
pkg_check_modules(TIFF REQUIRED IMPORTED_TARGET libtiff-4>=4.4)
if(DROVER_BUILD_TESTS)
  find_package(doctest 2.4 REQUIRED CONFIG)
endif()

find_path(CAF_INCLUDE_DIR caf/all.hpp)
find_library(CAF_CORE_LIBRARY caf_core)
find_library(CAF_IO_LIBRARY caf_io)
if(NOT CAF_INCLUDE_DIR OR NOT CAF_CORE_LIBRARY OR NOT CAF_IO_LIBRARY)
  message(FATAL_ERROR "CAF 0.17 not found: run deploy/install-deps.sh")
endif()
file(STRINGS "${CAF_INCLUDE_DIR}/caf/config.hpp" _caf_version_line
     REGEX "#define CAF_VERSION ")
string(REGEX REPLACE ".*CAF_VERSION ([0-9]+).*" "\\1" CAF_VERSION_NUMBER
       "${_caf_version_line}")
if(CAF_VERSION_NUMBER LESS 1700 OR NOT CAF_VERSION_NUMBER LESS 1800)
  message(FATAL_ERROR "drover needs CAF 0.17, found ${CAF_VERSION_NUMBER}")
endif()
if(NOT TARGET CAF::core)
  add_library(CAF::core SHARED IMPORTED)
  set_target_properties(CAF::core PROPERTIES
    IMPORTED_LOCATION "${CAF_CORE_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES Threads::Threads)
  add_library(CAF::io SHARED IMPORTED)
  set_target_properties(CAF::io PROPERTIES
    IMPORTED_LOCATION "${CAF_IO_LIBRARY}"
    INTERFACE_LINK_LIBRARIES CAF::core)
endif()
