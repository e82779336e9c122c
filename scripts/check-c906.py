#!/usr/bin/env python3
"""Checks the C906 build's vector kernels against their RVV 1.0 twin, word by word.

The vector kernels (Sources/CRiscvKernels/riscv_kernels_vector.S) are one source with
two expansions: RVV 1.0 (.build-duo/babyllama-rvv, which QEMU runs and the tests check
against the goldens) and XTheadVector (.build-duo/babyllama-c906, for the C906, which
nothing here can run). This disassembles the kernel functions of both builds with the
objdump scripts/build-duo.sh builds from trixie's binutils and compares them instruction
by instruction through Sources/CRiscvKernels/riscv_vector_mapping.md, the table written
from the specifications:

  - a scalar instruction must be the same word in both builds (so the control flow,
    the registers and every branch offset are the twin's);
  - a vector instruction of the twin must match exactly one row's RVV 1.0 form and
    encoding; the C906 build must have, at the same address, that row's XTheadVector
    disassembly with the same operands, a word whose fixed bits are the row's
    XTheadVector encoding and whose operand fields equal the twin's;
  - the row's conditions hold: `sew=N` (vtype, followed through the control flow from
    each vsetvli, has SEW = N there), `lmul<=4`, `no-overlap` (a widening destination
    group overlaps no source group), `avl` (no vsetvli with rd = rs1 = x0), `low32`
    (the vmv.x.s result is next read by fcvt.s.w or fmv.w.x, which use its low 32 bits).

Then it shows the check is not vacuous: with C906_MAPPING_SWAP=vfmacc.vv,vfmul.vv (the
XTheadVector sides of two rows swapped) the same binaries must fail, and a copy of the
macro layer with one XTheadVector expansion wrong (th.vfredosum.vs, the ordered sum,
for vfredusum.vs) must fail too, assembled as objects beside the unmodified ones, which
must pass.

    scripts/check-c906.py                    build both binaries, compare, then the two failures
    scripts/check-c906.py --compare RVV TH   compare two ELF files (binaries or objects) only

Exits non-zero on any mismatch (or if a deliberate error is not caught).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
TABLE = os.path.join(ROOT, "Sources/CRiscvKernels/riscv_vector_mapping.md")
KERNEL_SOURCE = os.path.join(ROOT, "Sources/CRiscvKernels/riscv_kernels_vector.S")
MACROS = os.path.join(ROOT, "Sources/CRiscvKernels/riscv_vector_isa.h")
OBJDUMP = os.path.join(ROOT, ".build-duo/binutils/bin/riscv64-linux-gnu-objdump")
ASSEMBLER = os.path.join(ROOT, ".build-duo/binutils/bin/riscv64-linux-gnu-as")
FUNCTIONS = ["riscv_matvec_f32_vector", "riscv_matvec_q8_vector", "riscv_vector_probe"]
LINE = re.compile(r"^\s*([0-9a-f]+):\t([0-9a-f]+)\s*\t([^\t]+)(?:\t(.*))?$")
CONDITIONAL_BRANCHES = {"beq", "bne", "blt", "bge", "bltu", "bgeu", "c.beqz", "c.bnez"}


class Row:
    """One line of the mapping table."""

    def __init__(self, cells):
        self.macro, self.rvv, rvv_bits, self.th, th_bits, requires, _ = cells
        self.rvv_bits = rvv_bits.replace(" ", "")
        self.th_bits = th_bits.replace(" ", "")
        self.requires = {item.strip() for item in requires.split(",") if item.strip()}
        self.pattern = re.compile(
            "".join(f"(?P<{part[1:-1]}>[a-z0-9]+)" if part.startswith("{") else re.escape(part)
                    for part in re.split(r"(\{\w+\})", self.rvv)) + "$")
        for bits in (self.rvv_bits, self.th_bits):
            if len(bits) != 32 or set(bits) - set("01."):
                sys.exit(f"check-c906: {TABLE}: row {self.macro}: an encoding is not 32 bits of 0/1/.")
        if any(th == "." and rvv != "." for th, rvv in zip(self.th_bits, self.rvv_bits)):
            sys.exit(f"check-c906: {TABLE}: row {self.macro}: an XTheadVector operand field is fixed in RVV 1.0")

    @property
    def mnemonic(self):
        return self.rvv.split()[0]


def read_table():
    rows, in_table = [], False
    for line in open(TABLE):
        if line.startswith("## The table"):
            in_table = True
        elif in_table and line.startswith("| ") and not line.startswith("| macro"):
            rows.append(Row([cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]))
    if not rows:
        sys.exit(f"check-c906: no rows in {TABLE}")
    swap = os.environ.get("C906_MAPPING_SWAP")
    if swap:   # the deliberate error: two rows' XTheadVector sides exchanged
        first, second = ([row for row in rows if row.mnemonic == name] for name in swap.split(","))
        if len(first) != 1 or len(second) != 1:
            sys.exit(f"check-c906: C906_MAPPING_SWAP={swap}: name two RVV 1.0 mnemonics of one row each")
        a, b = first[0], second[0]
        a.th, b.th, a.th_bits, b.th_bits = b.th, a.th, b.th_bits, a.th_bits
        print(f"check-c906: C906_MAPPING_SWAP: the XTheadVector sides of {a.mnemonic} and {b.mnemonic} swapped")
    return rows


def disassemble(path, function):
    """[(address, word as int, size in bytes, 'mnemonic operands')] of one function."""
    result = subprocess.run([OBJDUMP, "-d", "-M", "no-aliases", f"--disassemble={function}", path],
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"check-c906: objdump {path}: {result.stderr.strip()}")
    instructions = []
    for line in result.stdout.splitlines():
        match = LINE.match(line)
        if match:
            address, word, mnemonic, operands = match.groups()
            operands = re.sub(r"\s*<[^>]*>$", "", operands or "").strip()   # the branch target's symbol
            instructions.append((int(address, 16), int(word, 16), len(word) // 2, f"{mnemonic} {operands}".strip()))
    if not instructions:
        sys.exit(f"check-c906: {path} has no function {function}")
    return instructions


def is_vector(word, size):
    """OP-V, or a LOAD-FP/STORE-FP whose width field is a vector one (0, 5, 6, 7)."""
    if size != 4:
        return False
    opcode, width = word & 0x7F, (word >> 12) & 7
    return opcode == 0x57 or (opcode in (0x07, 0x27) and width in (0, 5, 6, 7))


def fits(word, bits):
    return all(bit == "." or int(bit) == (word >> (31 - index)) & 1 for index, bit in enumerate(bits))


def operand_fields_equal(rvv_word, th_word, th_bits):
    return all((rvv_word >> (31 - i)) & 1 == (th_word >> (31 - i)) & 1 for i, bit in enumerate(th_bits) if bit == ".")


def successors(instructions, index, by_address):
    """Indices control can reach from instruction `index` (the twin's disassembly)."""
    address, _, _, text = instructions[index]
    mnemonic, _, operands = text.partition(" ")
    following = [index + 1] if index + 1 < len(instructions) else []
    target = operands.split(",")[-1]
    if mnemonic in CONDITIONAL_BRANCHES:
        return following + [by_address[int(target, 16)]]
    if mnemonic in ("jal", "c.j") and (mnemonic == "c.j" or operands.startswith("zero,")):
        return [by_address[int(target, 16)]]
    if mnemonic in ("jalr", "c.jr"):
        return []
    return following


def vtypes(instructions):
    """For each instruction, the (SEW, LMUL) pairs vtype can hold there (None: unset)."""
    by_address = {address: index for index, (address, _, _, _) in enumerate(instructions)}
    states = [set() for _ in instructions]
    states[0] = {None}
    work = [0]
    while work:
        index = work.pop()
        text = instructions[index][3]
        setting = re.match(r"vsetvli \w+,\w+,e(\d+),m(\d+),", text)
        out = {(int(setting.group(1)), int(setting.group(2)))} if setting else states[index]
        for successor in successors(instructions, index, by_address):
            if not out <= states[successor]:
                states[successor] |= out
                work.append(successor)
    return states


def check_requirements(row, fields, index, instructions, states):
    """The row's conditions at this instruction; returns the problems found."""
    problems = []
    state = states[index]
    for requirement in sorted(row.requires):
        if requirement.startswith("sew="):
            if not state or any(s is None or s[0] != int(requirement[4:]) for s in state):
                problems.append(f"needs SEW={requirement[4:]}, vtype can be {sorted(state, key=str)}")
        elif requirement == "lmul<=4":
            if not state or any(s is None or s[1] > 4 for s in state):
                problems.append(f"needs LMUL <= 4, vtype can be {sorted(state, key=str)}")
        elif requirement == "no-overlap":
            for s in state:
                lmul = s[1] if s else 8
                vd = int(fields["vd"][1:])
                for source in (fields["vs1"], fields["vs2"]):
                    vs = int(source[1:])
                    if vd < vs + lmul and vs < vd + 2 * lmul:
                        problems.append(f"widening destination v{vd} (x{2 * lmul}) overlaps source {source} (x{lmul})")
        elif requirement == "avl":
            if fields["rd"] == "zero" and fields["rs1"] == "zero":
                problems.append("vsetvli with rd = rs1 = x0 (keeps vl in RVV 1.0, sets VLMAX in 0.7.1)")
        elif requirement == "low32":
            register = fields["rd"]
            reader = next((text for _, _, _, text in instructions[index + 1:]
                           if re.search(rf"(^|[ ,(]){register}([,)]|$)", text.partition(" ")[2])), None)
            if reader is None or reader.split()[0] not in ("fcvt.s.w", "fmv.w.x"):
                problems.append(f"{register} is next read by '{reader}', not as a 32-bit value")
        else:
            problems.append(f"unknown requirement '{requirement}' in the table")
    return problems


def compare(rvv_path, th_path):
    """Compares the kernel functions of the two files; returns the number of problems."""
    rows = read_table()
    problems = 0
    used = {}
    for function in FUNCTIONS:
        twin, c906 = disassemble(rvv_path, function), disassemble(th_path, function)
        if len(twin) != len(c906):
            print(f"FAIL {function}: {len(twin)} instructions in the RVV 1.0 build, {len(c906)} in the C906 build")
            problems += 1
            continue
        states = vtypes(twin)
        vector_count, before = 0, problems
        for index, ((_, rvv_word, rvv_size, rvv_text), (_, th_word, th_size, th_text)) in enumerate(zip(twin, c906)):
            where = f"{function}+{twin[index][0] - twin[0][0]:#x}"
            if not is_vector(rvv_word, rvv_size):
                if (rvv_word, rvv_size) != (th_word, th_size):
                    print(f"FAIL {where}: scalar '{rvv_text}' ({rvv_word:08x}) vs '{th_text}' ({th_word:08x})")
                    problems += 1
                continue
            vector_count += 1
            matches = [(row, row.pattern.match(rvv_text)) for row in rows]
            matches = [(row, match) for row, match in matches if match]
            if len(matches) != 1:
                print(f"FAIL {where}: '{rvv_text}' matches {len(matches)} rows of the table (must be 1)")
                problems += 1
                continue
            row, match = matches[0]
            fields = match.groupdict()
            used[row.macro] = used.get(row.macro, 0) + 1
            expected = row.th.format(**fields)
            found = []
            if not fits(rvv_word, row.rvv_bits):
                found.append(f"the RVV 1.0 word {rvv_word:08x} is not {row.rvv_bits}")
            if th_text != expected:
                found.append(f"expected '{expected}', found '{th_text}'")
            if th_size != 4 or not fits(th_word, row.th_bits):
                found.append(f"the word {th_word:08x} is not the XTheadVector encoding {row.th_bits}")
            elif not operand_fields_equal(rvv_word, th_word, row.th_bits):
                found.append(f"operand fields differ: {rvv_word:08x} vs {th_word:08x}")
            found += check_requirements(row, fields, index, twin, states)
            for problem in found:
                print(f"FAIL {where}: {rvv_text} ({row.macro}): {problem}")
            problems += len(found)
        print(f"{'ok  ' if problems == before else 'FAIL'} {function}: {len(twin)} instructions, "
              f"{vector_count} vector ones through the table, {len(twin) - vector_count} scalar ones identical")
    print("table rows used: " + ", ".join(f"{macro} ×{count}" for macro, count in used.items()))
    return problems


def run(command, **keywords):
    return subprocess.run(command, cwd=ROOT, **keywords)


def assemble(directory, source):
    """The kernels' two expansions as objects, as scripts/build-duo.sh assembles them."""
    rvv, th = os.path.join(directory, "rvv.o"), os.path.join(directory, "c906.o")
    run(["riscv64-linux-gnu-gcc", "-march=rv64gcv", "-mabi=lp64d", "-DRISCV_KERNELS_RVV", "-c", source, "-o", rvv],
        check=True)
    run(["riscv64-linux-gnu-gcc", "-E", "-P", "-x", "assembler-with-cpp", "-DRISCV_KERNELS_XTHEADVECTOR", source,
         "-o", os.path.join(directory, "c906.s")], check=True)
    run([ASSEMBLER, "-march=rv64gc_xtheadvector", "-mabi=lp64d", os.path.join(directory, "c906.s"), "-o", th],
        check=True)
    return rvv, th


def compare_in_subprocess(rvv, th, environment=None):
    result = run([sys.executable, os.path.abspath(__file__), "--compare", rvv, th], capture_output=True, text=True,
                 env=dict(os.environ, **(environment or {})))
    return result.returncode, result.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--compare", nargs=2, metavar=("RVV_ELF", "C906_ELF"))
    options = parser.parse_args()
    if options.compare:
        sys.exit(1 if compare(*options.compare) else 0)

    for vector in ("rvv", "xtheadvector"):
        run(["bash", "scripts/build-duo.sh"], check=True, env=dict(os.environ, DUO_VECTOR=vector))
    twin, c906 = ".build-duo/babyllama-rvv.unstripped", ".build-duo/babyllama-c906.unstripped"
    print(f"== {twin} vs {c906}")
    failures = compare(os.path.join(ROOT, twin), os.path.join(ROOT, c906))

    print("== a wrong table must fail: C906_MAPPING_SWAP=vfmacc.vv,vfmul.vv")
    status, output = compare_in_subprocess(twin, c906, {"C906_MAPPING_SWAP": "vfmacc.vv,vfmul.vv"})
    caught = status == 1 and "expected 'th.vfmul.vv" in output and "expected 'th.vfmacc.vv" in output
    print(f"{'ok  ' if caught else 'FAIL'} the swapped rows are reported "
          f"({sum(line.startswith('FAIL') for line in output.splitlines())} mismatches)")
    failures += not caught

    print("== a wrong macro must fail: vfredusum.vs expanded to th.vfredosum.vs")
    with tempfile.TemporaryDirectory() as scratch:
        for name in (KERNEL_SOURCE, MACROS):
            shutil.copy(name, scratch)
        right = assemble(scratch, os.path.join(scratch, os.path.basename(KERNEL_SOURCE)))
        status, _ = compare_in_subprocess(*right)
        print(f"{'ok  ' if status == 0 else 'FAIL'} the unmodified source assembled as objects passes")
        failures += status != 0
        macros = os.path.join(scratch, os.path.basename(MACROS))
        text = open(macros).read()
        wrong = text.replace("th.vfredsum.vs vd, vs2, vs1", "th.vfredosum.vs vd, vs2, vs1")
        assert wrong != text, "the macro to break is not in riscv_vector_isa.h"
        open(macros, "w").write(wrong)
        broken = os.path.join(scratch, "broken")
        os.mkdir(broken)
        status, output = compare_in_subprocess(*assemble(broken, os.path.join(scratch, os.path.basename(KERNEL_SOURCE))))
        caught = status == 1 and "found 'th.vfredosum.vs" in output
        print(f"{'ok  ' if caught else 'FAIL'} the wrong expansion is reported "
              f"({sum(line.startswith('FAIL') for line in output.splitlines())} mismatches)")
        failures += not caught

    print("c906 check: all passed" if failures == 0 else "c906 check: FAILED")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
