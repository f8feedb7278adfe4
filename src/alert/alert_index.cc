#include "alert/alert_index.h"

#include <fmt/format.h>

#include <vector>

#include "alert/engine.h"

namespace vigil::alert {

namespace {

using json = nlohmann::ordered_json;

}  // namespace

void AlertIndex::BuildDocument(const json& alert) {
  doc_.Clear();
  auto add = [this](std::string_view name, findings::FieldOrigin origin, const json& v) {
    const std::string_view n = doc_.Intern(name);
    if (v.is_string()) {
      doc_.Add(n, origin, findings::Value::String(doc_.Intern(v.get_ref<const std::string&>())));
    } else if (v.is_boolean()) {
      doc_.Add(n, origin, findings::Value::Bool(v.get<bool>()));
    } else if (v.is_number_integer()) {
      doc_.Add(n, origin, findings::Value::Int(v.get<int64_t>()));
    } else if (v.is_number()) {
      doc_.Add(n, origin, findings::Value::Double(v.get<double>()));
    }
  };
  for (auto it = alert.begin(); it != alert.end(); ++it) {
    const std::string& key = it.key();
    const json& v = it.value();
    if (key == "findings" && v.is_array()) {
      for (const json& f : v) {
        if (!f.is_object()) continue;
        for (const char* field : {"type", "accountId", "region"}) {
          if (f.contains(field)) {
            add(fmt::format("findings.{}", field), findings::FieldOrigin::kCollapsed, f[field]);
          }
        }
      }
    } else if (v.is_array()) {
      for (const json& x : v) add(key, findings::FieldOrigin::kCollapsed, x);
    } else if (key == "delivery" && v.is_object()) {
      for (auto ch = v.begin(); ch != v.end(); ++ch) {
        if (!ch.value().is_object()) continue;
        for (auto e = ch.value().begin(); e != ch.value().end(); ++e) {
          add(fmt::format("delivery.{}.{}", ch.key(), e.key()), findings::FieldOrigin::kFlat,
              e.value());
        }
      }
    } else if (!v.is_structured()) {
      add(key, findings::FieldOrigin::kFlat, v);
    }
  }
  doc_.Finish();
}

void AlertIndex::Remember(json alert) {
  std::string id = alert.value("id", "");
  auto [it, inserted] = recent_.insert_or_assign(id, std::move(alert));
  if (inserted) order_.push_back(std::move(id));
  while (recent_.size() > cached_ && !order_.empty()) {
    // A changed alert stays until it is flushed.
    if (dirty_.count(order_.front()) != 0) break;
    recent_.erase(order_.front());
    order_.pop_front();
  }
}

Status AlertIndex::Write(std::span<const json* const> alerts,
                         std::span<const std::string> sources) {
  if (alerts.empty()) return Status::Ok();
  Result<std::shared_ptr<storage::Index>> index = db_->GetIndex(kAlertsIndex, true);
  if (!index.ok()) return index.status();
  batch_.Clear();
  std::string source;
  for (size_t i = 0; i < alerts.size(); ++i) {
    const json* a = alerts[i];
    if (!a->is_object() || !a->contains("id") || !(*a)["id"].is_string()) {
      return Status::InvalidArgument("an alert is not a JSON object with an id");
    }
    if (sources.size() != alerts.size()) {
      source = a->dump(-1, ' ', false, json::error_handler_t::replace);
    }
    BuildDocument(*a);
    converter_.AddDocument(storage::OpKind::kIndex, (*a)["id"].get_ref<const std::string&>(),
                           sources.size() == alerts.size() ? sources[i] : source, doc_, &batch_);
  }
  std::vector<storage::WriteOutcome> outcomes;
  return (*index)->Write(&batch_, &outcomes);
}

Status AlertIndex::Put(std::vector<json> alerts, std::vector<std::string> sources) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<const json*> list;
  list.reserve(alerts.size());
  for (const json& a : alerts) list.push_back(&a);
  VIGIL_RETURN_IF_ERROR(Write(list, sources));
  for (json& a : alerts) Remember(std::move(a));
  return Status::Ok();
}

Status AlertIndex::SetDelivery(std::string_view alert_id, std::string_view channel,
                               const json& entry) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string id(alert_id);
  auto it = recent_.find(id);
  if (it == recent_.end()) {
    // An older alert (or one from before a restart): read it from the index.
    Result<std::shared_ptr<storage::Index>> index = db_->GetIndex(kAlertsIndex, false);
    if (!index.ok()) return index.status();
    Result<std::optional<std::string>> source = (*index)->GetSnapshot()->GetSource(id);
    if (!source.ok()) return source.status();
    if (!source->has_value()) {
      return Status::NotFound(fmt::format("no alert [{}] in the alerts index", id));
    }
    json j = json::parse(**source, nullptr, false);
    if (!j.is_object()) return Status::Corruption(fmt::format("alert [{}] is not JSON", id));
    Remember(std::move(j));
    it = recent_.find(id);
    if (it == recent_.end()) return Status::Ok();
  }
  it->second["delivery"][std::string(channel)] = entry;
  dirty_.insert(id);
  return Status::Ok();
}

Status AlertIndex::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<const json*> list;
  for (const std::string& id : dirty_) {
    auto it = recent_.find(id);
    if (it != recent_.end()) list.push_back(&it->second);
  }
  VIGIL_RETURN_IF_ERROR(Write(list));
  dirty_.clear();
  return Status::Ok();
}

}  // namespace vigil::alert
