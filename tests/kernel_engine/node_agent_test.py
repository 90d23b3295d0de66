#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""sockshim agent --engine bpf on this host, with a runtime of the test's own:
bundles written into a state directory as containerd writes them, one cgroup
v2 directory per container below a pods' parent of the test's own. A probe
in each container's cgroup connects over loopback and reads its socket back:
no annotation gets the default config, io.sockshim.config its named config,
sockshim.io/tune: "false" the kernel's defaults, a config the kernel engine
cannot do is refused in one line (the kernel's defaults). All of it from one
engine at the parent: containers are mapped to its config slots by cgroup
id, none gets an engine of its own. A removed bundle's container gets the
default again; at start, an engine whose cgroup is gone is unpinned; SIGTERM
stops the agent with status 0, and a restarted agent takes the engine over:
the containers present keep their configs, the entry of one removed while
no agent ran is removed. The default config has nothing for UDP, so the
engine starts without its UDP hooks: a container whose config has UDP
options gets them attached, and its UDP sockets their buffers.
Exits 77 (skipped) where the kernel engine cannot run.

    node_agent_test.py SOCKSHIM_COMMAND
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sockshim = sys.argv[1]
SKIP = 77
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print(f"FAIL: {message}", flush=True)


doctor = subprocess.run([sockshim, "doctor"], capture_output=True, text=True)
if os.geteuid() != 0 or "can run here" not in doctor.stdout:
    print("skipped: the kernel engine cannot run here (sockshim doctor)")
    sys.exit(SKIP)

with open("/proc/self/mountinfo") as f:
    mounts = [line.split(" - ")[0].split()[4] for line in f if " - cgroup2 " in line]
mount = "/sys/fs/cgroup" if "/sys/fs/cgroup" in mounts else mounts[0]
parent = f"{mount}/sockshim-node-agent-test-{os.getpid()}"
work = tempfile.mkdtemp(prefix="sockshim-node-agent.")
state = os.path.join(work, "state")
os.makedirs(os.path.join(state, "k8s.io"))
with open(os.path.join(work, "default.toml"), "w") as f:
    f.write('keepalive = { idle = "41s", interval = "7s", count = 3 }\n')
with open(os.path.join(work, "database.toml"), "w") as f:
    f.write('keepalive = { idle = "23s", interval = "5s", count = 4 }\n')
with open("/proc/sys/net/ipv4/tcp_keepalive_time") as f:
    kernel_idle = int(f.read())
with open("/proc/sys/net/ipv4/tcp_keepalive_intvl") as f:
    kernel_interval = int(f.read())
with open("/proc/sys/net/ipv4/tcp_keepalive_probes") as f:
    kernel_count = int(f.read())
kernel_defaults = (0, kernel_idle, kernel_interval, kernel_count)

containers = {  # id -> (annotations, expected (keepalive, idle, interval, count))
    "c-default": ({}, (1, 41, 7, 3)),
    "c-database": ({"io.sockshim.config": "database"}, (1, 23, 5, 4)),
    "c-opted-out": ({"sockshim.io/tune": "false"}, kernel_defaults),
    "c-refused": ({"io.sockshim.config-toml": 'socket.linger = "5s"\n'}, kernel_defaults),
    "c-database-2": ({"io.sockshim.config": "database"}, (1, 23, 5, 4)),
    "c-inline": ({"io.sockshim.config-toml": 'keepalive = { idle = "29s" }\n'}, (1, 29, kernel_interval, kernel_count)),
    "c-udp": ({"io.sockshim.config-toml": '[[rule]]\nmatch = { protocol = "udp" }\nbuffers.receive = "96KiB"\n'},
              kernel_defaults),
}
default_values = containers["c-default"][1]
for container in containers:
    os.makedirs(f"{parent}/pod1/{container}")
os.makedirs(f"{parent}/pod1/sandbox")

PROBE = ("import socket; l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen(); s = socket.socket(); "
         "s.connect(l.getsockname()); o = s.getsockopt; "
         "print(o(socket.SOL_SOCKET, socket.SO_KEEPALIVE), o(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE), "
         "o(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL), o(socket.IPPROTO_TCP, socket.TCP_KEEPCNT))")


UDP_PROBE = ("import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect(('127.0.0.1', 9)); "
             "print(s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))")


def probe(container, script=PROBE):
    """What a socket made in container's cgroup reads back."""
    def join():
        with open(f"{parent}/pod1/{container}/cgroup.procs", "w") as f:
            f.write("0")
    out = subprocess.run([sys.executable, "-c", script], preexec_fn=join, capture_output=True, text=True, timeout=30)
    return tuple(int(v) for v in out.stdout.split()) if out.returncode == 0 else out.stderr


def hooks_at_parent():
    """The engine's programs attached at the parent, as bpftool lists them (None without bpftool)."""
    bpftool = shutil.which("bpftool")
    if not bpftool:
        return None
    return subprocess.run([bpftool, "cgroup", "show", parent], capture_output=True, text=True).stdout


def write_bundle(container, annotations):
    directory = os.path.join(state, "k8s.io", container)
    os.makedirs(directory)
    with open(os.path.join(directory, "config.json.tmp"), "w") as f:
        json.dump({"ociVersion": "1.1.0", "annotations": annotations,
                   "linux": {"cgroupsPath": f"{parent[len(mount):]}/pod1/{container}"}}, f)
    os.rename(os.path.join(directory, "config.json.tmp"), os.path.join(directory, "config.json"))


def wait_for(what, function, seconds=20):
    deadline = time.monotonic() + seconds
    while not function():
        if time.monotonic() > deadline:
            check(False, f"{what}: not after {seconds} s")
            return False
        time.sleep(0.1)
    return True


def pin_of(container):
    return f"/sys/fs/bpf/sockshim/{os.stat(f'{parent}/pod1/{container}').st_ino}"


# An engine whose container was removed while no agent ran: its cgroup is
# gone, its pins stay until the agent starts.
stale = f"{parent}/pod1/c-stale"
os.makedirs(stale)
attach = subprocess.run([sockshim, "attach", stale, "-c", os.path.join(work, "database.toml")],
                        capture_output=True, text=True)
check(attach.returncode == 0, f"sockshim attach {stale}: {attach.stderr.strip()}")
stale_pin = f"/sys/fs/bpf/sockshim/{os.stat(stale).st_ino}"
os.rmdir(stale)

output = open(os.path.join(work, "agent.out"), "w+")
errors = open(os.path.join(work, "agent.err"), "w+")


def start_agent():
    return subprocess.Popen([sockshim, "agent", "--engine", "bpf", "--cgroup", parent, "-c",
                             os.path.join(work, "default.toml"), "--config-dir", work, "--runtime-state", state],
                            stdout=output, stderr=errors)


agent = start_agent()


def said(text, stream=None):
    with open((stream or output).name) as f:
        return text in f.read()


def slot_of(container):
    """The config slot the agent's line gives container, or None."""
    with open(output.name) as f:
        lines = [line for line in f if line.startswith(f"container {container}: ")]
    if not lines or "(config slot " not in lines[-1]:
        return None
    return int(lines[-1].rsplit("(config slot ", 1)[1].rstrip(")\n"))


try:
    wait_for("the agent attached", lambda: said(f"attached at {parent}"))
    shown = hooks_at_parent()
    check(shown is None or ("sockshim_sock_ops" in shown and "sockshim_connect4" not in shown),
          f"the default config, nothing for UDP, attached: {shown!r}")
    check(said(f"removed the engine of cgroup {stale_pin.rsplit('/', 1)[1]}, which is gone"),
          f"the engine of the removed cgroup was not removed: {open(output.name).read()!r}")
    check(not os.path.exists(stale_pin), f"{stale_pin} stays")
    write_bundle("sandbox", {"io.kubernetes.cri.container-type": "sandbox", "io.sockshim.config": "database"})
    for container, (annotations, _) in containers.items():
        write_bundle(container, annotations)
    for container in containers:
        wait_for(f"the agent's line for {container}", lambda: said(f"container {container}: "))
    for container, (_, expected) in containers.items():
        seen = probe(container)
        check(seen == expected, f"{container}: expected {expected}, read {seen}")
    # 96 KiB, doubled by the kernel: the UDP hooks were attached for c-udp's config.
    check(probe("c-udp", UDP_PROBE) == (196608,), f"c-udp's UDP socket: read {probe('c-udp', UDP_PROBE)}")
    check(probe("c-default", UDP_PROBE) != (196608,), "c-default's UDP socket got c-udp's buffers")
    shown = hooks_at_parent()
    check(shown is None or all(f"sockshim_{hook}" in shown for hook in
                               ["connect4", "connect6", "bind4", "bind6", "sendmsg4", "sendmsg6"]),
          f"the UDP hooks are not attached for c-udp: {shown!r}")
    check(said("container c-refused: ", errors) and said("socket.linger", errors),
          f"the refused config is not named on stderr: {open(errors.name).read()!r}")
    check(not said("container sandbox"), "the sandbox was given a slot or a line")
    # One engine: none pinned for a container.
    for container in containers:
        check(not os.path.exists(pin_of(container)), f"{container} got an engine of its own")
    check(os.path.isdir(f"/sys/fs/bpf/sockshim/{os.stat(parent).st_ino}"), "no engine pinned at the parent")
    check(slot_of("c-default") is None, "a container that names nothing was given a slot")
    check(slot_of("c-database") is not None and slot_of("c-database") == slot_of("c-database-2"),
          "two containers naming the same config do not share its slot")
    check(slot_of("c-opted-out") == slot_of("c-refused"), "the untouched containers do not share a slot")
    check(len({slot_of(c) for c in ["c-database", "c-opted-out", "c-inline", "c-udp"]}) == 4,
          "different configs share a slot")
    shutil.rmtree(os.path.join(state, "k8s.io", "c-database"))
    if wait_for("c-database gone", lambda: said("container c-database: gone")):
        seen = probe("c-database")
        check(seen == default_values, f"c-database after its bundle went: expected the default, read {seen}")
        seen = probe("c-database-2")
        check(seen == (1, 23, 5, 4), f"c-database-2 after c-database went: read {seen}")
    agent.send_signal(signal.SIGTERM)
    check(agent.wait(timeout=10) == 0, f"the agent exited {agent.returncode} on SIGTERM")
    check(probe("c-inline") == containers["c-inline"][1], "the config did not stay while no agent ran")

    # A restarted agent takes the engine over; the opted-out container's
    # bundle went while no agent ran.
    shutil.rmtree(os.path.join(state, "k8s.io", "c-opted-out"))
    output = open(os.path.join(work, "agent-restarted.out"), "w+")
    agent = start_agent()
    wait_for("the restarted agent attached", lambda: said(f"attached at {parent}"))
    for container in ["c-inline", "c-database-2", "c-refused"]:
        wait_for(f"the restarted agent's line for {container}", lambda: said(f"container {container}: "))
    wait_for("the restarted agent took over", lambda: said("took over "))
    for container in ["c-default", "c-database-2", "c-refused", "c-inline"]:
        seen = probe(container)
        check(seen == containers[container][1], f"{container} after a restart: expected {containers[container][1]}, "
                                                f"read {seen}")
    seen = probe("c-opted-out")
    check(seen == default_values, f"c-opted-out, whose bundle went while no agent ran: read {seen}")
    agent.send_signal(signal.SIGTERM)
    check(agent.wait(timeout=10) == 0, f"the restarted agent exited {agent.returncode} on SIGTERM")
finally:
    if agent.poll() is None:
        agent.kill()
        agent.wait()
    for container in list(containers) + ["sandbox"]:
        subprocess.run([sockshim, "detach", f"{parent}/pod1/{container}"], capture_output=True)
    subprocess.run([sockshim, "detach", parent], capture_output=True)
    for directory in [f"{parent}/pod1/{c}" for c in list(containers) + ["sandbox"]] + [f"{parent}/pod1", parent]:
        try:
            os.rmdir(directory)
        except OSError as error:
            failures.append(f"rmdir {directory}: {error}")
    subprocess.run(["rm", "-rf", stale_pin])
    shutil.rmtree(work)

print(f"node agent: {len(failures)} failed" if failures else "node agent: all checks passed")
sys.exit(1 if failures else 0)
