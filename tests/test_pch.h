// Precompiled once per build for every test target (CMake target_precompile_headers): the
// third-party and standard headers most tests include, which otherwise dominate their compile
// time. Nothing may rely on it: each test file still includes what it uses (the header check
// in scripts/lint.sh compiles files without it).
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>
#include <zmq.hpp>
