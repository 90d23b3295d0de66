// SPDX-License-Identifier: Apache-2.0
#include "supervisor/descriptor_passing.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sockshim::supervisor {
namespace {

// musl's CMSG_NXTHDR compares a size_t with a ptrdiff_t, which
// -Wsign-compare reports in every file that expands it.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
cmsghdr* next_header(msghdr* message, cmsghdr* header) { return CMSG_NXTHDR(message, header); }
#pragma GCC diagnostic pop

}  // namespace

ssize_t send_with_descriptor(int channel, const void* data, size_t length, int fd) {
  msghdr message;
  std::memset(&message, 0, sizeof message);
  iovec bytes = {const_cast<void*>(data), length};
  message.msg_iov = &bytes;
  message.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  if (fd >= 0) {
    std::memset(control, 0, sizeof control);
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(header), &fd, sizeof fd);
  }
  ssize_t sent;
  while ((sent = sendmsg(channel, &message, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
  }
  return sent;
}

ssize_t receive_with_descriptor(int channel, void* buffer, size_t capacity, int* fd) {
  msghdr message;
  std::memset(&message, 0, sizeof message);
  iovec bytes = {buffer, capacity};
  message.msg_iov = &bytes;
  message.msg_iovlen = 1;
  // Room for a few: a sender that attaches more must not leak them here.
  alignas(cmsghdr) char control[CMSG_SPACE(4 * sizeof(int))];
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  ssize_t got;
  while ((got = recvmsg(channel, &message, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
  }
  if (got < 0) return got;
  bool taken = false;
  for (cmsghdr* header = CMSG_FIRSTHDR(&message); header; header = next_header(&message, header)) {
    if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
    const size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int received;
      std::memcpy(&received, CMSG_DATA(header) + i * sizeof(int), sizeof received);
      if (!taken && *fd < 0) {
        *fd = received;
        taken = true;
      } else {
        close(received);
      }
    }
  }
  return got;
}

}  // namespace sockshim::supervisor
