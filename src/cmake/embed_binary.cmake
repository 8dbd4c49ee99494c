# Embeds a binary file (a font) as a C array, using xxd for speed.
# Invoked as: cmake -DIN=file -DOUT=file.c -DNAME=symbol -P embed_binary.cmake
execute_process(COMMAND xxd -i INPUT_FILE "${IN}" OUTPUT_VARIABLE bytes RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "xxd failed on ${IN}")
endif()
file(WRITE "${OUT}" "// Generated from ${IN}: do not edit.\nconst unsigned char ${NAME}[] = {\n${bytes}};\nconst unsigned int ${NAME}_size = sizeof(${NAME});\n")
