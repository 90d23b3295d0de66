// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: any bytes as a config, then, when they load, every
// event kind decided on the result, by the plain and the compiled matcher
// (which must agree). Built by SOCKSHIM_FUZZ=ON with clang,
// AddressSanitizer and UndefinedBehaviorSanitizer (scripts/fuzz).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/compiled_policy.h"
#include "config/decide.h"
#include "config/enforce.h"
#include "config/policy_loader.h"

namespace {

sockshim::Endpoint endpoint(const char* address, uint16_t port) {
  sockshim::Endpoint result;
  result.known = true;
  result.address = sockshim::IpAddress::parse(address).value_or(sockshim::IpAddress());
  result.port = port;
  return result;
}

bool same(const sockshim::SocketSettings& a, const sockshim::SocketSettings& b) {
  for (int i = 0; i < sockshim::kOptionCount; ++i) {
    if (a.values[i] != b.values[i]) return false;
  }
  return a.enforced == b.enforced && a.raw_count == b.raw_count;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sockshim::LoadResult loaded = sockshim::load_policy(text, "fuzz.toml");
  for (const sockshim::ConfigError& error : loaded.errors) (void)error.to_string();
  if (!loaded.policy) return 0;
  const sockshim::Policy policy = sockshim::for_program(*loaded.policy, "fuzzed");
  const sockshim::CompiledPolicy compiled(policy);
  for (int kind = 0; kind < 4; ++kind) {
    for (bool ipv6 : {false, true}) {
      for (bool udp : {false, true}) {
        sockshim::SocketEvent event;
        event.kind = static_cast<sockshim::SocketEventKind>(kind);
        event.ipv6 = ipv6;
        event.udp = udp;
        event.program = "fuzzed";
        event.remote = endpoint(ipv6 ? "fd00::1" : "10.1.2.3", 5432);
        event.local = endpoint(ipv6 ? "::1" : "127.0.0.1", 8080);
        const sockshim::SocketSettings wanted = sockshim::decide(policy, event, event.local);
        if (!same(wanted, compiled.decide(event, event.local))) std::abort();
        sockshim::SocketTarget target;
        target.ipv6 = ipv6;
        target.udp = udp;
        target.listener = kind == 2;
        target.accepted = kind == 3;
        (void)sockshim::options_to_apply(wanted, sockshim::copied_on_accept(policy.defaults), target);
        (void)sockshim::enforced_on(wanted, target);
      }
    }
  }
  return 0;
}
