// SPDX-License-Identifier: Apache-2.0
// A Go program for the supervisor's tests; Go's net package makes its own
// system calls, so only the supervisor reaches it.
//
//	goprobe pair [own]      listen, dial, accept; print each socket's options
//	                        ("own": the dialer sets KeepAlive 40 s itself)
//	goprobe hold            as pair, then wait until stdin closes
//	goprobe idle ADDR PORT  dial with Go's keepalive off, print "connected",
//	                        wait in Read, print how it ended
//	goprobe idle-go-keepalive ADDR PORT
//	                        the same with Go's own keepalive (15 s, Go 1.13+)
//	goprobe churn N         N dial/accept/close rounds; prints elapsed ns per round
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"
)

func option(conn syscall.Conn, level, name int) int {
	raw, err := conn.SyscallConn()
	if err != nil {
		return -1
	}
	value := -1
	raw.Control(func(fd uintptr) {
		v, err := syscall.GetsockoptInt(int(fd), level, name)
		if err == nil {
			value = v
		}
	})
	return value
}

const tcpUserTimeout = 0x12

func report(label string, conn syscall.Conn) {
	fmt.Printf("%s keepalive=%d idle=%d interval=%d count=%d rcvbuf=%d sndbuf=%d user_timeout=%d nodelay=%d\n",
		label, option(conn, syscall.SOL_SOCKET, syscall.SO_KEEPALIVE),
		option(conn, syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE),
		option(conn, syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL),
		option(conn, syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT),
		option(conn, syscall.SOL_SOCKET, syscall.SO_RCVBUF),
		option(conn, syscall.SOL_SOCKET, syscall.SO_SNDBUF),
		option(conn, syscall.IPPROTO_TCP, tcpUserTimeout),
		option(conn, syscall.IPPROTO_TCP, syscall.TCP_NODELAY))
}

func pair(own bool, hold bool) {
	listener, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(2)
	}
	report("listener", listener.(*net.TCPListener))
	dialer := net.Dialer{}
	if own {
		dialer.KeepAlive = 40 * time.Second
	}
	accepted := make(chan net.Conn)
	go func() {
		conn, err := listener.Accept()
		if err != nil {
			os.Exit(2)
		}
		accepted <- conn
	}()
	client, err := dialer.Dial("tcp4", listener.Addr().String())
	if err != nil {
		fmt.Fprintln(os.Stderr, "dial:", err)
		os.Exit(2)
	}
	server := <-accepted
	report("client", client.(*net.TCPConn))
	report("server", server.(*net.TCPConn))
	fmt.Printf("ports client=%d server=%d\n", client.LocalAddr().(*net.TCPAddr).Port,
		listener.Addr().(*net.TCPAddr).Port)
	if hold {
		bufio.NewReader(os.Stdin).ReadString('\n')
	}
}

func idle(address string, keepalive time.Duration) {
	dialer := net.Dialer{KeepAlive: keepalive}
	conn, err := dialer.Dial("tcp4", address)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dial:", err)
		os.Exit(2)
	}
	fmt.Println("connected")
	start := time.Now()
	buffer := make([]byte, 16)
	_, err = conn.Read(buffer)
	fmt.Printf("read ended after_ms=%d err=%v\n", time.Since(start).Milliseconds(), err)
}

func churn(rounds int) {
	listener, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		os.Exit(2)
	}
	start := time.Now()
	for i := 0; i < rounds; i++ {
		client, err := net.Dial("tcp4", listener.Addr().String())
		if err != nil {
			os.Exit(2)
		}
		server, err := listener.Accept()
		if err != nil {
			os.Exit(2)
		}
		client.Close()
		server.Close()
	}
	fmt.Println(time.Since(start).Nanoseconds() / int64(rounds))
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: goprobe pair [own] | hold | idle[-go-keepalive] ADDR PORT | churn N")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "pair":
		pair(len(os.Args) > 2 && os.Args[2] == "own", false)
	case "hold":
		pair(false, true)
	case "churn":
		rounds := 1000
		fmt.Sscan(os.Args[2], &rounds)
		churn(rounds)
	case "idle":
		idle(net.JoinHostPort(os.Args[2], os.Args[3]), -1)
	case "idle-go-keepalive":
		idle(net.JoinHostPort(os.Args[2], os.Args[3]), 0) // 0: Go's default
	default:
		os.Exit(2)
	}
}
