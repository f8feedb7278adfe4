// The alert module's files in a data directory (DATA/alerts/): the definitions of channels and
// rules, and the outbox. Opened the same way by the server and by an offline `vigil ingest`.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "alert/alert_store.h"
#include "alert/outbox.h"
#include "base/status.h"
#include "env/env.h"

namespace vigil::alert {

struct AlertFiles {
  std::unique_ptr<AlertStore> store;
  std::unique_ptr<Outbox> outbox;
};

// Opens DATA/alerts/definitions.json (with `configured`, the configuration file's read-only
// definitions) and DATA/alerts/outbox/. An error says which of the two could not be opened.
Result<AlertFiles> OpenAlertFiles(Env* env, const std::string& data_dir, Definitions configured,
                                  std::function<void(std::string_view)> log);

}  // namespace vigil::alert
