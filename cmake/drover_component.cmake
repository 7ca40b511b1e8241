# One helper per kind of target, so that every component is built the same way.

# drover_add_component(NAME <name> SOURCES <files...> [DEPS <targets...>]
#                      [PRIVATE_DEPS <targets...>])
# Builds the static library drover_<name> from an explicit source list. Sources
# include project headers by path from the repository root ("actors/event.hpp").
function(drover_add_component)
  cmake_parse_arguments(arg "" "NAME" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  set(target drover_${arg_NAME})
  add_library(${target} STATIC ${arg_SOURCES})
  target_include_directories(${target} PUBLIC "${PROJECT_SOURCE_DIR}")
  target_link_libraries(${target} PUBLIC ${arg_DEPS} PRIVATE ${arg_PRIVATE_DEPS})
  drover_set_warnings(${target})
endfunction()

function(drover_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  if(DROVER_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# drover_add_test_suite(NAME <name> SOURCES <x_test.cpp...> [DEPS <targets...>]
#                       [LABELS <labels...>] [TIMEOUT <seconds>])
# Builds one doctest binary per suite and registers each source file as its own
# CTest entry (<name>/<file stem>), selected with doctest's --source-file filter.
function(drover_add_test_suite)
  cmake_parse_arguments(arg "" "NAME;TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  set(target drover_${arg_NAME}_tests)
  add_executable(${target} ${arg_SOURCES})
  target_link_libraries(${target} PRIVATE drover_test_main ${arg_DEPS})
  drover_set_warnings(${target})
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 120)
  endif()
  foreach(source ${arg_SOURCES})
    get_filename_component(stem "${source}" NAME_WE)
    get_filename_component(file "${source}" NAME)
    set(test_name "${arg_NAME}/${stem}")
    add_test(NAME ${test_name}
             COMMAND ${target} --source-file=*/${file} --no-version --force-colors=0)
    set_tests_properties(${test_name} PROPERTIES TIMEOUT ${arg_TIMEOUT}
                         LABELS "${arg_NAME};${arg_LABELS}")
  endforeach()
endfunction()
