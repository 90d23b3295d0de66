// SPDX-License-Identifier: Apache-2.0
// deployment-supervised.yaml's /server in scripts/test-cri's app image: a
// statically linked program (CGO_ENABLED=0), which no preload reaches, as
// app.py serve does: listens on :8080, connects a socket of its own to it,
// writes what the kernel says of that connecting socket to /tmp/readback
// (app.py's line) and holds both open. Raw system calls, not package net,
// whose dialer sets keepalive of its own.
package main

import (
	"fmt"
	"os"
	"syscall"
)

func check(err error, what string) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "server: %s: %v\n", what, err)
		os.Exit(1)
	}
}

func option(fd, level, name int) int {
	value, err := syscall.GetsockoptInt(fd, level, name)
	check(err, "getsockopt")
	return value
}

func main() {
	const tcpUserTimeout = 18 // TCP_USER_TIMEOUT
	listener, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	check(err, "socket")
	check(syscall.SetsockoptInt(listener, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1), "SO_REUSEADDR")
	check(syscall.Bind(listener, &syscall.SockaddrInet4{Port: 8080}), "bind")
	check(syscall.Listen(listener, 16), "listen")
	client, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	check(err, "socket")
	check(syscall.Connect(client, &syscall.SockaddrInet4{Port: 8080, Addr: [4]byte{127, 0, 0, 1}}), "connect")
	accepted, _, err := syscall.Accept(listener)
	check(err, "accept")
	line := fmt.Sprintf("keepalive=%d idle=%d interval=%d count=%d user_timeout=%d\n",
		option(client, syscall.SOL_SOCKET, syscall.SO_KEEPALIVE),
		option(client, syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE),
		option(client, syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL),
		option(client, syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT),
		option(client, syscall.IPPROTO_TCP, tcpUserTimeout))
	check(os.WriteFile("/tmp/readback.tmp", []byte(line), 0o644), "write")
	check(os.Rename("/tmp/readback.tmp", "/tmp/readback"), "rename")
	fmt.Print(line)
	held := []int{accepted}
	for {
		fd, _, err := syscall.Accept(listener)
		check(err, "accept")
		held = append(held, fd)
	}
}
