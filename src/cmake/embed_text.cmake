# Embeds text files (shaders) as C++ raw string literals in one generated header.
# Invoked as: cmake -DOUT=header.h -DFILES="a|b" -P embed_text.cmake
set(body "// Generated from shaders/ by src/cmake/embed_text.cmake: do not edit.\n#pragma once\nnamespace attn::shaders {\n")
string(REPLACE "|" ";" FILES "${FILES}")
foreach(f ${FILES})
  get_filename_component(name "${f}" NAME)
  string(REPLACE "." "_" name "${name}")
  file(READ "${f}" text)
  string(APPEND body "inline constexpr const char* ${name} = R\"GLSL(${text})GLSL\";\n")
endforeach()
string(APPEND body "}\n")
file(WRITE "${OUT}.tmp" "${body}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUT}.tmp" "${OUT}")
