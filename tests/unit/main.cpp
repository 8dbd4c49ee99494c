// main.cpp: doctest's runner, shared by the native and the wasm (node) builds.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest.h>
