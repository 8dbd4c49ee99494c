#!/usr/bin/python3
"""Every character the UI can draw has a glyph: each non-ASCII character in a string literal of
src/app, modes, ui, lessons, io and engine must be in one of the two embedded fonts (they borrow each other's glyphs)
and inside the glyph ranges app.cpp asks ImGui to load. Dear ImGui draws a missing glyph as '?',
which no other test would notice.
Usage: glyphs.py SOURCE_DIR UI_FONT NUMBER_FONT"""
import glob
import os
import re
import struct
import sys


def cmap_chars(path):
    """The code points a TrueType/OpenType font maps to a glyph (cmap formats 4 and 12)."""
    data = open(path, "rb").read()
    num_tables = struct.unpack_from(">H", data, 4)[0]
    tables = {}
    for i in range(num_tables):
        tag, _, off, _ = struct.unpack_from(">4sIII", data, 12 + 16 * i)
        tables[tag] = off
    cmap = tables[b"cmap"]
    subtables = {}
    for i in range(struct.unpack_from(">H", data, cmap + 2)[0]):
        plat, enc, off = struct.unpack_from(">HHI", data, cmap + 4 + 8 * i)
        subtables[(plat, enc)] = cmap + off
    chars = set()
    full = subtables.get((3, 10)) or subtables.get((0, 4)) or subtables.get((0, 6))
    if full is not None and struct.unpack_from(">H", data, full)[0] == 12:
        groups = struct.unpack_from(">I", data, full + 12)[0]
        for g in range(groups):
            start, end, _ = struct.unpack_from(">III", data, full + 16 + 12 * g)
            chars.update(range(start, end + 1))
        return chars
    bmp = subtables.get((3, 1)) or subtables.get((0, 3))
    if struct.unpack_from(">H", data, bmp)[0] != 4:
        raise SystemExit(f"{path}: no cmap subtable of format 4 or 12")
    seg = struct.unpack_from(">H", data, bmp + 6)[0] // 2
    ends = struct.unpack_from(f">{seg}H", data, bmp + 14)
    starts = struct.unpack_from(f">{seg}H", data, bmp + 16 + 2 * seg)
    deltas = struct.unpack_from(f">{seg}h", data, bmp + 16 + 4 * seg)
    ro_base = bmp + 16 + 6 * seg
    for i in range(seg):
        ro = struct.unpack_from(">H", data, ro_base + 2 * i)[0]
        for c in range(starts[i], ends[i] + 1):
            if c == 0xFFFF:
                continue
            if ro == 0:
                glyph = (c + deltas[i]) & 0xFFFF
            else:
                glyph = struct.unpack_from(">H", data, ro_base + 2 * i + ro + 2 * (c - starts[i]))[0]
                glyph = (glyph + deltas[i]) & 0xFFFF if glyph else 0
            if glyph:
                chars.add(c)
    return chars


def loaded_ranges(app_cpp):
    """ImGui's default ranges (Basic Latin + Latin-1) plus the `extra` pairs app.cpp adds."""
    text = open(app_cpp, encoding="utf-8").read()
    m = re.search(r"extra\[\]\s*=\s*\{([^}]*)\}", text)
    if not m:
        raise SystemExit(f"{app_cpp}: no `extra[] = {{...}}` glyph ranges found")
    nums = [int(x, 0) for x in re.findall(r"0x[0-9A-Fa-f]+|\b\d+\b", m.group(1))]
    nums = nums[: nums.index(0)] if 0 in nums else nums
    return [(0x20, 0xFF)] + list(zip(nums[0::2], nums[1::2]))


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    src, *fonts = sys.argv[1:]
    have = set().union(*(cmap_chars(f) for f in fonts))
    ranges = loaded_ranges(os.path.join(src, "src/app/app.cpp"))
    # every folder whose strings reach the screen
    files = sorted(f for d in ("app", "modes", "ui", "gfx", "lessons", "io", "engine", "engine/stages")
                   for f in glob.glob(os.path.join(src, "src", d, "*.cpp")) + glob.glob(os.path.join(src, "src", d, "*.h")))
    bad = []
    checked = 0
    for f in files:
        for ln, line in enumerate(open(f, encoding="utf-8"), 1):
            for lit in re.findall(r'"((?:[^"\\\n]|\\.)*)"', line):
                for ch in lit:
                    c = ord(ch)
                    if c < 128:
                        continue
                    checked += 1
                    in_font = c in have
                    in_range = any(a <= c <= b for a, b in ranges)
                    if not (in_font and in_range):
                        why = "no glyph in either font" if not in_font else "outside the glyph ranges app.cpp loads"
                        bad.append(f"{os.path.relpath(f, src)}:{ln}: '{ch}' (U+{c:04X}): {why}")
    for b in bad:
        print(b)
    print(f"{checked} non-ASCII characters in UI strings checked, {len(bad)} would be drawn as '?'")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
