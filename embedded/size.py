#!/usr/bin/env python3
"""Flash bytes of an ARM ELF image: its allocated sections that are not RAM-only
(.vector_table, .text, .rodata and .data's initial values), summed. Needs nothing but
Python: no binutils on the machine. Usage: size.py FIRMWARE_ELF"""
import struct
import sys

SHF_ALLOC = 0x2
SHT_NOBITS = 8


def flash_sections(path):
    with open(path, "rb") as f:
        elf = f.read()
    if elf[:4] != b"\x7fELF" or elf[4] != 1:
        sys.exit(f"{path}: not a 32-bit ELF file")
    shoff, = struct.unpack_from("<I", elf, 0x20)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", elf, 0x2E)
    headers = [struct.unpack_from("<IIIIIIIIII", elf, shoff + i * shentsize) for i in range(shnum)]
    names_at = headers[shstrndx][4]
    out = {}
    for name, kind, flags, _addr, _off, size, *_ in headers:
        label = elf[names_at + name:elf.index(b"\0", names_at + name)].decode()
        # Allocated and with contents in the image (.bss and .uninit are RAM only).
        if flags & SHF_ALLOC and kind != SHT_NOBITS and size:
            out[label] = size
    return out


if __name__ == "__main__":
    sections = flash_sections(sys.argv[1])
    for label, size in sections.items():
        print(f"{label:16} {size:8}")
    print(f"flash_bytes {sum(sections.values())}")
