#!/usr/bin/env python3
# check_includes.py: the layout's dependency rules, enforced. Reads every #include under src/
# and fails, naming the file and line, on any include that points a forbidden way.
#   usage: check_includes.py SRC_DIR        (exit 0: clean, 1: violations, 2: bad usage)
# The rules are the README's "Layout" section; keep the two in step.
import os
import re
import sys

# Folder -> project folders it must not include. A folder may always include itself.
FORBIDDEN = {
    "kernels":  {"text", "core", "engine", "nn", "models", "train", "io", "lessons", "gfx", "modes", "ui", "app", "platform", "cli"},
    "core":     {"text", "engine", "nn", "models", "train", "io", "lessons", "gfx", "modes", "ui", "app", "platform", "cli"},
    "engine":   {"text", "nn", "models", "train", "io", "lessons", "gfx", "modes", "ui", "app", "platform", "cli"},
    "nn":       {"text", "engine", "models", "train", "io", "lessons", "gfx", "modes", "ui", "app", "platform", "cli"},
    "train":    {"text", "models", "io", "lessons", "gfx", "modes", "ui", "app", "platform", "cli"},
    "io":       {"text", "models", "gfx", "modes", "ui", "app", "platform", "cli"},
    "lessons":  {"text", "models", "io", "gfx", "modes", "ui", "app", "platform", "cli"},
    "text":     {"core", "engine", "nn", "train", "lessons", "models", "gfx", "modes", "ui", "app", "platform", "cli"},
    "models":   {"engine", "train", "lessons", "gfx", "modes", "ui", "app", "platform", "cli"},
    "gfx":      {"text", "nn", "models", "train", "io", "lessons", "modes", "ui", "app", "platform", "cli"},
    # the modes' state and what they do: no drawing, no platform (they ask through modes/host.h)
    "modes":    {"ui", "app", "platform", "cli"},
    # the panels draw a mode's state and change it through the modes' functions; the frame is not theirs
    "ui":       {"app", "platform", "cli"},
    "app":      {"cli"},
    "platform": {"modes", "ui", "app", "cli"},
    "cli":      {"gfx", "modes", "ui", "app", "platform"},
}
PROJECT = set(FORBIDDEN)
# headers the build generates (no folder in their name), and the one folder that includes each
GENERATED = {"shaders.h": "gfx", "unicode_ranges.inc": "text"}

# Angle-bracket headers: the kernels may use the C++ standard library and compiler intrinsics only;
# engine, io and lessons add Eigen; nothing below the UI may touch ImGui, GL, GLFW or emscripten.
STD = {
    "algorithm", "array", "atomic", "cassert", "cctype", "cerrno", "cfloat", "chrono", "climits", "cmath",
    "condition_variable", "csignal", "cstddef", "cstdint", "cstdio", "cstdlib", "cstring", "deque", "exception",
    "filesystem", "fstream", "functional", "initializer_list", "iomanip", "iostream", "iterator", "limits", "map",
    "memory", "mutex", "new", "queue", "numeric", "optional", "ostream", "random", "set", "sstream", "stdexcept",
    "string", "string_view", "thread", "tuple", "type_traits", "unordered_map", "unordered_set", "utility", "vector",
}
INTRINSICS = {"wasm_simd128.h", "immintrin.h", "emmintrin.h", "xmmintrin.h"}
UI_ONLY = re.compile(r"^(imgui|GLFW/|GLES|emscripten|EGL/|GL/)")


def angle_allowed(folder, header):
    if folder == "kernels":
        return header in STD or header in INTRINSICS
    if folder in ("core", "nn"):
        return header in STD  # no Eigen: built with the kernels' instruction set (the trained model's, nn's)
    if folder == "io" and header in ("fcntl.h", "sys/mman.h", "sys/stat.h", "unistd.h"):
        return True  # files.cpp maps a checkpoint's weights (POSIX mmap; emscripten reads instead)
    if folder == "cli" and header == "unistd.h":
        return True  # the CLI is native only: isatty() decides how progress is drawn
    if folder == "text":
        return header in STD  # tokenizers: plain C++ (JSON through io/json.h)
    if folder in ("engine", "train", "io", "lessons", "models", "cli"):
        return header in STD or header.startswith("Eigen/")
    if folder == "gfx":
        return not header.startswith("imgui") and not header.startswith("emscripten")
    if folder == "ui":
        return not header.startswith("emscripten") and not header.startswith("GLFW/")
    return True


def check(src):
    problems = []
    for root, _, files in os.walk(src):
        rel_root = os.path.relpath(root, src)
        folder = rel_root.split(os.sep)[0]
        if folder not in PROJECT:
            continue  # build helpers (cmake/, tools/) hold no C++
        for name in sorted(files):
            if not name.endswith((".h", ".cpp")):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, os.path.dirname(src.rstrip("/")))
            with open(path, encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    if folder != "platform" and re.match(r"\s*#\s*(if|ifdef|ifndef|elif)\b.*__EMSCRIPTEN__", line):
                        problems.append(f"{rel}:{n}: #if on __EMSCRIPTEN__ outside src/platform/ "
                                        "(the platform layer is the only place that knows it is on the web)")
                    if folder == "ui" and re.search(r"(?<![\w.:>])app\(\)", line.split("//")[0]):
                        problems.append(f"{rel}:{n}: a panel calls app() (the whole App); "
                                        "it gets the state of the mode it draws as an argument")
                    m = re.match(r'\s*#\s*include\s*([<"])([^>"]+)[>"]', line)
                    if not m:
                        continue
                    kind, header = m.groups()
                    if kind == '"' and header.startswith("imgui"):
                        if folder not in ("ui", "app", "platform"):
                            problems.append(f"{rel}:{n}: {folder} must not include {header} (ImGui is for ui, app and platform)")
                        elif header.startswith("imgui_impl_") and folder != "platform":
                            problems.append(f"{rel}:{n}: only src/platform/ drives ImGui's GLFW and GL backends "
                                            f"(#include \"{header}\")")
                        continue
                    if kind == '"':
                        target = header.split("/")[0] if "/" in header else None
                        if target is None:
                            # files the build generates, each for one folder
                            owner = GENERATED.get(header)
                            if owner is None:
                                problems.append(f"{rel}:{n}: #include \"{header}\" names no folder "
                                                f"(write \"FOLDER/{header}\" so the direction can be checked)")
                            elif folder != owner:
                                problems.append(f"{rel}:{n}: only src/{owner}/ includes the generated {header}")
                            continue
                        if target in FORBIDDEN[folder]:
                            problems.append(f"{rel}:{n}: {folder} must not include {target} "
                                            f"(#include \"{header}\"); see the README's layout rules")
                        elif target not in PROJECT and not UI_ONLY.match(header):
                            problems.append(f"{rel}:{n}: #include \"{header}\": unknown folder '{target}'")
                        elif UI_ONLY.match(header) and folder in ("kernels", "engine", "io", "lessons", "cli"):
                            problems.append(f"{rel}:{n}: {folder} must not include {header}")
                    elif not angle_allowed(folder, header):
                        problems.append(f"{rel}:{n}: {folder} must not include <{header}> "
                                        "(kernels: standard library and intrinsics; engine, io, lessons, cli: "
                                        "also Eigen; only ui, app and platform see ImGui, GLFW or emscripten)")
    return problems


def main():
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        print("usage: check_includes.py SRC_DIR", file=sys.stderr)
        return 2
    problems = check(sys.argv[1])
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} include(s) break the layout rules", file=sys.stderr)
        return 1
    print("include directions: all clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
