# kitaku_option(NAME DOC DEFAULT): an option() that is also printed at configure
# time, so a build log always says how the build was configured.
function(kitaku_option name doc default)
  option(${name} "${doc}" ${default})
  message(STATUS "  ${name} = ${${name}}  (${doc})")
endfunction()
message(STATUS "Kitaku build options:")
