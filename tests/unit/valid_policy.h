// SPDX-License-Identifier: Apache-2.0
// A config the unit tests expect to be valid, loaded; each error fails the
// test that loaded it.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "config/policy_loader.h"

namespace sockshim {

inline Policy valid_policy(const std::string& text) {
  LoadResult result = load_policy(text, "test.toml");
  for (const ConfigError& error : result.errors) ADD_FAILURE() << error.to_string();
  return result.policy.value_or(Policy());
}

}  // namespace sockshim
