// SPDX-License-Identifier: Apache-2.0
// The preload logs through the engine's log (engine/log.h), which the
// supervisor and the command share; this name is kept for the preload's
// start-up code (shim/runtime.cc).
#pragma once

#include "engine/log.h"
