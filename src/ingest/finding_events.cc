#include "ingest/finding_events.h"

#include <algorithm>
#include <array>
#include <utility>

#include "base/json_writer.h"
#include "base/time.h"

namespace vigil::ingest {

namespace {

void WriteValue(JsonWriter* w, const findings::Value& v) {
  switch (v.kind) {
    case findings::ValueKind::kBool:
      w->Bool(v.boolean);
      break;
    case findings::ValueKind::kInt:
      w->Int(v.integer);
      break;
    case findings::ValueKind::kDouble:
      w->Double(v.number);
      break;
    case findings::ValueKind::kString:
      w->String(v.string());
      break;
    case findings::ValueKind::kGeoPoint:
      w->BeginObject();
      w->Field("lat", v.number);
      w->Field("lon", v.number2);
      w->EndObject();
      break;
    default:
      w->Null();
      break;
  }
}

}  // namespace

std::string SummarizeFinding(const findings::ReadFinding& finding) {
  const findings::FindingMeta& m = finding.meta;
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Field("id", m.id);
  w.Field("type", m.type);
  w.Field("severity", m.severity);
  w.Field("accountId", m.account_id);
  w.Field("region", m.region);
  w.Key("updatedAt");
  w.String(FormatTimestamp(m.updated_at));
  w.Key("count");
  w.Int(m.service_count);
  // The first value of a few flattened and derived fields, under short names.
  if (finding.document != nullptr) {
    const findings::Document& doc = *finding.document;
    // Each picked field's values, in one pass over the fields (their sizes compared first: a
    // finding has a hundred fields or more).
    constexpr size_t kCount = std::size(kSummaryPicks);
    std::array<const findings::Field*, kCount> fields{};
    size_t left = kCount;
    for (const findings::Field& f : doc.fields()) {
      for (size_t i = 0; i < kCount; ++i) {
        if (fields[i] == nullptr && f.name.size() == kSummaryPicks[i].first.size() &&
            f.name == kSummaryPicks[i].first) {
          fields[i] = &f;
          --left;
          break;
        }
      }
      if (left == 0) break;
    }
    for (size_t i = 0; i < kCount; ++i) {
      if (fields[i] == nullptr) continue;
      std::span<const findings::Value> values = doc.values(*fields[i]);
      auto v = std::find_if(values.begin(), values.end(), [](const findings::Value& x) {
        return x.kind != findings::ValueKind::kNull && x.kind != findings::ValueKind::kEmptyArray &&
               x.kind != findings::ValueKind::kEmptyObject;
      });
      if (v == values.end()) continue;
      w.Key(kSummaryPicks[i].second);
      WriteValue(&w, *v);
    }
  }
  w.EndObject();
  return out;
}

void FindingEventHub::Subscription::Take(std::vector<std::shared_ptr<const FindingEvent>>* out,
                                         size_t max) {
  std::lock_guard<std::mutex> lock(mu_);
  while (!queue_.empty() && out->size() < max) {
    out->push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
}

bool FindingEventHub::Subscription::overflowed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return overflowed_;
}

bool FindingEventHub::Subscription::Arm(std::function<void()> wake) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!queue_.empty() || overflowed_) return false;
  wake_ = std::move(wake);
  return true;
}

std::function<void()> FindingEventHub::Subscription::Push(
    const std::vector<std::shared_ptr<const FindingEvent>>& events) {
  std::lock_guard<std::mutex> lock(mu_);
  if (overflowed_) return {};
  if (queue_.size() + events.size() > limit_) {
    overflowed_ = true;
    queue_.clear();
  } else {
    queue_.insert(queue_.end(), events.begin(), events.end());
  }
  return std::exchange(wake_, nullptr);
}

std::shared_ptr<FindingEventHub::Subscription> FindingEventHub::Subscribe() {
  auto s = std::make_shared<Subscription>(queue_limit_);
  std::lock_guard<std::mutex> lock(mu_);
  subscriptions_.push_back(s);
  return s;
}

void FindingEventHub::Publish(std::vector<FindingEvent> events) {
  if (events.empty()) return;
  std::vector<std::shared_ptr<Subscription>> live;
  std::vector<std::shared_ptr<const FindingEvent>> shared;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (FindingEvent& e : events) {
      e.seq = next_seq_++;
      shared.push_back(std::make_shared<const FindingEvent>(std::move(e)));
    }
    std::erase_if(subscriptions_, [](const std::weak_ptr<Subscription>& w) { return w.expired(); });
    for (const std::weak_ptr<Subscription>& w : subscriptions_) {
      if (std::shared_ptr<Subscription> s = w.lock()) live.push_back(std::move(s));
    }
  }
  for (const std::shared_ptr<Subscription>& s : live) {
    if (std::function<void()> wake = s->Push(shared)) wake();
  }
}

size_t FindingEventHub::subscribers() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& w : subscriptions_) n += w.expired() ? 0 : 1;
  return n;
}

}  // namespace vigil::ingest
