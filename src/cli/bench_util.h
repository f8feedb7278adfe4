// Helpers the benchmarks share: timing, running commands and peer scripts, loopback ports.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace vigil::cli {

// Seconds since `since` (steady clock).
double Seconds(std::chrono::steady_clock::time_point since);

// `s` quoted for the shell (single quotes).
std::string ShellQuote(std::string_view s);

// Runs `command` through the shell with stderr merged into stdout; returns its exit status (-1
// when it could not be run or was killed) and its output in *output.
int RunCommand(const std::string& command, std::string* output);

// The last non-empty line of a command's output, the one that says what went wrong.
std::string LastLine(const std::string& output);

// A TCP port on 127.0.0.1 that nothing listens on now. Another process could take it before the
// peer binds it; the start then fails and says so, which is good enough for a benchmark.
int FreeLoopbackPort();

// The path of a file beside the running vigil binary (bench/ scripts are found from the source
// tree instead: VIGIL_SOURCE_DIR).
std::string BesideBinary(std::string_view name);

}  // namespace vigil::cli
