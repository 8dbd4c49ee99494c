#!/usr/bin/env python3
# test_check_includes.py: the include check fails, naming the file and line, for each forbidden
# direction of the README's layout rules, and passes a tree that keeps them. Builds small src/
# trees in a temporary folder; never touches the real one.
#   usage: test_check_includes.py PATH/TO/check_includes.py
import os
import subprocess
import sys
import tempfile

checker = sys.argv[1]

# (folder, file, the offending line, what the message must name)
FORBIDDEN = [
    ("kernels", "gemm.cpp", '#include "engine/engine.h"', "kernels must not include engine"),
    ("kernels", "gemm.cpp", "#include <Eigen/Core>", "kernels must not include <Eigen/Core>"),
    ("kernels", "gemm.cpp", '#include "core/options.h"', "kernels must not include core"),
    ("core", "positions.h", '#include "engine/config.h"', "core must not include engine"),
    ("core", "norms.h", "#include <Eigen/Core>", "core must not include <Eigen/Core>"),
    ("nn", "attention.cpp", '#include "engine/config.h"', "nn must not include engine"),
    ("nn", "layers.h", "#include <Eigen/Core>", "nn must not include <Eigen/Core>"),
    ("engine", "forward.cpp", '#include "nn/layers.h"', "engine must not include nn"),
    ("engine", "forward.cpp", '#include "io/npy.h"', "engine must not include io"),
    ("engine", "stages/scores.cpp", '#include "lessons/presets.h"', "engine must not include lessons"),
    ("engine", "forward.cpp", '#include "imgui.h"', "engine must not include imgui.h"),
    ("engine", "forward.cpp", "#include <GLES3/gl3.h>", "engine must not include <GLES3/gl3.h>"),
    ("io", "npy.cpp", '#include "gfx/gfx.h"', "io must not include gfx"),
    ("io", "npy.cpp", '#include "app/app.h"', "io must not include app"),
    ("ui", "share.cpp", '#include "platform/platform.h"', "ui must not include platform"),
    ("platform", "platform.cpp", '#include "ui/ui.h"', "platform must not include ui"),
    ("platform", "platform.cpp", '#include "app/app.h"', "platform must not include app"),
    ("app", "app.cpp", '#include "imgui_impl_opengl3.h"', "only src/platform/ drives ImGui's"),
    ("ui", "share.cpp", "#ifdef __EMSCRIPTEN__", "__EMSCRIPTEN__ outside src/platform/"),
    ("ui", "share.cpp", '#include "app/app.h"', "ui must not include app"),
    ("ui", "stage.cpp", "  const App& a = app();", "a panel calls app()"),
    ("modes", "train.cpp", '#include "ui/ui.h"', "modes must not include ui"),
    ("modes", "model.cpp", '#include "platform/platform.h"', "modes must not include platform"),
    ("modes", "train.cpp", '#include "imgui.h"', "modes must not include imgui.h"),
    ("platform", "platform.cpp", '#include "modes/modes.h"', "platform must not include modes"),
]
ALLOWED = [
    ("engine", "forward.cpp", '#include "kernels/kernels.h"'),
    ("engine", "forward.cpp", '#include "core/positions.h"'),
    ("train", "model.cpp", '#include "core/norms.h"'),
    ("core", "norms.h", '#include "kernels/kernels.h"'),
    ("ui", "share.cpp", '#include "modes/host.h"'),
    ("ui", "stage.cpp", '#include "modes/modes.h"'),
    ("ui", "stage.cpp", "  Screen& sc = screen();  // not app()"),
    ("app", "app.cpp", '#include "ui/ui.h"'),
    ("app", "app.cpp", "  App& a = app();"),
    ("app", "main.cpp", '#include "platform/platform.h"'),
    ("io", "share_state.cpp", '#include "lessons/presets.h"'),
]


def run(tree_lines):
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "src")
        for folder, name, line in tree_lines:
            path = os.path.join(src, folder, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "a") as f:
                f.write("// a file\n#include <vector>\n" + line + "\n")
        p = subprocess.run([sys.executable, checker, src], capture_output=True, text=True)
        return p.returncode, p.stdout + p.stderr


failures = 0
code, out = run(ALLOWED)
if code != 0:
    print(f"FAIL: an allowed tree was refused:\n{out}")
    failures += 1
for folder, name, line, must in FORBIDDEN:
    code, out = run(ALLOWED + [(folder, name, line)])
    where = f"src/{folder}/{name}:"  # with the line number after it
    if code != 1 or must not in out or where not in out:
        print(f"FAIL: {line!r} in src/{folder}/{name}: exit {code}, expected 1 with {where!r} and {must!r}:\n{out}")
        failures += 1
print(f"{len(FORBIDDEN) + 1 - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
