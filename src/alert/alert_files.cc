#include "alert/alert_files.h"

#include <utility>

namespace vigil::alert {

Result<AlertFiles> OpenAlertFiles(Env* env, const std::string& data_dir, Definitions configured,
                                  std::function<void(std::string_view)> log) {
  AlertFiles out;
  Result<std::unique_ptr<AlertStore>> store =
      AlertStore::Open(env, JoinPath(data_dir, "alerts/definitions.json"), std::move(configured));
  if (!store.ok()) {
    return Status(store.status().code(),
                  "cannot read the alert definitions: " + store.status().message());
  }
  out.store = std::move(*store);
  OutboxOptions outbox_options;
  outbox_options.log = std::move(log);
  Result<std::unique_ptr<Outbox>> outbox =
      Outbox::Open(env, JoinPath(data_dir, "alerts/outbox"), outbox_options);
  if (!outbox.ok()) {
    return Status(outbox.status().code(),
                  "cannot open the alert outbox: " + outbox.status().message());
  }
  out.outbox = std::move(*outbox);
  return out;
}

}  // namespace vigil::alert
