# SPDX-License-Identifier: Apache-2.0
"""Runs the shipped Kubernetes manifests on one containerd through its CRI,
as a kubelet would (kubelet.py), and reads the values back. Run by
scripts/test-cri inside the node's own mount and network namespaces.

Usage: node_test.py ADDRESS KUBELET_ROOT WORK_DIR SOCKSHIM EXAMPLES_DIR

Each part below is one shipped manifest (or a DaemonSet and the pods it
serves); a new one, such as another DaemonSet, is one more function in
PARTS. Every application pod is read back twice: from inside its container
(the application's own getsockopt, or a probe it runs with ExecSync) and
from the node with `sockshim inspect PID --json`, and counts as tuned only
when both show the config the manifests choose for it. The last line:
  kubernetes node (containerd 1.7.24): N pods, N tuned, 0 failed (parts...)
"""
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
import traceback

import grpc
import yaml

from kubelet import Kubelet, KubeletError

address, kubelet_root, work, sockshim, examples = sys.argv[1:]
APP_PORT = 8080
results = []   # (pod label, tuned: bool, detail)
parts = []


def documents(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def seconds(value):
    if isinstance(value, int):
        return value
    return int(value[:-1]) * {"s": 1, "m": 60, "h": 3600}[value[-1]]


def expected_values(config_text):
    """What a connecting socket reads back under config_text: the line app.py prints."""
    config = tomllib.loads(config_text)
    keepalive, tcp = config.get("keepalive", {}), config.get("tcp", {})
    return "keepalive=1 idle=%d interval=%d count=%d user_timeout=%d" % (
        seconds(keepalive["idle"]), seconds(keepalive["interval"]), keepalive["count"],
        seconds(tcp["user_timeout"]) * 1000 if "user_timeout" in tcp else 0)


def inspect_values(pid):
    """What `sockshim inspect` on the node reads from pid's sockets on APP_PORT, as app.py's line."""
    run = subprocess.run([sockshim, "inspect", str(pid), "--json"], capture_output=True, text=True, timeout=30)
    if run.returncode != 0:
        return {f"inspect failed: {run.stderr.strip()}"}
    seen = set()
    for entry in json.loads(run.stdout):
        if entry["protocol"] != "tcp" or not (entry["remote"].endswith(f":{APP_PORT}") or
                                              (entry["listening"] and entry["local"].endswith(f":{APP_PORT}"))):
            continue
        if entry["source"] != "pidfd_getfd":
            seen.add(f"source {entry['source']}")
            continue
        seen.add("keepalive=%d idle=%d interval=%d count=%d user_timeout=%d" % (
            entry["keepalive"], entry["keepalive_idle_s"], entry["keepalive_interval_s"],
            entry["keepalive_count"], entry["user_timeout_ms"]))
    return seen


def supervised_program(pid):
    """The first child of pid (`sockshim run`, the container's first process): the program it runs."""
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            children = f.read().split()
        if children:
            return int(children[0])
    return None


def wait_for(what, function, seconds=30):
    deadline = time.monotonic() + seconds
    while True:
        value = function()
        if value:
            return value
        if time.monotonic() > deadline:
            raise KubeletError(f"{what}: not after {seconds} s")
        time.sleep(0.3)


def readback_file(kubelet, pod, container):
    """app.py serve's line, from inside the container."""
    def read():
        response = kubelet.exec_sync(pod, container, ["cat", "/tmp/readback"])
        return response.stdout.decode().strip() if response.exit_code == 0 else None
    return wait_for(f"{pod.name}: /tmp/readback", read)


def readback_probe(kubelet, pod, container):
    """app.py connect's line: a process run in the container with ExecSync."""
    response = kubelet.exec_sync(pod, container, ["python3", "/usr/local/bin/sockshim-test-app", "connect",
                                                 str(APP_PORT)])
    if response.exit_code != 0:
        raise KubeletError(f"{pod.name}: probe exited {response.exit_code}: {response.stderr.decode()[-500:]}")
    return response.stdout.decode().strip()


def check_pod(label, kubelet, pod, container, expected, inside, supervised=False):
    """Reads pod back from inside (inside: readback_file or readback_probe) and from the node."""
    try:
        seen_inside = inside(kubelet, pod, container)
        pid = kubelet.pid(pod, container)
        if supervised:
            first = pid
            try:
                pid = wait_for(f"{label}: the supervised program", lambda: supervised_program(first))
            except KubeletError as error:
                tree = subprocess.run(["ps", "-eo", "pid,ppid,comm,args"], capture_output=True, text=True).stdout
                raise KubeletError(f"{error}; pid {first}: " + "; ".join(
                    line for line in tree.splitlines() if str(first) in line.split()[:2]))
        seen_node = wait_for(f"{label}: sockets on port {APP_PORT}", lambda: inspect_values(pid))
        tuned = seen_inside == expected and seen_node == {expected}
        detail = "" if tuned else f"expected {expected!r}, inside {seen_inside!r}, from the node {sorted(seen_node)}"
    except (KubeletError, grpc.RpcError) as error:
        tuned, detail = False, error.details() if isinstance(error, grpc.RpcError) else str(error)
    results.append((label, tuned, detail))
    print(f"{'ok' if tuned else 'FAIL'}: {label}{': ' + detail if detail else ''}", flush=True)


def failed(label, error):
    detail = error.details() if isinstance(error, grpc.RpcError) else str(error)
    results.append((label, False, detail))
    print(f"FAIL: {label}: {detail}", flush=True)


def configmaps_of(docs):
    return {d["metadata"]["name"]: d["data"] for d in docs if d["kind"] == "ConfigMap"}


def agent_daemonset(kubelet):
    """examples/kubernetes/agent: the DaemonSet, then pod.yaml's pod as shipped and as its
    comments say it may be changed, then the agent container restarted."""
    directory = os.path.join(examples, "agent")
    docs = documents(os.path.join(directory, "daemonset.yaml"))
    configs = configmaps_of(docs)
    kubelet.configmaps.update(configs)
    daemonset = next(d for d in docs if d["kind"] == "DaemonSet")
    template = daemonset["spec"]["template"]
    agent_configs = configs["sockshim-agent-configs"]
    try:
        node_pod = kubelet.run_pod(f"{daemonset['metadata']['name']}-node", daemonset["metadata"]["namespace"],
                                   template["metadata"], template["spec"])
        installed = sorted(os.listdir(os.path.join(kubelet_root, "seccomp")))
        wanted = sorted(configs["sockshim-seccomp-profiles"])
        if installed != wanted:
            raise KubeletError(f"the init container installed {installed}, not {wanted}")
        agent = next(c for c in template["spec"]["containers"] if c["name"] == "agent")
        wait_for("the agent's liveness probe", lambda: kubelet.probe(node_pod, agent))
    except (KubeletError, grpc.RpcError) as error:
        failed("agent DaemonSet", error)
        return
    results.append(("agent DaemonSet: profiles installed, holder and agent running, liveness probe", True, ""))
    print("ok: agent DaemonSet: profiles installed, holder and agent running, liveness probe passes", flush=True)

    (pod_manifest,) = documents(os.path.join(directory, "pod.yaml"))
    annotation_config = pod_manifest["metadata"]["annotations"]["io.sockshim.config"]

    def variant(name, annotations=None, profile=None):
        manifest = copy.deepcopy(pod_manifest)
        manifest["metadata"]["name"] = name
        if annotations is not None:
            manifest["metadata"]["annotations"] = annotations
        if profile:
            manifest["spec"]["securityContext"]["seccompProfile"]["localhostProfile"] = profile
        return manifest

    inline = 'keepalive = { idle = "17s", interval = "4s", count = 5 }\n'
    variants = [
        ("pod.yaml as shipped (annotation io.sockshim.config)", variant("tuned-client"),
         agent_configs[f"{annotation_config}.toml"]),
        ("pod.yaml without its annotation (the agent's default)", variant("default-client", annotations={}),
         agent_configs["default.toml"]),
        ("pod.yaml with sockshim-database.json (listenerMetadata)",
         variant("metadata-client", annotations={}, profile="sockshim-database.json"),
         agent_configs["database.toml"]),
        ("pod.yaml with io.sockshim.config-toml", variant("inline-client", annotations={"io.sockshim.config-toml": inline}),
         inline),
    ]
    first_pod = None
    for label, manifest, config in variants:
        try:
            pod = kubelet.run_pod(manifest["metadata"]["name"], "default", manifest["metadata"], manifest["spec"])
        except (KubeletError, grpc.RpcError) as error:
            failed(label, error)
            continue
        first_pod = first_pod or pod
        check_pod(label, kubelet, pod, "app", expected_values(config), readback_file)

    # The agent container dies and the kubelet starts it again; the holder
    # keeps the listeners of the running pods.
    try:
        kubelet.restart_container(node_pod, agent)
        wait_for("the restarted agent's liveness probe", lambda: kubelet.probe(node_pod, agent), seconds=60)
        pod = kubelet.run_pod("after-restart-client", "default", pod_manifest["metadata"], pod_manifest["spec"])
    except (KubeletError, grpc.RpcError) as error:
        failed("agent container restarted", error)
        return
    check_pod("pod.yaml started after the agent container's restart", kubelet, pod, "app",
              expected_values(agent_configs[f"{annotation_config}.toml"]), readback_file)
    if first_pod:
        check_pod("pod.yaml started before the restart, a new connect after it", kubelet, first_pod, "app",
                  expected_values(agent_configs[f"{annotation_config}.toml"]), readback_probe)


def preload_deployments(kubelet):
    """examples/kubernetes/preload: both Deployments with the ConfigMap and the init image."""
    directory = os.path.join(examples, "preload")
    configs = configmaps_of(documents(os.path.join(directory, "configmap.yaml")))
    kubelet.configmaps.update(configs)
    (config_text,) = next(iter(configs.values())).values()
    expected = expected_values(config_text)
    for file, inside, supervised in (("deployment.yaml", readback_probe, False),
                                     ("deployment-supervised.yaml", readback_file, True)):
        (deployment,) = documents(os.path.join(directory, file))
        template = deployment["spec"]["template"]
        label = f"{file} ({'sockshim run' if supervised else 'LD_PRELOAD'}, init image)"
        try:
            pod = kubelet.run_pod(f"{deployment['metadata']['name']}-0", "default", template["metadata"],
                                  template["spec"])
        except (KubeletError, grpc.RpcError) as error:
            failed(label, error)
            continue
        if inside is readback_probe:
            # The listener, from the node too: wait until the server listens.
            wait_for(f"{label}: the server listening", lambda: kubelet.exec_sync(
                pod, "app", ["python3", "-c", f"import socket; socket.create_connection(('127.0.0.1', {APP_PORT}))"]
            ).exit_code == 0)
        check_pod(label, kubelet, pod, "app", expected, inside, supervised)
    inspect_in_pod(kubelet, directory, expected)


def inspect_in_pod(kubelet, directory, expected):
    """README.md's `kubectl exec deploy/app -- /opt/sockshim/bin/sockshim inspect 1`, under the
    RuntimeDefault profile: every option unknown without CAP_SYS_PTRACE (the pod tuned all the
    same, as a probe reads back), read with it."""
    (deployment,) = documents(os.path.join(directory, "deployment.yaml"))
    for capability in ([], ["SYS_PTRACE"]):
        template = copy.deepcopy(deployment["spec"]["template"])
        template["spec"]["securityContext"] = {"seccompProfile": {"type": "RuntimeDefault"}}
        (app,) = template["spec"]["containers"]
        if capability:
            app["securityContext"] = {"capabilities": {"add": capability}}
        label = f"deployment.yaml under RuntimeDefault{' with SYS_PTRACE' if capability else ''}: sockshim inspect 1"
        try:
            pod = kubelet.run_pod(f"inspect-{len(capability)}", "default", template["metadata"], template["spec"])
            wait_for(f"{label}: the server listening", lambda: kubelet.exec_sync(
                pod, "app", ["python3", "-c", f"import socket; socket.create_connection(('127.0.0.1', {APP_PORT}))"]
            ).exit_code == 0)
            response = kubelet.exec_sync(pod, "app", ["/opt/sockshim/bin/sockshim", "inspect", "1", "--json"])
            listeners = [e for e in json.loads(response.stdout) if e["listening"]]
            sources = {e["source"] for e in listeners}
            if capability:
                idle = {e["keepalive_idle_s"] for e in listeners}
                want_idle = int(expected.split("idle=")[1].split()[0])
                ok = sources == {"pidfd_getfd"} and idle == {want_idle}
                detail = f"sources {sources}, idle {idle}, not pidfd_getfd and {want_idle}"
            else:
                # The pod is tuned all the same (the probe's own socket), inspect cannot tell.
                stderr = response.stderr.decode()
                probed = readback_probe(kubelet, pod, "app")
                ok = sources == {"sock_diag"} and "seccomp" in stderr and probed == expected
                detail = (f"sources {sources}, stderr {stderr.strip()!r}, probe {probed!r}: "
                          f"not sock_diag, a seccomp reason and {expected!r}")
        except (KubeletError, grpc.RpcError, ValueError) as error:
            failed(label, error)
            continue
        results.append((label, ok, "" if ok else detail))
        print(f"{'ok' if ok else 'FAIL'}: {label}{'' if ok else ': ' + detail}", flush=True)


KERNEL_DEFAULTS = "keepalive=0 idle=7200 interval=75 count=9 user_timeout=0"


def cgroup2_mount():
    """Where cgroup v2 is mounted: /sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid host."""
    with open("/proc/self/mountinfo") as f:
        mounts = [line.split(" - ")[0].split()[4] for line in f if " - cgroup2 " in line]
    return "/sys/fs/cgroup" if "/sys/fs/cgroup" in mounts else mounts[0]


def agent_says(kubelet, pod, text):
    """Whether the agent container's log (all of it) has a line containing text."""
    _, attempt = pod.containers["agent"]
    try:
        with open(os.path.join(pod.sandbox_config.log_directory, "agent", f"{attempt}.log")) as f:
            return any(text in line for line in f)
    except OSError:
        return False


def bpf_daemonset(kubelet):
    """examples/kubernetes/bpf: the DaemonSet (sockshim agent --engine bpf, attached at the
    test's pod cgroup parent), then an unmodified Go pod (the default config), a pod whose
    annotation chooses a config and an opted-out one, read back from inside. One engine at
    the parent: the agent maps each annotated container's cgroup to a config slot of it
    (no container gets an engine of its own) and removes the entries when the pods go."""
    directory = os.path.join(examples, "bpf")
    docs = documents(os.path.join(directory, "daemonset.yaml"))
    configs = configmaps_of(docs)
    kubelet.configmaps.update(configs)
    bpf_configs = configs["sockshim-bpf-configs"]
    daemonset = copy.deepcopy(next(d for d in docs if d["kind"] == "DaemonSet"))
    template = daemonset["spec"]["template"]
    agent = next(c for c in template["spec"]["containers"] if c["name"] == "agent")
    # The other parts' pods go first: the agent would map those that name a
    # config to slots of its engine, and they are checked already.
    for error in kubelet.remove_all():
        failed("removing the other parts' pods", error)
    # The kubepods of this node: the cgroup root this kubelet gives its pods.
    parent = cgroup2_mount() + CGROUP_ROOT
    os.makedirs(parent, exist_ok=True)
    agent["command"] += ["--cgroup", parent]
    try:
        node_pod = kubelet.run_pod("sockshim-bpf-agent-node", "kube-system", template["metadata"], template["spec"])
        wait_for("the agent attached at the pods' cgroup parent", lambda: agent_says(kubelet, node_pod, "attached at"))
    except (KubeletError, grpc.RpcError) as error:
        failed("BPF DaemonSet", error)
        return
    results.append(("BPF DaemonSet: attached at the pods' cgroup parent", True, ""))
    print(f"ok: BPF DaemonSet: attached at {parent}", flush=True)

    engine_pin = f"/sys/fs/bpf/sockshim/{os.stat(parent).st_ino}"
    engine_pins = [engine_pin]

    def container_served(pod):
        """Waits for the agent's line for the pod's container: mapped to a config slot of the
        one engine, with no engine of its own."""
        container_id = pod.containers["app"][0]
        wait_for(f"{pod.name}: the agent's line for its container",
                 lambda: agent_says(kubelet, node_pod, f"container {container_id}: "))
        if not agent_says(kubelet, node_pod, "(config slot "):
            raise KubeletError(f"{pod.name}: the agent mapped its container to no config slot")
        pin = f"/sys/fs/bpf/sockshim/{os.stat(f'{parent}/pod{pod.uid}/{container_id}').st_ino}"
        if os.path.exists(pin):
            engine_pins.append(pin)
            raise KubeletError(f"{pod.name}: the agent attached an engine of its own ({pin})")

    def mapped_cgroups():
        """The entries of the engine's cgroup → slot map, as bpftool dumps them."""
        dump = subprocess.run(["bpftool", "-j", "map", "dump", "pinned", f"{engine_pin}/cgroup_slots"],
                              capture_output=True, text=True, timeout=30)
        if dump.returncode != 0:
            raise KubeletError(f"bpftool map dump {engine_pin}/cgroup_slots: {dump.stderr.strip()}")
        return json.loads(dump.stdout)

    app_pods = []
    # An unmodified Go pod (static, raw system calls): the default config from
    # its first socket on, read by the program itself and from the node.
    label = "BPF: unmodified Go pod (the default config)"
    try:
        pod = kubelet.run_pod("bpf-go-server", "default", {"labels": {"app": "go-server"}},
                              {"containers": [{"name": "app", "image": "example.com/go-server:1.0",
                                               "command": ["/server"]}]})
        app_pods.append(pod)
        check_pod(label, kubelet, pod, "app", expected_values(bpf_configs["default.toml"]), readback_file)
    except (KubeletError, grpc.RpcError) as error:
        failed(label, error)
    # Chosen by annotation, and opted out: each container's cgroup mapped to a
    # slot, once the runtime has written its bundle and made its cgroup; a
    # probe started after the agent's line reads it back.
    for name, annotations, expected, label in (
            ("bpf-database-client", {"io.sockshim.config": "database"},
             expected_values(bpf_configs["database.toml"]), "BPF: pod annotated io.sockshim.config: database"),
            ("bpf-opted-out", {"sockshim.io/tune": "false"}, KERNEL_DEFAULTS,
             'BPF: pod annotated sockshim.io/tune: "false" (the kernel\'s defaults)')):
        try:
            pod = kubelet.run_pod(name, "default", {"annotations": annotations},
                                  {"containers": [{"name": "app", "image": "registry.example/app:1.0"}]})
            app_pods.append(pod)
            container_served(pod)
            wait_for(f"{label}: the server listening", lambda: kubelet.exec_sync(
                pod, "app", ["python3", "-c", f"import socket; socket.create_connection(('127.0.0.1', {APP_PORT}))"]
            ).exit_code == 0)
            seen = readback_probe(kubelet, pod, "app")
            ok = seen == expected
            results.append((label, ok, "" if ok else f"expected {expected!r}, inside {seen!r}"))
            print(f"{'ok' if ok else 'FAIL'}: {label}{'' if ok else f': expected {expected!r}, inside {seen!r}'}",
                  flush=True)
        except (KubeletError, grpc.RpcError) as error:
            failed(label, error)

    # Pods deleted: the agent removes their entries; then the DaemonSet, and
    # the engine it leaves attached (as a node drained of it would).
    try:
        served = [pod.containers["app"][0] for pod in app_pods if pod.name != "bpf-go-server"]
        if shutil.which("bpftool") and len(mapped_cgroups()) != len(served):
            raise KubeletError(f"the engine maps {len(mapped_cgroups())} cgroups, not the {len(served)} served")
        for pod in app_pods:
            kubelet.remove_pod(pod)
        for container_id in served:
            wait_for(f"the agent removing {container_id}'s entry",
                     lambda: agent_says(kubelet, node_pod, f"container {container_id}: gone"))
        if shutil.which("bpftool") and mapped_cgroups():
            raise KubeletError(f"cgroup entries left after their pods went: {mapped_cgroups()}")
        kubelet.remove_pod(node_pod)
        detach = subprocess.run([sockshim, "detach", parent], capture_output=True, text=True, timeout=30)
        if detach.returncode != 0:
            raise KubeletError(f"sockshim detach {parent}: {detach.stderr.strip()}")
        left = [pin for pin in engine_pins if os.path.exists(pin)]
        if left:
            raise KubeletError(f"engines left pinned: {left}")
    except (KubeletError, grpc.RpcError) as error:
        failed("BPF DaemonSet: entries removed with their pods", error)
        # Nothing of this run stays attached to the host's bpffs.
        for pin in engine_pins:
            subprocess.run(["rm", "-rf", pin], timeout=30)
        return
    results.append(("BPF DaemonSet: entries removed with their pods", True, ""))
    print("ok: BPF DaemonSet: entries removed with their pods", flush=True)


def remove_cgroup_root():
    """The pods' cgroup directories this test's kubelet made, in every hierarchy, deepest first."""
    errors = []
    for hierarchy in os.listdir("/sys/fs/cgroup") + ["."]:
        root = os.path.normpath(os.path.join("/sys/fs/cgroup", hierarchy)) + CGROUP_ROOT
        if not os.path.isdir(root):
            continue
        for directory, _, _ in sorted(os.walk(root), key=lambda entry: -entry[0].count("/")):
            try:
                os.rmdir(directory)
            except OSError as error:
                errors.append(f"{directory}: {error.strerror}")
    return errors


# One entry per shipped manifest set. Pods are counted tuned when read back
# tuned from inside and, where the manifest lets it, from the node.
PARTS = [("agent DaemonSet + pod.yaml", agent_daemonset), ("preload Deployments", preload_deployments),
         ("BPF DaemonSet", bpf_daemonset)]

# The kubelet's --cgroup-root for this run's pods: a directory of the test's
# own in each cgroup hierarchy, removed at the end.
CGROUP_ROOT = f"/sockshim-cri-{os.getpid()}"
kubelet = Kubelet(address, kubelet_root, os.path.join(work, "pods"), {"/var/lib/kubelet": kubelet_root}, {},
                  cgroup_root=CGROUP_ROOT)
version = wait_for("the CRI answering", lambda: kubelet.version()).runtime_version
for name, part in PARTS:
    try:
        part(kubelet)
    except Exception as error:  # a defect of the test itself: said, not hidden
        traceback.print_exc()
        failed(name, error)
    parts.append(name)
cleanup_errors = kubelet.remove_all()
cleanup_errors += remove_cgroup_root()
for error in cleanup_errors:
    failed("removing pods", error)

pods = [r for r in results if not r[0].startswith(("agent DaemonSet", "BPF DaemonSet")) and r[0] != "removing pods"]
tuned = sum(1 for r in pods if r[1])
failures = sum(1 for r in results if not r[1])
print(f"kubernetes node (containerd {re.split('[~+]', version.lstrip('v'))[0]}): {len(pods)} pods, {tuned} tuned, {failures} failed "
      f"({'; '.join(parts)})")
sys.exit(1 if failures else 0)
