# SPDX-License-Identifier: Apache-2.0
"""The part of a kubelet that scripts/test-cri needs: a pod manifest turned
into the CRI calls a kubelet makes, against a containerd's CRI socket.

What it does as the kubelet does (pkg/kubelet/kuberuntime):
- RunPodSandbox with every pod annotation and label, the sandbox under
  RuntimeDefault seccomp; a PID namespace for each container, the pod's
  for shareProcessNamespace, the host's for hostPID;
- init containers one at a time, each run to a successful exit, then the
  containers; CreateContainer with the container's command, args, env and
  mounts, its added capabilities, and its seccomp profile: a Localhost one as
  SecurityProfile{Localhost, localhost_ref: <kubelet root>/seccomp/<profile>},
  none as Unconfined (the kubelet's default without SeccompDefault);
- a restarted container is a new one in the same sandbox, attempt + 1;
- exec probes with ExecSync; StopPodSandbox and RemovePodSandbox at the end.
hostNetwork, privileged containers (and then the sandbox) and mount
propagation are passed on as the kubelet does. Volumes: emptyDir is a directory of the pod's, configMap one holding the
ConfigMap's keys as files, hostPath the path itself, except where the test
maps it (the kubelet's own root directory, which the test's kubelet keeps
elsewhere than /var/lib/kubelet). Images are never pulled: ImageStatus must
find each one (the test imported them under the manifests' own names).
"""
import json
import os
import time
import uuid

import grpc

import api_pb2
import api_pb2_grpc

RUNNING = api_pb2.CONTAINER_RUNNING
EXITED = api_pb2.CONTAINER_EXITED


class KubeletError(Exception):
    pass


class Pod:
    def __init__(self, name, uid, sandbox_id, sandbox_config, spec):
        self.name, self.uid, self.sandbox_id, self.sandbox_config, self.spec = name, uid, sandbox_id, sandbox_config, spec
        self.containers = {}   # name -> (container id, attempt)


class Kubelet:
    def __init__(self, address, root, pods_dir, host_path_map, configmaps, cgroup_root=None):
        channel = grpc.insecure_channel("unix://" + address)
        self.runtime = api_pb2_grpc.RuntimeServiceStub(channel)
        self.images = api_pb2_grpc.ImageServiceStub(channel)
        self.root = root
        self.pods_dir = pods_dir
        self.host_path_map = host_path_map   # manifest path prefix -> path on this node
        self.configmaps = configmaps         # name -> data
        self.pods = []
        # The pods' cgroup parent, as the kubelet's --cgroup-root and cgroupfs
        # driver make it: <root>/pod<uid> (the kubelet adds a QoS class level).
        self.cgroup_root = cgroup_root

    def version(self):
        return self.runtime.Version(api_pb2.VersionRequest(), timeout=30)

    def host_path(self, path):
        for prefix, replacement in self.host_path_map.items():
            if path == prefix or path.startswith(prefix + "/"):
                return replacement + path[len(prefix):]
        return path

    def _volumes(self, pod_dir, spec):
        volumes = {}
        for volume in spec.get("volumes", []):
            name = volume["name"]
            if "emptyDir" in volume:
                path = os.path.join(pod_dir, "volumes", name)
                os.makedirs(path)
            elif "hostPath" in volume:
                path = self.host_path(volume["hostPath"]["path"])
                if volume["hostPath"].get("type") == "DirectoryOrCreate":
                    os.makedirs(path, exist_ok=True)
            elif "configMap" in volume:
                data = self.configmaps.get(volume["configMap"]["name"])
                if data is None:
                    raise KubeletError(f"volume {name}: no ConfigMap {volume['configMap']['name']}")
                path = os.path.join(pod_dir, "volumes", name)
                os.makedirs(path)
                for key, value in data.items():
                    with open(os.path.join(path, key), "w") as f:
                        f.write(value)
            else:
                raise KubeletError(f"volume {name}: a kind this kubelet does not know: {volume}")
            volumes[name] = path
        return volumes

    def _seccomp(self, profile):
        if not profile:
            return api_pb2.SecurityProfile(profile_type=api_pb2.SecurityProfile.Unconfined)
        kind = profile["type"]
        if kind == "Localhost":
            return api_pb2.SecurityProfile(profile_type=api_pb2.SecurityProfile.Localhost,
                                           localhost_ref=os.path.join(self.root, "seccomp", profile["localhostProfile"]))
        if kind == "RuntimeDefault":
            return api_pb2.SecurityProfile(profile_type=api_pb2.SecurityProfile.RuntimeDefault)
        return api_pb2.SecurityProfile(profile_type=api_pb2.SecurityProfile.Unconfined)

    def _check_image(self, image):
        status = self.images.ImageStatus(api_pb2.ImageStatusRequest(image=api_pb2.ImageSpec(image=image)), timeout=30)
        if not status.image.id:
            raise KubeletError(f"image {image} is not on the node (this kubelet does not pull)")

    def run_pod(self, name, namespace, metadata, spec):
        """Runs the pod as the kubelet would: sandbox, init containers, containers."""
        uid = str(uuid.uuid4())
        pod_dir = os.path.join(self.pods_dir, uid)
        os.makedirs(os.path.join(pod_dir, "logs"))
        host_pid = spec.get("hostPID", False)
        host_network = spec.get("hostNetwork", False)
        # Each container its own PID namespace unless the pod shares one.
        pid_mode = (api_pb2.NODE if host_pid else
                    api_pb2.POD if spec.get("shareProcessNamespace", False) else api_pb2.CONTAINER)
        namespaces = api_pb2.NamespaceOption(pid=pid_mode,
                                             network=api_pb2.NODE if host_network else api_pb2.POD)
        # The kubelet makes the sandbox privileged when any container is.
        privileged = any(c.get("securityContext", {}).get("privileged", False)
                         for c in spec.get("initContainers", []) + spec.get("containers", []))
        labels = dict(metadata.get("labels", {}))
        labels.update({"io.kubernetes.pod.name": name, "io.kubernetes.pod.namespace": namespace,
                       "io.kubernetes.pod.uid": uid})
        sandbox_config = api_pb2.PodSandboxConfig(
            metadata=api_pb2.PodSandboxMetadata(name=name, uid=uid, namespace=namespace, attempt=0),
            hostname=name,
            log_directory=os.path.join(pod_dir, "logs"),
            labels=labels,
            annotations=dict(metadata.get("annotations", {})),
            linux=api_pb2.LinuxPodSandboxConfig(
                cgroup_parent=f"{self.cgroup_root}/pod{uid}" if self.cgroup_root else "",
                security_context=api_pb2.LinuxSandboxSecurityContext(
                    namespace_options=namespaces,
                    privileged=privileged,
                    seccomp=api_pb2.SecurityProfile(profile_type=api_pb2.SecurityProfile.RuntimeDefault))))
        sandbox = self.runtime.RunPodSandbox(api_pb2.RunPodSandboxRequest(config=sandbox_config), timeout=120)
        pod = Pod(name, uid, sandbox.pod_sandbox_id, sandbox_config, spec)
        pod.volumes = self._volumes(pod_dir, spec)
        pod.namespaces = namespaces
        self.pods.append(pod)
        for container in spec.get("initContainers", []):
            self.start_container(pod, container)
            code = self.wait_exit(pod, container["name"])
            if code != 0:
                raise KubeletError(f"{name}: init container {container['name']} exited with {code}: "
                                   f"{self.log(pod, container['name'])}")
        for container in spec.get("containers", []):
            self.start_container(pod, container)
        return pod

    def start_container(self, pod, container, attempt=0):
        name = container["name"]
        self._check_image(container["image"])
        security = container.get("securityContext", {})
        seccomp = security.get("seccompProfile", pod.spec.get("securityContext", {}).get("seccompProfile"))
        propagation = {None: api_pb2.PROPAGATION_PRIVATE, "None": api_pb2.PROPAGATION_PRIVATE,
                       "HostToContainer": api_pb2.PROPAGATION_HOST_TO_CONTAINER,
                       "Bidirectional": api_pb2.PROPAGATION_BIDIRECTIONAL}
        mounts = [api_pb2.Mount(container_path=m["mountPath"], host_path=pod.volumes[m["name"]],
                                readonly=m.get("readOnly", False), propagation=propagation[m.get("mountPropagation")])
                  for m in container.get("volumeMounts", [])]
        for entry in container.get("env", []):
            if "value" not in entry:
                raise KubeletError(f"{pod.name}: env {entry['name']}: only literal values are supported here")
        config = api_pb2.ContainerConfig(
            metadata=api_pb2.ContainerMetadata(name=name, attempt=attempt),
            image=api_pb2.ImageSpec(image=container["image"]),
            command=container.get("command", []),
            args=container.get("args", []),
            envs=[api_pb2.KeyValue(key=e["name"], value=e["value"]) for e in container.get("env", [])],
            mounts=mounts,
            labels={"io.kubernetes.container.name": name, "io.kubernetes.pod.uid": pod.uid},
            log_path=f"{name}/{attempt}.log",
            linux=api_pb2.LinuxContainerConfig(security_context=api_pb2.LinuxContainerSecurityContext(
                capabilities=api_pb2.Capability(add_capabilities=security.get("capabilities", {}).get("add", [])),
                privileged=security.get("privileged", False),
                namespace_options=pod.namespaces,
                seccomp=self._seccomp(seccomp))))
        created = self.runtime.CreateContainer(api_pb2.CreateContainerRequest(
            pod_sandbox_id=pod.sandbox_id, config=config, sandbox_config=pod.sandbox_config), timeout=120)
        self.runtime.StartContainer(api_pb2.StartContainerRequest(container_id=created.container_id), timeout=120)
        pod.containers[name] = (created.container_id, attempt)
        return created.container_id

    def status(self, pod, name, verbose=False):
        container_id, _ = pod.containers[name]
        return self.runtime.ContainerStatus(api_pb2.ContainerStatusRequest(container_id=container_id, verbose=verbose),
                                            timeout=30)

    def pid(self, pod, name):
        """The container's first process, in the node's PID namespace."""
        return json.loads(self.status(pod, name, verbose=True).info["info"])["pid"]

    def wait_exit(self, pod, name, seconds=60):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            status = self.status(pod, name).status
            if status.state == EXITED:
                return status.exit_code
            time.sleep(0.2)
        raise KubeletError(f"{pod.name}: container {name} still running after {seconds} s")

    def log(self, pod, name):
        _, attempt = pod.containers[name]
        try:
            with open(os.path.join(pod.sandbox_config.log_directory, name, f"{attempt}.log")) as f:
                return f.read()[-2000:]
        except OSError as error:
            return str(error)

    def exec_sync(self, pod, name, command, timeout=30):
        container_id, _ = pod.containers[name]
        return self.runtime.ExecSync(api_pb2.ExecSyncRequest(container_id=container_id, cmd=command, timeout=timeout),
                                     timeout=timeout + 10)

    def probe(self, pod, container):
        """The container's exec livenessProbe, as the kubelet runs it: success is exit 0."""
        command = container["livenessProbe"]["exec"]["command"]
        return self.exec_sync(pod, container["name"], command).exit_code == 0

    def restart_container(self, pod, container):
        """The container's process dies (SIGKILL) and the kubelet starts attempt + 1 in the same sandbox."""
        name = container["name"]
        container_id, attempt = pod.containers[name]
        self.runtime.StopContainer(api_pb2.StopContainerRequest(container_id=container_id, timeout=0), timeout=60)
        return self.start_container(pod, container, attempt + 1)

    def remove_pod(self, pod):
        """StopPodSandbox and RemovePodSandbox, as when the pod is deleted."""
        self.runtime.StopPodSandbox(api_pb2.StopPodSandboxRequest(pod_sandbox_id=pod.sandbox_id), timeout=120)
        self.runtime.RemovePodSandbox(api_pb2.RemovePodSandboxRequest(pod_sandbox_id=pod.sandbox_id), timeout=120)
        self.pods.remove(pod)

    def remove_all(self):
        """remove_pod for every pod run."""
        errors = []
        for pod in list(self.pods):
            try:
                self.remove_pod(pod)
            except grpc.RpcError as error:
                errors.append(f"{pod.name}: {error.details()}")
        self.pods = []
        return errors
