# moodgate_add_provider(<name> SOURCES <files...>)
#
# Builds a Moodgate provider plugin: a shared module <name>.so, compiled with the flags its
# build fingerprint promises (C++20, hidden visibility), linked against the SDK headers only.
# The gateway finds it by name in its plugin directories (providers.plugin_dirs, or the
# `providers` directory beside the executable, or ../lib/moodgate/providers when installed).
#
# Works in the Moodgate tree and, after `find_package(MoodgateSDK)`, in a contributor's own.
function(moodgate_add_provider name)
  cmake_parse_arguments(ARG "" "" "SOURCES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "moodgate_add_provider(${name}): SOURCES is required")
  endif()
  add_library(${name} MODULE ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE moodgate::sdk)
  target_compile_features(${name} PRIVATE cxx_std_20)
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "${name}"
    CXX_EXTENSIONS OFF
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  install(TARGETS ${name} LIBRARY DESTINATION lib/moodgate/providers)
  set_property(GLOBAL APPEND PROPERTY MOODGATE_PROVIDER_TARGETS ${name})
  if(DEFINED MOODGATE_PROVIDER_OUTPUT_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${MOODGATE_PROVIDER_OUTPUT_DIR}")
  endif()
endfunction()
