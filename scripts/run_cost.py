#!/usr/bin/env python3
# One `privmon run` fed by `privmon replay` over ZeroMQ TCP, as bench/macro_harness.cc rows 3 and 4
# start them (2 shards, 1 parse thread, no sinks, metrics scraped every 20 ms), measuring what the
# harness does not split: privmon's CPU time per record by thread (ZeroMQ's I/O thread, the parse
# thread, the shards, the metrics server's civetweb threads), voluntary and involuntary context
# switches per record, and, optionally, a `perf record -g` profile, system calls counted with
# `perf record -e raw_syscalls:sys_enter`, glibc tunables for the run only, and idle CPU before
# the replay (BENCHMARKS.md session 14, run path). Needs an input from `privmon gen`.
# usage: scripts/run_cost.py PRIVMON [--replay PRIVMON2] [--rate N] [--records N] [--input F] [--perf-record OUT]
#        [--syscalls OUT] [--tunables T] [--idle SECONDS] [--label L]
import argparse, os, socket, subprocess, sys, time, urllib.request

p = argparse.ArgumentParser()
p.add_argument("privmon")
p.add_argument("--rate", type=int, default=0)
p.add_argument("--records", type=int, default=200000)
p.add_argument("--input", default="/tmp/runcost/input.ndjson")
p.add_argument("--dir", default="/tmp/runcost/w")
p.add_argument("--perf-stat", action="store_true")
p.add_argument("--perf-record", default="")
p.add_argument("--syscalls", default="")
p.add_argument("--tunables", default="")
p.add_argument("--label", default="")
p.add_argument("--idle", type=float, default=0)
p.add_argument("--replay", default="", help="privmon binary whose replay feeds the run (default: PRIVMON)")
a = p.parse_args()
os.makedirs(a.dir, exist_ok=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


zport, mport = free_port(), free_port()
cfg = os.path.join(a.dir, "run.yaml")
with open(cfg, "w") as f:
    f.write("pipeline: {shards: 2, parse_threads: 1}\nsources:\n  - zmq: {endpoint: \"tcp://127.0.0.1:%d\", bind: true, name: bench, multi_tenant: true}\nsinks: []\nmetrics: {listen: \"127.0.0.1:%d\"}\ndead_letter: {path: off}\n" % (zport, mport))
env = dict(os.environ)
if a.tunables:
    env["GLIBC_TUNABLES"] = a.tunables
run = subprocess.Popen([a.privmon, "run", "--config", cfg], stdout=subprocess.DEVNULL, env=env,
                       stderr=open(os.path.join(a.dir, "run.err"), "w"))


def scrape():
    try:
        return urllib.request.urlopen("http://127.0.0.1:%d/metrics" % mport, timeout=2).read().decode()
    except Exception:
        return ""


def summed(m, name):
    t = 0.0
    for line in m.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            t += float(line.rsplit(" ", 1)[1])
    return t


def buckets(m, name):
    out = {}
    for line in m.splitlines():
        if line.startswith(name + "_bucket{"):
            le = line.split('le="')[1].split('"')[0]
            le = float("inf") if le == "+Inf" else float(le)
            out[le] = out.get(le, 0) + float(line.rsplit(" ", 1)[1])
    return out


def quantile(b, q):
    keys = sorted(b)
    total = b[keys[-1]]
    prev_le, prev_c = 0.0, 0.0
    for k in keys:
        if b[k] >= q * total:
            if k == float("inf"):
                return prev_le
            return prev_le + (k - prev_le) * (q * total - prev_c) / max(b[k] - prev_c, 1e-9)
        prev_le, prev_c = k, b[k]
    return prev_le


CLK = os.sysconf("SC_CLK_TCK")


def threads(pid):
    out = {}
    for t in os.listdir("/proc/%d/task" % pid):
        try:
            s = open("/proc/%d/task/%s/stat" % (pid, t)).read()
            comm = s[s.index("(") + 1:s.rindex(")")]
            f = s[s.rindex(")") + 2:].split()
            st = open("/proc/%d/task/%s/status" % (pid, t)).read()
            vcs = int(st.split("voluntary_ctxt_switches:")[1].split()[0])
            nvcs = int(st.split("nonvoluntary_ctxt_switches:")[1].split()[0])
            out[int(t)] = (comm, (int(f[11]) + int(f[12])) / CLK, int(f[11]) / CLK, int(f[12]) / CLK, vcs, nvcs, int(f[7]))
        except Exception:
            pass
    return out


def process_cpu(pid):
    f = open("/proc/%d/stat" % pid).read()
    f = f[f.rindex(")") + 2:].split()
    return ((int(f[11]) + int(f[12])) / CLK, int(f[11]) / CLK, int(f[12]) / CLK, int(f[7]))


for _ in range(500):
    if scrape():
        break
    time.sleep(0.02)
if a.idle > 0:
    t0 = threads(run.pid)
    time.sleep(a.idle)
    t1 = threads(run.pid)
    cpu = sum(v[1] for v in t1.values()) - sum(v[1] for v in t0.values())
    print("idle %.1f s: cpu %.3f s = %.2f%% of a core" % (a.idle, cpu, 100 * cpu / a.idle))
base = threads(run.pid)
perf = None
if a.perf_stat:
    perf = subprocess.Popen(["perf", "stat", "-e", "task-clock,context-switches,cpu-migrations,page-faults",
                             "-p", str(run.pid), "-o", os.path.join(a.dir, "perf-stat.txt")])
elif a.syscalls:
    perf = subprocess.Popen(["perf", "record", "-e", "raw_syscalls:sys_enter", "-o", a.syscalls, "-p", str(run.pid)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
elif a.perf_record:
    perf = subprocess.Popen(["perf", "record", "-g", "-F", "2000", "-o", a.perf_record, "-p", str(run.pid)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
argv = [a.replay or a.privmon, "replay", "--quiet", "--to", "tcp://127.0.0.1:%d" % zport, "--tenant",
        "00000000-0000-4000-8000-00000000beef"]
if a.rate:
    argv += ["--rate", str(a.rate)]
argv.append(a.input)
rp = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=open(os.path.join(a.dir, "replay.err"), "w"))
first, first_at = 0, 0
deadline = time.time() + 300
while True:
    time.sleep(0.02)
    m = scrape()
    n = summed(m, "privmon_events_total") + summed(m, "privmon_events_rejected_total")
    now = time.time()
    if n > 0 and first == 0:
        first, first_at = n, now
        rp_first = process_cpu(rp.pid)
    if n >= a.records:
        break
    if now > deadline:
        print("timeout at", n)
        break
end = threads(run.pid)
if perf:
    perf.send_signal(2)
    perf.wait()
rate = (n - first) / (now - first_at)
cpu = sum(v[1] for v in end.values()) - sum(v[1] for k, v in base.items() if k in end)
ctx = sum(v[4] + v[5] for v in end.values()) - sum(v[4] + v[5] for k, v in base.items() if k in end)
b = buckets(m, "privmon_event_latency_seconds")
load = open("/proc/loadavg").read().split()[0]
groups = {}
for k in end:
    v = end[k]
    bv = base.get(k, (v[0], 0, 0, 0, 0, 0, 0))
    g = "io" if v[0].startswith("ZMQ") else ("web" if v[0].startswith("civet") else "pm")
    groups.setdefault(g, []).append((v[1] - bv[1]) * 1e6 / a.records)
pm = sorted(groups.get("pm", []), reverse=True)
grp = " io=%.2f parse=%.2f shards=%.2f web=%.2f other=%.2f" % (sum(groups.get("io", [])), pm[0] if pm else 0, sum(pm[1:3]), sum(groups.get("web", [])), sum(pm[3:]))
print("%s rate=%d records/s=%.0f cpu_us/rec=%.2f ctxsw/rec=%.3f p50=%.0f p99=%.0f p999=%.0f us load=%s" % (
    a.label, a.rate, rate, cpu * 1e6 / a.records, ctx / a.records, quantile(b, .5) * 1e6, quantile(b, .99) * 1e6,
    quantile(b, .999) * 1e6, load) + grp)
for k in sorted(end):
    v = end[k]
    bv = base.get(k, (v[0], 0, 0, 0, 0, 0, 0))
    d = v[1] - bv[1]
    if d > 0.005 or v[4] - bv[4] > 100:
        print("   tid %d %-14s cpu %.2f us/rec (usr %.2f sys %.2f) vcs/rec %.3f nvcs/rec %.3f minflt/rec %.3f" % (
            k, v[0], d * 1e6 / a.records, (v[2] - bv[2]) * 1e6 / a.records, (v[3] - bv[3]) * 1e6 / a.records,
            (v[4] - bv[4]) / a.records, (v[5] - bv[5]) / a.records, (v[6] - bv[6]) / a.records))
# The replay's CPU while it sends: its whole process (exited threads included) from privmon's first
# record to its own exit, its start-up (reading the whole input) excluded; per record privmon counted.
_, _, ru = os.wait4(rp.pid, 0)
sent = max(n - first, 1)
rp_cpu = ru.ru_utime + ru.ru_stime - rp_first[0]
print("   replay cpu_us/rec=%.2f (usr %.2f sys %.2f; whole process while sending) minflt/rec %.3f" % (
    rp_cpu * 1e6 / sent, (ru.ru_utime - rp_first[1]) * 1e6 / sent, (ru.ru_stime - rp_first[2]) * 1e6 / sent,
    (ru.ru_minflt - rp_first[3]) / sent))
run.terminate()
run.wait()
if a.perf_stat:
    print(open(os.path.join(a.dir, "perf-stat.txt")).read())
