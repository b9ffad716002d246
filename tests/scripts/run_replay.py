"""`privmon run` on a ZeroMQ PULL source fed by `privmon replay`: the run-and-replay path the
determinism and variation checks (determinism.py, variations.py) compare with `scan`."""
import os
import signal
import socket
import subprocess
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def zmq_source(port, args):
    """The `zmq` source on 127.0.0.1:PORT, with the tenant of a case's `--tenant` arg if any.
    Returns (source, tenant or None)."""
    src = {"endpoint": f"tcp://127.0.0.1:{port}", "bind": True}
    tenant = args[args.index("--tenant") + 1] if "--tenant" in args else None
    if tenant:
        src["tenant"] = tenant
        src["multi_tenant"] = True
    return src, tenant


def stop(run, timeout=60, terminate=True):
    """SIGTERM to a `privmon run` (or, TERMINATE false, none: it ends by itself), killed if it
    has not ended within TIMEOUT s: its stderr."""
    if terminate:
        run.send_signal(signal.SIGTERM)
    try:
        _, err = run.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        run.kill()
        _, err = run.communicate()
    return err


def run_fed_by_replay(privmon, cfg_path, input_path, port, tenant, cwd, sink, quiet=False):
    """Starts `privmon run --config CFG_PATH` (whose source listens on PORT and whose file sink is
    SINK), replays INPUT_PATH into it, stops it with SIGTERM. Returns (the sink's text, None), or
    (None, why) when replay or run failed."""
    if os.path.exists(sink):
        os.unlink(sink)
    run = subprocess.Popen([privmon, "run", "--config", cfg_path], cwd=cwd,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        rep = subprocess.run([privmon, "replay", input_path, "--to", f"tcp://127.0.0.1:{port}",
                              "--peer-wait", "10"] + (["-q"] if quiet else [])
                             + (["--tenant", tenant] if tenant else []),
                             capture_output=True, cwd=cwd, timeout=120)
        if rep.returncode != 0:
            return None, f"replay exit {rep.returncode}: {rep.stderr.decode(errors='replace')[-300:]}"
        time.sleep(0.3)
    finally:
        err = stop(run)
    if run.returncode != 0:
        return None, f"run exit {run.returncode}: {err.decode(errors='replace')[-400:]}"
    with open(sink) as f:
        return f.read(), None
