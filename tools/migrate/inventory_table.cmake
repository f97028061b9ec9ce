# Turns the generated inventory (component/pascal/INDY-MEMBERS.md) into the C++ table the
# migration's warnings come from (tools/migrate/indy_names.cpp): one row per member or routine,
# {section, name, status}, status as the inventory says it ("yes", "omitted: reason",
# "missing", "partial: ..."). Section: the Indy class, or "IdGlobal" for the routines.
#   cmake -DIN=INDY-MEMBERS.md -DOUT=indy_inventory.inc -P inventory_table.cmake
file(STRINGS "${IN}" lines ENCODING UTF-8)
set(out "// Generated from component/pascal/INDY-MEMBERS.md by tools/migrate/inventory_table.cmake.\n")
set(section "")
foreach(line IN LISTS lines)
  if(line MATCHES "^## (TId[A-Za-z0-9_]+) ")
    set(section "${CMAKE_MATCH_1}")
  elseif(line MATCHES "^## IdGlobal")
    set(section "IdGlobal")
  elseif(section AND line MATCHES "^\\| `([A-Za-z0-9_]+)` \\|.*\\| ([^|]+) \\|$")
    set(name "${CMAKE_MATCH_1}")
    string(STRIP "${CMAKE_MATCH_2}" status)
    string(REPLACE "\\" "\\\\" status "${status}")
    string(REPLACE "\"" "\\\"" status "${status}")
    string(APPEND out "{\"${section}\", \"${name}\", \"${status}\"},\n")
  endif()
endforeach()
file(WRITE "${OUT}.tmp" "${out}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUT}.tmp" "${OUT}")
