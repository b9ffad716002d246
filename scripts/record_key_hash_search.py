#!/usr/bin/env python3
"""Finds a kKeyHashMultiplier for parsers/field_collector.cc's record-key perfect hash.

    scripts/record_key_hash_search.py [BITS]

Reads the names of kRecordKeys, hashes them as KeyHash does (first and last 8 bytes folded with
0x20, plus the length, times the multiplier, the top BITS bits: 10 by default) and prints the first
odd multiplier (seeded, so the same names give the same answer) under which no two names share a
slot. Run it after adding a name when the build fails with "two record keys share a slot".
"""
import re, random, sys
s=open(__import__('os').path.join(__import__('os').path.dirname(__file__), '..', 'parsers', 'field_collector.cc')).read()
start=s.index('kRecordKeys = {{'); end=s.index('}};', start)
names=re.findall(r'\{"([^"]+)", Key::', s[start:end])
M=(1<<64)-1
def parts(k):
    b=k.encode(); n=len(b); first=0; last=0
    for i in range(min(n,8)): first |= b[i] << (8*i)
    for i in range(min(n,8)): last |= b[n-1-i] << (8*(7-i))
    F=0x2020202020202020
    return ((first|F) + (last|F)*3 + n) & M
P=[parts(k) for k in names]
bits=int(sys.argv[1]) if len(sys.argv)>1 else 10
random.seed(7)
for t in range(2000000):
    m=random.getrandbits(64)|1
    seen=set(); ok=True
    for p in P:
        h=((p*m)&M)>>(64-bits)
        if h in seen: ok=False; break
        seen.add(h)
    if ok: print(hex(m), t, len(names)); break
