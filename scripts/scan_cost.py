#!/usr/bin/env python3
# `privmon scan` as bench/macro_harness.cc row 2 starts it (2 shards, 1 parse thread, no metrics,
# no dead letter, alerts dropped), measuring what the harness does not split: CPU time per record
# by thread (the parse thread, each shard, the file source's read-ahead thread, the rest), sampled
# from /proc every 5 ms (a thread's last sample before it exits is kept, so up to 5 ms of a
# thread's end can be missed; the process total comes from wait4 and is exact). Repeats --reps
# times, alternating the binaries given, so that background load hits them alike: judge by CPU per
# record, not by the wall-clock rate (BENCHMARKS.md session 20, scan).
# usage: scripts/scan_cost.py INPUT PRIVMON [PRIVMON2 ...] [--reps N] [--shards N]
import argparse, os, tempfile, time

p = argparse.ArgumentParser()
p.add_argument("input")
p.add_argument("privmon", nargs="+")
p.add_argument("--reps", type=int, default=3)
p.add_argument("--shards", type=int, default=2)
p.add_argument("--tenant", default="00000000-0000-4000-8000-00000000beef")
a = p.parse_args()
d = tempfile.mkdtemp(prefix="scan_cost.")
cfg = os.path.join(d, "scan.yaml")
with open(cfg, "w") as f:
    f.write("pipeline: {shards: %d, parse_threads: 1}\nmetrics: {listen: off}\ndead_letter: {path: off}\n" % a.shards)
CLK = os.sysconf("SC_CLK_TCK")


def sample(pid, seen):
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return
    for t in tids:
        try:
            s = open("/proc/%d/task/%s/stat" % (pid, t)).read()
        except OSError:
            continue
        comm = s[s.index("(") + 1:s.rindex(")")]
        f = s[s.rindex(")") + 2:].split()
        seen[int(t)] = (comm, int(f[11]) / CLK, int(f[12]) / CLK)


def one_rusage(binary):
    # Popen.wait reaps the child; use os.posix_spawn + wait4 to keep its rusage.
    err = open(os.path.join(d, "scan.err"), "w")
    devnull = os.open(os.devnull, os.O_WRONLY)
    t0 = time.time()
    pid = os.posix_spawn(binary, [binary, "scan", "--quiet", "--config", cfg, "--tenant", a.tenant, a.input],
                         os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1),
                                                   (os.POSIX_SPAWN_DUP2, err.fileno(), 2)])
    seen = {}
    while True:
        r, status, ru = os.wait4(pid, os.WNOHANG)
        if r == pid:
            break
        sample(pid, seen)
        time.sleep(0.005)
    wall = time.time() - t0
    os.close(devnull)
    err.close()
    text = open(os.path.join(d, "scan.err")).read()
    n = 0
    for line in text.splitlines():
        if " messages, " in line and "records accepted" in line:
            w = line.replace(",", "").split()
            n = int(w[3]) + int(w[6])
    return wall, seen, n, ru.ru_utime + ru.ru_stime


results = {b: [] for b in a.privmon}
for r in range(a.reps):
    for b in a.privmon:
        load = open("/proc/loadavg").read().split()[0]
        wall, seen, n, total = one_rusage(b)
        n = max(n, 1)
        # The read-ahead thread is named privmon-read; the others are unnamed: the busiest is the
        # parse thread, the next --shards ones the shards.
        reads = [v for v in seen.values() if v[0] == "privmon-read"]
        rows = sorted((v for v in seen.values() if v[0] != "privmon-read"), key=lambda v: -(v[1] + v[2]))
        parse = rows[0] if rows else ("?", 0, 0)
        shards = rows[1:1 + a.shards]
        read = sum(v[1] + v[2] for v in reads)
        rest = total - sum(v[1] + v[2] for v in rows[:1 + a.shards]) - read
        line = "%s rep %d load %s: %d records, wall %.3f s (%.0f records/s), cpu us/record: total %.2f parse %.2f (usr %.2f sys %.2f)" % (
            b, r, load, n, wall, n / wall, total * 1e6 / n, (parse[1] + parse[2]) * 1e6 / n,
            parse[1] * 1e6 / n, parse[2] * 1e6 / n)
        for s in shards:
            line += " shard %.2f" % ((s[1] + s[2]) * 1e6 / n)
        line += " read-ahead %.2f rest %.2f (%d threads)" % (read * 1e6 / n, rest * 1e6 / n, len(seen))
        print(line, flush=True)
        results[b].append(((parse[1] + parse[2]) * 1e6 / n, total * 1e6 / n))
for b, v in results.items():
    ps = sorted(x[0] for x in v)
    ts = sorted(x[1] for x in v)
    print("%s median cpu us/record: parse thread %.2f, total %.2f" % (b, ps[len(ps) // 2], ts[len(ts) // 2]))
