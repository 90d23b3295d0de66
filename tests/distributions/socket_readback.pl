# SPDX-License-Identifier: Apache-2.0
# socket_readback.py for images without python3, with Debian's perl-base
# (in every Debian image): connects a TCP socket to a listener in the same
# process and prints what the kernel says of the connecting socket's
# keepalive, in socket_readback.py's words, one line.
use strict;
use warnings;
use Socket qw(:all);

socket(my $listener, PF_INET, SOCK_STREAM, 0) or die "socket: $!";
bind($listener, pack_sockaddr_in(0, inet_aton("127.0.0.1"))) or die "bind: $!";
listen($listener, 1) or die "listen: $!";
socket(my $client, PF_INET, SOCK_STREAM, 0) or die "socket: $!";
connect($client, getsockname($listener)) or die "connect: $!";
accept(my $accepted, $listener) or die "accept: $!";

sub option { unpack "i", getsockopt($client, $_[0], $_[1]) }
printf "keepalive=%d idle=%d interval=%d count=%d\n",
  option(SOL_SOCKET, SO_KEEPALIVE), option(IPPROTO_TCP, TCP_KEEPIDLE),
  option(IPPROTO_TCP, TCP_KEEPINTVL), option(IPPROTO_TCP, TCP_KEEPCNT);
