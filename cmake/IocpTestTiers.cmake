# The test suite's tiers and how ctest may schedule its tests (docs/development.md).
#
#   LABELS slow                 The slow tier: scale, race and timing tests, builds of other
#                               projects, the benchmark harness. `ctest -LE slow` (test preset
#                               `fast`) runs the rest; the README's test command runs both.
#   LABELS backend-independent  Runs no completion port (epoll/io_uring): unit tests, the tools,
#                               builds, and servers on iohDefault (thread per connection; only the
#                               completion engine asks for a port). The test command's io_uring pass
#                               leaves these out: the epoll pass has run them, nothing differs.
#   LABELS once                 Uses the completion port, but its subject is elsewhere (the test
#                               behind HAProxy: the balancer, drains and restarts): the io_uring
#                               pass leaves it out too, for CI's time.
#
# How tests may share the machine: the test presets run two tests at a time and give ctest two
# "cores" (cmake/ctest-resources.json, the preset's resourceSpecFile; another -j or running without
# a preset needs --resource-spec-file cmake/ctest-resources.json for the groups below to count).
# The tsan preset runs one test at a time: ThreadSanitizer makes every test several times heavier,
# and two such tests on two cores starve each other (the io_uring servers' first echoes then came
# seconds late).
#   RUN_SERIAL ON               Runs alone: thousands of sockets or threads, or a burst timed
#                               against a bound.
#   RESOURCE_GROUPS cores:2     Measures time (heartbeat schedules, a timeout to the 100 ms): runs
#                               beside no test that keeps a core busy and no other timing test;
#                               a test of the kind below may run beside it.
#   RESOURCE_GROUPS cores:1     Keeps a core busy for seconds: a build, the benchmark harness's
#                               load. Two may run together.
#   (none)                      Short, or mostly waiting (the race loops use a tenth of a core):
#                               runs beside anything.
#
# IOCP_TIMING_TEST holds what a timing test asks for: RESOURCE_GROUPS cores:2, and under Wine
# RUN_SERIAL ON (every Wine process goes through the one wineserver, so there even a short test
# beside a timing test delays it).
#
# add_test() tests get these with set_tests_properties() where they are added. Tests found by
# gtest_discover_tests() exist only when ctest runs; for them:
#
#   iocp_discovered_test_properties(<target>
#     MATCHING <regex> [LABELS <label>...] [PROPERTIES <name> <value>...]
#     [MATCHING <regex> ...]...)
#
# applies to each test of <target> whose name matches <regex> (the name as ctest shows it, e.g.
# "Engines/Scale.X/iohIOCP  # GetParam() = 1") the properties of that rule; the labels of all the
# rules a test matches add up. Call it after gtest_discover_tests(<target>), once per target and
# directory: it writes a script that ctest runs after the discovered tests are defined.
if(WIN32 AND CMAKE_CROSSCOMPILING)
  set(IOCP_TIMING_TEST RUN_SERIAL ON)
else()
  set(IOCP_TIMING_TEST RESOURCE_GROUPS cores:2)
endif()

function(iocp_discovered_test_properties target)
  set(script "${CMAKE_CURRENT_BINARY_DIR}/${target}_tiers.cmake")
  set(body "# Written by iocp_discovered_test_properties (cmake/IocpTestTiers.cmake).\n")
  string(APPEND body "foreach(t IN LISTS ${target}_TESTS)\n  set(labels \"\")\n")
  set(rule "")
  set(mode "")
  foreach(arg IN LISTS ARGN)
    if(arg STREQUAL "MATCHING")
      if(rule)
        string(APPEND body "${rule}  endif()\n")
      endif()
      set(mode regex)
    elseif(arg STREQUAL "LABELS" OR arg STREQUAL "PROPERTIES")
      if(NOT rule)
        message(FATAL_ERROR "iocp_discovered_test_properties: ${arg} before MATCHING")
      endif()
      set(mode ${arg})
    elseif(mode STREQUAL "regex")
      set(rule "  if(t MATCHES [==[${arg}]==])\n")
      set(mode "")
    elseif(mode STREQUAL "LABELS")
      string(APPEND rule "    list(APPEND labels [==[${arg}]==])\n")
    elseif(mode STREQUAL "PROPERTIES")
      # Name and value alternate: each pair is one call.
      if(DEFINED name)
        string(APPEND rule "    set_tests_properties(\"\${t}\" PROPERTIES ${name} [==[${arg}]==])\n")
        unset(name)
      else()
        set(name "${arg}")
      endif()
    else()
      message(FATAL_ERROR "iocp_discovered_test_properties: unexpected '${arg}'")
    endif()
  endforeach()
  if(DEFINED name)
    message(FATAL_ERROR "iocp_discovered_test_properties: property ${name} without a value")
  endif()
  if(rule)
    string(APPEND body "${rule}  endif()\n")
  endif()
  string(APPEND body "  if(labels)\n    set_tests_properties(\"\${t}\" PROPERTIES LABELS \"\${labels}\")\n  endif()\n")
  string(APPEND body "endforeach()\n")
  file(WRITE "${script}" "${body}")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${script}")
endfunction()
