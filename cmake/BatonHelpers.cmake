# One helper per artefact kind, like LevelDB's leveldb_test().

# Warnings are set once, here; CI adds -Werror through BATON_WERROR.
function(baton_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  if(BATON_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# baton_add_library(<name> <sources...>): a folder's library target.
# Include paths are rooted at the repository so every include names its module.
function(baton_add_library name)
  add_library(${name} STATIC ${ARGN})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}
                                            ${PROJECT_SOURCE_DIR}/include
                                            ${PROJECT_BINARY_DIR})
  baton_set_warnings(${name})
endfunction()

# baton_add_test(<file.cpp> LIBS <libs...> [PROPERTIES <ctest props...>]): one
# Catch2 executable per test file, named after its path below tests/; the
# properties apply to every test case discovered in it.
function(baton_add_test file)
  cmake_parse_arguments(ARG "" "" "LIBS;PROPERTIES" ${ARGN})
  # tests/engine/terminal/screen_test.cpp -> engine_terminal_screen_test
  file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR}/tests
       ${CMAKE_CURRENT_SOURCE_DIR}/${file})
  string(REGEX REPLACE "\\.cpp$" "" rel ${rel})
  string(REPLACE "/" "_" target ${rel})
  add_executable(${target} ${file})
  target_link_libraries(${target} PRIVATE baton_test_main ${ARG_LIBS})
  baton_set_warnings(${target})
  catch_discover_tests(${target}
    TEST_PREFIX "${target}: "
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES ENVIRONMENT "BATON_BINARY_DIR=${PROJECT_BINARY_DIR}"
               ${ARG_PROPERTIES})
endfunction()

# baton_add_benchmark(<file.cpp> LIBS <libs...>)
function(baton_add_benchmark file)
  cmake_parse_arguments(ARG "" "" "LIBS" ${ARGN})
  get_filename_component(stem ${file} NAME_WE)
  add_executable(${stem} ${file})
  target_link_libraries(${stem} PRIVATE ${ARG_LIBS})
  baton_set_warnings(${stem})
endfunction()
