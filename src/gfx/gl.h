// gl.h: the one GL include. GLES 3.0 natively, WebGL2 through emscripten: the same API.
#pragma once
#include <GLES3/gl3.h>
