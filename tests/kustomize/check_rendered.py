# SPDX-License-Identifier: Apache-2.0
"""Renders each kustomization given with `kubectl kustomize` and checks it.

Usage: check_rendered.py KUBECTL WORK_DIR KUSTOMIZATION_FILE...

A Kustomization must render. A Component cannot be rendered alone: it is
applied to a kustomization of this script's own in WORK_DIR, with two
Deployments, one labelled sockshim.io/preload: "true" (an application
container "app" with an env entry and a volume of its own, and a sidecar)
and one not, and once more with a component of the test's own after it that
replaces the config, as the component's comment tells users to. What the preload
component must add is read from the plain manifests beside it
(deployment.yaml, configmap.yaml): the same init container, volumes,
LD_PRELOAD and SOCKSHIM_CONFIG, and a ConfigMap with the same config that
the volume names. Writes a one-line summary to WORK_DIR/summary.
"""
import os
import subprocess
import sys

import yaml

kubectl, work, *kustomizations = sys.argv[1:]
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def render(directory):
    """The documents `kubectl kustomize directory` prints, or None."""
    result = subprocess.run([kubectl, "kustomize", directory], capture_output=True, text=True)
    if not check(result.returncode == 0, f"kubectl kustomize {directory}: {result.stderr.strip()}"):
        return None
    return [document for document in yaml.safe_load_all(result.stdout) if document]


OWN_DEPLOYMENTS = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: opted-in
  labels: {sockshim.io/preload: "true"}
spec:
  selector: {matchLabels: {app: opted-in}}
  template:
    metadata: {labels: {app: opted-in}}
    spec:
      containers:
        - name: app
          image: example.test/app:1
          env: [{name: APP_MODE, value: production}]
          volumeMounts: [{name: data, mountPath: /data}]
        - name: sidecar
          image: example.test/sidecar:1
      volumes:
        - name: data
          emptyDir: {}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: left-alone
spec:
  selector: {matchLabels: {app: left-alone}}
  template:
    metadata: {labels: {app: left-alone}}
    spec:
      containers:
        - name: app
          image: example.test/app:1
"""
OWN_CONFIG = "keepalive = { idle = \"7s\", interval = \"3s\", count = 2 }\n"


def by_name(entries):
    return {entry["name"]: entry for entry in entries or []}


def check_preload_component(component_dir, rendered, expected_config, label):
    """The preload component's output against deployment.yaml and configmap.yaml."""
    plain_dir = os.path.dirname(component_dir)
    with open(os.path.join(plain_dir, "deployment.yaml")) as f:
        plain = yaml.safe_load(f)["spec"]["template"]["spec"]
    with open(os.path.join(plain_dir, "configmap.yaml")) as f:
        plain_configmap = yaml.safe_load(f)
    config_key, = plain_configmap["data"]
    expected_config = expected_config or plain_configmap["data"][config_key]
    plain_app = by_name(plain["containers"])["app"]

    documents = {(d["kind"], d["metadata"]["name"]): d for d in rendered}
    configmaps = [d for d in rendered if d["kind"] == "ConfigMap"]
    if not check(len(configmaps) == 1, f"{label}: {len(configmaps)} ConfigMaps rendered, not 1"):
        return
    configmap, = configmaps
    check(configmap["metadata"]["name"].startswith(plain_configmap["metadata"]["name"]),
          f"{label}: the ConfigMap is {configmap['metadata']['name']}")
    check(configmap.get("data", {}).get(config_key) == expected_config,
          f"{label}: the ConfigMap's {config_key} is not the expected config")

    opted_in = documents.get(("Deployment", "opted-in"))
    left_alone = documents.get(("Deployment", "left-alone"))
    if not check(opted_in and left_alone, f"{label}: the test's Deployments are not both rendered"):
        return
    check(left_alone["spec"] == list(yaml.safe_load_all(OWN_DEPLOYMENTS))[1]["spec"],
          f"{label}: the Deployment without the label was changed")

    pod = opted_in["spec"]["template"]["spec"]
    check(pod.get("initContainers") == plain["initContainers"],
          f"{label}: the init container is not deployment.yaml's: {pod.get('initContainers')}")
    volumes = by_name(pod.get("volumes"))
    for name, volume in by_name(plain["volumes"]).items():
        if "configMap" in volume:
            volume = {**volume, "configMap": {**volume["configMap"], "name": configmap["metadata"]["name"]}}
        check(volumes.get(name) == volume, f"{label}: volume {name} is {volumes.get(name)}, not {volume}")
    check("data" in volumes, f"{label}: the Deployment's own volume is gone")

    containers = by_name(pod["containers"])
    app = containers["app"]
    env = {e["name"]: e.get("value") for e in app.get("env", [])}
    for name, value in {e["name"]: e["value"] for e in plain_app["env"]}.items():
        check(env.get(name) == value, f"{label}: app's {name} is {env.get(name)!r}, not {value!r}")
    check(env.get("APP_MODE") == "production", f"{label}: app's own env entry is gone")
    mounts = by_name(app.get("volumeMounts"))
    for mount in plain_app["volumeMounts"]:
        check(mounts.get(mount["name"]) == mount, f"{label}: app's mount {mount['name']} is {mounts.get(mount['name'])}")
    check("data" in mounts, f"{label}: app's own mount is gone")
    check(containers.get("sidecar") == {"name": "sidecar", "image": "example.test/sidecar:1"},
          f"{label}: the sidecar was changed: {containers.get('sidecar')}")


def apply_component(component_dir, index, replace_config):
    own = os.path.join(work, f"component-{index}{'-replaced' if replace_config else ''}")
    os.makedirs(own)
    with open(os.path.join(own, "deployments.yaml"), "w") as f:
        f.write(OWN_DEPLOYMENTS)
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": ["deployments.yaml"],
        # kustomize takes a component's path relative to the kustomization.
        "components": [os.path.relpath(component_dir, own)],
    }
    if replace_config:
        # As the component's comment tells users: a component of their own
        # after it, whose generator replaces the config.
        mine = os.path.join(own, "my-config")
        os.makedirs(mine)
        with open(os.path.join(mine, "sockshim.toml"), "w") as f:
            f.write(OWN_CONFIG)
        with open(os.path.join(mine, "kustomization.yaml"), "w") as f:
            yaml.safe_dump({"apiVersion": "kustomize.config.k8s.io/v1alpha1", "kind": "Component",
                            "configMapGenerator": [{"name": "sockshim-config", "behavior": "replace",
                                                    "files": ["sockshim.toml"]}]}, f)
        kustomization["components"].append("my-config")
    with open(os.path.join(own, "kustomization.yaml"), "w") as f:
        yaml.safe_dump(kustomization, f)
    return render(own)


rendered_kustomizations = rendered_components = 0
for path in kustomizations:
    directory = os.path.dirname(os.path.abspath(path))
    with open(path) as f:
        kind = yaml.safe_load(f).get("kind", "Kustomization")
    if kind == "Component":
        for replace_config in (False, True):
            rendered = apply_component(directory, rendered_components, replace_config)
            label = f"{path} on the test's Deployments{' with its config replaced' if replace_config else ''}"
            if rendered is None:
                continue
            if os.path.basename(os.path.dirname(directory)) == "preload":
                check_preload_component(directory, rendered, OWN_CONFIG if replace_config else None, label)
            else:
                check(False, f"{path}: a component this test has no checks for")
        rendered_components += 1
    else:
        rendered = render(directory)
        if rendered is not None:
            check(len(rendered) > 0, f"{path}: renders nothing")
        rendered_kustomizations += 1

for failure in failures:
    print("FAIL:", failure)
plural = lambda n, word: f"{n} {word}{'' if n == 1 else 's'}"
with open(os.path.join(work, "summary"), "w") as f:
    f.write(f"{plural(rendered_kustomizations, 'kustomization')}, {plural(rendered_components, 'component')} "
            f"rendered{', ' + str(len(failures)) + ' failed' if failures else ''}")
check(rendered_components > 0 and rendered_kustomizations > 0, "no kustomization or no component found")
sys.exit(1 if failures else 0)
