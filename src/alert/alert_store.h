// AlertStore: the alert channels and rules a server runs (docs/alerting.md): those of the
// configuration file, which the API may read but not change, and those made through the API,
// kept in DATA/alerts/definitions.json (written to a temporary file, fsynced and renamed, so that
// a crash leaves the old definitions or the new ones).
//
// The store keeps the definitions consistent: names are unique within their kind, a rule's
// channels exist, and a channel cannot be deleted while a rule uses it. Errors: Conflict (a name
// that exists, a configured definition, a channel in use), NotFound, InvalidArgument.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "alert/definitions.h"
#include "base/status.h"
#include "env/env.h"

namespace vigil::alert {

struct Definitions {
  std::vector<Channel> channels;  // sorted by name
  std::vector<Rule> rules;        // sorted by name
  uint64_t version = 0;           // grows with every change
};

struct AlertStoreLimits {
  size_t max_channels = 1000;
  size_t max_rules = 1000;
};

class AlertStore {
 public:
  // `path`: the file of the API's definitions (created on the first change). `configured`: the
  // configuration file's, which must be consistent (ParseConfig's caller checks with Check()).
  static Result<std::unique_ptr<AlertStore>> Open(Env* env, const std::string& path,
                                                  Definitions configured,
                                                  AlertStoreLimits limits = {});

  // Every definition, the configuration's and the API's together.
  Definitions Get() const;
  // Grows with every change (cheap: for caches of Get()).
  uint64_t version() const;
  bool IsConfigured(std::string_view kind, std::string_view name) const;  // kind: channel|rule

  // Creates (`create`: fails when the name exists) or replaces a channel or a rule.
  Status PutChannel(Channel channel, bool create);
  Status PutRule(Rule rule, bool create);
  Status DeleteChannel(std::string_view name);
  Status DeleteRule(std::string_view name);

  // InvalidArgument when `d` is inconsistent (a duplicate name, a rule naming a missing channel).
  static Status Check(const Definitions& d);

 private:
  AlertStore(Env* env, std::string path, Definitions configured, AlertStoreLimits limits);
  Status Load();
  Status Save(const Definitions& api);                                // REQUIRES mu_
  Status Refuse(std::string_view kind, std::string_view name) const;  // REQUIRES mu_

  Env* env_;
  const std::string path_;
  const Definitions configured_;
  const AlertStoreLimits limits_;
  mutable std::mutex mu_;
  Definitions api_;  // GUARDED_BY(mu_)
};

}  // namespace vigil::alert
