#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""examples/kubernetes/preload: every YAML file parses; the ConfigMap's TOML
passes `sockshim check`; and the names and paths the files share agree: the
volumes that containers mount exist, the init container copies every file
that Dockerfile.init puts in its image into the emptyDir the application
mounts, the copied command finds both copied libraries where it looks for
them (cli/shim_libraries.cc), LD_PRELOAD and SOCKSHIM_CONFIG point into those
mounts at the files the init container and the ConfigMap provide, the
supervised variant runs the copied command with that config, and the
Kustomize component adds exactly what deployment.yaml spells out.
(scripts/build-init-image builds Dockerfile.init and runs the copy.)

    kubernetes_test.py SOCKSHIM_COMMAND EXAMPLES_DIR
"""
import os
import subprocess
import sys
import tempfile

import yaml

sockshim, examples = sys.argv[1], sys.argv[2]
directory = os.path.join(examples, "kubernetes", "preload")
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def load(name):
    with open(os.path.join(directory, name)) as f:
        return list(yaml.safe_load_all(f))


documents = {}
for root, _, files in os.walk(directory):
    for name in files:
        if name.endswith(".yaml"):
            relative = os.path.relpath(os.path.join(root, name), directory)
            try:
                documents[relative] = load(relative)
            except yaml.YAMLError as error:
                failures.append(f"{relative} does not parse: {error}")
check(len(documents) >= 6, f"expected the 6 YAML files, found {sorted(documents)}")

(configmap,) = documents["configmap.yaml"]
check(configmap["kind"] == "ConfigMap", "configmap.yaml holds no ConfigMap")
(config_key,) = configmap["data"].keys()
with tempfile.NamedTemporaryFile("w", suffix=".toml") as toml:
    toml.write(configmap["data"][config_key])
    toml.flush()
    result = subprocess.run([sockshim, "check", toml.name], capture_output=True, text=True)
    check(result.returncode == 0, f"sockshim check of the ConfigMap's {config_key}: {result.stderr}")


def by_name(items):
    return {item["name"]: item for item in items or []}


# The files Dockerfile.init copies from the sockshim image into its own.
init_image_files = set()
with open(os.path.join(directory, "Dockerfile.init")) as f:
    for line in f:
        words = line.split()
        if words[:2] == ["COPY", "--from=sockshim"] and len(words) == 4:
            source, destination = words[2], words[3]
            init_image_files.add(destination + os.path.basename(source) if destination.endswith("/") else destination)
check(len(init_image_files) == 3, f"Dockerfile.init copies {sorted(init_image_files)}, expected the command and two libraries")


def copied_files(source, command):
    """The files that the init container's cp puts in the emptyDir: each of
    its sources (a file, or a directory with -R) lands in the last argument."""
    check(command[0] == "cp", f"{source}: the init container does not run cp: {command}")
    options = [a for a in command[1:-1] if a.startswith("-")]
    into = command[-1].rstrip("/")
    files = set()
    for path in (a for a in command[1:-1] if not a.startswith("-")):
        path = path.rstrip("/")
        if path in init_image_files:
            files.add(os.path.join(into, os.path.basename(path)))
            continue
        below = {f for f in init_image_files if f.startswith(path + "/")}
        check(below, f"{source}: the init container copies {path}, which Dockerfile.init does not fill")
        check(set(options) & {"-R", "-r", "-a"}, f"{source}: cp of the directory {path} without -R")
        parent = os.path.dirname(path)
        files |= {os.path.join(into, os.path.relpath(f, parent)) for f in below}
    check(len(files) == len(init_image_files), f"{source}: the init container copies {sorted(files)}, "
                                               f"not every file of Dockerfile.init's {sorted(init_image_files)}")
    return files


def check_pod(source, pod, app_container):
    """The pod spec's init container, volumes and mounts fit together; returns
    the application container's mounts by volume name."""
    volumes = by_name(pod.get("volumes"))
    check(volumes.get("sockshim", {}).get("emptyDir") == {}, f"{source}: no emptyDir volume \"sockshim\"")
    check(volumes.get("sockshim-config", {}).get("configMap", {}).get("name") == configmap["metadata"]["name"],
          f"{source}: volume \"sockshim-config\" is not the ConfigMap {configmap['metadata']['name']}")
    (init,) = pod["initContainers"]
    init_mounts = {m["name"]: m["mountPath"] for m in init["volumeMounts"]}
    copied_into = init["command"][-1].rstrip("/")
    check(init_mounts.get("sockshim") == copied_into, f"{source}: the init container does not copy into the emptyDir's mount")
    copied = copied_files(source, init["command"])
    # The static command looks for each libc's library at
    # ../lib/sockshim/LIBC/libsockshim.so from its own directory.
    commands = [f for f in copied if os.path.basename(f) == "sockshim"]
    check(len(commands) == 1, f"{source}: the init container copies no sockshim command: {sorted(copied)}")
    for command in commands:
        for libc in ("glibc", "musl"):
            library = os.path.join(os.path.dirname(os.path.dirname(command)), "lib", "sockshim", libc, "libsockshim.so")
            check(library in copied, f"{source}: the copied {command} would not find the {libc} library ({library})")
    containers = by_name(pod["containers"])
    check(app_container in containers, f"{source}: no container \"{app_container}\"")
    mounts = {m["name"]: m["mountPath"] for m in containers[app_container].get("volumeMounts", [])}
    for container in list(pod["containers"]) + [init]:
        for mount in container.get("volumeMounts", []):
            check(mount["name"] in volumes, f"{source}: {container['name']} mounts unknown volume {mount['name']}")
    check(mounts.get("sockshim") == copied_into, f"{source}: the application does not mount the emptyDir where it was filled")
    return containers[app_container], mounts, copied


def check_preload_env(source, container, mounts, copied):
    env = {e["name"]: e["value"] for e in container.get("env", [])}
    # python:3.12-slim (deployment.yaml) and the component's default: glibc.
    check(env.get("LD_PRELOAD") in copied and env.get("LD_PRELOAD", "").endswith("/glibc/libsockshim.so")
          and env["LD_PRELOAD"].startswith(mounts.get("sockshim", "?") + "/"),
          f"{source}: LD_PRELOAD={env.get('LD_PRELOAD')} is not the copied glibc library")
    check(env.get("SOCKSHIM_CONFIG") == os.path.join(mounts.get("sockshim-config", "?"), config_key),
          f"{source}: SOCKSHIM_CONFIG={env.get('SOCKSHIM_CONFIG')} is not the ConfigMap's {config_key}")
    return env


(deployment,) = documents["deployment.yaml"]
container, mounts, copied = check_pod("deployment.yaml", deployment["spec"]["template"]["spec"], "app")
plain_env = check_preload_env("deployment.yaml", container, mounts, copied)

(supervised,) = documents["deployment-supervised.yaml"]
container, mounts, copied = check_pod("deployment-supervised.yaml", supervised["spec"]["template"]["spec"], "app")
command = container["command"]
check(command[0] in copied and os.path.basename(command[0]) == "sockshim" and
      command[1:4] == ["run", "-c", os.path.join(mounts["sockshim-config"], config_key)] and "--" in command,
      f"deployment-supervised.yaml: the entrypoint is not the copied sockshim run -c with the ConfigMap: {command}")
check("SYS_PTRACE" in container.get("securityContext", {}).get("capabilities", {}).get("add", []),
      "deployment-supervised.yaml: the supervisor needs CAP_SYS_PTRACE")

(kustomization,) = documents["kustomization.yaml"]
listed = set(kustomization["resources"])
check(listed == {name for name in documents if "/" not in name and name != "kustomization.yaml"},
      f"kustomization.yaml lists {sorted(listed)}")

(component,) = documents["component/kustomization.yaml"]
check(component["kind"] == "Component", "component/kustomization.yaml is not a Component")
# kustomize loads a component's files only from in or below its directory:
# the component generates the ConfigMap from its own copy of the config.
(generator,) = component.get("configMapGenerator", [{}])
check(generator.get("name") == configmap["metadata"]["name"] and generator.get("files") == [config_key],
      f"the component does not generate the ConfigMap {configmap['metadata']['name']} from its {config_key}")
check(not any(entry.startswith("..") for entry in component.get("resources", []) + generator.get("files", [])),
      "the component loads files from outside its directory")
with open(os.path.join(directory, "component", config_key)) as component_config:
    check(component_config.read() == configmap["data"][config_key],
          f"component/{config_key} differs from configmap.yaml's config")
(patch_entry,) = component["patches"]
(patch,) = documents[os.path.join("component", patch_entry["path"])]
pod = patch["spec"]["template"]["spec"]
container, mounts, copied = check_pod("component patch", pod, "app")
check(check_preload_env("component patch", container, mounts, copied) == plain_env,
      "the component's environment differs from deployment.yaml's")
plain_pod = deployment["spec"]["template"]["spec"]
check(pod["volumes"] == plain_pod["volumes"] and pod["initContainers"] == plain_pod["initContainers"],
      "the component's volumes or init container differ from deployment.yaml's")

for failure in failures:
    print("FAIL:", failure)
if not failures:
    print(f"kubernetes preload: {len(documents)} YAML files parse, the ConfigMap passes sockshim check, names agree")
sys.exit(1 if failures else 0)
