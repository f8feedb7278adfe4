// The composition root of `vigil serve`: opens the data directory, builds the API and the HTTP
// server, runs until SIGTERM or SIGINT, then stops accepting, lets running requests finish and
// closes the indices (flushing them).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "env/env.h"
#include "server/config.h"

namespace vigil::server {

struct ServeOptions {
  std::string data_dir = "./vigil-data";
  std::string host = "127.0.0.1";
  uint16_t port = 9750;
  int threads = 0;  // 0: one per core, at least 2
  // The limits, TLS and API keys of the configuration file (data, listen and threads are taken
  // from the fields above, which the caller merged).
  ServerConfig config;
  std::string version;
  // Where the dashboard's built files are when the configuration does not say (web.root); empty:
  // the dashboard is not served.
  std::string default_web_root;
  // Told the address once the server listens ("http://127.0.0.1:9750").
  std::function<void(std::string_view)> on_listening;
  std::function<void(std::string_view)> log;
};

// Splits "HOST:PORT" ("[::1]:9750" for IPv6); InvalidArgument naming what is wrong.
Status ParseListen(std::string_view text, std::string* host, uint16_t* port);

// True for 127.0.0.0/8 and ::1.
bool IsLoopback(std::string_view host);

// Runs the server until a signal asks it to stop. Without API keys it listens on loopback only
// (InvalidArgument for any other address), and says so in the log.
Status Serve(Env* env, const ServeOptions& options);

}  // namespace vigil::server
