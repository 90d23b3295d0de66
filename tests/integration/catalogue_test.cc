// SPDX-License-Identifier: Apache-2.0
// The whole option catalogue against the kernel: every entry set by a rule
// and read back with getsockopt on listener, client and accepted socket, for
// IPv4 and IPv6; whether the kernel copies it to accepted sockets, measured;
// left alone when no rule matches; enforcement against a program that sets
// its own values.
#include <linux/capability.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "config/decide.h"
#include "config/option_catalogue.h"
#include "config/policy_loader.h"
#include "tests/programs/probe_options.h"
#include "tests/support/child_process.h"
#include "tests/support/probe_output.h"

namespace sockshim::testing {
namespace {

using ::testing::HasSubstr;
using Texts = std::map<std::string, std::map<std::string, std::string>>;

const char* probe_label(LevelName where) {
  for (const probe_option& probe : kProbeOptions) {
    if (probe.level == where.level && probe.name == where.name) return probe.label;
  }
  return nullptr;
}

// The labels sockprobe prints this option under on a socket of that family.
std::vector<std::string> labels(const CatalogueEntry& entry, bool ipv6) {
  std::vector<std::string> result = {probe_label(ipv6 ? entry.ipv6 : entry.ipv4)};
  if (ipv6 && entry.ipv6_also_sets_ipv4) result.push_back(probe_label(entry.ipv4));
  return result;
}

std::string rule_setting(const CatalogueEntry& entry, const std::string& program) {
  return "[[rule]]\nmatch.program = \"" + program + "\"\n" + entry.key + " = " + entry.example + "\n";
}

// The example's value as the config reads it.
OptionValue example_value(const CatalogueEntry& entry) {
  const LoadResult loaded = load_policy(std::string(entry.key) + " = " + entry.example, "example");
  EXPECT_TRUE(loaded.policy) << entry.key;
  if (!loaded.policy) return OptionValue();
  return loaded.policy->defaults.get(entry.id).value_or(OptionValue());
}

// What getsockopt shows for the example: the kernel doubles buffers, and
// DSCP sits in the upper six bits of the TOS byte.
std::string shown(const CatalogueEntry& entry) {
  const OptionValue value = example_value(entry);
  switch (entry.id) {
    case OptionId::receive_buffer:
    case OptionId::send_buffer: return std::to_string(2 * value.number);
    case OptionId::dscp: return std::to_string(value.number << 2);
    case OptionId::congestion: return value.text;
    default: return std::to_string(value.number);
  }
}

bool shows_example(const CatalogueEntry& entry, const std::string& label_value, bool connected) {
  if (entry.id == OptionId::maxseg && connected) {
    // A connection reports the segment size less its TCP options (timestamps).
    const int expected = std::stoi(shown(entry));
    const int seen = std::stoi(label_value);
    return seen <= expected && seen >= expected - 40;
  }
  return label_value == shown(entry);
}

Texts probe_pair(bool ipv6, const Environment& environment, std::string* err = nullptr) {
  std::vector<std::string> argv = {SOCKPROBE_PATH, "pair"};
  if (ipv6) argv.push_back("-6");
  const ProgramResult result = run_program(argv, environment);
  EXPECT_EQ(result.exit_status, 0) << result.err;
  if (err) *err = result.err;
  return parse_probe_texts(result.out);
}

const Texts& without_shim(bool ipv6) {
  static const Texts kPlain[2] = {probe_pair(false, {}), probe_pair(true, {})};
  return kPlain[ipv6];
}

struct CatalogueCase {
  OptionId id;
  bool ipv6;
};

std::vector<CatalogueCase> every_entry_and_family() {
  std::vector<CatalogueCase> cases;
  for (const CatalogueEntry& entry : kCatalogue) {
    cases.push_back({entry.id, false});
    cases.push_back({entry.id, true});
  }
  return cases;
}

std::string case_name(const ::testing::TestParamInfo<CatalogueCase>& info) {
  std::string name = catalogue_entry(info.param.id).key;
  for (char& c : name) {
    if (c == '.') c = '_';
  }
  return name + (info.param.ipv6 ? "_ipv6" : "_ipv4");
}

// SO_MARK needs CAP_NET_ADMIN or CAP_NET_RAW; image builds run tests without.
bool may_set_mark() { return has_effective_capability(CAP_NET_ADMIN) || has_effective_capability(CAP_NET_RAW); }
constexpr char kNoMarkCapability[] = "socket.mark needs CAP_NET_ADMIN or CAP_NET_RAW, which this process lacks";
#define SKIP_MARK_WITHOUT_CAPABILITY(entry) \
  if (std::string((entry).key) == "socket.mark" && !may_set_mark()) GTEST_SKIP() << kNoMarkCapability

class CatalogueTest : public ::testing::TestWithParam<CatalogueCase> {};

TEST_P(CatalogueTest, SetByARuleAndReadBackOnListenerClientAndAcceptedSocket) {
  const CatalogueEntry& entry = catalogue_entry(GetParam().id);
  SKIP_MARK_WITHOUT_CAPABILITY(entry);
  const bool ipv6 = GetParam().ipv6;
  Environment environment = with_shim(rule_setting(entry, "sockprobe"));
  environment["SOCKSHIM_LOG"] = "debug";
  std::string log;
  const Texts sockets = probe_pair(ipv6, environment, &log);
  for (const std::string& label : labels(entry, ipv6)) {
    for (const char* role : {"listener", "client", "accepted"}) {
      const std::string value = sockets.at(role).at(label);
      const bool set_here = entry.stage != Stage::before_listen || std::string(role) == "listener";
      if (set_here) {
        EXPECT_TRUE(shows_example(entry, value, std::string(role) != "listener"))
            << role << " " << label << "=" << value << ", expected " << shown(entry);
      } else {
        EXPECT_EQ(value, without_shim(ipv6).at(role).at(label)) << role << " " << label << ": listeners only";
      }
    }
  }
  // Inherited options come from the listener; the others are set again.
  const std::string at_accept = std::string("at accept: ") + kernel_name(entry, ipv6) + "=";
  if (entry.inherited || entry.stage == Stage::before_listen) {
    EXPECT_THAT(log, Not(HasSubstr(at_accept)));
  } else {
    EXPECT_THAT(log, HasSubstr(at_accept));
  }
}

TEST_P(CatalogueTest, LeftAloneWhenNoRuleMatches) {
  const CatalogueEntry& entry = catalogue_entry(GetParam().id);
  const bool ipv6 = GetParam().ipv6;
  const Texts sockets = probe_pair(ipv6, with_shim(rule_setting(entry, "nginx")));
  for (const char* role : {"listener", "client", "accepted"}) {
    for (const std::string& label : labels(entry, ipv6)) {
      EXPECT_EQ(sockets.at(role).at(label), without_shim(ipv6).at(role).at(label)) << role << " " << label;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Options, CatalogueTest, ::testing::ValuesIn(every_entry_and_family()), case_name);

// In this process, without the shim: a listener with the option set, a
// connection accepted from it, and whether the accepted socket shows the
// listener's value (compared with one accepted from a listener without it).
class Loopback {
 public:
  explicit Loopback(bool ipv6) : ipv6_(ipv6) {}

  // getsockopt of the accepted socket, as raw bytes, after |prepare| on the listener.
  std::string accepted_value(const CatalogueEntry& entry, bool set_on_listener) {
    const int family = ipv6_ ? AF_INET6 : AF_INET;
    const int listener = socket(family, SOCK_STREAM, 0);
    if (set_on_listener) {
      SocketSettings settings;
      settings.values[static_cast<int>(entry.id)] = example_value(entry);
      SocketTarget target;
      target.ipv6 = ipv6_;
      target.listener = true;
      const OptionList list = options_to_apply(settings, SocketSettings(), target);
      for (int i = 0; i < list.size; ++i) {
        const SocketOption& option = list.items[i];
        EXPECT_EQ(setsockopt(listener, option.level, option.name, option.data, option.length), 0)
            << entry.key << ": " << std::strerror(errno);
      }
    }
    sockaddr_storage address{};
    socklen_t length = loopback(&address);
    bind(listener, reinterpret_cast<sockaddr*>(&address), length);
    listen(listener, 4);
    getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
    const int client = socket(family, SOCK_STREAM, 0);
    EXPECT_EQ(connect(client, reinterpret_cast<sockaddr*>(&address), length), 0);
    EXPECT_EQ(write(client, "x", 1), 1);
    const int accepted = accept(listener, nullptr, nullptr);
    const LevelName where = ipv6_ ? entry.ipv6 : entry.ipv4;
    unsigned char value[64] = {};
    socklen_t value_length = sizeof value;
    getsockopt(accepted, where.level, where.name, value, &value_length);
    close(accepted);
    close(client);
    close(listener);
    return std::string(reinterpret_cast<char*>(value), value_length);
  }

 private:
  socklen_t loopback(sockaddr_storage* address) const {
    if (ipv6_) {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(address);
      in6->sin6_family = AF_INET6;
      in6->sin6_addr = in6addr_loopback;
      return sizeof *in6;
    }
    auto* in4 = reinterpret_cast<sockaddr_in*>(address);
    in4->sin_family = AF_INET;
    in4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return sizeof *in4;
  }

  bool ipv6_;
};

// Listener-only options are never set on accepted sockets: nothing to measure.
std::vector<CatalogueCase> entries_for_accepted_sockets() {
  std::vector<CatalogueCase> cases;
  for (const CatalogueCase& one : every_entry_and_family()) {
    if (catalogue_entry(one.id).stage != Stage::before_listen) cases.push_back(one);
  }
  return cases;
}

class InheritanceTest : public ::testing::TestWithParam<CatalogueCase> {};

TEST_P(InheritanceTest, TheInheritedColumnIsWhatTheKernelDoes) {
  const CatalogueEntry& entry = catalogue_entry(GetParam().id);
  SKIP_MARK_WITHOUT_CAPABILITY(entry);
  Loopback loopback(GetParam().ipv6);
  const bool copied = loopback.accepted_value(entry, true) != loopback.accepted_value(entry, false);
  EXPECT_EQ(copied, entry.inherited) << entry.key << ": the catalogue says "
                                     << (entry.inherited ? "inherited" : "not inherited");
}

INSTANTIATE_TEST_SUITE_P(Options, InheritanceTest, ::testing::ValuesIn(entries_for_accepted_sockets()), case_name);

TEST(UdpTest, MarkingReachesUdpSocketsOfAUdpRule) {
  if (!may_set_mark()) GTEST_SKIP() << kNoMarkCapability;
  for (bool ipv6 : {false, true}) {
    std::vector<std::string> argv = {SOCKPROBE_PATH, "udp"};
    if (ipv6) argv.push_back("-6");
    const auto sockets = parse_probe_output(
        run_program(argv, with_shim("[[rule]]\nmatch.protocol = \"udp\"\nip.dscp = \"EF\"\n"
                                    "socket.priority = 5\nsocket.mark = 9\n"))
            .out);
    const SocketReport& udp = sockets.at("udp-marking");
    EXPECT_EQ(udp.at(ipv6 ? "tclass" : "tos"), 46 << 2);
    EXPECT_EQ(udp.at("priority"), 5);
    EXPECT_EQ(udp.at("mark"), 9);
  }
}

TEST(RawOptionTest, SetOnEverySocketAndAgainOnAcceptedOnes) {
  for (bool ipv6 : {false, true}) {
    const Texts sockets =
        probe_pair(ipv6, with_shim("[[raw]]\nlevel = \"IPPROTO_IP\"\nname = \"IP_TTL\"\nvalue = 33\n"));
    // (IP_TTL on an IPv6 socket is its IPv4 side's, as for IP_TOS.)
    for (const char* role : {"listener", "client", "accepted"}) EXPECT_EQ(sockets.at(role).at("ttl"), "33") << role;
  }
  const Texts listeners_only = probe_pair(
      false, with_shim("[[raw]]\nlevel = 0\nname = 2\nvalue = [17, 0, 0, 0]\nwhen = \"listen\"\n"));
  EXPECT_EQ(listeners_only.at("listener").at("ttl"), "17");
  EXPECT_EQ(listeners_only.at("client").at("ttl"), without_shim(false).at("client").at("ttl"));
}

TEST(MarkTest, WithoutTheCapabilityOneWarningAndNothingElse) {
  if (geteuid() != 0) GTEST_SKIP() << "NEEDS ROOT";
  if (!setpriv_accepts({"--bounding-set", "-net_admin,-net_raw"})) {
    GTEST_SKIP() << "needs util-linux's setpriv (--bounding-set); /usr/bin/setpriv lacks it or is missing";
  }
  // Root without CAP_NET_ADMIN and CAP_NET_RAW in its bounding set execs a
  // program that has neither.
  // The environment travels as `env` arguments: setpriv, of the system's
  // libc, must not preload a shim built for another libc.
  std::vector<std::string> argv = {"/usr/bin/setpriv", "--bounding-set", "-net_admin,-net_raw", "/usr/bin/env"};
  for (const auto& [name, value] : with_shim("socket.mark = 7\nkeepalive.idle = 33\n")) {
    argv.push_back(name + "=" + value);
  }
  argv.push_back(SOCKPROBE_PATH);
  argv.push_back("pair");
  const ProgramResult result = run_program(argv, {});
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_THAT(result.err, HasSubstr("warn: socket.mark needs CAP_NET_ADMIN or CAP_NET_RAW, which this program "
                                    "lacks: SO_MARK is not set"));
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  const auto sockets = parse_probe_output(result.out);
  for (const char* role : {"listener", "client", "accepted"}) {
    EXPECT_EQ(sockets.at(role).at("mark"), 0) << role;
    EXPECT_EQ(sockets.at(role).at("idle"), 33) << role;
  }
}

// A program that sets its own keepalive, nodelay and TOS after connect()
// and accept(), as Go and curl do.
constexpr char kEnforced[] = R"(
keepalive = { idle = 30, interval = 10 }
tcp.nodelay = false
ip.dscp = "AF41"
)";

TEST(EnforceTest, TheConfigWinsOverTheProgramsOwnValues) {
  for (bool ipv6 : {false, true}) {
    std::vector<std::string> argv = {SOCKPROBE_PATH, "pair", "-o"};
    if (ipv6) argv.push_back("-6");
    const ProgramResult result =
        run_program(argv, with_shim(std::string(kEnforced) + "enforce = [\"keepalive\", \"tcp.nodelay\", \"ip.dscp\"]\n"));
    ASSERT_EQ(result.exit_status, 0) << result.err;
    EXPECT_EQ(result.err, "");
    const auto sockets = parse_probe_output(result.out);
    EXPECT_EQ(sockets.at("own-client").at("result"), 0) << "the program believes its values are set";
    EXPECT_EQ(sockets.at("own-accepted").at("result"), 0);
    for (const char* role : {"client", "accepted"}) {
      const SocketReport& s = sockets.at(role);
      EXPECT_EQ(s.at("idle"), 30) << role;
      EXPECT_EQ(s.at("interval"), 10) << role;
      EXPECT_EQ(s.at("nodelay"), 0) << role;
      EXPECT_EQ(s.at(ipv6 ? "tclass" : "tos"), 34 << 2) << role;
    }
  }
}

TEST(EnforceTest, WithoutEnforceTheProgramsValuesWin) {
  const auto sockets = parse_probe_output(run_program({SOCKPROBE_PATH, "pair", "-o"}, with_shim(kEnforced)).out);
  for (const char* role : {"client", "accepted"}) {
    EXPECT_EQ(sockets.at(role).at("idle"), 15) << role;
    EXPECT_EQ(sockets.at(role).at("interval"), 15) << role;
    EXPECT_EQ(sockets.at(role).at("nodelay"), 1) << role;
    EXPECT_EQ(sockets.at(role).at("tos"), 0x20) << role;
  }
}

TEST(EnforceTest, OnlyTheEnforcedOptionsAreKept) {
  const auto sockets = parse_probe_output(
      run_program({SOCKPROBE_PATH, "pair", "-o"}, with_shim(std::string(kEnforced) + "enforce = [\"tcp.nodelay\"]\n"))
          .out);
  EXPECT_EQ(sockets.at("client").at("nodelay"), 0);
  EXPECT_EQ(sockets.at("client").at("idle"), 15);  // not enforced: the program's
  EXPECT_EQ(sockets.at("client").at("tos"), 0x20);
}

TEST(EnforceTest, SocketsTheRuleDoesNotMatchKeepTheProgramsValues) {
  const auto sockets = parse_probe_output(
      run_program({SOCKPROBE_PATH, "pair", "-o"},
                  with_shim("[[rule]]\nmatch = { direction = \"connect\", port = 1 }\n"
                            "keepalive.idle = 30\nenforce = true\n"))
          .out);
  EXPECT_EQ(sockets.at("client").at("idle"), 15);
  EXPECT_EQ(sockets.at("accepted").at("idle"), 15);
}

}  // namespace
}  // namespace sockshim::testing
