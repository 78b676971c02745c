# Build flags shared by every target: warnings, sanitizers, compiler cache.
add_compile_options(-Wall -Wextra)

if(RECODEX_SANITIZE)
  string(REPLACE ";" "," _sanitizers "${RECODEX_SANITIZE}")
  add_compile_options(-fsanitize=${_sanitizers} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${_sanitizers})
  message(STATUS "recodex: building with sanitizers ${_sanitizers}")
endif()

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
  # Precompiled headers and ccache get along only with these settings.
  set(ENV{CCACHE_SLOPPINESS} "pch_defines,time_macros,include_file_mtime,include_file_ctime")
endif()

# Adds a static library for a room and sets its include root to the project root,
# so every include reads as "room/header.hpp".
function(recodex_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_PUBLIC} PRIVATE ${ARG_PRIVATE})
endfunction()
