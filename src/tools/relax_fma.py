#!/usr/bin/env python3
"""relax_fma.py: gives a linked emscripten module the final opcode of relaxed SIMD's fused multiply-add.

Why: Debian's emscripten (clang 14, binaryen 108) only knows relaxed SIMD's prototype encoding:
clang 14 compiles __builtin_wasm_fma_f32x4 to `f32x4.relaxed_fma` = 0xfd 0xaf 0x01, and binaryen
108 links and optimizes it, but today's engines only accept the final `f32x4.relaxed_madd` =
0xfd 0x85 0x02 (same operands, same a * b + c). Both are three bytes (the prefix and a two-byte
LEB128), so the rewrite is in place: no size, offset or section changes anywhere.

The code section is decoded instruction by instruction (every immediate of MVP, sign extension,
saturating truncation, bulk memory, reference types, SIMD, threads, exceptions), so only real opcodes are
rewritten, never bytes of a constant that happen to look like one. The other prototype relaxed
opcodes (fms, laneselect, min/max, trunc, swizzle, dot) are refused: we emit none of them.
  python3 src/tools/relax_fma.py IN.wasm OUT.wasm      prints how many it rewrote"""
import sys

OLD_FMA = 0xAF   # f32x4.relaxed_fma, prototype (after the 0xfd prefix)
NEW_FMA = 0x105  # f32x4.relaxed_madd, final
# prototype opcodes of relaxed SIMD we do not translate: meeting one is an error, not a silent pass
# (LLVM 14's numbering: swizzle, trunc x4, fms, f64x2 fma/fms, laneselect x4, min/max x4; all unassigned
# in final SIMD128), nor any opcode from 0x100 on (final relaxed SIMD, which clang 14 cannot emit)
PROTOTYPE_OTHERS = {0xA2, 0xA5, 0xA6, 0xC5, 0xC6, 0xB0, 0xCF, 0xD0, 0xB2, 0xB3, 0xD2, 0xD3, 0xB4, 0xE2, 0xD4, 0xEE}


class Bad(Exception):
    pass


def uleb(b, p):
    r = s = 0
    while True:
        x = b[p]
        p += 1
        r |= (x & 0x7F) << s
        s += 7
        if not x & 0x80:
            return r, p


def skip_leb(b, p):
    while b[p] & 0x80:
        p += 1
    return p + 1


def memarg(b, p):
    return skip_leb(b, skip_leb(b, p))


# MVP opcodes by immediate: (set of opcodes, how to skip the immediate)
# (exception handling, as -fwasm-exceptions emits it: try 0x06 takes a block type, catch 0x07, throw
# 0x08, rethrow 0x09 and delegate 0x18 an index, catch_all 0x19 nothing)
NO_IMM = set(range(0x45, 0xC5)) | {0x00, 0x01, 0x05, 0x0B, 0x0F, 0x19, 0x1A, 0x1B, 0xD1}
LEB1 = {0x07, 0x08, 0x09, 0x0C, 0x0D, 0x10, 0x18, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0xD2}
MEM = set(range(0x28, 0x3F))


def skip_block_type(b, p):
    # 0x40 (empty), a value type (one byte, 0x6f..0x7f), or a type index as s33 LEB
    if b[p] == 0x40 or 0x6F <= b[p] <= 0x7F:
        return p + 1
    return skip_leb(b, p)


def rewrite_body(b, p, end, hits):
    """walks the instructions of one function body in b[p:end], rewriting prototype FMAs in place"""
    while p < end:
        op = b[p]
        p += 1
        if op in NO_IMM:
            continue
        if op in (0x02, 0x03, 0x04, 0x06):
            p = skip_block_type(b, p)
        elif op in LEB1:
            p = skip_leb(b, p)
        elif op == 0x0E:  # br_table: vec(label) label
            n, p = uleb(b, p)
            for _ in range(n + 1):
                p = skip_leb(b, p)
        elif op == 0x11:  # call_indirect type table
            p = skip_leb(b, skip_leb(b, p))
        elif op == 0x1C:  # select t*
            n, p = uleb(b, p)
            p += n
        elif op in MEM:
            p = memarg(b, p)
        elif op in (0x3F, 0x40):  # memory.size / grow: memory index
            p = skip_leb(b, p)
        elif op in (0x41, 0x42):  # i32.const / i64.const
            p = skip_leb(b, p)
        elif op == 0x43:
            p += 4
        elif op == 0x44:
            p += 8
        elif op == 0xD0:  # ref.null t
            p += 1
        elif op == 0xFC:
            sub, p = uleb(b, p)
            if sub <= 7:
                pass
            elif sub == 8:  # memory.init data mem
                p = skip_leb(b, p) + 1
            elif sub in (9, 13, 15, 16, 17):
                p = skip_leb(b, p)
            elif sub == 10:
                p += 2
            elif sub == 11:
                p += 1
            elif sub in (12, 14):
                p = skip_leb(b, skip_leb(b, p))
            else:
                raise Bad("unknown 0xfc opcode %d at byte %d" % (sub, p))
        elif op == 0xFD:
            at = p
            sub, p = uleb(b, p)
            if sub == OLD_FMA:
                if p - at != 2:
                    raise Bad("prototype fma with a %d-byte opcode at byte %d" % (p - at, at))
                b[at], b[at + 1] = 0x80 | (NEW_FMA & 0x7F), NEW_FMA >> 7
                hits.append(at - 1)
            elif sub in PROTOTYPE_OTHERS or sub >= 0x100:
                raise Bad("prototype relaxed-SIMD opcode 0x%x at byte %d: not translated" % (sub, at))
            elif sub <= 11 or sub in (92, 93):  # v128 loads/stores: memarg
                p = memarg(b, p)
            elif sub in (12, 13):  # v128.const, i8x16.shuffle
                p += 16
            elif 21 <= sub <= 34:  # extract/replace lane
                p += 1
            elif 84 <= sub <= 91:  # load/store lane: memarg lane
                p = memarg(b, p) + 1
        elif op == 0xFE:
            sub, p = uleb(b, p)
            if sub == 3:  # atomic.fence
                p += 1
            else:
                p = memarg(b, p)
        else:
            raise Bad("unknown opcode 0x%02x at byte %d" % (op, p - 1))
    if p != end:
        raise Bad("function body overran its size at byte %d" % end)


def rewrite(b):
    if b[:8] != b"\0asm\x01\0\0\0":
        raise Bad("not a WebAssembly module (version 1)")
    hits = []
    p = 8
    while p < len(b):
        sid = b[p]
        size, q = uleb(b, p + 1)
        end = q + size
        if sid == 10:  # code
            n, q = uleb(b, q)
            for _ in range(n):
                fsize, q = uleb(b, q)
                fend = q + fsize
                groups, r = uleb(b, q)
                for _ in range(groups):
                    r = skip_leb(b, r) + 1  # count, value type
                rewrite_body(b, r, fend, hits)
                q = fend
        p = end
    return hits


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    b = bytearray(open(sys.argv[1], "rb").read())
    try:
        hits = rewrite(b)
    except (Bad, IndexError) as e:
        sys.exit("relax_fma: %s: %s" % (sys.argv[1], e if str(e) else "truncated module"))
    if not hits:
        sys.exit("relax_fma: %s holds no prototype fma (was it compiled with -mrelaxed-simd?)" % sys.argv[1])
    open(sys.argv[2], "wb").write(b)
    print("relax_fma: %d fused multiply-adds rewritten in %s" % (len(hits), sys.argv[2]))


if __name__ == "__main__":
    main()
