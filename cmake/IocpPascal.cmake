# Building Pascal programs with Free Pascal (mode delphi) against the C ABI library (libiocp / iocp64.dll, iocp32.dll).
#   iocp_pascal_program(NAME SOURCE [HEAPTRC] [UNITS dir...] [DEFINES name...] [LIBRARY target])
# builds ${CMAKE_CURRENT_BINARY_DIR}/NAME (NAME.exe on Windows) from SOURCE with the units in
# component/pascal (and UNITS; the units are compiled for this program alone, so DEFINES such as
# IOCP_INDY_TYPES apply to them too), warnings as errors, line info, and heaptrc if asked,
# against the C ABI library `iocp` (or LIBRARY: a stand-in with the same file name).
#   Linux: fpc; the library is found at run time through the rpath.
#   Windows (the mingw cross-builds): x64, the native ppcx64 with -Twin64; x86, an i386 cross
#   compiler (ppc386 -Twin32); against Free Pascal's Windows units, both built once into the build
#   tree by tools/fpc-windows-rtl.sh; the DLL is copied beside the program. Run it with
#   ${IOCP_PASCAL_RUNNER} (Wine) in front.
# Sets IOCP_PASCAL_SUFFIX (the programs' file suffix) and IOCP_PASCAL_RUNNER (what runs them).
set(IOCP_PASCAL_UNITS ${PROJECT_SOURCE_DIR}/component/pascal)
file(GLOB IOCP_PASCAL_UNIT_FILES CONFIGURE_DEPENDS ${IOCP_PASCAL_UNITS}/*.pas ${IOCP_PASCAL_UNITS}/*.inc)

if(WIN32)
  find_program(IOCP_PPCX64 ppcx64 PATHS /usr/lib/x86_64-linux-gnu/fpc/3.2.2 REQUIRED)
  if(CMAKE_SIZEOF_VOID_P EQUAL 8)
    set(fpc_target win64)
    set(fpc_cpu x86_64)
  else()
    set(fpc_target win32)
    set(fpc_cpu i386)
  endif()
  set(rtl ${CMAKE_BINARY_DIR}/fpc-${fpc_target})
  set(IOCP_PASCAL_RTL_UNITS ${rtl}/units/${fpc_cpu}-${fpc_target})
  if(NOT TARGET iocp_pascal_rtl)  # Once, for every directory that builds Pascal programs.
    add_custom_command(OUTPUT ${IOCP_PASCAL_RTL_UNITS}/.complete
      COMMAND bash ${PROJECT_SOURCE_DIR}/tools/fpc-windows-rtl.sh ${rtl} ${fpc_target}
      DEPENDS ${PROJECT_SOURCE_DIR}/tools/fpc-windows-rtl.sh
      COMMENT "Free Pascal ${fpc_target} units" VERBATIM)
    add_custom_target(iocp_pascal_rtl DEPENDS ${IOCP_PASCAL_RTL_UNITS}/.complete)
  endif()
  if(fpc_target STREQUAL win64)
    set(IOCP_PASCAL_COMPILER ${IOCP_PPCX64} -Twin64 -n -Fu${IOCP_PASCAL_RTL_UNITS})
  else()  # The i386 cross compiler that tools/fpc-windows-rtl.sh builds.
    set(IOCP_PASCAL_COMPILER ${rtl}/bin/ppc386 -Twin32 -n -Fu${IOCP_PASCAL_RTL_UNITS})
  endif()
  set(IOCP_PASCAL_SUFFIX .exe)
  set(IOCP_PASCAL_RUNNER ${CMAKE_CROSSCOMPILING_EMULATOR})
else()
  find_program(IOCP_FPC fpc REQUIRED)
  set(IOCP_PASCAL_COMPILER ${IOCP_FPC})
  set(IOCP_PASCAL_SUFFIX "")
  set(IOCP_PASCAL_RUNNER "")
endif()

function(iocp_pascal_program name source)
  cmake_parse_arguments(ARG "HEAPTRC" "LIBRARY" "UNITS;DEFINES" ${ARGN})
  set(lib iocp)
  if(ARG_LIBRARY)
    set(lib ${ARG_LIBRARY})
  endif()
  set(extra "")
  foreach(define ${ARG_DEFINES})
    list(APPEND extra -d${define})
  endforeach()
  set(depends ${source} ${IOCP_PASCAL_UNIT_FILES} ${lib})
  foreach(dir ${ARG_UNITS})
    list(APPEND extra -Fu${dir})
    file(GLOB more CONFIGURE_DEPENDS ${dir}/*.pas)
    list(APPEND depends ${more})
  endforeach()
  if(ARG_HEAPTRC)
    list(APPEND extra -gh)
  endif()
  # An optimised build optimises the Pascal side too (-O2, what a Lazarus release build uses),
  # so the bridge is measured and tested as it ships.
  if(CMAKE_BUILD_TYPE MATCHES "^(Release|RelWithDebInfo|MinSizeRel)$")
    list(APPEND extra -O2)
  endif()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${name}${IOCP_PASCAL_SUFFIX})
  set(units ${CMAKE_CURRENT_BINARY_DIR}/${name}.units)
  if(WIN32)
    list(APPEND depends iocp_pascal_rtl)
    set(link "")
    set(beside COMMAND ${CMAKE_COMMAND} -E copy_if_different $<TARGET_FILE:${lib}> ${CMAKE_CURRENT_BINARY_DIR})
  else()
    set(link -Fl$<TARGET_FILE_DIR:${lib}> -k-rpath=$<TARGET_FILE_DIR:${lib}>)
    set(beside "")
  endif()
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${units}
    COMMAND ${IOCP_PASCAL_COMPILER} -Mdelphi -gl -vewn -Sew -FU${units} -Fu${IOCP_PASCAL_UNITS} ${extra}
            ${link} -o${out} ${source}
    ${beside}
    DEPENDS ${depends}
    COMMENT "Free Pascal: ${name}" VERBATIM)
  add_custom_target(${name} ALL DEPENDS ${out})
endfunction()
