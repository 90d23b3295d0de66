// SPDX-License-Identifier: Apache-2.0
#include "supervisor/socket_option_ring.h"

#include <linux/io_uring.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sockshim::supervisor {
namespace {

// The socket commands of IORING_OP_URING_CMD (include/uapi/linux/io_uring.h,
// enum io_uring_socket_op, Linux 6.7), which older headers lack.
constexpr uint32_t kGetsockoptCommand = 2;  // SOCKET_URING_OP_GETSOCKOPT
constexpr uint32_t kSetsockoptCommand = 3;  // SOCKET_URING_OP_SETSOCKOPT

// A submission queue entry as the socket commands read it: the kernel's
// struct io_uring_sqe with the unions resolved for them (cmd_op, level,
// optname, optlen, optval). Older headers name neither field.
struct SubmissionEntry {
  uint8_t opcode;
  uint8_t flags;
  uint16_t ioprio;
  int32_t fd;
  uint32_t command;  // cmd_op
  uint32_t padding1;
  uint32_t level;
  uint32_t name;  // optname
  uint32_t length_unused;
  uint32_t operation_flags;
  uint64_t user_data;
  uint16_t buffer_index;
  uint16_t personality;
  uint32_t value_length;  // optlen
  uint64_t value;         // optval
  uint64_t padding2;
};
static_assert(sizeof(SubmissionEntry) == 64, "struct io_uring_sqe is 64 bytes");
static_assert(offsetof(SubmissionEntry, level) == 16 && offsetof(SubmissionEntry, value_length) == 44 &&
                  offsetof(SubmissionEntry, value) == 48,
              "the socket commands' fields where the kernel reads them");

// Tries before giving up on one batch that the kernel keeps interrupting.
constexpr int kEnterTries = 8;

}  // namespace

SocketOptionRing::~SocketOptionRing() { close(); }

bool SocketOptionRing::available() {
  if (state_ == State::untried) {
    const bool works = open() && probe();
    state_ = works ? State::usable : State::unusable;
    if (!works) close();
  }
  return state_ == State::usable;
}

bool SocketOptionRing::open() {
  const int saved_errno = errno;
  io_uring_params params;
  std::memset(&params, 0, sizeof params);
  // SUBMIT_ALL: a command that fails does not hold back the ones after it.
  params.flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN;
  ring_ = static_cast<int>(syscall(SYS_io_uring_setup, static_cast<unsigned>(kCapacity), &params));
  errno = saved_errno;
  if (ring_ < 0) return false;
  if (!(params.features & IORING_FEAT_SINGLE_MMAP)) return false;  // older than any kernel with the commands
  const size_t submission_size = params.sq_off.array + params.sq_entries * sizeof(unsigned);
  const size_t completion_size = params.cq_off.cqes + params.cq_entries * sizeof(io_uring_cqe);
  rings_size_ = submission_size > completion_size ? submission_size : completion_size;
  void* rings = mmap(nullptr, rings_size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_,
                     IORING_OFF_SQ_RING);
  if (rings == MAP_FAILED) return false;
  rings_ = rings;
  entries_size_ = params.sq_entries * sizeof(SubmissionEntry);
  void* entries = mmap(nullptr, entries_size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_,
                       IORING_OFF_SQES);
  if (entries == MAP_FAILED) return false;
  entries_ = entries;
  char* base = static_cast<char*>(rings_);
  submission_tail_ = reinterpret_cast<unsigned*>(base + params.sq_off.tail);
  submission_mask_ = *reinterpret_cast<unsigned*>(base + params.sq_off.ring_mask);
  completion_head_ = reinterpret_cast<unsigned*>(base + params.cq_off.head);
  completion_tail_ = reinterpret_cast<unsigned*>(base + params.cq_off.tail);
  completion_mask_ = *reinterpret_cast<unsigned*>(base + params.cq_off.ring_mask);
  completions_ = base + params.cq_off.cqes;
  // Slot i of the submission array names entry i, for good.
  unsigned* order = reinterpret_cast<unsigned*>(base + params.sq_off.array);
  for (unsigned i = 0; i < params.sq_entries; ++i) order[i] = i;
  return true;
}

void SocketOptionRing::close() {
  if (entries_) munmap(entries_, entries_size_);
  if (rings_) munmap(rings_, rings_size_);
  if (ring_ >= 0) ::close(ring_);
  entries_ = rings_ = nullptr;
  ring_ = -1;
}

bool SocketOptionRing::probe() {
  // The commands on a socket of our own, checked against plain calls.
  const int saved_errno = errno;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    errno = saved_errno;
    return false;
  }
  int type = 0, keepalive = 1;
  Command commands[2];
  commands[0].level = SOL_SOCKET;
  commands[0].name = SO_TYPE;
  commands[0].value = &type;
  commands[0].length = sizeof type;
  commands[1].set = true;
  commands[1].level = SOL_SOCKET;
  commands[1].name = SO_KEEPALIVE;
  commands[1].value = &keepalive;
  commands[1].length = sizeof keepalive;
  state_ = State::usable;  // for run()
  bool works = run(fd, commands, 2) && commands[0].result == static_cast<int>(sizeof type) && type == SOCK_STREAM &&
               commands[1].result == 0;
  int read_back = 0;
  socklen_t length = sizeof read_back;
  works = works && ::getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &read_back, &length) == 0 && read_back == 1;
  ::close(fd);
  errno = saved_errno;
  return works;
}

bool SocketOptionRing::run(int fd, Command* commands, int count) {
  if (count <= 0) return true;
  if (state_ != State::usable || count > kCapacity) return false;
  const int saved_errno = errno;
  // Only this object's caller submits: the tail is ours to read plainly.
  const unsigned tail = *submission_tail_;
  auto* entries = static_cast<SubmissionEntry*>(entries_);
  for (int i = 0; i < count; ++i) {
    SubmissionEntry& entry = entries[(tail + static_cast<unsigned>(i)) & submission_mask_];
    std::memset(&entry, 0, sizeof entry);
    entry.opcode = IORING_OP_URING_CMD;
    entry.fd = fd;
    entry.command = commands[i].set ? kSetsockoptCommand : kGetsockoptCommand;
    entry.level = static_cast<uint32_t>(commands[i].level);
    entry.name = static_cast<uint32_t>(commands[i].name);
    entry.value_length = commands[i].length;
    entry.value = reinterpret_cast<uintptr_t>(commands[i].value);
    entry.user_data = static_cast<uint64_t>(i);
    commands[i].result = -ECANCELED;
  }
  __atomic_store_n(submission_tail_, tail + static_cast<unsigned>(count), __ATOMIC_RELEASE);

  int submitted = 0, completed = 0;
  auto* completions = static_cast<io_uring_cqe*>(completions_);
  for (int tries = 0; completed < count && tries < kEnterTries; ++tries) {
    // syscall() is variadic: each argument at the kernel's width (the last
    // one is a size_t, whose upper half an int would leave undefined).
    const long entered = syscall(SYS_io_uring_enter, ring_, static_cast<unsigned>(count - submitted),
                                 static_cast<unsigned>(count - completed), static_cast<unsigned>(IORING_ENTER_GETEVENTS),
                                 static_cast<const void*>(nullptr), static_cast<size_t>(0));
    if (entered < 0 && errno != EINTR) break;
    if (entered > 0) submitted += static_cast<int>(entered);
    unsigned head = *completion_head_;
    const unsigned completion_tail = __atomic_load_n(completion_tail_, __ATOMIC_ACQUIRE);
    for (; head != completion_tail; ++head) {
      const io_uring_cqe& completion = completions[head & completion_mask_];
      if (completion.user_data < static_cast<uint64_t>(count)) commands[completion.user_data].result = completion.res;
      ++completed;
    }
    __atomic_store_n(completion_head_, head, __ATOMIC_RELEASE);
  }
  errno = saved_errno;
  if (completed == count) return true;
  // Entries left in the queue, or completions still to come, would be
  // mistaken for the next batch's: this ring is done.
  state_ = State::unusable;
  close();
  return false;
}

}  // namespace sockshim::supervisor
