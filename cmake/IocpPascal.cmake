# Building Pascal programs with Free Pascal (mode delphi) against the C ABI library (libiocp).
#   iocp_pascal_program(NAME SOURCE [HEAPTRC] [UNITS dir...])  builds ${CMAKE_CURRENT_BINARY_DIR}/NAME
# from SOURCE with the units in component/pascal (and UNITS), warnings as errors, line info, and
# heaptrc if asked; the library is found at run time through the rpath.
find_program(IOCP_FPC fpc REQUIRED)
set(IOCP_PASCAL_UNITS ${PROJECT_SOURCE_DIR}/component/pascal)
file(GLOB IOCP_PASCAL_UNIT_FILES CONFIGURE_DEPENDS ${IOCP_PASCAL_UNITS}/*.pas)

function(iocp_pascal_program name source)
  cmake_parse_arguments(ARG "HEAPTRC" "" "UNITS" ${ARGN})
  set(extra "")
  foreach(dir ${ARG_UNITS})
    list(APPEND extra -Fu${dir})
    file(GLOB more CONFIGURE_DEPENDS ${dir}/*.pas)
    list(APPEND ARG_DEPENDS ${more})
  endforeach()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${name})
  set(units ${CMAKE_CURRENT_BINARY_DIR}/${name}.units)
  set(heaptrc "")
  if(ARG_HEAPTRC)
    set(heaptrc -gh)
  endif()
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${units}
    COMMAND ${IOCP_FPC} -Mdelphi ${heaptrc} -gl -vewn -Sew -FU${units} -Fu${IOCP_PASCAL_UNITS} ${extra}
            -Fl$<TARGET_FILE_DIR:iocp> -k-rpath=$<TARGET_FILE_DIR:iocp> -o${out} ${source}
    DEPENDS ${source} ${IOCP_PASCAL_UNIT_FILES} ${ARG_DEPENDS} iocp
    COMMENT "fpc ${name}" VERBATIM)
  add_custom_target(${name} ALL DEPENDS ${out})
endfunction()
