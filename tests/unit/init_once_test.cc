// SPDX-License-Identifier: Apache-2.0
#include "shim/init_once.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace sockshim {
namespace {

std::atomic<int> g_calls{0};
std::atomic<int> g_value{0};
InitOnce g_once;

void slow_initialise() {
  g_calls.fetch_add(1);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  g_value.store(42);
}

TEST(InitOnceTest, ManyThreadsOneInitialisationAndAllSeeItsResult) {
  std::vector<std::thread> threads;
  std::atomic<int> saw_result{0};
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&] {
      if (g_once.run(slow_initialise) && g_value.load() == 42) saw_result.fetch_add(1);
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(g_calls.load(), 1);
  EXPECT_EQ(saw_result.load(), 16);
  EXPECT_TRUE(g_once.run(slow_initialise));
  EXPECT_EQ(g_calls.load(), 1);
}

InitOnce g_reentered;
bool g_inner_result = true;

void initialise_and_reenter() { g_inner_result = g_reentered.run(initialise_and_reenter); }

TEST(InitOnceTest, ReentryFromTheInitialisingThreadReturnsAtOnce) {
  // What a signal handler that opens a socket during initialisation does.
  EXPECT_TRUE(g_reentered.run(initialise_and_reenter));
  EXPECT_FALSE(g_inner_result);
}

TEST(InitOnceTest, RestartAfterForkOnlyWhenInterrupted) {
  InitOnce done;
  int calls = 0;
  static int* counter;
  counter = &calls;
  done.run([] { ++*counter; });
  done.restart_if_interrupted();  // finished: nothing to restart
  done.run([] { ++*counter; });
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace sockshim
